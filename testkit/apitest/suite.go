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
	"github.com/example/entra-tasks/testkit/contract"
)

// Task, Page and Problem are the wire shapes, decoded the way a client would.
type Task struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Completed bool   `json:"completed"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	ETag      string `json:"etag"`
}

type Page struct {
	Items []Task `json:"items"`
	Next  string `json:"next"`
}

type Problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail"`
	RetryAfter int    `json:"retryAfter"`
}

// Run starts the API through start and runs the whole suite against it.
func Run(t *testing.T, start StartFunc) {
	e := NewEnv(t, start)
	e.requireEveryOperationExercised(t)
	t.Run("Me", e.testMe)
	t.Run("Unauthenticated", e.testUnauthenticated)
	t.Run("Health", e.testHealth)
	t.Run("DocumentNamesTheChallengedScope", e.testDocumentNamesTheChallengedScope)
	t.Run("CRUD", e.testCRUD)
	t.Run("Isolation", e.testIsolation)
	t.Run("Paging", e.testPaging)
	t.Run("ListQuery", e.testListQuery)
	t.Run("ConcurrentIfMatch", e.testConcurrentIfMatch)
	t.Run("StaleIfMatchDelete", e.testStaleIfMatchDelete)
	t.Run("BadInput", e.testBadInput)
	t.Run("MalformedInputEverywhere", e.testMalformedInputEverywhere)
	t.Run("UnknownRoutes", e.testUnknownRoutes)
	t.Run("RoleMatrix", e.testRoleMatrix)
	t.Run("ScopeForbiddenIsNotARoleForbidden", e.testScopeForbiddenIsNotARoleForbidden)
	t.Run("AdminReadsAndErases", e.testAdminReadsAndErases)
	t.Run("CallerMatrix", e.testCallerMatrix)
	t.Run("AppWritesAudited", e.testAppWritesAudited)
	t.Run("AppTokensRefused", e.testAppTokensRefused)
	t.Run("ConcurrentCount", e.testConcurrentCount)
	t.Run("IdempotentCreate", e.testIdempotentCreate)
	t.Run("TaskLimit", e.testTaskLimit)
	t.Run("ConcurrentWritesAndErase", e.testConcurrentWritesAndErase)
	t.Run("SurvivesRestart", e.testSurvivesRestart)
}

func (e *Env) testMe(t *testing.T) {
	r := e.Do(t, Request{Method: "GET", Path: "/api/me", Token: e.Token(t, entra.UserA)})
	expectStatus(t, r, 200)
	var me struct {
		ID, Name, Email, TenantID string
		Scopes                    []string
	}
	r.JSON(t, &me)
	if me.ID != entra.UserA || me.Name != "Ada Lovelace" || me.Email != "ada@example.com" || me.TenantID != e.Tenant || !slices.Equal(me.Scopes, []string{"access_as_user"}) {
		t.Errorf("me = %+v", me)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func (e *Env) testUnauthenticated(t *testing.T) {
	for _, path := range []string{"/api/me", "/api/tasks", "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH"} {
		r := e.Do(t, Request{Method: "GET", Path: path})
		expectProblem(t, r, 401)
		if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") || strings.Contains(got, "error=") {
			t.Errorf("%s: WWW-Authenticate = %q, want a bare Bearer challenge", path, got)
		}
	}
	r := e.Do(t, Request{Method: "GET", Path: "/api/tasks", Token: "not.a.token"})
	expectProblem(t, r, 401)
	if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate = %q, want invalid_token", got)
	}
}

// GET /api/health needs no token and, with keys and storage at hand, says ok and nothing else:
// an availability test reads it every minute, and an anonymous caller learns nothing more.
func (e *Env) testHealth(t *testing.T) {
	var r Response
	// The handler may still be fetching its keys or probing storage for the first time; a
	// probe is cached for 30 s, so a 503 here is retried only while the first one runs.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r = e.Do(t, Request{Method: "GET", Path: "/api/health"})
		if r.Status != 503 || time.Now().After(deadline) {
			break
		}
	}
	expectStatus(t, r, 200)
	if got := strings.TrimSpace(string(r.Body)); got != `{"status":"ok"}` {
		t.Errorf("GET /api/health: %s, want exactly {\"status\":\"ok\"}", got)
	}
}

// The served OpenAPI document names the scope a client must request: the same value as the
// 403 challenge, api://<client id>/access_as_user. (An outside tester found it served as
// api://<id>/api://<id>/access_as_user: the document took a name where the verifier gives the
// full scope, and its unit test used a fake that gave the name.)
func (e *Env) testDocumentNamesTheChallengedScope(t *testing.T) {
	want := "api://" + e.Client + "/access_as_user"
	r := e.Do(t, Request{Method: "GET", Path: "/api/openapi.json"})
	expectStatus(t, r, 200)
	var doc contract.SignIn
	r.JSON(t, &doc)
	if len(doc.Security) == 0 || !slices.Equal(doc.Security[0]["entra"], []string{want}) {
		t.Errorf("document security %v, want entra with %s", doc.Security, want)
	}
	if _, _, scopes := doc.Flow(); len(scopes) != 1 || scopes[want] == "" {
		t.Errorf("sign-in flow scopes %v, want only %s", scopes, want)
	}
	claims := entra.V2Claims(e.Tenant, e.Client, entra.UserA, time.Now())
	claims["scp"] = "other"
	noScope := e.Do(t, Request{Method: "GET", Path: "/api/me", Token: e.TokenWith(t, claims)})
	if got := noScope.Header.Get("WWW-Authenticate"); !strings.Contains(got, `scope="`+want+`"`) {
		t.Errorf("403 challenge %q does not name %s", got, want)
	}
}

func (e *Env) testCRUD(t *testing.T) {
	tok := e.Token(t, entra.UserA)
	created := e.create(t, tok, "  Write the README  ")
	if created.Title != "Write the README" || created.Completed || created.ETag == "" || created.CreatedAt != created.UpdatedAt {
		t.Fatalf("created = %+v", created)
	}
	if _, err := time.Parse(time.RFC3339, created.CreatedAt); err != nil || !strings.HasSuffix(created.CreatedAt, "Z") {
		t.Errorf("createdAt %q is not RFC 3339 UTC", created.CreatedAt)
	}

	got := e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + created.ID, Token: tok})
	expectStatus(t, got, 200)
	var read Task
	got.JSON(t, &read)
	if read != created || got.Header.Get("ETag") != created.ETag {
		t.Errorf("read %+v (ETag %q), want %+v", read, got.Header.Get("ETag"), created)
	}

	time.Sleep(5 * time.Millisecond) // so that updatedAt can move
	patched := e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + created.ID, Token: tok,
		Body: map[string]any{"completed": true, "title": "Write the README well"}})
	expectStatus(t, patched, 200)
	var updated Task
	patched.JSON(t, &updated)
	if !updated.Completed || updated.Title != "Write the README well" || updated.ETag == created.ETag ||
		updated.CreatedAt != created.CreatedAt || updated.UpdatedAt <= created.UpdatedAt || patched.Header.Get("ETag") != updated.ETag {
		t.Errorf("updated = %+v after %+v", updated, created)
	}
	if listed := e.listAll(t, tok, 50); !slices.Contains(listed, updated) {
		t.Errorf("list does not hold the updated task %+v: %+v", updated, listed)
	}

	del := e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + created.ID, Token: tok, Header: map[string]string{"If-Match": updated.ETag}})
	expectStatus(t, del, 204)
	if len(del.Body) != 0 {
		t.Errorf("204 with a body: %q", del.Body)
	}
	expectProblem(t, e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + created.ID, Token: tok}), 404)
	expectProblem(t, e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + created.ID, Token: tok}), 404)
	expectProblem(t, e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + created.ID, Token: tok, Body: map[string]any{"completed": false}}), 404)

	again := e.create(t, tok, "Write the README")
	if again.ID == created.ID {
		t.Errorf("id %s was reused after delete", again.ID)
	}
}

func (e *Env) testIsolation(t *testing.T) {
	a, b := e.Token(t, entra.UserA), e.Token(t, entra.UserB)
	task := e.create(t, a, "A's secret plan")
	path := "/api/tasks/" + task.ID
	expectProblem(t, e.Do(t, Request{Method: "GET", Path: path, Token: b}), 404)
	expectProblem(t, e.Do(t, Request{Method: "PATCH", Path: path, Token: b, Body: map[string]any{"title": "pwned"}}), 404)
	expectProblem(t, e.Do(t, Request{Method: "PATCH", Path: path, Token: b, Body: map[string]any{"title": "pwned"}, Header: map[string]string{"If-Match": task.ETag}}), 404)
	expectProblem(t, e.Do(t, Request{Method: "DELETE", Path: path, Token: b}), 404)
	for _, seen := range e.listAll(t, b, 200) {
		if seen.ID == task.ID || seen.Title == task.Title {
			t.Fatalf("user B listed A's task %+v", seen)
		}
	}
	r := e.Do(t, Request{Method: "GET", Path: path, Token: a})
	expectStatus(t, r, 200)
	var still Task
	r.JSON(t, &still)
	if still != task {
		t.Errorf("A's task changed to %+v", still)
	}
}

func (e *Env) testPaging(t *testing.T) {
	tok := e.Token(t, "cccccccc-0000-4000-8000-00000000000c")
	var want []string
	for i := range 7 {
		want = append(want, e.create(t, tok, fmt.Sprintf("task %d", i)).ID)
	}
	var got []string
	pages := 0
	next := ""
	for {
		path := "/api/tasks?limit=3"
		if next != "" {
			path += "&next=" + url.QueryEscape(next)
		}
		r := e.Do(t, Request{Method: "GET", Path: path, Token: tok})
		expectStatus(t, r, 200)
		var p Page
		r.JSON(t, &p)
		if len(p.Items) > 3 {
			t.Fatalf("page of %d items with limit=3", len(p.Items))
		}
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		pages++
		if p.Next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		next = p.Next
	}
	slices.Reverse(want)
	if !slices.Equal(got, want) || pages < 3 {
		t.Errorf("paged ids %v in %d pages, want %v (newest first, each once)", got, pages, want)
	}
	if all := e.listAll(t, tok, 0); len(all) != 7 {
		t.Errorf("default page size listed %d tasks, want 7", len(all))
	}
}

func (e *Env) testConcurrentIfMatch(t *testing.T) {
	tok := e.Token(t, entra.UserA)
	task := e.create(t, tok, "contended")
	const writers = 8
	statuses := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			r := e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + task.ID, Token: tok,
				Body: map[string]any{"title": fmt.Sprintf("writer %d", i)}, Header: map[string]string{"If-Match": task.ETag}})
			statuses[i] = r.Status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 412:
		default:
			t.Errorf("status %d, want 200 or 412", s)
		}
	}
	if won != 1 {
		t.Errorf("%d writers won with the same If-Match, want exactly 1 (statuses %v)", won, statuses)
	}
}

func (e *Env) testStaleIfMatchDelete(t *testing.T) {
	tok := e.Token(t, entra.UserA)
	task := e.create(t, tok, "keep me")
	r := e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + task.ID, Token: tok, Body: map[string]any{"completed": true}})
	expectStatus(t, r, 200)
	expectProblem(t, e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + task.ID, Token: tok, Header: map[string]string{"If-Match": task.ETag}}), 412)
	expectProblem(t, e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + task.ID, Token: tok, Body: map[string]any{"title": "x"}, Header: map[string]string{"If-Match": task.ETag}}), 412)
	expectStatus(t, e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + task.ID, Token: tok}), 200)
}

func (e *Env) testBadInput(t *testing.T) {
	tok := e.Token(t, "dddddddd-0000-4000-8000-00000000000d")
	task := e.create(t, tok, "original")
	before := e.listAll(t, tok, 200)
	id := "/api/tasks/" + task.ID
	long := strings.Repeat("é", 201)
	cases := []problemCase{
		{"malformed JSON", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":`}, 400},
		{"not an object", Request{Method: "POST", Path: "/api/tasks", Body: `["x"]`}, 400},
		{"two objects", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"a"}{"title":"b"}`}, 400},
		{"unknown field", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"a","done":true}`}, 400},
		{"wrong type", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":42}`}, 400},
		{"null title", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":null}`}, 400},
		{"missing title", Request{Method: "POST", Path: "/api/tasks", Body: `{}`}, 400},
		{"empty title", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"   "}`}, 400},
		{"title too long", Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": long}}, 400},
		{"control character", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"a\u0007b"}`}, 400},
		{"body over 16 KiB", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"` + strings.Repeat("a", 17<<10) + `"}`}, 413},
		{"not JSON", Request{Method: "POST", Path: "/api/tasks", Body: "title=a", Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415},
		{"no content type", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"a"}`, Header: map[string]string{"Content-Type": ""}}, 415},
		{"empty patch", Request{Method: "PATCH", Path: id, Body: `{}`}, 400},
		{"patch wrong type", Request{Method: "PATCH", Path: id, Body: `{"completed":"yes"}`}, 400},
		{"patch null", Request{Method: "PATCH", Path: id, Body: `{"completed":null}`}, 400},
		{"patch unknown field", Request{Method: "PATCH", Path: id, Body: `{"complete":true}`}, 400},
		{"patch empty title", Request{Method: "PATCH", Path: id, Body: `{"title":"","completed":true}`}, 400},
		{"patch not JSON", Request{Method: "PATCH", Path: id, Body: `{"completed":true}`, Header: map[string]string{"Content-Type": "text/plain"}}, 415},
		{"bad id", Request{Method: "GET", Path: "/api/tasks/not-an-id"}, 404},
		{"bad id patch", Request{Method: "PATCH", Path: "/api/tasks/" + strings.ToLower(task.ID), Body: `{"completed":true}`}, 404},
		{"bad id delete", Request{Method: "DELETE", Path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7Q%23"}, 404},
		{"limit zero", Request{Method: "GET", Path: "/api/tasks?limit=0"}, 400},
		{"limit too big", Request{Method: "GET", Path: "/api/tasks?limit=201"}, 400},
		{"limit not a number", Request{Method: "GET", Path: "/api/tasks?limit=ten"}, 400},
		{"next garbage", Request{Method: "GET", Path: "/api/tasks?next=%21%21%21"}, 400},
		{"next empty", Request{Method: "GET", Path: "/api/tasks?next="}, 400},
		{"next forged", Request{Method: "GET", Path: "/api/tasks?next=MQpmb28KYmFy"}, 400},
	}
	e.expectProblems(t, tok, cases)
	// A missing title is named as missing, not reported as an empty one.
	var missing Problem
	e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: `{}`}).JSON(t, &missing)
	if !strings.Contains(missing.Detail, "title") || !strings.Contains(missing.Detail, "required") {
		t.Errorf("POST {}: detail %q; want it to say the title is required", missing.Detail)
	}
	if after := e.listAll(t, tok, 200); !slices.Equal(after, before) {
		t.Errorf("bad input changed the stored tasks:\nbefore %+v\nafter  %+v", before, after)
	}
}

func (e *Env) testUnknownRoutes(t *testing.T) {
	tok := e.Token(t, entra.UserA)
	for _, req := range []Request{
		{Method: "GET", Path: "/api/nothing"},
		{Method: "PUT", Path: "/api/tasks"},
		{Method: "GET", Path: "/tasks"},
	} {
		req.Token = tok
		r := e.Do(t, req)
		if r.Status != 404 {
			t.Errorf("%s %s: status %d, want 404", req.Method, req.Path, r.Status)
		}
	}
}

func (e *Env) testSurvivesRestart(t *testing.T) {
	tok := e.Token(t, entra.UserA)
	task := e.create(t, tok, "survive a restart")
	e.Target.Restart(t)
	r := e.Do(t, Request{Method: "GET", Path: "/api/tasks/" + task.ID, Token: tok})
	expectStatus(t, r, 200)
	var got Task
	r.JSON(t, &got)
	if got != task {
		t.Errorf("after restart %+v, want %+v", got, task)
	}
}

// create POSTs a task and checks the 201 contract.
func (e *Env) create(t *testing.T, tok, title string) Task {
	t.Helper()
	r := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": title}})
	expectStatus(t, r, 201)
	var task Task
	r.JSON(t, &task)
	if loc := r.Header.Get("Location"); loc != "/api/tasks/"+task.ID {
		t.Errorf("Location = %q for id %s", loc, task.ID)
	}
	if r.Header.Get("ETag") != task.ETag || task.ETag == "" {
		t.Errorf("ETag header %q, body etag %q", r.Header.Get("ETag"), task.ETag)
	}
	return task
}

// listAll follows next links to the end.
func (e *Env) listAll(t *testing.T, tok string, limit int) []Task {
	t.Helper()
	path := "/api/tasks"
	if limit > 0 {
		path += fmt.Sprintf("?limit=%d", limit)
	}
	return allPages[Task](e, t, tok, path)
}

func expectStatus(t *testing.T, r Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
}

// problemCase is a request that must be answered with status and a problem document.
type problemCase struct {
	name   string
	req    Request
	status int
}

// expectProblems sends each case with tok and checks its problem answer.
func (e *Env) expectProblems(t *testing.T, tok string, cases []problemCase) {
	t.Helper()
	for _, c := range cases {
		c.req.Token = tok
		r := e.Do(t, c.req)
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, r.Status, c.status, r.Body)
			continue
		}
		expectProblem(t, r, c.status)
	}
}

// expectProblem checks an RFC 9457 error answer.
func expectProblem(t *testing.T, r Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q for a %d", ct, status)
		return
	}
	var p Problem
	r.JSON(t, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type == "" || p.Detail == "" {
		t.Errorf("problem %+v", p)
	}
}
