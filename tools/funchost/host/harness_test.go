package host

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// builds compiles the echo handler once per test binary.
var builds devstack.Builder

// buildEchoHandler builds testdata/echohandler once per test binary.
func buildEchoHandler(t *testing.T) string {
	t.Helper()
	bin, err := builds.Build(context.Background(), "./tools/funchost/host/testdata/echohandler")
	if err != nil {
		t.Fatalf("build echo handler: %v", err)
	}
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	builds.RemoveAll()
	os.Exit(code)
}

// stageRepoApp lays out a script root the way `make build` does (devstack, devstack/stage), with
// the echo handler as the executable and settings as local.settings.json (nil: no file).
func stageRepoApp(t *testing.T, settings map[string]any) string {
	t.Helper()
	root := t.TempDir()
	if err := devstack.StageApp(root, buildEchoHandler(t)); err != nil {
		t.Fatal(err)
	}
	if settings != nil {
		writeJSON(t, filepath.Join(root, "local.settings.json"), settings)
	}
	return root
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runningHost is a Host serving on a free loopback port.
type runningHost struct {
	URL  string
	done chan error // receives Run's result
	stop context.CancelFunc
}

// startHost loads root, starts a Host on a free port and stops it when the test ends.
func startHost(t *testing.T, root string, opts Options) *runningHost {
	t.Helper()
	if opts.Environ == nil {
		opts.Environ = []string{"PATH=" + os.Getenv("PATH")}
	}
	h := newHost(t, root, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rh := &runningHost{URL: "http://" + ln.Addr().String(), done: make(chan error, 1), stop: cancel}
	go func() { rh.done <- h.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-rh.done:
			if err != nil {
				t.Errorf("host stopped with: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("host did not stop within 15 s")
		}
	})
	return rh
}

// newHost loads root as the stand-in does and prepares a Host logging to the test output.
func newHost(t *testing.T, root string, opts Options) *Host {
	t.Helper()
	app, err := LoadApp(root)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := LoadLocalSettings(root)
	if err != nil {
		t.Fatal(err)
	}
	if opts.HandlerOutput == nil {
		opts.HandlerOutput = t.Output()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	h, err := New(app, settings, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// echo is what testdata/echohandler reports about the request it received.
type echo struct {
	Method           string
	Path             string
	EscapedPath      string
	RawQuery         string
	Header           http.Header
	Body             string
	TransferEncoding []string
	ContentLength    int64
	PID              int
	Args             []string
	Dir              string
	Env              map[string]*string
}

// do sends req and returns the response with its body read.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp, body
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// echoed sends req, requires that it reached the handler, and decodes what the handler saw.
func echoed(t *testing.T, req *http.Request) (*http.Response, echo) {
	t.Helper()
	resp, body := do(t, req)
	if resp.Header.Get("X-Echo-Pid") == "" {
		t.Fatalf("%s %s: answered %d by the host, not the handler: %s", req.Method, req.URL, resp.StatusCode, body)
	}
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s %s: decode echo: %v\n%s", req.Method, req.URL, err, body)
	}
	return resp, e
}

// testLogger logs to the test output and to also.
func testLogger(t *testing.T, also io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), also), nil))
}
