package tasks

import (
	"context"
	"time"
)

// User is one entry of the users index: someone who has tasks, as last seen on one of their
// writes. Name and Email come from that request's token and are for display only.
type User struct {
	ID           string // the user's oid
	Name         string
	Email        string
	TaskCount    int
	LastActivity time.Time
}

// UserPage is one page of the users index, in the index's order (stable, not meaningful).
type UserPage struct {
	Items []User
	Next  string
}

// Profile is how a caller appears on a request, for the users index.
type Profile struct {
	Name, Email string
}

// AuditAction names what an admin did.
type AuditAction string

const (
	ActionListUsers      AuditAction = "list-users"
	ActionReadUserTasks  AuditAction = "read-user-tasks"
	ActionEraseUserTasks AuditAction = "erase-user-tasks"
)

// AuditRecord is one admin action. Subject is the user acted on ("" for none); Count is how
// many items the action returned or erased (nil: not applicable).
type AuditRecord struct {
	ID        string
	At        time.Time
	ActorID   string
	ActorName string
	Action    AuditAction
	Subject   string
	Count     *int
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items []AuditRecord
	Next  string
}

// Users is the users index and the audit log: what the admin API reads and changes besides
// the tasks themselves.
type Users interface {
	// RecordActivity brings owner's entry up to date after a write to their tasks: the task
	// count (recounted, so it is right whatever writes ran at the same time or failed before),
	// profile and at as the last activity. A count of zero removes the entry.
	RecordActivity(ctx context.Context, owner string, profile Profile, at time.Time) error
	// ListUsers pages through the index; it never reads the tasks themselves.
	ListUsers(ctx context.Context, limit int, cursor string) (UserPage, error)
	// EraseTasks deletes every task of owner and returns how many this call deleted (tasks
	// someone else deleted meanwhile are not counted). Safe to repeat after a failure.
	EraseTasks(ctx context.Context, owner string) (int, error)
	// AppendAudit adds a record; there is no way to change or remove one.
	AppendAudit(ctx context.Context, r AuditRecord) error
	// ListAudit pages through the audit log, newest first.
	ListAudit(ctx context.Context, limit int, cursor string) (AuditPage, error)
}
