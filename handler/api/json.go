package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"github.com/example/entra-tasks/handler/tasks"
)

// MaxBodyBytes bounds request bodies: a task is a title and a flag.
const MaxBodyBytes = 16 << 10

// taskJSON is a task on the wire. The etag is also sent as the ETag header, but cross-origin
// browsers cannot read custom headers through the Functions host, so it travels here too.
type taskJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Completed bool   `json:"completed"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	ETag      string `json:"etag"`
}

// timeLayout is RFC 3339 in UTC with fixed millisecond precision, so that strings sort.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func toJSON(t tasks.Task) taskJSON {
	return taskJSON{
		ID: t.ID, Title: t.Title, Completed: t.Completed,
		CreatedAt: t.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt: t.UpdatedAt.UTC().Format(timeLayout),
		ETag:      t.ETag,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: marshal response: %v", err)) // our own types always marshal
	}
	writeJSONBody(w, status, body)
}

// writeJSONBody answers with body, a JSON document.
func writeJSONBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// readJSONObject reads a JSON object body of at most MaxBodyBytes into fields, one raw value
// per member, after checking the media type. Members are decoded one by one by the caller,
// which is how "absent", "null" and "wrong type" stay distinguishable.
//
// The body must arrive within timeout. That time is the client's, not the storage's: a body
// that comes too slowly is a 408 and nothing is written, and the storage budget starts only
// once the body is in (storageContext).
func readJSONObject(w http.ResponseWriter, r *http.Request, timeout time.Duration) (map[string]json.RawMessage, error) {
	if err := checkJSONMediaType(r); err != nil {
		return nil, err
	}
	// Not supported only where there is no connection (a test's recorder): nothing to wait for.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errTooLarge
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errBodyTimeout
		}
		// A read fails when the connection does (reset, or closed before the body ended); net/http
		// then cancels the request, and the client is not there to be told its request was bad.
		if ctxErr := r.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("read the request body: %w: %w", ctxErr, err)
		}
		return nil, badRequest("the request body could not be read")
	}
	if !utf8.Valid(body) {
		// encoding/json would replace each invalid byte with U+FFFD and store that.
		return nil, badRequest("the body must be UTF-8 (RFC 8259 §8.1)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, badRequest("the body must be a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("the body must hold exactly one JSON object")
	}
	return fields, nil
}

// onlyFields rejects members other than allowed: a typo such as "complete" must not be
// silently ignored while the client believes it changed something.
func onlyFields(fields map[string]json.RawMessage, allowed ...string) error {
	for name := range fields {
		known := false
		for _, a := range allowed {
			known = known || name == a
		}
		if !known {
			return badRequest(fmt.Sprintf("unknown field %q", name))
		}
	}
	return nil
}

func stringField(fields map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var s string
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &s) != nil {
		return nil, badRequest(name + ": must be a string")
	}
	return &s, nil
}

func boolField(fields map[string]json.RawMessage, name string) (*bool, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var b bool
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &b) != nil {
		return nil, badRequest(name + ": must be true or false")
	}
	return &b, nil
}

// now is the server clock truncated to what every store keeps exactly.
func (s *Server) nowMillis() time.Time { return s.now().UTC().Truncate(time.Millisecond) }
