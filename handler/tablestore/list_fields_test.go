package tablestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/tasks"
)

// List (newest first) asks the service only for the properties a task is made of ($select); every field,
// the ETag included, must still come back exactly as Create and Update returned it.
func TestListReturnsEveryFieldOfEveryTask(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000000f1"
	ids := tasks.NewIDGenerator(nil)
	var want []tasks.Task
	for _, title := range []string{"first", "second", "third"} {
		now := time.Now().UTC().Truncate(time.Millisecond)
		created, err := store.Create(ctx, owner, tasks.NewTask{Task: tasks.Task{ID: ids.New(), Title: title, CreatedAt: now, UpdatedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, created.Task)
	}
	done := true
	updated, err := store.Update(ctx, owner, want[1].ID, tasks.Patch{Completed: &done}, nil, tasks.Write{At: time.Now().UTC().Truncate(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	want[1] = updated

	page, err := store.List(ctx, owner, tasks.ListQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != len(want) {
		t.Fatalf("listed %d tasks, want %d", len(page.Items), len(want))
	}
	for i, got := range page.Items {
		w := want[len(want)-1-i] // newest first
		if got.ID != w.ID || got.Title != w.Title || got.Completed != w.Completed || got.ETag != w.ETag ||
			!got.CreatedAt.Equal(w.CreatedAt) || !got.UpdatedAt.Equal(w.UpdatedAt) {
			t.Errorf("item %d = %+v, want %+v", i, got, w)
		}
	}
}
