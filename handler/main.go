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
	"strconv"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tablestore"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if err := run(logger, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "handler:", err)
		os.Exit(1)
	}
}

// shutdownGrace is how long in-flight requests get to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

func run(logger *slog.Logger, getenv func(string) string) error {
	cfg, err := loadSettings(getenv)
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
	// The key set and the store outlive every request; they stop with the process.
	life, endLife := context.WithCancel(context.Background())
	defer endLife()

	keys, err := auth.NewRemoteKeys(life, cfg.JWKSURL, auth.KeySetOptions{Logger: logger})
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(auth.Config{
		TenantID: cfg.TenantID, ClientID: cfg.APIClientID, RequiredScope: cfg.RequiredScope,
		CacheSize: cfg.TokenCacheSize, AuthorityHost: cfg.AuthorityHost,
	}, keys)
	if err != nil {
		return err
	}
	store, err := newStore(cfg)
	if err != nil {
		return err
	}
	go warmUp(life, logger, keys, store)

	srv := newHTTPServer(api.New(api.Config{
		Verifier: verifier, Store: store, Logger: logger,
		TenantID: cfg.TenantID, APIClientID: cfg.APIClientID, AuthorityHost: cfg.AuthorityHost,
	}), logger, productionLimits())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "tenant", cfg.TenantID, "table", cfg.Table)
	if cfg.JWKSURL != auth.DefaultJWKSURL(cfg.AuthorityHost, cfg.TenantID) {
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
// them so that they need not wait out the production values.
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// productionLimits: slow clients must not hold connections: headers within 10 s, whole
// requests in 30.
func productionLimits() serverLimits {
	return serverLimits{readHeader: 10 * time.Second, read: 30 * time.Second, write: 30 * time.Second,
		idle: 120 * time.Second, maxHeaderBytes: 32 << 10}
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

func newStore(cfg settings) (*tablestore.Store, error) {
	if cfg.TablesConnString != "" {
		return tablestore.NewFromConnectionString(cfg.TablesConnString, cfg.Table)
	}
	var opts *azidentity.ManagedIdentityCredentialOptions
	if cfg.IdentityClientID != "" {
		opts = &azidentity.ManagedIdentityCredentialOptions{ID: azidentity.ClientID(cfg.IdentityClientID)}
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("managed identity: %w", err)
	}
	return tablestore.NewFromEndpoint(cfg.TablesEndpoint, cfg.Table, cred)
}

// warmUp fetches the signing keys and creates the table while the first requests may already
// be arriving. Neither failure is fatal: keys are refreshed on demand, and the store creates
// its table when it finds it missing.
func warmUp(ctx context.Context, logger *slog.Logger, keys *auth.RemoteKeys, store *tablestore.Store) {
	start := time.Now()
	tableCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := store.EnsureTable(tableCtx); err != nil {
		logger.Warn("could not create the tasks table yet; will retry on first use", "error", err)
	}
	select {
	case <-keys.Ready():
		logger.Info("warm-up done", "ms", time.Since(start).Milliseconds())
	case <-ctx.Done():
	}
}
