// Command start runs the app on loopback, for `make start` and the browser tests, and is the one process
// that owns everything it starts: it stops all of it however it is itself stopped.
//
//	start -mode local [-settings FILE] [-set NAME=VALUE] ...     (make start)
//	start -mode e2e -jwks keys.json [-cors ORIGIN] ...           (frontend/e2e/stack.ts)
//
// local: what `make start` runs. It refuses, naming the holder, a port that is taken; creates the settings
// file (local.settings.json) from local.settings.json.example when there is none, and copies it into the
// staged app (build/) on every start; runs Azurite (blob, queue and table) with its data in .azurite,
// the staged app behind Core Tools' `func start` when it is installed and tools/check-func.sh accepts it,
// else the funchost stand-in, under tools/localidentity, and the SPA's dev server (`make start-web`) when
// the frontend provides it. Every line of output starts with the name of the process that wrote it
// (`api     | ...`); once everything answers it prints the URLs. The ports and folders come from
// API_PORT, WEB_PORT, AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT, AZURITE_DATA, SCRIPT_ROOT
// and LOCAL_SETTINGS when their flags are not given.
//
// e2e: Azurite in memory, a loopback key server for -jwks (ENTRA_JWKS_URL), the staged app with settings
// from the flags, behind funchost. Once a request through the host to /api/me gets 401 it prints one line
// of JSON on stdout (local mode too with -json):
//
//	{"apiUrl":"http://127.0.0.1:N","tablePort":N,"settingsPath":"...","urlFile":"...","mode":"e2e","logDir":"...",...}
//
// A start-up failure prints one line naming the piece and where its log is, stops what had started and
// exits 1.
//
// Stopping: SIGINT (Ctrl-C), SIGTERM (kill; make passes it on), SIGHUP (the terminal was closed), the
// parent process dying (make killed: this process is handed to another parent), standard input reaching
// its end when it is a pipe (the browser tests' parent let go), or any of its processes exiting. Each
// child runs in a process group of its own, gets its clean signal, and is killed with its whole group
// when it is still there after a grace period; on Linux the kernel also kills it should this process die
// first. The exit status is 128+n after signal n, 1 after a failure, else 0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/entra-tasks/devstack"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// signalled is why the run ends when a signal asked for it.
type signalled struct{ sig syscall.Signal }

func (s signalled) Error() string { return "stopping (" + signalName(s.sig) + ")" }

var (
	errParentGone  = errors.New("stopping (the process that started this one has ended)")
	errStdinClosed = errors.New("stopping (standard input closed)")
)

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "Ctrl-C"
	case syscall.SIGHUP:
		return "the terminal was closed"
	}
	return sig.String()
}

// exitStatus is the status for a run that ended for cause.
func exitStatus(cause error) int {
	var sig signalled
	switch {
	case errors.As(cause, &sig):
		return 128 + int(sig.sig)
	case errors.Is(cause, errParentGone), errors.Is(cause, errStdinClosed):
		return 0
	}
	return 1
}

func run(args []string) int {
	// Before anything else: from here on no signal ends this process before it has stopped its children.
	// SIGPIPE too (a write to a closed output then fails with EPIPE, which the console ignores); being
	// notified rather than ignored, it is not inherited as ignored by the children.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	root, err := devstack.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	cfg, err := parseFlags(args, root, os.Getenv, os.Stderr)
	if err != nil {
		return 2
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go func() {
		if sig, ok := <-signals; ok {
			cancel(signalled{sig.(syscall.Signal)})
		}
	}()
	watchParent(ctx, cancel, os.Getppid())
	watchStdin(cancel, os.Stdin)

	var l *logs
	if cfg.json || cfg.mode == "e2e" {
		l = newLogs(cfg.logDir, os.Stderr, "above on stderr")
	} else {
		l = newLogs(cfg.logDir, os.Stdout, "above")
	}
	defer l.close()
	fail := func(err error) int {
		if cfg.json || cfg.mode == "e2e" {
			fmt.Fprintln(os.Stderr, "start:", err)
		} else {
			l.say("%v", err)
		}
		return 1
	}

	var web *devstack.Process
	if cfg.mode == "local" {
		created, err := ensureSettings(cfg.settings, root)
		if err != nil {
			return fail(err)
		}
		if created {
			l.say("created %s from local.settings.json.example: the settings you edit (for a real tenant, say); it is never overwritten", cfg.settings)
		}
		if cfg.apiPortFromSettings {
			cfg.apiPort = settingsPort(cfg.settings)
		}
		cfg.web = cfg.web && !cfg.json && webAvailable(root, cfg.make)
		if err := checkPorts(cfg); err != nil {
			return fail(err)
		}
		if cfg.web {
			// Beside the API's start, which takes longer: the dev server needs only the settings file.
			if web, err = startWeb(root, cfg, l); err != nil {
				return fail(err)
			}
		}
	}

	stack, err := devstack.StartStack(ctx, stackOptions(cfg, l))
	if err == nil && web != nil {
		err = waitWeb(ctx, web, cfg.webPort)
	}
	if err != nil {
		stopAll(nil, web)
		if cause := context.Cause(ctx); cause != nil {
			return exitStatus(cause)
		}
		return fail(err)
	}
	ready := stack.Ready()
	ready.LogDir = cfg.logDir
	if cfg.json || cfg.mode == "e2e" {
		line, _ := json.Marshal(ready)
		fmt.Fprintf(os.Stdout, "%s\n", line)
	} else {
		printSummary(l, cfg, ready, web != nil)
	}

	procs := stack.Processes()
	if web != nil {
		procs = append(procs, web)
	}
	var cause error
	select {
	case <-ctx.Done():
		cause = context.Cause(ctx)
	case p := <-devstack.FirstExit(procs...):
		cause = fmt.Errorf("%s exited (%v); stopping the rest", p.Name(), p.Wait())
	}
	if cfg.mode == "local" && !cfg.json {
		l.say("%v", cause)
	}
	stopAll(stack, web)
	return exitStatus(cause)
}

func stackOptions(cfg config, l *logs) devstack.StackOptions {
	return devstack.StackOptions{
		Local:      cfg.mode == "local",
		AzuriteDir: cfg.azuriteDir, TablePort: cfg.azuritePort, BlobPort: cfg.blobPort, QueuePort: cfg.queuePort,
		APIPort: cfg.apiPort, CORS: cfg.cors, Work: cfg.work, Settings: cfg.settings, URLFile: cfg.urlFile,
		JWKS: cfg.jwks, Tenant: cfg.tenant, Client: cfg.client, Scope: cfg.scope, Set: cfg.set,
		Log: l.open,
	}
}

// stopAll stops the dev server and the stack at once, each waiting for its processes to exit (killing
// what is left after the grace period).
func stopAll(stack *devstack.Stack, web *devstack.Process) {
	done := make(chan struct{})
	go func() {
		if web != nil {
			web.Stop()
		}
		close(done)
	}()
	if stack != nil {
		stack.Stop()
	}
	<-done
}

// parentPoll is how often watchParent looks at the parent process id.
const parentPoll = 250 * time.Millisecond

// watchParent ends the run when the parent process (make) has ended: this process is then handed to
// another parent, so its parent id changes. make killed with SIGKILL passes nothing on, and a process
// whose terminal is gone would otherwise run on unseen.
func watchParent(ctx context.Context, cancel context.CancelCauseFunc, parent int) {
	go func() {
		tick := time.NewTicker(parentPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if os.Getppid() != parent {
					cancel(errParentGone)
					return
				}
			}
		}
	}()
}

// watchStdin ends the run when stdin, if it is a pipe or a socket (as a parent process spawns it), reaches
// its end: the parent has died or let go. A terminal or /dev/null is not watched, so `make start` in a
// terminal and a run with </dev/null stop on a signal only.
func watchStdin(cancel context.CancelCauseFunc, stdin *os.File) {
	fi, err := stdin.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return
	}
	go func() {
		io.Copy(io.Discard, stdin)
		cancel(errStdinClosed)
	}()
}
