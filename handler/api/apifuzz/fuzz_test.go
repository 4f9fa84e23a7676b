// Package apifuzz fuzzes the API's request decoding. It lives apart from package api's tests
// so that its fuzzing binary does not link (and instrument) the OpenAPI contract checker the
// integration suite uses, which made each `go test -fuzz` build take minutes.
package apifuzz

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/inprocess"
)

// Fuzz targets for what clients send the API besides the token: create and patch bodies and
// the task id in the path. They run the production handler in process (real verifier, real
// Table Storage on Azurite) and hold it to: no panic, never a 5xx, every error a problem
// document, and nothing stored that breaks the title rules or touches another user's task.

const (
	atkUserA = entra.UserA
	atkUserB = entra.UserB
)

type apiFuzz struct {
	handler   http.Handler
	tokenA    string
	tokenB    string
	taskA     string // an id of user A's
	taskB     string // an id of user B's: A must never reach it
	taskBETag string
}

func newAPIFuzz(f *testing.F) *apiFuzz {
	f.Helper()
	app := inprocess.New(f, "fuzzapi")
	fz := &apiFuzz{handler: app.Handler}
	fz.tokenA, fz.tokenB = app.Token(f, atkUserA), app.Token(f, atkUserB)
	var a, b struct{ ID, ETag string }
	fz.mustDecode(f, fz.serve(f, "POST", "/api/tasks", fz.tokenA, "application/json", `{"title":"A's"}`), 201, &a)
	fz.mustDecode(f, fz.serve(f, "POST", "/api/tasks", fz.tokenB, "application/json", `{"title":"B's"}`), 201, &b)
	fz.taskA, fz.taskB, fz.taskBETag = a.ID, b.ID, b.ETag
	return fz
}

func (fz *apiFuzz) serve(t testing.TB, method, path, token, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://127.0.0.1/", strings.NewReader(body))
	r.URL = &url.URL{Path: path}
	r.RequestURI = ""
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	fz.handler.ServeHTTP(w, r)
	return w
}

func (fz *apiFuzz) mustDecode(t testing.TB, w *httptest.ResponseRecorder, status int, v any) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
}

// checkAnswer enforces what holds for every answer: an expected status, and for errors an
// RFC 9457 document.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	ok := false
	for _, s := range allowed {
		ok = ok || w.Code == s
	}
	if !ok {
		t.Fatalf("status %d, want one of %v: %s", w.Code, allowed, w.Body)
	}
	if w.Code >= 400 {
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" ||
			json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Status != w.Code || p.Detail == "" {
			t.Fatalf("%d without a problem document (%s): %s", w.Code, ct, w.Body)
		}
	}
}

// checkTitle holds a stored task to the title rules, whatever body produced it.
func checkTitle(t *testing.T, body []byte, title string) {
	t.Helper()
	if title == "" || title != strings.TrimSpace(title) || !utf8.ValidString(title) ||
		utf8.RuneCountInString(title) > 200 || strings.IndexFunc(title, unicode.IsControl) >= 0 {
		t.Fatalf("stored title %q breaks the rules (body %q)", title, body)
	}
}

var bodySeeds = []string{
	`{"title":"Buy milk"}`, `{"title":"  padded  "}`, `{"title":""}`, `{"title":null}`, `{"title":42}`,
	`{"title":"a","title":"b"}`, `{"Title":"case"}`, `{"title":"x","completed":true}`, `{"completed":false}`,
	`{"completed":"yes"}`, `{}`, `[]`, `null`, `"title"`, `{"title":"a"}{"title":"b"}`, `{"title":"a"} `,
	`{"title":"\u0000"}`, `{"title":"\ud800"}`, `{"title":"\u2028"}`, `{"title":"` + strings.Repeat("é", 200) + `"}`,
	`{"title":"` + strings.Repeat("é", 201) + `"}`, `{"title":"a\u200bb"}`, `{"title":"🙂"}`, `{"title":"\t x \n"}`,
	`{"title":"a"`, `{"title":"a",}`, `{"__proto__":{}}`, "\xef\xbb\xbf{\"title\":\"bom\"}",
	`{"title":"` + strings.Repeat("a", 17<<10) + `"}`, `{"completed":true,"completed":null}`,
}

// FuzzCreateBody posts fuzzed bodies under fuzzed media types.
func FuzzCreateBody(f *testing.F) {
	fz := newAPIFuzz(f)
	for _, b := range bodySeeds {
		f.Add([]byte(b), "application/json")
	}
	for _, ct := range []string{"application/json; charset=utf-8", "text/plain", "", "application/json;;", "APPLICATION/JSON", "application/problem+json"} {
		f.Add([]byte(`{"title":"x"}`), ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		w := fz.serve(t, "POST", "/api/tasks", fz.tokenA, contentType, string(body))
		checkAnswer(t, w, 201, 400, 413, 415)
		if w.Code != 201 {
			return
		}
		var created struct{ ID, Title string }
		fz.mustDecode(t, w, 201, &created)
		checkTitle(t, body, created.Title)
		var stored struct{ Title string }
		fz.mustDecode(t, fz.serve(t, "GET", "/api/tasks/"+created.ID, fz.tokenA, "", ""), 200, &stored)
		if stored.Title != created.Title {
			t.Fatalf("stored %q, answered %q", stored.Title, created.Title)
		}
		fz.serve(t, "DELETE", "/api/tasks/"+created.ID, fz.tokenA, "", "") // keep the partition small
	})
}

// FuzzPatchBody patches user A's task with fuzzed bodies.
func FuzzPatchBody(f *testing.F) {
	fz := newAPIFuzz(f)
	for _, b := range bodySeeds {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := fz.serve(t, "PATCH", "/api/tasks/"+fz.taskA, fz.tokenA, "application/json", string(body))
		checkAnswer(t, w, 200, 400, 413)
		if w.Code == 200 {
			var patched struct{ Title string }
			fz.mustDecode(t, w, 200, &patched)
			checkTitle(t, body, patched.Title)
		}
	})
}

// FuzzTaskID sends fuzzed path ids with user A's token, including user B's real id and its
// near misses. Anything but A's own task must be 404 (or a 400 for a bad body), and B's
// task must come out unchanged.
func FuzzTaskID(f *testing.F) {
	fz := newAPIFuzz(f)
	b := fz.taskB
	for _, id := range []string{
		b, strings.ToLower(b), b + "/", b + "%00", "../" + b, b[:25], b + "0", " " + b, fz.taskA, "",
		"*", "'", "PartitionKey eq '" + atkUserB + "'", atkUserB + "/" + b, "%2e%2e%2f" + b, "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "00000000000000000000000000",
	} {
		for m := range byte(3) {
			f.Add(id, m)
		}
	}
	f.Fuzz(func(t *testing.T, id string, method byte) {
		path := "/api/tasks/" + id
		var w *httptest.ResponseRecorder
		switch method % 3 {
		case 0:
			w = fz.serve(t, "GET", path, fz.tokenA, "", "")
		case 1:
			w = fz.serve(t, "PATCH", path, fz.tokenA, "application/json", `{"completed":true}`)
		default:
			w = fz.serve(t, "DELETE", path, fz.tokenA, "", "")
		}
		// 301/307: ServeMux redirects to a cleaned path; 405 never (every method is routed);
		// 200/204 only for A's own task.
		if id == fz.taskA {
			checkAnswer(t, w, 200, 204, 404)
			if w.Code == 204 {
				fz.restoreA(t)
			}
		} else {
			checkAnswer(t, w, 404, 301, 307)
		}
		if bytes.Contains(w.Body.Bytes(), []byte("B's")) {
			t.Fatalf("user A read B's task through %q: %s", id, w.Body)
		}
		var still struct{ ETag string }
		fz.mustDecode(t, fz.serve(t, "GET", "/api/tasks/"+b, fz.tokenB, "", ""), 200, &still)
		if still.ETag != fz.taskBETag {
			t.Fatalf("user B's task changed after %q", id)
		}
	})
}

// restoreA recreates A's task after the fuzzer deleted it through its own id.
func (fz *apiFuzz) restoreA(t *testing.T) {
	var a struct{ ID string }
	fz.mustDecode(t, fz.serve(t, "POST", "/api/tasks", fz.tokenA, "application/json", `{"title":"A's"}`), 201, &a)
	fz.taskA = a.ID
}
