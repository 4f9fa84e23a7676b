package devstack

import (
	"context"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"syscall"
)

// HandlerOptions says how to run the handler binary on its own, as the Functions host runs it.
type HandlerOptions struct {
	// Bin is the built handler (Builder.Handler).
	Bin string
	// Settings are its environment, beside PATH, HOME and FUNCTIONS_CUSTOMHANDLER_PORT.
	Settings map[string]string
	// Port is FUNCTIONS_CUSTOMHANDLER_PORT; 0 picks a free one.
	Port int
	// Stdout and Stderr receive its output (its JSON log lines on stdout); nil discards it. Stdout that
	// is not an *os.File is read through a pipe, as the host reads it.
	Stdout, Stderr io.Writer
}

// Handler is the handler binary running as a child process. Stop and Start again keep its port.
type Handler struct {
	opts HandlerOptions
	proc *Process
}

// StartHandler starts the handler and waits until it answers GET / (the host's readiness probe).
func StartHandler(ctx context.Context, opts HandlerOptions) (*Handler, error) {
	h := &Handler{opts: opts}
	err := onFreePort(opts.Port, func(port int) error {
		h.opts.Port = port
		return h.Start(ctx)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// LaunchHandler starts the handler and returns at once, for a caller that times its start (WaitReady).
func LaunchHandler(opts HandlerOptions) (*Handler, error) {
	h := &Handler{opts: opts}
	if h.opts.Port == 0 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		h.opts.Port = port
	}
	return h, h.launch()
}

// Port is FUNCTIONS_CUSTOMHANDLER_PORT.
func (h *Handler) Port() int { return h.opts.Port }

// URL is the handler's base URL.
func (h *Handler) URL() string { return "http://127.0.0.1:" + strconv.Itoa(h.opts.Port) }

// Process is the running process (nil when stopped).
func (h *Handler) Process() *Process { return h.proc }

// Start (re)starts the process on the same port and waits until it is ready; it does nothing while running.
func (h *Handler) Start(ctx context.Context) error {
	if h.proc != nil {
		return nil
	}
	if err := h.launch(); err != nil {
		return err
	}
	if err := h.WaitReady(ctx); err != nil {
		h.Kill()
		return err
	}
	return nil
}

// WaitReady waits until the handler answers GET /.
func (h *Handler) WaitReady(ctx context.Context) error {
	return h.proc.waitReady(ctx, func() error { return answersHTTP(ctx, h.URL()+"/") })
}

func (h *Handler) launch() error {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "FUNCTIONS_CUSTOMHANDLER_PORT=" + strconv.Itoa(h.opts.Port)}
	names := make([]string, 0, len(h.opts.Settings))
	for name := range h.opts.Settings {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, name+"="+h.opts.Settings[name])
	}
	cmd := exec.Command(h.opts.Bin)
	cmd.Env = env
	p, err := StartProcess("the handler", cmd, syscall.SIGTERM, h.opts.Stdout, h.opts.Stderr)
	if err != nil {
		return err
	}
	h.proc = p
	return nil
}

// Stop sends SIGTERM (as a container runtime or a terminal's Ctrl-C does) and waits for the exit; an
// exit other than 0 is returned as an error.
func (h *Handler) Stop() error { return stopProcess(&h.proc) }

// Kill stops the process as the Functions host stops a custom handler: SIGKILL, with no chance to finish
// anything (azure-functions-host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs, Dispose).
func (h *Handler) Kill() {
	if h.proc == nil {
		return
	}
	h.proc.Kill() // "signal: killed" is the expected outcome
	h.proc = nil
}
