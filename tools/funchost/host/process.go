package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// stopGrace is how long a stopping handler gets between SIGTERM and SIGKILL.
const stopGrace = 10 * time.Second

// supervisor keeps one handler process running: it starts it on a free port, waits until
// it answers GET /, and starts a new one when it dies, as the host does.
type supervisor struct {
	cmd          HandlerCommand
	env          []string
	appRoot      string
	readyTimeout time.Duration
	output       io.Writer
	log          *slog.Logger

	mu      sync.Mutex
	current *handlerProcess // nil while (re)starting
	ready   chan struct{}   // closed once current is set
	failed  chan error      // receives the error that ended the supervisor, then closes
}

type handlerProcess struct {
	cmd    *exec.Cmd
	url    *url.URL
	exited chan struct{} // closed when the process has exited; err is then set
	err    error
}

func newSupervisor(cmd HandlerCommand, env []string, appRoot string, readyTimeout time.Duration, output io.Writer, log *slog.Logger) *supervisor {
	return &supervisor{
		cmd: cmd, env: env, appRoot: appRoot, readyTimeout: readyTimeout, output: output, log: log,
		ready:  make(chan struct{}),
		failed: make(chan error, 1),
	}
}

// run keeps a handler running until ctx ends, then stops it. It returns (and reports on
// s.failed) when a handler cannot be started or never becomes ready: restarting a handler
// that fails at start-up would only repeat the same error.
func (s *supervisor) run(ctx context.Context) {
	defer close(s.failed)
	for {
		p, err := s.start(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.failed <- err
			}
			return
		}
		s.setCurrent(p)
		select {
		case <-ctx.Done():
			s.setCurrent(nil)
			s.stop(p)
			return
		case <-p.exited:
			s.setCurrent(nil)
			s.log.Warn("handler exited; restarting it", "pid", p.cmd.Process.Pid, "status", p.err)
		}
	}
}

func (s *supervisor) setCurrent(p *handlerProcess) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = p
	if p != nil {
		close(s.ready)
	} else {
		s.ready = make(chan struct{})
	}
}

// target returns the URL of the running handler, waiting while one is being (re)started.
func (s *supervisor) target(ctx context.Context) (*url.URL, error) {
	for {
		s.mu.Lock()
		p, ready := s.current, s.ready
		s.mu.Unlock()
		if p != nil {
			return p.url, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *supervisor) start(ctx context.Context) (*handlerProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.cmd.Path, expandAppSettings(s.cmd.Args, s.env)...)
	cmd.Dir = s.cmd.Dir
	// The variables the host gives a custom handler (azure-functions-host HttpWorkerProcess).
	cmd.Env = append(s.env,
		"FUNCTIONS_CUSTOMHANDLER_PORT="+strconv.Itoa(port),
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+newGUID(),
		"FUNCTIONS_APP_ROOT_PATH="+s.appRoot,
	)
	cmd.Stdout, cmd.Stderr = s.output, s.output
	cmd.WaitDelay = time.Second // do not hang on output pipes a grandchild keeps open
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start handler: %w", err)
	}
	p := &handlerProcess{
		cmd:    cmd,
		url:    &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))},
		exited: make(chan struct{}),
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := s.waitReady(ctx, p); err != nil {
		s.stop(p)
		return nil, err
	}
	s.log.Info("handler is ready", "pid", cmd.Process.Pid, "url", p.url.String())
	return p, nil
}

// waitReady polls GET / like the host: any HTTP answer, even a 404, means ready.
func (s *supervisor) waitReady(ctx context.Context, p *handlerProcess) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(s.readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url.String()+"/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("handler %s exited before it answered GET / (%v)", s.cmd.Path, p.err)
		case <-deadline.C:
			return fmt.Errorf("handler %s did not answer GET %s/ within %s (the Functions host gives up after 30 s too): "+
				"listen on FUNCTIONS_CUSTOMHANDLER_PORT first and do slow set-up afterwards", s.cmd.Path, p.url, s.readyTimeout)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// stop asks the handler to exit (SIGTERM where there is one) and kills it after stopGrace.
func (s *supervisor) stop(p *handlerProcess) {
	if err := terminate(p.cmd.Process); err != nil && !errors.Is(err, errProcessDone) {
		s.log.Warn("could not signal handler", "err", err)
	}
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		s.log.Warn("handler ignored SIGTERM; killing it", "pid", p.cmd.Process.Pid)
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var appSettingRef = regexp.MustCompile(`%([^%]+)%`)

// expandAppSettings replaces %NAME% in each argument with the setting NAME from env, as the
// host does for customHandler.description.arguments; unknown names stay as written.
func expandAppSettings(args, env []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = appSettingRef.ReplaceAllStringFunc(a, func(ref string) string {
			if v, ok := lookupEnv(env, ref[1:len(ref)-1]); ok {
				return v
			}
			return ref
		})
	}
	return out
}

// newGUID returns a random (version 4) GUID in its usual 8-4-4-4-12 form.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
