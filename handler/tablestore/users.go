package tablestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// The users index is its own table, so that listing users never reads the tasks table: one
// entry per user who has (or had) tasks, PartitionKey a shard taken from the oid (its first two
// hex digits: 256 partitions, as random as the oids Entra issues), RowKey the oid. An entry
// holds nothing else: each user's count, name and last activity live in their account row (see
// account.go), exact and changed with every write, and the admin list reads them from there.
//
// Each tenant's entries are a key range of their own (see shardPrefix): the home tenant's are
// where they were before multi-tenant mode (the bare two hex digits), another tenant's carry its
// id before the shard. A listing reads its tenant's range with a PartitionKey filter, which the
// service applies, so one tenant's listing never reads another's entries.
//
// So the index changes only when a user gains their first task. It must never miss a user who
// has tasks, with no transaction across the two tables. The account row's Indexed flag carries
// that: a create writes the index entry first whenever the flag is not set, and then sets it in
// its transaction (conditional on the account row, like every write). Removing an entry (after
// an erase) runs the other way round, see unindex. Entries of users whose tasks are all deleted
// stay, and the list skips users with no tasks.

// userEntry is one user's entry in the index.
type userEntry struct {
	PartitionKey string `json:"PartitionKey"`
	RowKey       string `json:"RowKey"`
}

// Home shards are exactly two lower-case hex digits (oids are lower-cased where they enter:
// the verifier and the {userId} path check), so they all lie in [homeLow, homeHigh).
const (
	homeLow  = "0"
	homeHigh = "g"
)

// tenantMark starts every other tenant's shards: a letter after 'f', so that they sort after
// every home shard and no tenant id, even one starting with the same hex digits as home oids,
// falls in the home range.
const tenantMark = "t"

// shardPrefix is what a tenant's shards start with: nothing for the home tenant (its entries
// stay where single-tenant mode wrote them), "t<tid>_" for another. Tenant ids are GUIDs, which
// hold no '_', so no tenant's prefix starts with another's.
func shardPrefix(tenantID string) string {
	if tenantID == "" {
		return ""
	}
	return tenantMark + tenantID + "_"
}

// indexKey is owner's entry: the shard (its tenant's prefix, then the oid's first two hex
// digits) and the oid.
func indexKey(owner string) (pk, rk string) {
	tid, oid := tasks.SplitOwner(owner)
	return shardPrefix(tid) + oid[:2], oid
}

// tenantFilter selects tenant's entries alone: a PartitionKey range, which the service reads
// as one (the home range, or everything after the tenant's prefix and before the next
// character, '`' following '_').
func tenantFilter(t tasks.Tenant) string {
	low, high := homeLow, homeHigh
	if !t.Home {
		prefix := shardPrefix(t.ID)
		low, high = prefix, prefix[:len(prefix)-1]+"`"
	}
	return "PartitionKey ge '" + quote(low) + "' and PartitionKey lt '" + quote(high) + "'"
}

// index writes owner's entry (again: an upsert, so that a retry or a second create is harmless).
func (s *Store) index(ctx context.Context, owner string) error {
	pk, rk := indexKey(owner)
	body, _ := json.Marshal(userEntry{PartitionKey: pk, RowKey: rk})
	err := withTable(ctx, s.users, func() error {
		_, err := s.users.UpsertEntity(named(ctx, "update users index"), body, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
		return err
	})
	return classify("update users index", err)
}

// unindex removes owner's entry if they have no tasks, without ever losing a user who gains one
// meanwhile: it reads the account (count 0, Indexed) and the entry's ETag, then clears Indexed
// (and the name and email, which nobody needs once the tasks are gone) on condition that the
// account is unchanged, and only then deletes the entry on condition that it is unchanged. A
// create that read the account before that condition loses its race and reads it again, now
// without Indexed, so it writes the entry (a new ETag, which fails this delete if it has not
// happened yet, and stands if it has).
//
// acct is the account as the caller just read it; the conditional write below is what makes
// acting on it safe, so there is no need to read it again.
func (s *Store) unindex(ctx context.Context, owner string, acct account) error {
	if acct.row.Count > 0 {
		return nil
	}
	pk, rk := indexKey(owner)
	entry, err := s.users.GetEntity(named(ctx, "read users index"), pk, rk, nil)
	if err != nil && !hasStatus(err, 404) {
		return classify("read users index", err)
	}
	if err != nil && !acct.row.Indexed {
		return nil // neither entry nor flag: nothing to remove
	}
	// An entry without the flag is one left behind: by a process that died between the two
	// steps below, or by a create that died between writing it and its transaction. The
	// account write below fences it as it does a flagged one: a create that read the account
	// before it loses its race, and writes the entry again when it retries.
	row := acct.row
	row.Indexed, row.Name, row.Email, row.LastActivity, row.LastActivityType = false, "", "", "", ""
	row.Txn = newTxn()
	if _, err := submit(ctx, s.table, "update account", []aztables.TransactionAction{acct.writeAccount(row)}); err != nil {
		if !failedAt(err, 0, 412) {
			return err
		}
		if _, ok := s.applied(ctx, owner, row.Txn); !ok {
			return nil // a write came first: the user keeps their entry
		}
		// else: refused because the SDK sent it again after it was applied: go on
	}
	if err != nil { // no entry to delete
		return nil
	}
	etag := entry.ETag
	_, err = s.users.DeleteEntity(named(ctx, "update users index"), pk, rk, &aztables.DeleteEntityOptions{IfMatch: &etag})
	if hasStatus(err, 412) || hasStatus(err, 404) {
		return nil // written again meanwhile: it stays
	}
	return classify("update users index", err)
}

// listConcurrency bounds the account rows one page of the users list reads at once.
const listConcurrency = 8

// ListUsers reads one page of tenant's range of the users index, in its own order (shard, then
// oid), and each listed user's account row, for their exact count, name and last activity. Users
// who have no tasks left are not listed, so a page may be short. Each user's ID is their oid:
// the tenant is the caller's.
func (s *Store) ListUsers(ctx context.Context, tenant tasks.Tenant, limit int, cursor string) (tasks.UserPage, error) {
	l := listing{op: "list users", scope: tenantScope("admin users", tenant)}
	entities, next, err := listPage(ctx, s.users, l, limit, cursor, "RowKey", tenantFilter(tenant))
	if err != nil {
		return tasks.UserPage{}, err
	}
	oids := make([]string, len(entities))
	owners := make([]string, len(entities))
	for i, raw := range entities {
		var e userEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return tasks.UserPage{}, fmt.Errorf("tablestore: decode user entry: %w", err)
		}
		oids[i], owners[i] = e.RowKey, tenant.Owner(e.RowKey)
	}
	accounts, err := s.readAccounts(ctx, owners)
	if err != nil {
		return tasks.UserPage{}, err
	}
	page := tasks.UserPage{Items: make([]tasks.User, 0, len(owners)), Next: next}
	for i, acct := range accounts {
		if acct.row.Count == 0 {
			continue
		}
		last, _ := time.Parse(time.RFC3339Nano, acct.row.LastActivity) // zero if never written
		page.Items = append(page.Items, tasks.User{
			ID: oids[i], Name: acct.row.Name, Email: acct.row.Email, TaskCount: acct.row.Count, LastActivity: last.UTC(),
		})
	}
	return page, nil
}

// tenantScope binds a listing's cursors to tenant too: a cursor of one tenant's listing is
// refused in another's. The home tenant's scope is the listing's alone, as before tenants, so
// that its cursors stay valid across the change.
func tenantScope(listing string, t tasks.Tenant) string {
	if t.Home {
		return listing
	}
	return listing + "\x00tenant=" + t.ID
}

// readAccounts reads the account rows of owners, a few at a time.
func (s *Store) readAccounts(ctx context.Context, owners []string) ([]account, error) {
	accounts := make([]account, len(owners))
	errs := make([]error, len(owners))
	slots := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, owner := range owners {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			accounts[i], errs[i] = s.readAccount(ctx, owner)
			if hasCode(errs[i], aztables.TableNotFound) {
				accounts[i], errs[i] = account{}, nil // no tasks table: nobody has tasks
			}
		}()
	}
	wg.Wait()
	return accounts, errors.Join(errs...)
}

// eraseQuery is how many of a user's tasks an erase reads at a time; they are deleted in
// transactions of up to maxBatch-1 rows (tasks and their Idempotency-Key rows) plus the
// account row.
const eraseQuery = 1000

// EraseTasks deletes owner's tasks, each with its Idempotency-Key row, in entity group
// transactions of up to 99 rows, each of which also lowers the account row's count by the tasks
// it deleted: the count is exact after every transaction, whatever creates or deletes of the
// same user run meanwhile (a transaction that loses the race reads the account again; one that
// names a task deleted meanwhile reads what is left again). A key row is deleted only in the
// transaction that deletes its task, as Delete does: while a task exists its key row is its
// own, whereas a key row read earlier may by now belong to a task created since (its key freed
// by a delete and used again). Each call runs at least one transaction, and none starts after
// stopBy; the answer says what is left, and the next call goes on from there. When nothing is
// left, the user leaves the users index, also when stopBy has passed.
func (s *Store) EraseTasks(ctx context.Context, owner string, stopBy time.Time) (tasks.Erasure, error) {
	var done tasks.Erasure
	acct, err := s.readAccount(ctx, owner)
	if err != nil {
		return done, classify("read account", err)
	}
	// Who they were, from the row this erase reads anyway: once nothing is left, unindex clears
	// the name and email from it, and the audit record is then the only place that names them.
	done.Subject = tasks.Profile{Name: acct.row.Name, Email: acct.row.Email}
	stopped := false
	for !stopped {
		items, err := s.eraseItems(ctx, owner)
		if err != nil {
			return done, err
		}
		if len(items) == 0 {
			break
		}
		for len(items) > 0 && !stopped {
			n, rows := 0, 0
			for n < len(items) && rows+items[n].rows() <= maxBatch-1 {
				rows += items[n].rows()
				n++
			}
			erased, err := s.eraseBatch(ctx, owner, items[:n], &acct)
			done.Erased += erased
			switch {
			case errors.Is(err, errTasksGone):
				items = nil // read what is left again
				if acct, err = s.readAccount(ctx, owner); err != nil {
					return done, classify("read account", err)
				}
			case err != nil:
				return done, err
			default:
				items = items[n:]
			}
			if time.Now().After(stopBy) {
				if acct.row.Count > 0 {
					done.Remaining = acct.row.Count
					return done, nil
				}
				stopped = true // nothing left to erase: finish below
			}
		}
	}
	if acct, err = s.readAccount(ctx, owner); err != nil {
		return done, classify("read account", err)
	}
	done.Remaining = acct.row.Count // tasks created since the last read of the tasks
	if done.Remaining == 0 {
		return done, s.unindex(ctx, owner, acct)
	}
	return done, nil
}

// eraseItem is a task an erase deletes and its Idempotency-Key row ("" for none).
type eraseItem struct{ task, keyRow string }

func (it eraseItem) rows() int {
	if it.keyRow == "" {
		return 1
	}
	return 2
}

// eraseItems reads up to eraseQuery of owner's tasks (keys only), each with its key row.
func (s *Store) eraseItems(ctx context.Context, owner string) ([]eraseItem, error) {
	filter := taskFilter(owner)
	sel, top := "RowKey,IdemRow", int32(eraseQuery)
	resp, err := s.table.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel, Top: &top}).NextPage(named(ctx, "list tasks to erase"))
	if hasCode(err, aztables.TableNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, classify("list tasks to erase", err)
	}
	items := make([]eraseItem, 0, len(resp.Entities))
	for _, raw := range resp.Entities {
		var k struct{ RowKey, IdemRow string }
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("tablestore: decode row key: %w", err)
		}
		items = append(items, eraseItem{task: k.RowKey, keyRow: k.IdemRow})
	}
	return items, nil
}

// errTasksGone says that a task an erase transaction named was deleted meanwhile (by its
// owner, or another erase): the transaction changed nothing, and what is left must be read
// again. Dropping the one row the service named and retrying instead costs a round trip for
// every row already gone: 990 of them when another erase came first.
var errTasksGone = errors.New("tablestore: a task to erase was deleted meanwhile")

// eraseBatch deletes items (each task with its key row) and uncounts them in one transaction,
// under the owner's lock, and returns how many tasks it deleted. acct is the account as last
// known: kept up to date from each transaction's answer, so that a run of batches reads it
// again only after losing a race.
func (s *Store) eraseBatch(ctx context.Context, owner string, items []eraseItem, acct *account) (int, error) {
	unlock, err := s.locks.lock(ctx, owner)
	if err != nil {
		return 0, err
	}
	defer unlock()
	items = append([]eraseItem(nil), items...)
	stale := false
	return retryRaces(ctx, func() (int, error) {
		if stale {
			fresh, err := s.readAccount(ctx, owner)
			if err != nil {
				return 0, classify("read account", err)
			}
			*acct, stale = fresh, false
		}
		star := azcore.ETag("*")
		actions := make([]aztables.TransactionAction, 0, maxBatch)
		keyOf := map[int]int{} // position of a key row's delete -> its item
		for i, it := range items {
			actions = append(actions, aztables.TransactionAction{ActionType: aztables.TransactionTypeDelete, Entity: keyEntity(owner, it.task), IfMatch: &star})
			if it.keyRow != "" {
				keyOf[len(actions)] = i
				actions = append(actions, aztables.TransactionAction{ActionType: aztables.TransactionTypeDelete, Entity: keyEntity(owner, it.keyRow), IfMatch: &star})
			}
		}
		row := acct.row
		row.PartitionKey, row.RowKey = owner, accountRowKey
		row.Count = max(row.Count-len(items), 0)
		row.Txn = newTxn()
		actions = append(actions, acct.writeAccount(row))
		results, err := submit(ctx, s.table, "erase tasks", actions)
		var be *batchError
		switch {
		case err == nil:
			*acct = account{row: row, etag: results[len(actions)-1].ETag}
			return len(items), nil
		case errors.As(err, &be) && be.Index == len(actions)-1:
			stale = true // the account changed: read it again
			return 0, errRaceLost
		case errors.As(err, &be) && be.Status == 404 && be.Index >= 0 && be.Index < len(actions)-1:
			if i, ok := keyOf[be.Index]; ok {
				items[i].keyRow = "" // a task whose key row is already gone: delete it alone
				return 0, errRaceLost
			}
			if fresh, ok := s.applied(ctx, owner, row.Txn); ok {
				// Its first task is gone because this very transaction deleted it: the SDK
				// sent it again after losing the answer to one the service applied.
				*acct = fresh
				return len(items), nil
			}
			return 0, errTasksGone
		}
		return 0, err
	})
}
