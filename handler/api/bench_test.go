package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// These benchmarks run the API in process (no sockets on our side) with the production
// verifier, the production logger writing JSON lines (to io.Discard) and, for the list,
// the real store against Azurite. Their allocs/op are the handler's own per request;
// ns/op of the list includes Azurite's time. make bench reports them; profile them with
//   go test -run '^$' -bench Me -cpuprofile cpu.out ./handler/api

const benchUser = "00000000-0000-4000-8000-0000000000d1"

func benchServer(b *testing.B, cacheSize int, store tasks.Store) (*api.Server, string) {
	b.Helper()
	key, err := entra.NewKey("bench-key-1")
	if err != nil {
		b.Fatal(err)
	}
	keyURL := testenv.ServeKeys(b, entra.NewKeyServer(key))
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	keys, err := auth.NewRemoteKeys(ctx, keyURL, auth.KeySetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	<-keys.Ready()
	verifier, err := auth.NewVerifier(auth.Config{
		TenantID: entra.TestTenant, ClientID: entra.TestClient, RequiredScope: "access_as_user",
		CacheSize: cacheSize,
	}, keys)
	if err != nil {
		b.Fatal(err)
	}
	srv := api.New(api.Config{
		Verifier: verifier, Store: store,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	token, err := key.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, benchUser, time.Now()), nil)
	if err != nil {
		b.Fatal(err)
	}
	return srv, token
}

func benchGet(b *testing.B, srv http.Handler, token, path string) {
	b.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
}

// BenchmarkMe is GET /api/me with a full token check on every request.
func BenchmarkMe(b *testing.B) {
	srv, token := benchServer(b, 0, nil)
	benchGet(b, srv, token, "/api/me")
}

// BenchmarkMeCached is GET /api/me with the token answered by the verified-token cache.
func BenchmarkMeCached(b *testing.B) {
	srv, token := benchServer(b, 1024, nil)
	benchGet(b, srv, token, "/api/me")
}

// BenchmarkListTasks is GET /api/tasks returning a full default page (50 tasks) from Azurite.
func BenchmarkListTasks(b *testing.B) {
	azurite := testenv.StartAzurite(b)
	store, err := tablestore.NewFromConnectionString(azurite.ConnectionString(), "tasks")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := store.EnsureTable(ctx); err != nil {
		b.Fatal(err)
	}
	ids := tasks.NewIDGenerator(nil)
	for range tasks.DefaultPageSize {
		now := time.Now().UTC().Truncate(time.Millisecond)
		if _, err := store.Create(ctx, benchUser, tasks.NewTask{Task: tasks.Task{ID: ids.New(), Title: "benchmark task", CreatedAt: now, UpdatedAt: now}}); err != nil {
			b.Fatal(err)
		}
	}
	srv, token := benchServer(b, 1024, store)
	benchGet(b, srv, token, "/api/tasks")
}
