package tablestore

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// gateKey marks a context whose writes to the users index wait at a gate.
type gateKey struct{}

// gate holds a marked request that writes the users index until the test releases it, after
// saying that it has arrived: the test decides the order in which two refreshes write.
type gate struct {
	arrived chan string
	release map[string]chan struct{}
}

func (g gate) Do(req *policy.Request) (*http.Response, error) {
	name, _ := req.Raw().Context().Value(gateKey{}).(string)
	if name != "" && req.Raw().Method != http.MethodGet && strings.Contains(req.Raw().URL.Path, "tasks"+UsersTableSuffix) {
		g.arrived <- name
		<-g.release[name]
	}
	return req.Next()
}

// Two refreshes of one user's entry race: B counted before A's task was stored, A after, and
// both read the same version of the entry. Whichever writes first, the entry must end with A's
// count: if B lands first, A's conditional write fails and A counts again; if A lands first,
// B's conditional write fails and B counts again. Giving up on a lost race fails the first
// order; writing without the ETag condition fails the second (both tried by hand).
func TestLostRaceCountsAgain(t *testing.T) {
	for _, order := range [][2]string{{"B", "A"}, {"A", "B"}} {
		t.Run(order[0]+" writes first", func(t *testing.T) { raceRefreshes(t, order) })
	}
}

func raceRefreshes(t *testing.T, order [2]string) {
	g := gate{arrived: make(chan string), release: map[string]chan struct{}{"A": make(chan struct{}), "B": make(chan struct{})}}
	opts := ClientOptions()
	opts.PerCallPolicies = append(opts.PerCallPolicies, g)
	store, err := newFromConnectionString(testenv.StartAzurite(t).ConnectionString(), "tasks", opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	const owner = "00000000-0000-4000-8000-0000000000c2"
	ids := tasks.NewIDGenerator(nil)
	create := func() {
		now := time.Now().UTC()
		if _, err := store.Create(ctx, owner, tasks.Task{ID: ids.New(), Title: "t", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	profile := tasks.Profile{Name: "Ada"}
	create()
	if err := store.RecordActivity(ctx, owner, profile, time.Now()); err != nil { // the entry exists: 1 task
		t.Fatal(err)
	}
	done := map[string]chan error{"A": make(chan error, 1), "B": make(chan error, 1)}
	refresh := func(name string) {
		go func() {
			done[name] <- store.RecordActivity(context.WithValue(ctx, gateKey{}, name), owner, profile, time.Now())
		}()
		if got := <-g.arrived; got != name { // read the entry, counted, and now about to write
			t.Fatalf("%s arrived at the gate, want %s", got, name)
		}
	}
	create()
	refresh("B") // counts 2
	create()
	refresh("A") // counts 3, from the same version of the entry as B
	go func() {
		for range g.arrived { // later attempts pass the gate once their name is released
		}
	}()
	for _, name := range order {
		close(g.release[name])
		if err := <-done[name]; err != nil {
			t.Fatal(err)
		}
	}
	close(g.arrived)
	page, err := store.ListUsers(ctx, 10, "")
	if err != nil || len(page.Items) != 1 || page.Items[0].TaskCount != 3 {
		t.Fatalf("users index %+v (%v), want one entry with 3 tasks", page.Items, err)
	}
}
