package tablestore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// List reads one page of owner's tasks in row-key order, which is newest first for every
// task made since ids were inverted (tasks.IDGenerator). Without a search the page is exactly
// one service page: the service may return fewer rows than asked, even none, with a
// continuation, and so may we. q.Done is a $filter the service applies.
//
// Table Storage has no substring filter, so a search reads the partition here, page by page,
// and keeps the titles that match. One request reads at most searchBudget rows in at most
// searchCalls calls, whatever the partition holds: it returns the matches found so far (up
// to q.Limit, perhaps none) and a cursor where it stopped. Its cost is in docs/scale.md.
func (s *Store) List(ctx context.Context, owner string, q tasks.ListQuery) (tasks.Page, error) {
	l := listing{op: "list tasks", scope: listScope(owner, q)}
	filter := taskFilter(owner)
	if q.Done != nil {
		filter += " and Completed eq " + strconv.FormatBool(*q.Done)
	}
	if q.Search == "" {
		// Only the properties a task is made of: the SDK decodes every property of every row into
		// a map and encodes it again before we see it, so PartitionKey and Timestamp (with its
		// type annotation) would cost a quarter of the decoding for nothing. odata.etag still comes.
		entities, next, err := listPage(ctx, s.table, l, q.Limit, q.Cursor, listSelect, filter)
		if err != nil {
			return tasks.Page{}, err
		}
		items, err := decodeTasks(entities)
		return tasks.Page{Items: items, Next: next}, err
	}
	page := tasks.Page{Items: []tasks.Task{}}
	cursor, read := q.Cursor, 0
	for calls := 0; calls < searchCalls && read < searchBudget; calls++ {
		entities, next, err := listPage(ctx, s.table, l, min(searchPageSize, searchBudget-read), cursor, listSelect, filter)
		if err != nil {
			return tasks.Page{}, err
		}
		read += len(entities)
		rows, err := decodeTasks(entities)
		if err != nil {
			return tasks.Page{}, err
		}
		for i, t := range rows {
			if !q.Matches(t) {
				continue
			}
			page.Items = append(page.Items, t)
			if len(page.Items) < q.Limit {
				continue
			}
			// The page is full: go on from the next row read, or where the service would.
			if i+1 < len(rows) {
				next = encodeFromCursor(l.scope, rows[i+1].ID)
			}
			page.Next = next
			return page, nil
		}
		if cursor = next; cursor == "" {
			return page, nil
		}
	}
	page.Next = cursor
	return page, nil
}

// A search's work per request: rows asked of the service per call, and at most how many rows
// and calls one request spends (calls past 5 only when the service answers short pages; the
// counted cost is in docs/scale.md).
const (
	searchPageSize = 200
	searchBudget   = 1000
	searchCalls    = 8
)

func decodeTasks(entities [][]byte) ([]tasks.Task, error) {
	items := make([]tasks.Task, 0, len(entities))
	for _, raw := range entities {
		t, err := fromEntity(raw, "")
		if err != nil {
			return nil, err
		}
		items = append(items, t)
	}
	return items, nil
}

// listScope binds a list's cursors to the query that made them: the owner, and the filter and
// search when there are any (a cursor of a plain list is bound to the owner alone, as before
// lists had filters). A cursor used with other parameters would start another query at a row
// it never reached, so it is refused rather than giving an odd page.
func listScope(owner string, q tasks.ListQuery) string {
	if q.Done == nil && q.Search == "" {
		return owner
	}
	done := "any"
	if q.Done != nil {
		done = strconv.FormatBool(*q.Done)
	}
	return owner + "\x00done=" + done + "\x00q=" + q.Search
}

// listing names a paged query: op for errors, scope for the cursor, which is bound to it (a
// cursor from another user's listing, or from another kind of list, is refused).
type listing struct{ op, scope string }

// listPage reads one service page of table (filter "" = all of it) after cursor. The page is
// exactly one service page: the service may return fewer rows than asked, even none, with a
// continuation, and so may we. A missing table is an empty page: nothing was written yet.
func listPage(ctx context.Context, table *aztables.Client, l listing, limit int, cursor, sel, filter string) ([][]byte, string, error) {
	top := int32(limit)
	opts := &aztables.ListEntitiesOptions{Top: &top, Select: &sel}
	if filter != "" {
		opts.Filter = &filter
	}
	if cursor != "" {
		pos, err := decodeCursor(l.scope, cursor)
		if err != nil {
			return nil, "", err
		}
		if pos.from != "" {
			from := "RowKey ge '" + quote(pos.from) + "'"
			if filter != "" {
				from = filter + " and " + from
			}
			opts.Filter = &from
		} else {
			opts.NextPartitionKey, opts.NextRowKey = &pos.pk, &pos.rk
		}
	}
	resp, err := table.NewListEntitiesPager(opts).NextPage(named(ctx, l.op))
	switch {
	case err != nil && cursor != "" && hasStatus(err, 400):
		return nil, "", fmt.Errorf("%s: %w", l.op, tasks.ErrInvalidCursor)
	case hasCode(err, aztables.TableNotFound):
		return nil, "", nil
	case err != nil:
		return nil, "", classify(l.op, err)
	}
	next := ""
	if resp.NextPartitionKey != nil && resp.NextRowKey != nil && *resp.NextRowKey != "" {
		next = encodeCursor(l.scope, *resp.NextPartitionKey, *resp.NextRowKey)
	}
	return resp.Entities, next, nil
}

// ownerFilter selects owner's partition. owner is made of GUIDs from a verified token or a
// checked path (tasks.Tenant.Owner), so it needs no quoting; quoted anyway, so that this stays
// safe if that ever changes.
func ownerFilter(owner string) string {
	return "PartitionKey eq '" + quote(owner) + "'"
}

// quote makes s an OData string literal's content: a single quote is written twice.
func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }

// taskFilter selects owner's tasks: the partition's row keys below the bookkeeping rows (a
// range the service reads as one, so the account and key rows cost nothing).
func taskFilter(owner string) string {
	return ownerFilter(owner) + " and RowKey lt '" + bookkeeping + "'"
}

const listSelect = "RowKey,Title,Completed,CreatedAt,UpdatedAt"

// A cursor is one of two positions. Mostly it carries the service's continuation pair, which
// is opaque (Table Storage encodes it; Azurite's is not a row key either). A search that fills
// its page half way through a service page cannot make one of those for the row after, so it
// carries that row's key, and the next query starts there with a RowKey ge filter.
//
// Either carries a short fingerprint of the listing's scope: the owner, and a task list's
// filter and search. It is opaque to clients but not secret: the fingerprint only makes a
// cursor from another user's listing, from another query, or a hand-made one a clear 400
// instead of an odd page; even without it, a cursor could only move within the caller's own
// partition, because the filter names them.
const (
	cursorVersion = "1"    // the service's continuation
	cursorFrom    = "from" // a row key to start at
)

// position is a decoded cursor: the service's continuation pair, or a row key (from).
type position struct{ pk, rk, from string }

func encodeCursor(scope, pk, rk string) string {
	raw := cursorVersion + "\n" + ownerTag(scope) + "\n" + pk + "\n" + rk
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func encodeFromCursor(scope, rowKey string) string {
	raw := cursorFrom + "\n" + ownerTag(scope) + "\n" + rowKey
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(scope, c string) (position, error) {
	if len(c) > 2048 {
		return position{}, tasks.ErrInvalidCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return position{}, tasks.ErrInvalidCursor
	}
	parts := strings.Split(string(raw), "\n")
	switch {
	case len(parts) == 3 && parts[0] == cursorFrom && parts[1] == ownerTag(scope) &&
		parts[2] != "" && printable(parts[2]):
		return position{from: parts[2]}, nil
	case len(parts) == 4 && parts[0] == cursorVersion && parts[1] == ownerTag(scope) &&
		parts[3] != "" && printable(parts[2]) && printable(parts[3]):
		return position{pk: parts[2], rk: parts[3]}, nil
	}
	return position{}, tasks.ErrInvalidCursor
}

func ownerTag(scope string) string {
	sum := sha256.Sum256([]byte(scope))
	return hex.EncodeToString(sum[:6])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
