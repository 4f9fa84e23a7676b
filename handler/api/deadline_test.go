package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// stuckStore never answers a list until its context ends, as storage that stopped
// responding; it then fails as the table store does on a timeout.
type stuckStore struct {
	tasks.Store
	deadline chan time.Duration // how far the call's deadline was when it started; -1: none
}

func (s stuckStore) List(ctx context.Context, owner string, limit int, cursor string) (tasks.Page, error) {
	if d, ok := ctx.Deadline(); ok {
		s.deadline <- time.Until(d)
	} else {
		s.deadline <- -1
	}
	select {
	case <-ctx.Done():
		return tasks.Page{}, fmt.Errorf("list: %w: %w", tasks.ErrUnavailable, ctx.Err())
	case <-time.After(10 * time.Second):
		return tasks.Page{}, nil
	}
}

// Every request's work is bounded by Config.RequestTimeout: storage that stops answering
// costs the client a 503 after the timeout, not a hung request, and the access log line of
// that request still carries its status and duration.
func TestRequestTimeoutBoundsStorage(t *testing.T) {
	const timeout = 200 * time.Millisecond
	store := stuckStore{deadline: make(chan time.Duration, 1)}
	var logs testenv.LogBuffer
	srv := httptest.NewServer(New(Config{Verifier: oneUser{}, Store: store, RequestTimeout: timeout,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	defer srv.Close()

	start := time.Now()
	req, _ := http.NewRequest("GET", srv.URL+"/api/tasks", nil)
	req.Header.Set("Authorization", "Bearer any") // oneUser accepts every token
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q: want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	select {
	case left := <-store.deadline:
		if left < 0 || left > timeout {
			t.Errorf("the storage call's deadline was %v away, want at most the request timeout %v", left, timeout)
		}
	default:
		t.Error("the store was never called")
	}
	if took > 5*time.Second {
		t.Errorf("the request took %v", took)
	}
	srv.Close() // the log line is written before the response completes; Close waits for the handler
	var line struct {
		Status int      `json:"status"`
		MS     *float64 `json:"ms"`
	}
	if err := json.Unmarshal([]byte(logs.String()), &line); err != nil || line.Status != 503 || line.MS == nil || *line.MS < float64(timeout.Milliseconds()) {
		t.Errorf("access log line %q: want status 503 and its duration in ms", logs.String())
	}
}
