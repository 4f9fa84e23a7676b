package auth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/testenv"
)

// Short names for the test identities, which this package's tests use on nearly every line.
const (
	tenant      = entra.TestTenant
	otherTenant = entra.OtherTenant
	client      = entra.TestClient
	user        = entra.UserA
)

// fixture is a verifier wired to a real key server over HTTP, as in production.
type fixture struct {
	key      *entra.Key
	keys     *entra.KeyServer
	verifier *auth.Verifier
	now      time.Time
}

func newFixture(t *testing.T, opts auth.KeySetOptions) *fixture {
	t.Helper()
	key := testenv.MustKey(t, "key-1")
	f := &fixture{key: key, keys: entra.NewKeyServer(key), now: time.Now()}
	srv := httptest.NewServer(f.keys)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	remote, err := auth.NewRemoteKeys(ctx, srv.URL+"/keys", opts)
	if err != nil {
		t.Fatal(err)
	}
	<-remote.Ready()
	f.verifier, err = auth.NewVerifier(auth.Config{TenantID: tenant, ClientID: client, RequiredScope: "access_as_user"}, remote)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func sign(t *testing.T, k *entra.Key, claims map[string]any, header map[string]any) string {
	t.Helper()
	tok, err := k.Sign(claims, header)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) v2() map[string]any { return entra.V2Claims(tenant, client, user, f.now) }
func (f *fixture) v1() map[string]any { return entra.V1Claims(tenant, client, user, f.now) }

func (f *fixture) verify(t *testing.T, tok string) (*auth.Principal, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f.verifier.Verify(ctx, tok)
}

func TestAcceptsV1AndV2Tokens(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	v2AppIDURI := f.v2()
	v2AppIDURI["aud"] = "api://" + client
	v1ClientID := f.v1()
	v1ClientID["aud"] = client
	for name, claims := range map[string]map[string]any{
		"v2": f.v2(), "v1": f.v1(), "v2 with api:// audience": v2AppIDURI, "v1 with client id audience": v1ClientID,
	} {
		p, err := f.verify(t, sign(t, f.key, claims, nil))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.ObjectID != user || p.TenantID != tenant || p.Name != "Ada Lovelace" || p.Username != "ada@example.com" || len(p.Scopes) != 1 {
			t.Errorf("%s: principal %+v", name, p)
		}
	}
}

func TestRejectsInvalidTokens(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	stranger := testenv.MustKey(t, "key-1") // same kid, different key: a forged signature
	with := func(base map[string]any, changes map[string]any) map[string]any {
		for k, v := range changes {
			if v == nil {
				delete(base, k)
				continue
			}
			base[k] = v
		}
		return base
	}
	hour := time.Hour
	cases := []struct {
		name, token, description string
	}{
		{"malformed", "abc.def", "the token is malformed"},
		{"not base64", "a$b.c.d", "the token is malformed"},
		{"alg none", unsigned(t, f.v2(), "none"), "the signature is invalid"},
		{"alg HS256", unsigned(t, f.v2(), "HS256"), "the signature is invalid"},
		{"alg RS512", sign(t, f.key, f.v2(), map[string]any{"alg": "RS512"}), "the signature is invalid"},
		{"bad signature", sign(t, stranger, f.v2(), nil), "the signature is invalid"},
		{"no kid", sign(t, f.key, f.v2(), map[string]any{"kid": nil}), "the signature key was not found"},
		{"unknown kid", sign(t, f.key, f.v2(), map[string]any{"kid": "nope"}), "the signature key was not found"},
		{"no exp", sign(t, f.key, with(f.v2(), map[string]any{"exp": nil}), nil), "a required claim is missing"},
		{"expired", sign(t, f.key, with(f.v2(), map[string]any{"exp": f.now.Add(-auth.DefaultLeeway - time.Second).Unix()}), nil), "the token is expired"},
		{"nbf in the future", sign(t, f.key, with(f.v2(), map[string]any{"nbf": f.now.Add(hour).Unix()}), nil), "the token is not yet valid"},
		{"iat in the future", sign(t, f.key, with(f.v2(), map[string]any{"iat": f.now.Add(hour).Unix()}), nil), "the token is not yet valid"},
		{"other audience", sign(t, f.key, with(f.v2(), map[string]any{"aud": "00000003-0000-0000-c000-000000000000"}), nil), "the audience is invalid"},
		{"no audience", sign(t, f.key, with(f.v2(), map[string]any{"aud": nil}), nil), "a required claim is missing"},
		{"v1 issuer with ver 2.0", sign(t, f.key, with(f.v2(), map[string]any{"iss": "https://sts.windows.net/" + tenant + "/"}), nil), "the issuer is invalid"},
		{"v2 issuer with ver 1.0", sign(t, f.key, with(f.v1(), map[string]any{"iss": "https://login.microsoftonline.com/" + tenant + "/v2.0"}), nil), "the issuer is invalid"},
		{"other tenant's issuer", sign(t, f.key, with(f.v2(), map[string]any{"iss": "https://login.microsoftonline.com/" + otherTenant + "/v2.0"}), nil), "the issuer is invalid"},
		{"no ver", sign(t, f.key, with(f.v2(), map[string]any{"ver": nil}), nil), "the token version is invalid"},
		{"other tid", sign(t, f.key, with(f.v2(), map[string]any{"tid": otherTenant}), nil), "the tenant is not allowed"},
		{"no oid", sign(t, f.key, with(f.v2(), map[string]any{"oid": nil}), nil), "the token has no valid oid"},
		{"oid not a GUID", sign(t, f.key, with(f.v2(), map[string]any{"oid": "../../other"}), nil), "the token has no valid oid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.verify(t, c.token)
			var invalid *auth.InvalidTokenError
			if !errors.As(err, &invalid) {
				t.Fatalf("err = %v, want InvalidTokenError", err)
			}
			if invalid.Description != c.description {
				t.Errorf("description %q, want %q", invalid.Description, c.description)
			}
		})
	}
}

// unsigned builds a token with the given alg and a junk signature: without the private key
// this is all an attacker can send.
func unsigned(t *testing.T, claims map[string]any, alg string) string {
	t.Helper()
	k := testenv.MustKey(t, "key-1")
	tok := sign(t, k, claims, map[string]any{"alg": alg})
	return tok[:strings.LastIndex(tok, ".")+1] + "c2lnbmF0dXJl"
}

func TestScope(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	for name, scp := range map[string]any{
		"other scope": "User.Read", "no scp (app-only)": nil, "prefix only": "access_as",
		// RFC 6749 §3.3: scopes are separated by U+0020 only; any other white space is part
		// of a scope-token, so none of these holds the scope access_as_user.
		"tab separator": "User.Read\taccess_as_user", "no-break space separator": "User.Read\u00a0access_as_user",
		"NEL separator": "User.Read\u0085access_as_user", "line feed separator": "User.Read\naccess_as_user",
	} {
		claims := f.v2()
		if scp == nil {
			delete(claims, "scp")
			claims["roles"] = []string{"Tasks.ReadWrite.All"}
		} else {
			claims["scp"] = scp
		}
		_, err := f.verify(t, sign(t, f.key, claims, nil))
		var noScope *auth.InsufficientScopeError
		if !errors.As(err, &noScope) || noScope.Scope != "api://"+client+"/access_as_user" {
			t.Errorf("%s: err = %v, want insufficient scope api://%s/access_as_user", name, err, client)
		}
	}
	claims := f.v2()
	for _, scp := range []string{"User.Read access_as_user", "User.Read  access_as_user ", " access_as_user"} {
		claims["scp"] = scp
		if _, err := f.verify(t, sign(t, f.key, claims, nil)); err != nil {
			t.Errorf("several scopes %q: %v", scp, err)
		}
	}
	// A token that is invalid AND lacks the scope is invalid (401), not forbidden (403).
	expired := f.v2()
	expired["scp"] = "User.Read"
	expired["exp"] = f.now.Add(-time.Hour).Unix()
	var invalid *auth.InvalidTokenError
	if _, err := f.verify(t, sign(t, f.key, expired, nil)); !errors.As(err, &invalid) {
		t.Errorf("expired token without scope: %v, want invalid token", err)
	}
}

func TestLeewayAcceptsSmallSkew(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	claims := f.v2()
	claims["exp"] = f.now.Add(-auth.DefaultLeeway + 5*time.Second).Unix()
	claims["nbf"] = f.now.Add(auth.DefaultLeeway - 5*time.Second).Unix()
	if _, err := f.verify(t, sign(t, f.key, claims, nil)); err != nil {
		t.Errorf("token within leeway rejected: %v", err)
	}
}

func TestKeyRotationIsPickedUp(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	if _, err := f.verify(t, sign(t, f.key, f.v2(), nil)); err != nil {
		t.Fatal(err)
	}
	rotated := testenv.MustKey(t, "key-2")
	f.keys.SetKeys(f.key, rotated)
	before := f.keys.Fetches()
	if _, err := f.verify(t, sign(t, rotated, f.v2(), nil)); err != nil {
		t.Fatalf("token signed with the new key: %v", err)
	}
	if got := f.keys.Fetches() - before; got != 1 {
		t.Errorf("rotation caused %d fetches, want 1", got)
	}
	if _, err := f.verify(t, sign(t, f.key, f.v2(), nil)); err != nil {
		t.Errorf("old key still published but rejected: %v", err)
	}
}

func TestUnknownKIDBurstFetchesAtMostOnce(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	before := f.keys.Fetches()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			tok := sign(t, f.key, f.v2(), map[string]any{"kid": "forged-" + string(rune('a'+i%26))})
			if _, err := f.verify(t, tok); err == nil {
				t.Error("token with an unknown kid accepted")
			}
		})
	}
	wg.Wait()
	if got := f.keys.Fetches() - before; got > 1 {
		t.Errorf("200 unknown kids caused %d key set fetches, want at most 1", got)
	}
	// Known keys keep working throughout.
	if _, err := f.verify(t, sign(t, f.key, f.v2(), nil)); err != nil {
		t.Errorf("valid token after the burst: %v", err)
	}
}

func TestKnownKeysSurviveKeySetOutage(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{RefreshInterval: 50 * time.Millisecond})
	f.keys.Fail(500)
	before := f.keys.Fetches()
	time.Sleep(200 * time.Millisecond) // several failed refreshes
	if f.keys.Fetches() == before {
		t.Fatal("the key set was not refreshed during the outage; the test proves nothing")
	}
	if _, err := f.verify(t, sign(t, f.key, f.v2(), nil)); err != nil {
		t.Errorf("known key rejected while the key endpoint fails: %v", err)
	}
	f.keys.SetBody([]byte("<html>garbage</html>"))
	f.keys.Fail(0)
	time.Sleep(200 * time.Millisecond)
	if _, err := f.verify(t, sign(t, f.key, f.v2(), nil)); err != nil {
		t.Errorf("known key rejected while the key endpoint serves garbage: %v", err)
	}
}

func TestRequestContextBoundsKeyWait(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.verifier.Verify(ctx, sign(t, f.key, f.v2(), map[string]any{"kid": "unknown"}))
	if err == nil {
		t.Fatal("accepted")
	}
}

func TestConfigRejectsNonsense(t *testing.T) {
	keys := &auth.RemoteKeys{}
	for name, cfg := range map[string]auth.Config{
		"tenant not a GUID": {TenantID: "contoso.onmicrosoft.com", ClientID: client, RequiredScope: "access_as_user"},
		"client not a GUID": {TenantID: tenant, ClientID: "api://x", RequiredScope: "access_as_user"},
		"no scope":          {TenantID: tenant, ClientID: client},
		"two scopes":        {TenantID: tenant, ClientID: client, RequiredScope: "a b"},
		"leeway too big":    {TenantID: tenant, ClientID: client, RequiredScope: "x", Leeway: time.Hour},
	} {
		if _, err := auth.NewVerifier(cfg, keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, u := range []string{"http://login.example.com/keys", "ftp://x/keys", "keys.json"} {
		if err := auth.CheckJWKSURL(u); err == nil {
			t.Errorf("key set URL %q accepted", u)
		}
	}
	for _, u := range []string{"https://login.microsoftonline.com/x/discovery/v2.0/keys", "http://127.0.0.1:9/keys", "http://localhost:9/keys"} {
		if err := auth.CheckJWKSURL(u); err != nil {
			t.Errorf("key set URL %q rejected: %v", u, err)
		}
	}
}

// AZURE_AUTHORITY_HOST decides the issuers (auth/clouds.go cites Microsoft's table): the v1
// issuer is the cloud's STS, the v2 issuer the cloud's login host, which for China is
// login.partner.microsoftonline.cn whichever of China's two authority hosts is set (v2 tokens of
// China carry it; the issuer at login.chinacloudapi.cn is accepted too). A token from one cloud is
// refused in another.
func TestIssuersPerCloud(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	url := testenv.ServeKeys(t, entra.NewKeyServer(key))
	chinaV2 := []string{"https://login.partner.microsoftonline.cn/" + tenant + "/v2.0", "https://login.chinacloudapi.cn/" + tenant + "/v2.0"}
	clouds := []struct {
		name, host, v1 string
		v2             []string
	}{
		{"public", "", "https://sts.windows.net/" + tenant + "/", []string{"https://login.microsoftonline.com/" + tenant + "/v2.0"}},
		{"public, explicit", "https://login.microsoftonline.com/", "https://sts.windows.net/" + tenant + "/", []string{"https://login.microsoftonline.com/" + tenant + "/v2.0"}},
		{"US Government", "https://login.microsoftonline.us", "https://sts.windows.net/" + tenant + "/", []string{"https://login.microsoftonline.us/" + tenant + "/v2.0"}},
		{"China", "https://login.chinacloudapi.cn/", "https://sts.chinacloudapi.cn/" + tenant + "/", chinaV2},
		{"China, partner host", "https://login.partner.microsoftonline.cn", "https://sts.chinacloudapi.cn/" + tenant + "/", chinaV2},
		{"China, as typed in capitals", "HTTPS://LOGIN.CHINACLOUDAPI.CN", "https://sts.chinacloudapi.cn/" + tenant + "/", chinaV2},
	}
	allIssuers := []string{}
	for _, c := range clouds {
		allIssuers = append(allIssuers, c.v1)
		allIssuers = append(allIssuers, c.v2...)
	}
	for _, c := range clouds {
		v1, v2, err := auth.Issuers(c.host, tenant)
		if err != nil || v1 != c.v1 || !slices.Equal(v2, c.v2) {
			t.Errorf("%s: Issuers = %q %q %v, want %q %q", c.name, v1, v2, err, c.v1, c.v2)
		}
		_, v := startKeys(t, url, auth.KeySetOptions{}, auth.Config{AuthorityHost: c.host})
		for _, iss := range allIssuers {
			claims := entra.V2Claims(tenant, client, user, time.Now())
			if strings.HasPrefix(iss, "https://sts.") {
				claims = entra.V1Claims(tenant, client, user, time.Now())
			}
			claims["iss"] = iss
			err := verifyNow(v, sign(t, key, claims, nil))
			if want := iss == c.v1 || slices.Contains(c.v2, iss); want != (err == nil) {
				t.Errorf("%s cloud, issuer %s: err = %v, accepted should be %v", c.name, iss, err, want)
			}
		}
	}
	// A host with no documented v1 issuer accepts v2 tokens only.
	v1, v2, err := auth.Issuers("https://login.example.net", tenant)
	if err != nil || v1 != "" || !slices.Equal(v2, []string{"https://login.example.net/" + tenant + "/v2.0"}) {
		t.Errorf("unknown cloud: v1 %q v2 %q err %v", v1, v2, err)
	}
	_, v := startKeys(t, url, auth.KeySetOptions{}, auth.Config{AuthorityHost: "https://login.example.net"})
	for _, iss := range []any{nil, ""} {
		claims := entra.V1Claims(tenant, client, user, time.Now())
		claims["iss"] = iss
		if iss == nil {
			delete(claims, "iss")
		}
		if err := verifyNow(v, sign(t, key, claims, nil)); err == nil {
			t.Errorf("unknown cloud: a v1 token with issuer %v was accepted", iss)
		}
	}
}

// AZURE_AUTHORITY_HOST is parsed as a URL: what only differs in spelling (the scheme's or the
// host's case, a trailing slash, the default port) is the same host; anything else would make
// every token fail or pick another cloud, and is refused.
func TestAuthorityHostIsParsedAsAURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://login.microsoftonline.com":        "https://login.microsoftonline.com",
		"https://login.microsoftonline.com/":       "https://login.microsoftonline.com",
		"HTTPS://login.microsoftonline.com":        "https://login.microsoftonline.com",
		"https://Login.MicrosoftOnline.US/":        "https://login.microsoftonline.us",
		"https://login.microsoftonline.com:443":    "https://login.microsoftonline.com",
		"https://login.partner.microsoftonline.cn": "https://login.partner.microsoftonline.cn",
	} {
		if got, err := auth.NormalizeAuthorityHost(raw); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{
		"http://login.microsoftonline.us", "login.microsoftonline.us", "https://", "",
		"https://login.microsoftonline.us/tenant", "https://login.microsoftonline.com///", "https://login.microsoftonline.com//",
		"https://login.microsoftonline.com/?", "https://login.microsoftonline.com?x=1", "https://login.microsoftonline.com/#",
		"https://login.microsoftonline.com#top", "https://user@login.microsoftonline.com", "https://user:pw@login.microsoftonline.com",
		"https://login.microsoftonline.com:8443", "https://login.microsoftonline.com:", "https://login microsoftonline.com",
		`https://login.microsoftonline.com\@evil.example`, "ftp://login.microsoftonline.com",
	} {
		if got, err := auth.NormalizeAuthorityHost(bad); err == nil {
			t.Errorf("authority host %q accepted as %q", bad, got)
		}
	}
}

// The roles claim (app roles assigned to the caller) is read strictly: a JSON array of
// strings, values compared case-sensitively; unknown values are dropped, not refused.
func TestRolesClaim(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	for name, c := range map[string]struct {
		roles any // nil: no roles claim
		want  []string
	}{
		"no claim":               {nil, []string{}},
		"empty":                  {[]string{}, []string{}},
		"viewer":                 {[]string{"Viewer"}, []string{"Viewer"}},
		"admin and viewer":       {[]string{"Viewer", "Admin"}, []string{"Admin", "Viewer"}},
		"unknown and wrong case": {[]string{"admin", "EDITOR", "Owner"}, []string{}},
		"editor among unknown":   {[]string{"Tasks.ReadWrite.All", "Editor"}, []string{"Editor"}},
	} {
		claims := f.v2()
		if c.roles != nil {
			claims["roles"] = c.roles
		}
		p, err := f.verify(t, sign(t, f.key, claims, nil))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := p.Roles.Names(); !slices.Equal(got, c.want) {
			t.Errorf("%s: roles %v, want %v", name, got, c.want)
		}
	}
	for name, roles := range map[string]any{
		"a string": "Admin", "null": nil, "an object": map[string]any{"0": "Admin"},
		"a number in the array": []any{"Admin", 1}, "a nested array": []any{[]any{"Admin"}},
	} {
		claims := f.v2()
		claims["roles"] = roles
		_, err := f.verify(t, sign(t, f.key, claims, nil))
		var invalid *auth.InvalidTokenError
		if !errors.As(err, &invalid) {
			t.Errorf("roles %s: err = %v, want an invalid token (401)", name, err)
		}
	}
}
