package tablestore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// List reads one page of owner's tasks, oldest first (row keys are time-ordered ids). The
// page is exactly one service page: the service may return fewer rows than asked, even none,
// with a continuation, and so may we.
func (s *Store) List(ctx context.Context, owner string, limit int, cursor string) (tasks.Page, error) {
	// Only the properties a task is made of: the SDK decodes every property of every row into
	// a map and encodes it again before we see it, so PartitionKey and Timestamp (with its
	// type annotation) would cost a quarter of the decoding for nothing. odata.etag still comes.
	entities, next, err := listPage(ctx, s.table, listing{op: "list tasks", scope: owner}, limit, cursor, listSelect, taskFilter(owner))
	if err != nil {
		return tasks.Page{}, err
	}
	page := tasks.Page{Items: make([]tasks.Task, 0, len(entities)), Next: next}
	for _, raw := range entities {
		t, err := fromEntity(raw, "")
		if err != nil {
			return tasks.Page{}, err
		}
		page.Items = append(page.Items, t)
	}
	return page, nil
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
		pk, rk, err := decodeCursor(l.scope, cursor)
		if err != nil {
			return nil, "", err
		}
		opts.NextPartitionKey, opts.NextRowKey = &pk, &rk
	}
	resp, err := table.NewListEntitiesPager(opts).NextPage(ctx)
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

// ownerFilter selects owner's partition. owner is a GUID from a verified token or a checked
// path, so it needs no quoting; double quotes anyway, as OData requires, so that this stays
// safe if that ever changes.
func ownerFilter(owner string) string {
	return "PartitionKey eq '" + strings.ReplaceAll(owner, "'", "''") + "'"
}

// taskFilter selects owner's tasks: the partition's row keys below the bookkeeping rows (a
// range the service reads as one, so the account and key rows cost nothing).
func taskFilter(owner string) string {
	return ownerFilter(owner) + " and RowKey lt '" + bookkeeping + "'"
}

const listSelect = "RowKey,Title,Completed,CreatedAt,UpdatedAt"

// The cursor carries the service's continuation pair and a short fingerprint of the owner.
// It is opaque to clients but not secret: the fingerprint only makes a cursor from another
// user's listing (or a hand-made one) a clear 400 instead of an odd page; even without it, a
// cursor could only move within the caller's own partition, because the filter names them.
const cursorVersion = "1"

func encodeCursor(owner, pk, rk string) string {
	raw := cursorVersion + "\n" + ownerTag(owner) + "\n" + pk + "\n" + rk
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(owner, c string) (pk, rk string, err error) {
	if len(c) > 2048 {
		return "", "", tasks.ErrInvalidCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", tasks.ErrInvalidCursor
	}
	parts := strings.Split(string(raw), "\n")
	if len(parts) != 4 || parts[0] != cursorVersion || parts[1] != ownerTag(owner) ||
		parts[3] == "" || !printable(parts[2]) || !printable(parts[3]) {
		return "", "", tasks.ErrInvalidCursor
	}
	return parts[2], parts[3], nil
}

func ownerTag(owner string) string {
	sum := sha256.Sum256([]byte(owner))
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
