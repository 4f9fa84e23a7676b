package tablestore

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// The users index is its own table, so that listing users never reads the tasks table. Its
// PartitionKey is a shard taken from the oid (its first two hex digits: 256 partitions, as
// random as the oids Entra issues), so that ordinary users' writes to their own entries
// spread over many partitions; Table Storage serves about 2,000 entities a second per
// partition. RowKey is the oid.

// userEntity is one user's entry in the index.
type userEntity struct {
	PartitionKey     string `json:"PartitionKey"`
	RowKey           string `json:"RowKey"`
	Name             string `json:"Name"`
	Email            string `json:"Email"`
	TaskCount        int    `json:"TaskCount"`
	LastActivity     string `json:"LastActivity"`
	LastActivityType string `json:"LastActivity@odata.type,omitempty"`
}

func userShard(owner string) string { return owner[:2] }

// indexAttempts bounds the optimistic-concurrency loop of refreshUser; each lost race means
// another write of the same user just refreshed the entry. Between attempts it waits a random
// while that grows with each loss, so that many writes of one user at once (a script, several
// tabs) take turns instead of all retrying in step: without it, 16 at once exhausted 8 attempts.
const (
	indexAttempts    = 10
	indexBackoffBase = 5 * time.Millisecond
	indexBackoffMax  = 200 * time.Millisecond
)

// backoff waits a random time below base * 2^attempt (at most indexBackoffMax), or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	limit := min(indexBackoffBase<<attempt, indexBackoffMax)
	timer := time.NewTimer(rand.N(limit))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("update users index: %w", ctx.Err())
	}
}

// RecordActivity refreshes owner's index entry after a write to their tasks.
func (s *Store) RecordActivity(ctx context.Context, owner string, profile tasks.Profile, at time.Time) error {
	return s.refreshUser(ctx, owner, func(e *userEntity) {
		e.Name, e.Email = profile.Name, profile.Email
		if last, err := time.Parse(time.RFC3339Nano, e.LastActivity); err != nil || at.After(last) {
			e.LastActivity = at.UTC().Format(time.RFC3339Nano)
		}
	})
}

// refreshUser recounts owner's tasks and writes the count, with change applied (nil: keep the
// rest as it is), on condition that the entry has not changed since it was read; a lost race
// starts over. So the last write to succeed counted after every write before it had been
// made: the count is right after any mix of concurrent writes, and one that failed half way
// (task written, entry not) is mended by the user's next write. The cost is a keys-only query
// of the user's partition per task write (one round trip up to 1,000 tasks); reads do none.
func (s *Store) refreshUser(ctx context.Context, owner string, change func(*userEntity)) error {
	for attempt := range indexAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		entry, etag, err := s.getUser(ctx, owner)
		if err != nil {
			return err
		}
		n, err := s.countTasks(ctx, owner)
		if err != nil {
			return err
		}
		entry.TaskCount = n
		if change != nil {
			change(&entry)
		}
		err = s.writeUser(ctx, entry, etag)
		if hasStatus(err, 409) || hasStatus(err, 412) || hasStatus(err, 404) {
			continue // someone else refreshed the entry since we read it: read and count again
		}
		return classify("update users index", err)
	}
	return fmt.Errorf("update users index: %d conflicting writes in a row: %w", indexAttempts, tasks.ErrUnavailable)
}

// getUser reads owner's entry; etag is "" when there is none yet.
func (s *Store) getUser(ctx context.Context, owner string) (userEntity, azcore.ETag, error) {
	entry := userEntity{PartitionKey: userShard(owner), RowKey: owner, LastActivityType: edmDateTime}
	resp, err := s.users.GetEntity(ctx, entry.PartitionKey, owner, nil)
	if hasStatus(err, 404) { // no entry, or no table yet
		return entry, "", nil
	}
	if err != nil {
		return entry, "", classify("read users index", err)
	}
	if err := json.Unmarshal(resp.Value, &entry); err != nil {
		return entry, "", fmt.Errorf("tablestore: decode user entry: %w", err)
	}
	entry.LastActivityType = edmDateTime
	return entry, resp.ETag, nil
}

// writeUser stores entry on condition etag ("": that there is none); an entry with no tasks
// is removed. The service's 409 or 412 means the condition failed.
func (s *Store) writeUser(ctx context.Context, entry userEntity, etag azcore.ETag) error {
	switch {
	case entry.TaskCount == 0 && etag == "":
		return nil
	case entry.TaskCount == 0:
		_, err := s.users.DeleteEntity(ctx, entry.PartitionKey, entry.RowKey, &aztables.DeleteEntityOptions{IfMatch: &etag})
		return err
	}
	body, _ := json.Marshal(entry) // strings and an int always marshal
	if etag == "" {
		return withTable(ctx, s.users, func() error {
			_, err := s.users.AddEntity(ctx, body, nil)
			return err
		})
	}
	_, err := s.users.UpdateEntity(ctx, body, &aztables.UpdateEntityOptions{IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace})
	return err
}

// countTasks counts owner's tasks with a keys-only query of their partition.
func (s *Store) countTasks(ctx context.Context, owner string) (int, error) {
	n := 0
	err := s.eachTaskKey(ctx, owner, func([]string) error { return nil }, &n)
	return n, err
}

// eachTaskKey pages through the row keys of owner's tasks, calling page with each page's
// keys and adding their number to n. A missing table holds no tasks.
func (s *Store) eachTaskKey(ctx context.Context, owner string, page func(keys []string) error, n *int) error {
	filter := ownerFilter(owner)
	sel := "RowKey"
	pager := s.table.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	for pager.More() {
		resp, err := pager.NextPage(ctx)
		if hasCode(err, aztables.TableNotFound) {
			return nil
		}
		if err != nil {
			return classify("list task keys", err)
		}
		keys := make([]string, 0, len(resp.Entities))
		for _, raw := range resp.Entities {
			var k struct{ RowKey string }
			if err := json.Unmarshal(raw, &k); err != nil {
				return fmt.Errorf("tablestore: decode task key: %w", err)
			}
			keys = append(keys, k.RowKey)
		}
		*n += len(keys)
		if err := page(keys); err != nil {
			return err
		}
	}
	return nil
}

// EraseTasks deletes owner's tasks one by one, counting those this call deleted (a task
// already gone is not counted), then refreshes the index entry, which goes once the count is
// zero. Nothing depends on a previous attempt having finished: after a failure half way, a
// retry deletes what is left and counts only that.
func (s *Store) EraseTasks(ctx context.Context, owner string) (int, error) {
	erased, seen := 0, 0
	err := s.eachTaskKey(ctx, owner, func(keys []string) error {
		for _, id := range keys {
			_, err := s.table.DeleteEntity(ctx, owner, id, nil)
			switch {
			case err == nil:
				erased++
			case !hasStatus(err, 404):
				return classify("erase tasks", err)
			}
		}
		return nil
	}, &seen)
	if err != nil {
		return erased, err
	}
	return erased, s.refreshUser(ctx, owner, nil)
}

// ListUsers reads one page of the users index, in its own order (shard, then oid).
func (s *Store) ListUsers(ctx context.Context, limit int, cursor string) (tasks.UserPage, error) {
	entities, next, err := listPage(ctx, s.users, listing{op: "list users", scope: "admin users"}, limit, cursor, "RowKey,Name,Email,TaskCount,LastActivity", "")
	if err != nil {
		return tasks.UserPage{}, err
	}
	page := tasks.UserPage{Items: make([]tasks.User, 0, len(entities)), Next: next}
	for _, raw := range entities {
		var e userEntity
		if err := json.Unmarshal(raw, &e); err != nil {
			return tasks.UserPage{}, fmt.Errorf("tablestore: decode user entry: %w", err)
		}
		last, err := time.Parse(time.RFC3339Nano, e.LastActivity)
		if err != nil {
			return tasks.UserPage{}, fmt.Errorf("tablestore: user entry %s: %w", e.RowKey, err)
		}
		page.Items = append(page.Items, tasks.User{
			ID: e.RowKey, Name: e.Name, Email: e.Email, TaskCount: e.TaskCount, LastActivity: last.UTC(),
		})
	}
	return page, nil
}
