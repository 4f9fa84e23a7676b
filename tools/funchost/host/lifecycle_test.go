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
)

func TestHandlerThatNeverListensFailsAfterTheReadyTimeout(t *testing.T) {
	root := stageRepoApp(t, map[string]any{"Values": map[string]any{"ECHO_NEVER_LISTEN": "1"}})
	err := runUntilDone(t, root, Options{ReadyTimeout: 700 * time.Millisecond}, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "did not answer GET") || !strings.Contains(err.Error(), "700ms") {
		t.Fatalf("got %v, want a readiness time-out naming the limit", err)
	}
}

func TestHandlerThatExitsAtStartFailsAtOnce(t *testing.T) {
	root := stageRepoApp(t, map[string]any{"Values": map[string]any{"ECHO_EXIT_AT_START": "1"}})
	start := time.Now()
	err := runUntilDone(t, root, Options{}, 10*time.Second) // the default 30 s must not be waited out
	if err == nil || !strings.Contains(err.Error(), "exited before it answered") {
		t.Fatalf("got %v, want the handler's early exit", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s to notice the exit", elapsed)
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

func TestCrashedHandlerIsRestarted(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	_, before := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	crash := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	crash.Header.Set("X-Echo-Crash", "1")
	if resp, err := http.DefaultClient.Do(crash); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("request that killed the handler: %d, want 502", resp.StatusCode)
		}
	}

	// A request racing the crash may still get a 502 (as with the real host); soon after,
	// a new handler answers.
	deadline := time.Now().Add(10 * time.Second)
	var after echo
	for {
		resp, err := http.Get(h.URL + "/api/me")
		if err == nil {
			resp.Body.Close()
			if resp.Header.Get("X-Echo-Pid") != "" {
				_, after = echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no handler answered within 10 s of the crash")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after.PID == before.PID {
		t.Fatalf("same handler pid %d after a crash", after.PID)
	}
	if err := process(before.PID); err == nil {
		t.Errorf("crashed handler %d still exists", before.PID)
	}
}

func TestStopSendsSIGTERMAndWaits(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "terminated")
	h := startHost(t, stageRepoApp(t, map[string]any{"Values": map[string]any{"ECHO_TERM_FILE": marker}}), Options{})
	_, e := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	h.stop()
	if err := <-h.done; err != nil {
		t.Fatalf("Run returned %v after a clean stop", err)
	}
	h.done <- nil // for the cleanup in startHost
	if data, err := os.ReadFile(marker); err != nil || string(data) != "SIGTERM" {
		t.Errorf("handler did not get SIGTERM before Run returned: %v %q", err, data)
	}
	if err := process(e.PID); err == nil {
		t.Errorf("handler %d still running after Run returned", e.PID)
	}
	if _, err := http.Get(h.URL + "/api/me"); err == nil {
		t.Error("host still accepts connections after Run returned")
	}
}

func TestHandlerEnvironmentArgumentsAndDirectory(t *testing.T) {
	root := stageRepoApp(t, map[string]any{"Values": map[string]any{
		"ECHO_ENV":      "FROM_SETTINGS,EMPTY,SET_IN_ENV,GREETING,FUNCTIONS_CUSTOMHANDLER_PORT,FUNCTIONS_CUSTOMHANDLER_WORKER_ID",
		"FROM_SETTINGS": "settings",
		"EMPTY":         "",
		"SET_IN_ENV":    "settings",
		"GREETING":      "hello",
	}})
	editHostJSON(t, root, func(h map[string]any) {
		d := h["customHandler"].(map[string]any)["description"].(map[string]any)
		d["arguments"] = []string{"--greeting=%GREETING%", "%UNKNOWN%"}
		d["workingDirectory"] = "me"
	})
	h := startHost(t, root, Options{Environ: []string{"SET_IN_ENV=environment", "PATH=" + os.Getenv("PATH")}})
	_, e := echoed(t, newRequest(t, http.MethodGet, h.URL+"/api/me", nil))

	want := map[string]string{"FROM_SETTINGS": "settings", "EMPTY": "", "SET_IN_ENV": "environment", "GREETING": "hello"}
	for name, value := range want {
		if got := e.Env[name]; got == nil || *got != value {
			t.Errorf("handler env %s = %v, want %q", name, deref(got), value)
		}
	}
	if port := e.Env["FUNCTIONS_CUSTOMHANDLER_PORT"]; port == nil || *port == "" || strings.HasSuffix(h.URL, ":"+*port) {
		t.Errorf("FUNCTIONS_CUSTOMHANDLER_PORT = %v, want a port of its own", deref(port))
	}
	if id := e.Env["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]; id == nil || !guidPattern.MatchString(*id) {
		t.Errorf("FUNCTIONS_CUSTOMHANDLER_WORKER_ID = %v", deref(id))
	}
	if strings.Join(e.Args, " ") != "--greeting=hello %UNKNOWN%" {
		t.Errorf("arguments %q, want %%SETTING%% expanded and unknown names kept", e.Args)
	}
	if resolved, _ := filepath.EvalSymlinks(filepath.Join(root, "me")); e.Dir != resolved && e.Dir != filepath.Join(root, "me") {
		t.Errorf("working directory %q, want %q", e.Dir, filepath.Join(root, "me"))
	}
}

func deref(s *string) any {
	if s == nil {
		return "<unset>"
	}
	return *s
}
