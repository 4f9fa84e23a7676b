package tablestore_test

import (
	"context"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// newStore returns a store on a fresh Azurite whose tasks table exists.
func newStore(t *testing.T) *tablestore.Store {
	t.Helper()
	store, err := tablestore.NewFromConnectionString(testenv.StartAzurite(t).ConnectionString(), "tasks")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// home is the home tenant, whose users' owner keys are their bare oids.
var home = tasks.Tenant{ID: entra.TestTenant, Home: true}
