package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

type meJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	TenantID string   `json:"tenantId"`
	Scopes   []string `json:"scopes"`
}

// me answers from the verified token alone: no storage, no Graph call.
func (s *Server) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	writeJSON(w, http.StatusOK, meJSON{
		ID: p.ObjectID, Name: p.Name, Email: p.Username, TenantID: p.TenantID, Scopes: p.Scopes,
	})
}

type pageJSON struct {
	Items []taskJSON `json:"items"`
	Next  string     `json:"next,omitempty"`
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" || q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.fail(w, r, &tasks.ValidationError{Field: "limit", Message: "must be a whole number"})
			return
		}
		if n == 0 {
			n = -1 // an explicit 0 is out of range, not "the default"
		}
		limit = n
	}
	limit, err := tasks.CheckPageSize(limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Has("next") && q.Get("next") == "" {
		s.fail(w, r, tasks.ErrInvalidCursor)
		return
	}
	page, err := s.store.List(r.Context(), p.ObjectID, limit, q.Get("next"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := pageJSON{Items: make([]taskJSON, len(page.Items)), Next: page.Next}
	for i, t := range page.Items {
		out.Items[i] = toJSON(t)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	fields, err := readJSONObject(w, r)
	if err == nil {
		err = onlyFields(fields, "title")
	}
	var title *string
	if err == nil {
		title, err = stringField(fields, "title")
	}
	if err == nil && title == nil {
		err = &tasks.ValidationError{Field: "title", Message: "is required"}
	}
	var clean string
	if err == nil {
		clean, err = tasks.NormalizeTitle(*title)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.nowMillis()
	t, err := s.store.Create(r.Context(), p.ObjectID, tasks.Task{
		ID: s.ids.New(), Title: clean, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/tasks/"+t.ID)
	w.Header().Set("ETag", t.ETag)
	writeJSON(w, http.StatusCreated, toJSON(t))
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := taskID(r)
	if !ok {
		s.fail(w, r, errTaskNotFound)
		return
	}
	t, err := s.store.Get(r.Context(), p.ObjectID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag)
	writeJSON(w, http.StatusOK, toJSON(t))
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := taskID(r)
	if !ok {
		s.fail(w, r, errTaskNotFound)
		return
	}
	patch, err := readPatch(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.store.Update(r.Context(), p.ObjectID, id, patch, ifMatch(r), s.nowMillis())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag)
	writeJSON(w, http.StatusOK, toJSON(t))
}

func readPatch(w http.ResponseWriter, r *http.Request) (tasks.Patch, error) {
	fields, err := readJSONObject(w, r)
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

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := taskID(r)
	if !ok {
		s.fail(w, r, errTaskNotFound)
		return
	}
	if err := s.store.Delete(r.Context(), p.ObjectID, id, ifMatch(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// taskID returns the {id} path value if it has our id form; anything else cannot name a
// task, and is answered 404 before it reaches storage.
func taskID(r *http.Request) (string, bool) {
	id := r.PathValue("id")
	return id, tasks.IsID(id)
}

// ifMatch returns the If-Match ETag, or "" for none. "*" means "any current version", which
// for an existing task is no condition at all.
func ifMatch(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "*" {
		return ""
	}
	return v
}
