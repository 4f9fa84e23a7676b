// Package tablestore keeps tasks in Azure Table Storage (or Azurite): one table, one partition
// per user (PartitionKey = the owner key, tasks.Tenant.Owner: the caller's verified oid, after
// their tenant's id for a tenant other than the home one), one entity per task (RowKey = task id).
// ETags are the service's own and pass through byte for byte.
package tablestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// Store implements tasks.Store on one table, and tasks.Users and tasks.AuditLog on two more
// beside it: the users index (<table>users) and the audit log (<table>audit). It is safe for
// concurrent use.
type Store struct {
	table *aztables.Client
	users *aztables.Client
	audit *aztables.Client
	locks ownerLocks // one write at a time per user, in this process
}

var (
	_ tasks.Store    = (*Store)(nil)
	_ tasks.Users    = (*Store)(nil)
	_ tasks.AuditLog = (*Store)(nil)
)

// Suffixes of the users index and audit tables' names, after the tasks table's name.
const (
	UsersTableSuffix = "users"
	AuditTableSuffix = "audit"
)

// ClientOptions fail fast: when storage is down, a request should get its 503 in about a
// second rather than hang through the SDK's default retries (which can take a minute).
// batchCapture reads the answers of entity group transactions (see batch.go).
func ClientOptions() *aztables.ClientOptions {
	return &aztables.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry: policy.RetryOptions{
			MaxRetries:    2,
			TryTimeout:    5 * time.Second,
			RetryDelay:    100 * time.Millisecond,
			MaxRetryDelay: 500 * time.Millisecond,
		},
		PerCallPolicies: []policy.Policy{batchCapture{}},
	}}
}

// NewFromConnectionString uses shared-key auth (Azurite locally). The connection string must
// be a full one: aztables does not understand UseDevelopmentStorage=true. Each of perCall sees
// every storage request (tests and bench count them); production passes none.
func NewFromConnectionString(connectionString, table string, perCall ...policy.Policy) (*Store, error) {
	opts := ClientOptions()
	opts.PerCallPolicies = append(opts.PerCallPolicies, perCall...)
	return newFromConnectionString(connectionString, table, opts)
}

func newFromConnectionString(connectionString, table string, opts *aztables.ClientOptions) (*Store, error) {
	svc, err := aztables.NewServiceClientFromConnectionString(connectionString, opts)
	if err != nil {
		// The SDK's error may quote the string, key included: never pass it on.
		return nil, errors.New("tablestore: the connection string is malformed")
	}
	return &Store{
		table: svc.NewClient(table),
		users: svc.NewClient(table + UsersTableSuffix),
		audit: svc.NewClient(table + AuditTableSuffix),
	}, nil
}

// NewFromEndpoint uses an Entra credential (a managed identity in Azure) against
// https://<account>.table.core.windows.net; the identity needs Storage Table Data Contributor.
//
// azureCloud names the cloud the account lives in (AZURE_AUTHORITY_HOST's cloud): aztables takes the
// token audience from its Tables entry.
func NewFromEndpoint(endpoint, table string, cred azcore.TokenCredential, azureCloud cloud.Configuration, perCall ...policy.Policy) (*Store, error) {
	opts := ClientOptions()
	opts.Cloud = azureCloud
	opts.PerCallPolicies = append(opts.PerCallPolicies, perCall...)
	var clients [3]*aztables.Client
	for i, name := range []string{table, table + UsersTableSuffix, table + AuditTableSuffix} {
		client, err := aztables.NewClient(strings.TrimRight(endpoint, "/")+"/"+name, cred, opts)
		if err != nil {
			return nil, fmt.Errorf("tablestore: %w", err)
		}
		clients[i] = client
	}
	return &Store{table: clients[0], users: clients[1], audit: clients[2]}, nil
}

// Ping asks storage one cheap question (a read of a row that never exists, in the tasks table)
// and reports an error unless it answered: a 404 is an answer, whether for the row or for a
// table not created yet (the store creates it on first use). GET /api/health uses it.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.table.GetEntity(named(ctx, "health check"), "health", "probe", nil)
	if err == nil || hasStatus(err, 404) {
		return nil
	}
	return classify("health check", err)
}

// EnsureTable creates the tables if they do not exist yet.
func (s *Store) EnsureTable(ctx context.Context) error {
	for _, t := range []*aztables.Client{s.table, s.users, s.audit} {
		if err := ensureTable(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func ensureTable(ctx context.Context, t *aztables.Client) error {
	_, err := t.CreateTable(named(ctx, "create table"), nil)
	if err == nil || hasCode(err, aztables.TableAlreadyExists) {
		return nil
	}
	return classify("create table", err)
}

// entity is a task as stored. Times are written as Edm.DateTime so that they stay typed and
// filterable; ETag is read from the service's odata.etag.
type entity struct {
	PartitionKey  string `json:"PartitionKey"`
	RowKey        string `json:"RowKey"`
	Title         string `json:"Title"`
	Completed     bool   `json:"Completed"`
	CreatedAt     string `json:"CreatedAt"`
	CreatedAtType string `json:"CreatedAt@odata.type,omitempty"`
	UpdatedAt     string `json:"UpdatedAt"`
	UpdatedAtType string `json:"UpdatedAt@odata.type,omitempty"`
	// IdemRow is the row key of the Idempotency-Key row of the create that made the task, if it
	// had a key: deleting the task deletes that row with it.
	IdemRow string `json:"IdemRow,omitempty"`
	ETag    string `json:"odata.etag,omitempty"`
}

const edmDateTime = "Edm.DateTime"

func toEntity(owner string, t tasks.Task, idemRow string) []byte {
	b, _ := json.Marshal(entity{
		IdemRow:       idemRow,
		PartitionKey:  owner,
		RowKey:        t.ID,
		Title:         t.Title,
		Completed:     t.Completed,
		CreatedAt:     t.CreatedAt.UTC().Format(time.RFC3339Nano),
		CreatedAtType: edmDateTime,
		UpdatedAt:     t.UpdatedAt.UTC().Format(time.RFC3339Nano),
		UpdatedAtType: edmDateTime,
	}) // a struct of strings and a bool always marshals
	return b
}

func fromEntity(raw []byte, etag string) (tasks.Task, error) {
	t, _, err := decodeTask(raw, etag)
	return t, err
}

// decodeTask reads a task entity, and the row key of its Idempotency-Key row ("" for none).
func decodeTask(raw []byte, etag string) (tasks.Task, string, error) {
	var e entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return tasks.Task{}, "", fmt.Errorf("tablestore: decode entity: %w", err)
	}
	created, err1 := time.Parse(time.RFC3339Nano, e.CreatedAt)
	updated, err2 := time.Parse(time.RFC3339Nano, e.UpdatedAt)
	if err := errors.Join(err1, err2); err != nil {
		return tasks.Task{}, "", fmt.Errorf("tablestore: entity %s: %w", e.RowKey, err)
	}
	if etag == "" {
		etag = e.ETag
	}
	return tasks.Task{
		ID: e.RowKey, Title: e.Title, Completed: e.Completed,
		CreatedAt: created.UTC(), UpdatedAt: updated.UTC(), ETag: etag,
	}, e.IdemRow, nil
}
