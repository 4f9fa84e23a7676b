package tablestore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack/storecalls"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// gate is a per-call policy that holds the answer of the first request matching match (once
// armed) until release is closed; reached is closed when that answer is in hand. Nothing waits
// on time: the test decides when the held call goes on.
type gate struct {
	mu      sync.Mutex
	armed   bool
	match   func(*http.Request) bool
	reached chan struct{}
	release chan struct{}
}

func newGate(match func(*http.Request) bool) *gate {
	return &gate{match: match, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) arm() { g.mu.Lock(); g.armed = true; g.mu.Unlock() }

func (g *gate) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	g.mu.Lock()
	hold := g.armed && g.match(req.Raw())
	if hold {
		g.armed = false
	}
	g.mu.Unlock()
	if hold {
		close(g.reached)
		<-g.release
	}
	return resp, err
}

// isEraseQuery matches the erase's read of a user's keys: a query of the tasks table that
// selects no titles (a task listing selects them), whatever its filter.
func isEraseQuery(r *http.Request) bool {
	last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	q := r.URL.Query()
	return r.Method == http.MethodGet && (last == "tasks" || last == "tasks()") &&
		q.Has("$select") && !strings.Contains(q.Get("$select"), "Title")
}

// gatedStore is a store on a fresh Azurite with g in its pipeline, and the connection string.
func gatedStore(t *testing.T, g policy.Policy) (*tablestore.Store, string) {
	t.Helper()
	cs := testenv.StartAzurite(t).ConnectionString()
	store, err := tablestore.NewFromConnectionString(cs, "tasks", g)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store, cs
}

// An erase reads the user's row keys, task rows and Idempotency-Key rows alike, and deletes
// them later, key rows with "*", apart from their tasks. If, in between, the user deletes the
// task that key created and creates a new one with the same key (a client that derives its
// keys, or a retry of a create it had given up on), the erase deletes the NEW task's key row
// and, stopped by its time, leaves the new task behind without it. From then on:
//   - the same key creates a second task while the first one it made still exists, and
//   - deleting that task can never succeed: its transaction names the key row, which is gone
//     (404 at operation 2), which deleteOnce takes for a lost race and retries until the
//     storage budget ends: a 503 (and an ERROR line) on every attempt, for good.
func TestAttackEraseDeletesTheKeyRowOfATaskCreatedAfterItsQuery(t *testing.T) {
	g := newGate(isEraseQuery)
	store, _ := gatedStore(t, g)
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a0001")
	ctx := context.Background()
	keyed := func(title, key string) (tasks.Created, error) {
		return store.Create(ctx, w.owner, tasks.NewTask{Task: w.task(title), By: ada, Key: key})
	}
	first, err := keyed("pay rent", "k")
	if err != nil {
		t.Fatal(err)
	}

	g.arm()
	erased := make(chan error, 1)
	go func() {
		// Its time is up after its first transaction, as a long erase's is on a large user.
		_, err := store.EraseTasks(ctx, w.owner, time.Now())
		erased <- err
	}()
	<-g.reached // the erase has read [first task, key row]
	if err := store.Delete(ctx, w.owner, first.Task.ID, nil, now()); err != nil {
		t.Fatal(err)
	}
	second, err := keyed("pay rent", "k") // the key is free again: a new task
	if err != nil || second.Replayed {
		t.Fatalf("create with the deleted task's key: %+v, %v; want a new task", second, err)
	}
	close(g.release)
	if err := <-erased; err != nil {
		t.Fatalf("erase: %v", err)
	}

	// The erase ran before the second task existed, so that task and its key are untouched.
	if _, err := store.Get(ctx, w.owner, second.Task.ID); err != nil {
		t.Fatalf("the second task: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := store.Delete(short, w.owner, second.Task.ID, nil, now()); err != nil {
		t.Errorf("deleting the second task: %v", err)
	}
	if _, err := store.Get(ctx, w.owner, second.Task.ID); err == nil {
		again, err := keyed("pay rent", "k")
		if err != nil || !again.Replayed || again.Task.ID != second.Task.ID {
			t.Errorf("a repeat of the key while its task %s exists answered %+v, %v; want that task, replayed", second.Task.ID, again, err)
		}
	}
}

// An erase whose time runs out after a transaction that left no task answers remaining 0 (and
// its audit record says completed), so nobody calls it again; but it returned before the
// "nothing is left" step, so the user stays in the users index for good, and Idempotency-Key
// rows after the tasks in row key order stay too: a create with one of those keys is then
// answered 410 Gone instead of creating its task.
func TestAttackAnEraseStoppedWithNothingLeftStillLeavesTheIndex(t *testing.T) {
	store, cs := gatedStore(t, newGate(func(*http.Request) bool { return false }))
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a0002")
	ctx := context.Background()
	// 50 tasks with keys: 100 rows, so the first transaction (99 rows) takes every task and all
	// but the last key row.
	for i := range 50 {
		if _, err := store.Create(ctx, w.owner, tasks.NewTask{Task: w.task(fmt.Sprint("t", i)), By: ada, Key: fmt.Sprint("key-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// As the SPA does: call again while tasks remain, each call stopped after one transaction.
	erased := 0
	for calls := 1; ; calls++ {
		done, err := store.EraseTasks(ctx, w.owner, time.Now())
		if err != nil || calls > 10 {
			t.Fatalf("erase call %d: %+v, %v", calls, done, err)
		}
		if erased += done.Erased; done.Remaining == 0 {
			break
		}
	}
	if erased != 50 {
		t.Errorf("the calls erased %d tasks in all, want 50", erased)
	}
	if n := stored(t, store, w.owner); n != 0 {
		t.Fatalf("%d tasks left", n)
	}
	if present := indexed(t, cs, w.owner); present {
		t.Errorf("an erase that left no task answered remaining 0 but the user is still in the users index")
	}
	for i := range 50 {
		c, err := store.Create(ctx, w.owner, tasks.NewTask{Task: w.task(fmt.Sprint("t", i)), By: ada, Key: fmt.Sprint("key-", i)})
		if err != nil || c.Replayed {
			t.Errorf("create with the key of an erased task (key-%d): %+v, %v; want a new task", i, c, err)
		}
	}
}

// indexed reads the users index directly: whether owner has an entry.
func indexed(t *testing.T, connectionString, owner string) bool {
	t.Helper()
	svc, err := aztables.NewServiceClientFromConnectionString(connectionString, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.NewClient("tasks"+tablestore.UsersTableSuffix).GetEntity(context.Background(), owner[:2], owner, nil)
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == 404 {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// Two erases of one user at once (an admin who clicks twice, two admins, or the SPA calling
// again while a slow call still runs, on another instance): the second reads the user's row
// keys, the first deletes them all. The second then drops the rows it named one at a time, a
// 404 each, each one a read of the account row, a transaction and a backoff of up to 100 ms:
// about 1,000 round trips and 50 s for 990 tasks, far past its storage budget, so it fails
// (503, an ERROR line, and an audit record it cannot complete) instead of answering
// {"erased":0,"remaining":0} at once.
func TestAttackAnEraseWhoseRowsAnotherEraseDeletedRunsOutOfTime(t *testing.T) {
	g := newGate(isEraseQuery)
	var calls storecalls.Counter
	cs := testenv.StartAzurite(t).ConnectionString()
	first, err := tablestore.NewFromConnectionString(cs, "tasks")
	if err != nil {
		t.Fatal(err)
	}
	second, err := tablestore.NewFromConnectionString(cs, "tasks", g, &calls) // another instance
	if err != nil {
		t.Fatal(err)
	}
	if err := first.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := newWriter(t, first, "00000000-0000-4000-8000-0000000a0006")
	w.seed(990)

	const budget = 5 * time.Second // the API's is 15 s; the erase stops starting work after 2/3
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	g.arm()
	type result struct {
		done tasks.Erasure
		err  error
	}
	late := make(chan result, 1)
	go func() {
		done, err := second.EraseTasks(ctx, w.owner, time.Now().Add(budget*2/3))
		late <- result{done, err}
	}()
	<-g.reached
	done, err := first.EraseTasks(context.Background(), w.owner, time.Now().Add(time.Hour))
	if err != nil || done.Erased != 990 {
		t.Fatalf("first erase: %+v, %v", done, err)
	}
	close(g.release)
	r := <-late
	tally := calls.Tally()
	t.Logf("the second erase: %+v, %v, after %d calls %v", r.done, r.err, tally.Calls, tally.ByOp)
	if r.err != nil || r.done.Erased != 0 || r.done.Remaining != 0 {
		t.Errorf("an erase whose rows were all deleted by another answered %+v, %v; want nothing erased, nothing remaining", r.done, r.err)
	}
	if tally.ByOp["batch"] > 20 {
		t.Errorf("it sent %d transactions for rows that were already gone", tally.ByOp["batch"])
	}
}

// Data written before account rows existed (the design this replaces kept each user's tasks in
// the same partitions, and their count in the users index entry) has no account row, and
// nothing migrates it: the code knows such data exists (touchAccount) but reads a missing
// account row as "no tasks". A user with 5 such tasks is hidden from the admin list (count 0);
// their next create counts 1; the per-user limit lets them store 5 more than it allows; and
// an erase stopped half way answers remaining 0 for tasks that remain.
func TestAttackTasksFromBeforeAccountRowsAreNotCounted(t *testing.T) {
	store, cs := gatedStore(t, newGate(func(*http.Request) bool { return false }))
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a0007")
	ctx := context.Background()
	svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The previous design's rows: tasks as they are stored today, an index entry with the count.
	const legacy = 5
	writeLegacy(t, svc, w, legacy)
	if n := stored(t, store, w.owner); n != legacy {
		t.Fatalf("the store lists %d of the %d tasks", n, legacy)
	}

	if got := count(t, store, w.owner); got != legacy {
		t.Errorf("a user with %d tasks from before account rows: the admin list says %d (-1: not listed)", legacy, got)
	}
	const limit = legacy + 1
	if _, err := store.Create(ctx, w.owner, tasks.NewTask{Task: w.task("new"), By: ada, Limit: limit}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, store, w.owner); got != legacy+1 {
		t.Errorf("after one more create the admin list says %d, want %d", got, legacy+1)
	}
	var over *tasks.LimitError
	if _, err := store.Create(ctx, w.owner, tasks.NewTask{Task: w.task("one too many"), By: ada, Limit: limit}); !errors.As(err, &over) {
		t.Errorf("a create past the limit of %d: %v, want the limit (%d tasks stored)", limit, err, stored(t, store, w.owner))
	}
}

// A task whose Idempotency-Key row is gone (what the erase above left behind wherever it ran)
// can never be deleted: the delete's transaction names the key row, the service refuses it
// (404 at operation 2), and deleteOnce reads that as a lost race and retries until the budget
// ends: a 503, for good.
func TestAttackATaskWhoseKeyRowIsGoneCanStillBeDeleted(t *testing.T) {
	store, cs := gatedStore(t, newGate(func(*http.Request) bool { return false }))
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a0008")
	ctx := context.Background()
	c, err := store.Create(ctx, w.owner, tasks.NewTask{Task: w.task("keyed"), By: ada, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	filter := "PartitionKey eq '" + w.owner + "' and RowKey gt '~idem-' and RowKey lt '~idem.'"
	page, err := svc.NewClient("tasks").NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter}).NextPage(ctx)
	if err != nil || len(page.Entities) != 1 {
		t.Fatalf("key rows: %d, %v", len(page.Entities), err)
	}
	var row struct{ RowKey string }
	if err := json.Unmarshal(page.Entities[0], &row); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.NewClient("tasks").DeleteEntity(ctx, w.owner, row.RowKey, nil); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := store.Delete(short, w.owner, c.Task.ID, nil, now()); err != nil {
		t.Errorf("delete of a task whose key row is gone: %v", err)
	}
	if got := count(t, store, w.owner); got != -1 {
		t.Errorf("the list says %d", got)
	}
}

// writeLegacy stores n tasks of w's user as the design before account rows did: the tasks, and
// a users index entry holding their count. It returns the tasks.
func writeLegacy(t *testing.T, svc *aztables.ServiceClient, w *writer, n int) []tasks.Task {
	t.Helper()
	ctx := context.Background()
	out := make([]tasks.Task, n)
	for i := range out {
		task := w.task(fmt.Sprint("from before ", i))
		body := fmt.Sprintf(`{"PartitionKey":%q,"RowKey":%q,"Title":%q,"Completed":false,"CreatedAt":%q,"CreatedAt@odata.type":"Edm.DateTime","UpdatedAt":%q,"UpdatedAt@odata.type":"Edm.DateTime"}`,
			w.owner, task.ID, task.Title, task.CreatedAt.Format(time.RFC3339Nano), task.UpdatedAt.Format(time.RFC3339Nano))
		if _, err := svc.NewClient("tasks").AddEntity(ctx, []byte(body), nil); err != nil {
			t.Fatal(err)
		}
		out[i] = task
	}
	entry := fmt.Sprintf(`{"PartitionKey":%q,"RowKey":%q,"Name":"Ada","Email":"ada@example.com","TaskCount":%d}`, w.owner[:2], w.owner, n)
	if _, err := svc.NewClient("tasks"+tablestore.UsersTableSuffix).UpsertEntity(ctx, []byte(entry), nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// The same data, when the user's first write after the upgrade is an update: touchAccount's
// InsertMerge creates the account row without a count, and the user's 3 tasks count 0 from then
// on (hidden from the admin, 3 over the limit).
func TestAttackAnUpdateAsTheFirstWriteAfterTheUpgradeCountsNothing(t *testing.T) {
	store, cs := gatedStore(t, newGate(func(*http.Request) bool { return false }))
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a0009")
	svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := writeLegacy(t, svc, w, 3)
	done := true
	if _, err := store.Update(context.Background(), w.owner, old[0].ID, tasks.Patch{Completed: &done}, nil, now()); err != nil {
		t.Fatal(err)
	}
	if got := count(t, store, w.owner); got != 3 {
		t.Errorf("after an update of one of 3 tasks from before account rows the admin list says %d", got)
	}
}

// failOnce fails, once armed, the next request that match selects, without sending it: what a
// crash between two steps leaves.
type failOnce struct {
	mu    sync.Mutex
	armed bool
	match func(*http.Request) bool
}

func (f *failOnce) Do(req *policy.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.armed && f.match(req.Raw())
	if fail {
		f.armed = false
	}
	f.mu.Unlock()
	if fail {
		return nil, errors.New("the process died here")
	}
	return req.Next()
}

// Removing an erased user from the index is two steps: clear the account's Indexed flag, then
// delete the entry. If the process dies between them, every later erase finds the flag clear
// and stops there: the entry stays for good (the list skips it, but each one costs a read of an
// account row on every page, and pages come back short or empty).
func TestAttackAnIndexEntryLeftBetweenTheTwoStepsIsNeverRemoved(t *testing.T) {
	crash := &failOnce{match: func(r *http.Request) bool {
		return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/tasks"+tablestore.UsersTableSuffix+"(")
	}}
	store, cs := gatedStore(t, crash)
	w := newWriter(t, store, "00000000-0000-4000-8000-0000000a000a")
	ctx := context.Background()
	w.create("one")
	crash.mu.Lock()
	crash.armed = true
	crash.mu.Unlock()
	if _, err := store.EraseTasks(ctx, w.owner, time.Now().Add(time.Hour)); err == nil {
		t.Fatal("the erase whose index step died succeeded")
	}
	again, err := store.EraseTasks(ctx, w.owner, time.Now().Add(time.Hour))
	if err != nil || again.Erased != 0 || again.Remaining != 0 {
		t.Fatalf("erase again: %+v, %v", again, err)
	}
	if indexed(t, cs, w.owner) {
		t.Errorf("the erased user is still in the users index after the erase was run again")
	}
}
