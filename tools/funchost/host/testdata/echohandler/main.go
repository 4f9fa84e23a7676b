// Command echohandler is a custom handler for the stand-in's tests. It answers GET / (the
// readiness probe) and echoes every other request as JSON. Request headers steer it:
// X-Echo-Status sets the status, X-Echo-Header ("Name: value", repeatable) adds response
// headers, X-Echo-Stream writes the body in flushed chunks, X-Echo-Exit: N exits with code N
// at once (X-Echo-Exit-Once: FILE only if FILE does not exist yet, creating it), X-Echo-Log
// writes "echo-info <value>" to stdout and "echo-error <value>" and "echo-warning <value>"
// to stderr, X-Echo-Hang: FILE appends a line to FILE and never answers (until the caller
// gives up).
// Settings: ECHO_NEVER_LISTEN=1 never listens, ECHO_EXIT_AT_START=N exits with code N at
// once, ECHO_SIGNAL_FILE names a file written on SIGTERM or SIGINT, ECHO_ENV lists
// variables to echo.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if code := os.Getenv("ECHO_EXIT_AT_START"); code != "" {
		n, _ := strconv.Atoi(code)
		os.Exit(n)
	}
	if os.Getenv("ECHO_NEVER_LISTEN") == "1" {
		neverListen()
	}
	if file := os.Getenv("ECHO_SIGNAL_FILE"); file != "" {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		go func() {
			sig := <-signals
			os.WriteFile(file, []byte(sig.String()), 0o644)
			select {} // a drain that never ends: only a SIGKILL stops it
		}()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ready") })
	mux.HandleFunc("/", echo)
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), mux); err != nil {
		panic(err)
	}
}

// Echo is what the handler saw; the tests decode it.
type Echo struct {
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

func echo(w http.ResponseWriter, r *http.Request) {
	exitOnRequest(r)
	if file := r.Header.Get("X-Echo-Hang"); file != "" {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			fmt.Fprintln(f, "arrived")
			f.Close()
		}
		<-r.Context().Done()
		return
	}
	if v := r.Header.Get("X-Echo-Log"); v != "" {
		fmt.Fprintln(os.Stdout, "echo-info", v)
		fmt.Fprintln(os.Stderr, "echo-error", v)
		fmt.Fprintln(os.Stderr, "echo-warning", v)
	}
	body, _ := io.ReadAll(r.Body)
	dir, _ := os.Getwd()
	e := Echo{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header, Body: string(body), TransferEncoding: r.TransferEncoding,
		ContentLength: r.ContentLength, PID: os.Getpid(), Args: os.Args[1:], Dir: dir,
		Env: map[string]*string{},
	}
	for _, name := range strings.Split(os.Getenv("ECHO_ENV"), ",") {
		if v, ok := os.LookupEnv(name); ok {
			e.Env[name] = &v
		} else if name != "" {
			e.Env[name] = nil
		}
	}
	for _, h := range r.Header.Values("X-Echo-Header") {
		name, value, _ := strings.Cut(h, ":")
		w.Header().Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Echo-Pid", strconv.Itoa(os.Getpid()))
	status, _ := strconv.Atoi(r.Header.Get("X-Echo-Status"))
	if status == 0 {
		status = http.StatusOK
	}
	out, _ := json.Marshal(e)
	w.WriteHeader(status)
	if r.Header.Get("X-Echo-Stream") == "" {
		w.Write(out)
		return
	}
	for len(out) > 0 { // several flushed chunks, no Content-Length
		n := min(len(out), 100)
		w.Write(out[:n])
		w.(http.Flusher).Flush()
		out = out[n:]
	}
}

func exitOnRequest(r *http.Request) {
	code, err := strconv.Atoi(r.Header.Get("X-Echo-Exit"))
	if err != nil {
		return
	}
	if once := r.Header.Get("X-Echo-Exit-Once"); once != "" {
		if _, err := os.Stat(once); err == nil {
			return
		}
		os.WriteFile(once, nil, 0o644)
	}
	os.Exit(code)
}

// neverListen binds FUNCTIONS_CUSTOMHANDLER_PORT without listening on it, then hangs. The
// probe's connections are refused, as with no handler at all, but the port stays ours: when
// it was merely left free, another test's server once took it and answered the probe, and
// the stand-in rightly called that "ready".
func neverListen() {
	port, _ := strconv.Atoi(os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"))
	if fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0); err == nil {
		syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
	}
	// Sleep rather than select {}: a static binary with no other goroutine would be stopped by
	// the runtime's deadlock check, an exit instead of a hang.
	for {
		time.Sleep(time.Hour)
	}
}
