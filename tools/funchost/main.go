// Command funchost stands in for `func start` (Azure Functions Core Tools) where Core Tools
// is not installed: it runs this project's custom handler behind the routes declared in
// host.json and */function.json, with local.settings.json applied. `make start` uses it
// when `func` is not on PATH. It is a development and test aid, not the Functions host; see
// package host for what it emulates and what it does not.
//
// Usage:
//
//	funchost [-script-root build] [-port 7071]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/entra-tasks/tools/funchost/host"
)

const defaultPort = 7071 // as func start

func main() {
	scriptRoot := flag.String("script-root", ".", "the function app folder: host.json, */function.json, local.settings.json")
	port := flag.Int("port", 0, "port to listen on (default: Host.LocalHttpPort in local.settings.json, else 7071)")
	flag.Parse()

	// The first SIGINT or SIGTERM starts an orderly stop; later ones are ignored so the
	// handler is never left behind.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *scriptRoot, *port); err != nil {
		fmt.Fprintln(os.Stderr, "funchost:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, scriptRoot string, port int) error {
	app, err := host.LoadApp(scriptRoot)
	if err != nil {
		return err
	}
	settings, err := host.LoadLocalSettings(scriptRoot)
	if err != nil {
		return err
	}
	if port == 0 {
		port = settings.LocalHTTPPort
	}
	if port == 0 {
		port = defaultPort
	}
	h, err := host.New(app, settings, host.Options{Environ: os.Environ(), HandlerOutput: os.Stdout})
	if err != nil {
		return err
	}
	// Loopback only (func listens on every interface): in local-identity mode anyone who
	// can reach this port could mint a token with the public development key.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d is taken (set Host.LocalHttpPort in local.settings.json or use -port): %w", port, err)
	}
	slog.Info("starting the handler", "path", app.Handler.Path)
	return h.Run(ctx, ln)
}
