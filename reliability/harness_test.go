package reliability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
)

// env is the real stack: Azurite from the pinned npm package, a loopback key set, and the
// handler binary as the Functions host runs it.
type env struct {
	azurite *testenv.Azurite
	handler *testenv.Handler
	key     *entra.Key
	http    *http.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	key, err := entra.NewKey("reliability-key")
	if err != nil {
		t.Fatal(err)
	}
	az := testenv.StartAzurite(t)
	h := testenv.StartHandler(t, map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           testenv.ServeKeys(t, entra.NewKeyServer(key)),
		"TABLES_CONNECTION_STRING": az.ConnectionString(),
	})
	return &env{azurite: az, handler: h, key: key, http: newClient()}
}

func newClient() *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128, IdleConnTimeout: 30 * time.Second},
	}
}

// userOID makes the i-th simulated user's object id.
func userOID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x10000000+i, i) }

func (e *env) token(t testing.TB, oid string) string {
	t.Helper()
	tok, err := e.key.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wireTask is a task as the API sends it, decoded the way the integration suite does.
type wireTask = apitest.Task

// answer is one call's outcome as the reliability tests judge it: the API's answer, or the
// transport error that stood in for one, and how long it took.
type answer struct {
	apitest.Response
	elapsed time.Duration
	err     error // transport error: no answer at all
}

func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("decode %d %q: %w", a.Status, a.Body, err)
	}
	return nil
}

func (a answer) String() string {
	if a.err != nil {
		return "transport error: " + a.err.Error()
	}
	return fmt.Sprintf("%d %s", a.Status, bytes.TrimSpace(a.Body))
}

// call sends one request with the integration suite's client; it never fails the test, so
// that goroutines can use it.
func call(c *http.Client, base string, req apitest.Request) answer {
	r, err := req.Build(base)
	if err != nil {
		return answer{err: err}
	}
	start := time.Now()
	resp, err := apitest.Send(c, r)
	return answer{Response: resp, err: err, elapsed: time.Since(start)}
}

// listAll follows next links to the end of a user's tasks.
func listAll(c *http.Client, base, token string, limit int) ([]wireTask, error) {
	var all []wireTask
	next := ""
	for range 10000 {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if next != "" {
			q.Set("next", next)
		}
		a := call(c, base, apitest.Request{Method: "GET", Path: "/api/tasks?" + q.Encode(), Token: token})
		if a.err != nil || a.Status != 200 {
			return nil, fmt.Errorf("list: %v", a)
		}
		var page struct {
			Items []wireTask `json:"items"`
			Next  string     `json:"next"`
		}
		if err := a.decode(&page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all, nil
		}
		next = page.Next
	}
	return nil, errors.New("listing does not end")
}

// tally counts what happened across goroutines and keeps the first few failures verbatim.
type tally struct {
	mu         sync.Mutex
	ops        int
	byStatus   map[int]int
	failures   []string
	failCount  int
	crossReads int
	faults     int
}

func newTally() *tally { return &tally{byStatus: map[int]int{}} }

func (t *tally) op(a answer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ops++
	if a.err == nil {
		t.byStatus[a.Status]++
	} else {
		t.byStatus[0]++
	}
}

// fault records one injected fault (an outage, a signal, a key set failure).
func (t *tally) fault() {
	t.mu.Lock()
	t.faults++
	t.mu.Unlock()
}

func (t *tally) fail(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failCount++
	if len(t.failures) < 15 {
		t.failures = append(t.failures, fmt.Sprintf(format, args...))
	}
}

func (t *tally) crossRead(format string, args ...any) {
	t.mu.Lock()
	t.crossReads++
	t.mu.Unlock()
	t.fail("CROSS-USER READ: "+format, args...)
}

func (t *tally) fivexx() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for s, c := range t.byStatus {
		if s >= 500 {
			n += c
		}
	}
	return n
}

// report logs the summary line `make soak` prints and fails the test on any failure.
func (t *tally) report(tb testing.TB, name string, extra ...string) {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	statuses := make([]string, 0, len(t.byStatus))
	for _, s := range []int{0, 200, 201, 204, 400, 401, 404, 412, 500, 502, 503} {
		if n := t.byStatus[s]; n > 0 {
			statuses = append(statuses, fmt.Sprintf("%d:%d", s, n))
		}
	}
	for s, n := range t.byStatus {
		if !strings.Contains(" 0 200 201 204 400 401 404 412 500 502 503 ", " "+strconv.Itoa(s)+" ") {
			statuses = append(statuses, fmt.Sprintf("%d:%d", s, n))
		}
	}
	line := fmt.Sprintf("SUMMARY %s: operations=%d faults=%d failures=%d cross-user-reads=%d statuses=[%s]",
		name, t.ops, t.faults, t.failCount, t.crossReads, strings.Join(statuses, " "))
	if len(extra) > 0 {
		line += " " + strings.Join(extra, " ")
	}
	tb.Log(line)
	for _, f := range t.failures {
		tb.Error(f)
	}
	if t.failCount > len(t.failures) {
		tb.Errorf("... and %d more failures", t.failCount-len(t.failures))
	}
}

// envInt reads a scale knob such as RELIABILITY_OPS (make soak raises them).
func envInt(name string, fallback int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return fallback
}
