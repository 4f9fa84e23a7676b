package testenv

import (
	"context"
	"net/http"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
)

// StartKeySet serves keys on loopback and returns the production key set over it, after its
// first download, stopped when the test ends.
func StartKeySet(t testing.TB, keys http.Handler) *auth.RemoteKeys {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	remote, err := auth.NewRemoteKeys(ctx, ServeKeys(t, keys), auth.KeySetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-remote.Ready()
	return remote
}

// MustKey is NewKey for tests: it fails tb instead of returning an error.
func MustKey(tb testing.TB, id string) *entra.Key {
	tb.Helper()
	k, err := entra.NewKey(id)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
