package tablestore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// The `next` cursor comes back from clients, so it is attacker input. These targets run it
// against real Azurite and hold List to: no panic, no error but ErrInvalidCursor (anything
// else would be a 5xx), and never a task from another partition, whatever the cursor names.

type cursorFixture struct {
	store *Store
	mine  map[string]bool // entra.UserA's task ids
	their []string        // entra.UserB's task ids
}

func newCursorFixture(f *testing.F) *cursorFixture {
	f.Helper()
	az := testenv.StartAzurite(f)
	store, err := NewFromConnectionString(az.ConnectionString(), "fuzzcursor")
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	if err := store.EnsureTable(ctx); err != nil {
		f.Fatal(err)
	}
	fx := &cursorFixture{store: store, mine: map[string]bool{}}
	ids := tasks.NewIDGenerator(nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 6 {
		for _, owner := range []string{entra.UserA, entra.UserB} {
			c, err := store.Create(ctx, owner, tasks.NewTask{Task: tasks.Task{ID: ids.New(), Title: fmt.Sprintf("%s %d", owner[:1], i), CreatedAt: now, UpdatedAt: now}})
			if err != nil {
				f.Fatal(err)
			}
			t := c.Task
			if owner == entra.UserA {
				fx.mine[t.ID] = true
			} else {
				fx.their = append(fx.their, t.ID)
			}
		}
	}
	return fx
}

func (fx *cursorFixture) check(t *testing.T, cursor string, limit int) {
	fx.checkQuery(t, tasks.ListQuery{Limit: limit, Cursor: cursor})
}

// searchQuery is a search with a filter, whose cursors are bound to it (listScope).
var searchQuery = tasks.ListQuery{Search: "a", Done: new(false)}

func (fx *cursorFixture) checkQuery(t *testing.T, q tasks.ListQuery) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cursor := q.Cursor
	page, err := fx.store.List(ctx, entra.UserA, q)
	if err != nil {
		if !errors.Is(err, tasks.ErrInvalidCursor) {
			t.Fatalf("List with cursor %q: %v (would be a 5xx)", cursor, err)
		}
		return
	}
	for _, it := range page.Items {
		if !fx.mine[it.ID] {
			t.Fatalf("cursor %q listed task %s, which is not the caller's", cursor, it.ID)
		}
	}
	if page.Next != "" {
		if _, err := decodeCursor(listScope(entra.UserA, q), page.Next); err != nil {
			t.Fatalf("List returned a cursor it does not accept itself: %q", page.Next)
		}
	}
}

// FuzzListCursor feeds arbitrary text as the cursor.
func FuzzListCursor(f *testing.F) {
	fx := newCursorFixture(f)
	first, err := fx.store.List(context.Background(), entra.UserA, tasks.ListQuery{Limit: 2})
	if err != nil || first.Next == "" {
		f.Fatalf("seed page: %+v %v", first, err)
	}
	for _, s := range []string{
		first.Next, first.Next + "A", first.Next[:len(first.Next)-1], "", "!!!", "MQpmb28KYmFy",
		encodeCursor(entra.UserB, entra.UserB, fx.their[0]),
		encodeCursor(entra.UserA, entra.UserB, fx.their[0]),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		if cursor == "" {
			return // "" means the first page; the API answers next= with 400 before List
		}
		fx.check(t, cursor, 3)
	})
}

// FuzzListForgedCursor forges well-formed cursors for the caller, which anyone can: the owner
// tag is a hash of their own oid, not a secret. The fuzzer thus reaches Table Storage with
// chosen continuation keys, including the other user's partition and odd characters.
func FuzzListForgedCursor(f *testing.F) {
	fx := newCursorFixture(f)
	for _, s := range [][2]string{
		{entra.UserA, "0"}, {entra.UserB, fx.their[0]}, {entra.UserB, fx.their[len(fx.their)-1]},
		{"", "x"}, {"'", "'"}, {"a' or PartitionKey ne 'a", "x"}, {entra.UserA, "~~~~"},
		{entra.UserA, "%2F"}, {"1!0!" + entra.UserA, "1!0!x"}, {entra.UserA + "\u00e9", "\u0000"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pk, rk string) {
		fx.check(t, encodeCursor(entra.UserA, pk, rk), 4)
		// A search's own cursor names a row key to start at (a RowKey ge filter), and both
		// kinds are bound to the search's scope.
		q := searchQuery
		q.Limit = 2
		for _, c := range []string{encodeFromCursor(listScope(entra.UserA, q), rk), encodeCursor(listScope(entra.UserA, q), pk, rk)} {
			q.Cursor = c
			fx.checkQuery(t, q)
		}
	})
}
