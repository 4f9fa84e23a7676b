package api

import (
	"context"
	"sync"
	"time"

	"github.com/example/entra-tasks/handler/trace"
)

// requestContext is a request's context as the routes see it: the connection's context
// (parent), bounded by the server's deadline, carrying the access log's record.
//
// It behaves as context.WithDeadline(parent, deadline) with that record attached, and
// differs only in when it pays for it. context.WithDeadline makes a timer and registers with
// the connection's context on every request (a lock, a map and a channel); most requests (a
// cached GET /api/me) never wait on anything and end long before the deadline. Here the
// deadline is known at once (Deadline, Err) and the real context.WithDeadline is made only
// when something needs it: a wait on Done, a context derived from this one (which asks
// Done), or a value lookup that context.Cause makes. Storage calls take the deadline through
// Deadline (storageContext) and keep the bound exactly.
type requestContext struct {
	parent   context.Context
	deadline time.Time // the earlier of the server's and parent's
	info     *requestInfo
	// traceID is trace.FromContext's answer, a trace.ID boxed once by setTrace (each lookup
	// would otherwise box it again); nil for the host's readiness polls.
	traceID any

	mu     sync.Mutex
	real   context.Context    // context.WithDeadline(parent, deadline) once needed; nil before
	cancel context.CancelFunc // real's
	ended  bool               // end has run: the request is over
}

// init makes c the context of a request that started at start and may take timeout.
func (c *requestContext) init(parent context.Context, start time.Time, timeout time.Duration, info *requestInfo) {
	c.parent, c.info = parent, info
	c.deadline = start.Add(timeout)
	if d, ok := parent.Deadline(); ok && d.Before(c.deadline) {
		c.deadline = d
	}
}

// setTrace makes id the request's trace id.
func (c *requestContext) setTrace(id trace.ID) { c.traceID = id }

// materialize returns the real context, making it first if needed. c.mu must be held.
func (c *requestContext) materialize() context.Context {
	if c.real != nil {
		return c.real
	}
	if c.ended {
		// The request is over: what its cancel would have left, a context done with
		// Canceled, unless it was done before (end leaves c.real made in that case).
		c.real, c.cancel = context.WithCancel(context.WithoutCancel(c.parent))
		c.cancel()
		return c.real
	}
	// With parent done or the deadline passed, this context is done at once, with the
	// error context.WithDeadline gives: parent's first, then DeadlineExceeded.
	c.real, c.cancel = context.WithDeadline(c.parent, c.deadline)
	return c.real
}

func (c *requestContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *requestContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.materialize().Done()
}

func (c *requestContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil && !c.ended && c.parent.Err() == nil && time.Now().Before(c.deadline) {
		return nil // nothing has ended it: no need for the real context yet
	}
	return c.materialize().Err()
}

func (c *requestContext) Value(key any) any {
	switch key.(type) {
	case infoKey:
		return c.info
	case trace.ContextKey:
		return c.traceID
	}
	// Any other key may be context's own (context.Cause and derived contexts ask for it),
	// whose answer must be the real context's once this one is done.
	if c.Err() != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.real.Value(key)
	}
	c.mu.Lock()
	real := c.real
	c.mu.Unlock()
	if real != nil {
		return real.Value(key)
	}
	return c.parent.Value(key)
}

// end is the request's cancel: it releases the real context's timer, if one was made, and
// makes c done with Canceled if nothing had ended it before.
func (c *requestContext) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil && (c.parent.Err() != nil || !time.Now().Before(c.deadline)) {
		c.materialize() // done already, with its own error: keep that one
	}
	c.ended = true
	if c.cancel != nil {
		c.cancel()
	}
}

// String names the context as the context package's own do.
func (c *requestContext) String() string { return "api.requestContext" }
