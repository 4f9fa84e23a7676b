package apitest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// LogSource is a Target whose log lines a test can read (the handler binary's stdout).
type LogSource interface {
	Output() string
}

// testMalformedInputEverywhere throws malformed values at every header, query parameter and
// media type parameter that any route reads, on every route that reads it, on a task that
// exists and on one that does not. Each must be a 4xx problem; none may change what is
// stored, and none may leave an ERROR line in the log (an ERROR line is what a 5xx, or a
// client value reaching storage unchecked, leaves behind).
func (e *Env) testMalformedInputEverywhere(t *testing.T) {
	const owner = "eeeeeeee-0000-4000-8000-00000000000e"
	tok := e.Token(t, owner)
	task := e.create(t, tok, "malformed input target")
	before := e.listAll(t, tok, 200)
	logged := e.logLength()

	existing, missing := "/api/tasks/"+task.ID, "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH"
	var cases []problemCase
	// If-Match on both conditional routes, for a task that exists and one that does not:
	// the syntax is checked before anything is read or written.
	for _, value := range []string{
		"x", "abc", `W/x`, `"unterminated`, `unopened"`, `"a" "b"`, `"a";"b"`, `*, "a"`, `"*"x`, `w/"lower-case weak"`,
		`"a" , x`, ` `, `,`, `"quote"inside"`, "\"tab\tinside\"", `"` + strings.Repeat("a", 8000),
		strings.Repeat(`"a",`, 33),
	} {
		for _, path := range []string{existing, missing} {
			cases = append(cases,
				problemCase{"PATCH If-Match " + value, Request{Method: "PATCH", Path: path, Body: `{"completed":true}`, Header: map[string]string{"If-Match": value}}, 400},
				problemCase{"DELETE If-Match " + value, Request{Method: "DELETE", Path: path, Header: map[string]string{"If-Match": value}}, 400})
		}
	}
	// Well-formed tags that do not match: 412 for the task, 404 for the missing one.
	for _, value := range []string{`"x"`, `W/"x"`, `"a", W/"b"`, `W/"datetime'2000-01-01T00%3A00%3A00Z'"`, `""`} {
		cases = append(cases,
			problemCase{"PATCH stale If-Match " + value, Request{Method: "PATCH", Path: existing, Body: `{"completed":true}`, Header: map[string]string{"If-Match": value}}, 412},
			problemCase{"DELETE stale If-Match " + value, Request{Method: "DELETE", Path: existing, Header: map[string]string{"If-Match": value}}, 412},
			problemCase{"PATCH missing, If-Match " + value, Request{Method: "PATCH", Path: missing, Body: `{"completed":true}`, Header: map[string]string{"If-Match": value}}, 404},
			problemCase{"DELETE missing, If-Match " + value, Request{Method: "DELETE", Path: missing, Header: map[string]string{"If-Match": value}}, 404})
	}
	cases = append(cases,
		// Do drops a header whose value is empty; an empty field value is sent as a line.
		problemCase{"PATCH empty If-Match", Request{Method: "PATCH", Path: existing, Body: `{"completed":true}`, HeaderLines: http.Header{"If-Match": {""}}}, 400},
		problemCase{"DELETE empty If-Match", Request{Method: "DELETE", Path: existing, HeaderLines: http.Header{"If-Match": {""}}}, 400},
		problemCase{"If-Match over two lines, one malformed", Request{Method: "DELETE", Path: existing, HeaderLines: http.Header{"If-Match": {`"x"`, "x"}}}, 400},
		problemCase{"If-Match over two lines, neither current", Request{Method: "DELETE", Path: existing, HeaderLines: http.Header{"If-Match": {`"x"`, `"y"`}}}, 412},
	)
	// Content-Type and its parameters, on both routes with a body.
	for _, ct := range []string{
		"application/json; charset=latin1", "application/json; charset=utf-16", "application/json; charset=",
		"application/json;;", "application/json; charset", "application/json/x", "text/json", "application/jsonx",
		"application/problem+json", "multipart/form-data; boundary=x", "*/*", "application/*",
	} {
		cases = append(cases,
			problemCase{"POST Content-Type " + ct, Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"x"}`, Header: map[string]string{"Content-Type": ct}}, 415},
			problemCase{"PATCH Content-Type " + ct, Request{Method: "PATCH", Path: existing, Body: `{"completed":true}`, Header: map[string]string{"Content-Type": ct}}, 415})
	}
	cases = append(cases,
		problemCase{"two Content-Type lines", Request{Method: "POST", Path: "/api/tasks", Body: `{"title":"x"}`, Header: map[string]string{"Content-Type": ""},
			HeaderLines: http.Header{"Content-Type": {"application/json", "application/json"}}}, 415},
		problemCase{"body not UTF-8", Request{Method: "POST", Path: "/api/tasks", Body: []byte("{\"title\":\"caf\xe9\"}")}, 400},
		problemCase{"body in UTF-16", Request{Method: "POST", Path: "/api/tasks", Body: []byte("\xff\xfe{\x00}\x00")}, 400},
	)
	// Idempotency-Key: empty, too long, not one key, a broken quoted string.
	for _, key := range []string{`""`, strings.Repeat("k", 256), `"` + strings.Repeat("k", 256) + `"`, "two keys", `"open`, `"a"b"`, `"bad\escape"`, "é"} {
		cases = append(cases, problemCase{"POST Idempotency-Key " + key, Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "x"},
			Header: map[string]string{"Idempotency-Key": key}}, 400})
	}
	cases = append(cases,
		problemCase{"two Idempotency-Key lines", Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "x"},
			HeaderLines: http.Header{"Idempotency-Key": {"a", "b"}}}, 400},
		problemCase{"an empty Idempotency-Key", Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": "x"},
			HeaderLines: http.Header{"Idempotency-Key": {""}}}, 400})
	// Titles (class 7): direction overrides and nothing visible.
	for _, title := range []string{"invoice\u202egnp.exe", "a\u2066b\u2069", "\u200b\u200d", "\u3164", "\ufe0f", "\u2800", " \u00ad "} {
		cases = append(cases,
			problemCase{"POST title " + title, Request{Method: "POST", Path: "/api/tasks", Body: map[string]any{"title": title}}, 400},
			problemCase{"PATCH title " + title, Request{Method: "PATCH", Path: existing, Body: map[string]any{"title": title}}, 400})
	}
	// The list's query string.
	for _, q := range []string{
		// (A query string that does not parse, such as limit=%zz, is in the attack table, which
		// calls the binary directly: the Functions host stand-in re-encodes query strings.)
		"limit=1&limit=2", "next=a&next=b", "limit=+5", "limit=%205", "limit=5%00", "limit=-1",
		"limit=1e2", "limit=0x10", "limit=99999999999999999999", "limit", "next",
		"next=%ff%fe", "next=" + strings.Repeat("A", 3000), "next=" + forgedCursor(owner, owner, strings.Repeat("~", 1500)),
		"next=" + forgedCursor("ffffffff-0000-4000-8000-00000000000f", owner, "x"),
	} {
		cases = append(cases, problemCase{"GET /api/tasks?" + q, Request{Method: "GET", Path: "/api/tasks?" + q}, 400})
	}
	// A cursor forged for one's own listing can only move within one's own partition (the
	// query's filter names it); the service may answer it with a page or refuse it (400).
	for _, c := range []string{
		forgedCursor(owner, owner, "'"), forgedCursor(owner, owner, "%27%20or%20true"), forgedCursor(owner, "someone-else", "x"),
		forgedCursor(owner, "", "x"), forgedCursor(owner, owner+"'", "01JDQ1E5W1ZK8J6B6X9F4YV7QH"),
	} {
		r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?next=" + c, Token: tok})
		switch r.Status {
		case 200:
			var p Page
			r.JSON(t, &p)
			for _, item := range p.Items {
				if !slices.Contains(before, item) {
					t.Errorf("forged cursor %s listed a task that is not the caller's: %+v", c, item)
				}
			}
		case 400:
			expectProblem(t, r, 400)
		default:
			t.Errorf("forged own cursor %s: status %d, want 200 or 400 (%s)", c, r.Status, r.Body)
		}
	}
	e.expectProblems(t, tok, cases)
	// A junk invocation id changes nothing about the answer and never reaches the log.
	junk := "not-a-guid\",\"level\":\"ERROR"
	expectStatus(t, e.Do(t, Request{Method: "GET", Path: "/api/me", Token: tok, Header: map[string]string{"X-Azure-Functions-InvocationId": junk}}), 200)

	if after := e.listAll(t, tok, 200); !slices.Equal(after, before) {
		t.Errorf("malformed input changed the stored tasks:\nbefore %+v\nafter  %+v", before, after)
	}
	if logs, ok := e.Target.(LogSource); ok {
		added := logs.Output()[logged:]
		for _, line := range strings.Split(added, "\n") {
			if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, "not-a-guid") {
				t.Errorf("log line after malformed input: %s", line)
			}
		}
	}
}

func (e *Env) logLength() int {
	if logs, ok := e.Target.(LogSource); ok {
		return len(logs.Output())
	}
	return 0
}

// forgedCursor builds a list cursor by hand, as someone who read the handler's source could:
// base64url of "1\n<owner tag>\n<partition key>\n<row key>", tagged for owner.
func forgedCursor(owner, pk, rk string) string {
	sum := sha256.Sum256([]byte(owner))
	raw := "1\n" + hex.EncodeToString(sum[:6]) + "\n" + pk + "\n" + rk
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}
