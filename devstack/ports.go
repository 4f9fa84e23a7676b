package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FreePort asks the kernel for a free TCP port on loopback. Another program can take it before the
// caller listens on it; the constructors here that pick a port retry with another when that happens.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pollEvery is how often the waits below ask again.
const pollEvery = 20 * time.Millisecond

// WaitListening waits until something accepts connections on the loopback port.
func WaitListening(ctx context.Context, port int) error {
	return poll(ctx, nil, func() error { return dial(port) })
}

// WaitHTTP waits until url answers with any HTTP status.
func WaitHTTP(ctx context.Context, url string) error {
	return poll(ctx, nil, func() error { return answersHTTP(ctx, url) })
}

// answersHTTP reports whether url answers with any HTTP status, on a connection of its own (a
// pooled one could outlive the process that served it).
func answersHTTP(ctx context.Context, url string) error {
	_, err := get(ctx, url)
	return err
}

// status makes one GET request and returns the status code.
func status(ctx context.Context, url string) (int, error) {
	resp, err := get(ctx, url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// get makes one GET request on a connection of its own and returns the response, its body closed.
func get(ctx context.Context, url string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Close = true
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// Listening reports whether something accepts connections on port, on IPv4 or IPv6 loopback (the Vite
// dev server may listen on ::1 only): the check for a busy port and for one that is free again.
func Listening(port int) bool {
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}

func dial(port int) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

// errStopped: poll's stopped channel closed before check succeeded.
var errStopped = errors.New("stopped")

// poll calls check until it succeeds, ctx ends (the error says what the last attempt got) or stopped
// (nil: never) closes.
func poll(ctx context.Context, stopped <-chan struct{}, check func() error) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-stopped:
			return errStopped
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-tick.C:
		}
	}
}
