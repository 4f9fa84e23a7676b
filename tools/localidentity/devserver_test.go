package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

func tokenRequestTo(target, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:50000"
	req.Host = "127.0.0.1:41000"
	return req
}

func serveDev(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	h, err := devIdentity{now: time.Now}.handler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// claimsOf reads a JWT's payload without verifying it: the end-to-end test below proves
// the handler accepts these tokens.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// The roles field (comma-separated) becomes the token's roles claim, exactly as make token's
// -roles flag does; without it the token has no roles claim at all.
func TestTokenEndpointRoles(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600)
	t.Setenv("AZURE_TENANT_ID", "")
	for body, want := range map[string][]any{
		`{"user":"alice","roles":" Admin, Viewer "}`: {"Admin", "Viewer"},
		`{"user":"alice","roles":"Editor"}`:          {"Editor"},
		`{"user":"alice","roles":""}`:                nil,
		`{"user":"alice"}`:                           nil,
	} {
		rec := serveDev(t, tokenRequestTo(tokenPath, body))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
		var got tokenResponse
		json.Unmarshal(rec.Body.Bytes(), &got)
		claims := claimsOf(t, got.AccessToken)
		roles, present := claims["roles"].([]any)
		if _, any := claims["roles"]; (want == nil) == any || (want != nil && !present) || fmt.Sprint(roles) != fmt.Sprint(want) {
			t.Errorf("%s: roles claim %#v, want %v", body, claims["roles"], want)
		}
		var printed bytes.Buffer
		args := []string{"-settings", settings, "-user", "alice"}
		var req tokenRequest
		json.Unmarshal([]byte(body), &req)
		if req.Roles != "" {
			args = append(args, "-roles", req.Roles)
		}
		if err := tokenCommand(args, &printed); err != nil {
			t.Fatal(err)
		}
		if fromMake := claimsOf(t, strings.TrimSpace(printed.String())); fmt.Sprint(fromMake["roles"]) != fmt.Sprint(claims["roles"]) {
			t.Errorf("%s: make token roles %v, endpoint %v", body, fromMake["roles"], claims["roles"])
		}
	}
}

// The SPA's alice is `make token USER=alice`'s alice: same oid, same name.
func TestTokenEndpointIsMakeTokensUser(t *testing.T) {
	rec := serveDev(t, tokenRequestTo(tokenPath, `{"user":"  alice "}`))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s: %d %s", tokenPath, rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var got tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.TokenType != "Bearer" || got.ExpiresIn != 3600 || got.Name != "alice" || got.Username != "alice@example.com" {
		t.Errorf("response: type %q, expires_in %d, name %q, username %q", got.TokenType, got.ExpiresIn, got.Name, got.Username)
	}

	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600)
	t.Setenv("AZURE_TENANT_ID", "")
	var printed bytes.Buffer
	if err := tokenCommand([]string{"-settings", settings, "-user", "alice"}, &printed); err != nil {
		t.Fatal(err)
	}
	fromEndpoint, fromMake := claimsOf(t, got.AccessToken), claimsOf(t, strings.TrimSpace(printed.String()))
	for _, claim := range []string{"oid", "sub", "name", "preferred_username", "tid", "aud", "iss", "scp"} {
		if fromEndpoint[claim] != fromMake[claim] {
			t.Errorf("%s: endpoint %v, make token %v", claim, fromEndpoint[claim], fromMake[claim])
		}
	}
	if fromEndpoint["oid"] != userOID("alice") {
		t.Errorf("oid %v, want %s", fromEndpoint["oid"], userOID("alice"))
	}
}

func TestTokenEndpointRefusesBadRequests(t *testing.T) {
	cases := map[string]struct {
		req  func() *http.Request
		want int
	}{
		"empty name":         {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"  "}`) }, http.StatusBadRequest},
		"control char":       {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"al\u0007ice"}`) }, http.StatusBadRequest},
		"name too long":      {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"`+strings.Repeat("a", 65)+`"}`) }, http.StatusBadRequest},
		"unknown field":      {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"alice","role":"Admin"}`) }, http.StatusBadRequest},
		"roles not a string": {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"alice","roles":["Admin"]}`) }, http.StatusBadRequest},
		"empty role":         {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"alice","roles":"Admin,,Viewer"}`) }, http.StatusBadRequest},
		"control char role":  {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"alice","roles":"Ad\u0007min"}`) }, http.StatusBadRequest},
		"not JSON":           {func() *http.Request { return tokenRequestTo(tokenPath, `user=alice`) }, http.StatusBadRequest},
		"huge body":          {func() *http.Request { return tokenRequestTo(tokenPath, `{"user":"`+strings.Repeat("a", 4096)+`"}`) }, http.StatusBadRequest},
		"form post": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, http.StatusUnsupportedMediaType},
		"GET": {func() *http.Request { r := tokenRequestTo(tokenPath, ""); r.Method = http.MethodGet; return r }, http.StatusMethodNotAllowed},
		"remote client": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.RemoteAddr = "192.0.2.7:40000"
			return r
		}, http.StatusForbidden},
		"DNS rebinding": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.Host = "attacker.example:41000"
			return r
		}, http.StatusForbidden},
		"foreign page": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.Header.Set("Origin", "https://attacker.example")
			return r
		}, http.StatusForbidden},
		"garbled Origin": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.Header.Set("Origin", "http://%zz")
			return r
		}, http.StatusForbidden},
		"loopback page ok": {func() *http.Request {
			r := tokenRequestTo(tokenPath, `{"user":"alice"}`)
			r.Header.Set("Origin", "http://localhost:5173")
			return r
		}, http.StatusOK},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := serveDev(t, c.req())
			issued := strings.Contains(rec.Body.String(), "access_token")
			if rec.Code != c.want || issued != (c.want == http.StatusOK) {
				t.Errorf("%d (token issued: %v), want %d", rec.Code, issued, c.want)
			}
		})
	}
}

// With real tenant settings, `run` serves nothing for the SPA: it removes a URL file left
// by an earlier local run, so the dev proxy finds no token endpoint.
func TestRunWithRealTenantPublishesNoTokenEndpoint(t *testing.T) {
	bin := buildLocalIdentity(t)
	dir := t.TempDir()
	settings := filepath.Join(dir, "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"`+entra.TestTenant+`"}}`), 0o600)
	urlFile := filepath.Join(dir, "localidentity.url")
	os.WriteFile(urlFile, []byte("http://127.0.0.1:1\n"), 0o644) // stale, from a local run

	// The child reports whether the URL file exists while it runs, and what tenant it got.
	script := `test -e "$1" && echo present || echo absent; echo "tenant=$AZURE_TENANT_ID jwks=$ENTRA_JWKS_URL"`
	cmd := exec.Command(bin, "run", "-settings", settings, "-url-file", urlFile, "--", "sh", "-c", script, "sh", urlFile)
	cmd.Env = append(os.Environ(), "AZURE_TENANT_ID=", "ENTRA_JWKS_URL=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "absent\n") || !strings.Contains(string(out), "tenant= jwks=") {
		t.Errorf("with a real tenant the child saw:\n%s", out)
	}
	if strings.Contains(string(out), "LOCAL-IDENTITY") {
		t.Error("local-identity mode announced with a real tenant")
	}
}

func buildLocalIdentity(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "localidentity")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
