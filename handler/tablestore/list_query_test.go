package tablestore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
)

// listAll follows q's cursors to the end and returns every task listed, failing on a
// task listed twice (a cursor that starts a page where the last one did not end).
func listAll(t *testing.T, store *tablestore.Store, owner string, q tasks.ListQuery) (all []tasks.Task, pages int) {
	t.Helper()
	seen := map[string]bool{}
	for {
		page, err := store.List(context.Background(), owner, q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		pages++
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("task %q listed twice (page %d)", it.Title, pages)
			}
			seen[it.ID] = true
		}
		all = append(all, page.Items...)
		if q.Cursor = page.Next; q.Cursor == "" {
			return all, pages
		}
		if pages > 1000 {
			t.Fatal("more than 1,000 pages: the cursor does not move on")
		}
	}
}

func titles(ts []tasks.Task) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Title
	}
	return out
}

// The first page holds the newest task; tasks stored before ids were inverted (ULIDs, oldest
// first) come after every new one, in their own order, and still open by their ids.
func TestListIsNewestFirst(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000001a1"
	now := time.Now().UTC().Truncate(time.Millisecond)
	// Two tasks as the store held them before: ULIDs of 2026-11-26 (oldest first).
	for _, legacy := range []struct{ id, title string }{{"01M8BVM4G0AAAAAAAAAAAAAAAA", "legacy 1"}, {"01M8BVM4G1AAAAAAAAAAAAAAAA", "legacy 2"}} {
		if _, err := store.Create(ctx, owner, tasks.NewTask{Task: tasks.Task{ID: legacy.id, Title: legacy.title, CreatedAt: now, UpdatedAt: now}}); err != nil {
			t.Fatal(err)
		}
	}
	w := newWriter(t, store, owner)
	for i := range 5 {
		w.create(fmt.Sprintf("task %d", i))
	}
	all, pages := listAll(t, store, owner, tasks.ListQuery{Limit: 2})
	want := []string{"task 4", "task 3", "task 2", "task 1", "task 0", "legacy 1", "legacy 2"}
	if got := titles(all); !slices.Equal(got, want) || pages != 4 {
		t.Errorf("listed %q in %d pages, want %q in 4", got, pages, want)
	}
	if got, err := store.Get(ctx, owner, "01M8BVM4G0AAAAAAAAAAAAAAAA"); err != nil || got.Title != "legacy 1" {
		t.Errorf("a task stored before: Get = %+v, %v", got, err)
	}
}

// done=false is a $filter: pages hold open tasks only, newest first, across pages.
func TestListHidesDoneTasks(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000001a2"
	w := newWriter(t, store, owner)
	done := true
	for i := range 7 {
		c := w.create(fmt.Sprintf("task %d", i))
		if i%2 == 0 {
			if _, err := store.Update(ctx, owner, c.ID, tasks.Patch{Completed: &done}, nil, now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	open, _ := listAll(t, store, owner, tasks.ListQuery{Limit: 2, Done: new(false)})
	if got, want := titles(open), []string{"task 5", "task 3", "task 1"}; !slices.Equal(got, want) {
		t.Errorf("done=false listed %q, want %q", got, want)
	}
	closed, _ := listAll(t, store, owner, tasks.ListQuery{Limit: 2, Done: new(true)})
	if got, want := titles(closed), []string{"task 6", "task 4", "task 2", "task 0"}; !slices.Equal(got, want) {
		t.Errorf("done=true listed %q, want %q", got, want)
	}
}

// A search finds titles containing the text whatever their case, newest first, across pages
// that end half way through what the service returned, with and without done=false.
func TestListSearchesTitles(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const owner = "00000000-0000-4000-8000-0000000001a3"
	w := newWriter(t, store, owner)
	done := true
	var want []string
	for i := range 40 {
		title := fmt.Sprintf("plain %d", i)
		if i%4 == 1 {
			title = fmt.Sprintf("Buy ÖL no. %d", i)
			want = append([]string{title}, want...)
		}
		c := w.create(title)
		if i == 5 {
			if _, err := store.Update(ctx, owner, c.ID, tasks.Patch{Completed: &done}, nil, now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	found, pages := listAll(t, store, owner, tasks.ListQuery{Limit: 3, Search: "öl"})
	if got := titles(found); !slices.Equal(got, want) || pages != 4 {
		t.Errorf("q=öl listed %q in %d pages, want %q in 4", got, pages, want)
	}
	open, _ := listAll(t, store, owner, tasks.ListQuery{Limit: 50, Search: "öl", Done: new(false)})
	wantOpen := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "Buy ÖL no. 5" })
	if got := titles(open); !slices.Equal(got, wantOpen) {
		t.Errorf("q=öl&done=false listed %q, want %q", got, wantOpen)
	}
	if none, _ := listAll(t, store, owner, tasks.ListQuery{Limit: 50, Search: "nowhere"}); len(none) != 0 {
		t.Errorf("q=nowhere listed %q", titles(none))
	}
}

// A cursor belongs to its query: one from a search, a filter or a plain list is refused by
// a list with other parameters (the API answers 400), rather than starting it somewhere odd.
func TestListCursorIsBoundToItsQuery(t *testing.T) {
	store := newStore(t)
	const owner = "00000000-0000-4000-8000-0000000001a4"
	w := newWriter(t, store, owner)
	done := true
	for i := range 6 {
		c := w.create(fmt.Sprintf("abc %d", i))
		if i%2 == 0 {
			if _, err := store.Update(context.Background(), owner, c.ID, tasks.Patch{Completed: &done}, nil, now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []tasks.ListQuery{
		{Limit: 2}, {Limit: 2, Search: "abc"}, {Limit: 2, Search: "ab"}, {Limit: 2, Done: new(false)},
		{Limit: 1, Done: new(true)}, {Limit: 1, Search: "abc", Done: new(false)},
	}
	for i, from := range queries {
		page, err := store.List(context.Background(), owner, from)
		if err != nil || page.Next == "" {
			t.Fatalf("List(%+v) = %+v, %v; want a page with a cursor", from, page, err)
		}
		for j, other := range queries {
			other.Cursor = page.Next
			_, err := store.List(context.Background(), owner, other)
			if i == j && err != nil {
				t.Errorf("the cursor of %+v refused by its own query: %v", from, err)
			}
			if i != j && !errors.Is(err, tasks.ErrInvalidCursor) {
				t.Errorf("the cursor of %+v used with %+v: err = %v, want ErrInvalidCursor", from, other, err)
			}
		}
	}
}

// What a search costs, counted: one request reads at most 1,000 rows in at most 8 calls,
// whatever the partition holds; at 300 tasks one request finds the oldest task (2 calls); at
// 2,500 the client follows the cursor through short pages. Writes are not affected (see
// TestWritesCostTheSameAtAnySize).
func TestSearchWorkPerRequestIsBounded(t *testing.T) {
	store, counter := countedStore(t)
	for _, size := range []int{300, 2500} {
		owner := fmt.Sprintf("00000000-0000-4000-8000-%012d", size)
		w := newWriter(t, store, owner)
		ts := []tasks.Task{w.task("the needle")}
		for i := range size - 1 {
			ts = append(ts, w.task(fmt.Sprintf("hay %d", i)))
		}
		if err := store.CreateMany(context.Background(), owner, ts, ada); err != nil {
			t.Fatal(err)
		}
		q := tasks.ListQuery{Limit: 50, Search: "NEEDLE"}
		var requests, calls, rows int
		var found []tasks.Task
		for {
			counter.Reset()
			page, err := store.List(context.Background(), owner, q)
			if err != nil {
				t.Fatal(err)
			}
			tally := counter.Tally()
			requests++
			calls += tally.Calls
			rows += tally.Rows
			if tally.Calls > 8 || tally.Rows > 1000 {
				t.Errorf("%d tasks: one search request made %d calls reading %d rows, want at most 8 and 1,000", size, tally.Calls, tally.Rows)
			}
			found = append(found, page.Items...)
			if q.Cursor = page.Next; q.Cursor == "" {
				break
			}
		}
		t.Logf("search at %d tasks: %d requests, %d calls, %d rows read", size, requests, calls, rows)
		if got := titles(found); !slices.Equal(got, []string{"the needle"}) {
			t.Errorf("%d tasks: found %q, want the needle", size, got)
		}
		if wantReq := (size + 999) / 1000; requests != wantReq || rows != size {
			t.Errorf("%d tasks: %d requests reading %d rows, want %d reading each row once", size, requests, rows, wantReq)
		}
	}
}
