package apitest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// suiteTaskLimit is TASKS_PER_USER_LIMIT for the suite's API: low enough to reach in a test,
// above what any other test gives one user.
const suiteTaskLimit = 100

// A create sent again with the same Idempotency-Key answers with the first one's task, never a
// second task, also when the repeats arrive together; the key with another title is a 422; keys
// are per user.
func (e *Env) testIdempotentCreate(t *testing.T) {
	const user = "d1d1d1d1-0000-4000-8000-0000000000d1"
	tok := e.RoleToken(t, user, nil)
	post := func(tok, title, key string) Response {
		return e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": title},
			Header: map[string]string{"Idempotency-Key": key}})
	}
	first := post(tok, "Book the venue", `"8e03978e-40d5-43e8-bc93-6894a57f9324"`)
	expectStatus(t, first, 201)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("a first create says it was replayed")
	}
	var made Task
	first.JSON(t, &made)
	answers := make([]Response, 6)
	var wg sync.WaitGroup
	for i := range answers {
		// The quoted form (RFC 8941, as the draft writes it) and the bare key are one key.
		key := `"8e03978e-40d5-43e8-bc93-6894a57f9324"`
		if i%2 == 1 {
			key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
		}
		wg.Go(func() { answers[i] = post(tok, "Book the venue", key) })
	}
	wg.Wait()
	for i, r := range answers {
		var again Task
		if expectStatus(t, r, 201); r.Status == 201 {
			r.JSON(t, &again)
		}
		if again != made || r.Header.Get("Idempotent-Replayed") != "true" || r.Header.Get("Location") != "/api/tasks/"+made.ID {
			t.Errorf("repeat %d answered %s (replayed %q), want the first task %+v", i, r.Body, r.Header.Get("Idempotent-Replayed"), made)
		}
	}
	if got := e.listAll(t, tok, 0); len(got) != 1 {
		t.Errorf("%d tasks after 7 creates with one key, want 1", len(got))
	}
	reused := post(tok, "Book another venue", "8e03978e-40d5-43e8-bc93-6894a57f9324")
	expectProblem(t, reused, 422)
	other := post(e.RoleToken(t, "d2d2d2d2-0000-4000-8000-0000000000d2", nil), "Book the venue", "8e03978e-40d5-43e8-bc93-6894a57f9324")
	expectStatus(t, other, 201)
	if strings.Contains(string(other.Body), made.ID) || other.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another user's create with the same key answered %s: keys are per user", other.Body)
	}
}

// A user at TASKS_PER_USER_LIMIT gets a 409 that says why, and nothing is created; a repeat of
// the create that reached the limit still gets its answer; deleting a task makes room.
func (e *Env) testTaskLimit(t *testing.T) {
	const user = "d3d3d3d3-0000-4000-8000-0000000000d3"
	tok := e.RoleToken(t, user, nil)
	var last Task
	for i := range suiteTaskLimit {
		r := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("task ", i)},
			Header: map[string]string{"Idempotency-Key": fmt.Sprint("limit-", i)}})
		expectStatus(t, r, 201)
		r.JSON(t, &last)
	}
	over := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": "one too many"}})
	expectProblem(t, over, 409)
	if !strings.Contains(string(over.Body), fmt.Sprint(suiteTaskLimit, " tasks")) {
		t.Errorf("the limit's problem does not say the limit: %s", over.Body)
	}
	repeat := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("task ", suiteTaskLimit-1)},
		Header: map[string]string{"Idempotency-Key": fmt.Sprint("limit-", suiteTaskLimit-1)}})
	if expectStatus(t, repeat, 201); !strings.Contains(string(repeat.Body), last.ID) {
		t.Errorf("the repeat of the create that reached the limit answered %s", repeat.Body)
	}
	if n := len(e.listAll(t, tok, 0)); n != suiteTaskLimit {
		t.Fatalf("%d tasks stored, want the limit %d", n, suiteTaskLimit)
	}
	expectStatus(t, e.Do(t, Request{Method: "DELETE", Path: "/api/tasks/" + last.ID, Token: tok}), 204)
	e.create(t, tok, "room again")
}

// logged is a target whose process output the suite can read (the handler binary run alone).
type logged interface{ Output() string }

// 64 creates of one user at once, then more creates racing an admin's erase of that user: every
// answer is a success, the count the admin sees is what is stored, the user is listed exactly
// when they have tasks, and the handler logs no ERROR line. (The design this replaced gave up
// after 10 lost races on the users index, with an ERROR line, and an erase racing a create could
// leave a wrong count or answer 500.)
func (e *Env) testConcurrentWritesAndErase(t *testing.T) {
	const user = "d4d4d4d4-0000-4000-8000-0000000000d4"
	tok := e.RoleToken(t, user, nil)
	admin := e.RoleToken(t, "d5d5d5d5-0000-4000-8000-0000000000d5", []string{"Admin"})
	before := 0
	if l, ok := e.Target.(logged); ok {
		before = len(l.Output())
	}
	createMany := func(n int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := e.Do(t, Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("burst ", i)}})
				expectStatus(t, r, 201)
			})
		}
		wg.Wait()
	}
	createMany(64)
	if got, stored := e.adminUsers(t, admin)[user].TaskCount, len(e.listAll(t, tok, 0)); got != 64 || stored != 64 {
		t.Fatalf("after 64 concurrent creates: the admin sees %d, %d are stored", got, stored)
	}
	var wg sync.WaitGroup
	wg.Go(func() { createMany(32) })
	wg.Go(func() {
		r := e.Do(t, Request{Method: "DELETE", Path: "/api/users/" + user + "/tasks", Token: admin})
		expectStatus(t, r, 200)
	})
	wg.Wait()
	stored := len(e.listAll(t, tok, 0))
	entry, listed := e.adminUsers(t, admin)[user]
	if listed != (stored > 0) || entry.TaskCount != stored {
		t.Errorf("after an erase racing 32 creates: %d stored, the admin sees %+v (listed %v)", stored, entry, listed)
	}
	if l, ok := e.Target.(logged); ok {
		for _, line := range strings.Split(l.Output()[before:], "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("ordinary use logged an error: %s", line)
			}
		}
	}
}
