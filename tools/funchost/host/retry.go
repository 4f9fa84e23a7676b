package host

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// The host retries a proxied request that fails to reach the handler (a handler being
// restarted refuses connections): 10 attempts, waiting 50 ms, then twice as long each time
// up to 250 ms, about 1.9 s in all; a cancelled request is not retried
// (azure-functions-host src/WebJobs.Script/Workers/Http/HttpProxyService/RetryProxyHandler.cs).
const (
	retryAttempts     = 10
	retryInitialDelay = 50 * time.Millisecond
	retryMaxDelay     = 250 * time.Millisecond
)

type retryTransport struct {
	next http.RoundTripper
	log  *slog.Logger
}

func (t retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	delay := retryInitialDelay
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err == nil || attempt == retryAttempts || req.Context().Err() != nil || !replayable(req) {
			return resp, err
		}
		t.log.Warn("failed to proxy request to the handler; retrying", "delay", delay, "attempt", attempt, "of", retryAttempts, "err", err)
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		delay = min(2*delay, retryMaxDelay)
	}
}

// replayable reports whether req can be sent again: a body is streamed once, so only a
// request without one, or whose body nothing has read yet (the connection was refused),
// can be. A request without a body, like the GET that crashed a handler, is replayed.
func replayable(req *http.Request) bool {
	tb, ok := req.Body.(*trackedBody)
	return req.Body == nil || req.Body == http.NoBody || (ok && !tb.started)
}

// trackedBody records whether any of a request body has been read.
type trackedBody struct {
	io.ReadCloser
	started bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	b.started = true
	return b.ReadCloser.Read(p)
}

// Close does nothing: the transport closes a body after a failed attempt, but a retry may
// still need it; the server closes the incoming body when the request is done.
func (b *trackedBody) Close() error { return nil }
