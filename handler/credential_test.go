package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/settings"
	"github.com/example/entra-tasks/testkit/testenv"
)

const (
	testTenant   = entra.TestTenant
	identityID   = entra.ManagedIdentity
	storageScope = "https://storage.azure.com/.default"
)

// fakeCLIs puts fake `azd` and `az` first on PATH. Each records its arguments in dir/<name>.calls and prints
// a token the way the real tool does (azd auth token -o json; az account get-access-token -o json), or fails
// when fail names it. azidentity runs them through /bin/sh, so the rest of PATH stays.
func fakeCLIs(t *testing.T, fail string) string {
	t.Helper()
	dir := t.TempDir()
	expires := time.Now().Add(time.Hour)
	tools := map[string]string{
		"azd": `{"token":"token-from-azd","expiresOn":"` + expires.UTC().Format(time.RFC3339) + `"}`,
		"az": `{"accessToken":"token-from-az","expiresOn":"` + expires.Local().Format("2006-01-02 15:04:05.000000") +
			`","expires_on":` + strconv.FormatInt(expires.Unix(), 10) + `,"tokenType":"Bearer"}`,
	}
	for name, out := range tools {
		script := "#!/bin/sh\necho \"$*\" >>" + filepath.Join(dir, name+".calls") + "\n"
		if name == fail {
			script += "echo 'ERROR: not logged in' >&2\nexit 1\n"
		} else {
			script += "cat <<'EOF'\n" + out + "\nEOF\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

func calls(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name+".calls"))
	return string(b)
}

// fakeIdentityEndpoint serves App Service's managed identity protocol (IDENTITY_ENDPOINT and IDENTITY_HEADER,
// which the platform sets and azidentity reads) and records each request's query.
func fakeIdentityEndpoint(t *testing.T) (queries chan string) {
	t.Helper()
	queries = make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-IDENTITY-HEADER") != "platform-secret" {
			http.Error(w, "missing header", http.StatusUnauthorized)
			return
		}
		queries <- r.URL.RawQuery
		json.NewEncoder(w).Encode(map[string]string{
			"access_token": "token-from-managed-identity", "token_type": "Bearer", "resource": r.URL.Query().Get("resource"),
			"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10), "client_id": r.URL.Query().Get("client_id"),
		})
	}))
	t.Cleanup(srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "platform-secret")
	return queries
}

func endpointSettings(t *testing.T, extra map[string]string) settings.Values {
	t.Helper()
	env := map[string]string{
		"AZURE_TENANT_ID": testTenant, "AZURE_API_CLIENT_ID": entra.TestClient,
		"TABLES_ENDPOINT": "https://acct.table.core.windows.net", "AZURE_CLIENT_ID": identityID,
	}
	for k, v := range extra {
		env[k] = v
	}
	s, err := settings.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func token(t *testing.T, cfg settings.Values) (string, string, error) {
	t.Helper()
	cred, what, err := newTableCredential(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{storageScope}})
	return tok.Token, what, err
}

// On Azure Functions (the platform's WEBSITE_SKU is set) the token comes from the managed identity, for the
// user-assigned identity named by AZURE_CLIENT_ID, and never from a developer sign-in, even one that works.
func TestTablesUseManagedIdentityInAzure(t *testing.T) {
	// One identity per case: MSAL keeps managed identity tokens in a process-wide cache keyed by identity, and
	// each case must reach the endpoint.
	for signal, identity := range map[string]string{
		"WEBSITE_SKU":         identityID,
		"WEBSITE_INSTANCE_ID": "1f0e0d0c-0b0a-4909-8807-060504030201",
	} {
		t.Run(signal, func(t *testing.T) {
			clis := fakeCLIs(t, "")
			queries := fakeIdentityEndpoint(t)
			got, what, err := token(t, endpointSettings(t, map[string]string{signal: "FlexConsumption", "AZURE_CLIENT_ID": identity}))
			if err != nil || got != "token-from-managed-identity" {
				t.Fatalf("token %q, err %v; want the managed identity's", got, err)
			}
			select {
			case q := <-queries:
				if !strings.Contains(q, "client_id="+identity) {
					t.Errorf("identity request %q does not name the user-assigned identity", q)
				}
			default:
				t.Error("the managed identity endpoint was not asked")
			}
			if !strings.Contains(what, "managed identity (user-assigned, client id "+identity+")") {
				t.Errorf("description %q", what)
			}
			if c := calls(clis, "azd") + calls(clis, "az"); c != "" {
				t.Errorf("a developer CLI was asked for a token in Azure: %q", c)
			}
		})
	}
}

// Locally, against a deployed account, the token comes from the developer's `azd auth login`, else from
// `az login`, for the API's tenant.
func TestTablesUseDeveloperSignInLocally(t *testing.T) {
	clis := fakeCLIs(t, "")
	got, what, err := token(t, endpointSettings(t, nil))
	if err != nil || got != "token-from-azd" {
		t.Fatalf("token %q, err %v; want azd's", got, err)
	}
	if c := calls(clis, "azd"); !strings.Contains(c, "auth token") || !strings.Contains(c, storageScope) || !strings.Contains(c, testTenant) {
		t.Errorf("azd called with %q", c)
	}
	if !strings.Contains(what, "developer sign-in") {
		t.Errorf("description %q", what)
	}

	clis = fakeCLIs(t, "azd")
	if got, _, err := token(t, endpointSettings(t, nil)); err != nil || got != "token-from-az" {
		t.Fatalf("with azd signed out: token %q, err %v; want az's", got, err)
	}
	if c := calls(clis, "az"); !strings.Contains(c, "account get-access-token") || !strings.Contains(c, testTenant) {
		t.Errorf("az called with %q", c)
	}
}

// The real binary says at start-up which credential it uses, and uses it: run locally with TABLES_ENDPOINT it
// asks azd for a storage token (its table warm-up), and on Azure it asks the managed identity endpoint.
func TestStartupLogNamesTheCredential(t *testing.T) {
	base := map[string]string{
		"AZURE_TENANT_ID": testTenant, "AZURE_API_CLIENT_ID": entra.TestClient,
		// Nothing listens there: the request fails after the token, which is all this test needs.
		"TABLES_ENDPOINT": "https://127.0.0.1:1", "AZURE_CLIENT_ID": identityID,
		// A key set that answers, so the process does not reach out to Entra.
		"ENTRA_JWKS_URL": testenv.ServeKeys(t, entra.NewKeyServer(testenv.MustKey(t, "k1"))),
	}
	t.Run("local", func(t *testing.T) {
		clis := fakeCLIs(t, "")
		h := testenv.StartHandler(t, base)
		waitFor(t, "azd to be asked for a storage token", func() bool { return strings.Contains(calls(clis, "azd"), storageScope) })
		waitFor(t, "the start-up log line", func() bool {
			return strings.Contains(h.Output(), `"msg":"storage credential","credential":"developer sign-in`)
		})
	})
	t.Run("azure", func(t *testing.T) {
		clis := fakeCLIs(t, "")
		queries := fakeIdentityEndpoint(t)
		env := map[string]string{"WEBSITE_SKU": "FlexConsumption", "IDENTITY_ENDPOINT": os.Getenv("IDENTITY_ENDPOINT"), "IDENTITY_HEADER": "platform-secret"}
		for k, v := range base {
			env[k] = v
		}
		h := testenv.StartHandler(t, env)
		select {
		case q := <-queries:
			if !strings.Contains(q, "client_id="+identityID) {
				t.Errorf("identity request %q", q)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the managed identity endpoint was never asked\n%s", h.Output())
		}
		waitFor(t, "the start-up log line", func() bool {
			return strings.Contains(h.Output(), `"msg":"storage credential","credential":"managed identity (user-assigned, client id `+identityID+`)"`)
		})
		if c := calls(clis, "azd") + calls(clis, "az"); c != "" {
			t.Errorf("a developer CLI was asked in Azure: %q", c)
		}
	})
}

// waitFor polls for an outcome of the child process (not a fixed sleep: it returns as soon as cond holds).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
