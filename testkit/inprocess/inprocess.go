package inprocess

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/testkit/testenv"
)

// App is the API wired inside the test process to a fixed key set and a table in a real
// Azurite, for tests that need the http.Handler itself rather than the binary (fuzzing, server
// limits). Tokens are for entra.TestTenant and entra.TestClient.
type App struct {
	Handler *api.Server
	Store   *tablestore.Store
	Key     *entra.Key
}

// New starts Azurite and builds the API on table, logging nowhere; each of configure may change
// the API's Config before it is built.
func New(t testing.TB, table string, configure ...func(*api.Config)) *App {
	t.Helper()
	return NewOn(t, testenv.StartAzurite(t).ConnectionString(), table, nil, configure...)
}

// NewOn is New on a running Azurite (connectionString), so that two apps with different
// settings can share one store, as a restart with new settings finds it. verify, if not nil,
// changes the verifier's Config (for entra.TestTenant and entra.TestClient) before it is built,
// e.g. to accept other tenants' tokens.
func NewOn(t testing.TB, connectionString, table string, verify func(*auth.Config), configure ...func(*api.Config)) *App {
	t.Helper()
	key := testenv.MustKey(t, "in-process-key")
	keys := testenv.StartKeySet(t, entra.NewKeyServer(key))
	vcfg := auth.Config{TenantID: entra.TestTenant, ClientID: entra.TestClient, RequiredScope: "access_as_user"}
	if verify != nil {
		verify(&vcfg)
	}
	verifier, err := auth.NewVerifier(vcfg, keys)
	if err != nil {
		t.Fatal(err)
	}
	store, err := tablestore.NewFromConnectionString(connectionString, table)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Verifier: verifier, Store: store, Users: store, AuditLog: store, TenantID: entra.TestTenant, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	for _, c := range configure {
		c(&cfg)
	}
	return &App{
		Handler: api.New(cfg),
		Store:   store,
		Key:     key,
	}
}

// Token mints a valid v2 access token for user oid.
func (p *App) Token(t testing.TB, oid string) string {
	t.Helper()
	return p.Sign(t, entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now()))
}

// Sign mints a token of claims with the app's key (e.g. another tenant's, from entra.V2Claims).
func (p *App) Sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok, err := p.Key.Sign(claims, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
