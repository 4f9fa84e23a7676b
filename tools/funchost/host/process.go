package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// The handler's life as the Functions host runs it. Each rule names the host source it
// mirrors (Azure/azure-functions-host, src/WebJobs.Script/Workers/...).
const (
	// DefaultReadyTimeout: the host waits this long for a new handler to answer GET /
	// (Http/Configuration/HttpWorkerOptions.cs InitializationTimeout).
	DefaultReadyTimeout = 30 * time.Second
	// readyPoll: how often it asks (WorkerConstants.WorkerReadyCheckPollingIntervalMilliseconds).
	readyPoll = 25 * time.Millisecond
	// DefaultKillWait: it stops a handler with Process.Kill() (SIGKILL, never SIGTERM) and
	// waits this long for the exit (ProcessManagement/WorkerProcess.cs Dispose,
	// processExitTimeoutInMilliseconds).
	DefaultKillWait = time.Second
	// DefaultErrorWindow and maxErrors: an error (an exit other than 0 or 200, or a readiness
	// time-out) is counted unless the previous one is more than the window ago, which clears
	// the count; at the third the host shuts down instead of restarting
	// (Http/HttpFunctionInvocationDispatcher.cs AddOrUpdateErrorBucket, ErrorEventsThreshold;
	// WorkerConstants.WorkerRestartErrorIntervalThresholdInMinutes).
	DefaultErrorWindow = 30 * time.Minute
	maxErrors          = 3
	// Exit codes (WorkerConstants.SuccessExitCode, IntentionalRestartExitCode;
	// ProcessManagement/WorkerProcess.cs OnProcessExited): 0 is left alone (no restart, no
	// error), 200 is restarted without counting an error.
	exitSuccess = 0
	exitRestart = 200
)

// supervisor keeps the handler running as the host does: one port for the host's life
// (HttpWorkerOptionsSetup picks it once, so a restarted handler listens where the old one
// did), restarts by the rules above, and the dispatcher's state for requests.
type supervisor struct {
	cmd     HandlerCommand
	env     []string
	appRoot string
	url     *url.URL
	port    int
	timing  Options
	console *consoleLog
	log     *slog.Logger

	mu    sync.Mutex
	ready chan struct{} // closed while a handler is initialized (or stopped with exit 0)

	failed chan error // receives why the host shut down, then closes when run returns
	errors []time.Time
}

type handlerProcess struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited; code is then set
	code   int
}

func newSupervisor(h *Host, port int) *supervisor {
	return &supervisor{
		cmd: h.app.Handler, env: h.env, appRoot: h.app.ScriptRoot, port: port,
		url:     &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))},
		timing:  h.opts,
		console: &consoleLog{out: h.opts.HandlerOutput, min: minLevel(h.app.LogLevel, ConsoleCategory)},
		log:     h.log,
		ready:   make(chan struct{}),
		failed:  make(chan error, 1),
	}
}

// run keeps a handler running until ctx ends (then kills it) or the error threshold is
// reached (then reports on s.failed, as the host calls StopApplication).
func (s *supervisor) run(ctx context.Context) {
	defer close(s.failed)
	for {
		p, err := s.start()
		if err != nil { // the executable is missing or not executable: no restart helps
			s.failed <- err
			return
		}
		restart, err := s.watch(ctx, p)
		s.kill(p)
		if ctx.Err() != nil {
			return
		}
		if err != nil && s.countError(err) {
			s.failed <- fmt.Errorf("the handler failed %d times, each within %s of the previous one (last: %w); "+
				"the Functions host shuts down at this point", maxErrors, s.timing.ErrorWindow, err)
			return
		}
		if !restart {
			s.log.Warn("handler exited with code 0; the host does not restart it (requests now fail until the host restarts)")
			s.setReady(true)
			<-ctx.Done()
			return
		}
	}
}

// watch follows one handler from start to exit. It reports whether the handler is to be
// restarted and the error to count, if any.
func (s *supervisor) watch(ctx context.Context, p *handlerProcess) (restart bool, err error) {
	readyCtx, cancel := context.WithTimeout(ctx, s.timing.ReadyTimeout)
	defer cancel()
	readyErr := make(chan error, 1)
	go func() { readyErr <- s.waitReady(readyCtx) }()

	initialized, exited := false, p.exited
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case err := <-readyErr:
			if err != nil && ctx.Err() == nil {
				// HttpWorkerChannel.DelayUntilWokerInitialized: a time-out is an error even
				// when the process already exited 0.
				return true, fmt.Errorf("handler %s did not answer GET %s/ within %s (the Functions host gives up after 30 s too): "+
					"listen on FUNCTIONS_CUSTOMHANDLER_PORT first and do slow set-up afterwards", s.cmd.Path, s.url, s.timing.ReadyTimeout)
			}
			if err == nil && exited == nil {
				return false, nil // it answered, then exited 0 before we looked: like any exit 0 after readiness
			}
			if err == nil {
				initialized = true
				s.log.Info("handler is ready", "pid", p.cmd.Process.Pid, "url", s.url.String())
				s.setReady(true)
			}
			readyErr = nil
		case <-exited:
			s.setReady(false)
			switch p.code {
			case exitSuccess:
				if !initialized && readyErr != nil {
					exited = nil // keep waiting: the readiness time-out decides
					continue
				}
				return false, nil
			case exitRestart:
				s.log.Info("handler exited with code 200; restarting it", "pid", p.cmd.Process.Pid)
				return true, nil
			default:
				return true, fmt.Errorf("handler %s exited with code %d", s.cmd.Path, p.code)
			}
		}
	}
}

// countError records an error as HttpFunctionInvocationDispatcher does and reports whether
// the host now shuts down.
func (s *supervisor) countError(err error) bool {
	now := time.Now()
	if n := len(s.errors); n > 0 && now.Sub(s.errors[n-1]) > s.timing.ErrorWindow {
		s.errors = s.errors[:0]
	}
	s.errors = append(s.errors, now)
	if len(s.errors) >= maxErrors {
		return true
	}
	s.log.Error("restarting the handler", "err", err, "errors", len(s.errors), "limit", maxErrors)
	return false
}

func (s *supervisor) setReady(ready bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.ready:
		if !ready {
			s.ready = make(chan struct{})
		}
	default:
		if ready {
			close(s.ready)
		}
	}
}

// target is where requests go. Like WorkerFunctionInvoker.DelayUntilFunctionDispatcher-
// InitializedOrShutdown, it waits while a handler is starting or restarting.
func (s *supervisor) target(ctx context.Context) (*url.URL, error) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	select {
	case <-ready:
		return s.url, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *supervisor) start() (*handlerProcess, error) {
	// The variables the host gives a custom handler (Http/HttpWorkerProcess.cs).
	ctxVars := map[string]string{
		"FUNCTIONS_CUSTOMHANDLER_PORT":      strconv.Itoa(s.port),
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID": newGUID(),
		"FUNCTIONS_APP_ROOT_PATH":           s.appRoot,
		"FUNCTIONS_HTTPWORKER_PORT":         strconv.Itoa(s.port),
	}
	ctxVars["FUNCTIONS_HTTPWORKER_ID"] = ctxVars["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]
	cmd := exec.Command(s.cmd.Path, commandLine(s.cmd.Args, s.env, ctxVars)...)
	cmd.Dir = s.cmd.Dir
	cmd.Env = append([]string(nil), s.env...)
	for name, value := range ctxVars {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	stdout, stderr := s.console.pipe(stdoutLevel), s.console.pipe(stderrLevel)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second // do not hang on output pipes a grandchild keeps open
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start handler: %w", err)
	}
	p := &handlerProcess{cmd: cmd, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		stdout.Close()
		stderr.Close()
		p.code = exitCode(err)
		close(p.exited)
	}()
	return p, nil
}

func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode() // -1 for a signal: an error, as the host sees it
	default:
		return -1
	}
}

// waitReady polls GET / like the host: any HTTP answer, even a 404, means ready.
func (s *supervisor) waitReady(ctx context.Context) error {
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		if ping(ctx, s.url.String()+"/") {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// kill stops a handler as the host does: SIGKILL, then wait at most KillWait.
func (s *supervisor) kill(p *handlerProcess) {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(s.timing.KillWait):
		s.log.Warn("handler has not exited after SIGKILL", "pid", p.cmd.Process.Pid, "waited", s.timing.KillWait)
	}
}

// newGUID returns a random (version 4) GUID in its usual 8-4-4-4-12 form.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ping reports whether url answers HTTP at all: any status counts, only a failed connection
// does not (Workers/Http/DefaultHttpWorkerService.cs IsWorkerReady).
func ping(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
