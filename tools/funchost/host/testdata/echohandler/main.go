// Command echohandler is a custom handler for the stand-in's tests. It answers GET / (the
// readiness probe) and echoes every other request as JSON. Request headers steer it:
// X-Echo-Status sets the status, X-Echo-Header ("Name: value", repeatable) adds response
// headers, X-Echo-Stream writes the body in flushed chunks, X-Echo-Crash exits at once.
// Settings: ECHO_NEVER_LISTEN=1 never listens, ECHO_EXIT_AT_START=1 exits at once,
// ECHO_TERM_FILE names a file written on SIGTERM, ECHO_ENV lists variables to echo.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	switch {
	case os.Getenv("ECHO_EXIT_AT_START") == "1":
		os.Exit(2)
	case os.Getenv("ECHO_NEVER_LISTEN") == "1":
		select {}
	}
	if file := os.Getenv("ECHO_TERM_FILE"); file != "" {
		terms := make(chan os.Signal, 1)
		signal.Notify(terms, syscall.SIGTERM)
		go func() {
			<-terms
			os.WriteFile(file, []byte("SIGTERM"), 0o644)
			os.Exit(0)
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
	if r.Header.Get("X-Echo-Crash") != "" {
		os.Exit(3)
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
