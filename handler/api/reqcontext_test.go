package api

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey string

// newRequestContext is what logged makes for a request that started now.
func newRequestContext(parent context.Context, timeout time.Duration) (*requestContext, *requestInfo) {
	info := &requestInfo{}
	c := &requestContext{}
	c.init(parent, time.Now(), timeout, info)
	return c, info
}

// The request's context carries the server's deadline from the start, without a wait on Done:
// storage calls read it through Deadline (storageContext), and Err reports it once it passes.
func TestRequestContextDeadlineWithoutWaiting(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey("k"), "v")
	c, info := newRequestContext(parent, 30*time.Millisecond)
	defer c.end()
	d, ok := c.Deadline()
	if !ok || time.Until(d) > 30*time.Millisecond || time.Until(d) <= 0 {
		t.Fatalf("Deadline() = %v, %v: want within the timeout", d, ok)
	}
	if c.Value(ctxKey("k")) != "v" || c.Value(infoKey{}) != info || infoFrom(c) != info {
		t.Error("values: want the parent's and the request's record")
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err() = %v before the deadline", err)
	}
	if c.real != nil {
		t.Error("the real context was made though nothing waited")
	}
	time.Sleep(40 * time.Millisecond)
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err() = %v after the deadline, want DeadlineExceeded", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done is open although Err reported the deadline")
	}
	if err := context.Cause(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Cause = %v, want DeadlineExceeded", err)
	}
	c.end()
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() after end = %v: the first error must stay", err)
	}
}

// A wait on Done ends at the deadline, as with context.WithDeadline.
func TestRequestContextDoneAtDeadline(t *testing.T) {
	c, _ := newRequestContext(context.Background(), 20*time.Millisecond)
	defer c.end()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not close at the deadline")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err() = %v, want DeadlineExceeded", c.Err())
	}
}

// The parent's cancellation (the client went away) reaches the request, with the parent's
// error and cause, whether or not something waited before it.
func TestRequestContextFollowsParent(t *testing.T) {
	for _, waitFirst := range []bool{false, true} {
		parent, cancel := context.WithCancelCause(context.Background())
		c, _ := newRequestContext(parent, time.Minute)
		var done <-chan struct{}
		if waitFirst {
			done = c.Done()
		}
		gone := errors.New("client gone")
		cancel(gone)
		if done == nil {
			done = c.Done()
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("waitFirst=%v: Done did not close when the parent was cancelled", waitFirst)
		}
		if !errors.Is(c.Err(), context.Canceled) || context.Cause(c) != gone {
			t.Errorf("waitFirst=%v: Err() = %v, Cause = %v: want Canceled and the parent's cause", waitFirst, c.Err(), context.Cause(c))
		}
		c.end()
	}
}

// Contexts derived from the request's (a handler's own timeout, context.AfterFunc) end with it:
// at its deadline, at the parent's cancellation, and at the end of the request.
func TestRequestContextDerivedContextsEndWithIt(t *testing.T) {
	c, _ := newRequestContext(context.Background(), 20*time.Millisecond)
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a derived context outlived the request's deadline")
	}
	if !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Errorf("derived Err() = %v, want DeadlineExceeded", child.Err())
	}
	c.end()

	c, _ = newRequestContext(context.Background(), time.Minute)
	ran := make(chan struct{})
	context.AfterFunc(c, func() { close(ran) })
	child, cancelChild = context.WithTimeout(c, time.Hour)
	defer cancelChild()
	if d, _ := child.Deadline(); !d.Equal(c.deadline) {
		t.Errorf("derived deadline %v, want the request's %v", d, c.deadline)
	}
	c.end()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("context.AfterFunc did not run when the request ended")
	}
	<-child.Done()
	if !errors.Is(c.Err(), context.Canceled) || !errors.Is(child.Err(), context.Canceled) {
		t.Errorf("after end: Err() = %v, derived %v: want Canceled", c.Err(), child.Err())
	}
}

// Ending a request nothing waited on makes its context done, with Canceled, as the cancel of
// context.WithTimeout did; and it leaves no timer behind.
func TestRequestContextEnd(t *testing.T) {
	c, _ := newRequestContext(context.Background(), time.Minute)
	c.end()
	if c.real != nil {
		t.Error("end made a context that nothing needed")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err() after end = %v, want Canceled", c.Err())
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done is open after end")
	}
	// Without cancel: storage calls outlive a client that half-closed, bounded by the deadline.
	sc := context.WithoutCancel(c)
	if d, ok := c.Deadline(); !ok || sc.Err() != nil || d.IsZero() {
		t.Error("the request's deadline must stay readable for storageContext")
	}
}

// A parent with an earlier deadline bounds the request, as context.WithDeadline does.
func TestRequestContextEarlierParentDeadline(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pd, _ := parent.Deadline()
	c, _ := newRequestContext(parent, time.Hour)
	defer c.end()
	if d, _ := c.Deadline(); !d.Equal(pd) {
		t.Errorf("Deadline() = %v, want the parent's %v", d, pd)
	}
}
