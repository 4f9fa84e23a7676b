package tasks

import (
	"context"
	"time"
)

// User is one user who has tasks, as the admin API lists them. Name and Email come from the
// token of their latest write and are for display only; TaskCount is exact.
type User struct {
	ID           string // the user's oid (not their owner key: the tenant is the caller's)
	Name         string
	Email        string
	TaskCount    int
	LastActivity time.Time
}

// UserPage is one page of the users index, in the index's order (stable, not meaningful). A
// page may be short, even empty, and still have a Next.
type UserPage struct {
	Items []User
	Next  string
}

// Profile is how a caller appears on a request, for the users index. On a write, the zero
// Profile means "not the owner's": an app writing a user's tasks has no name or email of the
// user to give, and the index keeps the ones the user's own latest write left.
type Profile struct {
	Name, Email string
}

// Known reports whether p says who someone is.
func (p Profile) Known() bool { return p != Profile{} }

// AuditAction names what an admin or an app did.
type AuditAction string

const (
	// ActionListUsers is no longer recorded: the admin panel lists users every time it opens, and a
	// record of each opening buried the changes the log is for. Records from before stay readable.
	ActionListUsers      AuditAction = "list-users"
	ActionReadUserTasks  AuditAction = "read-user-tasks"
	ActionEraseUserTasks AuditAction = "erase-user-tasks"
	// An app's writes to a user's tasks (application permission Tasks.ReadWrite.All).
	ActionCreateUserTask AuditAction = "create-user-task"
	ActionUpdateUserTask AuditAction = "update-user-task"
	ActionDeleteUserTask AuditAction = "delete-user-task"
)

// ActorKind is who acted: a signed-in user, or an app calling as itself.
type ActorKind string

const (
	ActorUser ActorKind = "user" // ActorID is the user's object id
	ActorApp  ActorKind = "app"  // ActorID is the app's client (application) id
)

// AuditState is where an audited action got to. Reads are recorded once they are done. An
// erase is recorded as started before its first delete, and completed after its last.
type AuditState string

const (
	AuditStarted   AuditState = "started"   // recorded before the action; still so if it never ended
	AuditCompleted AuditState = "completed" // done in full
	AuditPartial   AuditState = "partial"   // stopped with work left (Remaining); running it again goes on
	AuditFailed    AuditState = "failed"    // stopped by an error after Count items
)

// AuditRecord is one audited action: by an admin, or by an app on a user's tasks. Subject is the
// user acted on, by their oid ("" for none: each tenant's log is its own, so the oid names them);
// SubjectProfile is who they were when an erase read their account (an erase clears the name and
// email from the account row, so the log is where an erased user keeps one; empty: not known);
// Count is how many items the action returned or erased (nil: not known yet); Remaining is what
// an erase left (nil: not applicable or not known).
type AuditRecord struct {
	ID             string
	At             time.Time
	ActorID        string
	ActorKind      ActorKind // "" reads as ActorUser: records from before apps were written by users
	ActorName      string
	Action         AuditAction
	Subject        string
	SubjectProfile Profile
	State          AuditState
	Count          *int
	Remaining      *int
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items []AuditRecord
	Next  string
}

// Erasure is what one EraseTasks call did: tasks it deleted, and tasks the owner still has
// (0 when the erase is complete; more when it ran out of time or tasks were created meanwhile).
// Subject is who the owner was on their account row when the erase first read it (empty if it
// never got that far, or the row had no name: a user whose tasks were already erased).
type Erasure struct {
	Erased    int
	Remaining int
	Subject   Profile
}

// Users is the users index and the erase: what the admin API reads and changes besides the
// tasks themselves. Each tenant has an index of its own: an admin of one tenant never sees or
// touches another's (the tenant always comes from the caller's token).
type Users interface {
	// ListUsers pages through tenant's users who have tasks; it never reads the tasks themselves,
	// nor another tenant's users. A cursor of another tenant's listing is ErrInvalidCursor.
	ListUsers(ctx context.Context, tenant Tenant, limit int, cursor string) (UserPage, error)
	// EraseTasks deletes owner's tasks in atomic batches, keeping the count exact after each,
	// and starts no batch after stopBy. Safe to repeat: the next call goes on where this one
	// stopped.
	EraseTasks(ctx context.Context, owner string, stopBy time.Time) (Erasure, error)
}

// AuditLog is the record of every admin and app action on users' tasks. Each tenant has a log
// of its own, which only that tenant's admins read.
type AuditLog interface {
	// AppendAudit adds a record to tenant's log and returns its id. Records are never removed.
	AppendAudit(ctx context.Context, tenant Tenant, r AuditRecord) (string, error)
	// CompleteAudit closes a started record: its final state, count and remaining, and the
	// subject's profile when the action learnt it (an erase reads it from the account row it
	// clears). It is the only change a record ever gets.
	CompleteAudit(ctx context.Context, tenant Tenant, id string, state AuditState, count int, remaining *int, subject Profile) error
	// ListAudit pages through tenant's audit log, newest first. A cursor of another tenant's
	// log is ErrInvalidCursor.
	ListAudit(ctx context.Context, tenant Tenant, limit int, cursor string) (AuditPage, error)
}
