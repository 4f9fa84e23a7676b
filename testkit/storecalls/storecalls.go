// Package storecalls counts the Table Storage calls a store makes: an azcore per-call policy
// that records each request's operation, table, status and the number of entities its answer
// carried. Tests use it to prove that a write costs the same whatever the user's task count;
// bench uses it to publish calls per operation. It imports no testing package, so commands may
// link it.
package storecalls

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Call is one storage round trip.
type Call struct {
	Op     string // "get", "query", "insert", "update", "merge", "delete", "batch", "create-table", or the HTTP method
	Table  string // the table named in the path ("$batch" for a batch, "Tables" for table management)
	Status int    // the service's status; 0 when no answer came
	Rows   int    // entities in the answer: 1 for a point read that found one, len(value) for a query
}

// Counter is a policy.Policy that records every call passing through it. The zero value is
// ready; it is safe for concurrent use.
type Counter struct {
	mu    sync.Mutex
	calls []Call
}

var _ policy.Policy = (*Counter)(nil)

// Do records the call and passes it on. A query's answer is read to count its entities and
// then handed on unchanged.
func (c *Counter) Do(req *policy.Request) (*http.Response, error) {
	call := classify(req.Raw())
	resp, err := req.Next()
	if resp != nil {
		call.Status = resp.StatusCode
		if req.Raw().Method == http.MethodGet && resp.StatusCode == http.StatusOK && resp.Body != nil {
			body, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if readErr == nil {
				call.Rows = countRows(body)
			}
		}
	}
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
	return resp, err
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
		t.ByOp[call.Op]++
	}
	return t
}

// Tally is a summary: round trips, entities read, and round trips per operation.
type Tally struct {
	Calls int
	Rows  int
	ByOp  map[string]int
}

func classify(r *http.Request) Call {
	path := r.URL.Path
	last := path[strings.LastIndex(path, "/")+1:]
	table, keys, hasParens := strings.Cut(last, "(")
	call := Call{Table: table, Op: r.Method}
	switch {
	case table == "$batch":
		call.Op = "batch"
	case table == "Tables":
		if r.Method == http.MethodPost {
			call.Op = "create-table"
		}
	case r.Method == http.MethodGet && hasParens && strings.TrimSuffix(keys, ")") != "":
		call.Op = "get"
	case r.Method == http.MethodGet:
		call.Op = "query"
	case r.Method == http.MethodPost:
		call.Op = "insert"
	case r.Method == http.MethodPut:
		call.Op = "update"
	case r.Method == http.MethodPatch || r.Method == "MERGE":
		call.Op = "merge"
	case r.Method == http.MethodDelete:
		call.Op = "delete"
	}
	return call
}

// countRows is 1 for a single entity and len(value) for a query's page.
func countRows(body []byte) int {
	var page struct {
		Value *[]json.RawMessage `json:"value"`
	}
	if json.Unmarshal(body, &page) != nil {
		return 0
	}
	if page.Value == nil {
		return 1
	}
	return len(*page.Value)
}
