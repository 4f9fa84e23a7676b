package tablestore

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// Create inserts t; the insert never overwrites (ids are unique, but a retry must not clobber).
func (s *Store) Create(ctx context.Context, owner string, t tasks.Task) (tasks.Task, error) {
	var resp aztables.AddEntityResponse
	err := withTable(ctx, s.table, func() (err error) {
		resp, err = s.table.AddEntity(ctx, toEntity(owner, t), nil)
		return err
	})
	if err != nil {
		return tasks.Task{}, classify("create task", err)
	}
	t.ETag = string(resp.ETag)
	return t, nil
}

// Get reads one task of owner.
func (s *Store) Get(ctx context.Context, owner, id string) (tasks.Task, error) {
	resp, err := s.table.GetEntity(ctx, owner, id, nil)
	if err != nil {
		return tasks.Task{}, classify("get task", err)
	}
	return fromEntity(resp.Value, string(resp.ETag))
}

// Update reads the task, applies p and writes it back on condition that nobody wrote in
// between (the stored ETag). A caller's ifMatch must allow that ETag. Without one, a lost
// race is retried a few times, so that last-writer-wins callers still never overwrite a
// change they did not see with stale fields.
func (s *Store) Update(ctx context.Context, owner, id string, p tasks.Patch, ifMatch tasks.IfMatch, now time.Time) (tasks.Task, error) {
	const attempts = 3
	for i := 0; ; i++ {
		current, err := s.Get(ctx, owner, id)
		if err != nil {
			return tasks.Task{}, err
		}
		if !ifMatch.Allows(current.ETag) {
			return tasks.Task{}, tasks.ErrPreconditionFailed
		}
		next := apply(current, p, now)
		etag := azcore.ETag(current.ETag)
		resp, err := s.table.UpdateEntity(ctx, toEntity(owner, next), &aztables.UpdateEntityOptions{
			IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace,
		})
		err = classify("update task", err)
		switch {
		case err == nil:
			next.ETag = string(resp.ETag)
			return next, nil
		case isPreconditionFailed(err) && ifMatch == nil && i+1 < attempts:
			continue
		default:
			return tasks.Task{}, err
		}
	}
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

// Delete removes the task; with ifMatch, only if ifMatch allows its ETag. The condition is
// checked here against the stored ETag, which then goes to the service as the delete's own
// condition: the client's tags never reach the service, whatever their form, and a write
// in between still fails the delete with 412.
func (s *Store) Delete(ctx context.Context, owner, id string, ifMatch tasks.IfMatch) error {
	var opts *aztables.DeleteEntityOptions
	if ifMatch != nil {
		current, err := s.Get(ctx, owner, id)
		if err != nil {
			return err
		}
		if !ifMatch.Allows(current.ETag) {
			return tasks.ErrPreconditionFailed
		}
		etag := azcore.ETag(current.ETag)
		opts = &aztables.DeleteEntityOptions{IfMatch: &etag}
	}
	_, err := s.table.DeleteEntity(ctx, owner, id, opts)
	return classify("delete task", err)
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
