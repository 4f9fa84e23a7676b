//go:build starttest

// The test of `make start` runs the real tools/start.sh, and through it tools/stack, with the real
// Azurite, host stand-in, handler and Vite dev server, on free ports. It needs what `make start`
// installs first, so it runs in `make test-start` (go test -tags starttest), not in a plain go test ./... .
// Linux only: it finds the processes start.sh started through /proc.

package scripttest

import (
	"bufio"
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
	"syscall"
	"testing"
	"time"

	kit "github.com/example/entra-tasks/devstack"
)

// repoRoot is two folders up from tools/scripttest.
const repoRoot = "../.."

// stack is one run of start.sh in its own session, as a terminal would run it.
type stack struct {
	cmd     *exec.Cmd
	ports   map[string]int // api, web, blob, queue, table
	lines   chan string    // its output, line by line; closed at EOF
	output  []string       // every line read so far
	exited  chan error
	session int
}

// appFolder is a private script root holding only local.settings.json, the example with the
// test's API port, so a developer's build/local.settings.json is neither used nor touched;
// tools/stack stages the app in it.
func appFolder(t *testing.T, apiPort int) string {
	t.Helper()
	dir := t.TempDir()
	example, err := os.ReadFile(filepath.Join(repoRoot, "local.settings.json.example"))
	if err != nil {
		t.Fatal(err)
	}
	settings := regexp.MustCompile(`"LocalHttpPort": *[0-9]+`).ReplaceAll(example, []byte(fmt.Sprintf(`"LocalHttpPort": %d`, apiPort)))
	if err := os.WriteFile(filepath.Join(dir, "local.settings.json"), settings, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
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

// startStack runs tools/start.sh in a new session, so every process it starts, in whichever
// process group, can be found afterwards by its session id.
func startStack(t *testing.T, ports map[string]int, appDir, dataDir string) *stack {
	t.Helper()
	cmd := exec.Command("bash", "tools/start.sh")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"SCRIPT_ROOT="+appDir,
		"AZURITE_DATA="+dataDir,
		"API_PORT="+strconv.Itoa(ports["api"]),
		"WEB_PORT="+strconv.Itoa(ports["web"]),
		"AZURITE_BLOB_PORT="+strconv.Itoa(ports["blob"]),
		"AZURITE_QUEUE_PORT="+strconv.Itoa(ports["queue"]),
		"AZURITE_TABLE_PORT="+strconv.Itoa(ports["table"]),
		"AZURE_TENANT_ID=", // the placeholder in the settings decides: local-identity mode
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &stack{cmd: cmd, ports: ports, lines: make(chan string, 1000), exited: make(chan error, 1), session: cmd.Process.Pid}
	go func() {
		scanner := bufio.NewScanner(out)
		for scanner.Scan() {
			s.lines <- scanner.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		// Whatever happened, leave nothing behind.
		syscall.Kill(-s.session, syscall.SIGKILL)
		for _, p := range kit.SessionProcesses(s.session) {
			syscall.Kill(p.Pid, syscall.SIGKILL)
		}
	})
	return s
}

// waitForLine reads output until a line contains want; it fails the test if start.sh ends first.
func (s *stack) waitForLine(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("start.sh ended before printing %q; its output:\n%s", want, strings.Join(s.output, "\n"))
			}
			s.output = append(s.output, line)
			if strings.Contains(line, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within %s; output so far:\n%s", want, timeout, strings.Join(s.output, "\n"))
		}
	}
}

// interrupt sends SIGINT to start.sh's process group, as Ctrl-C in a terminal does, and
// waits for start.sh to exit and its output to end.
func (s *stack) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-s.session, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for line := range s.lines {
			s.output = append(s.output, line)
		}
		close(done)
	}()
	go func() { s.exited <- s.cmd.Wait() }()
	select {
	case err := <-s.exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("start.sh after Ctrl-C: %v, want exit status 130", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("start.sh still running 30 s after SIGINT; output:\n%s", strings.Join(s.output, "\n"))
	}
	<-done
}

func hasProgram(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

func listening(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// assertNothingLeft checks, right after start.sh has exited, that none of the processes it
// started is alive and that every port is free again.
func (s *stack) assertNothingLeft(t *testing.T) {
	t.Helper()
	if left := kit.SessionProcesses(s.session); len(left) > 0 {
		for _, p := range left {
			t.Errorf("still running after Ctrl-C: pid %d: %s", p.Pid, p.Command)
		}
	}
	for name, port := range s.ports {
		if listening(port) {
			t.Errorf("port %d (%s) still open after Ctrl-C", port, name)
		}
	}
}

var prefixed = regexp.MustCompile(`^(start|stack|azurite|api|web) +\| `)

// assertEveryLinePrefixed checks that every line names its process, once (tools/stack names
// Azurite's and the API's lines itself; start.sh must not put its own name in front of those),
// and that each of Azurite, the API, the dev server and start.sh has written at least one line.
func (s *stack) assertEveryLinePrefixed(t *testing.T) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range s.output {
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
			t.Errorf("no line from %s in the console:\n%s", name, strings.Join(s.output, "\n"))
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

func devToken(t *testing.T, appDir, user string) string {
	t.Helper()
	cmd := exec.Command("go", "run", "./tools/localidentity", "token", "-settings", filepath.Join(appDir, "local.settings.json"), "-user", user)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "AZURE_TENANT_ID=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("localidentity token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestStartServesEverythingAndCtrlCStopsIt: make start's console names every process and
// prints the URLs; the API and the SPA answer; a task survives a restart (data in the
// Azurite folder); and after each Ctrl-C no process it started is alive and the ports are free.
func TestStartServesEverythingAndCtrlCStopsIt(t *testing.T) {
	keepSPAConfig(t)
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	appDir := appFolder(t, ports["api"])
	dataDir := filepath.Join(t.TempDir(), "azurite")
	api := fmt.Sprintf("http://localhost:%d/api", ports["api"])

	first := startStack(t, ports, appDir, dataDir)
	first.waitForLine(t, "Stop:", 3*time.Minute)
	banner := strings.Join(first.output, "\n")
	for _, want := range []string{
		fmt.Sprintf("App:      http://localhost:%d/", ports["web"]),
		fmt.Sprintf("API docs: http://localhost:%d/docs", ports["web"]),
		fmt.Sprintf("API:      %s/", api),
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
	token := devToken(t, appDir, "alice")
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
	first.interrupt(t)
	t.Logf("first run's console:\n%s", strings.Join(first.output, "\n"))
	first.assertNothingLeft(t)
	first.assertEveryLinePrefixed(t)

	second := startStack(t, ports, appDir, dataDir)
	second.waitForLine(t, "Stop:", 3*time.Minute)
	if status, body := httpGet(t, api+"/tasks", token); status != 200 || !strings.Contains(body, "survives a restart") {
		t.Errorf("after a restart, GET /api/tasks: %d %s", status, body)
	}
	second.interrupt(t)
	second.assertNothingLeft(t)
	second.assertEveryLinePrefixed(t)
}

// TestStartNamesWhatHoldsABusyPort: a taken port stops start.sh before it starts anything,
// with a line naming the port and the program holding it.
func TestStartNamesWhatHoldsABusyPort(t *testing.T) {
	ports := freePorts(t, "api", "web", "blob", "queue", "table")
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ports["table"]))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	appDir := appFolder(t, ports["api"])
	dataDir := filepath.Join(t.TempDir(), "azurite")

	s := startStack(t, ports, appDir, dataDir)
	go func() { s.exited <- s.cmd.Wait() }()
	var lines []string
	for line := range s.lines {
		lines = append(lines, line)
	}
	err = <-s.exited
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("start.sh with a busy port: %v, want exit status 1", err)
	}
	out := strings.Join(lines, "\n")
	want := fmt.Sprintf("port %d (Azurite Table) is already in use by", ports["table"])
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
		t.Errorf("start.sh created %s before refusing: %v", dataDir, err)
	}
	if left := kit.SessionProcesses(s.session); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}
