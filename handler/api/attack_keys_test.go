package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
)

// callMe sends GET /api/me with tok to the handler and returns the answer.
func callMe(t *testing.T, h *testenv.Handler, tok string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", h.URL()+"/api/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// The key set's life seen from outside the binary: an instance that starts while the key
// endpoint is down answers 503 + Retry-After (the token is not at fault, so no challenge),
// accepts valid tokens within seconds of the endpoint healing, and stops honouring a cached
// token once its key has left the set.
func TestAttackKeySetLifecycle(t *testing.T) {
	k := attackKit{t: t, ours: atkKey(t, "ours-1"), second: atkKey(t, "ours-2"), stranger: atkKey(t, "stranger-1")}
	keys := entra.NewKeyServer(k.ours)
	keys.Fail(http.StatusServiceUnavailable)
	h := testenv.StartHandler(t, map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           testenv.ServeKeys(t, keys),
		"TABLES_CONNECTION_STRING": testenv.StartAzurite(t).ConnectionString(),
	})
	tok := k.good()

	resp, body := callMe(t, h, tok)
	var p struct{ Status, RetryAfter int }
	_ = json.Unmarshal(body, &p)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "5" || p.RetryAfter != 5 ||
		resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("WWW-Authenticate") != "" {
		t.Fatalf("with the key set down: %d, Retry-After %q, WWW-Authenticate %q: %s; want a 503 problem with Retry-After 5 and no challenge",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("WWW-Authenticate"), body)
	}

	keys.Fail(0)
	healed := time.Now()
	for {
		resp, body = callMe(t, h, tok)
		if resp.StatusCode == 200 {
			break
		}
		if time.Since(healed) > 10*time.Second {
			t.Fatalf("still %d 10 s after the key endpoint healed: %s", resp.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// tok is now cached. Entra withdraws ours-1; a token with a new kid makes the instance
	// refresh (its first unknown-kid refresh); from then on tok is checked in full, and fails.
	keys.SetKeys(k.second)
	if resp, body := callMe(t, h, k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"kid": "rotated-1"})); resp.StatusCode != 401 {
		t.Fatalf("an unknown kid: %d %s", resp.StatusCode, body)
	}
	if keys.Fetches() < 2 {
		t.Fatal("the unknown kid did not refresh the key set; the test proves nothing")
	}
	if resp, body := callMe(t, h, tok); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != invalidToken("the signature key was not found") {
		t.Errorf("a cached token whose key left the set: %d %q %s, want 401 signature key not found",
			resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if resp, _ := callMe(t, h, k.sign(k.second, k.v2(entra.UserA), nil)); resp.StatusCode != 200 {
		t.Errorf("a token signed by the new key: %d", resp.StatusCode)
	}
}

// AZURE_AUTHORITY_HOST makes the binary accept its cloud's issuers and no other cloud's.
func TestAttackNationalClouds(t *testing.T) {
	k := attackKit{t: t, ours: atkKey(t, "ours-1")}
	jwks := testenv.ServeKeys(t, entra.NewKeyServer(k.ours))
	az := testenv.StartAzurite(t)
	issuers := map[string]string{
		"public v2":           "https://login.microsoftonline.com/" + entra.TestTenant + "/v2.0",
		"US Gov v2":           "https://login.microsoftonline.us/" + entra.TestTenant + "/v2.0",
		"China v2":            "https://login.chinacloudapi.cn/" + entra.TestTenant + "/v2.0",
		"v1 (public, US Gov)": "https://sts.windows.net/" + entra.TestTenant + "/",
		"China v1":            "https://sts.chinacloudapi.cn/" + entra.TestTenant + "/",
	}
	for _, cloud := range []struct {
		host   string
		accept []string
	}{
		{"https://login.microsoftonline.us", []string{"US Gov v2", "v1 (public, US Gov)"}},
		{"https://login.chinacloudapi.cn", []string{"China v2", "China v1"}},
	} {
		h := testenv.StartHandler(t, map[string]string{
			"AZURE_TENANT_ID":          entra.TestTenant,
			"AZURE_API_CLIENT_ID":      entra.TestClient,
			"AZURE_AUTHORITY_HOST":     cloud.host,
			"ENTRA_JWKS_URL":           jwks,
			"TABLES_CONNECTION_STRING": az.ConnectionString(),
		})
		for name, iss := range issuers {
			claims := k.v2(entra.UserA)
			if iss[len(iss)-1] == '/' {
				claims = k.v1(entra.UserA)
			}
			claims["iss"] = iss
			resp, body := callMe(t, h, k.sign(k.ours, claims, nil))
			want := 401
			for _, a := range cloud.accept {
				if a == name {
					want = 200
				}
			}
			if resp.StatusCode != want {
				t.Errorf("%s: %s token: %d, want %d (%s)", cloud.host, name, resp.StatusCode, want, body)
			}
		}
	}
}

// A loopback http key set URL (local mode) may redirect to another
// loopback http URL, never to http off loopback. 0.0.0.0 reaches this machine on Linux, so a
// binary that followed that redirect would get the keys and answer 200.
func TestAttackKeySetRedirectOffLoopback(t *testing.T) {
	k := attackKit{t: t, ours: atkKey(t, "ours-1")}
	jwks := testenv.ServeKeys(t, entra.NewKeyServer(k.ours))
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := jwks
		if r.URL.Path == "/to-any-host" {
			target = strings.Replace(jwks, "127.0.0.1", "0.0.0.0", 1)
		}
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	az := testenv.StartAzurite(t)
	for path, want := range map[string]int{"/to-loopback": 200, "/to-any-host": 503} {
		h := testenv.StartHandler(t, map[string]string{
			"AZURE_TENANT_ID":          entra.TestTenant,
			"AZURE_API_CLIENT_ID":      entra.TestClient,
			"ENTRA_JWKS_URL":           redirector.URL + path,
			"TABLES_CONNECTION_STRING": az.ConnectionString(),
		})
		if resp, body := callMe(t, h, k.good()); resp.StatusCode != want {
			t.Errorf("key set URL redirecting %s: %d %s, want %d", path, resp.StatusCode, body, want)
		}
		h.Stop()
	}
}
