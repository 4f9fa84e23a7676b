package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/entra-tasks/devstack/entra"
)

// appTokenFromCommand runs `localidentity token` as `make token` does, with local-identity
// settings, and returns the token it prints.
func appTokenFromCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	if err := os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"<your-tenant-id>"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	err := tokenCommand(append([]string{"-settings", settings}, args...), &out)
	return strings.TrimSpace(out.String()), err
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// `make token APP=reporter ROLES=Tasks.Read.All` is shaped like Entra's app-only v2 token (a
// daemon's client credentials or a managed identity's): the user tokens' issuer, audience,
// tenant and times; idtyp app, azp the client id, azpacr 2, oid = sub the service principal,
// the application permissions in roles; and nothing of a user.
func TestAppTokenClaims(t *testing.T) {
	tok, err := appTokenFromCommand(t, "-app", "reporter", "-roles", "Tasks.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	key, err := entra.DevKey()
	if err != nil {
		t.Fatal(err)
	}
	// Signed with the development key, as the API's key set serves it.
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &key.Private.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"})); err != nil {
		t.Fatalf("not a valid RS256 token under the development key: %v", err)
	}
	c := claimsOf(t, tok)
	want := map[string]any{
		"iss":    "https://login.microsoftonline.com/" + entra.DevTenantID + "/v2.0",
		"aud":    entra.DevAPIClientID,
		"tid":    entra.DevTenantID,
		"ver":    "2.0",
		"idtyp":  "app",
		"azpacr": "2",
		"azp":    appClientID("reporter"),
		"oid":    appObjectID("reporter"),
		"sub":    appObjectID("reporter"),
	}
	for name, v := range want {
		if c[name] != v {
			t.Errorf("%s = %v, want %v", name, c[name], v)
		}
	}
	if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != "Tasks.Read.All" {
		t.Errorf("roles = %v, want [Tasks.Read.All]", c["roles"])
	}
	for _, userOnly := range []string{"scp", "name", "preferred_username", "upn", "unique_name"} {
		if v, ok := c[userOnly]; ok {
			t.Errorf("an app-only token has %s = %v; Entra sends none", userOnly, v)
		}
	}
	iat, _ := c["iat"].(float64)
	if nbf, _ := c["nbf"].(float64); nbf != iat || c["exp"].(float64)-iat != time.Hour.Seconds() {
		t.Errorf("times: iat %v nbf %v exp %v, want nbf = iat and an hour's life", c["iat"], c["nbf"], c["exp"])
	}
	if now := float64(time.Now().Unix()); iat < now-60 || iat > now+60 {
		t.Errorf("iat %v is not now", iat)
	}
}

// The same name is the same app on every run (its tasks' audit records name the same client);
// different names, and the client id and object id of one app, are different GUIDs, none of
// them a development user's oid.
func TestAppIdentitiesAreStableAndDistinct(t *testing.T) {
	ids := map[string]string{
		"reporter client":    appClientID("reporter"),
		"reporter principal": appObjectID("reporter"),
		"billing client":     appClientID("billing"),
		"billing principal":  appObjectID("billing"),
		"user reporter":      userOID("reporter"),
		"default user":       entra.DevUserOID,
	}
	seen := map[string]string{}
	for what, id := range ids {
		if what != "default user" && !guid.MatchString(id) {
			t.Errorf("%s: %s is not a version 5 GUID", what, id)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share %s", what, other, id)
		}
		seen[id] = what
	}
	if appClientID("reporter") != appClientID("reporter") || appObjectID(" reporter ") == "" {
		t.Error("not stable")
	}
	a, _ := appTokenFromCommand(t, "-app", " reporter ", "-roles", "Tasks.ReadWrite.All")
	if claimsOf(t, a)["azp"] != appClientID("reporter") {
		t.Error("APP=' reporter ' is not the app reporter")
	}
}

// Both application permissions may be held together; no ROLES gives a token without a roles
// claim, as Entra issues for an app granted nothing (the API answers it with 403).
func TestAppTokenRoles(t *testing.T) {
	both, err := appTokenFromCommand(t, "-app", "sync", "-roles", "Tasks.ReadWrite.All, Tasks.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	if roles, _ := claimsOf(t, both)["roles"].([]any); len(roles) != 2 || roles[0] != "Tasks.ReadWrite.All" || roles[1] != "Tasks.Read.All" {
		t.Errorf("roles = %v", roles)
	}
	none, err := appTokenFromCommand(t, "-app", "sync")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := claimsOf(t, none)["roles"]; ok {
		t.Errorf("no ROLES: roles = %v, want no claim", r)
	}
}

// A user role, a misspelt permission or a user and an app at once are refused with a message
// that says what to write instead, and print no token.
func TestAppTokenRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-app", "reporter", "-roles", "Admin"}, `"Admin" is not an application permission: an app-only token may hold only Tasks.Read.All and Tasks.ReadWrite.All`},
		{[]string{"-app", "reporter", "-roles", "Tasks.Read.All,Editor"}, `"Editor" is not an application permission`},
		{[]string{"-app", "reporter", "-roles", "tasks.read.all"}, `"tasks.read.all" is not an application permission`},
		{[]string{"-app", "reporter", "-user", "alice"}, "give a user (USER=) or an app (APP=), not both"},
		{[]string{"-app", "bad\x01name"}, "a development app's name must be 1 to 64 characters"},
		{[]string{"-app", strings.Repeat("a", 65)}, "a development app's name must be 1 to 64 characters"},
	} {
		tok, err := appTokenFromCommand(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one saying %q", tc.args, err, tc.want)
		}
		if tok != "" {
			t.Errorf("%q: printed a token", tc.args)
		}
	}
	// A user token may still carry any role (the API ignores unknown ones): unchanged.
	if _, err := appTokenFromCommand(t, "-user", "alice", "-roles", "Tasks.Read.All"); err != nil {
		t.Errorf("a user's token with any roles value: %v", err)
	}
}

// With a real tenant in the settings, an app token is refused like a user's: Entra would not
// accept the development key.
func TestAppTokenNeedsLocalIdentity(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	os.WriteFile(settings, []byte(`{"Values":{"AZURE_TENANT_ID":"`+entra.TestTenant+`"}}`), 0o600)
	t.Setenv("AZURE_TENANT_ID", "")
	err := tokenCommand([]string{"-settings", settings, "-app", "reporter", "-roles", "Tasks.Read.All"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "real tenant") {
		t.Errorf("app token with a real tenant: %v, want a refusal", err)
	}
}
