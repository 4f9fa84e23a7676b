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
	err := s.withTable(ctx, func() (err error) {
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
// between (the stored ETag). A caller-supplied ifMatch must equal that ETag. Without one, a
// lost race is retried a few times, so that last-writer-wins callers still never overwrite
// a change they did not see with stale fields.
func (s *Store) Update(ctx context.Context, owner, id string, p tasks.Patch, ifMatch string, now time.Time) (tasks.Task, error) {
	const attempts = 3
	for i := 0; ; i++ {
		current, err := s.Get(ctx, owner, id)
		if err != nil {
			return tasks.Task{}, err
		}
		if ifMatch != "" && ifMatch != current.ETag {
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
		case isPreconditionFailed(err) && ifMatch == "" && i+1 < attempts:
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

// Delete removes the task; with ifMatch, only if it is unchanged.
func (s *Store) Delete(ctx context.Context, owner, id, ifMatch string) error {
	var opts *aztables.DeleteEntityOptions
	if ifMatch != "" {
		etag := azcore.ETag(ifMatch)
		opts = &aztables.DeleteEntityOptions{IfMatch: &etag}
	}
	_, err := s.table.DeleteEntity(ctx, owner, id, opts)
	return classify("delete task", err)
}

// withTable runs op and, if the table is missing (a fresh emulator, or start-up warm-up that
// has not finished), creates it and runs op once more.
func (s *Store) withTable(ctx context.Context, op func() error) error {
	err := op()
	if !hasCode(err, aztables.TableNotFound) {
		return err
	}
	if err := s.EnsureTable(ctx); err != nil {
		return err
	}
	return op()
}
