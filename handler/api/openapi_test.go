package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/contract"
)

var quiet = slog.New(slog.DiscardHandler)

// refusingVerifier fails the test if a route asks it for a token check: the document's route
// is anonymous. Its scope is the full one, as auth.Verifier's RequiredScope returns it.
type refusingVerifier struct {
	t     *testing.T
	scope string
}

func (v refusingVerifier) Verify(context.Context, string) (*auth.Principal, error) {
	v.t.Error("GET /api/openapi.json asked for a token check; it must be anonymous")
	return nil, errors.New("no")
}

func (v refusingVerifier) RequiredScope() string { return v.scope }

func templateContract(t *testing.T) *contract.Contract {
	t.Helper()
	c, err := contract.New(api.OpenAPITemplate())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenAPIDocumentIsValidOpenAPI31(t *testing.T) {
	templateContract(t)
}

// TestOpenAPIDescribesExactlyTheHandlerRoutes fails when a route is added to the handler but
// not to the document, or described but not served.
func TestOpenAPIDescribesExactlyTheHandlerRoutes(t *testing.T) {
	var documented, served []string
	for _, op := range templateContract(t).Operations() {
		documented = append(documented, op.String())
	}
	for _, r := range api.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	for _, s := range served {
		if !slices.Contains(documented, s) {
			t.Errorf("the handler serves %s but the OpenAPI document does not describe it", s)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("the OpenAPI document describes %s but the handler does not serve it", d)
		}
	}
}

func getDoc(t *testing.T, h http.Handler, header map[string]string) (*http.Request, apitest.Response) {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return req, apitest.Response{Status: rec.Code, Header: rec.Result().Header, Body: body}
}

func TestOpenAPIServedWithThisDeploymentsSignIn(t *testing.T) {
	spec := templateContract(t)
	for _, c := range []struct {
		scopeName, authorityHost, signIn, tenant string
		multiTenant                              bool
	}{
		{"access_as_user", "", "https://login.microsoftonline.com/", entra.TestTenant, false},
		{"Tasks.ReadWrite", "https://login.microsoftonline.us", "https://login.microsoftonline.us/", entra.TestTenant, false}, // AZURE_AUTHORITY_HOST
		// Multi-tenant: a user of any allowed tenant signs in, so the URLs name organizations,
		// as the SPA's authority does (a home-tenant URL would sign partner users in as guests).
		{"access_as_user", "", "https://login.microsoftonline.com/", "organizations", true},
	} {
		scopeName := c.scopeName
		h := api.New(api.Config{Logger: quiet, Verifier: refusingVerifier{t, "api://" + entra.TestClient + "/" + scopeName}, TenantID: entra.TestTenant, APIClientID: entra.TestClient,
			AuthorityHost: c.authorityHost, MultiTenant: c.multiTenant})
		req, r := getDoc(t, h, nil)
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		for _, p := range spec.Check(req, r.Status, r.Header, r.Body) {
			t.Error(p)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("Cache-Control %q, want no-cache (revalidate, so a redeployment is seen)", got)
		}
		if strings.Contains(string(r.Body), "{tenant-id}") || strings.Contains(string(r.Body), "{api-client-id}") {
			t.Errorf("placeholders left in the served document")
		}
		if _, err := contract.New(r.Body); err != nil {
			t.Fatalf("the served document: %v", err)
		}
		var doc contract.SignIn
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatal(err)
		}
		authorizeURL, tokenURL, scopes := doc.Flow()
		scope := "api://" + entra.TestClient + "/" + scopeName
		if authorizeURL != c.signIn+c.tenant+"/oauth2/v2.0/authorize" ||
			tokenURL != c.signIn+c.tenant+"/oauth2/v2.0/token" {
			t.Errorf("sign-in URLs %q, %q", authorizeURL, tokenURL)
		}
		if _, ok := scopes[scope]; !ok || len(scopes) != 1 {
			t.Errorf("scopes %v, want only %s", scopes, scope)
		}
		if len(doc.Security) == 0 || !slices.Equal(doc.Security[0]["entra"], []string{scope}) {
			t.Errorf("top-level security %v, want entra with %s", doc.Security, scope)
		}
	}
}

func TestOpenAPIRevalidationIsA304(t *testing.T) {
	spec := templateContract(t)
	h := api.New(api.Config{Logger: quiet, Verifier: refusingVerifier{t, "api://" + entra.TestClient + "/access_as_user"}, TenantID: entra.TestTenant, APIClientID: entra.TestClient})
	_, first := getDoc(t, h, nil)
	etag := first.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag %q, want a strong ETag", etag)
	}
	for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		req, r := getDoc(t, h, map[string]string{"If-None-Match": inm})
		if r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: status %d, %d bytes, ETag %q; want an empty 304", inm, r.Status, len(r.Body), r.Header.Get("ETag"))
		}
		for _, p := range spec.Check(req, r.Status, r.Header, r.Body) {
			t.Error(p)
		}
	}
	if _, r := getDoc(t, h, map[string]string{"If-None-Match": `"stale"`}); r.Status != 200 {
		t.Errorf("a stale ETag got %d, want 200 with the document", r.Status)
	}
	// Another deployment (another tenant) serves other bytes, so its ETag differs.
	other := api.New(api.Config{Logger: quiet, Verifier: refusingVerifier{t, "api://" + entra.TestClient + "/access_as_user"}, TenantID: entra.TestClient, APIClientID: entra.TestTenant})
	if _, r := getDoc(t, other, nil); r.Header.Get("ETag") == etag {
		t.Error("two different documents share an ETag")
	}
}

// TestContractCatchesDrift shows that the check the integration suite runs on every answer
// is not a formality: each answer below differs from the document in one way a client would
// notice, and each is reported.
func TestContractCatchesDrift(t *testing.T) {
	spec := templateContract(t)
	id := "01JDQ1E5W1ZK8J6B6X9F4YV7QH"
	task := `{"id":"` + id + `","title":"t","completed":false,"createdAt":"2026-11-26T23:09:00.123Z","updatedAt":"2026-11-26T23:09:00.123Z","etag":"W/\"x\""}`
	jsonHeader := func(extra ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}, "Cache-Control": {"no-store"}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	problemHeader := http.Header{"Content-Type": {"application/problem+json"}}
	problem := `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such task"}`
	cases := []struct {
		name, method, path string
		resp               apitest.Response
		valid              bool
	}{
		{"a good answer", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(task)}, true},
		{"a good 404", "GET", "/api/tasks/" + id, apitest.Response{Status: 404, Header: problemHeader, Body: []byte(problem)}, true},
		{"undocumented route answered 404", "GET", "/api/nothing", apitest.Response{Status: 404}, true},
		{"no ETag header", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader(), Body: []byte(task)}, false},
		{"a member missing", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(strings.Replace(task, `"completed":false,`, "", 1))}, false},
		{"an extra member", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(strings.Replace(task, `{`, `{"owner":"x",`, 1))}, false},
		{"a local time", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(strings.Replace(task, "00.123Z", "00.123+01:00", 1))}, false},
		{"a lowercase id", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(strings.Replace(task, id, strings.ToLower(id), 1))}, false},
		{"an undeclared status", "GET", "/api/tasks/" + id, apitest.Response{Status: 409, Header: problemHeader, Body: []byte(problem)}, false},
		{"an error as plain JSON", "GET", "/api/tasks/" + id, apitest.Response{Status: 404, Header: jsonHeader(), Body: []byte(problem)}, false},
		{"the blog's 200 with an error", "GET", "/api/tasks/" + id, apitest.Response{Status: 200, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(`{"error":"not found"}`)}, false},
		{"401 without a challenge", "GET", "/api/me", apitest.Response{Status: 401, Header: problemHeader, Body: []byte(`{"type":"about:blank","title":"Unauthorized","status":401}`)}, false},
		{"403 without insufficient_scope", "GET", "/api/me", apitest.Response{Status: 403, Header: http.Header{"Content-Type": {"application/problem+json"}, "Www-Authenticate": {`Bearer realm="x", error="invalid_token"`}}, Body: []byte(`{"type":"about:blank","title":"Forbidden","status":403}`)}, false},
		{"503 without Retry-After", "GET", "/api/tasks", apitest.Response{Status: 503, Header: problemHeader, Body: []byte(`{"type":"about:blank","title":"Service Unavailable","status":503}`)}, false},
		{"201 without Location", "POST", "/api/tasks", apitest.Response{Status: 201, Header: jsonHeader("ETag", `W/"x"`), Body: []byte(task)}, false},
		{"a cacheable answer", "GET", "/api/me", apitest.Response{Status: 200, Header: jsonHeader("Cache-Control", "max-age=60"), Body: []byte(`{"id":"` + entra.TestClient + `","name":"","email":"","tenantId":"` + entra.TestTenant + `","scopes":["access_as_user"]}`)}, false},
		{"undocumented route answered 200", "GET", "/api/nothing", apitest.Response{Status: 200, Header: jsonHeader(), Body: []byte(`{}`)}, false},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, nil)
		problems := spec.Check(req, c.resp.Status, c.resp.Header, c.resp.Body)
		if c.valid && len(problems) > 0 {
			t.Errorf("%s: reported %v", c.name, problems)
		}
		if !c.valid && len(problems) == 0 {
			t.Errorf("%s: not reported", c.name)
		}
	}
}

// TestContractRefusesBrokenDocuments shows that "the document is valid OpenAPI 3.1" is checked,
// not assumed: each edit below breaks the committed document in one way, and is refused.
func TestContractRefusesBrokenDocuments(t *testing.T) {
	doc := string(api.OpenAPITemplate())
	for name, broken := range map[string]string{
		"a response without a description": strings.Replace(doc, `"description": "The caller.",`, "", 1),
		"a dangling reference":             strings.Replace(doc, `"#/components/schemas/Me"`, `"#/components/schemas/Nobody"`, 1),
		"OpenAPI 3.0":                      strings.Replace(doc, `"openapi": "3.1.1"`, `"openapi": "3.0.3"`, 1),
		"a parameter in no known place":    strings.Replace(doc, `"in": "query"`, `"in": "body"`, 1),
	} {
		if broken == doc {
			t.Fatalf("%s: the edit did not apply; update this test", name)
		}
		if _, err := contract.New([]byte(broken)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
