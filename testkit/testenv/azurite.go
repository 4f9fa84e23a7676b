// Package testenv starts the real things the tests run against: Azurite from the pinned npm
// package, the handler binary, and a loopback key set. Nothing here is mocked.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// AzuriteAccountKey is Azurite's well-known development key (public, documented by Microsoft).
const AzuriteAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// Azurite is an Azurite table service owned by one test. Its data lives in a temporary folder,
// so Stop and Start simulate an outage without losing what was written.
type Azurite struct {
	t    testing.TB
	Port int
	dir  string
	cmd  *exec.Cmd
}

// StartAzurite starts the table service on a free port and stops it when the test ends.
func StartAzurite(t testing.TB) *Azurite {
	t.Helper()
	a := &Azurite{t: t, Port: FreePort(t), dir: t.TempDir()}
	a.Start()
	t.Cleanup(a.Stop)
	return a
}

// ConnectionString is the full shared-key string the handler's TABLES_CONNECTION_STRING takes.
func (a *Azurite) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;TableEndpoint=http://127.0.0.1:%d/devstoreaccount1;",
		AzuriteAccountKey, a.Port)
}

// Start (re)starts the service on the same port and data folder.
func (a *Azurite) Start() {
	a.t.Helper()
	if a.cmd != nil {
		return
	}
	cmd := exec.Command(azuriteBin(a.t), "--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(a.Port),
		"--location", a.dir, "--disableTelemetry", "--skipApiVersionCheck", "--silent")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // node may spawn children; stop them all
	out, err := os.Create(filepath.Join(a.dir, "azurite.log"))
	if err != nil {
		a.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		a.t.Fatalf("start Azurite: %v", err)
	}
	a.cmd = cmd
	if err := WaitListening(a.Port, 30*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(a.dir, "azurite.log"))
		a.t.Fatalf("Azurite did not start: %v\n%s", err, log)
	}
}

// Stop ends the service and waits for it to exit. It asks politely first (SIGINT, as Ctrl-C would), because
// Azurite keeps its tables in memory and saves them on exit: killing it outright loses recent
// writes that it had acknowledged, which the real service never does.
func (a *Azurite) Stop() {
	if a.cmd == nil {
		return
	}
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	a.cmd = nil
}

// azuriteBin finds azurite-table: $AZURITE_BIN's folder (set by make) or the pinned install
// under tools/azurite. A missing install fails the test: a skipped storage test hides a gap.
func azuriteBin(t testing.TB) string {
	t.Helper()
	candidates := []string{}
	if env := os.Getenv("AZURITE_BIN"); env != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(env), "azurite-table"))
	}
	if root, err := RepoRoot(); err == nil {
		candidates = append(candidates, filepath.Join(root, "tools", "azurite", "node_modules", ".bin", "azurite-table"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	t.Fatalf("azurite-table not found (looked in %v): run `make deps` to install the pinned Azurite", candidates)
	return ""
}

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitListening polls until something accepts connections on the loopback port.
func WaitListening(port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listening on port %d after %v", port, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RepoRoot is the folder holding go.mod, found upwards from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
