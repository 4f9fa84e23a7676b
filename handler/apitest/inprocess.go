package apitest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/auth/authtest"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/testenv"
)

// InProcess is the API wired inside the test process to a fixed key set and a table in a real
// Azurite, for tests that need the http.Handler itself rather than the binary (fuzzing, server
// limits). Tokens are for Tenant and Client.
type InProcess struct {
	Handler *api.Server
	Store   *tablestore.Store
	Key     *authtest.Key
}

// NewInProcess starts Azurite and builds the API on table, logging nowhere.
func NewInProcess(t testing.TB, table string) *InProcess {
	t.Helper()
	key := authtest.MustKey(t, "in-process-key")
	keys := testenv.StartKeySet(t, authtest.NewKeyServer(key))
	verifier, err := auth.NewVerifier(auth.Config{TenantID: Tenant, ClientID: Client, RequiredScope: "access_as_user"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	store, err := tablestore.NewFromConnectionString(testenv.StartAzurite(t).ConnectionString(), table)
	if err != nil {
		t.Fatal(err)
	}
	return &InProcess{
		Handler: api.New(api.Config{Verifier: verifier, Store: store, Users: store, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}),
		Store:   store,
		Key:     key,
	}
}

// Token mints a valid v2 access token for user oid.
func (p *InProcess) Token(t testing.TB, oid string) string {
	t.Helper()
	tok, err := p.Key.Sign(authtest.V2Claims(Tenant, Client, oid, time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
