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
	// owner is a GUID from a verified token, so it needs no quoting; double quotes anyway,
	// as OData requires, so that this line stays safe if that ever changes.
	filter := "PartitionKey eq '" + strings.ReplaceAll(owner, "'", "''") + "'"
	top := int32(limit)
	// Only the properties a task is made of: the SDK decodes every property of every row into
	// a map and encodes it again before we see it, so PartitionKey and Timestamp (with its
	// type annotation) would cost a quarter of the decoding for nothing. odata.etag still comes.
	sel := listSelect
	opts := &aztables.ListEntitiesOptions{Filter: &filter, Top: &top, Select: &sel}
	if cursor != "" {
		pk, rk, err := decodeCursor(owner, cursor)
		if err != nil {
			return tasks.Page{}, err
		}
		opts.NextPartitionKey, opts.NextRowKey = &pk, &rk
	}
	resp, err := s.table.NewListEntitiesPager(opts).NextPage(ctx)
	if err != nil {
		if cursor != "" && hasStatus(err, 400) {
			return tasks.Page{}, fmt.Errorf("list tasks: %w", tasks.ErrInvalidCursor)
		}
		if hasCode(err, aztables.TableNotFound) {
			return tasks.Page{Items: []tasks.Task{}}, nil // no table yet: nobody has tasks
		}
		return tasks.Page{}, classify("list tasks", err)
	}
	page := tasks.Page{Items: make([]tasks.Task, 0, len(resp.Entities))}
	for _, raw := range resp.Entities {
		t, err := fromEntity(raw, "")
		if err != nil {
			return tasks.Page{}, err
		}
		page.Items = append(page.Items, t)
	}
	if resp.NextPartitionKey != nil && resp.NextRowKey != nil && *resp.NextRowKey != "" {
		page.Next = encodeCursor(owner, *resp.NextPartitionKey, *resp.NextRowKey)
	}
	return page, nil
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
