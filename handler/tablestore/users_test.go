package tablestore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/tasks"
)

// Many writes of one user at once, each followed by its RecordActivity as the API does it:
// whichever refresh lands last, the count is what is stored. A refresh that lost the race for
// the entry and gave up instead of counting again would leave an older count behind.
func TestTaskCountUnderConcurrentWrites(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000000c1"
	ids := tasks.NewIDGenerator(nil)
	profile := tasks.Profile{Name: "Ada", Email: "ada@example.com"}
	for round := 1; round <= 3; round++ {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				now := time.Now().UTC()
				if _, err := store.Create(ctx, owner, tasks.Task{ID: ids.New(), Title: "t", CreatedAt: now, UpdatedAt: now}); err != nil {
					t.Error(err)
					return
				}
				if err := store.RecordActivity(ctx, owner, profile, now); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		page, err := store.ListUsers(ctx, 200, "")
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("users index: %+v, %v", page, err)
		}
		if got, want := page.Items[0].TaskCount, 16*round; got != want {
			t.Fatalf("round %d: users index counts %d tasks, %d are stored", round, got, want)
		}
	}
	// Erasing removes the tasks and the entry, and counts only what it deleted.
	if n, err := store.EraseTasks(ctx, owner); err != nil || n != 48 {
		t.Fatalf("erase: %d, %v; want 48", n, err)
	}
	if n, err := store.EraseTasks(ctx, owner); err != nil || n != 0 {
		t.Fatalf("second erase: %d, %v; want 0", n, err)
	}
	if page, err := store.ListUsers(ctx, 200, ""); err != nil || len(page.Items) != 0 {
		t.Fatalf("users index after erase: %+v, %v", page, err)
	}
}
