// Command funchost stands in for `func start` (Azure Functions Core Tools) where Core Tools
// is not installed: it runs this project's custom handler behind the routes declared in
// host.json and */function.json, with local.settings.json applied. `make start` uses it
// when `func` is not on PATH. It is a development and test aid, not the Functions host; see
// package host for what it emulates and what it does not.
//
// Usage:
//
//	funchost [-script-root build] [-port 7071] [-address 127.0.0.1] [-cors ORIGIN,ORIGIN]
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/example/entra-tasks/tools/funchost/host"
)

// As func start: port 7071 and the loopback address unless Host.LocalHttpPort,
// Host.LocalHttpAddress or a flag says otherwise (flag, then setting, then default)
// (azure-functions-core-tools src/Cli/func/Actions/HostActions/StartHostAction.cs,
// DefaultPort, DefaultAddress, ResolveBindAddress; Core Tools 4.14.0 release notes, #5484).
const (
	defaultPort    = 7071
	defaultAddress = "127.0.0.1"
)

func main() {
	scriptRoot := flag.String("script-root", ".", "the function app folder: host.json, */function.json, local.settings.json")
	port := flag.Int("port", 0, "port to listen on (default: Host.LocalHttpPort in local.settings.json, else 7071)")
	address := flag.String("address", "", "IP address to listen on (default: Host.LocalHttpAddress in local.settings.json, else 127.0.0.1)")
	// As func start --cors: a comma-separated list that replaces Host.CORS (azure-functions-core-tools
	// src/Cli/func/Actions/HostActions/StartHostAction.cs, option "cors", whose default is Host.CORS).
	cors := flag.String("cors", "", "comma-separated CORS origins, no spaces (default: Host.CORS in local.settings.json)")
	flag.Parse()

	// The first SIGINT or SIGTERM starts an orderly stop; later ones are ignored so the
	// handler is never left behind.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *scriptRoot, *port, *address, *cors); err != nil {
		fmt.Fprintln(os.Stderr, "funchost:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, scriptRoot string, port int, address, cors string) error {
	app, err := host.LoadApp(scriptRoot)
	if err != nil {
		return err
	}
	settings, err := host.LoadLocalSettings(scriptRoot)
	if err != nil {
		return err
	}
	if cors != "" {
		settings.CORSOrigins = strings.FieldsFunc(cors, func(r rune) bool { return r == ',' })
	}
	if port == 0 {
		port = settings.LocalHTTPPort
	}
	if port == 0 {
		port = defaultPort
	}
	address = cmp.Or(address, settings.LocalHTTPAddr, defaultAddress)
	if net.ParseIP(address) == nil {
		return fmt.Errorf("invalid address %q: expected an IP address, for example 127.0.0.1 or 0.0.0.0", address)
	}
	h, err := host.New(app, settings, host.Options{Environ: os.Environ(), HandlerOutput: os.Stdout})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d is taken (set Host.LocalHttpPort in local.settings.json or use -port): %w", port, err)
	}
	slog.Info("starting the handler", "path", app.Handler.Path)
	return h.Run(ctx, ln)
}
