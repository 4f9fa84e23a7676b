package storecalls

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// classify names the operation a Table Storage request makes (REST API: "Table service
// operations"): entity operations address "<table>(PartitionKey='…',RowKey='…')", a query
// "<table>()" or "<table>", an entity group transaction "$batch". body is the request's body
// when it is a batch (nil otherwise): its operations are counted as writes.
func classify(r *http.Request, body []byte) Call {
	path := r.URL.Path
	last := path[strings.LastIndex(path, "/")+1:]
	table, keys, hasParens := strings.Cut(last, "(")
	call := Call{Table: table, Op: r.Method}
	switch {
	case table == "$batch":
		call.Op = "batch"
		call.Writes = batchOperations(body)
	case table == "Tables":
		if r.Method == http.MethodPost {
			call.Op = "create-table"
		}
	case r.Method == http.MethodGet && hasParens && strings.TrimSuffix(keys, ")") != "":
		call.Op = "get"
	case r.Method == http.MethodGet:
		call.Op = "query"
	case r.Method == http.MethodPost:
		call.Op, call.Writes = "insert", 1
	case r.Method == http.MethodPut:
		call.Op, call.Writes = "update", 1
	case r.Method == http.MethodPatch || r.Method == "MERGE":
		call.Op, call.Writes = "merge", 1
	case r.Method == http.MethodDelete:
		call.Op, call.Writes = "delete", 1
	}
	return call
}

func isBatch(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/$batch") }

// batchOperations counts the operations of an entity group transaction: each is one part of
// its changeset, with the header Content-Type: application/http.
func batchOperations(body []byte) int {
	return bytes.Count(bytes.ToLower(body), []byte("application/http"))
}

// observe completes call from the service's answer: its status and, for a successful read,
// the entities it carried. The body is read and put back unchanged for whoever reads it next.
func observe(call *Call, method string, resp *http.Response) {
	if resp == nil {
		return
	}
	call.Status = resp.StatusCode
	if method != http.MethodGet || resp.StatusCode != http.StatusOK || resp.Body == nil {
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err == nil {
		call.Rows = countRows(body)
	}
}

// readAndRestore reads a request body and rewinds it, so that the request still sends it.
func readAndRestore(body io.Reader, rewind func() error) ([]byte, error) {
	b, err := io.ReadAll(body)
	if rerr := rewind(); err == nil {
		err = rerr
	}
	return b, err
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
