package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
)

// These tests run the command as the browser tests' global set-up and `make start` run it: a real
// process, in a session of its own so that every process it starts can be found afterwards.

var builds devstack.Builder

func TestMain(m *testing.M) {
	code := m.Run()
	builds.RemoveAll()
	os.Exit(code)
}

func build(t *testing.T, pkg string) string {
	t.Helper()
	bin, err := builds.Build(context.Background(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runningStack is one run of the command.
type runningStack struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *devstack.LogBuffer
	ready  devstack.Ready
	exited chan error
}

// startStack runs the command with args and waits for its line of JSON.
func startStack(t *testing.T, args ...string) *runningStack {
	t.Helper()
	s := launch(t, args...)
	line := make(chan string, 1)
	stdout, _ := s.cmd.StdoutPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t, syscall.SIGTERM) })
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatalf("no line on stdout; stderr:\n%s", s.stderr)
		}
		if err := json.Unmarshal([]byte(l), &s.ready); err != nil {
			t.Fatalf("stdout %q: %v", l, err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("not ready after 3 minutes; stderr:\n%s", s.stderr)
	}
	return s
}

func launch(t *testing.T, args ...string) *runningStack {
	t.Helper()
	cmd := exec.Command(build(t, "./tools/start"), args...)
	cmd.Dir = "../.."
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	s := &runningStack{cmd: cmd, stderr: &devstack.LogBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	var err error
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	return s
}

// stop sends sig (0: closes stdin instead), waits for the exit and returns its status.
func (s *runningStack) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return s.cmd.ProcessState.ExitCode()
	}
	if sig == 0 {
		s.stdin.Close()
	} else {
		s.cmd.Process.Signal(sig)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		t.Errorf("still running 30 s after %v; stderr:\n%s", sig, s.stderr)
		<-s.exited
	}
	return s.cmd.ProcessState.ExitCode()
}

// assertNothingLeft checks that no process of the run's session is alive.
func (s *runningStack) assertNothingLeft(t *testing.T) {
	t.Helper()
	for _, p := range devstack.SessionProcesses(s.cmd.Process.Pid) {
		t.Errorf("still running: pid %d: %s", p.Pid, p.Command)
	}
}

func call(t *testing.T, method, url, token, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

func TestE2EModeServesTheAPIWithTheGivenKeysAndSIGINTStopsEverything(t *testing.T) {
	key, err := entra.NewKey("e2e-key")
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, entra.JWKS(key), 0o600); err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	const origin = "http://localhost:4173"
	s := startStack(t, "-mode", "e2e", "-jwks", jwks, "-tenant", entra.TestTenant, "-client", entra.TestClient,
		"-cors", origin, "-log-dir", logDir)
	if s.ready.Mode != "e2e" || s.ready.URLFile != "" || s.ready.LogDir != logDir || s.ready.TablePort == 0 {
		t.Errorf("ready line: %+v", s.ready)
	}
	if code, body, _ := call(t, "GET", s.ready.APIURL+"/api/me", "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/me without a token: %d %s", code, body)
	}
	token, err := key.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, entra.UserA, time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := call(t, "GET", s.ready.APIURL+"/api/me", token, ""); code != http.StatusOK || !strings.Contains(body, entra.UserA) {
		t.Errorf("GET /api/me with a token signed by the -jwks key: %d %s", code, body)
	}
	// The host answers the SPA's preflight for the -cors origin.
	_, _, h := call(t, "OPTIONS", s.ready.APIURL+"/api/tasks", "", "", "Origin", origin, "Access-Control-Request-Method", "POST")
	if h.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, h.Get("Access-Control-Allow-Origin"))
	}
	work := filepath.Dir(s.ready.SettingsPath)

	if code := s.stop(t, syscall.SIGINT); code != 130 {
		t.Errorf("exit status after SIGINT: %d, want 130; stderr:\n%s", code, s.stderr)
	}
	s.assertNothingLeft(t)
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("the temporary work folder %s outlived the run: %v", work, err)
	}
	for _, name := range []string{"azurite.log", "api.log"} {
		if fi, err := os.Stat(filepath.Join(logDir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v (empty or missing)", name, err)
		}
	}
}

// TestLocalModeKeepsDataAcrossRunsAndStopsWhenStdinCloses runs local mode as the browser tests do (-json,
// no dev server), with a settings file that does not exist yet: the first start creates it from the
// example, every start copies it into the work folder (an edit between runs reaches the host), tasks
// survive a restart on the same data folder, and closing stdin or SIGTERM stops everything.
func TestLocalModeKeepsDataAcrossRunsAndStopsWhenStdinCloses(t *testing.T) {
	data, work, dir := t.TempDir(), t.TempDir(), t.TempDir()
	settings := filepath.Join(dir, "local.settings.json")
	args := []string{"-mode", "local", "-json", "-web=false", "-settings", settings, "-azurite-dir", data, "-work", work,
		"-url-file", filepath.Join(dir, "localidentity.url"), "-api-port", "0", "-azurite-port", "0", "-azurite-blob-port", "0", "-azurite-queue-port", "0"}
	s := startStack(t, args...)
	if s.ready.Mode != "local" || s.ready.SettingsPath != filepath.Join(work, "local.settings.json") || s.ready.URLFile == "" {
		t.Errorf("ready line: %+v", s.ready)
	}
	example, _ := os.ReadFile("../../local.settings.json.example")
	if created, err := os.ReadFile(settings); err != nil || string(created) != string(example) {
		t.Errorf("the settings file %s after the first start: %v; want a copy of local.settings.json.example", settings, err)
	}
	if code, body, _ := call(t, "GET", s.ready.APIURL+"/api/me", "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/me without a token: %d %s", code, body)
	}
	token := devToken(t, settings)
	if code, body, _ := call(t, "GET", s.ready.APIURL+"/api/me", token, ""); code != http.StatusOK || !strings.Contains(body, entra.DevUserOID) {
		t.Errorf("GET /api/me with `localidentity token`: %d %s", code, body)
	}
	if code, body, _ := call(t, "POST", s.ready.APIURL+"/api/tasks", token, `{"title":"kept across runs"}`); code != http.StatusCreated {
		t.Fatalf("POST /api/tasks: %d %s", code, body)
	}
	if published, err := os.ReadFile(s.ready.URLFile); err != nil || !strings.HasPrefix(string(published), "http://127.0.0.1:") {
		t.Errorf("the local identity's URL file %s: %q %v", s.ready.URLFile, published, err)
	}

	if code := s.stop(t, 0); code != 0 {
		t.Errorf("exit status after stdin closed: %d; stderr:\n%s", code, s.stderr)
	}
	s.assertNothingLeft(t)

	// The developer edits their file; the work folder's copy is output, rewritten from it.
	edited := strings.Replace(string(example), `"Values": {`, `"Values": {`+"\n    \"EDITED_BETWEEN_RUNS\": \"yes\",", 1)
	if err := os.WriteFile(settings, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	again := startStack(t, args...)
	if staged, err := os.ReadFile(again.ready.SettingsPath); err != nil || string(staged) != edited {
		t.Errorf("%s after the settings file was edited: %v\n%s\nwant the edited file", again.ready.SettingsPath, err, staged)
	}
	if code, body, _ := call(t, "GET", again.ready.APIURL+"/api/tasks", devToken(t, settings), ""); code != http.StatusOK || !strings.Contains(body, "kept across runs") {
		t.Errorf("GET /api/tasks after a restart on the same -azurite-dir: %d %s", code, body)
	}
	if code := again.stop(t, syscall.SIGTERM); code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit status after SIGTERM: %d, want 143", code)
	}
	again.assertNothingLeft(t)
}

func devToken(t *testing.T, settings string) string {
	t.Helper()
	out, err := exec.Command(build(t, "./tools/localidentity"), "token", "-settings", settings).Output()
	if err != nil {
		t.Fatalf("localidentity token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestAStartUpFailureNamesThePieceAndLeavesNothingRunning takes Azurite's port first: the command
// must say that Azurite failed and where its log is, in one line, and exit 1 with nothing left.
func TestAStartUpFailureNamesThePieceAndLeavesNothingRunning(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	os.WriteFile(jwks, []byte(`{"keys":[]}`), 0o600)
	logDir := t.TempDir()
	s := launch(t, "-mode", "e2e", "-jwks", jwks, "-azurite-port", port, "-log-dir", logDir)
	var stdout strings.Builder
	s.cmd.Stdout = &stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	select {
	case err = <-s.exited:
	case <-time.After(time.Minute):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("still running a minute after Azurite could not start; stderr:\n%s", s.stderr)
	}
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "Azurite") || !strings.Contains(lines[0], filepath.Join(logDir, "azurite.log")) {
		t.Errorf("stderr %q: want one line naming Azurite and its log", s.stderr)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q: want nothing (no ready line)", stdout.String())
	}
	s.assertNothingLeft(t)
}
