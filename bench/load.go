package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// rawClient is one keep-alive HTTP/1.1 connection that writes requests by hand and parses
// answers with http.ReadResponse. It costs a fraction of net/http's client (no transport
// goroutines, no per-request channels), which matters when the generator and the handler
// share two cores: every cycle the generator spends is one the handler does not get.
type rawClient struct {
	addr  string
	token string
	conn  net.Conn
	br    *bufio.Reader
	wbuf  []byte
	body  bytes.Buffer
}

// benchInvocationID stands for the GUID the host gives every invocation.
const benchInvocationID = "5f0c6c1e-7a4b-4d7e-9a53-0b1c2d3e4f50"

func newRawClient(addr, token string) *rawClient { return &rawClient{addr: addr, token: token} }

// do sends one request and returns the status and body (valid until the next call).
func (c *rawClient) do(method, path string, body []byte, header ...string) (int, []byte, error) {
	status, b, err := c.try(method, path, body, header)
	if err != nil && c.conn == nil {
		// The server closed an idle connection under us: one fresh attempt.
		status, b, err = c.try(method, path, body, header)
	}
	return status, b, err
}

func (c *rawClient) try(method, path string, body []byte, header []string) (int, []byte, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 32<<10)
	}
	w := append(c.wbuf[:0], method...)
	w = append(w, ' ')
	w = append(w, path...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, c.addr...)
	// The Functions host sends each invocation's id, which the handler logs: the access line
	// the bench makes it write is the one it writes in production.
	w = append(w, "\r\nX-Azure-Functions-InvocationId: "+benchInvocationID...)
	if c.token != "" {
		w = append(w, "\r\nAuthorization: Bearer "...)
		w = append(w, c.token...)
	}
	for i := 0; i+1 < len(header); i += 2 {
		w = append(w, "\r\n"...)
		w = append(w, header[i]...)
		w = append(w, ": "...)
		w = append(w, header[i+1]...)
	}
	if body != nil {
		w = append(w, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		w = strconv.AppendInt(w, int64(len(body)), 10)
	}
	w = append(w, "\r\n\r\n"...)
	w = append(w, body...)
	c.wbuf = w
	if _, err := c.conn.Write(w); err != nil {
		c.close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return 0, nil, err
	}
	c.body.Reset()
	_, err = c.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, c.body.Bytes(), nil
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// expect turns an unexpected status into an error that shows the start of the body.
func expect(status int, body []byte, err error, want int) error {
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("status %d, want %d: %.200s", status, want, body)
	}
	return nil
}

// recorder collects one worker's latencies per series (e.g. "create", "patch").
type recorder struct {
	series map[string][]time.Duration
}

// time runs op and records how long it took under name, if it succeeded.
func (r *recorder) time(name string, op func() error) error {
	start := time.Now()
	if err := op(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r.series[name] = append(r.series[name], time.Since(start))
	return nil
}

// loadResult is what a closed-loop run measured, per series.
type loadResult struct {
	elapsed time.Duration
	series  map[string][]time.Duration
	rates   []float64     // requests per second of each merged round, in order
	cpu     time.Duration // CPU time the server process used during the merged rounds, if measured
}

// closedLoop runs workers goroutines, each calling iter back to back (a closed loop: a new
// request only when the previous one has answered), until d has passed or maxIter
// iterations have been made in total. The first error stops the run.
func closedLoop(ctx context.Context, workers int, d time.Duration, maxIter int, iter func(w int, rec *recorder) error) (loadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu       sync.Mutex
		started  int
		firstErr error
		recs     = make([]*recorder, workers)
		wg       sync.WaitGroup
	)
	claim := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || (maxIter > 0 && started >= maxIter) {
			return false
		}
		started++
		return true
	}
	begin := time.Now()
	for w := range workers {
		recs[w] = &recorder{series: map[string][]time.Duration{}}
		wg.Go(func() {
			for ctx.Err() == nil && claim() {
				if err := iter(w, recs[w]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	res := loadResult{elapsed: time.Since(begin), series: map[string][]time.Duration{}}
	for _, r := range recs {
		for name, lat := range r.series {
			res.series[name] = append(res.series[name], lat...)
		}
	}
	if firstErr != nil {
		return res, firstErr
	}
	return res, nil
}

// merge adds other's latencies to r (rounds of the same scenario are pooled).
func (r *loadResult) merge(other loadResult) {
	if r.series == nil {
		r.series = map[string][]time.Duration{}
	}
	r.elapsed += other.elapsed
	r.rates = append(r.rates, rate(other))
	r.cpu += other.cpu
	for name, lat := range other.series {
		r.series[name] = append(r.series[name], lat...)
	}
}

// count is the number of recorded operations in all series.
func (r loadResult) count() int {
	n := 0
	for _, lat := range r.series {
		n += len(lat)
	}
	return n
}

// all pools every series.
func (r loadResult) all() []time.Duration {
	var out []time.Duration
	for _, lat := range r.series {
		out = append(out, lat...)
	}
	return out
}

// latency is a sorted sample with exact nearest-rank percentiles (every observation is kept:
// a few hundred thousand durations are a few MB, so no histogram approximation is needed).
type latency []time.Duration

func sorted(d []time.Duration) latency {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

func (l latency) p(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(q*float64(len(l))+0.999999) - 1
	return l[max(0, min(i, len(l)-1))]
}
