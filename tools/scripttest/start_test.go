//go:build starttest

// The test of `make start` runs the real `make start` the way a developer does: typed into an
// interactive bash in a terminal (a pseudo-terminal this test holds the other side of), from the
// repository root, with the real Azurite, host stand-in, handler and Vite dev server, on free ports
// (API_PORT, WEB_PORT, AZURITE_*_PORT) and with private folders (LOCAL_SETTINGS, SCRIPT_ROOT,
// AZURITE_DATA). It needs what `make start` installs first, so it runs in `make test-start` (go test
// -tags starttest), not in a plain go test ./... . Linux only: it finds the processes of the run
// through /proc, by the terminal's session, which every process started in it keeps.

package scripttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	kit "github.com/example/entra-tasks/devstack"
)

// repoRoot is two folders up from tools/scripttest.
const repoRoot = "../.."

// Deadlines for a loaded two-core machine: a first start builds three Go commands and starts Vite.
const (
	readyWithin   = 4 * time.Minute
	stoppedWithin = 60 * time.Second
)

// settingsFile is a private settings file, the example with the test's API port, so a developer's
// local.settings.json is neither used nor touched.
func settingsFile(t *testing.T, apiPort int) string {
	t.Helper()
	example, err := os.ReadFile(filepath.Join(repoRoot, "local.settings.json.example"))
	if err != nil {
		t.Fatal(err)
	}
	settings := regexp.MustCompile(`"LocalHttpPort": *[0-9]+`).ReplaceAll(example, []byte(fmt.Sprintf(`"LocalHttpPort": %d`, apiPort)))
	path := filepath.Join(t.TempDir(), "local.settings.json")
	if err := os.WriteFile(path, settings, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePorts picks a distinct free port for each name.
func freePorts(t *testing.T, names ...string) map[string]int {
	t.Helper()
	ports, taken := map[string]int{}, map[int]bool{}
	for len(ports) < len(names) {
		port, err := kit.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if !taken[port] {
			taken[port] = true
			ports[names[len(ports)]] = port
		}
	}
	return ports
}

// keepSPAConfig restores frontend/public/config.json after the test: the dev server's
// start-up writes it, and a developer's copy must survive the test unchanged.
func keepSPAConfig(t *testing.T) {
	path := filepath.Join(repoRoot, "frontend", "public", "config.json")
	before, err := os.ReadFile(path)
	existed := err == nil
	t.Cleanup(func() {
		if existed {
			os.WriteFile(path, before, 0o644)
		} else {
			os.Remove(path)
		}
	})
}

// terminal is one terminal with `make start` typed into its shell.
type terminal struct {
	master   *os.File // the terminal window's side
	shell    *exec.Cmd
	session  int // the shell's pid: the session of every process of the run
	ports    map[string]int
	settings string

	mu     sync.Mutex
	output []string // the terminal's lines so far, without the \r
	more   chan struct{}
}

// userEnv is this process's environment as a developer's terminal has it: without what a surrounding
// make (make test-start) passes down, which would turn the typed make start into a sub-make.
func userEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// startRun opens a terminal running an interactive bash (no rc files) in a session of its own, with
// the run's ports and folders in its environment, and types `make start`.
func startRun(t *testing.T, ports map[string]int, settings, dataDir string) *terminal {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	shell := exec.Command("bash", "--norc", "--noprofile", "-i")
	shell.Dir = repoRoot
	shell.Env = append(userEnv(),
		"PS1=$ ", "HISTFILE=/dev/null", "TERM=dumb",
		"LOCAL_SETTINGS="+settings,
		"SCRIPT_ROOT="+t.TempDir(),
		"AZURITE_DATA="+dataDir,
		"API_PORT="+strconv.Itoa(ports["api"]),
		"WEB_PORT="+strconv.Itoa(ports["web"]),
		"AZURITE_BLOB_PORT="+strconv.Itoa(ports["blob"]),
		"AZURITE_QUEUE_PORT="+strconv.Itoa(ports["queue"]),
		"AZURITE_TABLE_PORT="+strconv.Itoa(ports["table"]),
		"AZURE_TENANT_ID=", // the placeholder in the settings decides: local-identity mode
	)
	shell.Stdin, shell.Stdout, shell.Stderr = slave, slave, slave
	// The terminal becomes the shell's controlling terminal, as a terminal window's shell has it.
	shell.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := shell.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	r := &terminal{master: master, shell: shell, session: shell.Process.Pid, ports: ports, settings: settings, more: make(chan struct{}, 1)}
	go r.read()
	go shell.Wait()
	t.Cleanup(func() {
		// Whatever happened, leave nothing behind.
		master.Close()
		for _, p := range kit.SessionProcesses(r.session) {
			syscall.Kill(p.Pid, syscall.SIGKILL)
		}
	})
	r.typeIn(t, "make start\n")
	return r
}

// read copies the terminal's output into lines until the terminal is gone.
func (r *terminal) read() {
	buf := make([]byte, 64*1024)
	var partial string
	for {
		n, err := r.master.Read(buf)
		r.mu.Lock()
		partial += strings.ReplaceAll(string(buf[:n]), "\r", "")
		lines := strings.Split(partial, "\n")
		partial = lines[len(lines)-1]
		r.output = append(r.output, lines[:len(lines)-1]...)
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

func (r *terminal) typeIn(t *testing.T, s string) {
	t.Helper()
	if _, err := r.master.Write([]byte(s)); err != nil {
		t.Fatalf("typing %q: %v", s, err)
	}
}

func (r *terminal) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.output...)
}

func (r *terminal) console() string { return strings.Join(r.lines(), "\n") }

// waitForLine waits until a line of the terminal contains want.
func (r *terminal) waitForLine(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, line := range r.lines() {
			if strings.Contains(line, want) {
				return
			}
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("no %q within %s; the terminal so far:\n%s", want, timeout, r.console())
		}
	}
}

// left is every live process of the run, the shell aside when it is still there.
func (r *terminal) left() []kit.LiveProcess {
	var found []kit.LiveProcess
	for _, p := range kit.SessionProcesses(r.session) {
		if p.Pid != r.session {
			found = append(found, p)
		}
	}
	return found
}

// pid is the pid of the run's process whose command line starts with prefix.
func (r *terminal) pid(t *testing.T, prefix string) int {
	t.Helper()
	for _, p := range r.left() {
		if strings.HasPrefix(p.Command, prefix) {
			return p.Pid
		}
	}
	t.Fatalf("no process %q in the run: %v", prefix, r.left())
	return 0
}

// assertNothingLeft waits, up to stoppedWithin, until no process of the run but the shell is alive
// and every port is free again, and fails naming what is still there.
func (r *terminal) assertNothingLeft(t *testing.T, how string) {
	t.Helper()
	deadline := time.Now().Add(stoppedWithin)
	for {
		procs, busy := r.left(), r.busyPorts()
		if len(procs) == 0 && len(busy) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range procs {
				t.Errorf("still running %s after %s: pid %d: %s", stoppedWithin, how, p.Pid, p.Command)
			}
			for _, name := range busy {
				t.Errorf("port %d (%s) still open %s after %s", r.ports[name], name, stoppedWithin, how)
			}
			t.Logf("the terminal:\n%s", r.console())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *terminal) busyPorts() []string {
	var busy []string
	for name, port := range r.ports {
		if kit.Listening(port) {
			busy = append(busy, name)
		}
	}
	return busy
}

func hasProgram(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

var prefixed = regexp.MustCompile(`^(start|azurite|api|web) +\| `)

// assertEveryLinePrefixed checks that every line make start wrote names its process, once, and
// that each of Azurite, the API, the dev server and tools/start itself has written at least one
// line. The shell's lines (its prompt with the typed command, make's "*** Interrupt") are not make
// start's, and the terminal echoes Ctrl-C as ^C in front of the next line.
func (r *terminal) assertEveryLinePrefixed(t *testing.T) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range r.lines() {
		line = strings.TrimPrefix(line, "^C")
		if strings.HasPrefix(line, "$ ") || strings.HasPrefix(line, "make: *** ") || line == "make start" || line == "$" || line == "" {
			continue
		}
		m := prefixed.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line without the name of its process: %q", line)
			continue
		}
		seen[m[1]] = true
		if prefixed.MatchString(line[len(m[0]):]) {
			t.Errorf("line named twice: %q", line)
		}
	}
	for _, name := range []string{"start", "azurite", "api", "web"} {
		if !seen[name] {
			t.Errorf("no line from %s in the console:\n%s", name, r.console())
		}
	}
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// devToken is `make -s token USER=user` with the run's settings file.
func devToken(t *testing.T, settings, user string) string {
	t.Helper()
	cmd := exec.Command("make", "-s", "token", "USER="+user)
	cmd.Dir = repoRoot
	cmd.Env = append(userEnv(), "AZURE_TENANT_ID=", "LOCAL_SETTINGS="+settings)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestStartServesEverythingAndCtrlCStopsIt: make start's console names every process and prints
// the URLs; the API and the SPA answer; a task survives a restart (data in the Azurite folder);
// and after each Ctrl-C no process it started is alive and the ports are free.
func TestStartServesEverythingAndCtrlCStopsIt(t *testing.T) {
	keepSPAConfig(t)
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	settings := settingsFile(t, ports["api"])
	dataDir := filepath.Join(t.TempDir(), "azurite")
	api := fmt.Sprintf("http://localhost:%d/api", ports["api"])

	first := startRun(t, ports, settings, dataDir)
	first.waitForLine(t, "Stop:", readyWithin)
	banner := first.console()
	for _, want := range []string{
		fmt.Sprintf("App:      http://localhost:%d/", ports["web"]),
		fmt.Sprintf("API docs: http://localhost:%d/docs", ports["web"]),
		fmt.Sprintf("API:      %s/", api),
		"Settings: " + settings,
		"make -s token",
		"Ctrl-C",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("console lacks %q:\n%s", want, banner)
		}
	}
	if status, _ := httpGet(t, fmt.Sprintf("http://localhost:%d/", ports["web"]), ""); status != 200 {
		t.Errorf("SPA: %d", status)
	}
	token := devToken(t, settings, "alice")
	req, _ := http.NewRequest("POST", api+"/tasks", strings.NewReader(`{"title":"survives a restart"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST /api/tasks: %d", resp.StatusCode)
	}
	first.typeIn(t, "\x03") // Ctrl-C: the terminal sends SIGINT to its foreground process group
	first.assertNothingLeft(t, "Ctrl-C")
	first.waitForLine(t, "stopping (Ctrl-C)", 5*time.Second)
	t.Logf("first run's console:\n%s", first.console())
	first.assertEveryLinePrefixed(t)

	second := startRun(t, ports, settings, dataDir)
	second.waitForLine(t, "Stop:", readyWithin)
	if status, body := httpGet(t, api+"/tasks", token); status != 200 || !strings.Contains(body, "survives a restart") {
		t.Errorf("after a restart, GET /api/tasks: %d %s", status, body)
	}
	second.typeIn(t, "\x03")
	second.assertNothingLeft(t, "Ctrl-C")
	second.assertEveryLinePrefixed(t)
}

// TestClosingTheTerminalStopsEverything closes the terminal make start runs in, as closing its window
// does: the shell gets SIGHUP and passes it to its jobs, make and tools/start among them (the children
// of tools/start, in process groups of their own, get nothing from the terminal). Nothing may be left
// and no port taken. The run's settings file does not exist yet: make start creates it from the example.
func TestClosingTheTerminalStopsEverything(t *testing.T) {
	keepSPAConfig(t)
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	r := startRun(t, ports, settings, filepath.Join(t.TempDir(), "azurite"))
	r.waitForLine(t, "Stop:", readyWithin)
	example, _ := os.ReadFile(filepath.Join(repoRoot, "local.settings.json.example"))
	if created, err := os.ReadFile(settings); err != nil || string(created) != string(example) {
		t.Errorf("the settings file %s: %v; want the first make start to create it from local.settings.json.example", settings, err)
	}
	r.master.Close()
	r.assertNothingLeft(t, "closing the terminal")
	if p, err := os.FindProcess(r.session); err == nil && p.Signal(syscall.Signal(0)) == nil && !exited(r.session) {
		t.Errorf("the shell (pid %d) outlived its terminal", r.session)
	}
}

// exited reports whether pid is gone or a zombie.
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// TestKillingMakeStopsEverything sends SIGTERM to make's pid alone, as `kill <pid of make>` does; make
// passes it on to its child, tools/start.
func TestKillingMakeStopsEverything(t *testing.T) {
	signalMakeAlone(t, syscall.SIGTERM, "SIGTERM to make")
}

// TestMakeDyingStopsEverything kills make's pid alone with SIGKILL, which make cannot pass on: its
// child, tools/start, must notice that its parent is gone and stop everything itself.
func TestMakeDyingStopsEverything(t *testing.T) {
	signalMakeAlone(t, syscall.SIGKILL, "SIGKILL to make")
}

// signalMakeAlone starts make start, sends sig to make's pid only once it is ready, and checks that
// nothing of the run is left.
func signalMakeAlone(t *testing.T, sig syscall.Signal, what string) {
	keepSPAConfig(t)
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	r := startRun(t, ports, settingsFile(t, ports["api"]), filepath.Join(t.TempDir(), "azurite"))
	r.waitForLine(t, "Stop:", readyWithin)
	if err := syscall.Kill(r.pid(t, "make start"), sig); err != nil {
		t.Fatal(err)
	}
	r.assertNothingLeft(t, what)
}

// TestStartNamesWhatHoldsABusyPort: a taken port stops make start before it starts anything, with a
// line naming the port and the program holding it.
func TestStartNamesWhatHoldsABusyPort(t *testing.T) {
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ports["table"]))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	settings := settingsFile(t, ports["api"])
	dataDir := filepath.Join(t.TempDir(), "azurite")

	r := startRun(t, ports, settings, dataDir)
	delete(r.ports, "table") // held by this test, not by the run
	r.waitForLine(t, "is already in use by", readyWithin)
	r.assertNothingLeft(t, "a refused start")
	r.waitForLine(t, "Error 1", 10*time.Second) // make reports tools/start's exit status
	out := r.console()
	want := fmt.Sprintf("start   | port %d (Azurite Table) is already in use by", ln.Addr().(*net.TCPAddr).Port)
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	// ss or lsof name this test binary; where neither exists the line says how to look.
	holder := fmt.Sprintf("(pid %d)", os.Getpid())
	if !hasProgram("ss") && !hasProgram("lsof") {
		holder = "ss -ltnp"
	}
	if !strings.Contains(out, holder) {
		t.Errorf("output does not name the holder (want %q):\n%s", holder, out)
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("make start created %s before refusing: %v", dataDir, err)
	}
}
