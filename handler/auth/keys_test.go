package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/testenv"
)

// startKeys is RemoteKeys over srvURL with a verifier, waiting for the first download.
func startKeys(t *testing.T, srvURL string, opts auth.KeySetOptions, cfg auth.Config) (*auth.RemoteKeys, *auth.Verifier) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	remote, err := auth.NewRemoteKeys(ctx, srvURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	<-remote.Ready()
	cfg.TenantID, cfg.ClientID, cfg.RequiredScope = tenant, client, "access_as_user"
	v, err := auth.NewVerifier(cfg, remote)
	if err != nil {
		t.Fatal(err)
	}
	return remote, v
}

func verifyNow(v *auth.Verifier, tok string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := v.Verify(ctx, tok)
	return err
}

// eventually polls check every 10 ms until it returns nil or within passes.
func eventually(within time.Duration, check func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// downloadedTwiceMore waits up to 2 s for two more downloads of the key set than it has served
// now: one may already have been under way with the old body.
func downloadedTwiceMore(ks *entra.KeyServer) bool {
	before := ks.Fetches()
	return eventually(2*time.Second, func() error {
		if ks.Fetches() < before+2 {
			return errors.New("not downloaded")
		}
		return nil
	}) == nil
}

// While no keys are held, a token is not at fault: the check says "unavailable" (the API
// answers 503 + Retry-After), not "invalid" (401, which makes the SPA drop the token). The
// downloads retry on their own backoff, so a valid token works within moments of the
// endpoint healing, and the unknown-kid refresh budget is still unspent afterwards.
func TestNoKeysYetIsUnavailableAndRecoversOnItsOwn(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	ks := entra.NewKeyServer(key)
	ks.Fail(503)
	srv := httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	_, v := startKeys(t, srv.URL, auth.KeySetOptions{RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}, auth.Config{})
	tok := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)

	for range 3 { // several tokens: none may spend anything that delays recovery
		if err := verifyNow(v, tok); !errors.Is(err, auth.ErrKeysUnavailable) {
			t.Fatalf("with no keys held: err = %v, want ErrKeysUnavailable", err)
		}
	}
	if !downloadedTwiceMore(ks) {
		t.Fatal("the key set download is not retried while no keys are held")
	}
	ks.Fail(0)
	if err := eventually(2*time.Second, func() error { return verifyNow(v, tok) }); err != nil {
		t.Fatalf("valid token still refused 2 s after the key endpoint healed: %v", err)
	}
	// The unknown-kid budget (one refresh per 5 minutes by default) was not spent on the outage.
	rotated := testenv.MustKey(t, "key-2")
	ks.SetKeys(key, rotated)
	if err := verifyNow(v, sign(t, rotated, entra.V2Claims(tenant, client, user, time.Now()), nil)); err != nil {
		t.Errorf("a rotated key after recovery: %v (the unknown-kid refresh was spent)", err)
	}
}

// jwksWith serves a key set document built from JWKs edited by the test.
func jwksWith(keys ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

func jwkOf(k *entra.Key, edit map[string]any) map[string]any {
	j := k.JWK()
	for name, v := range edit {
		j[name] = v
	}
	return j
}

// Only keys that may verify an RS256 signature count (RFC 7517 §4.2-4.4); a key set with
// none of them, or an empty one, is a failed download that keeps the keys already held.
func TestOnlySignatureKeysVerify(t *testing.T) {
	good := testenv.MustKey(t, "good")
	enc := testenv.MustKey(t, "enc")
	encOps := testenv.MustKey(t, "enc-ops")
	rs512 := testenv.MustKey(t, "rs512")
	verifyOps := testenv.MustKey(t, "verify-ops")
	noUse := testenv.MustKey(t, "no-use")
	ks := entra.NewKeyServer()
	ks.SetBody(jwksWith(
		jwkOf(good, nil),
		jwkOf(enc, map[string]any{"use": "enc"}),
		jwkOf(encOps, map[string]any{"use": nil, "key_ops": []string{"encrypt"}}),
		jwkOf(rs512, map[string]any{"alg": "RS512"}),
		jwkOf(verifyOps, map[string]any{"use": nil, "key_ops": []string{"verify"}}),
		jwkOf(noUse, map[string]any{"use": nil}),
	))
	srv := httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	_, v := startKeys(t, srv.URL, auth.KeySetOptions{UnknownKIDEvery: time.Hour}, auth.Config{})
	claims := entra.V2Claims(tenant, client, user, time.Now())
	for _, k := range []*entra.Key{good, verifyOps, noUse} {
		if err := verifyNow(v, sign(t, k, claims, nil)); err != nil {
			t.Errorf("signature key %s refused: %v", k.ID, err)
		}
	}
	for _, k := range []*entra.Key{enc, encOps, rs512} {
		err := verifyNow(v, sign(t, k, claims, nil))
		var invalid *auth.InvalidTokenError
		if !errors.As(err, &invalid) || invalid.Description != "the signature key was not found" {
			t.Errorf("key %s, not for RS256 signatures: err = %v, want the signature key was not found", k.ID, err)
		}
	}
}

func TestDownloadsWithoutSignatureKeysKeepTheKeysHeld(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	ks := entra.NewKeyServer(key)
	srv := httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	_, v := startKeys(t, srv.URL, auth.KeySetOptions{RefreshInterval: 20 * time.Millisecond}, auth.Config{})
	tok := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)
	for name, body := range map[string][]byte{
		"an empty key set":   []byte(`{"keys":[]}`),
		"only an enc key":    jwksWith(jwkOf(key, map[string]any{"use": "enc"})),
		"only an RS512 key":  jwksWith(jwkOf(key, map[string]any{"alg": "RS512"})),
		"a JSON object only": []byte(`{}`),
	} {
		ks.SetBody(body)
		if !downloadedTwiceMore(ks) {
			t.Fatalf("%s: the key set was not refreshed; the test proves nothing", name)
		}
		if err := verifyNow(v, tok); err != nil {
			t.Errorf("after a download of %s, the key held is gone: %v", name, err)
		}
	}
}

// The key set download is bounded: a document over MaxKeySetBytes is refused whole.
func TestKeySetDownloadIsBounded(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	padded := func(size int) []byte {
		doc := jwksWith(jwkOf(key, map[string]any{"x-padding": ""}))
		return []byte(strings.Replace(string(doc), `"x-padding":""`, `"x-padding":"`+strings.Repeat("a", size-len(doc))+`"`, 1))
	}
	for _, c := range []struct {
		size int
		held bool
	}{{auth.MaxKeySetBytes, true}, {auth.MaxKeySetBytes + 1, false}} {
		ks := entra.NewKeyServer()
		ks.SetBody(padded(c.size))
		srv := httptest.NewServer(ks)
		t.Cleanup(srv.Close)
		_, v := startKeys(t, srv.URL, auth.KeySetOptions{RetryMin: time.Hour}, auth.Config{})
		err := verifyNow(v, sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil))
		if c.held && err != nil {
			t.Errorf("a key set of exactly %d bytes: %v", c.size, err)
		}
		if !c.held && !errors.Is(err, auth.ErrKeysUnavailable) {
			t.Errorf("a key set of %d bytes was used (err = %v)", c.size, err)
		}
	}
}

// An https key set URL never ends in a clear-text download, even one on loopback.
func TestKeySetRedirectsStayOnHTTPS(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	plain := httptest.NewServer(entra.NewKeyServer(key))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(entra.NewKeyServer(key))
	t.Cleanup(secure.Close)
	redirector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := secure.URL
		if r.URL.Path == "/to-http" {
			target = plain.URL
		}
		http.Redirect(w, r, target+"/keys", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	opts := auth.KeySetOptions{Client: redirector.Client(), RetryMin: time.Hour}
	tok := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)

	_, v := startKeys(t, redirector.URL+"/to-https", opts, auth.Config{})
	if err := verifyNow(v, tok); err != nil {
		t.Errorf("https -> https redirect not followed: %v", err)
	}
	_, v = startKeys(t, redirector.URL+"/to-http", opts, auth.Config{})
	if err := verifyNow(v, tok); !errors.Is(err, auth.ErrKeysUnavailable) {
		t.Errorf("https -> http redirect followed: err = %v, want ErrKeysUnavailable", err)
	}
}

// A token answered from the cache stops working once its key leaves the key set: when Entra
// withdraws the key, and when its kid comes back holding another key (the cache remembers
// the key itself, not only its kid).
func TestCachedTokenDiesWithItsKey(t *testing.T) {
	for _, tc := range []struct {
		name, nextKID string
	}{
		{"key withdrawn", "key-2"},
		{"kid given another key", "key-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, next := testenv.MustKey(t, "key-1"), testenv.MustKey(t, tc.nextKID)
			ks := entra.NewKeyServer(key)
			srv := httptest.NewServer(ks)
			t.Cleanup(srv.Close)
			_, v := startKeys(t, srv.URL, auth.KeySetOptions{RefreshInterval: 20 * time.Millisecond}, auth.Config{CacheSize: 16})
			tok := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)
			if err := verifyNow(v, tok); err != nil {
				t.Fatal(err)
			}
			ks.SetKeys(next)
			if err := eventually(2*time.Second, func() error {
				if verifyNow(v, tok) == nil {
					return errors.New("still accepted")
				}
				return nil
			}); err != nil {
				t.Fatalf("a cached token kept working after the key set changed (%s)", tc.name)
			}
		})
	}
}

// A client that cancels its request (net/http does so when the client half-closes its side)
// must still be checked with the keys held: a cancelled context is never "key set
// unavailable", which the API would answer 503 and log as an ERROR. Each token differs, so
// none is answered from the cache; a select that picks between ready and ctx.Done() at
// random fails about half of them.
func TestHeldKeysAreUsedForCancelledRequests(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	srv := httptest.NewServer(entra.NewKeyServer(key))
	t.Cleanup(srv.Close)
	_, v := startKeys(t, srv.URL, auth.KeySetOptions{}, auth.Config{})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 64 {
		oid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		p, err := v.Verify(cancelled, sign(t, key, entra.V2Claims(tenant, client, oid, time.Now()), nil))
		if err != nil || p.ObjectID != oid {
			t.Fatalf("token %d with a cancelled context and keys held: %v", i, err)
		}
	}
}

// Before the first download has ended, a client's cancellation comes back as the
// cancellation (the API answers 499), not as ErrKeysUnavailable (503 and an ERROR line).
func TestCancelledWaitForFirstKeysIsTheClients(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // the first download hangs until the test ends
		w.Write(entra.JWKS(key))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	remote, err := auth.NewRemoteKeys(ctx, srv.URL, auth.KeySetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{TenantID: tenant, ClientID: client, RequiredScope: "access_as_user"}, remote)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = v.Verify(cancelled, sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil))
	if !errors.Is(err, context.Canceled) || errors.Is(err, auth.ErrKeysUnavailable) {
		t.Errorf("a cancelled wait for the first download: %v, want context.Canceled and not ErrKeysUnavailable", err)
	}
	expired, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	_, err = v.Verify(expired, sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil))
	if !errors.Is(err, auth.ErrKeysUnavailable) {
		t.Errorf("the server's timeout waiting for the first download: %v, want ErrKeysUnavailable", err)
	}
}

// Local mode (a loopback http key set URL) may follow a redirect to another loopback http
// URL, or to https; never to http off loopback (0.0.0.0 reaches this machine on Linux, so a
// download that follows it succeeds), and never back to http once a hop was https.
func TestLoopbackRedirectsStayOnLoopback(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	plain := httptest.NewServer(entra.NewKeyServer(key))
	t.Cleanup(plain.Close)
	var secure *httptest.Server
	redirect := func(w http.ResponseWriter, r *http.Request) {
		target := map[string]string{
			"/to-loopback":  plain.URL + "/keys",
			"/to-any-host":  strings.Replace(plain.URL, "127.0.0.1", "0.0.0.0", 1) + "/keys",
			"/via-https":    secure.URL + "/to-loopback",
			"/to-localhost": strings.Replace(plain.URL, "127.0.0.1", "localhost", 1) + "/keys",
		}[r.URL.Path]
		http.Redirect(w, r, target, http.StatusFound)
	}
	secure = httptest.NewTLSServer(http.HandlerFunc(redirect))
	t.Cleanup(secure.Close)
	local := httptest.NewServer(http.HandlerFunc(redirect))
	t.Cleanup(local.Close)
	opts := auth.KeySetOptions{Client: secure.Client(), RetryMin: time.Hour} // trusts secure's certificate
	tok := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)
	for path, followed := range map[string]bool{
		"/to-loopback": true, "/to-localhost": true, "/to-any-host": false, "/via-https": false,
	} {
		_, v := startKeys(t, local.URL+path, opts, auth.Config{})
		err := verifyNow(v, tok)
		if followed && err != nil {
			t.Errorf("loopback http %s: not followed: %v", path, err)
		}
		if !followed && !errors.Is(err, auth.ErrKeysUnavailable) {
			t.Errorf("loopback http %s: followed (err = %v), want ErrKeysUnavailable", path, err)
		}
	}
}

// malformedJWKs are keys that cannot be parsed, each of which once failed the whole download.
func malformedJWKs(k *entra.Key) []map[string]any {
	return []map[string]any{
		jwkOf(k, map[string]any{"kid": "bad-x5c", "x5c": []string{"AAAA"}}),
		jwkOf(k, map[string]any{"kid": "bad-use", "use": "SIG"}),
		{"kty": "EC", "kid": "bad-ec", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
	}
}

// A key set is never one bad key away from an outage: keys that cannot be parsed are skipped
// with one WARN naming their kids (never their material), the others verify, and a download
// left with no usable key keeps the keys already held.
func TestMalformedKeysAreSkipped(t *testing.T) {
	good, other := testenv.MustKey(t, "key-1"), testenv.MustKey(t, "key-2")
	ks := entra.NewKeyServer()
	ks.SetBody(jwksWith(append(malformedJWKs(other), good.JWK())...))
	srv := httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	_, v := startKeys(t, srv.URL, auth.KeySetOptions{Logger: logger, RefreshInterval: 20 * time.Millisecond}, auth.Config{})
	tok := sign(t, good, entra.V2Claims(tenant, client, user, time.Now()), nil)
	if err := verifyNow(v, tok); err != nil {
		t.Fatalf("a valid key beside malformed ones does not verify: %v", err)
	}
	first, _, _ := strings.Cut(logs.String(), "\n")
	for _, want := range []string{`"level":"WARN"`, `"bad-x5c"`, `"bad-use"`, `"bad-ec"`} {
		if !strings.Contains(first, want) {
			t.Errorf("the WARN %s does not hold %s", first, want)
		}
	}
	if n := other.JWK()["n"].(string); strings.Contains(logs.String(), n[:16]) {
		t.Errorf("key material in the log: %s", logs.String())
	}

	ks.SetBody(jwksWith(malformedJWKs(other)...))
	if !downloadedTwiceMore(ks) {
		t.Fatal("the key set was not refreshed; the test proves nothing")
	}
	if err := verifyNow(v, sign(t, good, entra.V2Claims(tenant, client, entra.UserB, time.Now()), nil)); err != nil {
		t.Errorf("after a download of malformed keys only, the key held is gone: %v", err)
	}
}
