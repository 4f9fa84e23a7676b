package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

type oneUser struct{}

func (oneUser) Verify(ctx context.Context, raw string) (*auth.Principal, error) {
	return &auth.Principal{ObjectID: entra.UserA}, nil
}
func (oneUser) RequiredScope() string { return "api://x/access_as_user" }

// ctxStore records whether each call's context was already cancelled, and fails as a real
// store does when it is.
type ctxStore struct {
	tasks.Store
	cancelledCalls int
	calls          int
}

func (s *ctxStore) seen(ctx context.Context) error {
	s.calls++
	if err := ctx.Err(); err != nil {
		s.cancelledCalls++
		return err
	}
	return nil
}

func (s *ctxStore) Create(ctx context.Context, owner string, n tasks.NewTask) (tasks.Created, error) {
	if err := s.seen(ctx); err != nil {
		return tasks.Created{}, err
	}
	n.Task.ETag = `W/"1"`
	return tasks.Created{Task: n.Task}, nil
}

func (s *ctxStore) List(ctx context.Context, owner string, q tasks.ListQuery) (tasks.Page, error) {
	return tasks.Page{}, s.seen(ctx)
}

func (s *ctxStore) Get(ctx context.Context, owner, id string) (tasks.Task, error) {
	if err := s.seen(ctx); err != nil {
		return tasks.Task{}, err
	}
	return tasks.Task{}, tasks.ErrNotFound
}

// A request whose client has gone (net/http cancels the context on a half-close or a reset)
// still has its storage calls run to the end, so a create is answered 201 and not 500 after
// it was stored; a read that then finds nothing still answers the truth (404).
func TestStorageOutlivesTheClientsCancellation(t *testing.T) {
	store := &ctxStore{}
	var logs bytes.Buffer
	s := New(Config{Verifier: oneUser{}, Store: store, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/tasks", `{"title":"written"}`, 201},
		{"GET", "/api/tasks", "", 200},
		{"GET", "/api/tasks/01J0000000000000000000000A", "", 404},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the client half-closed before the handler reached storage
		req := httptest.NewRequestWithContext(ctx, c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s %s from a client that went away: %d %s, want %d", c.method, c.path, rec.Code, rec.Body, c.status)
		}
	}
	if store.calls == 0 || store.cancelledCalls != 0 {
		t.Errorf("%d of %d storage calls ran on the client's cancelled context", store.cancelledCalls, store.calls)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("an ERROR for a client that went away:\n%s", logs.String())
	}
}

// cancellingStore stands for anything the client's cancellation cuts short.
type cancellingStore struct{ tasks.Store }

func (cancellingStore) List(ctx context.Context, owner string, q tasks.ListQuery) (tasks.Page, error) {
	return tasks.Page{}, context.Canceled
}

// What fails because the client closed the request is a 499 logged at INFO, never a 5xx or
// an ERROR line; the server's own timeout is still a 5xx.
func TestClientClosedRequestIs499(t *testing.T) {
	var logs bytes.Buffer
	s := New(Config{Verifier: oneUser{}, Store: cancellingStore{}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/api/tasks", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != StatusClientClosedRequest {
		t.Errorf("a request cut short by its client: %d %s, want 499", rec.Code, rec.Body)
	}
	line := logs.String()
	if !strings.Contains(line, `"level":"INFO"`) || !strings.Contains(line, `"status":499`) || !strings.Contains(line, "client closed request") {
		t.Errorf("log line %s, want INFO with status 499 and the reason", line)
	}

	// The same failure without a client cancellation (the server's deadline) stays a 5xx.
	logs.Reset()
	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	req = httptest.NewRequestWithContext(ctx, "GET", "/api/tasks", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code < 500 || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("the server's own deadline: %d, log %s; want a 5xx and an ERROR", rec.Code, logs.String())
	}
}

var _ http.Handler = (*Server)(nil)

// brokenBody is a body whose connection failed part-way (a reset).
type brokenBody struct{}

func (brokenBody) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// A body read that fails because the client's connection did (net/http then cancels the
// request) is the client leaving, 499, not "the request body could not be read" (400); the
// same failure with the client still there stays a 400.
func TestBodyCutShortByTheClientIs499(t *testing.T) {
	s := New(Config{Verifier: oneUser{}, Store: &ctxStore{}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	for _, gone := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		if gone {
			cancel()
		}
		req := httptest.NewRequestWithContext(ctx, "POST", "/api/tasks", brokenBody{})
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		cancel()
		want := http.StatusBadRequest
		if gone {
			want = StatusClientClosedRequest
		}
		if rec.Code != want {
			t.Errorf("a body read failing with the client gone=%v: %d %s, want %d", gone, rec.Code, rec.Body, want)
		}
	}
}
