package host

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The host retries a proxied request that fails to reach the handler (a handler being
// restarted refuses connections): 10 attempts, waiting 50 ms, then twice as long each time
// up to 250 ms, about 1.9 s in all (azure-functions-host src/WebJobs.Script/Workers/Http/
// HttpProxyService/RetryProxyHandler.cs, SendAsync). Only an HttpRequestException is
// retried; a cancelled request is not, and the host's idle time-out is a cancellation:
// DefaultHttpProxyService passes ForwarderRequestConfig.ActivityTimeout to YARP, whose
// HttpForwarder.SendAsync sends with a token that the time-out cancels (dotnet/yarp
// src/ReverseProxy/Forwarder/HttpForwarder.cs), and RetryProxyHandler stops on it ("Request
// was canceled. Stopping retries."). The host at 4.1037.0 (src/WebJobs.Script.Grpc/Server/
// RetryProxyHandler.cs) retried only HttpRequestException too, so no version re-sends a
// request after its time-out.
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
		if err == nil || attempt == retryAttempts || !retriable(req, err) {
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

// retriable reports whether the host would send req again after err: not once the request is
// cancelled, by its caller or by the idle time-out, which Go's transport reports as a
// net.Error whose Timeout() is true (ResponseHeaderTimeout; the stand-in sets no other
// time-out on the transport); and only if it can be replayed.
func retriable(req *http.Request, err error) bool {
	if req.Context().Err() != nil {
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return false
	}
	return replayable(req)
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
