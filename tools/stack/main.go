// Command stack starts the API with everything it needs on loopback, for `make start` and the browser
// tests, and stops it all on SIGINT, SIGTERM or when its standard input (a pipe from the parent) closes.
//
//	go run ./tools/stack -mode e2e -jwks keys.json [-cors ORIGIN] ...
//	go run ./tools/stack -mode local [-settings FILE] [-set NAME=VALUE] ...
//
// e2e: Azurite in memory, a loopback key server for -jwks (ENTRA_JWKS_URL), the staged app with settings
// from the flags, behind the funchost stand-in. local: what `make start` runs: Azurite (blob, queue and
// table) with a data folder, the staged app with local.settings.json (the example copied when there is
// none), behind Core Tools' `func start` when it is installed and tools/check-func.sh accepts it, else the
// funchost stand-in, under tools/localidentity.
//
// Once a request through the host to /api/me gets 401, it prints one line of JSON on stdout:
//
//	{"apiUrl":"http://127.0.0.1:N","tablePort":N,"settingsPath":"...","urlFile":"...","mode":"e2e","logDir":"..."}
//
// A start-up failure prints one line on stderr naming the piece and where its log is, stops what had
// started and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = stopWhenStdinCloses(ctx, os.Stdin)
	os.Exit(run(ctx, cfg, os.Stdout, os.Stderr))
}

// run starts the stack, prints where it is, waits until ctx ends and stops it, newest piece first.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	s := newStack(cfg, stderr)
	defer s.stop()
	ready, err := s.start(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "stack:", err)
		return 1
	}
	line, err := json.Marshal(ready)
	if err != nil {
		fmt.Fprintln(stderr, "stack:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", line)
	<-ctx.Done()
	return 0
}

// stopWhenStdinCloses ends the context when stdin, if it is a pipe or a socket (as a parent process
// spawns it), reaches its end: the parent has died or let go. A terminal or /dev/null is not watched, so
// `make start` in a terminal and a run with </dev/null stop on Ctrl-C or a signal only.
func stopWhenStdinCloses(ctx context.Context, stdin *os.File) context.Context {
	fi, err := stdin.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	return ctx
}
