package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
)

// TestLocalIdentityEndToEnd runs what `make start` runs without Core Tools: localidentity
// around the funchost stand-in around the real handler, with the repository's example
// settings. Development tokens must pass the handler's full validation; others must not.
func TestLocalIdentityEndToEnd(t *testing.T) {
	local := testenv.StartLocalStack(t, "../../local.settings.json.example", time.Minute)
	original, err := os.ReadFile(local.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	settingsPath, urlFile, output, host := local.SettingsPath, local.URLFile, local.Output, local.Host
	base := host.URL()

	tok, err := devToken("", entra.DevTenantID, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if me := getMe(t, base, tok, http.StatusOK); me["id"] != entra.DevUserOID || me["tenantId"] != entra.DevTenantID {
		t.Errorf("/api/me for the default development user: %v", me)
	}
	alice, _ := devToken("alice", entra.DevTenantID, nil, time.Now())
	if me := getMe(t, base, alice, http.StatusOK); me["id"] != userOID("alice") || me["name"] != "alice" {
		t.Errorf("/api/me for alice: %v", me)
	}
	// The SPA's sign-in: a token from the published endpoint passes the same full check.
	published, err := os.ReadFile(urlFile)
	if err != nil {
		t.Fatalf("the token endpoint's URL was not published: %v", err)
	}
	resp, err := http.Post(strings.TrimSpace(string(published))+tokenPath, "application/json", strings.NewReader(`{"user":"alice"}`))
	if err != nil {
		t.Fatal(err)
	}
	var issued tokenResponse
	json.NewDecoder(resp.Body).Decode(&issued)
	resp.Body.Close()
	if me := getMe(t, base, issued.AccessToken, http.StatusOK); me["id"] != userOID("alice") || me["name"] != "alice" {
		t.Errorf("/api/me with the endpoint's token for alice: %v", me)
	}
	// Roles picked at sign-in reach the API: /api/me reports them, as the SPA reads them.
	resp, err = http.Post(strings.TrimSpace(string(published))+tokenPath, "application/json", strings.NewReader(`{"user":"alice","roles":"Viewer,Admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&issued)
	resp.Body.Close()
	if me := getMe(t, base, issued.AccessToken, http.StatusOK); fmt.Sprint(me["roles"]) != "[Admin Viewer]" {
		t.Errorf("/api/me with roles Viewer,Admin: roles %v, want [Admin Viewer]", me["roles"])
	}
	stranger, _ := entra.NewKey(entra.DevKeyID) // same kid, other key: a forgery
	forged, _ := stranger.Sign(entra.V2Claims(entra.DevTenantID, entra.DevAPIClientID, entra.DevUserOID, time.Now()), nil)
	getMe(t, base, forged, http.StatusUnauthorized)
	getMe(t, base, "", http.StatusUnauthorized)

	if !strings.Contains(output.String(), "LOCAL-IDENTITY MODE") {
		t.Error("the mode is not announced")
	}
	if now, _ := os.ReadFile(settingsPath); !bytes.Equal(now, original) {
		t.Error("local.settings.json was modified")
	}
	host.Stop()
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Errorf("the URL file outlived the run: %v", err)
	}
}

func getMe(t *testing.T, base, token string, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != want {
		t.Errorf("GET /api/me: %d, want %d (%v)", resp.StatusCode, want, body)
	}
	return body
}

func TestRealTenantSettingsChangeNothing(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"`+entra.TestTenant+`"}}`), 0o600)

	if err := tokenCommand([]string{"-settings", settings}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "real tenant") {
		t.Errorf("token with a real tenant: %v, want a refusal", err)
	}
	local, err := isLocal(settings, func(string) string { return "" })
	if err != nil || local {
		t.Errorf("real tenant in the file: local=%v err=%v", local, err)
	}
	// A real tenant in the environment wins over a placeholder in the file, as in Core Tools.
	placeholder := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(placeholder, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600)
	envTenant := func(name string) string {
		if name == "AZURE_TENANT_ID" {
			return entra.TestTenant
		}
		return ""
	}
	if local, _ := isLocal(placeholder, envTenant); local {
		t.Error("a real AZURE_TENANT_ID in the environment must switch local identity off")
	}
	if local, _ := isLocal(placeholder, func(string) string { return "" }); !local {
		t.Error("the placeholder must switch local identity on")
	}
}

func TestUserOIDIsStableAndDistinct(t *testing.T) {
	if userOID("alice") != userOID("alice") || userOID("alice") == userOID("bob") {
		t.Error("oids must be stable per name and differ between names")
	}
	if !strings.HasPrefix(userOID("alice")[14:], "5") {
		t.Errorf("%s is not a version 5 UUID", userOID("alice"))
	}
}
