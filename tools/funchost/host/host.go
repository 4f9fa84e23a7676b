// Package host is a small stand-in for `func start` (Azure Functions Core Tools) for an app
// whose functions are all HTTP functions served by a custom handler in proxy mode. It lets
// this project run and test its host.json and function.json files where Core Tools cannot
// be installed.
//
// What it does, as the host does (each rule cites the host source it mirrors, next to the
// code):
//   - reads host.json (customHandler.description, enableProxyingHttpRequest /
//     enableForwardingHttpRequest, extensions.http.routePrefix, logging.logLevel) and every
//     */function.json beside it, and refuses keys and bindings it does not understand
//     instead of guessing;
//   - validates each function folder by the host's rules (functions.go: its name, its
//     bindings, a route outside the host's admin/ and runtime/ space and clear of the other
//     functions' routes); a function that fails is not routed, the rest start, and the
//     host's line "The '<name>' function is in error: <why>" is logged at start-up;
//   - reads local.settings.json: Values become the handler's environment (a variable
//     already set in the environment wins, as in Core Tools) with Core Tools' additions,
//     Host.LocalHttpPort, Host.LocalHttpAddress, Host.CORS and Host.CORSCredentials;
//   - runs the handler as the host does (process.go): one port for all restarts, readiness
//     on GET /, restarts by exit code, shutdown at the third error, SIGKILL to stop;
//   - prints the handler's output lines with the level the host gives them, filtered by
//     host.json (console.go);
//   - routes by method and ASP.NET route template ({name} and {name:constraint}) and
//     answers 404 for any other path or method;
//   - answers CORS preflights and adds CORS headers for the configured origins;
//   - proxies the request (path, query, headers, body) and the response, adding
//     X-Azure-Functions-InvocationId and X-Azure-Functions-HostVersion and a traceparent that
//     continues the caller's trace (traceparent.go), retrying while the
//     handler restarts (retry.go), with the host's body cap and idle time-out.
//
// What it does not emulate: any trigger or binding other than HTTP, function keys and
// authLevel (Core Tools does not check them locally either), Easy Auth / App Service
// authentication, the JSON payload mode for functions that are not proxied, the
// differences of the legacy forwarding mode (it always proxies), the host's admin and
// webhook endpoints, Azure's 230 s front-end limit, Application Insights itself, scaling
// and cold starts. It is a development and test aid, not the Functions host.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// HostVersion is sent as X-Azure-Functions-HostVersion. It names the stand-in rather than
// pretending to be a particular host release.
const HostVersion = "funchost-standin"

const (
	// MaxRequestBody is the largest request body the host accepts; a larger one gets 413
	// (azure-functions-core-tools src/Cli/func/Common/Constants.cs DefaultMaxRequestBodySize,
	// "to match the default RequestBodySize in host", set on Kestrel in StartHostAction.cs).
	MaxRequestBody = 100 << 20
	// DefaultProxyIdleTimeout: the host gives up on a proxied request after this long without
	// activity (azure-functions-host src/WebJobs.Script/Workers/Http/HttpProxyService/
	// DefaultHttpProxyService.cs, ForwarderRequestConfig.ActivityTimeout).
	DefaultProxyIdleTimeout = 240 * time.Second
)

// Options tune a Host. The zero value is usable and gives the host's own values; tests
// shorten the durations rather than wait them out.
type Options struct {
	Environ          []string      // the host's own environment, inherited by the handler (os.Environ())
	ReadyTimeout     time.Duration // default DefaultReadyTimeout
	KillWait         time.Duration // default DefaultKillWait
	ErrorWindow      time.Duration // default DefaultErrorWindow
	ProxyIdleTimeout time.Duration // default DefaultProxyIdleTimeout
	HandlerOutput    io.Writer     // where the handler's log lines go, as the host prints them; default os.Stderr
	Logger           *slog.Logger  // default slog.Default()
}

func (o *Options) applyDefaults() {
	setDefault(&o.ReadyTimeout, DefaultReadyTimeout)
	setDefault(&o.KillWait, DefaultKillWait)
	setDefault(&o.ErrorWindow, DefaultErrorWindow)
	setDefault(&o.ProxyIdleTimeout, DefaultProxyIdleTimeout)
	if o.HandlerOutput == nil {
		o.HandlerOutput = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

func setDefault(d *time.Duration, value time.Duration) {
	if *d <= 0 {
		*d = value
	}
}

// Host serves an App: it runs the handler and routes requests to it.
type Host struct {
	app       *App
	functions []Function // in match order
	cors      *corsPolicy
	settings  LocalSettings
	env       []string // the handler's environment, set by Run
	opts      Options
	log       *slog.Logger
	transport *http.Transport
	handler   *supervisor
}

// New prepares a host for app with settings; Run starts it.
func New(app *App, settings LocalSettings, opts Options) (*Host, error) {
	cors, err := newCORSPolicy(settings.CORSOrigins, settings.CORSCredentials)
	if err != nil {
		return nil, err
	}
	opts.applyDefaults()
	return &Host{
		app:       app,
		functions: sortedByPrecedence(app.Functions),
		cors:      cors,
		settings:  settings,
		opts:      opts,
		log:       opts.Logger,
		// A transport of our own: no proxy from the environment, no transparent gzip; idle
		// connections dropped as the host's HTTP client drops them (PoolIdleTimeout).
		transport: &http.Transport{
			DisableCompression: true, MaxIdleConnsPerHost: 16, ResponseHeaderTimeout: opts.ProxyIdleTimeout,
			IdleConnTimeout: PoolIdleTimeout,
		},
	}, nil
}

// PoolIdleTimeout is how long the host keeps an idle connection to the handler for reuse. With
// enableProxyingHttpRequest (our host.json) the host forwards through YARP over a
// SocketsHttpHandler that sets only AllowAutoRedirect and UseCookies (azure-functions-host
// src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs); without it, through an HttpClient
// over a default HttpClientHandler, which on .NET is a SocketsHttpHandler too
// (src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs, CreateHttpClient). Either way
// PooledConnectionIdleTimeout keeps its default, 1 minute (learn.microsoft.com/dotnet/api/
// system.net.http.socketshttphandler.pooledconnectionidletimeout). The host thus closes an idle connection before the handler's
// own idle time-out (2 minutes) does, and never sends a request on a connection the handler is
// closing. The stand-in used to keep idle connections for ever: after two idle minutes the
// handler closed one just as the stand-in sent a POST on it, the body write failed with a broken
// pipe, and the stand-in answered 500 (a browser test's seeding saw it twice).
const PoolIdleTimeout = time.Minute

func sortedByPrecedence(fns []Function) []Function {
	sorted := append([]Function(nil), fns...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Route.precedence() < sorted[j].Route.precedence()
	})
	return sorted
}

// Run starts the handler, waits until it is ready, then serves ln until ctx ends or the
// host shuts down (the handler failed too often). It kills the handler and closes ln before
// returning. Requests that arrive before the handler is ready wait in ln's backlog.
func (h *Host) Run(ctx context.Context, ln net.Listener) error {
	defer ln.Close()
	defer h.transport.CloseIdleConnections()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	env, skipped := h.settings.HandlerEnv(h.opts.Environ, coreToolsValues(h.settings, h.app.ScriptRoot, ln.Addr(), h.log))
	for _, name := range skipped {
		h.log.Warn("skipping a local setting already defined in the environment", "name", name)
	}
	h.env = env
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	h.handler = newSupervisor(h, port)
	firstReady := h.handler.ready
	go h.handler.run(ctx)
	select {
	case <-firstReady:
	case err := <-h.handler.failed:
		if err == nil {
			err = ctx.Err()
		}
		return err
	}
	h.logFunctions(ln.Addr())

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err = <-h.handler.failed:
	case err = <-serveErr:
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	srv.Shutdown(shutdownCtx)
	cancel()
	for range h.handler.failed { // wait until the handler has been killed
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (h *Host) logFunctions(addr net.Addr) {
	port := addr.(*net.TCPAddr).Port
	h.log.Info("serving with the funchost stand-in, not the Azure Functions host")
	// The host logs these once it has started, each as one Error line in its own words
	// (ScriptHost.LogHostFunctionErrors), and lists only the functions it routes.
	for _, fnErr := range h.app.Errors {
		h.log.Error(fnErr.Error())
	}
	for _, fn := range h.app.Functions {
		methods := "ALL"
		if len(fn.Methods) > 0 {
			methods = strings.Join(fn.Methods, ",")
		}
		url := fmt.Sprintf("http://localhost:%d/%s", port, strings.Trim(fn.Route.Template, "/"))
		h.log.Info("function", "name", fn.Name, "methods", methods, "url", url)
		if fn.AuthLevel != "" && !strings.EqualFold(fn.AuthLevel, "anonymous") {
			h.log.Warn("function keys are not checked locally (nor by Core Tools); in Azure this function needs one",
				"name", fn.Name, "authLevel", fn.AuthLevel)
		}
	}
}

// ServeHTTP routes one request: CORS preflight, then the function routes, then 404.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Core Tools puts the CORS middleware before the host, so it also answers preflights
	// for paths that no function declares.
	if h.cors != nil && isPreflight(r) {
		h.addCORSHeaders(w.Header(), r)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !h.routed(r) {
		h.addCORSHeaders(w.Header(), r)
		if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			// The host's home page, shown when no function owns "/".
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!DOCTYPE html><title>Functions</title><p>Your function app is up and running (funchost stand-in).</p>\n")
			return
		}
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.ContentLength > MaxRequestBody {
		h.addCORSHeaders(w.Header(), r)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody) // a chunked body is cut at the cap
	target, err := h.handler.target(r.Context())
	if err != nil {
		h.addCORSHeaders(w.Header(), r)
		http.Error(w, "the handler is not running", http.StatusServiceUnavailable)
		return
	}
	h.proxy(target).ServeHTTP(w, r)
}

// addCORSHeaders adds the CORS headers for r to a response's header, if CORS is configured.
func (h *Host) addCORSHeaders(header http.Header, r *http.Request) {
	if h.cors != nil {
		h.cors.addHeaders(header, r)
	}
}

// routed reports whether a function accepts r's method and path.
func (h *Host) routed(r *http.Request) bool {
	segments, ok := pathSegments(r.URL.EscapedPath())
	if !ok {
		return false
	}
	for _, fn := range h.functions {
		if _, ok := fn.Route.Match(segments); ok && allowsMethod(fn, r.Method) {
			return true
		}
	}
	return false
}

// pathSegments splits an escaped path into decoded segments, ignoring one trailing slash
// as ASP.NET routing does. An encoded slash (%2F) stays inside its segment.
func pathSegments(escaped string) ([]string, bool) {
	trimmed := strings.TrimSuffix(strings.TrimPrefix(escaped, "/"), "/")
	if trimmed == "" {
		return nil, true
	}
	parts := strings.Split(trimmed, "/")
	for i, p := range parts {
		decoded, err := url.PathUnescape(p)
		if err != nil || decoded == "" {
			return nil, false
		}
		parts[i] = decoded
	}
	return parts, true
}

// allowsMethod compares methods ignoring case, as ASP.NET's HttpMethodRouteConstraint does
// for the host's function routes.
func allowsMethod(fn Function, method string) bool {
	if len(fn.Methods) == 0 {
		return true
	}
	for _, m := range fn.Methods {
		if strings.EqualFold(m, method) {
			return true
		}
	}
	return false
}

// proxy forwards to the handler at target the way the host's proxying mode does: original
// path and query, headers, streamed body, and the response as the handler wrote it.
func (h *Host) proxy(target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Transport:     retryTransport{next: h.transport, log: h.log},
		FlushInterval: -1, // stream, as YARP does
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Azure-Functions-InvocationId", newGUID())
			pr.Out.Header.Set("X-Azure-Functions-HostVersion", HostVersion)
			setTraceparent(pr.Out.Header, pr.In.Header)
			if pr.Out.Body != nil && pr.Out.Body != http.NoBody {
				pr.Out.Body = &trackedBody{ReadCloser: pr.Out.Body}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			// The CORS middleware has the last word on its headers, even if the handler
			// sent its own.
			h.addCORSHeaders(resp.Header, resp.Request)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.addCORSHeaders(w.Header(), r)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				w.WriteHeader(http.StatusRequestEntityTooLarge) // Kestrel's answer to MaxRequestBodySize
				return
			}
			// The host turns a failed proxy into an exception, and its ExceptionMiddleware
			// into a 500 (azure-functions-host src/WebJobs.Script.WebHost/Middleware/
			// ExceptionMiddleware.cs).
			h.log.Error("handler did not answer", "method", r.Method, "path", r.URL.Path, "err", err)
			w.WriteHeader(http.StatusInternalServerError)
		},
	}
}
