package host_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
	"github.com/example/entra-tasks/tools/funchost/host"
)

// The real handler behind the stand-in, with the repository's host.json: what reaches the
// host's log (func start's console, Application Insights' traces) and what its exit means.

// handlerSettings are valid settings whose storage and key set are unreachable: enough to
// start and log, nothing to serve.
func handlerSettings() map[string]string {
	return map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           "http://127.0.0.1:1/keys",
		"TABLES_CONNECTION_STRING": devstack.TableConnectionString(1),
	}
}

func TestHandlerLogLinesReachTheHostLogAtTheirLevel(t *testing.T) {
	out, hostLog := runRealHandler(t, handlerSettings())
	waitFor(t, out, `[Information] {"time":`, `"msg":"listening"`)
	if strings.Contains(hostLog.String(), "restarting") {
		t.Errorf("handler restarted:\n%s", hostLog.String())
	}
}

func TestConfigurationErrorIsLoggedAsAnErrorAndNotRestarted(t *testing.T) {
	settings := handlerSettings()
	settings["AZURE_TENANT_ID"] = "not-a-guid"
	out, hostLog := runRealHandler(t, settings)
	waitFor(t, out, "[Error] handler: AZURE_TENANT_ID must be the tenant's GUID")
	waitFor(t, hostLog, "exited with code 0")

	// The host keeps running (no restart loop, no shutdown) and answers with its own 500.
	resp, err := http.Get("http://" + hostLog.addr + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("request to a misconfigured handler: %d, want the host's 500", resp.StatusCode)
	}
	if strings.Contains(hostLog.String(), "restarting the handler") {
		t.Errorf("a configuration error counted as a crash:\n%s", hostLog.String())
	}
	select {
	case err := <-hostLog.done:
		t.Errorf("host stopped: %v", err)
	default:
	}
}

// syncBuffer collects output written from several goroutines; the host log also carries the
// stand-in's address and how it ended.
type syncBuffer struct {
	testenv.LogBuffer
	addr string
	done chan error
}

// runRealHandler runs the stand-in on the repository's files and the real handler; it
// returns the handler's output as the host logs it, and the host's own log.
func runRealHandler(t *testing.T, settings map[string]string) (out, hostLog *syncBuffer) {
	t.Helper()
	root := stageScriptRoot(t, settings)
	app, err := host.LoadApp(root)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := host.LoadLocalSettings(root)
	if err != nil {
		t.Fatal(err)
	}
	out, hostLog = &syncBuffer{}, &syncBuffer{done: make(chan error, 1)}
	h, err := host.New(app, ls, host.Options{
		Environ:       []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")},
		HandlerOutput: io.MultiWriter(out, t.Output()),
		Logger:        slog.New(slog.NewTextHandler(io.MultiWriter(hostLog, t.Output()), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostLog.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { hostLog.done <- h.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-hostLog.done:
		case <-time.After(10 * time.Second):
			t.Error("stand-in did not stop")
		}
	})
	return out, hostLog
}

// waitFor waits until one line of b holds every part.
func waitFor(t *testing.T, b *syncBuffer, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, line := range strings.Split(b.String(), "\n") {
			if containsAll(line, parts) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q in:\n%s", parts, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
