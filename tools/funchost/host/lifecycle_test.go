package host

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/testkit/testenv"
)

// These tests assert the Functions host's rules for a handler's life (see process.go for
// the host source of each): restart on exit 200 and on errors, none on exit 0, shutdown at
// the third error within the window, SIGKILL to stop, one port for all restarts, and
// retries of requests that meet a restarting handler. Durations are shortened through
// Options rather than waited out.

func TestThirdFailureInARowShutsTheHostDown(t *testing.T) {
	for _, tc := range []struct {
		name, setting, value string
		opts                 Options
		wantErr              string
	}{
		{"exit code 2 at start", "ECHO_EXIT_AT_START", "2", Options{}, "exited with code 2"},
		// Exit 0 is not an error by itself, but the readiness time-out that follows is.
		{"exit code 0 at start", "ECHO_EXIT_AT_START", "0", Options{ReadyTimeout: 300 * time.Millisecond}, "did not answer GET"},
		{"never listens", "ECHO_NEVER_LISTEN", "1", Options{ReadyTimeout: 300 * time.Millisecond}, "did not answer GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := stageRepoApp(t, map[string]any{"Values": map[string]any{tc.setting: tc.value}})
			var log testenv.LogBuffer
			tc.opts.Logger = testLogger(t, &log)
			err := runUntilDone(t, root, tc.opts, 20*time.Second)
			if err == nil || !strings.Contains(err.Error(), "failed 3 times") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want the host's shutdown after 3 errors (%s)", err, tc.wantErr)
			}
			if n := strings.Count(log.String(), "restarting the handler"); n != 2 {
				t.Errorf("restarted %d times before shutting down, want 2:\n%s", n, log.String())
			}
		})
	}
}

func TestErrorsFurtherApartThanTheWindowNeverShutTheHostDown(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{ErrorWindow: 200 * time.Millisecond})
	for i := range 4 {
		time.Sleep(300 * time.Millisecond) // more than the window since the last error
		crash := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
		crash.Header.Set("X-Echo-Exit", "3")
		crash.Header.Set("X-Echo-Exit-Once", filepath.Join(t.TempDir(), "crashed"))
		if resp, e := echoed(t, crash); resp.StatusCode != http.StatusOK {
			t.Fatalf("crash %d: %d %+v", i, resp.StatusCode, e)
		}
	}
	select {
	case err := <-h.done:
		t.Fatalf("host stopped after errors spaced wider than the window: %v", err)
		h.done <- nil
	default:
	}
}

func TestCrashedHandlerIsRestartedOnTheSamePortAndTheRequestReplayed(t *testing.T) {
	h := startHost(t, stageRepoApp(t, map[string]any{"Values": map[string]any{"ECHO_ENV": "FUNCTIONS_CUSTOMHANDLER_PORT"}}), Options{})
	_, before := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	// The handler dies while answering; the host retries the request (it has no body)
	// and the restarted handler answers it.
	crash := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	crash.Header.Set("X-Echo-Exit", "3")
	crash.Header.Set("X-Echo-Exit-Once", filepath.Join(t.TempDir(), "crashed"))
	resp, after := echoed(t, crash)
	if resp.StatusCode != http.StatusOK || after.PID == before.PID {
		t.Fatalf("request that crashed handler %d: %d from pid %d; want it replayed to a new handler", before.PID, resp.StatusCode, after.PID)
	}
	if *after.Env["FUNCTIONS_CUSTOMHANDLER_PORT"] != *before.Env["FUNCTIONS_CUSTOMHANDLER_PORT"] {
		t.Errorf("restarted on port %s, was %s: the host keeps one port", *after.Env["FUNCTIONS_CUSTOMHANDLER_PORT"], *before.Env["FUNCTIONS_CUSTOMHANDLER_PORT"])
	}
	if err := process(before.PID); err == nil {
		t.Errorf("crashed handler %d still exists", before.PID)
	}
}

func TestExit200RestartsWithoutCountingAnError(t *testing.T) {
	var log testenv.LogBuffer
	h := startHost(t, stageRepoApp(t, nil), Options{Logger: testLogger(t, &log)})
	pids := map[int]bool{}
	for range 5 { // more than the 3 errors that would shut the host down
		req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
		req.Header.Set("X-Echo-Exit", "200")
		req.Header.Set("X-Echo-Exit-Once", filepath.Join(t.TempDir(), "restarted"))
		_, e := echoed(t, req)
		pids[e.PID] = true
	}
	if len(pids) != 5 {
		t.Errorf("answered by %d handlers, want a new one after each exit 200", len(pids))
	}
	if strings.Contains(log.String(), "restarting the handler") {
		t.Errorf("exit 200 counted as an error:\n%s", log.String())
	}
}

func TestExit0IsNotRestartedAndRequestsThenFailWith500(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	stop := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	stop.Header.Set("X-Echo-Exit", "0")
	start := time.Now()
	resp, _ := do(t, stop)
	// The host retries about 1.9 s, then its ExceptionMiddleware answers 500.
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("X-Echo-Pid") != "" {
		t.Errorf("request to a handler that exited 0: %d, want the host's 500", resp.StatusCode)
	}
	if elapsed := time.Since(start); elapsed < 1500*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("gave up after %s, want the retries' ~1.9 s", elapsed)
	}
	resp, _ = do(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("next request: %d; the handler must not have been restarted", resp.StatusCode)
	}
}

func TestStopKillsTheHandlerWithoutSIGTERM(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "signalled")
	h := startHost(t, stageRepoApp(t, map[string]any{"Values": map[string]any{"ECHO_SIGNAL_FILE": marker}}), Options{})
	_, e := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	start := time.Now()
	h.stop()
	if err := <-h.done; err != nil {
		t.Fatalf("Run returned %v after a clean stop", err)
	}
	h.done <- nil // for the cleanup in startHost
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("stop took %s: the host kills at once and waits at most 1 s", elapsed)
	}
	if data, err := os.ReadFile(marker); err == nil {
		t.Errorf("handler got %s; the host sends only SIGKILL", data)
	}
	if err := process(e.PID); err == nil {
		t.Errorf("handler %d still running after Run returned", e.PID)
	}
}

func TestHandlerEnvironmentArgumentsAndDirectory(t *testing.T) {
	root := stageRepoApp(t, map[string]any{"Values": map[string]any{
		"ECHO_ENV": "FROM_SETTINGS,EMPTY,SET_IN_ENV,GREETING,FUNCTIONS_CUSTOMHANDLER_PORT,FUNCTIONS_CUSTOMHANDLER_WORKER_ID," +
			"FUNCTIONS_HTTPWORKER_PORT,AZURE_FUNCTIONS_ENVIRONMENT,WEBSITE_HOSTNAME,AzureWebJobsScriptRoot",
		"FROM_SETTINGS":               "settings",
		"EMPTY":                       "",
		"SET_IN_ENV":                  "settings",
		"GREETING":                    "hello",
		"AZURE_FUNCTIONS_ENVIRONMENT": "Production", // func start overrides it
	}})
	editHostJSON(t, root, func(h map[string]any) {
		d := h["customHandler"].(map[string]any)["description"].(map[string]any)
		d["arguments"] = []string{"--greeting=%GREETING%", "%UNKNOWN%", "two words", "--port=%FUNCTIONS_CUSTOMHANDLER_PORT%"}
		d["workingDirectory"] = "me"
	})
	h := startHost(t, root, Options{Environ: []string{"SET_IN_ENV=environment", "PATH=" + os.Getenv("PATH")}})
	_, e := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	_, hostPort, _ := net.SplitHostPort(strings.TrimPrefix(h.URL, "http://"))
	want := map[string]string{
		"FROM_SETTINGS": "settings", "EMPTY": "", "SET_IN_ENV": "environment", "GREETING": "hello",
		"AZURE_FUNCTIONS_ENVIRONMENT": "Development", "WEBSITE_HOSTNAME": "localhost:" + hostPort, "AzureWebJobsScriptRoot": root,
	}
	for name, value := range want {
		if got := e.Env[name]; got == nil || *got != value {
			t.Errorf("handler env %s = %v, want %q", name, deref(got), value)
		}
	}
	port := e.Env["FUNCTIONS_CUSTOMHANDLER_PORT"]
	if port == nil || *port == "" || *port == hostPort || deref(e.Env["FUNCTIONS_HTTPWORKER_PORT"]) != *port {
		t.Errorf("FUNCTIONS_CUSTOMHANDLER_PORT = %v, FUNCTIONS_HTTPWORKER_PORT = %v, want one port of the handler's own", deref(port), deref(e.Env["FUNCTIONS_HTTPWORKER_PORT"]))
	}
	if id := e.Env["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]; id == nil || !guidPattern.MatchString(*id) {
		t.Errorf("FUNCTIONS_CUSTOMHANDLER_WORKER_ID = %v", deref(id))
	}
	// Joined with spaces, %SETTING% expanded, unknown names deleted, split again.
	if got, want := strings.Join(e.Args, "|"), "--greeting=hello|two|words|--port="+deref(port).(string); got != want {
		t.Errorf("arguments %q, want %q", got, want)
	}
	if resolved, _ := filepath.EvalSymlinks(filepath.Join(root, "me")); e.Dir != resolved && e.Dir != filepath.Join(root, "me") {
		t.Errorf("working directory %q, want %q", e.Dir, filepath.Join(root, "me"))
	}
}

func TestHandlerOutputIsLoggedAsTheHostClassifiesAndFiltersIt(t *testing.T) {
	var out testenv.LogBuffer
	h := startHost(t, stageRepoApp(t, nil), Options{HandlerOutput: &out})
	req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	req.Header.Set("X-Echo-Log", "42")
	echoed(t, req)
	// The repository's host.json must let Host.Function.Console through at Information.
	want := []string{"[Information] echo-info 42", "[Error] echo-error 42", "[Warning] echo-warning 42"}
	deadline := time.Now().Add(5 * time.Second)
	for _, line := range want {
		for !strings.Contains(out.String(), line+"\n") {
			if time.Now().After(deadline) {
				t.Fatalf("handler output lacks %q:\n%s", line, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestConsoleLevelFollowsTheMostSpecificLogLevelRule(t *testing.T) {
	for _, tc := range []struct {
		rules map[string]Level
		want  Level
	}{
		{nil, LevelInformation},
		{map[string]Level{"default": LevelWarning}, LevelWarning},
		{map[string]Level{"default": LevelWarning, "Function": LevelInformation}, LevelWarning}, // not a prefix of Host.Function.Console
		{map[string]Level{"default": LevelWarning, "Host": LevelError, "host.function": LevelDebug}, LevelDebug},
		{map[string]Level{"Host.Function.Console": LevelNone, "Host": LevelTrace}, LevelNone},
	} {
		if got := minLevel(tc.rules, ConsoleCategory); got != tc.want {
			t.Errorf("minLevel(%v) = %s, want %s", tc.rules, got, tc.want)
		}
	}
}

// runUntilDone runs a host on root and returns what Run returned, failing after limit.
func runUntilDone(t *testing.T, root string, opts Options, limit time.Duration) error {
	t.Helper()
	opts.Environ = []string{}
	h := newHost(t, root, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(context.Background(), ln) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("Run did not return within %s", limit)
		return nil
	}
}

func deref(s *string) any {
	if s == nil {
		return "<unset>"
	}
	return *s
}
