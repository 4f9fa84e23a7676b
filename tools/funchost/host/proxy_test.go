package host

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestProxiesTheRequestAsTheHandlerExpects(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	req := newRequest(t, http.MethodPost, h.URL+"/api/tasks?b=2&a=1&a=3&q=%20x%2F", strings.NewReader(`{"title":"milk"}`))
	req.Header.Set("Authorization", "Bearer abc.def.ghi")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Custom", "one")
	req.Header.Add("X-Custom", "two")
	_, e := echoed(t, req)

	if e.Method != "POST" || e.EscapedPath != "/api/tasks" || e.RawQuery != "b=2&a=1&a=3&q=%20x%2F" {
		t.Errorf("handler saw %s %s?%s, want the original path and query", e.Method, e.EscapedPath, e.RawQuery)
	}
	if e.Body != `{"title":"milk"}` {
		t.Errorf("body %q", e.Body)
	}
	if got := e.Header.Get("Authorization"); got != "Bearer abc.def.ghi" {
		t.Errorf("Authorization %q", got)
	}
	if got := e.Header.Values("X-Custom"); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("X-Custom %q, want both values", got)
	}
	if got := e.Header.Get("X-Azure-Functions-HostVersion"); got == "" {
		t.Error("no X-Azure-Functions-HostVersion")
	}
	first := e.Header.Get("X-Azure-Functions-InvocationId")
	_, again := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))
	second := again.Header.Get("X-Azure-Functions-InvocationId")
	if !guidPattern.MatchString(first) || !guidPattern.MatchString(second) || first == second {
		t.Errorf("invocation ids %q, %q: want a new GUID per request", first, second)
	}
}

func TestInvocationIDFromTheCallerIsReplaced(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	req.Header.Set("X-Azure-Functions-InvocationId", "chosen-by-caller")
	_, e := echoed(t, req)
	if got := e.Header.Values("X-Azure-Functions-InvocationId"); len(got) != 1 || !guidPattern.MatchString(got[0]) {
		t.Errorf("invocation id %q, want exactly one host-made GUID", got)
	}
}

func TestProxiesBodiesWholeIncludingChunkedAndLarge(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	large := make([]byte, 3<<20)
	rand.Read(large)

	t.Run("chunked", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			for i := range 5 {
				pw.Write([]byte(strings.Repeat(string(rune('a'+i)), 1000)))
			}
			pw.Close()
		}()
		req := newRequest(t, http.MethodPost, h.URL+"/api/tasks", pr) // unknown length: sent chunked
		_, e := echoed(t, req)
		if len(e.Body) != 5000 || e.Body[:1000] != strings.Repeat("a", 1000) || e.Body[4000:] != strings.Repeat("e", 1000) {
			t.Errorf("chunked body arrived as %d bytes", len(e.Body))
		}
		if e.ContentLength != -1 || !slices.Equal(e.TransferEncoding, []string{"chunked"}) {
			t.Errorf("handler saw Content-Length %d, Transfer-Encoding %v; want a chunked request", e.ContentLength, e.TransferEncoding)
		}
	})
	t.Run("large", func(t *testing.T) {
		// The echo is JSON, so the bytes come back as a string; compare as such.
		text := []byte(hex.EncodeToString(large))
		_, e := echoed(t, newRequest(t, http.MethodPost, h.URL+"/api/tasks", bytes.NewReader(text)))
		if e.Body != string(text) {
			t.Errorf("large body: got %d bytes, want %d identical bytes", len(e.Body), len(text))
		}
	})
}

func TestProxiesTheResponseAsTheHandlerWroteIt(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	id := strings.Repeat("0", 26)
	for _, status := range []int{200, 201, 204, 400, 401, 403, 404, 412, 413, 415, 418, 500, 503} {
		req := newRequest(t, http.MethodPatch, h.URL+"/api/tasks/"+id, nil)
		req.Header.Set("X-Echo-Status", itoa(status))
		resp, _ := do(t, req)
		if resp.StatusCode != status || resp.Header.Get("X-Echo-Pid") == "" {
			t.Errorf("handler answered %d, client got %d", status, resp.StatusCode)
		}
	}

	req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	req.Header.Add("X-Echo-Header", `ETag: W/"datetime'2026-01-01T00%3A00%3A00Z'"`)
	req.Header.Add("X-Echo-Header", "WWW-Authenticate: Bearer error=\"invalid_token\"")
	req.Header.Add("X-Echo-Header", "Set-Cookie: a=1")
	req.Header.Add("X-Echo-Header", "Set-Cookie: b=2")
	resp, _ := do(t, req)
	if got := resp.Header.Get("ETag"); got != `W/"datetime'2026-01-01T00%3A00%3A00Z'"` {
		t.Errorf("ETag %q", got)
	}
	if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{"a=1", "b=2"}) {
		t.Errorf("Set-Cookie %q", got)
	}

	stream := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	stream.Header.Set("X-Echo-Stream", "1")
	sresp, e := echoed(t, stream)
	if !slices.Equal(sresp.TransferEncoding, []string{"chunked"}) || e.Method != "GET" {
		t.Errorf("streamed response arrived with Transfer-Encoding %v", sresp.TransferEncoding)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The host forwards its own activity's traceparent: the caller's trace id with a new span id
// when the caller sent a valid one, else a new trace (traceparent.go cites the host's path).
func TestTraceparentContinuesTheCallersTrace(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	traceparent := regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$`)
	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	forwarded := func(sent ...string) []string {
		req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
		for _, v := range sent {
			req.Header.Add("traceparent", v)
		}
		_, e := echoed(t, req)
		got := e.Header.Values("Traceparent")
		if len(got) != 1 || !traceparent.MatchString(got[0]) {
			t.Fatalf("sent %q, handler got traceparent %q: want exactly one valid version-00 value", sent, got)
		}
		return traceparent.FindStringSubmatch(got[0])
	}
	got := forwarded(caller)
	if got[1] != "4bf92f3577b34da6a3ce929d0e0e4736" || got[2] == "00f067aa0ba902b7" || !strings.HasSuffix(got[0], "-01") {
		t.Errorf("caller's %s forwarded as %s: want its trace id and flags with the host's own span id", caller, got[0])
	}
	for _, bad := range [][]string{nil, {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}, {"garbage"}, {caller, caller}} {
		if got := forwarded(bad...); got[1] == "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("sent %q: forwarded %s, want a new trace", bad, got[0])
		}
	}
}
