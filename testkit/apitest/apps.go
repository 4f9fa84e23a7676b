package apitest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

// Callers beyond the browser: apps calling as themselves (app-only tokens, application
// permissions Tasks.Read.All and Tasks.ReadWrite.All) beside signed-in users (delegated tokens,
// roles Admin, Editor, Viewer). Microsoft documents how to tell the two apart: the optional claim
// idtyp ("app"; learn.microsoft.com/entra/identity-platform/optional-claims-reference), and
// without it an app-only token's oid equal to its sub with no scp
// (learn.microsoft.com/entra/identity-platform/scenario-protected-web-api-verification-scope-app-roles).

// tokenShape is one way a caller's token looks: v1 or v2, delegated or app-only, with or
// without idtyp.
type tokenShape struct {
	name string
	app  bool
	// claims are the token's claims for the user oid (delegated) with roles; an app-only token
	// is the daemon's whatever oid says.
	claims func(e *Env, oid string, roles []string) map[string]any
}

var tokenShapes = []tokenShape{
	{"v2 delegated", false, func(e *Env, oid string, roles []string) map[string]any {
		return withRoles(entra.V2Claims(e.Tenant, e.Client, oid, time.Now()), roles)
	}},
	{"v1 delegated", false, func(e *Env, oid string, roles []string) map[string]any {
		return withRoles(entra.V1Claims(e.Tenant, e.Client, oid, time.Now()), roles)
	}},
	{"v2 delegated idtyp user", false, func(e *Env, oid string, roles []string) map[string]any {
		c := withRoles(entra.V2Claims(e.Tenant, e.Client, oid, time.Now()), roles)
		c["idtyp"] = "user"
		return c
	}},
	{"v2 app idtyp", true, func(e *Env, _ string, roles []string) map[string]any {
		c := entra.AppV2Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, roles, time.Now())
		c["idtyp"] = "app"
		return c
	}},
	{"v1 app idtyp", true, func(e *Env, _ string, roles []string) map[string]any {
		c := entra.AppV1Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, roles, time.Now())
		c["idtyp"] = "app"
		return c
	}},
	{"v2 app without idtyp", true, func(e *Env, _ string, roles []string) map[string]any {
		return entra.AppV2Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, roles, time.Now())
	}},
	{"v1 app without idtyp", true, func(e *Env, _ string, roles []string) map[string]any {
		return entra.AppV1Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, roles, time.Now())
	}},
}

func withRoles(c map[string]any, roles []string) map[string]any {
	if roles != nil {
		c["roles"] = roles
	}
	return c
}

// matrixRoles are the roles claims of the matrix: none, each user role, each application permission.
var matrixRoles = [][]string{nil, {"Viewer"}, {"Editor"}, {"Admin"}, {"Tasks.Read.All"}, {"Tasks.ReadWrite.All"}}

// expectedGrants is what the rules say a caller may do, written out here rather than taken from
// the handler: nil when the token is refused outright (an app with no application permission of
// ours gets insufficient_scope for .default on every route).
func expectedGrants(app bool, roles []string) []string {
	role := ""
	if len(roles) == 1 {
		role = roles[0]
	}
	if app {
		switch role {
		case "Tasks.Read.All":
			return []string{"users.read"}
		case "Tasks.ReadWrite.All":
			return []string{"users.read", "users.write"}
		}
		return nil // a user role grants an app nothing, and nothing is no permission at all
	}
	switch role {
	case "Viewer":
		return []string{"tasks.read"}
	case "Admin":
		return []string{"tasks.read", "tasks.write", "users.read", "admin"}
	}
	return []string{"tasks.read", "tasks.write"} // Editor, and no recognised role (application ones included)
}

// matrixUser is the distinct user (own tasks) and victim (tasks acted on by /api/users) of a case.
func matrixUser(kind string, i int) string { return fmt.Sprintf("%s-0000-4000-8000-%012d", kind, i+1) }

// nobody has no tasks: the matrix aims the erase at them, so that an allowed erase changes nothing.
const nobody = "e1e1e1e1-0000-4000-8000-0000000000e1"

// testCallerMatrix calls every route with every token shape and roles claim and checks the
// status, the problem, the challenge and what is stored.
func (e *Env) testCallerMatrix(t *testing.T) {
	i := 0
	for _, shape := range tokenShapes {
		for _, roles := range matrixRoles {
			n := i
			i++
			name := shape.name + "/" + strings.Join(roles, "+")
			if roles == nil {
				name = shape.name + "/no roles"
			}
			t.Run(name, func(t *testing.T) { e.matrixCase(t, shape, roles, n) })
		}
	}
}

func (e *Env) matrixCase(t *testing.T, shape tokenShape, roles []string, n int) {
	self, victim := matrixUser("c1c1c1c1", n), matrixUser("c2c2c2c2", n)
	selfTok := e.RoleToken(t, self, []string{"Editor"})
	victimTok := e.RoleToken(t, victim, []string{"Editor"})
	own := e.create(t, selfTok, "own task")
	theirs := e.create(t, victimTok, "their task")
	tok := e.TokenWith(t, shape.claims(e, self, roles))
	grants := expectedGrants(shape.app, roles)
	can := func(p string) bool { return slices.Contains(grants, p) }

	userTasks := "/api/users/" + victim + "/tasks"
	routes := []struct {
		req  Request
		need string // the permission that allows it ("" for any valid caller)
		ok   int
		own  bool // a route about the caller's own tasks (no app has any)
	}{
		{Request{Method: "GET", Path: "/api/me"}, "", 200, false},
		{Request{Method: "GET", Path: "/api/tasks"}, "tasks.read", 200, true},
		{Request{Method: "GET", Path: "/api/tasks/" + own.ID}, "tasks.read", 200, true},
		{Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "new own"}}, "tasks.write", 201, true},
		{Request{Method: "PATCH", Path: "/api/tasks/" + own.ID, Body: map[string]any{"completed": true}}, "tasks.write", 200, true},
		{Request{Method: "DELETE", Path: "/api/tasks/" + own.ID}, "tasks.write", 204, true},
		{Request{Method: "GET", Path: "/api/users"}, "users.read", 200, false},
		{Request{Method: "GET", Path: userTasks}, "users.read", 200, false},
		{Request{Method: "GET", Path: userTasks + "/" + theirs.ID}, "users.read", 200, false},
		{Request{Method: "POST", Path: userTasks, Body: map[string]any{"title": "new theirs"}}, "users.write", 201, false},
		{Request{Method: "PATCH", Path: userTasks + "/" + theirs.ID, Body: map[string]any{"completed": true}}, "users.write", 200, false},
		{Request{Method: "DELETE", Path: userTasks + "/" + theirs.ID}, "users.write", 204, false},
		{Request{Method: "DELETE", Path: "/api/users/" + nobody + "/tasks"}, "admin", 200, false},
		{Request{Method: "GET", Path: "/api/audit"}, "admin", 200, false},
	}
	for _, rt := range routes {
		rt.req.Token = tok
		r := e.Do(t, rt.req)
		where := rt.req.Method + " " + rt.req.Path
		switch {
		case grants == nil:
			expectAppScopeForbidden(t, r, e.Client, where)
		case shape.app && rt.own:
			expectNoOwnTasks(t, r, where)
		case rt.need == "" || can(rt.need):
			if r.Status != rt.ok {
				t.Errorf("%s: status %d, want %d: %s", where, r.Status, rt.ok, r.Body)
			}
		default:
			expectRoleForbidden(t, r, roleToAskFor(shape.app, rt.need))
		}
	}
	if grants != nil {
		e.checkMeOf(t, tok, shape, self, grants)
	}

	// What is stored says the same: writes allowed happened, refused ones changed nothing.
	wantOwn := []string{"own task"}
	if !shape.app && can("tasks.write") {
		wantOwn = []string{"new own"} // created; the seeded one changed and then deleted
	}
	if got := titles(e.listAll(t, selfTok, 0)); !slices.Equal(got, wantOwn) {
		t.Errorf("own tasks %v, want %v", got, wantOwn)
	}
	wantTheirs := []string{"their task"}
	if can("users.write") {
		wantTheirs = []string{"new theirs"}
	}
	if got := titles(e.listAll(t, victimTok, 0)); !slices.Equal(got, wantTheirs) {
		t.Errorf("the victim's tasks %v, want %v", got, wantTheirs)
	}
}

func titles(ts []Task) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Title
	}
	return out
}

// roleToAskFor is the role a refused caller is told to ask for: the least of their own kind's
// that grants need, else the other kind's (a user writing another's tasks needs an app's
// permission; an app erasing needs a user's Admin).
func roleToAskFor(app bool, need string) string {
	switch need {
	case "tasks.read":
		return "Viewer"
	case "tasks.write":
		return "Editor"
	case "users.read":
		if app {
			return "Tasks.Read.All"
		}
		return "Admin"
	case "users.write":
		return "Tasks.ReadWrite.All"
	}
	return "Admin"
}

// expectAppScopeForbidden checks the 403 for an app-only token without an application
// permission of ours: insufficient_scope naming what a client-credentials client requests.
func expectAppScopeForbidden(t *testing.T, r Response, client, where string) {
	t.Helper()
	expectProblem(t, r, http.StatusForbidden)
	want := `error="insufficient_scope", scope="api://` + client + `/.default"`
	if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, want) {
		t.Errorf("%s: WWW-Authenticate %q, want %s", where, got, want)
	}
	if strings.Contains(string(r.Body), "requiredRole") {
		t.Errorf("%s: the scope 403 names a role: %s", where, r.Body)
	}
}

// expectNoOwnTasks checks the 403 an app gets on /api/tasks: no challenge, no role to ask for,
// and a detail that sends it to /api/users/{userId}/tasks.
func expectNoOwnTasks(t *testing.T, r Response, where string) {
	t.Helper()
	expectProblem(t, r, http.StatusForbidden)
	var p struct {
		Detail       string `json:"detail"`
		RequiredRole string `json:"requiredRole"`
	}
	r.JSON(t, &p)
	if !strings.Contains(p.Detail, "no tasks of its own") || !strings.Contains(p.Detail, "/api/users/{userId}/tasks") || p.RequiredRole != "" {
		t.Errorf("%s: detail %q requiredRole %q; want it to say an app has no tasks and where to go", where, p.Detail, p.RequiredRole)
	}
	if got := r.Header.Get("WWW-Authenticate"); got != "" {
		t.Errorf("%s: WWW-Authenticate %q on a 403 that no new token fixes", where, got)
	}
}

// checkMeOf checks GET /api/me against the token: what kind of caller, which app, what they may do.
func (e *Env) checkMeOf(t *testing.T, tok string, shape tokenShape, oid string, grants []string) {
	t.Helper()
	r := e.Do(t, Request{Method: "GET", Path: "/api/me", Token: tok})
	expectStatus(t, r, 200)
	var me struct {
		ID, Kind, AppID, Name, Email string
		Scopes, Roles, Permissions   []string
	}
	r.JSON(t, &me)
	if !slices.Equal(me.Permissions, grants) {
		t.Errorf("me permissions %v, want %v", me.Permissions, grants)
	}
	if shape.app {
		if me.ID != entra.DaemonSP || me.Kind != "app" || me.AppID != entra.DaemonApp || me.Name != "" || me.Email != "" || me.Scopes == nil || len(me.Scopes) != 0 {
			t.Errorf("me of an app: %s", r.Body)
		}
		return
	}
	if me.ID != oid || me.Kind != "user" || me.AppID == "" || me.Name == "" || !slices.Contains(me.Scopes, "access_as_user") {
		t.Errorf("me of a user: %s", r.Body)
	}
	for _, role := range me.Roles {
		if strings.HasPrefix(role, "Tasks.") {
			t.Errorf("a user's me lists the application permission %s", role)
		}
	}
}

// An app's writes are audited with the app as actor (its client id, kind app), before they
// happen; its reads of a user's tasks too; and they leave the user's name in the users index.
// The routes validate, version and replay exactly as the user's own do.
func (e *Env) testAppWritesAudited(t *testing.T) {
	const subject = "a2a2a2a2-0000-4000-8000-0000000000a2"
	admin := e.RoleToken(t, "a3a3a3a3-0000-4000-8000-0000000000a3", []string{"Admin"})
	userClaims := entra.V2Claims(e.Tenant, e.Client, subject, time.Now())
	userClaims["name"], userClaims["preferred_username"] = "Grace Hopper", "grace@example.com"
	userTok := e.TokenWith(t, userClaims)
	e.create(t, userTok, "Grace's own")
	app := e.TokenWith(t, entra.AppV1Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, []string{"Tasks.ReadWrite.All"}, time.Now()))
	base := "/api/users/" + subject + "/tasks"

	// Same validation as the user's routes; nothing is stored, nothing is audited.
	before := len(e.auditLog(t, admin))
	e.expectProblems(t, app, []problemCase{
		{"bad userId", Request{Method: "POST", Path: "/api/users/not-a-guid/tasks", Body: map[string]any{"title": "x"}}, 400},
		{"empty title", Request{Method: "POST", Path: base, Body: `{"title":"  "}`}, 400},
		{"unknown field", Request{Method: "POST", Path: base, Body: `{"title":"a","done":true}`}, 400},
		{"not JSON", Request{Method: "POST", Path: base, Body: "title=a", Header: map[string]string{"Content-Type": "text/plain"}}, 415},
		{"bad task id", Request{Method: "PATCH", Path: base + "/not-an-id", Body: `{"completed":true}`}, 404},
		{"empty patch", Request{Method: "PATCH", Path: base + "/01JDQ1E5W1ZK8J6B6X9F4YV7QH", Body: `{}`}, 400},
		{"bad If-Match", Request{Method: "DELETE", Path: base + "/01JDQ1E5W1ZK8J6B6X9F4YV7QH", Header: map[string]string{"If-Match": "not-an-etag"}}, 400},
	})
	if after := len(e.auditLog(t, admin)); after != before {
		t.Errorf("refused requests added %d audit records", after-before)
	}

	r := e.Do(t, Request{Method: "POST", Path: base, Token: app, Body: map[string]any{"title": "From the nightly job"},
		Header: map[string]string{"Idempotency-Key": "nightly-2026-12-06"}})
	expectStatus(t, r, 201)
	var made Task
	r.JSON(t, &made)
	if loc := r.Header.Get("Location"); loc != base+"/"+made.ID || r.Header.Get("ETag") != made.ETag {
		t.Errorf("Location %q ETag %q for %+v", loc, r.Header.Get("ETag"), made)
	}
	again := e.Do(t, Request{Method: "POST", Path: base, Token: app, Body: map[string]any{"title": "From the nightly job"},
		Header: map[string]string{"Idempotency-Key": "nightly-2026-12-06"}})
	if expectStatus(t, again, 201); again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a repeated create was not replayed")
	}
	r = e.Do(t, Request{Method: "GET", Path: base + "/" + made.ID, Token: app})
	expectStatus(t, r, 200)
	stale := made.ETag
	r = e.Do(t, Request{Method: "PATCH", Path: base + "/" + made.ID, Token: app, Body: map[string]any{"completed": true},
		Header: map[string]string{"If-Match": made.ETag}})
	expectStatus(t, r, 200)
	expectProblem(t, e.Do(t, Request{Method: "DELETE", Path: base + "/" + made.ID, Token: app, Header: map[string]string{"If-Match": stale}}), 412)
	expectStatus(t, e.Do(t, Request{Method: "GET", Path: base, Token: app}), 200)
	expectStatus(t, e.Do(t, Request{Method: "DELETE", Path: base + "/" + made.ID, Token: app}), 204)
	if left := titles(e.listAll(t, userTok, 0)); !slices.Equal(left, []string{"Grace's own"}) {
		t.Errorf("the user's tasks after the app's writes: %v", left)
	}
	if u := e.adminUsers(t, admin)[subject]; u.Name != "Grace Hopper" || u.Email != "grace@example.com" || u.TaskCount != 1 {
		t.Errorf("users index after the app's writes: %+v, want Grace Hopper <grace@example.com> with 1 task", u)
	}

	type rec struct {
		action, state string
		count         int
	}
	var got []rec
	for _, a := range e.auditLog(t, admin) {
		if a.Actor.ID != entra.DaemonApp || a.Subject == nil || *a.Subject != subject {
			continue
		}
		if a.Actor.Kind != "app" || a.Actor.Name != "" || a.Count == nil {
			t.Errorf("audit record of the app: %+v", a)
			continue
		}
		got = append(got, rec{a.Action, a.State, *a.Count})
	}
	want := []rec{ // newest first
		{"delete-user-task", "completed", 1},
		{"read-user-tasks", "completed", 2}, // Grace's own and the app's
		{"delete-user-task", "failed", 0},   // the stale If-Match: recorded, and that it changed nothing
		{"update-user-task", "completed", 1},
		{"read-user-tasks", "completed", 1},
		{"create-user-task", "completed", 0}, // the replay created nothing
		{"create-user-task", "completed", 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("the app's audit records %+v, want %+v", got, want)
	}
	for _, a := range e.auditLog(t, admin) {
		if a.Actor.ID == "a3a3a3a3-0000-4000-8000-0000000000a3" && a.Actor.Kind != "user" {
			t.Errorf("an admin's record has actor kind %q, want user", a.Actor.Kind)
		}
	}
}

// Tokens Entra never issues, and the documented fallback's edge: each gets the answer its rule
// says, on a route every valid caller may use.
func (e *Env) testAppTokensRefused(t *testing.T) {
	app := func(edit func(c map[string]any)) string {
		c := entra.AppV2Claims(e.Tenant, e.Client, entra.DaemonApp, entra.DaemonSP, []string{"Tasks.ReadWrite.All"}, time.Now())
		edit(c)
		return e.TokenWith(t, c)
	}
	for name, tok := range map[string]string{
		"idtyp app with scp": app(func(c map[string]any) { c["idtyp"], c["scp"] = "app", "access_as_user" }),
		"idtyp device":       app(func(c map[string]any) { c["idtyp"] = "device" }),
		"app without azp":    app(func(c map[string]any) { delete(c, "azp") }),
	} {
		r := e.Do(t, Request{Method: "GET", Path: "/api/me", Token: tok})
		expectProblem(t, r, 401)
		if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q, want invalid_token", name, got)
		}
	}
	// Without idtyp, a token whose oid is not its sub is a user's, and without scp it has no scope.
	pairwise := app(func(c map[string]any) { c["sub"] = "pairwise-subject-of-a-user" })
	for _, path := range []string{"/api/me", "/api/users"} {
		r := e.Do(t, Request{Method: "GET", Path: path, Token: pairwise})
		expectProblem(t, r, 403)
		want := `error="insufficient_scope", scope="api://` + e.Client + `/access_as_user"`
		if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, want) {
			t.Errorf("%s with oid other than sub: WWW-Authenticate %q, want %s", path, got, want)
		}
	}
}
