package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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

func (s stuckStore) List(ctx context.Context, owner string, q tasks.ListQuery) (tasks.Page, error) {
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

// A request's storage calls are bounded by Config.StorageTimeout: storage that stops answering
// costs the client a 503 after the timeout, not a hung request, and the access log line of
// that request still carries its status and duration.
func TestStorageTimeoutBoundsStorage(t *testing.T) {
	const timeout = 200 * time.Millisecond
	store := stuckStore{deadline: make(chan time.Duration, 1)}
	var logs testenv.LogBuffer
	srv := httptest.NewServer(New(Config{Verifier: oneUser{}, Store: store, StorageTimeout: timeout,
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
			t.Errorf("the storage call's deadline was %v away, want at most the storage timeout %v", left, timeout)
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

// createRecorder stores every create and says how far each one's storage deadline was.
type createRecorder struct {
	tasks.Store
	creates chan time.Duration
}

func (s createRecorder) Create(ctx context.Context, owner string, n tasks.NewTask) (tasks.Created, error) {
	d, _ := ctx.Deadline()
	s.creates <- time.Until(d)
	n.Task.ETag = `W/"1"`
	return tasks.Created{Task: n.Task}, nil
}

// postSlowly sends a create whose body arrives in two parts, pause apart, and returns the
// answer's status line and headers.
func postSlowly(t *testing.T, url string, pause time.Duration, finish bool) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"title":"slow but sure"}`
	fmt.Fprintf(conn, "POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer any\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5])
	time.Sleep(pause) // the client's own slowness, which the test stands for
	if finish {
		io.WriteString(conn, body[5:])
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// The time a client takes to send its body is not storage time: with a request budget that a
// slow body uses up, the create still gets its whole storage budget, which starts once the
// body is in. (The design this replaces gave storage what the body left of one 15 s deadline,
// so a create stored at the last moment was answered 503.)
func TestStorageBudgetStartsAfterTheBody(t *testing.T) {
	store := createRecorder{creates: make(chan time.Duration, 1)}
	srv := httptest.NewServer(New(Config{Verifier: oneUser{}, Store: store,
		RequestTimeout: 100 * time.Millisecond, BodyTimeout: 5 * time.Second, StorageTimeout: time.Second}))
	defer srv.Close()
	resp := postSlowly(t, srv.URL, 300*time.Millisecond, true)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a slow but complete body: %d, want 201", resp.StatusCode)
	}
	if left := <-store.creates; left < 900*time.Millisecond {
		t.Errorf("storage had %v left of its 1 s budget after a body that took 300 ms", left)
	}
}

// A body that does not arrive within Config.BodyTimeout is answered 408, with the connection
// closed, and nothing reaches storage.
func TestABodyTooSlowIsA408AndChangesNothing(t *testing.T) {
	store := createRecorder{creates: make(chan time.Duration, 1)}
	srv := httptest.NewServer(New(Config{Verifier: oneUser{}, Store: store, BodyTimeout: 200 * time.Millisecond}))
	defer srv.Close()
	resp := postSlowly(t, srv.URL, 0, false)
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Errorf("a stalled body: %d (close %v), want 408 with Connection: close", resp.StatusCode, resp.Close)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	select {
	case <-store.creates:
		t.Error("storage was called for a body that never arrived")
	default:
	}
}
