package reliability

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/entra-tasks/testkit/apitest"
)

// TestStorageOutageUnderLoad stops Azurite in the middle of a write-heavy load and starts it
// again. While it is down every storage-backed request must fail fast with 503 and
// Retry-After; afterwards every acknowledged write must be there, and a write that was not
// acknowledged may have happened or not, but only whole.
//
// Azurite is stopped with SIGINT, as testenv does: it keeps tables in memory and saves them on
// exit, so SIGKILL would lose writes it had acknowledged. That is an emulator artifact (Table
// Storage acknowledges only durable writes), so this test does not claim to show more than
// the handler's side: no hang, a clean 503, and no write reported that did not happen.
func TestStorageOutageUnderLoad(t *testing.T) {
	users := envInt("RELIABILITY_OUTAGE_USERS", 8)
	outages := envInt("RELIABILITY_OUTAGES", 1)
	e := newEnv(t)
	base := e.handler.URL()
	tl := newTally()
	var down atomic.Bool
	var maxOutageLatency atomic.Int64
	models := make([]*outageModel, users)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range models {
		m := &outageModel{index: i, token: e.token(t, userOID(100+i)), tasks: map[string]*outageTask{}, unackedTitles: map[string]bool{}}
		models[i] = m
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				wasDown := down.Load()
				a := m.step(e, base, rng, tl)
				if wasDown && down.Load() && a.err == nil && a.Status == 503 {
					for {
						cur := maxOutageLatency.Load()
						if int64(a.elapsed) <= cur || maxOutageLatency.CompareAndSwap(cur, int64(a.elapsed)) {
							break
						}
					}
				}
			}
		})
	}
	for range outages {
		time.Sleep(time.Second)
		e.azurite.Stop()
		down.Store(true)
		tl.fault()
		time.Sleep(time.Second)
		// /api/me needs no storage: it keeps working through the outage.
		if a := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/me", Token: models[0].token}); a.err != nil || a.Status != 200 {
			tl.fail("GET /api/me during the outage: %v, want 200", a)
		}
		time.Sleep(time.Second)
		down.Store(false)
		e.azurite.Start()
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	for _, m := range models {
		got, err := listAll(e.http, base, m.token, 200)
		if err != nil {
			tl.fail("user %d final listing: %v", m.index, err)
			continue
		}
		m.check(got, tl)
	}
	if n := tl.fivexx() - tl.byStatus[503]; n > 0 {
		tl.fail("%d answers were 5xx other than 503", n)
	}
	if tl.byStatus[503] == 0 {
		tl.fail("no request met the outage: the test proved nothing")
	}
	if d := time.Duration(maxOutageLatency.Load()); d > 5*time.Second {
		tl.fail("a request took %v to fail during the outage", d)
	}
	tl.report(t, "storage-outage", fmt.Sprintf("users=%d slowest-503=%v", users, time.Duration(maxOutageLatency.Load()).Round(time.Millisecond)))
}

// outageTask is what a user knows about one task: its last acknowledged state, and what
// unacknowledged operations after it may have done.
type outageTask struct {
	acked     wireTask
	gone      bool       // an acknowledged delete
	maybe     []wireTask // states an unacknowledged patch may have left
	maybeGone bool       // an unacknowledged delete
}

func (o *outageTask) uncertain() bool { return len(o.maybe) > 0 || o.maybeGone }

type outageModel struct {
	index         int
	token         string
	seq           int
	tasks         map[string]*outageTask
	unackedTitles map[string]bool // creates that got no 201: they may exist, whole, or not at all
}

func (m *outageModel) live(rng *rand.Rand) (string, *outageTask, bool) {
	var ids []string
	for id, o := range m.tasks {
		if !o.gone && !o.uncertain() { // an uncertain task is left alone: its state is unknown
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", nil, false
	}
	slices.Sort(ids)
	id := ids[rng.IntN(len(ids))]
	return id, m.tasks[id], true
}

// checkFailure accepts only a fast 503 with Retry-After as a failed answer.
func checkFailure(a answer, what string, tl *tally) {
	if a.err != nil {
		tl.fail("%s: %v", what, a)
		return
	}
	if a.Status != 503 || a.Header.Get("Retry-After") != "5" {
		tl.fail("%s: %v (Retry-After %q), want 503 with Retry-After 5", what, a, a.Header.Get("Retry-After"))
		return
	}
	// The SPA cannot read Retry-After across origins, so the problem body carries it too.
	var p apitest.Problem
	if err := a.decode(&p); err != nil || p.RetryAfter != 5 || !strings.HasPrefix(a.Header.Get("Content-Type"), "application/problem+json") {
		tl.fail("%s: 503 body %q (%s), want a problem with retryAfter 5", what, a.Body, a.Header.Get("Content-Type"))
	}
}

func (m *outageModel) step(e *env, base string, rng *rand.Rand, tl *tally) answer {
	id, task, ok := m.live(rng)
	roll := rng.IntN(10)
	switch {
	case !ok || roll < 5:
		m.seq++
		title := fmt.Sprintf("o%02d #%d", m.index, m.seq)
		a := call(e.http, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: m.token, Body: map[string]any{"title": title}})
		tl.op(a)
		var got wireTask
		if a.err == nil && a.Status == 201 && a.decode(&got) == nil && got.Title == title {
			m.tasks[got.ID] = &outageTask{acked: got}
			return a
		}
		m.unackedTitles[title] = true
		checkFailure(a, fmt.Sprintf("user %d create", m.index), tl)
		return a
	case roll < 8:
		want := task.acked
		want.Completed = !want.Completed
		m.seq++
		want.Title = fmt.Sprintf("o%02d #%d patched", m.index, m.seq)
		a := call(e.http, base, apitest.Request{Method: "PATCH", Path: "/api/tasks/" + id, Token: m.token, Body: map[string]any{"title": want.Title, "completed": want.Completed}})
		tl.op(a)
		var got wireTask
		if a.err == nil && a.Status == 200 && a.decode(&got) == nil {
			if got.Title != want.Title || got.Completed != want.Completed || got.CreatedAt != want.CreatedAt {
				tl.fail("user %d patch answered %+v, want %+v", m.index, got, want)
			}
			task.acked = got
			return a
		}
		task.maybe = append(task.maybe, want)
		checkFailure(a, fmt.Sprintf("user %d patch", m.index), tl)
		return a
	default:
		a := call(e.http, base, apitest.Request{Method: "DELETE", Path: "/api/tasks/" + id, Token: m.token})
		tl.op(a)
		switch {
		case a.err == nil && a.Status == 204:
			task.gone = true
		default:
			task.maybeGone = true
			checkFailure(a, fmt.Sprintf("user %d delete", m.index), tl)
		}
		return a
	}
}

// check holds the final listing against what the user was told.
func (m *outageModel) check(got []wireTask, tl *tally) {
	listed := map[string]wireTask{}
	for _, task := range got {
		listed[task.ID] = task
		if _, known := m.tasks[task.ID]; known {
			continue
		}
		// Not acknowledged: it must be one of this user's unacknowledged creates, whole.
		if !m.unackedTitles[task.Title] || task.Completed || task.CreatedAt != task.UpdatedAt || task.ETag == "" {
			if !strings.HasPrefix(task.Title, fmt.Sprintf("o%02d ", m.index)) {
				tl.crossRead("user %d lists %+v", m.index, task)
			}
			tl.fail("user %d holds a task nobody wrote whole: %+v", m.index, task)
		}
	}
	for id, o := range m.tasks {
		task, present := listed[id]
		switch {
		case o.gone && present:
			tl.fail("user %d: acknowledged delete of %s undone: %+v", m.index, id, task)
		case o.gone:
		case !present && !o.maybeGone:
			tl.fail("user %d: acknowledged task lost: %+v", m.index, o.acked)
		case !present:
		case !o.uncertain() && task != o.acked:
			tl.fail("user %d: task %s is %+v, acknowledged %+v", m.index, id, task, o.acked)
		case o.uncertain() && !sameContent(task, append([]wireTask{o.acked}, o.maybe...)):
			tl.fail("user %d: task %s is %+v, none of the states it may have: %+v %+v", m.index, id, task, o.acked, o.maybe)
		}
	}
}

func sameContent(task wireTask, candidates []wireTask) bool {
	for _, c := range candidates {
		if task.Title == c.Title && task.Completed == c.Completed && task.CreatedAt == c.CreatedAt {
			return true
		}
	}
	return false
}
