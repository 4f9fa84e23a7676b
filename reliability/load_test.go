package reliability

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/testkit/apitest"
)

// TestLoadIsolation runs many simulated users (distinct oids) doing a random mix of every
// operation concurrently through the real handler binary and Azurite. Each user keeps a
// model of what their acknowledged operations imply; every answer is checked against it as
// it arrives, and at the end each user's whole listing must equal their model exactly.
// Users also probe each other's task ids, which must always be 404 and change nothing.
//
// RELIABILITY_USERS and RELIABILITY_OPS scale it: make test runs 50 users x 2,000 operations,
// make soak 50 x 20,000.
func TestLoadIsolation(t *testing.T) {
	users, ops := envInt("RELIABILITY_USERS", 50), envInt("RELIABILITY_OPS", 2000)
	e := newEnv(t)
	base := e.handler.URL()
	reg := &registry{}
	tl := newTally()
	models := make([]*userModel, users)
	for i := range models {
		models[i] = &userModel{index: i, oid: userOID(i), token: e.token(t, userOID(i)), tasks: map[string]wireTask{}}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, m := range models {
		quota := ops / users
		if m.index < ops%users {
			quota++
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(m.index), 42))
			for range quota {
				m.step(e, base, rng, reg, tl)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	// The model check: each user's tasks are exactly what their acknowledged operations imply.
	for _, m := range models {
		got, err := listAll(e.http, base, m.token, 200)
		if err != nil {
			tl.fail("user %d final listing: %v", m.index, err)
			continue
		}
		if want := m.sorted(); !slices.Equal(got, want) {
			tl.fail("user %d holds %d tasks, the model %d:\n got %+v\nwant %+v", m.index, len(got), len(want), got, want)
		}
		for _, task := range got {
			if !strings.HasPrefix(task.Title, m.titlePrefix()) {
				tl.crossRead("user %d lists %+v", m.index, task)
			}
		}
	}
	if n := tl.fivexx(); n > 0 {
		tl.fail("%d answers were 5xx", n)
	}
	tl.report(t, "load", fmt.Sprintf("users=%d seconds=%.1f ops/s=%.0f", users, elapsed.Seconds(), float64(tl.ops)/elapsed.Seconds()))
}

// registry is every task id ever created, for cross-user probes.
type registry struct {
	mu  sync.Mutex
	ids []ownedID
}

type ownedID struct {
	owner int
	id    string
}

func (r *registry) add(owner int, id string) {
	r.mu.Lock()
	r.ids = append(r.ids, ownedID{owner, id})
	r.mu.Unlock()
}

func (r *registry) someoneElses(me int, rng *rand.Rand) (ownedID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range 8 {
		if len(r.ids) == 0 {
			break
		}
		if o := r.ids[rng.IntN(len(r.ids))]; o.owner != me {
			return o, true
		}
	}
	return ownedID{}, false
}

type userModel struct {
	index     int
	oid       string
	token     string
	tasks     map[string]wireTask // what the API must hold for this user
	deleted   []string
	staleETag map[string]string // an etag a task had before its last change
	seq       int
}

func (m *userModel) titlePrefix() string { return fmt.Sprintf("u%02d ", m.index) }

func (m *userModel) sorted() []wireTask {
	out := make([]wireTask, 0, len(m.tasks))
	for _, task := range m.tasks {
		out = append(out, task)
	}
	slices.SortFunc(out, func(a, b wireTask) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (m *userModel) pick(rng *rand.Rand) (wireTask, bool) {
	if len(m.tasks) == 0 {
		return wireTask{}, false
	}
	ids := make([]string, 0, len(m.tasks))
	for id := range m.tasks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return m.tasks[ids[rng.IntN(len(ids))]], true
}

// step performs one random operation and checks its answer against the model.
func (m *userModel) step(e *env, base string, rng *rand.Rand, reg *registry, tl *tally) {
	roll := rng.IntN(100)
	if len(m.tasks) > 25 && roll < 30 {
		roll = 70 // keep partitions small enough to list: delete instead of create
	}
	task, have := m.pick(rng)
	switch {
	case roll < 30 || !have:
		m.create(e, base, rng, reg, tl)
	case roll < 45:
		m.get(e, base, rng, tl, task)
	case roll < 65:
		m.patch(e, base, rng, tl, task)
	case roll < 75:
		m.remove(e, base, rng, tl, task)
	case roll < 85:
		m.list(e, base, rng, tl)
	default:
		m.probe(e, base, rng, reg, tl)
	}
}

func (m *userModel) create(e *env, base string, rng *rand.Rand, reg *registry, tl *tally) {
	m.seq++
	title := fmt.Sprintf("%s#%d%s", m.titlePrefix(), m.seq, strings.Repeat("é", rng.IntN(20)))
	a := call(e.http, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: m.token, Body: map[string]any{"title": title}})
	tl.op(a)
	var got wireTask
	if a.err != nil || a.Status != 201 || a.decode(&got) != nil {
		tl.fail("user %d create: %v", m.index, a)
		return
	}
	if got.Title != title || got.Completed || got.ETag == "" || got.CreatedAt != got.UpdatedAt ||
		a.Header.Get("Location") != "/api/tasks/"+got.ID || a.Header.Get("ETag") != got.ETag {
		tl.fail("user %d create answered %+v (Location %q)", m.index, got, a.Header.Get("Location"))
	}
	if _, dup := m.tasks[got.ID]; dup || slices.Contains(m.deleted, got.ID) {
		tl.fail("user %d: id %s handed out twice", m.index, got.ID)
	}
	m.tasks[got.ID] = got
	reg.add(m.index, got.ID)
}

func (m *userModel) get(e *env, base string, rng *rand.Rand, tl *tally, task wireTask) {
	if len(m.deleted) > 0 && rng.IntN(4) == 0 {
		id := m.deleted[rng.IntN(len(m.deleted))]
		a := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/tasks/" + id, Token: m.token})
		tl.op(a)
		if a.err != nil || a.Status != 404 {
			tl.fail("user %d get of deleted %s: %v", m.index, id, a)
		}
		return
	}
	a := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/tasks/" + task.ID, Token: m.token})
	tl.op(a)
	var got wireTask
	if a.err != nil || a.Status != 200 || a.decode(&got) != nil {
		tl.fail("user %d get %s: %v", m.index, task.ID, a)
		return
	}
	if got != task {
		if !strings.HasPrefix(got.Title, m.titlePrefix()) {
			tl.crossRead("user %d got %+v", m.index, got)
		}
		tl.fail("user %d get %s = %+v, model %+v", m.index, task.ID, got, task)
	}
}

func (m *userModel) patch(e *env, base string, rng *rand.Rand, tl *tally, task wireTask) {
	body := map[string]any{"completed": !task.Completed}
	want := task
	want.Completed = !task.Completed
	if rng.IntN(2) == 0 {
		m.seq++
		want.Title = fmt.Sprintf("%s#%d renamed", m.titlePrefix(), m.seq)
		body["title"] = want.Title
	}
	header := map[string]string{}
	stale := m.staleETag[task.ID]
	switch r := rng.IntN(10); {
	case r < 5:
		header["If-Match"] = task.ETag
	case r < 7 && stale != "":
		header["If-Match"] = stale
		a := call(e.http, base, apitest.Request{Method: "PATCH", Path: "/api/tasks/" + task.ID, Token: m.token, Body: body, Header: header})
		tl.op(a)
		if a.err != nil || a.Status != 412 {
			tl.fail("user %d patch with a stale If-Match: %v, want 412", m.index, a)
			m.forget(task.ID)
		}
		return
	}
	a := call(e.http, base, apitest.Request{Method: "PATCH", Path: "/api/tasks/" + task.ID, Token: m.token, Body: body, Header: header})
	tl.op(a)
	var got wireTask
	if a.err != nil || a.Status != 200 || a.decode(&got) != nil {
		tl.fail("user %d patch %s: %v", m.index, task.ID, a)
		m.forget(task.ID)
		return
	}
	if got.ID != task.ID || got.Title != want.Title || got.Completed != want.Completed ||
		got.CreatedAt != task.CreatedAt || got.UpdatedAt < task.UpdatedAt || got.ETag == task.ETag || a.Header.Get("ETag") != got.ETag {
		tl.fail("user %d patch answered %+v after %+v", m.index, got, task)
	}
	if m.staleETag == nil {
		m.staleETag = map[string]string{}
	}
	m.staleETag[task.ID] = task.ETag
	m.tasks[task.ID] = got
}

func (m *userModel) remove(e *env, base string, rng *rand.Rand, tl *tally, task wireTask) {
	header := map[string]string{}
	if rng.IntN(2) == 0 {
		header["If-Match"] = task.ETag
	}
	a := call(e.http, base, apitest.Request{Method: "DELETE", Path: "/api/tasks/" + task.ID, Token: m.token, Header: header})
	tl.op(a)
	if a.err != nil || a.Status != 204 {
		tl.fail("user %d delete %s: %v", m.index, task.ID, a)
		m.forget(task.ID)
		return
	}
	delete(m.tasks, task.ID)
	m.deleted = append(m.deleted, task.ID)
}

func (m *userModel) list(e *env, base string, rng *rand.Rand, tl *tally) {
	limit := []int{1, 7, 50, 200}[rng.IntN(4)]
	got, err := listAll(e.http, base, m.token, limit)
	tl.op(answer{Response: apitest.Response{Status: 200}})
	if err != nil {
		tl.fail("user %d list: %v", m.index, err)
		return
	}
	for _, task := range got {
		if !strings.HasPrefix(task.Title, m.titlePrefix()) {
			tl.crossRead("user %d listed %+v", m.index, task)
		}
	}
	if want := m.sorted(); !slices.Equal(got, want) {
		tl.fail("user %d list (limit %d) = %+v, model %+v", m.index, limit, got, want)
	}
}

// probe aims at another user's task; it must look exactly like a task that does not exist.
func (m *userModel) probe(e *env, base string, rng *rand.Rand, reg *registry, tl *tally) {
	other, ok := reg.someoneElses(m.index, rng)
	if !ok {
		m.list(e, base, rng, tl)
		return
	}
	method := []string{"GET", "PATCH", "DELETE"}[rng.IntN(3)]
	var body any
	if method == "PATCH" {
		body = map[string]any{"title": m.titlePrefix() + "was here"}
	}
	a := call(e.http, base, apitest.Request{Method: method, Path: "/api/tasks/" + other.id, Token: m.token, Body: body})
	tl.op(a)
	if a.err != nil || a.Status != 404 {
		if a.err == nil && a.Status < 300 {
			tl.crossRead("user %d %s user %d's task %s: %v", m.index, method, other.owner, other.id, a)
			return
		}
		tl.fail("user %d %s of user %d's task: %v, want 404", m.index, method, other.owner, a)
	}
}

// forget drops a task whose state the model no longer knows after a failed answer, so that
// one failure is reported once rather than cascading.
func (m *userModel) forget(id string) {
	delete(m.tasks, id)
	m.deleted = slices.DeleteFunc(m.deleted, func(d string) bool { return d == id })
}
