package tablestore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// A create with an Idempotency-Key adds, in the same transaction as the task, a row for the key
// in the owner's partition (so keys are per user). A repeat of the key fails that transaction on
// the key row (409: it exists) and nothing is written; the store then reads the key row and
// answers with the task it names. The common case, a new key, costs no extra round trip.
//
// The key row lives as long as its task: deleting the task deletes it in the same transaction,
// so a user's key rows are bounded by their task count and need no sweeping. A key is therefore
// honoured for as long as the task it created exists (the draft asks for at least a day; this
// is longer unless the user deletes the task, after which the key may create a new one).

// idemPrefix starts every key row's row key (after '~', beside the account row).
const idemPrefix = bookkeeping + "idem-"

// idempotencyRowKey is the key's row key: a hash, so that any key the API accepts makes a
// valid row key of fixed length and no client text is stored.
func idempotencyRowKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return idemPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// keyRow is a key's row: the task it created and a fingerprint of the request that created it.
type keyRow struct {
	PartitionKey string `json:"PartitionKey"`
	RowKey       string `json:"RowKey"`
	TaskID       string `json:"TaskID"`
	Fingerprint  string `json:"Fingerprint"`
}

// fingerprint stands for a create's request: its title, after normalisation, which is all a
// create carries. Two requests with the same key and the same fingerprint are the same create.
func fingerprint(n tasks.NewTask) string {
	sum := sha256.Sum256([]byte(n.Task.Title))
	return hex.EncodeToString(sum[:])
}

func addKeyRow(owner, rowKey string, n tasks.NewTask) aztables.TransactionAction {
	body, _ := json.Marshal(keyRow{PartitionKey: owner, RowKey: rowKey, TaskID: n.Task.ID, Fingerprint: fingerprint(n)})
	return aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: body}
}

// replay answers a create whose key was used before: the task that create made, if the request
// is the same (ErrKeyReused if not); ErrNotFound if the key is unknown.
func (s *Store) replay(ctx context.Context, owner string, n tasks.NewTask) (tasks.Created, error) {
	resp, err := s.table.GetEntity(named(ctx, "read idempotency key"), owner, idempotencyRowKey(n.Key), nil)
	if err != nil {
		return tasks.Created{}, classify("read idempotency key", err)
	}
	var row keyRow
	if err := json.Unmarshal(resp.Value, &row); err != nil {
		return tasks.Created{}, fmt.Errorf("tablestore: decode idempotency key row: %w", err)
	}
	if row.Fingerprint != fingerprint(n) {
		return tasks.Created{}, tasks.ErrKeyReused
	}
	t, err := s.Get(ctx, owner, row.TaskID)
	if err != nil {
		if errors.Is(err, tasks.ErrNotFound) {
			return tasks.Created{}, tasks.ErrKeyTaskGone // deleted between the two reads
		}
		return tasks.Created{}, err
	}
	return tasks.Created{Task: t, Replayed: true}, nil
}
