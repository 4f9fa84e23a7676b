package onbehalfof

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/devstack/entra"
)

const (
	userToken   = "user.token.for-the-api"
	miToken     = "managed.identity.token"
	graphToken  = "graph.token.for-the-user"
	headerValue = "identity-header-secret"
)

// fakeIdentity is the App Service / Functions managed identity endpoint (IDENTITY_ENDPOINT and
// IDENTITY_HEADER, MSAL-go managedidentity.go createAppServiceAuthRequest): a GET with the
// resource and the user-assigned identity's client_id in the query.
type fakeIdentity struct {
	mu       sync.Mutex
	requests []url.Values
	headers  []string
	fail     bool
}

func (f *fakeIdentity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Query())
	f.headers = append(f.headers, r.Header.Get("X-IDENTITY-HEADER"))
	f.mu.Unlock()
	if f.fail {
		http.Error(w, `{"error":"invalid_request","error_description":"Identity not found"}`, http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"access_token": miToken,
		"expires_on":   fmt.Sprint(time.Now().Add(time.Hour).Unix()),
		"resource":     q.Get("resource"),
		"token_type":   "Bearer",
		"client_id":    q.Get("client_id"),
	})
}

// fakeAuthority is Entra for one tenant over TLS (azidentity refuses an http authority,
// azidentity.go setAuthorityHost): the v2 metadata MSAL reads the token endpoint from, and that
// endpoint, which records every form it receives.
type fakeAuthority struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newFakeAuthority(t *testing.T) *fakeAuthority {
	f := &fakeAuthority{}
	mux := http.NewServeMux()
	tenant := entra.TestTenant
	mux.HandleFunc("GET /"+tenant+"/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := f.URL + "/" + tenant
		json.NewEncoder(w).Encode(map[string]string{
			"issuer":                 base + "/v2.0",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"token_endpoint":         base + "/oauth2/v2.0/token",
		})
	})
	mux.HandleFunc("POST /"+tenant+"/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"token_type":     "Bearer",
			"scope":          GraphScope,
			"expires_in":     3600,
			"ext_expires_in": 3600,
			"access_token":   graphToken,
		})
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	return f
}

// exchangerFor points a new Exchanger at the fakes: the managed identity through the environment
// the Functions host gives an app, the authority through AuthorityHost.
func exchangerFor(t *testing.T, authority *fakeAuthority, identity *fakeIdentity) *Exchanger {
	t.Helper()
	idSrv := httptest.NewServer(identity)
	t.Cleanup(idSrv.Close)
	t.Setenv("IDENTITY_ENDPOINT", idSrv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", headerValue)
	// A distinct identity per test: MSAL caches managed identity tokens process-wide.
	identityClientID := rand.Text()
	e, err := New(Config{
		TenantID:                 entra.TestTenant,
		APIClientID:              entra.TestClient,
		IdentityClientID:         identityClientID,
		AuthorityHost:            authority.URL,
		ClientOptions:            azcore.ClientOptions{Transport: authority.Client()},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func graphTokenFor(t *testing.T, e *Exchanger, user string) (azcore.AccessToken, error) {
	t.Helper()
	cred, err := e.Credential(user)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{GraphScope}})
}

// The exchange Entra documents for on-behalf-of with a client assertion, and nothing else: the
// user's token as the assertion, the managed identity's token (asked for the token exchange
// audience, as the user-assigned identity) as the client's proof, and no secret.
func TestExchangeIsSecretlessOnBehalfOf(t *testing.T) {
	authority, identity := newFakeAuthority(t), &fakeIdentity{}
	e := exchangerFor(t, authority, identity)

	tok, err := graphTokenFor(t, e, userToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != graphToken {
		t.Errorf("token %q, want the token endpoint's %q", tok.Token, graphToken)
	}

	if len(authority.forms) != 1 {
		t.Fatalf("%d token requests, want 1", len(authority.forms))
	}
	form := authority.forms[0]
	// learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow, "Second case:
	// Access token request with a certificate" (a federated assertion travels the same way).
	want := map[string]string{
		"grant_type":            "urn:ietf:params:oauth:grant-type:jwt-bearer",
		"requested_token_use":   "on_behalf_of",
		"assertion":             userToken,
		"client_id":             entra.TestClient,
		"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		"client_assertion":      miToken,
	}
	for name, v := range want {
		if got := form.Get(name); got != v {
			t.Errorf("token request %s = %q, want %q", name, got, v)
		}
	}
	if !strings.Contains(" "+form.Get("scope")+" ", " "+GraphScope+" ") {
		t.Errorf("token request scope = %q, want it to hold %s", form.Get("scope"), GraphScope)
	}
	if _, ok := form["client_secret"]; ok {
		t.Error("the token request carries a client_secret")
	}

	if len(identity.requests) == 0 {
		t.Fatal("the managed identity was never asked for a token")
	}
	for i, q := range identity.requests {
		if q.Get("resource") != ExchangeAudience {
			t.Errorf("managed identity asked for resource %q, want %s", q.Get("resource"), ExchangeAudience)
		}
		if q.Get("client_id") != e.cfg.IdentityClientID {
			t.Errorf("managed identity asked as client_id %q, want the user-assigned identity %s", q.Get("client_id"), e.cfg.IdentityClientID)
		}
		if identity.headers[i] != headerValue {
			t.Errorf("X-IDENTITY-HEADER %q, want the host's IDENTITY_HEADER", identity.headers[i])
		}
	}
}

// Each user's credential exchanges that user's token: two callers never share a Graph token.
func TestEachUserTokenIsExchangedForItself(t *testing.T) {
	authority, identity := newFakeAuthority(t), &fakeIdentity{}
	e := exchangerFor(t, authority, identity)
	for _, user := range []string{"token.of.alice", "token.of.bob"} {
		if _, err := graphTokenFor(t, e, user); err != nil {
			t.Fatal(err)
		}
	}
	if len(authority.forms) != 2 || authority.forms[0].Get("assertion") != "token.of.alice" || authority.forms[1].Get("assertion") != "token.of.bob" {
		t.Errorf("assertions sent: %v", authority.forms)
	}
}

// No user token, no exchange: azidentity would otherwise send a client-credentials request and
// return a token for the API itself.
func TestNoUserTokenIsRefused(t *testing.T) {
	authority, identity := newFakeAuthority(t), &fakeIdentity{}
	e := exchangerFor(t, authority, identity)
	for _, empty := range []string{"", "  "} {
		if _, err := graphTokenFor(t, e, empty); !errors.Is(err, ErrNoUserToken) {
			t.Errorf("user token %q: %v, want ErrNoUserToken", empty, err)
		}
	}
	if len(authority.forms) != 0 || len(identity.requests) != 0 {
		t.Errorf("%d token requests and %d identity requests were sent for no user", len(authority.forms), len(identity.requests))
	}
}

// When the managed identity cannot give its token, the exchange fails and nothing reaches Entra:
// there is no secret to fall back on.
func TestIdentityFailureStopsTheExchange(t *testing.T) {
	authority, identity := newFakeAuthority(t), &fakeIdentity{fail: true}
	e := exchangerFor(t, authority, identity)
	_, err := graphTokenFor(t, e, userToken)
	if err == nil || !strings.Contains(err.Error(), "managed identity token for "+ExchangeAudience) {
		t.Errorf("error %v, want one naming the managed identity token", err)
	}
	if len(authority.forms) != 0 {
		t.Errorf("%d token requests reached Entra without a client assertion", len(authority.forms))
	}
	if strings.Contains(fmt.Sprint(err), userToken) {
		t.Error("the error holds the user's token")
	}
}

// The audience follows the cloud (workload-identity-federation-config-app-trust-managed-identity).
func TestExchangeAudiencePerCloud(t *testing.T) {
	for host, want := range map[string]string{
		"":                                  ExchangeAudience,
		"https://login.microsoftonline.com": ExchangeAudience,
		"https://login.microsoftonline.us/": ExchangeAudienceUSGov,
		"https://LOGIN.chinacloudapi.cn":    ExchangeAudienceChina,
		"https://login.azurestack.example":  ExchangeAudience,
	} {
		if got, err := exchangeAudience(host); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", host, got, err, want)
		}
	}
	if _, err := exchangeAudience("http://login.microsoftonline.com"); err == nil {
		t.Error("an http authority was accepted")
	}
}

// A missing party is named at start-up, not discovered at the first exchange.
func TestConfigNamesWhatIsMissing(t *testing.T) {
	full := Config{TenantID: entra.TestTenant, APIClientID: entra.TestClient, IdentityClientID: entra.ManagedIdentity}
	for field, cfg := range map[string]Config{
		"TenantID":         {APIClientID: full.APIClientID, IdentityClientID: full.IdentityClientID},
		"APIClientID":      {TenantID: full.TenantID, IdentityClientID: full.IdentityClientID},
		"IdentityClientID": {TenantID: full.TenantID, APIClientID: full.APIClientID},
	} {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("without %s: %v", field, err)
		}
	}
}
