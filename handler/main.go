// Command handler is the Azure Functions custom handler for the Tasks API. The Functions host
// starts it, tells it a port in FUNCTIONS_CUSTOMHANDLER_PORT and proxies HTTP requests to it.
// main only wires: settings, key set, store, API, listener, shutdown.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/settings"
	"github.com/example/entra-tasks/handler/tablestore"
)

func main() {
	logger := newLogger(os.Stdout, os.Stderr)
	err := run(logger, os.Getenv)
	if err == nil {
		return
	}
	// stderr: the host logs it as an Error (see logging.go).
	fmt.Fprintln(os.Stderr, "handler:", err)
	var cfgErr configError
	if errors.As(err, &cfgErr) {
		os.Exit(exitAfterConfigError(cfgErr, os.Getenv))
	}
	// Anything else is a crash: exit 1 makes the host log it with our last stderr lines,
	// count an error and start a new handler (three errors 30 minutes apart or closer shut
	// the host down).
	os.Exit(exitCrashed)
}

// Exit codes as the Functions host reads them (azure-functions-host
// src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs OnProcessExited,
// WorkerConstants.cs): 0 means "stopped on purpose": no restart, no error; 200 means
// "restart me": a new handler without counting an error; any other code is an error, and
// the handler is restarted until the third error in a row (each within 30 minutes of the
// previous one) makes the host shut down (Workers/Http/HttpFunctionInvocationDispatcher.cs).
// A readiness time-out (no answer to GET / within 30 s) counts as an error too, even when
// the process exited 0 before answering (Workers/Http/HttpWorkerChannel.cs).
//
// The handler never exits 200: nothing in it gets better by starting again (the key set and
// the store recover by themselves), and a crash that repeats should reach the host's limit
// and show up as the host's own error rather than restart silently forever.
const (
	exitStopped = 0
	exitCrashed = 1
)

// configError is a setting that is missing or malformed: no restart can fix it, only a new
// app setting (which restarts the app anyway).
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// readinessWait is how long a misconfigured handler waits for the host's readiness probe:
// the host's own limit (HttpWorkerOptions.InitializationTimeout, 30 s).
const readinessWait = 30 * time.Second

// exitAfterConfigError chooses the exit for a configuration error. Restarting cannot fix a
// setting, and exit 1 would make the host restart the handler three times and then shut
// itself down (and in Azure start again, in a loop). Exit 0 stops it without a restart, but
// only after the host has seen the handler ready: an exit before the first answer to GET /
// runs into the readiness time-out, which counts as an error. So, under a host, answer its
// readiness probe once (503 with the reason), then exit 0; the host stays up, logs the
// error line, and answers requests with its own 500 until the setting is fixed. Outside a
// host (no FUNCTIONS_CUSTOMHANDLER_PORT) there is nobody to wait for: exit 1.
func exitAfterConfigError(cfgErr configError, getenv func(string) string) int {
	port := getenv(settings.HostPort)
	if port == "" {
		return exitCrashed
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return exitCrashed
	}
	answerOneProbe(ln, "handler configuration error: "+cfgErr.Error(), readinessWait)
	return exitStopped
}

// answerOneProbe serves ln until it has answered one GET / with 503 and message, or until
// wait has passed, then closes it.
func answerOneProbe(ln net.Listener, message string, wait time.Duration) {
	answered := make(chan struct{})
	var once sync.Once
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, message, http.StatusServiceUnavailable)
			if r.Method == http.MethodGet && r.URL.Path == "/" {
				once.Do(func() { close(answered) })
			}
		}),
	}
	go srv.Serve(ln)
	select {
	case <-answered:
	case <-time.After(wait):
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(ctx) // lets the probe's answer reach the host before the process exits
}

// shutdownGrace is how long in-flight requests get to finish after SIGTERM or SIGINT.
//
// Only some runners send those: Ctrl-C under func start reaches the handler as SIGINT (it
// shares the terminal's process group), and a container runtime sends SIGTERM. The Functions
// host itself never does: it stops a handler with Process.Kill(), a SIGKILL, and waits 1 s
// (azure-functions-host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs,
// Dispose). So nothing may depend on this drain: every write is acknowledged only after
// Table Storage has answered it (handler/tablestore), and a request cut by a kill was never
// acknowledged; its client sees a failed request and may retry.
const shutdownGrace = 20 * time.Second

func run(logger *slog.Logger, getenv func(string) string) error {
	cfg, err := settings.Load(getenv)
	if err != nil {
		return configError{err}
	}
	// The key set and the store outlive every request; they stop with the process.
	life, endLife := context.WithCancel(context.Background())
	defer endLife()
	// The key set first: its download runs in the background, and every authenticated
	// request waits for it, so it starts before anything else (the first request's answer
	// waits for the download, not for the rest of the start-up).
	keys, err := auth.NewRemoteKeys(life, cfg.JWKSURL, auth.KeySetOptions{Logger: logger})
	if err != nil {
		return err
	}
	// Listen before anything slow: the host gives a custom handler ~30 s to answer GET /.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	verifier, err := auth.NewVerifier(auth.Config{
		TenantID: cfg.TenantID, AllowedTenants: cfg.AllowedTenants, ClientID: cfg.APIClientID,
		RequiredScope: cfg.RequiredScope, CacheSize: cfg.TokenCacheSize, AuthorityHost: cfg.AuthorityHost,
	}, keys)
	if err != nil {
		return err
	}
	store, credential, err := newStore(cfg, tablestore.Telemetry(logger))
	if err != nil {
		return err
	}
	if cfg.UserIDKey == nil {
		logger.Warn("USER_ID_KEY is not set: user ids in log lines use a random key of this instance, so they correlate within this instance only")
	}
	logger.Info("storage credential", "credential", credential)
	go warmUp(life, logger, keys, store)

	limits := productionLimits()
	srv := newHTTPServer(api.New(api.Config{
		Verifier: verifier, Store: store, Users: store, AuditLog: store, Logger: logger, MaxTasksPerUser: cfg.MaxTasksPerUser,
		TenantID: cfg.TenantID, MultiTenant: cfg.MultiTenant(), APIClientID: cfg.APIClientID, AuthorityHost: cfg.AuthorityHost,
		BodyTimeout: limits.body, AdminAuthContext: cfg.AdminAuthContext, UserIDKey: cfg.UserIDKey,
		Health: api.NewHealth(keys.HoldsKeys, store.Ping, nil),
	}), logger, limits)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "tenant", cfg.TenantID, "allowedTenants", cfg.AllowedTenants, "table", cfg.Table)
	if !slices.Contains(cfg.AllowedTenants, cfg.TenantID) {
		logger.Warn("AZURE_ALLOWED_TENANTS does not list the home tenant (AZURE_TENANT_ID): its users' tokens are refused", "tenant", cfg.TenantID)
	}
	if cfg.JWKSURL != cfg.DefaultJWKSURL() {
		// Whoever controls this URL decides which tokens are valid: make an override visible.
		logger.Warn("ENTRA_JWKS_URL overrides the tenant's signing keys; tokens are trusted on the keys at this URL", "url", cfg.JWKSURL)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down; finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// serverLimits are the connection timeouts and header size cap; slow-client tests shorten
// them so that they need not wait out the production values. body is the API's own limit on a
// body's arrival (api.Config.BodyTimeout): shorter than read, so that the API, not the
// connection's deadline, cuts a slow body off, and can still answer it with a 408.
type serverLimits struct {
	readHeader, read, write, idle, body time.Duration
	maxHeaderBytes                      int
}

// productionLimits: slow clients must not hold connections: headers within 10 s, bodies in
// 10 once the handler reads them, whole requests in 30.
func productionLimits() serverLimits {
	return serverLimits{readHeader: 10 * time.Second, read: 30 * time.Second, write: 30 * time.Second,
		idle: 120 * time.Second, body: 10 * time.Second, maxHeaderBytes: 32 << 10}
}

func newHTTPServer(h http.Handler, logger *slog.Logger, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// newStore returns the task store and how it authenticates (for the start-up log).
func newStore(cfg settings.Values, perCall ...policy.Policy) (*tablestore.Store, string, error) {
	if cfg.TablesConnString != "" {
		store, err := tablestore.NewFromConnectionString(cfg.TablesConnString, cfg.Table, perCall...)
		return store, "shared key (TABLES_CONNECTION_STRING)", err
	}
	cred, what, err := newTableCredential(cfg)
	if err != nil {
		return nil, "", err
	}
	store, err := tablestore.NewFromEndpoint(cfg.TablesEndpoint, cfg.Table, cred, cfg.AzureCloud(), perCall...)
	return store, what, err
}

// warmUp waits for the first key set download, then creates the table, while the first
// requests may already be arriving. The keys come first: every authenticated request waits
// for them, and the table creation (a round trip to storage, and storage's own work where it
// shares the machine) would compete with their download and the first token check for the
// same cores. Neither failure is fatal: keys are refreshed on demand, and the store creates
// its table when it finds it missing, so a write that comes before it does not fail.
func warmUp(ctx context.Context, logger *slog.Logger, keys *auth.RemoteKeys, store *tablestore.Store) {
	start := time.Now()
	select {
	case <-keys.Ready():
	case <-ctx.Done():
		return
	}
	tableCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := store.EnsureTable(tableCtx); err != nil {
		logger.Warn("could not create the tasks table yet; will retry on first use", "error", err)
	}
	logger.Info("warm-up done", "ms", time.Since(start).Milliseconds())
}
