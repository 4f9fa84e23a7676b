package tablestore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// Every write is one entity group transaction in the owner's partition: the task, the account
// row (count, who, when) and, for a create with an Idempotency-Key, the key's row. In steady
// state a create is two round trips (read the account row; the transaction), an update two
// (read the task; the transaction) and a delete two latencies (the task and the account row
// read in parallel; the transaction), whatever the owner's task count.

// Create inserts the task, counts it and, with a key, remembers the key, all or nothing.
func (s *Store) Create(ctx context.Context, owner string, n tasks.NewTask) (tasks.Created, error) {
	unlock, err := s.locks.lock(ctx, owner)
	if err != nil {
		return tasks.Created{}, err
	}
	defer unlock()
	return retryRaces(ctx, func() (tasks.Created, error) { return s.createOnce(ctx, owner, n) })
}

// Positions of a create's operations in its transaction.
const (
	createTask = iota
	createAccount
	createKey
)

func (s *Store) createOnce(ctx context.Context, owner string, n tasks.NewTask) (tasks.Created, error) {
	acct, err := s.readAccountOrTable(ctx, owner)
	if err != nil {
		return tasks.Created{}, err
	}
	if n.Limit > 0 && acct.row.Count >= n.Limit {
		if n.Key != "" { // a repeat of a create that filled the last place is still a repeat
			if c, err := s.replay(ctx, owner, n); !errors.Is(err, tasks.ErrNotFound) {
				return c, err
			}
		}
		return tasks.Created{}, &tasks.LimitError{Limit: n.Limit}
	}
	if !acct.row.Indexed {
		if err := s.index(ctx, owner); err != nil {
			return tasks.Created{}, err
		}
	}
	row := acct.withCount(+1, tasks.Write{At: n.Task.CreatedAt, By: n.By})
	row.Indexed = true
	var keyRow string
	actions := []aztables.TransactionAction{{ActionType: aztables.TransactionTypeAdd}, acct.writeAccount(row)}
	if n.Key != "" {
		keyRow = idempotencyRowKey(n.Key)
		actions = append(actions, addKeyRow(owner, keyRow, n))
	}
	actions[createTask].Entity = toEntity(owner, n.Task, keyRow)
	results, err := submit(ctx, s.table, "create task", actions)
	switch {
	case err == nil:
		t := n.Task
		t.ETag = string(results[createTask].ETag)
		return tasks.Created{Task: t}, nil
	case failedAt(err, createKey, 409):
		return s.replay(ctx, owner, n) // the key was used before: answer as that create was
	case failedAt(err, createTask, 409):
		// Ids are never reused, so the task exists only if this very transaction was applied
		// once already and the SDK, not hearing back, sent it again: it was created.
		t, err := s.Get(ctx, owner, n.Task.ID)
		return tasks.Created{Task: t}, err
	case failedAt(err, createAccount, 409), failedAt(err, createAccount, 412):
		return tasks.Created{}, errRaceLost
	}
	return tasks.Created{}, err
}

// readAccountOrTable reads the account row as a create's first call, creating the tasks table
// if it is missing (a fresh emulator, or a start-up warm-up that has not finished).
func (s *Store) readAccountOrTable(ctx context.Context, owner string) (acct account, err error) {
	err = withTable(ctx, s.table, func() (err error) {
		acct, err = s.readAccount(ctx, owner)
		return err
	})
	return acct, err
}

// Get reads one task of owner.
func (s *Store) Get(ctx context.Context, owner, id string) (tasks.Task, error) {
	t, _, err := s.get(ctx, owner, id)
	return t, err
}

// get reads one task and the row key of its Idempotency-Key row.
func (s *Store) get(ctx context.Context, owner, id string) (tasks.Task, string, error) {
	resp, err := s.table.GetEntity(named(ctx, "get task"), owner, id, nil)
	if err != nil {
		return tasks.Task{}, "", classify("get task", err)
	}
	return decodeTask(resp.Value, string(resp.ETag))
}

// Update reads the task, applies p and writes it back on condition that nobody wrote in
// between (the stored ETag). A caller's ifMatch must allow that ETag. Without one, a lost
// race is retried, so that last-writer-wins callers still never overwrite a change they did
// not see with stale fields.
func (s *Store) Update(ctx context.Context, owner, id string, p tasks.Patch, ifMatch tasks.IfMatch, w tasks.Write) (tasks.Task, error) {
	unlock, err := s.locks.lock(ctx, owner)
	if err != nil {
		return tasks.Task{}, err
	}
	defer unlock()
	return retryRaces(ctx, func() (tasks.Task, error) {
		current, keyRow, err := s.get(ctx, owner, id)
		if err != nil {
			return tasks.Task{}, err
		}
		if !ifMatch.Allows(current.ETag) {
			return tasks.Task{}, tasks.ErrPreconditionFailed
		}
		next := apply(current, p, w.At)
		etag := azcore.ETag(current.ETag)
		taskOp := aztables.TransactionAction{ActionType: aztables.TransactionTypeUpdateReplace, Entity: toEntity(owner, next, keyRow), IfMatch: &etag}
		results, err := submit(ctx, s.table, "update task", []aztables.TransactionAction{taskOp, touchAccount(owner, w)})
		if failedAt(err, 1, 404) {
			// No account row (tasks from before account rows): add it, with their count.
			acct, aerr := s.readAccount(ctx, owner)
			if aerr != nil {
				return tasks.Task{}, classify("read account", aerr)
			}
			results, err = submit(ctx, s.table, "update task", []aztables.TransactionAction{taskOp, acct.writeAccount(acct.withCount(0, w))})
			if failedAt(err, 1, 409) {
				return tasks.Task{}, errRaceLost
			}
		}
		switch {
		case err == nil:
			next.ETag = string(results[0].ETag)
			return next, nil
		case failedAt(err, 0, 412):
			if stored, ok := s.ownWrite(ctx, owner, next); ok {
				// Refused because of its own change: the SDK sent it again after losing the
				// answer to one the service applied. That change is the stored task.
				return stored, nil
			}
			if ifMatch == nil {
				return tasks.Task{}, errRaceLost
			}
			return tasks.Task{}, tasks.ErrPreconditionFailed
		case failedAt(err, 0, 404):
			return tasks.Task{}, tasks.ErrNotFound
		}
		return tasks.Task{}, err
	})
}

// ownWrite reports whether owner's task is stored exactly as next, the version an update
// wrote: the same title and state, and the same UpdatedAt to the millisecond.
func (s *Store) ownWrite(ctx context.Context, owner string, next tasks.Task) (tasks.Task, bool) {
	stored, _, err := s.get(ctx, owner, next.ID)
	return stored, err == nil && stored.Title == next.Title && stored.Completed == next.Completed &&
		stored.UpdatedAt.Equal(next.UpdatedAt) && stored.CreatedAt.Equal(next.CreatedAt)
}

func apply(t tasks.Task, p tasks.Patch, now time.Time) tasks.Task {
	if p.Title != nil {
		t.Title = *p.Title
	}
	if p.Completed != nil {
		t.Completed = *p.Completed
	}
	t.UpdatedAt = now
	return t
}

// Delete removes the task, uncounts it and forgets its Idempotency-Key, all or nothing; with
// ifMatch, only if ifMatch allows the task's ETag. The condition is checked here against the
// stored ETag, which then goes to the service as the delete's own condition: the client's tags
// never reach the service, whatever their form, and a write in between still fails the delete.
func (s *Store) Delete(ctx context.Context, owner, id string, ifMatch tasks.IfMatch, w tasks.Write) error {
	unlock, err := s.locks.lock(ctx, owner)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = retryRaces(ctx, func() (struct{}, error) { return struct{}{}, s.deleteOnce(ctx, owner, id, ifMatch, w) })
	return err
}

func (s *Store) deleteOnce(ctx context.Context, owner, id string, ifMatch tasks.IfMatch, w tasks.Write) error {
	var (
		current  tasks.Task
		keyRow   string
		acct     account
		taskErr  error
		acctErr  error
		accounts = make(chan struct{})
	)
	go func() {
		acct, acctErr = s.readAccount(ctx, owner)
		acctErr = classify("read account", acctErr) // a missing table: no task either
		close(accounts)
	}()
	current, keyRow, taskErr = s.get(ctx, owner, id)
	<-accounts
	if err := errors.Join(taskErr, acctErr); err != nil {
		return err
	}
	if !ifMatch.Allows(current.ETag) {
		return tasks.ErrPreconditionFailed
	}
	etag := azcore.ETag(current.ETag)
	row := acct.withCount(-1, w)
	row.Txn = newTxn()
	actions := []aztables.TransactionAction{
		{ActionType: aztables.TransactionTypeDelete, Entity: keyEntity(owner, id), IfMatch: &etag},
		acct.writeAccount(row),
	}
	if keyRow != "" {
		star := azcore.ETag("*")
		actions = append(actions, aztables.TransactionAction{ActionType: aztables.TransactionTypeDelete, Entity: keyEntity(owner, keyRow), IfMatch: &star})
	}
	_, err := submit(ctx, s.table, "delete task", actions)
	if failedAt(err, 2, 404) {
		// The key row is gone while its task is not (an erase before key rows went only with
		// their tasks could leave that): nothing was applied, so delete the task alone. A retry
		// with the key row would fail the same way until the budget ends.
		_, err = submit(ctx, s.table, "delete task", actions[:2])
	}
	switch {
	case err == nil:
		return nil
	case failedAt(err, 0, 404):
		if _, ok := s.applied(ctx, owner, row.Txn); ok {
			return nil // deleted by this very transaction, which the SDK sent twice
		}
		return tasks.ErrNotFound // deleted meanwhile
	case failedAt(err, 0, 412) && ifMatch != nil:
		return tasks.ErrPreconditionFailed
	case failedAt(err, 0, 412), failedAt(err, 1, 409), failedAt(err, 1, 412):
		return errRaceLost
	}
	return err
}

// keyEntity is the entity a transaction's delete names: its keys alone.
func keyEntity(owner, rowKey string) []byte {
	b, _ := json.Marshal(map[string]string{"PartitionKey": owner, "RowKey": rowKey})
	return b
}

// withTable runs op and, if table is missing (a fresh emulator, or start-up warm-up that
// has not finished), creates it and runs op once more.
func withTable(ctx context.Context, table *aztables.Client, op func() error) error {
	err := op()
	if !hasCode(err, aztables.TableNotFound) {
		return err
	}
	if err := ensureTable(ctx, table); err != nil {
		return err
	}
	return op()
}

// CreateMany inserts ts in transactions of up to 99 tasks, each also counting its tasks on the
// account row, as Create does one at a time: for imports, and for tests and benchmarks that need
// a user with thousands of tasks. It applies no limit and remembers no Idempotency-Key.
func (s *Store) CreateMany(ctx context.Context, owner string, ts []tasks.Task, by tasks.Profile) error {
	for len(ts) > 0 {
		n := min(len(ts), maxBatch-1)
		chunk := ts[:n]
		ts = ts[n:]
		_, err := retryRaces(ctx, func() (struct{}, error) {
			unlock, err := s.locks.lock(ctx, owner)
			if err != nil {
				return struct{}{}, err
			}
			defer unlock()
			acct, err := s.readAccountOrTable(ctx, owner)
			if err != nil {
				return struct{}{}, err
			}
			if !acct.row.Indexed {
				if err := s.index(ctx, owner); err != nil {
					return struct{}{}, err
				}
			}
			actions := make([]aztables.TransactionAction, 0, n+1)
			for _, t := range chunk {
				actions = append(actions, aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: toEntity(owner, t, "")})
			}
			row := acct.withCount(n, tasks.Write{At: chunk[n-1].CreatedAt, By: by})
			row.Indexed = true
			actions = append(actions, acct.writeAccount(row))
			_, err = submit(ctx, s.table, "create tasks", actions)
			if failedAt(err, n, 409) || failedAt(err, n, 412) {
				return struct{}{}, errRaceLost
			}
			return struct{}{}, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
