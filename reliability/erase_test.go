package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/apitest"
)

// TestEraseSurvivesAnOutageHalfWay stops Azurite while an admin erase is deleting a user's
// tasks, then retries the erase. The interrupted call must answer
// 503, not claim success; the retry must delete everything left, answer exactly how many that
// was, remove the user from the users index and audit the count it answered. The erase deletes
// in transactions of 99, so the outage lands between two of them (or fails one whole).
func TestEraseSurvivesAnOutageHalfWay(t *testing.T) {
	const tasks = 1000
	e := newEnv(t)
	base := e.handler.URL()
	victim := userOID(900)
	userTok := e.token(t, victim)
	adminTok := e.roleToken(t, userOID(901), "Admin")
	seed(t, e, base, userTok, tasks)
	remaining := taskCounter(t, e, victim)
	if n := remaining(); n != tasks {
		t.Fatalf("seeded %d tasks, storage holds %d", tasks, n)
	}

	erase := make(chan answer, 1)
	go func() {
		erase <- call(e.http, base, apitest.Request{Method: "DELETE", Path: "/api/users/" + victim + "/tasks", Token: adminTok})
	}()
	// Stop storage once the erase has visibly begun: some tasks deleted, not all.
	deadline := time.Now().Add(20 * time.Second)
	for remaining() == tasks && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling storage for the erase's progress, not waiting out a race
	}
	e.azurite.Stop()
	first := <-erase
	e.azurite.Start()
	if first.err != nil || first.Status != 503 {
		t.Fatalf("erase interrupted by the outage answered %v, want 503 (if 200: it finished before the outage; raise the task count)", first)
	}
	left := remaining()
	if left == 0 || left == tasks {
		t.Fatalf("after the interrupted erase %d of %d tasks are left; the outage did not land half way", left, tasks)
	}

	second := call(e.http, base, apitest.Request{Method: "DELETE", Path: "/api/users/" + victim + "/tasks", Token: adminTok})
	if second.Status != 200 || string(second.Body) != fmt.Sprintf(`{"erased":%d,"remaining":0}`, left) {
		t.Fatalf("retried erase answered %v, want 200 {\"erased\":%d,\"remaining\":0}", second, left)
	}
	if n := remaining(); n != 0 {
		t.Errorf("after the retried erase %d tasks are left", n)
	}
	if got, err := listAll(e.http, base, userTok, 200); err != nil || len(got) != 0 {
		t.Errorf("the user still lists %d tasks (%v)", len(got), err)
	}
	users := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/users?limit=200", Token: adminTok})
	var page struct{ Items []struct{ ID string } }
	if err := users.decode(&page); err != nil || users.Status != 200 {
		t.Fatalf("list users: %v", users)
	}
	for _, u := range page.Items {
		if u.ID == victim {
			t.Errorf("the erased user is still in the users index")
		}
	}
	audit := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/audit?limit=5", Token: adminTok})
	var log struct {
		Items []struct {
			Action  string
			Subject *string
			State   string
			Count   *int
		}
	}
	if err := audit.decode(&log); err != nil || audit.Status != 200 {
		t.Fatalf("audit: %v", audit)
	}
	found := false
	for _, a := range log.Items {
		if a.Action == "erase-user-tasks" && a.Subject != nil && *a.Subject == victim {
			found = a.Count != nil && *a.Count == left && a.State == "completed"
			break // newest first: the retry's record
		}
	}
	if !found {
		t.Errorf("no completed erase-user-tasks record with count %d for the retry: %s", left, audit.Body)
	}
}

func (e *env) roleToken(t testing.TB, oid string, roles ...string) string {
	t.Helper()
	claims := entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now())
	claims["roles"] = roles
	tok, err := e.key.Sign(claims, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seed creates n tasks through the API with a few writers at once.
func seed(t *testing.T, e *env, base, tok string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan answer, n)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				if a := call(e.http, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("task ", i)}}); a.Status != 201 {
					errs <- a
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for a := range errs {
		t.Fatalf("seeding: %v", a)
	}
}

// taskCounter counts owner's tasks in the tasks table directly (keys only), as the test's
// own view of storage, independent of the API under test.
func taskCounter(t *testing.T, e *env, owner string) func() int {
	svc, err := aztables.NewServiceClientFromConnectionString(e.azurite.ConnectionString(), nil)
	if err != nil {
		t.Fatal(err)
	}
	table := svc.NewClient("tasks")
	// Tasks only: the partition's rows from '~' on are the store's bookkeeping (tablestore/account.go).
	filter, sel := "PartitionKey eq '"+owner+"' and RowKey lt '~'", "RowKey"
	return func() int {
		n := 0
		pager := table.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
		for pager.More() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			resp, err := pager.NextPage(ctx)
			cancel()
			if err != nil {
				return -1 // storage is down: not a count
			}
			for _, raw := range resp.Entities {
				var k struct{ RowKey string }
				if json.Unmarshal(raw, &k) == nil && k.RowKey != "" {
					n++
				}
			}
		}
		return n
	}
}
