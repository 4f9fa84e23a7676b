package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// startAzurite starts the pinned Azurite table service for this run. In memory: the benchmark
// measures the service's request path, not its snapshots to disk.
func startAzurite(ctx context.Context) (*devstack.Azurite, error) {
	var log devstack.LogBuffer
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	a, err := devstack.StartAzurite(ctx, devstack.AzuriteOptions{Log: &log})
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, log.String())
	}
	return a, nil
}

// handlerProc is the handler (or the floor) running as a child process, as the Functions host
// runs a custom handler.
type handlerProc struct {
	started time.Time // just before exec
	h       *devstack.Handler
	stderr  *os.File // a goroutine dump lands here on SIGQUIT
}

// launchHandler starts the binary with env and returns at once (cold start is timed from here).
// Its stdout, the access log, is a pipe that this process reads, as the Functions host reads
// it: one JSON line per request, as in production.
func launchHandler(bin string, env []string) (*handlerProc, error) {
	return launch(bin, env, io.Discard) // not an *os.File: os/exec makes a pipe and reads it
}

// launchLogToDevNull starts the binary with its stdout on /dev/null: each access log line is
// still written, but no process has to read it. Beside launchHandler it shows what reading
// the log costs the reader on the same cores.
func launchLogToDevNull(bin string, env []string) (*handlerProc, error) {
	return launch(bin, env, nil) // nil: os/exec opens the null device
}

func launch(bin string, env []string, stdout io.Writer) (*handlerProc, error) {
	stderr, err := os.CreateTemp("", "bench-handler-stderr-")
	if err != nil {
		return nil, err
	}
	settings := map[string]string{"GOTRACEBACK": "all"} // SIGQUIT then dumps every goroutine, which is how we count them
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		settings[name] = value
	}
	started := time.Now()
	h, err := devstack.LaunchHandler(devstack.HandlerOptions{Bin: bin, Settings: settings, Stdout: stdout, Stderr: stderr})
	if err != nil {
		stderr.Close()
		os.Remove(stderr.Name())
		return nil, err
	}
	return &handlerProc{started: started, h: h, stderr: stderr}, nil
}

func (h *handlerProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.h.Port())) }

// stop sends SIGTERM, as a container runtime does.
func (h *handlerProc) stop() {
	h.h.Stop()
	h.stderr.Close()
	os.Remove(h.stderr.Name())
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (the kernel exports no other value to user space).
const clockTicks = 100

// cpuTime is the CPU time the process has used so far, user and system, all threads
// (/proc/<pid>/stat fields 14 and 15, proc(5)).
func (h *handlerProc) cpuTime() (time.Duration, error) { return cpuTimeOf(h.h.Process().Pid()) }

func cpuTimeOf(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count after it.
	end := strings.LastIndexByte(string(raw), ')')
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", raw)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// rssKiB reads the resident set size (VmRSS) and its peak (VmHWM) from /proc.
func (h *handlerProc) rssKiB() (rss, peak int, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", h.h.Process().Pid()))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, _ := strings.Cut(s.Text(), ":")
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		switch name {
		case "VmRSS":
			rss, _ = strconv.Atoi(fields[0])
		case "VmHWM":
			peak, _ = strconv.Atoi(fields[0])
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, peak, s.Err()
}

// goroutineCount is a goroutine dump summarised: all goroutines, and those that belong to
// the storage client's idle connection pool (net/http keeps a reader and a writer goroutine
// per pooled connection; the pool is bounded by MaxIdleConnsPerHost and closes idle
// connections on its own after IdleConnTimeout).
type goroutineCount struct {
	total, pooled int
}

// quitAndCountGoroutines ends the process with SIGQUIT, which makes the Go runtime print
// every goroutine's stack (GOTRACEBACK=all), and counts them. The handler has no debug
// endpoint, on purpose; this reads the same number from outside.
func (h *handlerProc) quitAndCountGoroutines() (goroutineCount, error) {
	h.h.Process().Signal(syscall.SIGQUIT)
	h.h.Process().Wait()
	h.h.Stop() // reaps what is left of its process group
	defer os.Remove(h.stderr.Name())
	defer h.stderr.Close()
	dump, err := os.ReadFile(h.stderr.Name())
	if err != nil {
		return goroutineCount{}, err
	}
	n := countGoroutines(string(dump))
	if n.total == 0 {
		return n, fmt.Errorf("no goroutine dump on SIGQUIT:\n%.500s", dump)
	}
	return n, nil
}

// countGoroutines counts the program's goroutines in a dump, and those of them that belong to
// net/http's pooled client connections.
func countGoroutines(dump string) goroutineCount {
	var n goroutineCount
	for _, g := range strings.Split(dump, "\n\n") {
		if !strings.HasPrefix(g, "goroutine ") || runtimeOwned(g) {
			continue
		}
		n.total++
		if strings.Contains(g, "net/http.(*persistConn).readLoop") || strings.Contains(g, "net/http.(*persistConn).writeLoop") {
			n.pooled++
		}
	}
	return n
}

// runtimeOwned reports whether a goroutine of a dump belongs to the Go runtime rather than to
// the program: those the runtime creates for itself (GC workers at the first collection, the
// cleanup goroutine at the first runtime.AddCleanup, the signal and GOMAXPROCS helpers) and
// the stackless entries it prints for an idle M. Some start lazily, at a moment no request
// decides, so counting them made an idle handler's baseline differ by one from run to run.
func runtimeOwned(g string) bool {
	header, _, _ := strings.Cut(g, "\n")
	return strings.Contains(g, "\ncreated by runtime.") || strings.HasSuffix(header, "[idle]:")
}

// waitReady polls GET / (the host's readiness probe) until the handler answers.
func waitReady(ctx context.Context, addr string) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			client.CloseIdleConnections()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("handler on %s not ready: %w", addr, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
