package api_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
)

// TestLogLines checks the access log a user of Application Insights would read: one JSON line
// per request with the host's invocation id and the caller's pseudonymous id (never the oid),
// and never the token.
// pseudonymous is the shape of the access line's user: 16 hex digits of a keyed hash.
var pseudonymous = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestLogLines(t *testing.T) {
	var h *testenv.Handler
	e := apitest.NewEnv(t, func(t *testing.T, settings map[string]string) apitest.Target {
		h = testenv.StartHandler(t, settings)
		return h
	})
	tok := e.Token(t, entra.UserA)
	r := e.Do(t, apitest.Request{Method: "GET", Path: "/api/me", Token: tok,
		Header: map[string]string{"X-Azure-Functions-InvocationId": "3f2a9c1e-0000-4000-8000-00000000beef"}})
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	e.Do(t, apitest.Request{Method: "GET", Path: "/api/tasks", Token: tok + "x"})
	h.Stop()
	var sawMe, sawRejected bool
	for _, line := range strings.Split(strings.TrimSpace(h.Output()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if strings.Contains(line, tok[:40]) {
			t.Errorf("log line holds the token: %s", line)
		}
		if strings.Contains(line, entra.UserA) {
			t.Errorf("log line holds the caller's oid: %s", line)
		}
		if entry["msg"] != "request" {
			continue
		}
		switch entry["route"] {
		case "/api/me":
			user, _ := entry["user"].(string)
			sawMe = entry["invocationId"] == "3f2a9c1e-0000-4000-8000-00000000beef" && pseudonymous.MatchString(user) && entry["status"] == float64(200)
		case "/api/tasks":
			sawRejected = entry["status"] == float64(401) && entry["user"] == nil && entry["problem"] == "invalid-token"
		}
	}
	if !sawMe || !sawRejected {
		t.Errorf("missing or wrong access log lines (me %v, rejected %v):\n%s", sawMe, sawRejected, h.Output())
	}
}
