package tablestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// Each user's partition holds, beside their tasks, their account row: the exact number of
// tasks they have, whether the users index lists them, and who they were on their latest write.
// Every write to a task changes the account row in the same entity group transaction, on
// condition that it has not changed since it was read (its ETag), so the count is exact after
// any mix of concurrent writes and costs the same at 1 task or 10,000: no write reads the
// user's other tasks. The design this replaces recounted the whole partition on every write.
//
// Row keys: task ids are Crockford base32 (0-9, A-Z), and every other row of a partition starts
// with '~' (0x7E), after all of them: a task query is the row key range below '~'.
const (
	accountRowKey = "~user"
	bookkeeping   = "~"
)

// accountRow is the account row as stored.
type accountRow struct {
	PartitionKey     string `json:"PartitionKey"`
	RowKey           string `json:"RowKey"`
	Count            int    `json:"Count"`
	Indexed          bool   `json:"Indexed"`
	Name             string `json:"Name"`
	Email            string `json:"Email"`
	LastActivity     string `json:"LastActivity,omitempty"`
	LastActivityType string `json:"LastActivity@odata.type,omitempty"`
	// Txn is drawn at random by the write that last replaced the row in a delete, an erase or an
	// unindex (other writes keep it): when such a transaction is refused in a way its own
	// success would explain (the SDK sent it again after losing the answer to one the service
	// had applied), finding its Txn on the row says that it was applied.
	Txn string `json:"Txn,omitempty"`
}

// newTxn draws a Txn.
func newTxn() string {
	var b [12]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// applied reports whether the transaction that wrote txn on owner's account row was applied.
func (s *Store) applied(ctx context.Context, owner, txn string) (account, bool) {
	acct, err := s.readAccount(ctx, owner)
	return acct, err == nil && acct.row.Txn == txn
}

// account is an account row as read, with its ETag ("" when the user has no row yet).
type account struct {
	row  accountRow
	etag azcore.ETag
}

func (a account) exists() bool { return a.etag != "" }

// readAccount reads owner's account row; a user without one has no tasks. A missing table is
// an error that withTable recognises (hasCode TableNotFound), not an empty account: the
// transaction that follows needs the table.
func (s *Store) readAccount(ctx context.Context, owner string) (account, error) {
	resp, err := s.table.GetEntity(named(ctx, "read account"), owner, accountRowKey, nil)
	if hasStatus(err, 404) && !hasCode(err, aztables.TableNotFound) {
		// No account row: a user who has never written, or one whose tasks were written before
		// account rows existed (nothing else migrates those). Count their tasks, once: the first
		// write adds the row with that count. A new user's partition is empty: one short query.
		n, err := s.countTasks(ctx, owner)
		if err != nil {
			return account{}, err
		}
		return account{row: accountRow{PartitionKey: owner, RowKey: accountRowKey, Count: n}}, nil
	}
	if hasCode(err, aztables.TableNotFound) {
		return account{}, err
	}
	if err != nil {
		return account{}, classify("read account", err)
	}
	var row accountRow
	if err := json.Unmarshal(resp.Value, &row); err != nil {
		return account{}, fmt.Errorf("tablestore: decode account row: %w", err)
	}
	return account{row: row, etag: resp.ETag}, nil
}

// countTasks counts owner's tasks (keys only, page by page): only for a user without an
// account row.
func (s *Store) countTasks(ctx context.Context, owner string) (int, error) {
	filter, sel := taskFilter(owner), "RowKey"
	pager := s.table.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	n := 0
	for pager.More() {
		page, err := pager.NextPage(named(ctx, "count tasks"))
		if err != nil {
			return 0, classify("count tasks", err)
		}
		n += len(page.Entities)
	}
	return n, nil
}

// withCount is the account row after a write that changes the count by delta, by w.
func (a account) withCount(delta int, w tasks.Write) accountRow {
	row := a.row
	row.PartitionKey, row.RowKey = a.row.PartitionKey, accountRowKey
	row.Count = max(row.Count+delta, 0)
	if w.By.Known() { // else an app's write: the owner's name and email stay as they were
		row.Name, row.Email = w.By.Name, w.By.Email
	}
	row.LastActivity, row.LastActivityType = w.At.UTC().Format(time.RFC3339Nano), edmDateTime
	return row
}

// writeAccount is the transaction's operation that stores row on condition that the account
// is still as read: added if there was none (a concurrent first write makes it fail with 409),
// replaced if its ETag still matches (412 otherwise).
func (a account) writeAccount(row accountRow) aztables.TransactionAction {
	body, _ := json.Marshal(row) // strings, an int and a bool always marshal
	if !a.exists() {
		return aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: body}
	}
	etag := a.etag
	return aztables.TransactionAction{ActionType: aztables.TransactionTypeUpdateReplace, Entity: body, IfMatch: &etag}
}

// touchAccount is the operation a write that leaves the count alone (an update) makes: it
// records who wrote and when, on any version of the row (a merge, so the count is not touched).
// The row must exist (If-Match: *; aztables sends a merge without If-Match as insert-or-merge,
// which would create a row without a count): only data from before account rows lacks one, and
// the update then adds it with the user's count (see Update).
// A write by someone else than the owner (an app: w.By is not Known) leaves the name and email
// out of the merge, so they stay the owner's own.
func touchAccount(owner string, w tasks.Write) aztables.TransactionAction {
	fields := map[string]string{
		"PartitionKey": owner, "RowKey": accountRowKey,
		"LastActivity": w.At.UTC().Format(time.RFC3339Nano), "LastActivity@odata.type": edmDateTime,
	}
	if w.By.Known() {
		fields["Name"], fields["Email"] = w.By.Name, w.By.Email
	}
	body, _ := json.Marshal(fields)
	star := azcore.ETag("*")
	return aztables.TransactionAction{ActionType: aztables.TransactionTypeUpdateMerge, Entity: body, IfMatch: &star}
}

// errRaceLost says that another write of the same user changed the account row between this
// write's read and its transaction, which then changed nothing: read again and retry.
var errRaceLost = fmt.Errorf("another write of the same user came first: %w", tasks.ErrUnavailable)

// Backoff between lost races: a random wait below base * 2^attempt, at most backoffMax.
const (
	backoffBase = 2 * time.Millisecond
	backoffMax  = 100 * time.Millisecond
)

// retryRaces runs op until it does not lose a race, until ctx ends. Within one process the
// owner's lock already lets one write at a time through, so races come only from other
// instances of the app: rare, and each one means that someone else's write went through.
func retryRaces[T any](ctx context.Context, op func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := op()
		if err != errRaceLost {
			return v, err
		}
		wait := time.NewTimer(mrand.N(min(backoffBase<<min(attempt, 10), backoffMax)))
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return v, fmt.Errorf("%w (gave up after %d attempts: %w)", errRaceLost, attempt+1, ctx.Err())
		}
	}
}

// ownerLocks lets one write at a time per user through, within this process. Without it, many
// writes of one user at once (a script, several tabs) would all read the same account row and
// all but one lose the race, over and over; with it they take turns, each costing the same two
// round trips. Locks are made on demand and dropped when nobody holds or waits for them.
type ownerLocks struct {
	mu    sync.Mutex
	locks map[string]*ownerLock
}

type ownerLock struct {
	token chan struct{} // holds one token while free
	users int           // holders and waiters
}

// lock waits for owner's lock, or until ctx ends; unlock must be called once after a nil error.
func (l *ownerLocks) lock(ctx context.Context, owner string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*ownerLock{}
	}
	ol := l.locks[owner]
	if ol == nil {
		ol = &ownerLock{token: make(chan struct{}, 1)}
		ol.token <- struct{}{}
		l.locks[owner] = ol
	}
	ol.users++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		if ol.users--; ol.users == 0 {
			delete(l.locks, owner)
		}
		l.mu.Unlock()
	}
	select {
	case <-ol.token:
		return func() { ol.token <- struct{}{}; release() }, nil
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("wait for the user's earlier writes: %w: %w", tasks.ErrUnavailable, ctx.Err())
	}
}
