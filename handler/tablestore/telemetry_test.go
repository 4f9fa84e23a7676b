package tablestore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// fault answers the next armed call itself, as a throttled or silent service would, and lets
// every other call through to Azurite.
type fault struct {
	mu     sync.Mutex
	answer func(*policy.Request) (*http.Response, error) // nil: pass through
}

func (f *fault) arm(a func(*policy.Request) (*http.Response, error)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fault) Do(req *policy.Request) (*http.Response, error) {
	f.mu.Lock()
	a := f.answer
	f.mu.Unlock()
	if a == nil {
		return req.Next()
	}
	return a(req)
}

// serviceError is the service's error answer: status, x-ms-error-code and the JSON body.
func serviceError(status int, code string) func(*policy.Request) (*http.Response, error) {
	return func(req *policy.Request) (*http.Response, error) {
		body := `{"odata.error":{"code":"` + code + `","message":{"lang":"en-US","value":"x"}}}`
		h := http.Header{"Content-Type": {"application/json"}, "X-Ms-Error-Code": {code}}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req.Raw()}, nil
	}
}

// telemetryLines is a store whose telemetry is read from a log, with the fault injector below it.
func telemetryStore(t *testing.T) (*tablestore.Store, *fault, *bytes.Buffer, string) {
	t.Helper()
	var log bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(p)
	}), nil))
	f := &fault{}
	cs := testenv.StartAzurite(t).ConnectionString()
	store, err := tablestore.NewFromConnectionString(cs, "tasks", tablestore.Telemetry(logger), f)
	if err != nil {
		t.Fatal(err)
	}
	return store, f, &log, cs
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

type storageLine struct {
	Level, Msg, Op, Outcome string
	Status                  int
	MS                      *float64 `json:"ms"`
}

// lastStorageLine is the last "storage" line of log.
func lastStorageLine(t *testing.T, log *bytes.Buffer) storageLine {
	t.Helper()
	var last storageLine
	for _, raw := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var l storageLine
		if json.Unmarshal([]byte(raw), &l) == nil && l.Msg == "storage" {
			last = l
		}
	}
	if last.Msg == "" || last.MS == nil {
		t.Fatalf("no storage line with ms in:\n%s", log.String())
	}
	return last
}

// Each storage call leaves one line naming its operation, status and outcome; throttling and
// time-outs are named and logged at WARN, anything else unexpected at ERROR.
func TestStorageCallsAreLoggedWithTheirOutcome(t *testing.T) {
	store, f, log, _ := telemetryStore(t)
	ctx := context.Background()
	owner := "5b7e0c1a-0000-4000-8000-0000000000c1"
	if err := store.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lastStorageLine(t, log); got.Op != "create table" || got.Outcome != "ok" || got.Level != "INFO" || got.Status != 201 {
		t.Errorf("create table: %+v", got)
	}
	_, err := store.Get(ctx, owner, "01JDQ1E5W1ZK8J6B6X9F4YV7QH")
	if got := lastStorageLine(t, log); got.Op != "get task" || got.Outcome != "notfound" || got.Level != "INFO" || got.Status != 404 || err == nil {
		t.Errorf("missing task: %+v (%v)", got, err)
	}

	for _, tc := range []struct {
		name    string
		answer  func(*policy.Request) (*http.Response, error)
		outcome string
		level   string
		status  int
	}{
		{"503 Server Busy", serviceError(503, "ServerBusy"), "throttled", "WARN", 503},
		{"429", serviceError(429, "TooManyRequests"), "throttled", "WARN", 429},
		{"500 Operation Timed Out", serviceError(500, "OperationTimedOut"), "throttled", "WARN", 500},
		{"500 Internal Error", serviceError(500, "InternalError"), "error", "ERROR", 500},
		{"403", serviceError(403, "AuthorizationFailure"), "error", "ERROR", 403},
		{"no answer in time", func(req *policy.Request) (*http.Response, error) {
			<-req.Raw().Context().Done()
			return nil, req.Raw().Context().Err()
		}, "timeout", "WARN", 0},
	} {
		f.arm(tc.answer)
		callCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_, err := store.Get(callCtx, owner, "01JDQ1E5W1ZK8J6B6X9F4YV7QH")
		cancel()
		got := lastStorageLine(t, log)
		if got.Op != "get task" || got.Outcome != tc.outcome || got.Level != tc.level || got.Status != tc.status || err == nil {
			t.Errorf("%s: %+v (%v), want outcome %s at %s, status %d", tc.name, got, err, tc.outcome, tc.level, tc.status)
		}
	}
}

// No storage line holds what a user wrote or who they are: not a title, a search text, an
// owner key, nor the connection string's key, even when calls fail.
func TestStorageLinesHoldNoUserContent(t *testing.T) {
	store, f, log, cs := telemetryStore(t)
	ctx := context.Background()
	owner := "5b7e0c1a-0000-4000-8000-0000000000c2"
	const title, search = "Pick up the prescription for Ada", "prescription"
	if _, err := store.Create(ctx, owner, tasks.NewTask{Task: telemetryTask(title), By: tasks.Profile{Name: "Ada Lovelace", Email: "ada@example.com"}, Key: "idem-key-7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.List(ctx, owner, tasks.ListQuery{Limit: 10, Search: search}); err != nil {
		t.Fatal(err)
	}
	f.arm(serviceError(503, "ServerBusy"))
	store.List(ctx, owner, tasks.ListQuery{Limit: 10, Search: search})
	f.arm(nil)
	key := cs[strings.Index(cs, "AccountKey=")+len("AccountKey=") : strings.Index(cs, "==")]
	for _, secret := range []string{title, search, owner, "Ada", "ada@example.com", "idem-key-7", key} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("a storage line holds %q:\n%s", secret, log.String())
		}
	}
	if !strings.Contains(log.String(), `"op":"list tasks"`) {
		t.Errorf("no list tasks line in:\n%s", log.String())
	}
}

func telemetryTask(title string) tasks.Task {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return tasks.Task{ID: tasks.NewIDGenerator(time.Now).New(), Title: title, CreatedAt: now, UpdatedAt: now}
}
