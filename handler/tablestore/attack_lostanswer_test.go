package tablestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// loseAnswer is a per-retry policy: once armed, it lets the next $batch reach the service and
// then loses the service's answer, as a connection reset or a try time-out after the service
// applied the transaction does. The SDK's retry policy then sends the same transaction again.
type loseAnswer struct {
	mu    sync.Mutex
	armed bool
	lost  int
	match func(*http.Request) bool // nil: $batch requests
}

func (l *loseAnswer) arm() { l.mu.Lock(); l.armed = true; l.mu.Unlock() }

func (l *loseAnswer) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	match := l.match
	if match == nil {
		match = func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/$batch") }
	}
	if !match(req.Raw()) || err != nil {
		return resp, err
	}
	l.mu.Lock()
	lose := l.armed
	l.armed = false
	if lose {
		l.lost++
	}
	l.mu.Unlock()
	if !lose {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("connection reset by peer (the answer was lost)")
}

func lossyStore(t *testing.T) (*Store, *loseAnswer) {
	t.Helper()
	lose := &loseAnswer{}
	opts := ClientOptions()
	opts.PerRetryPolicies = append(opts.PerRetryPolicies, lose)
	store, err := newFromConnectionString(testenv.StartAzurite(t).ConnectionString(), "tasks", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store, lose
}

var atkIDs = tasks.NewIDGenerator(nil)

func atkTask(title string) tasks.Task {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return tasks.Task{ID: atkIDs.New(), Title: title, CreatedAt: now, UpdatedAt: now}
}

func atkWrite() tasks.Write {
	return tasks.Write{At: time.Now().UTC().Truncate(time.Millisecond), By: tasks.Profile{Name: "Ada"}}
}

// The SDK resends a transaction whose answer it did not get (MaxRetries 2). When the first
// send was applied, the resend is refused on the write's own result, and the store reads that
// refusal as someone else's doing:
//   - a PATCH with If-Match is answered 412 "the task has changed", although the change is
//     the client's own and it is stored;
//   - a DELETE is answered 404, although it deleted the task;
//   - an erase transaction of 99 tasks is counted as 0 erased (the answer and the audit record
//     say so), after dropping its 99 rows one 404 at a time, a round trip and a backoff each.
//
// A create is the one write that resolves it (a 409 on its own task row means it was applied).
func TestAttackALostTransactionAnswerIsReadAsSomeoneElsesWrite(t *testing.T) {
	store, lose := lossyStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000a0003"

	t.Run("update with If-Match", func(t *testing.T) {
		c, err := store.Create(ctx, owner, tasks.NewTask{Task: atkTask("answer lost"), By: tasks.Profile{Name: "Ada"}})
		if err != nil {
			t.Fatal(err)
		}
		done := true
		lose.arm()
		got, err := store.Update(ctx, owner, c.Task.ID, tasks.Patch{Completed: &done}, tasks.IfMatch{c.Task.ETag}, atkWrite())
		if lose.lost != 1 {
			t.Fatalf("%d answers lost", lose.lost)
		}
		stored, _ := store.Get(ctx, owner, c.Task.ID)
		if err != nil || !got.Completed || got.ETag != stored.ETag {
			t.Errorf("update whose answer was lost after it was applied: %+v, %v; stored %+v; want the stored task", got, err, stored)
		}
	})

	t.Run("delete", func(t *testing.T) {
		c, err := store.Create(ctx, owner, tasks.NewTask{Task: atkTask("answer lost"), By: tasks.Profile{Name: "Ada"}})
		if err != nil {
			t.Fatal(err)
		}
		lose.arm()
		if err := store.Delete(ctx, owner, c.Task.ID, nil, atkWrite()); err != nil {
			t.Errorf("delete whose answer was lost after it was applied: %v, want success", err)
		}
	})

	t.Run("create with a key", func(t *testing.T) { // could not break: passes
		const owner = "00000000-0000-4000-8000-0000000a0005"
		n := tasks.NewTask{Task: atkTask("answer lost"), By: tasks.Profile{Name: "Ada"}, Key: "lost-1"}
		lose.arm()
		c, err := store.Create(ctx, owner, n)
		if err != nil || c.Task.ID != n.Task.ID {
			t.Errorf("create whose answer was lost: %+v, %v", c, err)
		}
		if acct, err := store.readAccount(ctx, owner); err != nil || acct.row.Count != 1 {
			t.Errorf("count %d, %v; want 1", acct.row.Count, err)
		}
	})

	t.Run("erase", func(t *testing.T) {
		const victim = "00000000-0000-4000-8000-0000000a0004"
		ts := make([]tasks.Task, 99)
		for i := range ts {
			ts[i] = atkTask(fmt.Sprint("seeded ", i))
		}
		if err := store.CreateMany(ctx, victim, ts, tasks.Profile{Name: "Ada"}); err != nil {
			t.Fatal(err)
		}
		lose.arm()
		done, err := store.EraseTasks(ctx, victim, time.Now().Add(time.Hour))
		if err != nil || done.Erased != 99 || done.Remaining != 0 {
			t.Errorf("erase whose first answer was lost: %+v, %v; want 99 erased, 0 remaining", done, err)
		}
	})
}

// The same lost answer on the audit log: AppendAudit adds its record with AddEntity, which the
// SDK resends; the resend finds the record it added and is refused 409, which classify passes on
// as an unclassified error. Every admin action (list users, read a user's tasks, erase) is then
// answered 500 with an ERROR line, although its record was written; a record id is random, so
// a 409 on it can only be this very record.
func TestAttackALostAuditAnswerIsA500(t *testing.T) {
	store, lose := lossyStore(t)
	lose.match = func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/tasks"+AuditTableSuffix)
	}
	ctx := context.Background()
	lose.arm()
	id, err := store.AppendAudit(ctx, tasks.Tenant{Home: true}, tasks.AuditRecord{At: time.Now(), ActorID: "a", Action: tasks.ActionListUsers, State: tasks.AuditCompleted})
	if lose.lost != 1 {
		t.Fatalf("%d answers lost", lose.lost)
	}
	if err != nil {
		t.Errorf("an audit record whose answer was lost after it was added: %v (ErrUnavailable: %v; a 500 when not)", err, errors.Is(err, tasks.ErrUnavailable))
	}
	page, lerr := store.ListAudit(ctx, tasks.Tenant{Home: true}, 10, "")
	if lerr != nil || len(page.Items) != 1 || (err == nil && page.Items[0].ID != id) {
		t.Errorf("audit log: %+v, %v; want the one record %q", page.Items, lerr, id)
	}
}
