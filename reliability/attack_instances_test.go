package reliability

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
)

// twoInstances starts two handler processes with the same settings on one Azurite, as two
// instances of the function app share one storage account.
func twoInstances(t *testing.T, extra map[string]string) (*env, [2]*testenv.Handler) {
	t.Helper()
	key, err := entra.NewKey("reliability-key")
	if err != nil {
		t.Fatal(err)
	}
	az := testenv.StartAzurite(t)
	settings := map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           testenv.ServeKeys(t, entra.NewKeyServer(key)),
		"TABLES_CONNECTION_STRING": az.ConnectionString(),
	}
	for k, v := range extra {
		settings[k] = v
	}
	a := testenv.StartHandler(t, settings)
	b := testenv.StartHandler(t, settings)
	return &env{azurite: az, handler: a, key: key, http: newClient()}, [2]*testenv.Handler{a, b}
}

func noErrorLines(t *testing.T, hs [2]*testenv.Handler) {
	t.Helper()
	for i, h := range hs {
		for _, line := range strings.Split(h.Output(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("instance %d logged an error in ordinary use: %s", i, line)
			}
		}
	}
}

// adminCount is what GET /api/users says of owner: their task count, -1 when not listed.
func adminCount(t *testing.T, e *env, base, adminTok, owner string) int {
	t.Helper()
	a := call(e.http, base, apitest.Request{Method: "GET", Path: "/api/users?limit=200", Token: adminTok})
	var page struct {
		Items []struct {
			ID        string
			TaskCount int
		}
	}
	if err := a.decode(&page); err != nil || a.Status != 200 {
		t.Fatalf("list users: %v", a)
	}
	for _, u := range page.Items {
		if u.ID == owner {
			return u.TaskCount
		}
	}
	return -1
}

// Claims 1, 3 and 5 across two instances (could not break: this passes). 48 Idempotency-Keys,
// each sent once to each instance at the same time: one task per key, both answers name it.
// Then updates, deletes, new creates and an admin's erase, spread over both instances at once:
// no 5xx, deletes 204 or 404, and afterwards the count the admin sees is what is stored and the
// user is listed exactly when they have tasks; neither instance logs an ERROR line.
func TestAttackTwoInstancesStorm(t *testing.T) {
	e, hs := twoInstances(t, nil)
	user := userOID(700)
	tok := e.token(t, user)
	adminTok := e.roleToken(t, userOID(701), "Admin")

	const keys = 48
	answers := make([][2]answer, keys)
	var wg sync.WaitGroup
	for k := range keys {
		for i := range 2 {
			wg.Go(func() {
				answers[k][i] = call(e.http, hs[i].URL(), apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok,
					Header: map[string]string{"Idempotency-Key": fmt.Sprintf(`"key-%d"`, k)},
					Body:   map[string]any{"title": fmt.Sprint("keyed ", k)}})
			})
		}
	}
	wg.Wait()
	ids := make([]string, keys)
	for k, pair := range answers {
		var got [2]wireTask
		for i, a := range pair {
			if a.err != nil || a.Status != 201 {
				t.Fatalf("key %d on instance %d: %v", k, i, a)
			}
			if err := a.decode(&got[i]); err != nil {
				t.Fatal(err)
			}
		}
		if got[0].ID != got[1].ID {
			t.Errorf("key %d made two tasks: %s and %s", k, got[0].ID, got[1].ID)
		}
		ids[k] = got[0].ID
	}
	stored, err := listAll(e.http, hs[0].URL(), tok, 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != keys || adminCount(t, e, hs[1].URL(), adminTok, user) != keys {
		t.Fatalf("%d stored, the admin sees %d; want %d", len(stored), adminCount(t, e, hs[1].URL(), adminTok, user), keys)
	}

	results := make(chan string, 4*keys)
	for k, id := range ids {
		base := hs[k%2].URL()
		wg.Go(func() {
			var a answer
			switch k % 3 {
			case 0:
				a = call(e.http, base, apitest.Request{Method: "DELETE", Path: "/api/tasks/" + id, Token: tok})
				if a.err != nil || (a.Status != 204 && a.Status != 404) {
					results <- fmt.Sprintf("delete %s: %v", id, a)
				}
			case 1:
				a = call(e.http, base, apitest.Request{Method: "PATCH", Path: "/api/tasks/" + id, Token: tok, Body: map[string]any{"completed": true}})
				if a.err != nil || (a.Status != 200 && a.Status != 404) {
					results <- fmt.Sprintf("patch %s: %v", id, a)
				}
			case 2:
				a = call(e.http, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("more ", k)}})
				if a.err != nil || a.Status != 201 {
					results <- fmt.Sprintf("create: %v", a)
				}
			}
		})
	}
	wg.Go(func() {
		a := call(e.http, hs[1].URL(), apitest.Request{Method: "DELETE", Path: "/api/users/" + user + "/tasks", Token: adminTok})
		if a.err != nil || a.Status != 200 {
			results <- fmt.Sprintf("erase: %v", a)
		}
	})
	wg.Wait()
	close(results)
	for r := range results {
		t.Error(r)
	}
	stored, err = listAll(e.http, hs[0].URL(), tok, 200)
	if err != nil {
		t.Fatal(err)
	}
	want := len(stored)
	if want == 0 {
		want = -1
	}
	if got := adminCount(t, e, hs[0].URL(), adminTok, user); got != want {
		t.Errorf("%d tasks stored, the admin sees %d", len(stored), got)
	}
	noErrorLines(t, hs)
}

// Claim 6 across two instances (could not break: this passes): with a limit of 10, 40 creates
// at once, half on each instance, store exactly 10 tasks; the others are 409s.
func TestAttackTwoInstancesCannotExceedTheLimit(t *testing.T) {
	e, hs := twoInstances(t, map[string]string{"TASKS_PER_USER_LIMIT": "10"})
	user := userOID(702)
	tok := e.token(t, user)
	var mu sync.Mutex
	byStatus := map[int]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			a := call(e.http, hs[i%2].URL(), apitest.Request{Method: "POST", Path: "/api/tasks", Token: tok, Body: map[string]any{"title": fmt.Sprint("t", i)}})
			mu.Lock()
			byStatus[a.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	stored, err := listAll(e.http, hs[0].URL(), tok, 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 10 || byStatus[201] != 10 || byStatus[409] != 30 {
		t.Errorf("%d stored; answers %v; want 10 stored, 10 201s and 30 409s", len(stored), byStatus)
	}
	noErrorLines(t, hs)
}
