package tablestore

import (
	"context"

	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"math"
	"time"

	"github.com/example/entra-tasks/handler/tasks"
)

// The audit log is its own table: records are added with AddEntity (which never overwrites),
// nothing here deletes one, and the only change a record gets is its completion: an erase is
// recorded as started before its first delete, and completed with its count after its last.
// Each tenant's records share one partition (auditPartition), so a single query returns them in
// RowKey order, and reads no other tenant's; the RowKey starts with the time counted down from
// the end of time, so that order is newest first. Admin actions are far too rare for one
// partition's 2,000 entities a second to matter.

// homeAuditPartition is the home tenant's partition: the one every record was written to
// before multi-tenant mode, so those stay where they are.
const homeAuditPartition = "audit"

// auditPartition is tenant's partition of the log: "audit" for the home tenant, "audit_<tid>"
// for another.
func auditPartition(t tasks.Tenant) string {
	if t.Home {
		return homeAuditPartition
	}
	return homeAuditPartition + "_" + t.ID
}

var errNoAuditID = errors.New("tablestore: could not draw an audit record id")

type auditEntity struct {
	PartitionKey string `json:"PartitionKey"`
	RowKey       string `json:"RowKey"`
	At           string `json:"At"`
	AtType       string `json:"At@odata.type,omitempty"`
	ActorID      string `json:"ActorID"`
	ActorKind    string `json:"ActorKind,omitempty"` // "" on records from before apps: a user
	ActorName    string `json:"ActorName"`
	Action       string `json:"Action"`
	Subject      string `json:"Subject"`
	// SubjectName and SubjectEmail: who the subject was, as an erase read it (absent otherwise).
	SubjectName  string `json:"SubjectName,omitempty"`
	SubjectEmail string `json:"SubjectEmail,omitempty"`
	// State is "" on records from before states were kept, which were all recorded once done.
	State     string `json:"State,omitempty"`
	Count     *int   `json:"Count,omitempty"`
	Remaining *int   `json:"Remaining,omitempty"`
}

// auditRowKey is the record's id: 19 digits of nanoseconds before the end of int64 time,
// then random hex, so that records of the same nanosecond neither collide nor overwrite.
func auditRowKey(at time.Time) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errNoAuditID
	}
	return fmt.Sprintf("%019d-%s", math.MaxInt64-at.UnixNano(), hex.EncodeToString(b[:])), nil
}

// AppendAudit adds r to tenant's log and returns its id.
func (s *Store) AppendAudit(ctx context.Context, tenant tasks.Tenant, r tasks.AuditRecord) (string, error) {
	key, err := auditRowKey(r.At)
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(auditEntity{
		PartitionKey: auditPartition(tenant), RowKey: key,
		At: r.At.UTC().Format(time.RFC3339Nano), AtType: edmDateTime,
		ActorID: r.ActorID, ActorKind: string(r.ActorKind), ActorName: r.ActorName, Action: string(r.Action), Subject: r.Subject,
		SubjectName: r.SubjectProfile.Name, SubjectEmail: r.SubjectProfile.Email,
		State: string(r.State), Count: r.Count, Remaining: r.Remaining,
	}) // strings and ints always marshal
	err = withTable(ctx, s.audit, func() error {
		_, err := s.audit.AddEntity(named(ctx, "append audit record"), body, nil)
		return err
	})
	if hasCode(err, aztables.EntityAlreadyExists) {
		// The id is drawn at random for this record: it exists because the SDK sent the add
		// again after losing the answer to one the service had applied.
		return key, nil
	}
	return key, classify("append audit record", err)
}

// CompleteAudit sets a started record's final state, count and remaining, and the subject's
// name and email when known: a merge of those properties alone, so the rest stays as written.
func (s *Store) CompleteAudit(ctx context.Context, tenant tasks.Tenant, id string, state tasks.AuditState, count int, remaining *int, subject tasks.Profile) error {
	fields := map[string]any{"PartitionKey": auditPartition(tenant), "RowKey": id, "State": string(state), "Count": count}
	if remaining != nil {
		fields["Remaining"] = *remaining
	}
	if subject.Name != "" {
		fields["SubjectName"] = subject.Name
	}
	if subject.Email != "" {
		fields["SubjectEmail"] = subject.Email
	}
	body, _ := json.Marshal(fields) // strings and ints always marshal
	star := azcore.ETag("*")
	_, err := s.audit.UpdateEntity(named(ctx, "complete audit record"), body, &aztables.UpdateEntityOptions{IfMatch: &star, UpdateMode: aztables.UpdateModeMerge})
	return classify("complete audit record", err)
}

// ListAudit reads one page of tenant's log, newest first.
func (s *Store) ListAudit(ctx context.Context, tenant tasks.Tenant, limit int, cursor string) (tasks.AuditPage, error) {
	l := listing{op: "list audit", scope: tenantScope("admin audit", tenant)}
	entities, next, err := listPage(ctx, s.audit, l, limit, cursor,
		"RowKey,At,ActorID,ActorKind,ActorName,Action,Subject,SubjectName,SubjectEmail,State,Count,Remaining",
		"PartitionKey eq '"+quote(auditPartition(tenant))+"'")
	if err != nil {
		return tasks.AuditPage{}, err
	}
	page := tasks.AuditPage{Items: make([]tasks.AuditRecord, 0, len(entities)), Next: next}
	for _, raw := range entities {
		var e auditEntity
		if err := json.Unmarshal(raw, &e); err != nil {
			return tasks.AuditPage{}, fmt.Errorf("tablestore: decode audit record: %w", err)
		}
		at, err := time.Parse(time.RFC3339Nano, e.At)
		if err != nil {
			return tasks.AuditPage{}, fmt.Errorf("tablestore: audit record %s: %w", e.RowKey, err)
		}
		page.Items = append(page.Items, tasks.AuditRecord{
			ID: e.RowKey, At: at.UTC(), ActorID: e.ActorID, ActorKind: actorKind(e.ActorKind), ActorName: e.ActorName,
			Action: tasks.AuditAction(e.Action), Subject: e.Subject,
			SubjectProfile: tasks.Profile{Name: e.SubjectName, Email: e.SubjectEmail}, State: auditState(e.State),
			Count: e.Count, Remaining: e.Remaining,
		})
	}
	return page, nil
}

// auditState reads a stored state; records from before states were kept were written once done.
func auditState(stored string) tasks.AuditState {
	if stored == "" {
		return tasks.AuditCompleted
	}
	return tasks.AuditState(stored)
}

// actorKind reads a stored actor kind; records from before apps were all written by users.
func actorKind(stored string) tasks.ActorKind {
	if stored == "" {
		return tasks.ActorUser
	}
	return tasks.ActorKind(stored)
}
