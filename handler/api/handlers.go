package api

import (
	"context"
	"net/http"

	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

type meJSON struct {
	ID string `json:"id"`
	// Kind is "user" (a signed-in user) or "app" (an app calling as itself); AppID is the client
	// app's id: the app itself, or the one the user signed in with.
	Kind     string   `json:"kind"`
	AppID    string   `json:"appId"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	TenantID string   `json:"tenantId"`
	Scopes   []string `json:"scopes"`
	// Roles are the recognised app roles in the token; Permissions what they grant (a caller
	// with no role gets an Editor's), so that the SPA never decodes a token or re-derives rules.
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
}

// me answers from the verified token alone: no storage, no Graph call. The body is meOf(p)
// as JSON (writeMe: without reflection).
func (s *Server) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	s.writeMe(w, p)
	return nil
}

type pageJSON struct {
	Items []taskJSON `json:"items"`
	Next  string     `json:"next,omitempty"`
}

// listTasks answers GET /api/tasks?limit=&next=&q=&done=: newest first, done=false hides done
// tasks, q searches titles (see tablestore.Store.List for what a search costs).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q, err := listParams(r, true)
	if err != nil {
		return err
	}
	ctx, cancel := s.storageContext(r)
	defer cancel()
	page, err := s.store.List(ctx, s.tenantOf(p).Owner(p.ObjectID), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPageJSON(page))
	return nil
}

func toPageJSON(page tasks.Page) pageJSON {
	out := pageJSON{Items: make([]taskJSON, len(page.Items)), Next: page.Next}
	for i, t := range page.Items {
		out.Items[i] = toJSON(t)
	}
	return out
}

// pageParams reads limit and next, as every list route takes them.
func pageParams(r *http.Request) (limit int, next string, err error) {
	q, err := listParams(r, false)
	return q.Limit, q.Cursor, err
}

// listParams reads a task list's query: limit and next, and with filters q and done.
func listParams(r *http.Request, filters bool) (tasks.ListQuery, error) {
	q, err := parseListQuery(r.URL.RawQuery, filters)
	if err != nil {
		return tasks.ListQuery{}, err
	}
	limit, err := tasks.CheckPageSize(q.limit)
	if err != nil {
		return tasks.ListQuery{}, err
	}
	return tasks.ListQuery{Limit: limit, Cursor: q.next, Done: q.done, Search: q.search}, nil
}

// createTask answers a create in whose tasks: POST /api/tasks, or an app's POST
// /api/users/{userId}/tasks (audited before the write and completed after it).
func (s *Server) createTask(whose whose) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		of, err := whose(r, p, s.tenantOf(p))
		if err != nil {
			return err
		}
		key, err := parseIdempotencyKey(r)
		if err != nil {
			return err
		}
		title, err := s.readNewTitle(w, r)
		if err != nil {
			return err
		}
		now := s.nowMillis()
		ctx, cancel := s.storageContext(r)
		defer cancel()
		rec, err := s.beginAudit(ctx, of, p, tasks.ActionCreateUserTask)
		if err != nil {
			return err
		}
		c, err := s.store.Create(ctx, of.owner, tasks.NewTask{
			Task:  tasks.Task{ID: s.ids.New(), Title: title, CreatedAt: now, UpdatedAt: now},
			By:    of.by,
			Limit: s.maxTasks,
			Key:   key,
		})
		created := 1
		if c.Replayed {
			created = 0 // the first create with this key made it
		}
		if err := s.finishAudit(ctx, r, rec, err, created); err != nil {
			return err
		}
		if c.Replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Location", of.base+"/"+c.Task.ID)
		w.Header().Set("ETag", c.Task.ETag)
		writeJSON(w, http.StatusCreated, toJSON(c.Task))
		return nil
	}
}

// profile is how the caller appears in the users index.
func profile(p *auth.Principal) tasks.Profile {
	return tasks.Profile{Name: p.Name, Email: p.Username}
}

// write is a write in of now, for the store's bookkeeping.
func (s *Server) write(of tasksOf) tasks.Write {
	return tasks.Write{At: s.nowMillis(), By: of.by}
}

// readNewTitle reads a create's body: an object with a title and nothing else, which
// becomes the task's title once normalised.
func (s *Server) readNewTitle(w http.ResponseWriter, r *http.Request) (string, error) {
	fields, err := readJSONObject(w, r, s.bodyTimeout)
	if err != nil {
		return "", err
	}
	if err := onlyFields(fields, "title"); err != nil {
		return "", err
	}
	title, err := stringField(fields, "title")
	if err != nil {
		return "", err
	}
	if title == nil {
		return "", &tasks.ValidationError{Field: "title", Message: "is required"}
	}
	return tasks.NormalizeTitle(*title)
}

// getTask answers GET /api/tasks/{id}, or GET /api/users/{userId}/tasks/{taskId} (the read is
// audited once done, as a list of a user's tasks is).
func (s *Server) getTask(whose whose) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		of, err := whose(r, p, s.tenantOf(p))
		if err != nil {
			return err
		}
		id, err := taskID(r)
		if err != nil {
			return err
		}
		ctx, cancel := s.storageContext(r)
		defer cancel()
		t, err := s.store.Get(ctx, of.owner, id)
		if err != nil {
			return err
		}
		if of.audited {
			if err := s.audit(ctx, p, of.tenant, tasks.ActionReadUserTasks, of.user, 1); err != nil {
				return err
			}
		}
		w.Header().Set("ETag", t.ETag)
		writeJSON(w, http.StatusOK, toJSON(t))
		return nil
	}
}

// updateTask answers PATCH /api/tasks/{id}, or an app's PATCH /api/users/{userId}/tasks/{taskId}
// (audited before the write and completed after it).
func (s *Server) updateTask(whose whose) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		of, err := whose(r, p, s.tenantOf(p))
		if err != nil {
			return err
		}
		id, err := taskID(r)
		if err != nil {
			return err
		}
		cond, err := parseIfMatch(r)
		if err != nil {
			return err
		}
		patch, err := s.readPatch(w, r)
		if err != nil {
			return err
		}
		ctx, cancel := s.storageContext(r)
		defer cancel()
		rec, err := s.beginAudit(ctx, of, p, tasks.ActionUpdateUserTask)
		if err != nil {
			return err
		}
		t, err := s.store.Update(ctx, of.owner, id, patch, cond, s.write(of))
		if err := s.finishAudit(ctx, r, rec, err, 1); err != nil {
			return err
		}
		w.Header().Set("ETag", t.ETag)
		writeJSON(w, http.StatusOK, toJSON(t))
		return nil
	}
}

// readPatch reads an update's body: title, completed or both, and nothing else.
func (s *Server) readPatch(w http.ResponseWriter, r *http.Request) (tasks.Patch, error) {
	fields, err := readJSONObject(w, r, s.bodyTimeout)
	if err != nil {
		return tasks.Patch{}, err
	}
	if err := onlyFields(fields, "title", "completed"); err != nil {
		return tasks.Patch{}, err
	}
	var p tasks.Patch
	if p.Title, err = stringField(fields, "title"); err != nil {
		return tasks.Patch{}, err
	}
	if p.Completed, err = boolField(fields, "completed"); err != nil {
		return tasks.Patch{}, err
	}
	if p.Title == nil && p.Completed == nil {
		return tasks.Patch{}, badRequest("the patch must change title or completed")
	}
	if p.Title != nil {
		clean, err := tasks.NormalizeTitle(*p.Title)
		if err != nil {
			return tasks.Patch{}, err
		}
		p.Title = &clean
	}
	return p, nil
}

// deleteTask answers DELETE /api/tasks/{id}, or an app's DELETE /api/users/{userId}/tasks/{taskId}
// (audited before the write and completed after it).
func (s *Server) deleteTask(whose whose) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		of, err := whose(r, p, s.tenantOf(p))
		if err != nil {
			return err
		}
		id, err := taskID(r)
		if err != nil {
			return err
		}
		cond, err := parseIfMatch(r)
		if err != nil {
			return err
		}
		ctx, cancel := s.storageContext(r)
		defer cancel()
		rec, err := s.beginAudit(ctx, of, p, tasks.ActionDeleteUserTask)
		if err != nil {
			return err
		}
		err = s.store.Delete(ctx, of.owner, id, cond, s.write(of))
		if err := s.finishAudit(ctx, r, rec, err, 1); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// taskID returns the task's id in the path ({id} of /api/tasks/{id}, {taskId} of
// /api/users/{userId}/tasks/{taskId}) if it has our id form. Anything else cannot name a task:
// it is not found, as storage would say, without a call to storage.
func taskID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if id == "" {
		id = r.PathValue("taskId")
	}
	if !tasks.IsID(id) {
		return "", tasks.ErrNotFound
	}
	return id, nil
}

// storageContext is the context for a request's storage calls: its own budget (storageTimeout),
// which starts once the request is read, so that a client slow to send its body never eats the
// time storage needs (a create cut short after the service stored it would be answered 503),
// and which the client's cancellation does not end. net/http cancels a request's context when
// the client half-closes its side after a complete request, as some clients and proxies do
// while still reading the answer. A write abandoned half-way would leave its outcome unknown;
// finishing it lets the answer, if anyone reads it, tell the truth. Reads finish too, for the
// same half-closed clients: each is a bounded number of round trips.
func (s *Server) storageContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), s.storageTimeout)
}
