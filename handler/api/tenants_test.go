package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/contract"
	"github.com/example/entra-tasks/testkit/inprocess"
	"github.com/example/entra-tasks/testkit/testenv"
)

// Multi-tenant mode (issue 27): the API accepts tokens of the home tenant (entra.TestTenant)
// and of tenantB, and keeps their data apart. Real tokens signed with the test key, a real
// verifier with AllowedTenants, the API in process on a real Azurite, each answer held against
// the OpenAPI document.

// tenantB is a second organization. Its id starts with the hex digits of a home user's oid
// (homeOnly), so that anything keyed by a GUID's first digits would put the two together.
const tenantB = "c0000000-0000-4000-8000-0000000000b0"

const (
	homeOnly = "c0ffee00-0000-4000-8000-0000000000c1" // a user of the home tenant only
	bOnly    = "b0b0b0b0-0000-4000-8000-0000000000b2" // a user of tenantB only
	adminB   = "adadadad-0000-4000-8000-0000000000b3" // an Admin of tenantB
	// entra.UserA is a user in both tenants (a guest in tenantB): two users. entra.UserB is the
	// home tenant's Admin.
)

// tenantServer is one API process: its app (key, store) and HTTP server.
type tenantServer struct {
	app *inprocess.App
	srv *httptest.Server
}

// tenantEnv is one Azurite with the servers started on it, one log for all of them, and the
// contract every answer is held against.
type tenantEnv struct {
	conn     string
	log      *devstack.LogBuffer
	contract *contract.Contract
}

func newTenantEnv(t *testing.T) *tenantEnv {
	t.Helper()
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &tenantEnv{conn: testenv.StartAzurite(t).ConnectionString(), log: &devstack.LogBuffer{}, contract: c}
}

// start builds a server on the env's store that accepts the tenants given (nil: the home
// tenant alone, as a single-tenant deployment does).
func (e *tenantEnv) start(t *testing.T, allowed []string) *tenantServer {
	t.Helper()
	app := inprocess.NewOn(t, e.conn, "tasks",
		func(c *auth.Config) { c.AllowedTenants = allowed },
		func(c *api.Config) {
			c.Logger = slog.New(slog.NewJSONHandler(e.log, nil))
			c.UserIDKey = tenantsUserIDKey
		})
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	return &tenantServer{app: app, srv: srv}
}

// user is a delegated token of oid in tenant, with roles (nil: none, an Editor's rights).
func (s *tenantServer) user(t *testing.T, tenant, oid string, roles ...string) string {
	t.Helper()
	c := entra.V2Claims(tenant, entra.TestClient, oid, time.Now())
	if roles != nil {
		c["roles"] = roles
	}
	return s.app.Sign(t, c)
}

// appOf is an app-only token of a daemon registered in tenant with Tasks.ReadWrite.All.
func (s *tenantServer) appOf(t *testing.T, tenant string) string {
	t.Helper()
	return s.app.Sign(t, entra.AppV2Claims(tenant, entra.TestClient, entra.DaemonApp, entra.DaemonSP, []string{"Tasks.ReadWrite.All"}, time.Now()))
}

func (e *tenantEnv) do(t *testing.T, s *tenantServer, method, path, token, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range e.contract.Check(req, resp.StatusCode, resp.Header, got) {
		t.Error(problem)
	}
	return answer{resp.StatusCode, resp.Header, got}
}

// want fails unless a has status; it returns the body.
func (a answer) want(t *testing.T, what string, status int) []byte {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d %s, want %d", what, a.status, a.body, status)
	}
	return a.body
}

// create makes a task titled title with token at path and returns its id.
func (e *tenantEnv) create(t *testing.T, s *tenantServer, path, token, title string) string {
	t.Helper()
	var task struct{ ID string }
	body := e.do(t, s, "POST", path, token, `{"title":"`+title+`"}`).want(t, "create "+title, http.StatusCreated)
	if err := json.Unmarshal(body, &task); err != nil || task.ID == "" {
		t.Fatalf("create %s answered %s", title, body)
	}
	return task.ID
}

// titles lists the titles of a task list's first page.
func (e *tenantEnv) titles(t *testing.T, s *tenantServer, path, token string) []string {
	t.Helper()
	var page struct{ Items []struct{ Title string } }
	if err := json.Unmarshal(e.do(t, s, "GET", path, token, "").want(t, "GET "+path, http.StatusOK), &page); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, it := range page.Items {
		out = append(out, it.Title)
	}
	slices.Sort(out)
	return out
}

// users lists the oids a users list shows on its first page (limit 50), with their counts.
func (e *tenantEnv) users(t *testing.T, s *tenantServer, token string) map[string]int {
	t.Helper()
	var page struct {
		Items []struct {
			ID        string
			TaskCount int
		}
	}
	if err := json.Unmarshal(e.do(t, s, "GET", "/api/users", token, "").want(t, "GET /api/users", http.StatusOK), &page); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, u := range page.Items {
		if _, twice := out[u.ID]; twice {
			t.Errorf("GET /api/users lists %s twice: %+v", u.ID, page.Items)
		}
		out[u.ID] = u.TaskCount
	}
	return out
}

// auditActors lists who acted in each record of an audit list, as "actor action subject".
func (e *tenantEnv) auditActors(t *testing.T, s *tenantServer, token string) []string {
	t.Helper()
	var page struct {
		Items []struct {
			Actor   struct{ ID string }
			Action  string
			Subject *string
		}
	}
	if err := json.Unmarshal(e.do(t, s, "GET", "/api/audit", token, "").want(t, "GET /api/audit", http.StatusOK), &page); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range page.Items {
		subject := ""
		if r.Subject != nil {
			subject = *r.Subject
		}
		out = append(out, r.Actor.ID+" "+r.Action+" "+subject)
	}
	return out
}

func TestTenantsKeepTheirDataApart(t *testing.T) {
	e := newTenantEnv(t)

	// A single-tenant server writes the store first: the home tenant's tasks, users index and
	// audit log as they are before multi-tenant mode.
	single := e.start(t, nil)
	// A task stored before tenants existed, under the partition it always had: the bare oid.
	now := time.Now().UTC().Truncate(time.Millisecond)
	legacy := []tasks.Task{{ID: tasks.NewIDGenerator(nil).New(), Title: "a0", CreatedAt: now, UpdatedAt: now}}
	if err := single.app.Store.CreateMany(context.Background(), entra.UserA, legacy, tasks.Profile{Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	aHome := single.user(t, entra.TestTenant, entra.UserA)
	hHome := single.user(t, entra.TestTenant, homeOnly)
	adminHome := single.user(t, entra.TestTenant, entra.UserB, "Admin")
	a1 := e.create(t, single, "/api/tasks", aHome, "a1")
	e.create(t, single, "/api/tasks", aHome, "a2")
	h1 := e.create(t, single, "/api/tasks", hHome, "h1")
	e.create(t, single, "/api/tasks", hHome, "h2")
	e.do(t, single, "GET", "/api/users/"+homeOnly+"/tasks", adminHome, "").want(t, "home admin reads a user's tasks", http.StatusOK)
	before := map[string][]byte{
		"A's tasks": e.do(t, single, "GET", "/api/tasks", aHome, "").want(t, "A's list", http.StatusOK),
		"users":     e.do(t, single, "GET", "/api/users", adminHome, "").want(t, "users", http.StatusOK),
		"audit":     e.do(t, single, "GET", "/api/audit", adminHome, "").want(t, "audit", http.StatusOK),
		"H's task":  e.do(t, single, "GET", "/api/tasks/"+h1, hHome, "").want(t, "H's task", http.StatusOK),
		"H's tasks": e.do(t, single, "GET", "/api/tasks", hHome, "").want(t, "H's list", http.StatusOK),
	}

	// The single-tenant server takes no other tenant's token (what the rest relies on is the
	// multi-tenant server's setting, not a lenient verifier).
	e.do(t, single, "GET", "/api/tasks", single.user(t, tenantB, entra.UserA), "").want(t, "tenantB's token, single-tenant", http.StatusUnauthorized)

	// The same store under a server in multi-tenant mode (the home tenant and tenantB).
	multi := e.start(t, []string{entra.TestTenant, tenantB})
	aHome = multi.user(t, entra.TestTenant, entra.UserA)
	hHome = multi.user(t, entra.TestTenant, homeOnly)
	adminHome = multi.user(t, entra.TestTenant, entra.UserB, "Admin")
	aInB := multi.user(t, tenantB, entra.UserA)
	bOnlyInB := multi.user(t, tenantB, bOnly)
	adminOfB := multi.user(t, tenantB, adminB, "Admin")
	appOfB := multi.appOf(t, tenantB)

	t.Run("single-tenant data reads unchanged", func(t *testing.T) {
		if got := e.titles(t, multi, "/api/tasks", aHome); !slices.Equal(got, []string{"a0", "a1", "a2"}) {
			t.Errorf("the home user lists %v, want [a0 a1 a2]: the task stored under their bare oid too", got)
		}
		now := map[string][]byte{
			"A's tasks": e.do(t, multi, "GET", "/api/tasks", aHome, "").want(t, "A's list", http.StatusOK),
			"users":     e.do(t, multi, "GET", "/api/users", adminHome, "").want(t, "users", http.StatusOK),
			"audit":     e.do(t, multi, "GET", "/api/audit", adminHome, "").want(t, "audit", http.StatusOK),
			"H's task":  e.do(t, multi, "GET", "/api/tasks/"+h1, hHome, "").want(t, "H's task", http.StatusOK),
			"H's tasks": e.do(t, multi, "GET", "/api/tasks", hHome, "").want(t, "H's list", http.StatusOK),
		}
		for what, body := range before {
			if !bytes.Equal(now[what], body) {
				t.Errorf("%s in multi-tenant mode:\n%s\nwant, as written by the single-tenant server:\n%s", what, now[what], body)
			}
		}
	})

	// The same oid in tenantB is another user, with a task list of their own.
	b1 := e.create(t, multi, "/api/tasks", aInB, "b1")
	e.create(t, multi, "/api/tasks", bOnlyInB, "z1")

	t.Run("the same oid in two tenants holds two task lists", func(t *testing.T) {
		if got := e.titles(t, multi, "/api/tasks", aInB); !slices.Equal(got, []string{"b1"}) {
			t.Errorf("A in tenantB lists %v, want [b1]", got)
		}
		if got := e.titles(t, multi, "/api/tasks", aHome); !slices.Equal(got, []string{"a0", "a1", "a2"}) {
			t.Errorf("A at home lists %v, want [a0 a1 a2]", got)
		}
		e.do(t, multi, "GET", "/api/tasks/"+a1, aInB, "").want(t, "A in tenantB reading home A's task", http.StatusNotFound)
		e.do(t, multi, "GET", "/api/tasks/"+b1, aHome, "").want(t, "home A reading tenantB A's task", http.StatusNotFound)
	})

	t.Run("an admin of tenantB sees and touches tenantB only", func(t *testing.T) {
		if got := e.users(t, multi, adminOfB); len(got) != 2 || got[entra.UserA] != 1 || got[bOnly] != 1 {
			t.Errorf("tenantB's users list: %v, want %s and %s with 1 task each", got, entra.UserA, bOnly)
		}
		if got := e.users(t, multi, adminHome); len(got) != 2 || got[entra.UserA] != 3 || got[homeOnly] != 2 {
			t.Errorf("the home users list: %v, want %s with 3 tasks and %s with 2", got, entra.UserA, homeOnly)
		}
		if got := e.titles(t, multi, "/api/users/"+homeOnly+"/tasks", adminOfB); len(got) != 0 {
			t.Errorf("tenantB's admin reads %v for a home user's oid, want nothing", got)
		}
		if got := e.titles(t, multi, "/api/users/"+entra.UserA+"/tasks", adminOfB); !slices.Equal(got, []string{"b1"}) {
			t.Errorf("tenantB's admin reads %v for A, want tenantB's A's [b1]", got)
		}
		erased := e.do(t, multi, "DELETE", "/api/users/"+homeOnly+"/tasks", adminOfB, "").want(t, "tenantB's admin erases a home oid", http.StatusOK)
		if string(erased) != `{"erased":0,"remaining":0}` {
			t.Errorf("tenantB's erase of a home oid answered %s, want nothing erased", erased)
		}
		if got := e.titles(t, multi, "/api/tasks", hHome); !slices.Equal(got, []string{"h1", "h2"}) {
			t.Errorf("the home user has %v after tenantB's erase, want [h1 h2]", got)
		}
		wantB := []string{
			adminB + " erase-user-tasks " + homeOnly,
			adminB + " read-user-tasks " + entra.UserA,
			adminB + " read-user-tasks " + homeOnly,
		}
		if got := e.auditActors(t, multi, adminOfB); !slices.Equal(got, wantB) {
			t.Errorf("tenantB's audit log:\n%v\nwant its own records only:\n%v", got, wantB)
		}
		wantHome := []string{entra.UserB + " read-user-tasks " + homeOnly}
		if got := e.auditActors(t, multi, adminHome); !slices.Equal(got, wantHome) {
			t.Errorf("the home audit log:\n%v\nwant its own records only:\n%v", got, wantHome)
		}
	})

	t.Run("an app of tenantB reaches tenantB's users only", func(t *testing.T) {
		if got := e.users(t, multi, appOfB); len(got) != 2 || got[entra.UserA] != 1 || got[bOnly] != 1 {
			t.Errorf("tenantB's app lists users %v, want tenantB's", got)
		}
		if got := e.titles(t, multi, "/api/users/"+entra.UserA+"/tasks", appOfB); !slices.Equal(got, []string{"b1"}) {
			t.Errorf("tenantB's app reads %v for A, want [b1]", got)
		}
		path := "/api/users/" + homeOnly + "/tasks/" + h1
		e.do(t, multi, "GET", path, appOfB, "").want(t, "tenantB's app reads a home task", http.StatusNotFound)
		e.do(t, multi, "PATCH", path, appOfB, `{"title":"taken"}`).want(t, "tenantB's app changes a home task", http.StatusNotFound)
		e.do(t, multi, "DELETE", path, appOfB, "").want(t, "tenantB's app deletes a home task", http.StatusNotFound)
		// A create for the oid makes a task for that oid in tenantB, never in the home tenant.
		e.create(t, multi, "/api/users/"+homeOnly+"/tasks", appOfB, "from B's app")
		if got := e.titles(t, multi, "/api/tasks", hHome); !slices.Equal(got, []string{"h1", "h2"}) {
			t.Errorf("the home user has %v after tenantB's app wrote for their oid, want [h1 h2]", got)
		}
		if got := e.users(t, multi, adminHome); got[homeOnly] != 2 {
			t.Errorf("the home users list counts %d tasks for the home user, want 2", got[homeOnly])
		}
	})

	t.Run("a users list cursor is its tenant's only", func(t *testing.T) {
		cursorOf := func(token string) string {
			var page struct{ Next *string }
			body := e.do(t, multi, "GET", "/api/users?limit=1", token, "").want(t, "a page of one user", http.StatusOK)
			if err := json.Unmarshal(body, &page); err != nil || page.Next == nil {
				t.Fatalf("a page of one user has no next: %s", body)
			}
			return *page.Next
		}
		fromB, fromHome := cursorOf(adminOfB), cursorOf(adminHome)
		e.do(t, multi, "GET", "/api/users?next="+fromB, adminHome, "").want(t, "tenantB's cursor at home", http.StatusBadRequest)
		e.do(t, multi, "GET", "/api/users?next="+fromHome, adminOfB, "").want(t, "the home cursor in tenantB", http.StatusBadRequest)
		e.do(t, multi, "GET", "/api/users?next="+fromB, adminOfB, "").want(t, "tenantB's cursor in tenantB", http.StatusOK)
	})

	t.Run("the request log tells the two users apart", func(t *testing.T) {
		// One oid in two tenants: two users, two ids; the oid itself is in no line.
		home, ofB := userID(tenantsUserIDKey, entra.TestTenant, entra.UserA), userID(tenantsUserIDKey, tenantB, entra.UserA)
		users := loggedUsers(e.log, "/api/tasks")
		if home == ofB || !slices.Contains(users, home) || !slices.Contains(users, ofB) {
			t.Errorf("users logged on /api/tasks: %v, want %s and %s", users, home, ofB)
		}
		if strings.Contains(e.log.String(), entra.UserA) {
			t.Errorf("an oid is in the request log")
		}
	})
}

// tenantsUserIDKey is USER_ID_KEY for these servers, so that the test can name the ids.
var tenantsUserIDKey = []byte("0123456789abcdef0123456789abcdef")

// userID is the contract's pseudonymous id: the first 16 hex digits of
// HMAC-SHA256(key, tid + "/" + oid), computed here independently of the API's code.
func userID(key []byte, tid, oid string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tid + "/" + oid))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// loggedUsers is the user field of every request line logged for path.
func loggedUsers(log *devstack.LogBuffer, path string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(log.String()))
	for sc.Scan() {
		var line struct{ Msg, Route, User string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" && line.Route == path && line.User != "" {
			out = append(out, line.User)
		}
	}
	return out
}
