package auth_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/testenv"
)

// The fuzz targets hold the verifier to one invariant: it never panics, it only ever
// answers with the typed errors the HTTP layer maps to 401/403 (anything else would be a
// 500), and it accepts a token only if an independent, deliberately simple re-implementation
// of the rules (acceptable below) also accepts it. The oracle shares no code with the
// verifier: it decodes with a map (exact, case-sensitive member names, as RFC 7519 requires)
// and checks the RSA signature with crypto/rsa directly.

const fuzzLeeway = 2 * time.Minute

// fuzzNow is fixed so that a crasher replays identically on any day.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fuzzFixture struct {
	verifier *auth.Verifier
	ours     *entra.Key // in the key set
	other    *entra.Key // in the key set too: a second tenant key, for kid confusion
	stranger *entra.Key // nowhere: an attacker's or another tenant's key
}

func newFuzzFixture(t testing.TB) *fuzzFixture {
	t.Helper()
	ours, err := entra.DevKey()
	if err != nil {
		t.Fatal(err)
	}
	ours.ID = "ours"
	other, err1 := entra.NewKey("other")
	stranger, err2 := entra.NewKey("stranger")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	keys := testenv.StartKeySet(t, entra.NewKeyServer(ours, other))
	v, err := auth.NewVerifier(auth.Config{
		TenantID: tenant, ClientID: client, RequiredScope: "access_as_user",
		Leeway: fuzzLeeway, Now: func() time.Time { return fuzzNow },
	}, keys)
	if err != nil {
		t.Fatal(err)
	}
	return &fuzzFixture{verifier: v, ours: ours, other: other, stranger: stranger}
}

// check runs Verify on raw and fails the test if the invariant is broken.
func (fx *fuzzFixture) check(t *testing.T, raw string) {
	p, err := fx.verifier.Verify(context.Background(), raw)
	if err != nil {
		var invalid *auth.InvalidTokenError
		var scope *auth.InsufficientScopeError
		if !errors.As(err, &invalid) && !errors.As(err, &scope) {
			t.Fatalf("Verify returned an untyped error (a 500): %v", err)
		}
		if invalid != nil && len(raw) >= 16 && strings.Contains(invalid.Description, raw) {
			t.Fatalf("error description quotes the token: %q", invalid.Description)
		}
		return
	}
	payload, why := fx.acceptable(raw)
	if why != "" {
		t.Fatalf("Verify accepted a token the rules reject (%s): %q", why, raw)
	}
	if want := strings.ToLower(payload["oid"].(string)); p.ObjectID != want {
		t.Fatalf("principal oid %q, but the verified token says %q", p.ObjectID, want)
	}
	if want := strings.ToLower(payload["tid"].(string)); p.TenantID != want {
		t.Fatalf("principal tid %q, but the verified token says %q", p.TenantID, want)
	}
	values, _ := stringArray(payload["roles"])
	if want := access.ParseRoles(tokenKind(payload), values); p.Roles != want {
		t.Fatalf("principal roles %v, but the verified token says %v", p.Roles.Names(), want.Names())
	}
}

// tokenKind is what the rules make of a payload: idtyp when given, else app-only exactly when
// there is no scp and oid equals sub.
func tokenKind(c map[string]any) access.Kind {
	switch c["idtyp"] {
	case "app":
		return access.App
	case "user":
		return access.User
	}
	_, hasScp := c["scp"]
	oid, isString := c["oid"].(string)
	if !hasScp && isString && c["sub"] == oid {
		return access.App
	}
	return access.User
}

// stringArray is v as a list of strings, if it is a JSON array of strings.
func stringArray(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(list))
	for i, item := range list {
		if out[i], ok = item.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// acceptable is the oracle: "" if raw is an RS256 JWS signed by a key of the set named by its
// kid whose claims pass every auth rule of docs/design.md, else the first rule it breaks.
func (fx *fuzzFixture) acceptable(raw string) (map[string]any, string) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, "not three segments"
	}
	var header, payload map[string]any
	if !decodeSegment(parts[0], &header) || !decodeSegment(parts[1], &payload) {
		return nil, "a segment is not base64url JSON"
	}
	if header["alg"] != "RS256" {
		return nil, "alg is not RS256"
	}
	if _, critical := header["crit"]; critical {
		return nil, "crit names extensions we do not understand (RFC 7515 §4.1.11)"
	}
	var key *entra.Key
	switch header["kid"] {
	case fx.ours.ID:
		key = fx.ours
	case fx.other.ID:
		key = fx.other
	default:
		return nil, "kid names no key of the set"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || rsa.VerifyPKCS1v15(&key.Private.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, "signature does not verify with the kid's key"
	}
	return payload, claimsProblem(payload)
}

func claimsProblem(c map[string]any) string {
	switch {
	case c["ver"] == "2.0" && c["iss"] == "https://login.microsoftonline.com/"+tenant+"/v2.0":
	case c["ver"] == "1.0" && c["iss"] == "https://sts.windows.net/"+tenant+"/":
	default:
		return "iss and ver are not this tenant's v1 or v2 pair"
	}
	if !audienceIsOurs(c["aud"], client) {
		return "aud is not ours"
	}
	now := float64(fuzzNow.Unix())
	slack := fuzzLeeway.Seconds() + 1
	exp, ok := numericDate(c["exp"])
	if !ok || exp+slack < now {
		return "exp missing or past"
	}
	for _, name := range []string{"nbf", "iat"} {
		if v, present := c[name]; present {
			if at, ok := numericDate(v); !ok || at-slack > now {
				return name + " in the future or not a date"
			}
		}
	}
	if tid, _ := c["tid"].(string); !strings.EqualFold(tid, tenant) {
		return "tid is not ours"
	}
	if oid, _ := c["oid"].(string); !auth.IsGUID(oid) {
		return "oid is not a GUID"
	}
	if roles, present := c["roles"]; present {
		if _, ok := stringArray(roles); !ok {
			return "roles is not an array of strings"
		}
	}
	switch c["idtyp"] {
	case nil, "app", "user":
	default:
		return "idtyp is neither app nor user"
	}
	if tokenKind(c) == access.App {
		if _, present := c["scp"]; present {
			return "an app-only token carries scp"
		}
		appKey := "azp"
		if c["ver"] == "1.0" {
			appKey = "appid"
		}
		if app, _ := c[appKey].(string); !auth.IsGUID(app) {
			return "an app-only token names no client app"
		}
		values, _ := stringArray(c["roles"])
		if !slices.Contains(values, "Tasks.Read.All") && !slices.Contains(values, "Tasks.ReadWrite.All") {
			return "an app-only token holds no application permission"
		}
		return ""
	}
	// Passing every rule but the scope must end in InsufficientScopeError, never in success.
	if scp, _ := c["scp"].(string); !slices.Contains(strings.Fields(scp), "access_as_user") {
		return "scp lacks access_as_user"
	}
	return ""
}

func audienceIsOurs(aud any, client string) bool {
	ours := func(s any) bool { return s == client || s == "api://"+client }
	switch a := aud.(type) {
	case string:
		return ours(a)
	case []any:
		return slices.ContainsFunc(a, ours)
	}
	return false
}

// numericDate accepts what golang-jwt accepts: a JSON number, or a string holding one
// (encoding/json lets a json.Number come from a string). Lenient, but never a bypass: the
// value still has to be in range and signed.
func numericDate(v any) (float64, bool) {
	switch d := v.(type) {
	case float64:
		return d, true
	case string:
		f, err := strconv.ParseFloat(d, 64)
		return f, err == nil
	}
	return 0, false
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	return err == nil && json.Unmarshal(b, v) == nil
}

func fuzzSign(t testing.TB, k *entra.Key, header, payload []byte) string {
	t.Helper()
	tok, err := k.SignRaw(header, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func fuzzB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// seedClaims are the real shapes: v2 and v1 tokens and the near misses around every rule.
func seedClaims() [][]byte {
	v2 := entra.V2Claims(tenant, client, user, fuzzNow)
	v1 := entra.V1Claims(tenant, client, user, fuzzNow)
	with := func(base map[string]any, name string, value any) []byte {
		c := map[string]any{}
		for k, v := range base {
			c[k] = v
		}
		if value == nil {
			delete(c, name)
		} else {
			c[name] = value
		}
		b, _ := json.Marshal(c)
		return b
	}
	app := entra.AppV2Claims(tenant, client, entra.DaemonApp, entra.DaemonSP, []string{"Tasks.Read.All"}, fuzzNow)
	appV1 := entra.AppV1Claims(tenant, client, entra.DaemonApp, entra.DaemonSP, []string{"Tasks.ReadWrite.All"}, fuzzNow)
	plain, _ := json.Marshal(v2)
	seeds := [][]byte{
		plain,
		with(v1, "ver", "1.0"),
		with(v2, "ver", "1.0"),
		with(v2, "iss", "https://sts.windows.net/"+tenant+"/"),
		with(v2, "iss", "https://login.microsoftonline.com/"+tenant+"/v2.0/"),
		with(v2, "iss", "https://login.microsoftonline.com/"+strings.ToUpper(tenant)+"/v2.0"),
		with(v2, "aud", []any{"someone-else", client}),
		with(v2, "aud", []any{}),
		with(v2, "aud", "api://"+client),
		with(v2, "exp", nil),
		with(v2, "exp", fuzzNow.Add(-fuzzLeeway-time.Second).Unix()),
		with(v2, "exp", strconv.FormatInt(fuzzNow.Add(time.Hour).Unix(), 10)),
		with(v2, "nbf", fuzzNow.Add(fuzzLeeway+time.Second).Unix()),
		with(v2, "iat", 1e300),
		with(v2, "tid", otherTenant),
		with(v2, "oid", "not-a-guid"),
		with(v2, "scp", "User.Read"),
		with(v2, "scp", nil),
		with(v2, "roles", []any{"Tasks.ReadWrite.All"}),
		with(v2, "roles", []any{"Admin", "Viewer"}),
		with(v2, "roles", []any{"admin", "Editor"}),
		with(v2, "roles", "Admin"),
		with(v2, "roles", []any{"Admin", 1}),
		with(v2, "roles", nil),
		with(v2, "roles", map[string]any{"0": "Admin"}),
		[]byte(`{}`), []byte(`null`), []byte(`[]`), []byte(`"x"`),
		// App-only tokens and the near misses around the rules that tell them apart.
		with(app, "ver", "2.0"),
		with(appV1, "ver", "1.0"),
		with(app, "idtyp", "app"),
		with(app, "idtyp", "user"),
		with(app, "idtyp", "device"),
		with(app, "idtyp", 1),
		with(app, "scp", "access_as_user"),
		with(app, "scp", ""),
		with(app, "sub", entra.UserB),
		with(app, "azp", nil),
		with(app, "azp", "not-a-guid"),
		with(app, "roles", []any{"Admin"}),
		with(app, "roles", nil),
		with(v2, "idtyp", "app"),
		with(v2, "idtyp", "user"),
	}
	// Member names are case-sensitive (RFC 7519 §4); duplicates resolve to the last (§4).
	text := string(plain)
	seeds = append(seeds,
		[]byte(strings.Replace(text, `"oid":`, `"OID":"`+entra.UserB+`","oid":`, 1)),
		[]byte(strings.Replace(text, `"oid":`, `"Oid":"`+entra.UserB+`","oid":`, 1)+``),
		[]byte(strings.TrimSuffix(text, "}")+`,"OID":"`+entra.UserB+`"}`),
		[]byte(strings.TrimSuffix(text, "}")+`,"Aud":"`+client+`","aud":"other"}`),
		[]byte(strings.TrimSuffix(text, "}")+`,"oid":"`+entra.UserB+`"}`),
		[]byte(strings.TrimSuffix(text, "}")+`,"tid":"`+entra.OtherTenant+`"}`),
	)
	return seeds
}

func seedHeaders() [][]byte {
	return [][]byte{
		[]byte(`{"typ":"JWT","alg":"RS256","kid":"ours"}`),
		[]byte(`{"typ":"JWT","alg":"RS256","kid":"ours","x5t":"abc"}`),
		[]byte(`{"alg":"RS256","kid":"other"}`),
		[]byte(`{"alg":"RS256"}`),
		[]byte(`{"alg":"none","kid":"ours"}`),
		[]byte(`{"alg":"HS256","kid":"ours"}`),
		[]byte(`{"alg":"PS256","kid":"ours"}`),
		[]byte(`{"alg":"RS256","kid":"ours","crit":["exp"],"exp":1}`),
		[]byte(`{"alg":"RS256","kid":"../../ours"}`),
		[]byte(`{"alg":"RS256","kid":1}`),
		[]byte(`{"alg":"RS256","kid":"ours","jku":"http://127.0.0.1:1/keys"}`),
		[]byte(`{"alg":"RS256","kid":"stranger","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}`),
		[]byte(`{"alg":"RS256","kid":"stranger","kid":"ours"}`),
		[]byte(`{"alg":"RS256","KID":"stranger","kid":"ours"}`),
	}
}

// FuzzVerifySigned signs fuzzed header and claims bytes, so that the fuzzer explores what
// lies behind the signature check: every claim rule, every header trick. signer picks our
// key, the set's other key, or a stranger's; only the first two may ever pass.
func FuzzVerifySigned(f *testing.F) {
	fx := newFuzzFixture(f)
	for _, h := range seedHeaders() {
		for _, c := range seedClaims() {
			f.Add(h, c, byte(0))
		}
	}
	f.Add(seedHeaders()[0], seedClaims()[0], byte(1))
	f.Add(seedHeaders()[0], seedClaims()[0], byte(2))
	f.Fuzz(func(t *testing.T, header, claims []byte, signer byte) {
		key := []*entra.Key{fx.ours, fx.other, fx.stranger}[int(signer)%3]
		fx.check(t, fuzzSign(t, key, header, claims))
	})
}

// FuzzVerifyRaw feeds arbitrary strings as tokens: segment splitting, base64, JSON.
func FuzzVerifyRaw(f *testing.F) {
	fx := newFuzzFixture(f)
	good := fuzzSign(f, fx.ours, seedHeaders()[0], seedClaims()[0])
	seeds := []string{
		good, "", ".", "..", "...", "a.b.c", good + ".", "." + good,
		strings.Replace(good, ".", "..", 1),
		good[:len(good)-4] + "AAAA",
		fuzzB64(`{"alg":"none","kid":"ours"}`) + "." + strings.Split(good, ".")[1] + ".",
		fuzzB64(`{"alg":"RS256","kid":"ours"}`) + "=." + strings.Split(good, ".")[1] + "." + strings.Split(good, ".")[2],
		strings.Repeat("a", 5000) + "." + strings.Repeat("b", 5000) + ".c",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fx.check(t, raw)
	})
}

// FuzzBearerToken parses fuzzed Authorization headers (newlines split several headers).
// A returned token must be a b64token of at most MaxTokenBytes taken from the one header;
// every error must be one the HTTP layer maps to 400 or 401.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER abc", "Bearer  abc",
		"Bearer\tabc", "Basic dXNlcjpwYXNz", "Bearer abc def", "Bearer abc==", "Bearer ==", "Bearer a=b",
		"Bearer abc\nBearer abc", "Bearer abc\nBasic x", "Bearer " + strings.Repeat("a", auth.MaxTokenBytes+1),
		" Bearer abc ", "Bearer é", "Bearer\x00abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		r, _ := http.NewRequest("GET", "http://127.0.0.1/api/me", nil)
		lines := strings.Split(value, "\n")
		for _, l := range lines {
			r.Header.Add("Authorization", l)
		}
		tok, err := auth.BearerToken(r)
		if err != nil {
			var invalidReq *auth.InvalidRequestError
			var invalidTok *auth.InvalidTokenError
			if !errors.Is(err, auth.ErrNoToken) && !errors.As(err, &invalidReq) && !errors.As(err, &invalidTok) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(lines) != 1 {
			t.Fatalf("token %q taken from %d Authorization headers", tok, len(lines))
		}
		if tok == "" || len(tok) > auth.MaxTokenBytes || !strings.Contains(value, tok) ||
			strings.ContainsFunc(tok, func(c rune) bool { return c <= ' ' || c >= 0x7f }) {
			t.Fatalf("BearerToken(%q) = %q", value, tok)
		}
		if scheme, _, _ := strings.Cut(strings.TrimSpace(value), " "); !strings.EqualFold(scheme, "Bearer") {
			t.Fatalf("token %q taken from a %q credential", tok, scheme)
		}
	})
}
