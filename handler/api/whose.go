package api

import (
	"context"
	"net/http"

	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

// The task routes come in two sets served by the same handlers: /api/tasks, a signed-in user's
// own tasks, and /api/users/{userId}/tasks, a given user's tasks, which an admin reads and an
// app (application permissions) reads and writes. Only whose tasks they are differs, and with
// it what is recorded: the users index takes a user's name from their own writes only, and
// everything done to another user's tasks is in the audit log.
//
// Either way the tasks are those of a user of the caller's own tenant (tenantOf): {userId} is an
// oid, and the tenant always comes from the token, so no caller can name another tenant's user.

// tasksOf is whose tasks a request acts on.
type tasksOf struct {
	tenant tasks.Tenant // the caller's: the audit log written to
	// owner is the partition: the owner key (tasks.Tenant.Owner) of the caller's own oid, or of
	// the route's {userId} in the caller's tenant.
	owner string
	// user is the route's {userId}, the audit record's subject ("" on the caller's own tasks).
	user string
	base string // the collection's path, for a create's Location
	// by is who writes, for the users index: the caller on their own tasks; nobody (the zero
	// Profile, which keeps the owner's name) on another's, where the caller is an app.
	by tasks.Profile
	// audited: another user's tasks; every read and write is in the audit log.
	audited bool
}

// whose finds whose tasks a request is about; tenant is the caller's (tenantOf).
type whose func(r *http.Request, p *auth.Principal, tenant tasks.Tenant) (tasksOf, error)

// ownTasks are the caller's own: /api/tasks.
func ownTasks(_ *http.Request, p *auth.Principal, tenant tasks.Tenant) (tasksOf, error) {
	return tasksOf{tenant: tenant, owner: tenant.Owner(p.ObjectID), base: "/api/tasks", by: profile(p)}, nil
}

// usersTasks are those of the route's {userId} in the caller's tenant: /api/users/{userId}/tasks.
func usersTasks(r *http.Request, _ *auth.Principal, tenant tasks.Tenant) (tasksOf, error) {
	oid, err := userID(r)
	if err != nil {
		return tasksOf{}, err
	}
	return tasksOf{tenant: tenant, owner: tenant.Owner(oid), user: oid, base: "/api/users/" + oid + "/tasks", audited: true}, nil
}

// tenantOf is the caller's tenant: the home one (whose users keep their bare oid as owner key)
// when the token's tid is Config.TenantID. The verifier has already checked that the tenant is
// one this API accepts, and a verified principal always has one.
func (s *Server) tenantOf(p *auth.Principal) tasks.Tenant {
	return tasks.Tenant{ID: p.TenantID, Home: p.TenantID == s.homeTenant}
}

// actor is how p appears in the audit log: a user by their object id and name, an app by its
// client (application) id, which is what an administrator finds it by in Entra.
func actor(p *auth.Principal) (id string, kind tasks.ActorKind, name string) {
	if p.Kind() == access.App {
		return p.AppID, tasks.ActorApp, ""
	}
	return p.ObjectID, tasks.ActorUser, p.Name
}

// auditRecord is a started audit record of a write in tenant's log, or none (log nil) for an
// unaudited one.
type auditRecord struct {
	log    tasks.AuditLog
	tenant tasks.Tenant
	id     string
}

// beginAudit records, before a write in of that is audited, that p starts action on of's owner:
// no record, no write (the caller answers the error, a 503 when storage is down). A write that is
// not audited gets the zero auditRecord.
func (s *Server) beginAudit(ctx context.Context, of tasksOf, p *auth.Principal, action tasks.AuditAction) (auditRecord, error) {
	if !of.audited {
		return auditRecord{}, nil
	}
	auditLog, err := s.audited()
	if err != nil {
		return auditRecord{}, err
	}
	id, kind, name := actor(p)
	rec, err := auditLog.AppendAudit(ctx, of.tenant, tasks.AuditRecord{
		At: s.nowMillis(), ActorID: id, ActorKind: kind, ActorName: name, Action: action,
		Subject: of.user, State: tasks.AuditStarted,
	})
	if err != nil {
		return auditRecord{}, err
	}
	return auditRecord{log: auditLog, tenant: of.tenant, id: rec}, nil
}

// finishAudit completes rec after its write: completed with count, or failed when writeErr says
// the write did not happen. It returns writeErr, for the caller to answer. A completion that
// cannot be written leaves the record "started" (the write is still on record as attempted) and
// does not change the answer: the write's own outcome is what the client must hear, and a 503
// for a create that was stored would invite a second one. The failure is logged.
func (s *Server) finishAudit(ctx context.Context, r *http.Request, rec auditRecord, writeErr error, count int) error {
	if rec.log == nil {
		return writeErr
	}
	state := tasks.AuditCompleted
	if writeErr != nil {
		state, count = tasks.AuditFailed, 0
	}
	// A budget of its own, as an erase's completion has: the write may have used the request's up.
	completion, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditCompletionTimeout)
	defer cancel()
	if err := rec.log.CompleteAudit(completion, rec.tenant, rec.id, state, count, nil, tasks.Profile{}); err != nil {
		s.log.ErrorContext(r.Context(), "audit record left started", "record", rec.id, "error", err.Error())
	}
	return writeErr
}
