package testenv

import (
	"context"
	"net/http"
	"testing"

	"github.com/example/entra-tasks/devstack"
)

// builds compiles the handler once per test process (into a temporary folder, like go test's own).
var builds devstack.Builder

// BuildHandler builds the handler binary once per test process and returns its path.
func BuildHandler(t testing.TB) string {
	t.Helper()
	bin, err := builds.Handler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Handler is the real handler binary running as a child process, as the Functions host runs it.
type Handler struct {
	t     testing.TB
	h     *devstack.Handler
	out   *devstack.LogBuffer
	since int // where the current run's output starts in out
	// Port is FUNCTIONS_CUSTOMHANDLER_PORT.
	Port int
}

// StartHandler runs the binary with settings as its environment (plus PATH and HOME) and
// FUNCTIONS_CUSTOMHANDLER_PORT set to a free port, waits until it answers GET /, and stops
// it when the test ends.
func StartHandler(t testing.TB, settings map[string]string) *Handler {
	t.Helper()
	out := &devstack.LogBuffer{}
	// Build first: the start's time-out is for the process, and a build on a loaded machine can
	// take longer than that on its own (it did: a 53 s "not ready" with no output at all).
	bin := BuildHandler(t)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	h, err := devstack.StartHandler(ctx, devstack.HandlerOptions{Bin: bin, Settings: settings, Stdout: out, Stderr: out})
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	handler := &Handler{t: t, h: h, out: out, Port: h.Port()}
	t.Cleanup(func() { handler.Stop() })
	return handler
}

// URL is the handler's base URL.
func (h *Handler) URL() string { return h.h.URL() }

// Start launches the process again, on the same port.
func (h *Handler) Start() {
	h.t.Helper()
	h.since = len(h.out.String())
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := h.h.Start(ctx); err != nil {
		h.t.Fatalf("%v\noutput:\n%s", err, h.Output())
	}
}

// Stop sends SIGTERM (as a container runtime or a terminal's Ctrl-C does; the Functions host kills
// instead, see Kill) and waits for the exit; an exit other than 0 is an error.
func (h *Handler) Stop() error { return h.h.Stop() }

// Kill stops the process as the Functions host stops a custom handler: SIGKILL, with no chance to
// finish anything. It waits until the process is gone.
func (h *Handler) Kill() { h.h.Kill() }

// Restart stops and starts the process with the same settings and port.
func (h *Handler) Restart(t *testing.T) {
	t.Helper()
	if err := h.Stop(); err != nil {
		t.Fatalf("handler did not exit cleanly on SIGTERM: %v\n%s", err, h.Output())
	}
	h.Start()
}

// Output is what the current run of the process has printed so far (its JSON log lines).
func (h *Handler) Output() string { return h.out.String()[h.since:] }

// ServeKeys serves a key set on loopback for the test's lifetime and returns its URL.
func ServeKeys(t testing.TB, keys http.Handler) string {
	t.Helper()
	srv, err := devstack.ServeKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URL
}
