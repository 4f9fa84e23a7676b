package host_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
	"github.com/example/entra-tasks/tools/funchost/host"
)

// TestAPIThroughTheStandIn is where the API integration suite runs, once, on the path users run:
// the repository's own host.json and function.json files, loaded under the host's rules, in front
// of the real handler binary. A route the handler serves but no function.json declares fails here.
func TestAPIThroughTheStandIn(t *testing.T) {
	apitest.Run(t, func(t *testing.T, settings map[string]string) apitest.Target {
		return startStandIn(t, settings)
	})
}

// standIn is the API behind a funchost Host, on a fixed loopback port for its lifetime.
type standIn struct {
	root string
	addr string
	// output, if set, receives the handler's lines as the host prints them, besides the test log.
	output io.Writer
	stop   context.CancelFunc
	done   chan error
}

func startStandIn(t *testing.T, settings map[string]string) *standIn {
	t.Helper()
	return startStandInTo(t, settings, nil)
}

// startStandInTo is startStandIn with the handler's lines also written to output.
func startStandInTo(t *testing.T, settings map[string]string, output io.Writer) *standIn {
	t.Helper()
	s := &standIn{root: stageScriptRoot(t, settings), output: output}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.start(t, ln)
	t.Cleanup(func() { s.halt(t) })
	return s
}

func (s *standIn) URL() string { return "http://" + s.addr }

// Restart stops the stand-in (and so the handler) and starts both again on the same port.
func (s *standIn) Restart(t *testing.T) {
	t.Helper()
	s.halt(t)
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.start(t, ln)
}

func (s *standIn) start(t *testing.T, ln net.Listener) {
	t.Helper()
	app, err := host.LoadApp(s.root)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := host.LoadLocalSettings(s.root)
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(app, settings, host.Options{
		Environ:       []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")},
		HandlerOutput: s.handlerOutput(t),
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan error, 1)
	go func() { s.done <- h.Run(ctx, ln) }()
}

func (s *standIn) handlerOutput(t *testing.T) io.Writer {
	if s.output == nil {
		return t.Output()
	}
	return io.MultiWriter(t.Output(), s.output)
}

func (s *standIn) halt(t *testing.T) {
	t.Helper()
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("stand-in: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("stand-in did not stop within 20 s")
	}
}

// stageScriptRoot lays out what `make build` stages (devstack, devstack/stage) with the handler
// built for this machine, plus a local.settings.json holding settings.
func stageScriptRoot(t *testing.T, settings map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := devstack.StageApp(root, testenv.BuildHandler(t)); err != nil {
		t.Fatal(err)
	}
	if err := (devstack.LocalSettings{Values: settings}).Write(filepath.Join(root, "local.settings.json")); err != nil {
		t.Fatal(err)
	}
	return root
}
