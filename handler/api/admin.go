package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

// The admin API: who has tasks, one user's tasks, erasing them, and the audit log, each of the
// caller's own tenant only (tenantOf): {userId} is an oid in that tenant. Listing users
// and reading a user's tasks take access.UsersRead (Admin, or an app's Tasks.Read.All or
// Tasks.ReadWrite.All); the erase takes access.UsersErase and the audit log access.AuditRead,
// both the Admin role's only (see routes). Every
// action on a user's data is recorded before its answer is sent: if the record cannot be
// written, the admin gets a 503 and no data. The list of users is not recorded: the admin panel
// reads it every time it opens, a record of each opening buried the erases the log is for, and
// it shows no user's tasks, only who has some (reading one user's tasks is recorded).

type userJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	TaskCount    int    `json:"taskCount"`
	LastActivity string `json:"lastActivity"`
}

type userPageJSON struct {
	Items []userJSON `json:"items"`
	Next  string     `json:"next,omitempty"` // absent on the last page, as on every list
}

// actorJSON is who acted: kind "user" (id: their object id) or "app" (id: its client id; no name).
type actorJSON struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type auditJSON struct {
	ID      string    `json:"id"`
	At      string    `json:"at"`
	Actor   actorJSON `json:"actor"`
	Action  string    `json:"action"`
	Subject *string   `json:"subject"`
	// SubjectName and SubjectEmail: who the subject was when an erase read their account; null
	// when not known (reads, older records, a user whose tasks were already erased).
	SubjectName  *string `json:"subjectName"`
	SubjectEmail *string `json:"subjectEmail"`
	State        string  `json:"state"`
	Count        *int    `json:"count"`
	Remaining    *int    `json:"remaining"`
}

type erasureJSON struct {
	Erased    int `json:"erased"`
	Remaining int `json:"remaining"`
}

type auditPageJSON struct {
	Items []auditJSON `json:"items"`
	Next  string      `json:"next,omitempty"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	limit, next, err := pageParams(r)
	if err != nil {
		return err
	}
	users, err := s.adminUsers()
	if err != nil {
		return err
	}
	ctx, cancel := s.storageContext(r)
	defer cancel()
	page, err := users.ListUsers(ctx, s.tenantOf(p), limit, next)
	if err != nil {
		return err
	}
	out := userPageJSON{Items: make([]userJSON, len(page.Items)), Next: page.Next}
	for i, u := range page.Items {
		out.Items[i] = userJSON{ID: u.ID, Name: u.Name, Email: u.Email, TaskCount: u.TaskCount,
			LastActivity: u.LastActivity.UTC().Format(timeLayout)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listUserTasks(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	oid, err := userID(r)
	if err != nil {
		return err
	}
	tenant := s.tenantOf(p)
	q, err := listParams(r, false)
	if err != nil {
		return err
	}
	if _, err := s.audited(); err != nil {
		return err // no audit log: no read of anyone's tasks
	}
	ctx, cancel := s.storageContext(r)
	defer cancel()
	page, err := s.store.List(ctx, tenant.Owner(oid), q)
	if err != nil {
		return err
	}
	if err := s.audit(ctx, p, tenant, tasks.ActionReadUserTasks, oid, len(page.Items)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPageJSON(page))
	return nil
}

// eraseUserTasks erases a user's tasks in batches. The audit record is written before the first
// delete (no record, no erase: a 503) and completed after the last with the count, also when
// storage fails half way. An erase that runs out of its time answers what it did and what
// remains; running it again goes on from there.
//
// With an admin authentication context configured (ADMIN_AUTH_CONTEXT), the token must have
// satisfied it (acrs): a stolen or long-lived session alone cannot erase anyone's tasks.
func (s *Server) eraseUserTasks(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := p.RequireAuthContext(s.adminAuthContext); err != nil {
		return err
	}
	oid, err := userID(r)
	if err != nil {
		return err
	}
	tenant := s.tenantOf(p)
	users, err := s.adminUsers()
	if err != nil {
		return err
	}
	auditLog, err := s.audited()
	if err != nil {
		return err
	}
	ctx, cancel := s.storageContext(r)
	defer cancel()
	actorID, actorKind, actorName := actor(p)
	record, err := auditLog.AppendAudit(ctx, tenant, tasks.AuditRecord{
		At: s.nowMillis(), ActorID: actorID, ActorKind: actorKind, ActorName: actorName, Action: tasks.ActionEraseUserTasks,
		Subject: oid, State: tasks.AuditStarted,
	})
	if err != nil {
		return err
	}
	// Leave a share of the budget for the last batch and the record's completion.
	done, eraseErr := users.EraseTasks(ctx, tenant.Owner(oid), time.Now().Add(s.storageTimeout*2/3))
	state, remaining := tasks.AuditCompleted, &done.Remaining
	switch {
	case eraseErr != nil:
		state, remaining = tasks.AuditFailed, nil
	case done.Remaining > 0:
		state = tasks.AuditPartial
	}
	// The completion gets a budget of its own: an erase that used the request's up (storage slow
	// half-way) must still say what it did, or its record stays "started" with no count.
	completion, cancelCompletion := context.WithTimeout(context.WithoutCancel(ctx), auditCompletionTimeout)
	defer cancelCompletion()
	if err := auditLog.CompleteAudit(completion, tenant, record, state, done.Erased, remaining, done.Subject); err != nil {
		return errors.Join(eraseErr, err)
	}
	if eraseErr != nil {
		return eraseErr
	}
	writeJSON(w, http.StatusOK, erasureJSON{Erased: done.Erased, Remaining: done.Remaining})
	return nil
}

// auditCompletionTimeout bounds the completion of an erase's audit record, after the erase.
const auditCompletionTimeout = 5 * time.Second

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	limit, next, err := pageParams(r)
	if err != nil {
		return err
	}
	auditLog, err := s.audited()
	if err != nil {
		return err
	}
	ctx, cancel := s.storageContext(r)
	defer cancel()
	page, err := auditLog.ListAudit(ctx, s.tenantOf(p), limit, next)
	if err != nil {
		return err
	}
	out := auditPageJSON{Items: make([]auditJSON, len(page.Items)), Next: page.Next}
	for i, a := range page.Items {
		out.Items[i] = auditJSON{ID: a.ID, At: a.At.UTC().Format(timeLayout),
			Actor: actorJSON{ID: a.ActorID, Kind: string(a.ActorKind), Name: a.ActorName}, Action: string(a.Action),
			Subject: nullable(a.Subject), SubjectName: nullable(a.SubjectProfile.Name),
			SubjectEmail: nullable(a.SubjectProfile.Email), State: string(a.State), Count: a.Count, Remaining: a.Remaining}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// audit records in tenant's audit log that p did action to subject (an oid of tenant; "" for
// none), involving count items: for a read, once it is done.
func (s *Server) audit(ctx context.Context, p *auth.Principal, tenant tasks.Tenant, action tasks.AuditAction, subject string, count int) error {
	auditLog, err := s.audited()
	if err != nil {
		return err
	}
	id, kind, name := actor(p)
	_, err = auditLog.AppendAudit(ctx, tenant, tasks.AuditRecord{
		At: s.nowMillis(), ActorID: id, ActorKind: kind, ActorName: name, Action: action, Subject: subject,
		State: tasks.AuditCompleted, Count: &count,
	})
	return err
}

func (s *Server) adminUsers() (tasks.Users, error) {
	if s.users == nil {
		return nil, errNoUsers
	}
	return s.users, nil
}

// audited is the audit log, or errNoAuditLog: an action that must be recorded is not taken
// without one.
func (s *Server) audited() (tasks.AuditLog, error) {
	if s.auditLog == nil {
		return nil, errNoAuditLog
	}
	return s.auditLog, nil
}

// userID is the {userId} path value of an admin route: a user's object id (a GUID, in any
// case; stored lowercase, as the verifier keys data).
func userID(r *http.Request) (string, error) {
	id := r.PathValue("userId")
	if !auth.IsGUID(id) {
		return "", badRequest("userId: must be a user's object id (a GUID)")
	}
	return strings.ToLower(id), nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
