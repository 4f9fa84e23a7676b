package apitest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

// RoleToken mints a valid token for oid whose roles claim is roles (nil: no roles claim).
func (e *Env) RoleToken(t *testing.T, oid string, roles any) string {
	t.Helper()
	claims := entra.V2Claims(e.Tenant, e.Client, oid, time.Now())
	if roles != nil {
		claims["roles"] = roles
	}
	return e.TokenWith(t, claims)
}

// roleCase is one roles claim and what the API must make of it.
type roleCase struct {
	name        string
	claim       any      // the roles claim; nil: none
	roles       []string // GET /api/me roles
	permissions []string // GET /api/me permissions; nil: the token is refused (401)
}

var roleCases = []roleCase{
	{"no roles claim", nil, []string{}, []string{"tasks.read", "tasks.write"}},
	{"Viewer", []string{"Viewer"}, []string{"Viewer"}, []string{"tasks.read"}},
	{"Editor", []string{"Editor"}, []string{"Editor"}, []string{"tasks.read", "tasks.write"}},
	{"Admin", []string{"Admin"}, []string{"Admin"}, []string{"tasks.read", "tasks.write", "users.read", "admin"}},
	{"Viewer+Editor", []string{"Viewer", "Editor"}, []string{"Editor", "Viewer"}, []string{"tasks.read", "tasks.write"}},
	{"Admin+Viewer", []string{"Viewer", "Admin"}, []string{"Admin", "Viewer"}, []string{"tasks.read", "tasks.write", "users.read", "admin"}},
	{"unknown value", []string{"admin", "Owner"}, []string{}, []string{"tasks.read", "tasks.write"}},
	{"wrong JSON type", "Admin", nil, nil},
}

// caseUser is a distinct user per role case, so that what each case stores can be checked
// on its own.
func caseUser(i int) string { return fmt.Sprintf("c0c0c0c0-0000-4000-8000-%012d", i+1) }

// victim is the user whose tasks the admin routes are aimed at in the role matrix.
const victim = "d0d0d0d0-0000-4000-8000-00000000000d"

// testRoleMatrix calls every route with every role combination of the issue and checks the
// status, the body and what is stored.
func (e *Env) testRoleMatrix(t *testing.T) {
	victimTok := e.RoleToken(t, victim, nil)
	victimTask := e.create(t, victimTok, "the victim's task")
	for i, c := range roleCases {
		t.Run(c.name, func(t *testing.T) {
			user := caseUser(i)
			owner := e.RoleToken(t, user, []string{"Editor"}) // seeds and checks, whatever c grants
			seeded := e.create(t, owner, "seeded for "+c.name)
			tok := e.RoleToken(t, user, c.claim)
			if c.permissions == nil {
				e.expectAllRefused(t, tok, seeded.ID)
				return
			}
			e.checkMe(t, tok, c)
			can := func(p string) bool { return slices.Contains(c.permissions, p) }

			expectStatus(t, e.Do(t, Request{Method: "GET", Path: "/api/tasks", Token: tok}), 200)
			expectStatus(t, e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + seeded.ID, Token: tok}), 200)

			r := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": "new"}})
			e.expectAllowed(t, r, can("tasks.write"), 201, "Editor")
			r = e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + seeded.ID, Token: tok, Body: map[string]any{"title": "changed"}})
			e.expectAllowed(t, r, can("tasks.write"), 200, "Editor")
			stored := e.listAll(t, owner, 0)
			if can("tasks.write") {
				if len(stored) != 2 || stored[0].Title != "new" || stored[1].Title != "changed" {
					t.Errorf("after create and change: %+v", stored)
				}
			} else if len(stored) != 1 || stored[0] != seeded {
				t.Errorf("refused writes changed what is stored: %+v, want only %+v", stored, seeded)
			}
			r = e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + seeded.ID, Token: tok})
			e.expectAllowed(t, r, can("tasks.write"), 204, "Editor")
			gone := e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + seeded.ID, Token: owner}).Status == 404
			if gone != can("tasks.write") {
				t.Errorf("after DELETE: task gone %v, want %v", gone, can("tasks.write"))
			}

			admin := can("admin")
			e.expectAllowed(t, e.Do(t, Request{Method: "GET", Path: "/api/users", Token: tok}), admin, 200, "Admin")
			e.expectAllowed(t, e.Do(t, Request{Method: "GET", Path: "/api/users/" + victim + "/tasks", Token: tok}), admin, 200, "Admin")
			e.expectAllowed(t, e.Do(t, Request{Method: "GET", Path: "/api/audit", Token: tok}), admin, 200, "Admin")
			if !admin {
				r := e.Do(t, Request{Method: "DELETE", Path: "/api/users/" + victim + "/tasks", Token: tok})
				e.expectAllowed(t, r, false, 200, "Admin")
				if left := e.listAll(t, victimTok, 0); len(left) != 1 || left[0] != victimTask {
					t.Errorf("a refused erase changed the victim's tasks: %+v", left)
				}
				// A bad id from a non-admin is still a 403: the role is checked first.
				e.expectAllowed(t, e.Do(t, Request{Method: "GET", Path: "/api/users/not-a-guid/tasks", Token: tok}), false, 0, "Admin")
			}
		})
	}
}

func (e *Env) checkMe(t *testing.T, tok string, c roleCase) {
	t.Helper()
	r := e.Do(t, Request{Method: "GET", Path: "/api/me", Token: tok})
	expectStatus(t, r, 200)
	var me struct{ Roles, Permissions []string }
	r.JSON(t, &me)
	if !slices.Equal(me.Roles, c.roles) || !slices.Equal(me.Permissions, c.permissions) {
		t.Errorf("me roles %v permissions %v, want %v and %v", me.Roles, me.Permissions, c.roles, c.permissions)
	}
	if me.Roles == nil {
		t.Errorf("me roles absent or null, want [] (%s)", r.Body)
	}
}

// expectAllowed checks an answer that must be ok (status) if allowed, else the role 403
// naming role.
func (e *Env) expectAllowed(t *testing.T, r Response, allowed bool, ok int, role string) {
	t.Helper()
	if allowed {
		expectStatus(t, r, ok)
		return
	}
	expectRoleForbidden(t, r, role)
}

// expectRoleForbidden checks the 403 for a missing role: a problem naming the role, and no
// insufficient_scope challenge (that is the other 403).
func expectRoleForbidden(t *testing.T, r Response, role string) {
	t.Helper()
	expectProblem(t, r, 403)
	var p struct {
		RequiredRole string `json:"requiredRole"`
		Detail       string `json:"detail"`
	}
	r.JSON(t, &p)
	if p.RequiredRole != role || !strings.Contains(p.Detail, role) {
		t.Errorf("403 requiredRole %q, detail %q; want %s named in both", p.RequiredRole, p.Detail, role)
	}
	if got := r.Header.Get("WWW-Authenticate"); strings.Contains(got, "insufficient_scope") {
		t.Errorf("role 403 carries the scope challenge %q", got)
	}
}

func (e *Env) expectAllRefused(t *testing.T, tok, taskID string) {
	t.Helper()
	for _, req := range []Request{
		{Method: "GET", Path: "/api/me"}, {Method: "GET", Path: "/api/tasks"},
		{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "x"}},
		{Method: "GET", Path: "/api/tasks/" + taskID},
		{Method: "PATCH", Path: "/api/tasks/" + taskID, Body: map[string]any{"title": "x"}},
		{Method: "DELETE", Path: "/api/tasks/" + taskID},
		{Method: "GET", Path: "/api/users"}, {Method: "GET", Path: "/api/audit"},
		{Method: "GET", Path: "/api/users/" + victim + "/tasks"},
		{Method: "DELETE", Path: "/api/users/" + victim + "/tasks"},
	} {
		req.Token = tok
		r := e.Do(t, req)
		expectProblem(t, r, 401)
		if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
			t.Errorf("%s %s: WWW-Authenticate %q, want invalid_token", req.Method, req.Path, got)
		}
	}
}

// The missing-scope 403 stays what it was on the role-checked routes: a challenge, no
// requiredRole, whatever the roles.
func (e *Env) testScopeForbiddenIsNotARoleForbidden(t *testing.T) {
	claims := entra.V2Claims(e.Tenant, e.Client, entra.UserA, time.Now())
	claims["scp"] = "User.Read"
	claims["roles"] = []string{"Viewer"}
	tok := e.TokenWith(t, claims)
	for _, req := range []Request{
		{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "x"}},
		{Method: "GET", Path: "/api/users"},
	} {
		req.Token = tok
		r := e.Do(t, req)
		expectProblem(t, r, 403)
		if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) || strings.Contains(string(r.Body), "requiredRole") {
			t.Errorf("%s %s: %s / %s, want the scope challenge and no requiredRole", req.Method, req.Path, r.Header.Get("WWW-Authenticate"), r.Body)
		}
	}
}

// User, UserPage and AuditRecord are the admin API's wire shapes.
type User struct {
	ID, Name, Email string
	TaskCount       int
	LastActivity    string
}

type AuditRecord struct {
	ID        string
	At        string
	Actor     struct{ ID, Kind, Name string }
	Action    string
	Subject   *string
	State     string
	Count     *int
	Remaining *int
	// SubjectName and SubjectEmail: who the subject was when an erase read their account (the
	// erase clears them from the account row, so the log is where an erased user keeps a name).
	SubjectName  *string
	SubjectEmail *string
}

// adminUsers pages through GET /api/users with small pages and returns them by id.
func (e *Env) adminUsers(t *testing.T, tok string) map[string]User {
	t.Helper()
	out := map[string]User{}
	for _, u := range allPages[User](e, t, tok, "/api/users?limit=2") {
		if _, dup := out[u.ID]; dup {
			t.Errorf("user %s listed twice", u.ID)
		}
		out[u.ID] = u
	}
	return out
}

// auditLog pages through GET /api/audit with small pages.
func (e *Env) auditLog(t *testing.T, tok string) []AuditRecord {
	t.Helper()
	return allPages[AuditRecord](e, t, tok, "/api/audit?limit=3")
}

// allPages follows a paged list ({items, next}) from path, which may set the page size, to its end.
func allPages[T any](e *Env, t *testing.T, tok, path string) []T {
	t.Helper()
	var all []T
	next := ""
	for range 1000 {
		p := path
		if next != "" {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p += sep + "next=" + url.QueryEscape(next)
		}
		r := e.Do(t, Request{Method: "GET", Path: p, Token: tok})
		expectStatus(t, r, 200)
		var page struct {
			Items []T
			Next  *string
		}
		r.JSON(t, &page)
		all = append(all, page.Items...)
		if page.Next == nil {
			return all
		}
		next = *page.Next
	}
	t.Fatalf("%s: the listing does not end", path)
	return nil
}

// The admin reads and erases another user's tasks; the index and the audit log follow.
func (e *Env) testAdminReadsAndErases(t *testing.T) {
	const subject = "e0e0e0e0-0000-4000-8000-00000000000e"
	const adminID = "aaaaaaaa-0000-4000-8000-0000000000ad"
	admin := e.RoleToken(t, adminID, []string{"Admin"})
	userClaims := entra.V2Claims(e.Tenant, e.Client, subject, time.Now())
	userClaims["name"], userClaims["preferred_username"] = "Grace Hopper", "grace@example.com"
	userTok := e.TokenWith(t, userClaims)
	var made []Task
	for i := range 5 {
		made = append(made, e.create(t, userTok, fmt.Sprintf("task %d", i)))
	}
	before := e.adminUsers(t, admin)[subject]
	if before.TaskCount != 5 || before.Name != "Grace Hopper" || before.Email != "grace@example.com" || before.LastActivity == "" {
		t.Errorf("users index entry %+v, want 5 tasks of Grace Hopper", before)
	}
	// Reads write nothing: the entry (last activity included) is as the last write left it.
	e.listAll(t, userTok, 0)
	e.Do(t, Request{Method: "GET", Path: "/api/me", Token: userTok})
	if again := e.adminUsers(t, admin)[subject]; again != before {
		t.Errorf("after reads the entry is %+v, want it unchanged %+v", again, before)
	}

	// Read-only, paged like GET /api/tasks; the id in capitals names the same user.
	var read []Task
	next := ""
	for {
		path := "/api/users/" + strings.ToUpper(subject) + "/tasks?limit=2"
		if next != "" {
			path += "&next=" + next
		}
		r := e.Do(t, Request{Method: "GET", Path: path, Token: admin})
		expectStatus(t, r, 200)
		var p Page
		r.JSON(t, &p)
		read = append(read, p.Items...)
		if next = p.Next; next == "" {
			break
		}
	}
	slices.Reverse(made) // newest first
	if !slices.Equal(read, made) {
		t.Errorf("admin read %+v, want %+v", read, made)
	}
	r := e.Do(t, Request{Method: "GET", Path: "/api/users/not-a-guid/tasks", Token: admin})
	expectProblem(t, r, 400)
	expectProblem(t, e.Do(t, Request{Method: "DELETE", Path: "/api/users/not-a-guid/tasks", Token: admin}), 400)

	r = e.Do(t, Request{Method: "DELETE", Path: "/api/users/" + subject + "/tasks", Token: admin})
	expectStatus(t, r, 200)
	if string(r.Body) != `{"erased":5,"remaining":0}` {
		t.Errorf("erase answered %s, want {\"erased\":5,\"remaining\":0}", r.Body)
	}
	if left := e.listAll(t, userTok, 0); len(left) != 0 {
		t.Errorf("after erase the user still has %+v", left)
	}
	if _, listed := e.adminUsers(t, admin)[subject]; listed {
		t.Errorf("a user with no tasks left is still listed")
	}
	r = e.Do(t, Request{Method: "DELETE", Path: "/api/users/" + subject + "/tasks", Token: admin})
	if expectStatus(t, r, 200); string(r.Body) != `{"erased":0,"remaining":0}` {
		t.Errorf("repeated erase answered %s, want {\"erased\":0,\"remaining\":0}", r.Body)
	}

	// Every admin action on a user's data is in the log, newest first, with who, what, whom and how
	// many. Listing the users is not: the panel lists them every time it opens, and a record of each
	// opening buried the erases (issue 30, finding 9).
	log := e.auditLog(t, admin)
	var aboutSubject []AuditRecord
	listed := 0
	for _, a := range log {
		switch {
		case a.Actor.ID != adminID || a.Actor.Name != "Ada Lovelace" || a.Count == nil:
			if a.Actor.ID == adminID {
				t.Errorf("audit record %+v: want the admin's name and a count", a)
			}
		case a.Action == "list-users":
			listed++
		case a.Subject != nil && *a.Subject == subject:
			aboutSubject = append(aboutSubject, a)
		default:
			t.Errorf("unexpected audit record %+v", a)
		}
	}
	want := []struct {
		action string
		count  int
	}{{"erase-user-tasks", 0}, {"erase-user-tasks", 5}, {"read-user-tasks", 1}, {"read-user-tasks", 2}, {"read-user-tasks", 2}}
	if len(aboutSubject) != len(want) || listed != 0 {
		t.Fatalf("audit records about the user: %+v and %d list-users; want %v and none", aboutSubject, listed, want)
	}
	// The erase that found Grace's tasks names her: after it her account row no longer does, and
	// the log would otherwise show an erased user as a bare object id.
	if a := aboutSubject[1]; a.SubjectName == nil || *a.SubjectName != "Grace Hopper" || a.SubjectEmail == nil || *a.SubjectEmail != "grace@example.com" {
		t.Errorf("erase record names %v <%v>, want Grace Hopper <grace@example.com>", deref(a.SubjectName), deref(a.SubjectEmail))
	}
	for i, w := range want {
		if a := aboutSubject[i]; a.Action != w.action || *a.Count != w.count || a.State != "completed" {
			t.Errorf("audit record %d: %s %s count %d, want %s completed count %d", i, a.Action, a.State, *a.Count, w.action, w.count)
		}
		// An erase says what it left; the reads have nothing to say there.
		if a := aboutSubject[i]; (a.Remaining != nil) != (w.action == "erase-user-tasks") || a.Remaining != nil && *a.Remaining != 0 {
			t.Errorf("audit record %d: %s remaining %v", i, a.Action, a.Remaining)
		}
	}
	for i := 1; i < len(log); i++ {
		if log[i].At > log[i-1].At {
			t.Errorf("audit log not newest first at %d: %s after %s", i, log[i].At, log[i-1].At)
		}
	}
	// The log cannot be changed through the API: no route takes a write.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		expectStatus(t, e.Do(t, Request{Method: m, Path: "/api/audit", Token: admin}), http.StatusNotFound)
	}
	if got := e.auditLog(t, admin); len(got) != len(log) {
		t.Errorf("audit log changed from %d to %d records by refused writes", len(log), len(got))
	}
}

// Concurrent writes of one user leave the right count in the users index.
func (e *Env) testConcurrentCount(t *testing.T) {
	const user = "f0f0f0f0-0000-4000-8000-00000000000f"
	tok := e.RoleToken(t, user, nil)
	admin := e.RoleToken(t, entra.UserB, []string{"Admin"})
	var wg sync.WaitGroup
	created := make(chan Task, 12)
	for i := range 12 {
		wg.Go(func() {
			r := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("t", i)}})
			var task Task
			r.JSON(t, &task)
			created <- task
		})
	}
	wg.Wait()
	close(created)
	var ids []string
	for task := range created {
		ids = append(ids, task.ID)
	}
	for _, id := range ids[:5] {
		wg.Go(func() { e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + id, Token: tok}) })
	}
	wg.Wait()
	stored := len(e.listAll(t, tok, 0))
	if got := e.adminUsers(t, admin)[user].TaskCount; got != stored || stored != 7 {
		t.Errorf("users index counts %d tasks, the user has %d (want 7)", got, stored)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
