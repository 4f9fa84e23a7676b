package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/contract"
	"github.com/example/entra-tasks/testkit/inprocess"
)

// Step-up for the admin erase (ADMIN_AUTH_CONTEXT): real tokens signed with the test key, the
// API in process on a real Azurite, each answer also held against the OpenAPI document.

// claimsC1 is Microsoft's documented example, byte for byte: the claims request for auth context
// c1 and its base64 (learn.microsoft.com/entra/identity-platform/claims-challenge).
const (
	claimsC1        = `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
	claimsC1Encoded = "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"
	challengeC1     = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="` + claimsC1Encoded + `"`
)

type stepUpEnv struct {
	app      *inprocess.App
	srv      *httptest.Server
	contract *contract.Contract
}

func newStepUpEnv(t *testing.T, table, authContext string) *stepUpEnv {
	t.Helper()
	return newAdminEnv(t, table, func(c *api.Config) { c.AdminAuthContext = authContext })
}

func newAdminEnv(t *testing.T, table string, configure func(*api.Config)) *stepUpEnv {
	t.Helper()
	app := inprocess.New(t, table, configure)
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &stepUpEnv{app: app, srv: srv, contract: c}
}

// token is a valid token for oid with the Admin role and, if acrs is not nil, that acrs claim.
func (e *stepUpEnv) token(t *testing.T, oid string, acrs any) string {
	t.Helper()
	claims := entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now())
	claims["roles"] = []string{"Admin"}
	if acrs != nil {
		claims["acrs"] = acrs
	}
	tok, err := e.app.Key.Sign(claims, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seed gives the victim n tasks.
func (e *stepUpEnv) seed(t *testing.T, victim string, n int) {
	t.Helper()
	ids := tasks.NewIDGenerator(nil)
	ts := make([]tasks.Task, n)
	for i := range ts {
		now := time.Now().UTC().Truncate(time.Millisecond)
		ts[i] = tasks.Task{ID: ids.New(), Title: "task", CreatedAt: now, UpdatedAt: now}
	}
	if err := e.app.Store.CreateMany(context.Background(), victim, ts, tasks.Profile{Name: "Victim"}); err != nil {
		t.Fatal(err)
	}
}

func (e *stepUpEnv) left(t *testing.T, victim string) int {
	t.Helper()
	page, err := e.app.Store.List(context.Background(), victim, tasks.ListQuery{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (e *stepUpEnv) do(t *testing.T, method, path, token string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range e.contract.Check(req, resp.StatusCode, resp.Header, body) {
		t.Error(problem)
	}
	return answer{resp.StatusCode, resp.Header, body}
}

func (e *stepUpEnv) erase(t *testing.T, victim, token string) answer {
	t.Helper()
	return e.do(t, "DELETE", "/api/users/"+victim+"/tasks", token)
}

const stepUpVictim = "e0e0e0e0-0000-4000-8000-00000000000e"

// Without ADMIN_AUTH_CONTEXT nothing changes: an Admin's token without acrs erases.
func TestEraseWithoutAuthContextSettingNeedsNoStepUp(t *testing.T) {
	e := newStepUpEnv(t, "stepupoff", "")
	e.seed(t, stepUpVictim, 3)
	if a := e.erase(t, stepUpVictim, e.token(t, entra.UserA, nil)); a.status != http.StatusOK {
		t.Fatalf("erase without the setting: %d %s", a.status, a.body)
	}
	if n := e.left(t, stepUpVictim); n != 0 {
		t.Errorf("%d tasks left after the erase", n)
	}
}

// With ADMIN_AUTH_CONTEXT=c1, a token that has not satisfied c1 gets Microsoft's claims
// challenge, in the header and (for the cross-origin SPA) in the problem body, and nothing is
// erased; a token whose acrs holds c1 erases.
func TestEraseWithAuthContextSettingChallengesUntilStepUp(t *testing.T) {
	e := newStepUpEnv(t, "stepupon", "c1")
	e.seed(t, stepUpVictim, 3)

	if got, _ := base64.StdEncoding.DecodeString(claimsC1Encoded); string(got) != claimsC1 {
		t.Fatalf("the documented example decodes to %s", got) // guards the constants themselves
	}
	for _, c := range []struct {
		name string
		acrs any
	}{
		{"no acrs claim", nil},
		{"acrs with another context", []string{"c2"}},
		{"acrs empty", []string{}},
		{"acrs differing in case", []string{"C1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := e.erase(t, stepUpVictim, e.token(t, entra.UserA, c.acrs))
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", a.status, a.body)
			}
			if got := a.header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != challengeC1 {
				t.Errorf("WWW-Authenticate %q\nwant %q", got, challengeC1)
			}
			var p map[string]any
			if err := json.Unmarshal(a.body, &p); err != nil {
				t.Fatal(err)
			}
			if p["status"] != float64(401) || p["wwwAuthenticate"] != challengeC1 || p["detail"] == "" {
				t.Errorf("problem body %s: want status 401 and wwwAuthenticate = the header", a.body)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			if n := e.left(t, stepUpVictim); n != 3 {
				t.Errorf("a challenged erase left %d of 3 tasks", n)
			}
		})
	}

	// The step-up does not touch the other routes: the same token without acrs still reads.
	plain := e.token(t, entra.UserA, nil)
	for _, path := range []string{"/api/me", "/api/tasks", "/api/users", "/api/users/" + stepUpVictim + "/tasks", "/api/audit"} {
		if a := e.do(t, "GET", path, plain); a.status != http.StatusOK || a.header.Get("WWW-Authenticate") != "" {
			t.Errorf("GET %s without acrs: %d %q", path, a.status, a.header.Get("WWW-Authenticate"))
		}
	}

	// acrs holding c1 (among others, as Entra lists every context satisfied) erases.
	a := e.erase(t, stepUpVictim, e.token(t, entra.UserA, []string{"c3", "c1"}))
	if a.status != http.StatusOK {
		t.Fatalf("erase after step-up: %d %s", a.status, a.body)
	}
	var done struct{ Erased, Remaining int }
	if err := json.Unmarshal(a.body, &done); err != nil || done.Erased != 3 || done.Remaining != 0 {
		t.Errorf("erase after step-up answered %s", a.body)
	}
	if n := e.left(t, stepUpVictim); n != 0 {
		t.Errorf("%d tasks left after the stepped-up erase", n)
	}
}

// A token whose acrs is not an array of strings is not Entra's: refused as invalid, not read
// as "no step-up".
func TestAcrsOfTheWrongTypeIsAnInvalidToken(t *testing.T) {
	e := newStepUpEnv(t, "stepupbad", "c1")
	for _, acrs := range []any{"c1", []any{"c1", 1}} {
		a := e.erase(t, stepUpVictim, e.token(t, entra.UserA, acrs))
		if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") == challengeC1 {
			t.Errorf("acrs %v: %d %q, want 401 invalid_token", acrs, a.status, a.header.Get("WWW-Authenticate"))
		}
	}
}

// The erase is the Admin role's only: a principal that may read users' tasks (Tasks.Read.All),
// even write them one by one (Tasks.ReadWrite.All), or hold a user role below Admin gets the role
// 403 naming Admin, and the victim keeps every task.
func TestEraseIsRefusedToEveryPrincipalButAnAdmin(t *testing.T) {
	e := newStepUpEnv(t, "eraserefused", "")
	e.seed(t, stepUpVictim, 3)
	now := time.Now()
	user := func(roles ...string) map[string]any {
		c := entra.V2Claims(entra.TestTenant, entra.TestClient, entra.UserA, now)
		if roles != nil {
			c["roles"] = roles
		}
		return c
	}
	app := func(roles ...string) map[string]any {
		return entra.AppV2Claims(entra.TestTenant, entra.TestClient, entra.TestClient, entra.UserB, roles, now)
	}
	for name, claims := range map[string]map[string]any{
		"Viewer": user("Viewer"), "Editor": user("Editor"), "no role": user(),
		"app Tasks.Read.All": app("Tasks.Read.All"), "app Tasks.ReadWrite.All": app("Tasks.ReadWrite.All"),
		"app Tasks.ReadWrite.All claiming Admin": app("Tasks.ReadWrite.All", "Admin"),
	} {
		tok, err := e.app.Key.Sign(claims, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := e.erase(t, stepUpVictim, tok)
		var problem struct{ RequiredRole string }
		if err := json.Unmarshal(a.body, &problem); err != nil || a.status != http.StatusForbidden || problem.RequiredRole != "Admin" {
			t.Errorf("%s: erase answered %d %s, want 403 naming Admin", name, a.status, a.body)
		}
		if n := e.left(t, stepUpVictim); n != 3 {
			t.Fatalf("%s: the victim has %d of 3 tasks left after a refused erase", name, n)
		}
	}
}

// The audit log is wired on its own (Config.AuditLog): without it every action that must be
// recorded answers 503 and does nothing, while the users index, which needs no record, answers.
func TestWithoutAnAuditLogNothingThatMustBeRecordedHappens(t *testing.T) {
	e := newAdminEnv(t, "noauditlog", func(c *api.Config) { c.AuditLog = nil })
	e.seed(t, stepUpVictim, 2)
	admin := e.token(t, entra.UserA, nil)
	if a := e.do(t, "GET", "/api/users", admin); a.status != http.StatusOK {
		t.Errorf("GET /api/users without an audit log: %d %s, want 200", a.status, a.body)
	}
	for _, req := range [][2]string{{"GET", "/api/audit"}, {"GET", "/api/users/" + stepUpVictim + "/tasks"}, {"DELETE", "/api/users/" + stepUpVictim + "/tasks"}} {
		if a := e.do(t, req[0], req[1], admin); a.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s without an audit log: %d %s, want 503", req[0], req[1], a.status, a.body)
		}
	}
	if n := e.left(t, stepUpVictim); n != 2 {
		t.Errorf("the victim has %d of 2 tasks left after an erase that could not be recorded", n)
	}
}
