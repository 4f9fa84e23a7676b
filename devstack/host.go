package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// HostOptions says how to run the API behind a Functions host.
type HostOptions struct {
	// ScriptRoot is a staged app (StageApp); the host reads ScriptRoot/local.settings.json.
	ScriptRoot string
	// Port is the host's HTTP port; 0 picks a free one.
	Port int
	// CORS replaces Host.CORS of local.settings.json when not empty, as func start's --cors does.
	CORS []string
	// Env is added to this process's environment for the host; a non-empty variable wins over the
	// same name in local.settings.json's Values (Core Tools and funchost alike).
	Env []string
	// Log receives the host's output (and the handler's, which the host logs); nil discards it.
	Log io.Writer
	// Funchost is the built tools/funchost; "" runs Core Tools' `func start` from PATH instead.
	Funchost string
	// LocalIdentity is the built tools/localidentity: when set, the host runs under
	// `localidentity run -settings Settings -url-file URLFile`, which serves the development identity
	// while the settings' tenant is a placeholder.
	LocalIdentity, URLFile string
	// Settings is the file localidentity reads and names in its messages: the one the developer edits
	// ("": ScriptRoot/local.settings.json, the host's copy).
	Settings string
}

// Host is the API running behind a host process.
type Host struct {
	opts HostOptions
	proc *Process
}

// StartHost starts the host and waits until a request goes through it to the handler: GET /api/me
// without a token gets 401.
func StartHost(ctx context.Context, opts HostOptions) (*Host, error) {
	h := &Host{opts: opts}
	err := onFreePort(opts.Port, func(port int) error {
		h.opts.Port = port
		return h.start(ctx)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Port is the host's HTTP port.
func (h *Host) Port() int { return h.opts.Port }

// URL is the API's base URL (the routes are under /api/).
func (h *Host) URL() string { return "http://127.0.0.1:" + strconv.Itoa(h.opts.Port) }

// Process is the running host (under localidentity when asked).
func (h *Host) Process() *Process { return h.proc }

// Stop stops the host with SIGTERM (localidentity passes it on; the host then stops the handler) and
// waits until the whole group has exited.
func (h *Host) Stop() error { return stopProcess(&h.proc) }

func (h *Host) start(ctx context.Context) error {
	args := h.command()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = h.opts.ScriptRoot
	cmd.Env = append(os.Environ(), h.opts.Env...)
	p, err := StartProcess(h.name(), cmd, syscall.SIGTERM, h.opts.Log, h.opts.Log)
	if err != nil {
		return err
	}
	if err := p.waitReady(ctx, func() error { return h.answers401(ctx) }); err != nil {
		p.Stop()
		return err
	}
	h.proc = p
	return nil
}

func (h *Host) name() string {
	if h.opts.Funchost == "" {
		return "the API (func start)"
	}
	return "the API (funchost)"
}

// command is the host's command line, under localidentity when asked.
func (h *Host) command() []string {
	port := strconv.Itoa(h.opts.Port)
	var host []string
	if h.opts.Funchost != "" {
		host = []string{h.opts.Funchost, "-script-root", h.opts.ScriptRoot, "-port", port}
		if len(h.opts.CORS) > 0 {
			host = append(host, "-cors", strings.Join(h.opts.CORS, ","))
		}
	} else {
		host = []string{"func", "start", "--script-root", h.opts.ScriptRoot, "--port", port}
		if len(h.opts.CORS) > 0 {
			host = append(host, "--cors", strings.Join(h.opts.CORS, ","))
		}
	}
	if h.opts.LocalIdentity == "" {
		return host
	}
	settings := h.opts.Settings
	if settings == "" {
		settings = filepath.Join(h.opts.ScriptRoot, "local.settings.json")
	}
	run := []string{h.opts.LocalIdentity, "run", "-settings", settings}
	if h.opts.URLFile != "" {
		run = append(run, "-url-file", h.opts.URLFile)
	}
	return append(append(run, "--"), host...)
}

var errNot401 = errors.New("GET /api/me without a token did not get 401")

func (h *Host) answers401(ctx context.Context) error {
	code, err := status(ctx, h.URL()+"/api/me")
	if err != nil {
		return err
	}
	if code != http.StatusUnauthorized {
		return fmt.Errorf("%w: %d", errNot401, code)
	}
	return nil
}
