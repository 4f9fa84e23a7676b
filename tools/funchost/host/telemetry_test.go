package host_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
)

// telemetryEnv is the API behind the stand-in with the handler's lines, as the host prints
// them, collected in out.
func telemetryEnv(t *testing.T) (*apitest.Env, *testenv.LogBuffer) {
	out := &testenv.LogBuffer{}
	e := apitest.NewEnv(t, func(t *testing.T, settings map[string]string) apitest.Target {
		return startStandInTo(t, settings, out)
	})
	return e, out
}

// linesOf are the handler's JSON lines among what the host printed ("[Level] {json}").
func linesOf(t *testing.T, printed string) []map[string]any {
	var lines []map[string]any
	for _, l := range strings.Split(printed, "\n") {
		i := strings.Index(l, "] {")
		if i < 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l[i+2:]), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		m["_bytes"] = float64(len(l) - i - 2)
		lines = append(lines, m)
	}
	return lines
}

// waitForAccessLines waits until out holds n access lines (the host prints through a pipe).
func waitForAccessLines(t *testing.T, out *testenv.LogBuffer, n int) []map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		lines := linesOf(t, out.String())
		if accessLines(lines) >= n || time.Now().After(deadline) {
			return lines
		}
	}
}

// accessLines counts the access lines ("msg":"request") among lines.
func accessLines(lines []map[string]any) int {
	count := 0
	for _, l := range lines {
		if l["msg"] == "request" {
			count++
		}
	}
	return count
}

var traceIDShape = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Every line the handler writes for a request (its storage calls, its access line) carries
// the trace id of the traceparent the host sent, which continues the caller's trace; the
// problem body names the same id; the caller's oid is in no line, the pseudonymous id is.
func TestEveryLineOfARequestCarriesTheCallersTraceID(t *testing.T) {
	e, out := telemetryEnv(t)
	tok := e.Token(t, entra.UserA)
	const create, missing = "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"
	tp := func(id string) map[string]string {
		return map[string]string{"traceparent": "00-" + id + "-b7ad6b7169203331-01"}
	}

	// Lines printed so far, and of them access lines (the stand-in's own readiness requests):
	// the three requests below add three access lines to those.
	printed := waitForAccessLines(t, out, 0)
	before, accessBefore := len(printed), accessLines(printed)
	r := e.Do(t, apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": "secret title milk"}, Header: tp(create)})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r = e.Do(t, apitest.Request{Method: "GET", Path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", Token: tok, Header: tp(missing)})
	var problem struct{ TraceID string }
	r.JSON(t, &problem)
	if r.Status != 404 || problem.TraceID != missing {
		t.Errorf("404's problem body: %d %s, want traceId %s (the caller's trace)", r.Status, r.Body, missing)
	}
	r = e.Do(t, apitest.Request{Method: "GET", Path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", Token: tok,
		Header: map[string]string{"traceparent": "00-" + strings.ToUpper(missing) + "-b7ad6b7169203331-01"}})
	var fresh struct{ TraceID string }
	r.JSON(t, &fresh)
	if !traceIDShape.MatchString(fresh.TraceID) || fresh.TraceID == missing {
		t.Errorf("malformed traceparent: problem traceId %q, want a new valid one", fresh.TraceID)
	}

	lines := waitForAccessLines(t, out, accessBefore+3)[before:]
	byTrace := map[string][]map[string]any{}
	for _, l := range lines {
		id, _ := l["traceId"].(string)
		byTrace[id] = append(byTrace[id], l)
		raw, _ := json.Marshal(l)
		for _, secret := range []string{entra.UserA, "secret title", tok[:40]} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("a line holds %q: %s", secret, raw)
			}
		}
	}
	if msgs := msgsOf(byTrace[""]); len(msgs) > 0 {
		t.Errorf("lines of requests without a traceId: %v", msgs)
	}
	// The create: its storage calls and its access line, all under the caller's trace id.
	if got := msgsOf(byTrace[create]); len(got) < 2 || got[len(got)-1] != "request" || !strings.Contains(strings.Join(got, ","), "storage") {
		t.Errorf("lines under the create's trace id %s: %v, want its storage calls and its access line", create, got)
	}
	for _, id := range []string{missing, fresh.TraceID} {
		got := byTrace[id]
		if len(got) == 0 || got[len(got)-1]["msg"] != "request" || got[len(got)-1]["status"] != float64(404) || got[len(got)-1]["problem"] != "not-found" {
			t.Errorf("lines under the 404's trace id %s: %v, want its access line with problem not-found", id, got)
		}
	}
	for _, l := range lines {
		if l["msg"] == "request" && !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(l["user"].(string)) {
			t.Errorf("access line's user %v, want 16 hex digits", l["user"])
		}
	}
}

func msgsOf(lines []map[string]any) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l["msg"].(string)+":"+stringOf(l["op"]))
	}
	for i, m := range out {
		out[i] = strings.TrimSuffix(m, ":")
	}
	return out
}

func stringOf(v any) string { s, _ := v.(string); return s }

// TestTelemetryBytesPerRequest measures what the handler writes for a typical GET /api/tasks
// and POST /api/tasks: the lines the host forwards to Application Insights as traces, by
// size. It asserts nothing; docs/operations.md quotes its numbers.
func TestTelemetryBytesPerRequest(t *testing.T) {
	e, out := telemetryEnv(t)
	tok := e.Token(t, entra.UserA)
	// Access lines printed so far (the stand-in's readiness requests): each request adds one.
	n := accessLines(waitForAccessLines(t, out, 0))
	measure := func(name string, req apitest.Request) {
		before := len(waitForAccessLines(t, out, n))
		e.Do(t, req)
		n++
		lines := waitForAccessLines(t, out, n)[before:]
		total := 0
		for _, l := range lines {
			total += int(l["_bytes"].(float64))
		}
		t.Logf("%s: %d lines, %d bytes", name, len(lines), total)
	}
	// Warm: the first write creates the user's account row; measure the steady state.
	measure("first POST /api/tasks", apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": "warm"}})
	measure("first GET /api/tasks", apitest.Request{Method: "GET", Path: "/api/tasks", Token: tok})
	measure("POST /api/tasks", apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": "buy milk"}})
	measure("GET /api/tasks", apitest.Request{Method: "GET", Path: "/api/tasks", Token: tok})
}
