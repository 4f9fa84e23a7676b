// Package storecalls counts the Table Storage calls a store makes: each request's operation,
// table, status, the entities its answer carried and the entities it wrote. It counts in two
// places that share one classifier: Counter.Do, an azcore per-call policy for a store in the
// same process (tests), and Counter.Proxy, a reverse proxy in front of the storage endpoint for
// a store in another process (bench counts the real handler binary on the wire). Tests use it
// to prove that a write costs the same whatever the user's task count; bench uses it to publish
// calls per operation. It imports no testing package, so commands may link it.
package storecalls

import (
	"net/http"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Call is one storage round trip.
type Call struct {
	Op     string // "get", "query", "insert", "update", "merge", "delete", "batch", "create-table", or the HTTP method
	Table  string // the table named in the path ("$batch" for a batch, "Tables" for table management)
	Status int    // the service's status; 0 when no answer came
	Rows   int    // entities in the answer: 1 for a point read that found one, len(value) for a query
	Writes int    // entities the request writes: 1 for an insert, update, merge or delete, one per operation of a batch
}

// Counter records every call passing through it, as a policy (Do) or as a proxy (Proxy). The
// zero value is ready; it is safe for concurrent use.
type Counter struct {
	mu    sync.Mutex
	calls []Call
}

var _ policy.Policy = (*Counter)(nil)

// Do records the call and passes it on. A query's answer is read to count its entities and
// then handed on unchanged; so is a batch's body, to count its operations.
func (c *Counter) Do(req *policy.Request) (*http.Response, error) {
	var body []byte
	if isBatch(req.Raw()) && req.Body() != nil {
		body, _ = readAndRestore(req.Body(), req.RewindBody)
	}
	call := classify(req.Raw(), body)
	resp, err := req.Next()
	observe(&call, req.Raw().Method, resp)
	c.record(call)
	return resp, err
}

func (c *Counter) record(call Call) {
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
}

// Reset forgets every call so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.calls = nil
	c.mu.Unlock()
}

// Calls returns a copy of the calls so far, in the order they were answered.
func (c *Counter) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// Tally sums the calls so far.
func (c *Counter) Tally() Tally {
	var t Tally
	t.ByOp = map[string]int{}
	for _, call := range c.Calls() {
		t.Calls++
		t.Rows += call.Rows
		t.Writes += call.Writes
		t.ByOp[call.Op]++
	}
	return t
}

// Tally is a summary: round trips, entities read, entities written, and round trips per
// operation.
type Tally struct {
	Calls  int
	Rows   int
	Writes int
	ByOp   map[string]int
}
