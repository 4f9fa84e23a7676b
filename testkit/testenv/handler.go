package testenv

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var buildOnce = sync.OnceValues(func() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "handler-build-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "handler")
	cmd := exec.Command("go", "build", "-o", bin, "./handler")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./handler: %v\n%s", err, out)
	}
	return bin, nil
})

// BuildHandler builds the handler binary once per test process and returns its path.
func BuildHandler(t testing.TB) string {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Handler is the real handler binary running as a child process, as the Functions host runs it.
type Handler struct {
	t        testing.TB
	bin      string
	settings map[string]string
	Port     int
	cmd      *exec.Cmd
	out      *bytes.Buffer
	mu       sync.Mutex
}

// StartHandler runs the binary with settings as its environment (plus PATH and HOME) and
// FUNCTIONS_CUSTOMHANDLER_PORT set to a free port, and waits until it answers GET /.
func StartHandler(t testing.TB, settings map[string]string) *Handler {
	t.Helper()
	h := &Handler{t: t, bin: BuildHandler(t), settings: settings, Port: FreePort(t)}
	h.Start()
	t.Cleanup(func() { h.Stop() })
	return h
}

// URL is the handler's base URL.
func (h *Handler) URL() string { return "http://127.0.0.1:" + strconv.Itoa(h.Port) }

// Start launches the process (again).
func (h *Handler) Start() {
	h.t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "FUNCTIONS_CUSTOMHANDLER_PORT=" + strconv.Itoa(h.Port)}
	keys := make([]string, 0, len(h.settings))
	for k := range h.settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+h.settings[k])
	}
	h.out = &bytes.Buffer{}
	cmd := exec.Command(h.bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lockedWriter{&h.mu, h.out}, lockedWriter{&h.mu, h.out}
	if err := cmd.Start(); err != nil {
		h.t.Fatalf("start handler: %v", err)
	}
	h.cmd = cmd
	if err := WaitHTTP(h.URL()+"/", 10*time.Second); err != nil {
		h.t.Fatalf("handler not ready: %v\noutput:\n%s", err, h.Output())
	}
}

// Stop sends SIGTERM (as a container runtime or a terminal's Ctrl-C does; the Functions host kills
// instead, see Kill) and waits for a clean exit.
func (h *Handler) Stop() error {
	if h.cmd == nil {
		return nil
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	err := h.cmd.Wait()
	h.cmd = nil
	return err
}

// Restart stops and starts the process with the same settings and port.
func (h *Handler) Restart(t *testing.T) {
	t.Helper()
	if err := h.Stop(); err != nil {
		t.Fatalf("handler did not exit cleanly on SIGTERM: %v\n%s", err, h.Output())
	}
	h.Start()
}

// Output is what the process has printed so far (its JSON log lines).
func (h *Handler) Output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// WaitHTTP polls url until it answers any HTTP status.
func WaitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %v: %w", url, timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ServeKeys serves a key set on loopback for the test's lifetime and returns its URL.
func ServeKeys(t testing.TB, keys http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(keys)
	t.Cleanup(srv.Close)
	return srv.URL + "/discovery/v2.0/keys"
}
