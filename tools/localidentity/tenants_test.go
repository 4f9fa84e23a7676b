package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
)

// A token of the partner tenant is the same development user's token issued by that tenant: tid and issuer of
// the partner, the same API audience, the same oid (only tid tells alice's two identities apart), signed by the
// same development key. `make token TENANT=...` and the SPA's sign-in give the same token.
func TestPartnerTenantTokens(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600)
	t.Setenv("AZURE_TENANT_ID", "")
	for _, tc := range []struct{ flag, body, wantTenant string }{
		{"", `{"user":"alice"}`, entra.DevTenantID},
		{"home", `{"user":"alice","tenant":"home"}`, entra.DevTenantID},
		{"partner", `{"user":"alice","tenant":"partner"}`, entra.DevPartnerTenantID},
		{"Partner", `{"user":"alice","tenant":" PARTNER "}`, entra.DevPartnerTenantID},
		{strings.ToUpper(entra.OtherTenant), `{"user":"alice","tenant":"` + strings.ToUpper(entra.OtherTenant) + `"}`, entra.OtherTenant},
	} {
		rec := serveDev(t, tokenRequestTo(tokenPath, tc.body))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.body, rec.Code, rec.Body)
		}
		var got tokenResponse
		json.Unmarshal(rec.Body.Bytes(), &got)
		claims := claimsOf(t, got.AccessToken)
		if claims["tid"] != tc.wantTenant || claims["iss"] != "https://login.microsoftonline.com/"+tc.wantTenant+"/v2.0" ||
			claims["aud"] != entra.DevAPIClientID || claims["oid"] != userOID("alice") || got.TenantID != tc.wantTenant {
			t.Errorf("%s: tid %v iss %v aud %v oid %v, response tenantId %q; want tenant %s, alice's oid", tc.body, claims["tid"], claims["iss"], claims["aud"], claims["oid"], got.TenantID, tc.wantTenant)
		}
		args := []string{"-settings", settings, "-user", "alice"}
		if tc.flag != "" {
			args = append(args, "-tenant", tc.flag)
		}
		var printed bytes.Buffer
		if err := tokenCommand(args, &printed); err != nil {
			t.Fatal(err)
		}
		fromMake := claimsOf(t, strings.TrimSpace(printed.String()))
		for _, c := range []string{"tid", "iss", "oid", "aud"} {
			if fromMake[c] != claims[c] {
				t.Errorf("-tenant %q: make token %s %v, endpoint %v", tc.flag, c, fromMake[c], claims[c])
			}
		}
	}
	// An app of the partner tenant: app-only, the partner's tid and issuer.
	var printed bytes.Buffer
	if err := tokenCommand([]string{"-settings", settings, "-app", "reporter", "-tenant", "partner", "-roles", "Tasks.Read.All"}, &printed); err != nil {
		t.Fatal(err)
	}
	if c := claimsOf(t, strings.TrimSpace(printed.String())); c["tid"] != entra.DevPartnerTenantID || c["idtyp"] != "app" || c["iss"] != "https://login.microsoftonline.com/"+entra.DevPartnerTenantID+"/v2.0" {
		t.Errorf("partner app token: tid %v idtyp %v iss %v", c["tid"], c["idtyp"], c["iss"])
	}
}

// A tenant that is neither a short name nor a GUID is refused, by make token and by the endpoint (400), and no
// token is printed.
func TestBadTenantRefused(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600)
	t.Setenv("AZURE_TENANT_ID", "")
	for _, bad := range []string{"contoso", "organizations", "common", "1111-1111", entra.DevPartnerTenantID + "x"} {
		var printed bytes.Buffer
		if err := tokenCommand([]string{"-settings", settings, "-user", "alice", "-tenant", bad}, &printed); err == nil || printed.Len() > 0 {
			t.Errorf("-tenant %q: err %v, printed %q", bad, err, printed.String())
		}
		body, _ := json.Marshal(tokenRequest{User: "alice", Tenant: bad})
		if rec := serveDev(t, tokenRequestTo(tokenPath, string(body))); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "tenant") {
			t.Errorf("tenant %q: %d %s, want 400 naming the tenant", bad, rec.Code, rec.Body)
		}
	}
}

// `make start` in local-identity mode allows both development tenants, unless the environment or the settings
// list tenants themselves.
func TestDevAllowedTenants(t *testing.T) {
	dir := t.TempDir()
	write := func(name, list string) string {
		p := filepath.Join(dir, name)
		b, _ := json.Marshal(map[string]any{"Values": map[string]string{"AZURE_TENANT_ID": "<your-tenant-id>", "AZURE_ALLOWED_TENANTS": list}})
		os.WriteFile(p, b, 0o600)
		return p
	}
	none := func(string) string { return "" }
	both := entra.DevTenantID + "," + entra.DevPartnerTenantID
	if got, add, err := devAllowedTenants(write("empty.json", ""), none); err != nil || !add || got != both {
		t.Errorf("empty setting: %q %v %v, want %q added", got, add, err, both)
	}
	if got, add, err := devAllowedTenants(filepath.Join(dir, "missing.json"), none); err != nil || !add || got != both {
		t.Errorf("no settings file: %q %v %v, want %q added", got, add, err, both)
	}
	if _, add, err := devAllowedTenants(write("own.json", entra.DevTenantID), none); err != nil || add {
		t.Errorf("a list in the settings must be kept: add %v, err %v", add, err)
	}
	env := func(k string) string {
		if k == "AZURE_ALLOWED_TENANTS" {
			return entra.DevTenantID
		}
		return ""
	}
	if _, add, err := devAllowedTenants(write("empty2.json", ""), env); err != nil || add {
		t.Errorf("a list in the environment must be kept: add %v, err %v", add, err)
	}
}

// aliceIn is alice's development token in tenant.
func aliceIn(t *testing.T, tenant string) string {
	t.Helper()
	tok, err := devToken("alice", tenant, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestMultiTenantEndToEnd runs `make start`'s stack (localidentity around funchost around the real handler, the
// repository's example settings): localidentity gives the host both development tenants in AZURE_ALLOWED_TENANTS, so
// the partner tenant's token passes the handler's full check and a third tenant's is refused before any key lookup.
func TestMultiTenantEndToEnd(t *testing.T) {
	local := testenv.StartLocalStack(t, "../../local.settings.json.example", time.Minute)
	base := local.Host.URL()
	token := func(tenant string) string { return aliceIn(t, tenant) }
	home, partner := token(entra.DevTenantID), token(entra.DevPartnerTenantID)
	if me := getMe(t, base, home, http.StatusOK); me["id"] != userOID("alice") || me["tenantId"] != entra.DevTenantID {
		t.Errorf("/api/me for alice at home: %v", me)
	}
	if me := getMe(t, base, partner, http.StatusOK); me["id"] != userOID("alice") || me["tenantId"] != entra.DevPartnerTenantID {
		t.Errorf("/api/me for alice in the partner tenant: %v", me)
	}

	// A tenant not on the list: 401 invalid_token naming the tenant, whatever the key.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token(entra.OtherTenant))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if www := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(www, `error="invalid_token"`) || !strings.Contains(www, "tenant is not allowed") {
		t.Errorf("a third tenant's token: %d, WWW-Authenticate %q; want 401 invalid_token, the tenant is not allowed", resp.StatusCode, www)
	}
	if !strings.Contains(local.Output.String(), "Multi-tenant mode") {
		t.Error("make start does not announce the multi-tenant mode")
	}
	// The docs page signs users of every allowed tenant in: its OAuth URLs name organizations.
	doc, err := http.Get(base + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(doc.Body)
	doc.Body.Close()
	if !strings.Contains(string(body), `/organizations/oauth2/v2.0/authorize"`) {
		t.Error("multi-tenant: the OpenAPI document's authorization URL does not name organizations")
	}
}

// TestMultiTenantDataKeptApartEndToEnd: on the same stack, the same oid in two tenants is two users (the keying
// rule, docs/multi-tenant.md): alice of the partner tenant does not see home alice's task, and home alice does.
func TestMultiTenantDataKeptApartEndToEnd(t *testing.T) {
	local := testenv.StartLocalStack(t, "../../local.settings.json.example", time.Minute)
	base := local.Host.URL()
	home, partner := aliceIn(t, entra.DevTenantID), aliceIn(t, entra.DevPartnerTenantID)
	call := func(method, tok, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+"/api/tasks", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, body := call(http.MethodPost, home, `{"title":"Home alice's task"}`); code != http.StatusCreated {
		t.Fatalf("POST /api/tasks as home alice: %d %v", code, body)
	}
	items := func(body map[string]any) int { list, _ := body["items"].([]any); return len(list) }
	if code, body := call(http.MethodGet, partner, ""); code != http.StatusOK || items(body) != 0 {
		t.Errorf("GET /api/tasks as partner alice: %d %v, want 200 and none of home alice's tasks", code, body)
	}
	if code, body := call(http.MethodGet, home, ""); code != http.StatusOK || items(body) != 1 {
		t.Errorf("GET /api/tasks as home alice: %d %v, want her one task", code, body)
	}
}
