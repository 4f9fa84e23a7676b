package host

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts the attempts a retryTransport makes.
type countingTransport struct {
	next     http.RoundTripper
	attempts atomic.Int32
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	return c.next.RoundTrip(req)
}

// TestTheIdleTimeoutEndsARequestWithoutARetry: the host's RetryProxyHandler stops when the
// request is cancelled, and YARP cancels it at the ActivityTimeout; the stand-in's idle
// time-out (the transport's ResponseHeaderTimeout) must end it the same way, not send it
// again. The attempts are counted at the transport, so the count does not depend on when
// the server gets to run.
func TestTheIdleTimeoutEndsARequestWithoutARetry(t *testing.T) {
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer silent.Close()
	transport := &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}
	defer transport.CloseIdleConnections()
	counted := &countingTransport{next: transport}
	rt := retryTransport{next: counted, log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	for _, method := range []string{http.MethodGet, http.MethodDelete} { // both replayable
		counted.attempts.Store(0)
		req, err := http.NewRequest(method, silent.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.RoundTrip(req); err == nil {
			t.Fatalf("%s: answered, want the idle time-out's error", method)
		}
		if n := counted.attempts.Load(); n != 1 {
			t.Errorf("%s: sent %d times after the idle time-out, want once", method, n)
		}
	}
}

// TestARequestTheHandlerNeverAnswersReachesItOnce is the same through the stand-in: a DELETE
// the handler is slow to answer (an erase of many tasks) must not be run again after the
// idle time-out.
func TestARequestTheHandlerNeverAnswersReachesItOnce(t *testing.T) {
	arrivals := filepath.Join(t.TempDir(), "arrivals")
	h := startHost(t, stageRepoApp(t, nil), Options{ProxyIdleTimeout: 500 * time.Millisecond})
	req := newRequest(t, http.MethodDelete, h.URL+"/api/tasks/"+strings.Repeat("A", 26), nil)
	req.Header.Set("X-Echo-Hang", arrivals)
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want the host's 500", resp.StatusCode)
	}
	// With retries the handler would have seen it up to ten times; without any, once (or,
	// on a machine too slow to write the line within the time-out, not yet).
	data, _ := os.ReadFile(arrivals)
	if n := strings.Count(string(data), "\n"); n > 1 {
		t.Errorf("the handler received the request %d times, want once", n)
	}
}
