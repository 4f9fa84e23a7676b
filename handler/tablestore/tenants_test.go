package tablestore_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack/storecalls"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// Tenants for the key-range tests. Their ids start with the same hex digits as the home users'
// oids below ("ab", "00"), and one is the home range's own first shard: an index that keyed a
// tenant's entries by the start of its id, or a listing that read by prefix of the oid, would
// mix them up.
var (
	tenantB = tasks.Tenant{ID: "ab000000-0000-4000-8000-0000000000b0"}
	tenantC = tasks.Tenant{ID: "00c00000-0000-4000-8000-0000000000c0"}
)

const (
	oidX = "ab111111-0000-4000-8000-0000000000a1" // a user in home and in B (a guest in both)
	oidY = "00222222-0000-4000-8000-0000000000a2" // home only
	oidZ = "ab333333-0000-4000-8000-0000000000a3" // B only
	oidW = "00c44444-0000-4000-8000-0000000000a4" // C only
)

// tenantStore is a counted store on a fresh Azurite, and a raw client of its users index, for
// what is stored where.
func tenantStore(t *testing.T) (*tablestore.Store, *storecalls.Counter, *aztables.ServiceClient) {
	t.Helper()
	counter := &storecalls.Counter{}
	conn := testenv.StartAzurite(t).ConnectionString()
	store, err := tablestore.NewFromConnectionString(conn, "tasks", counter)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc, err := aztables.NewServiceClientFromConnectionString(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	return store, counter, svc
}

// usersOf is every user tenant's listing shows, oid -> task count, page by page (limit 1, so
// that cursors are used).
func usersOf(t *testing.T, store *tablestore.Store, tenant tasks.Tenant) map[string]int {
	t.Helper()
	out, cursor := map[string]int{}, ""
	for range 50 {
		page, err := store.ListUsers(context.Background(), tenant, 1, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Items {
			out[u.ID] = u.TaskCount
		}
		if cursor = page.Next; cursor == "" {
			return out
		}
	}
	t.Fatal("the listing did not end")
	return nil
}

func TestTheSameOidInTwoTenantsIsTwoUsers(t *testing.T) {
	store, _, _ := tenantStore(t)
	ctx := context.Background()
	inHome := newWriter(t, store, home.Owner(oidX))
	inB := newWriter(t, store, tenantB.Owner(oidX))
	homeTask := inHome.create("home's")
	bTask := inB.create("B's")
	inB.create("B's second")

	if got := stored(t, store, home.Owner(oidX)); got != 1 {
		t.Errorf("the home user has %d tasks, want 1", got)
	}
	if got := stored(t, store, tenantB.Owner(oidX)); got != 2 {
		t.Errorf("B's user has %d tasks, want 2", got)
	}
	if _, err := store.Get(ctx, tenantB.Owner(oidX), homeTask.ID); !errors.Is(err, tasks.ErrNotFound) {
		t.Errorf("B's user reading the home user's task: %v, want ErrNotFound", err)
	}
	if _, err := store.Get(ctx, home.Owner(oidX), bTask.ID); !errors.Is(err, tasks.ErrNotFound) {
		t.Errorf("the home user reading B's user's task: %v, want ErrNotFound", err)
	}
}

func TestEachTenantListsItsOwnUsersOnly(t *testing.T) {
	store, counter, svc := tenantStore(t)
	newWriter(t, store, home.Owner(oidX)).seed(1)
	newWriter(t, store, home.Owner(oidY)).seed(2)
	newWriter(t, store, tenantB.Owner(oidX)).seed(3)
	newWriter(t, store, tenantB.Owner(oidZ)).seed(4)
	newWriter(t, store, tenantC.Owner(oidW)).seed(5)

	for _, c := range []struct {
		name   string
		tenant tasks.Tenant
		want   map[string]int
	}{
		{"home", home, map[string]int{oidX: 1, oidY: 2}},
		{"B", tenantB, map[string]int{oidX: 3, oidZ: 4}},
		{"C", tenantC, map[string]int{oidW: 5}},
		{"a tenant with no users", tasks.Tenant{ID: "ffffffff-0000-4000-8000-0000000000f0"}, map[string]int{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			counter.Reset()
			got := usersOf(t, store, c.tenant)
			if !maps.Equal(got, c.want) {
				t.Errorf("listed %v, want %v (each by their oid, with their own tenant's count)", got, c.want)
			}
			// The service filtered: the index answered with this tenant's entries alone, never
			// another tenant's to be dropped here.
			if read := indexRows(counter); read != len(c.want) {
				t.Errorf("the listing read %d index entries, want %d: only its tenant's range", read, len(c.want))
			}
		})
	}

	// Home entries are where single-tenant mode wrote them (shard = the oid's first two digits,
	// RowKey = the oid), so data from before multi-tenant mode is listed unchanged.
	users := svc.NewClient("tasks" + tablestore.UsersTableSuffix)
	for _, oid := range []string{oidX, oidY} {
		if _, err := users.GetEntity(context.Background(), oid[:2], oid, nil); err != nil {
			t.Errorf("the home user %s has no entry at (%s, %s): %v", oid, oid[:2], oid, err)
		}
	}
}

// indexRows is how many entities the users index's queries answered with.
func indexRows(counter *storecalls.Counter) int {
	n := 0
	for _, c := range counter.Calls() {
		if c.Table == "tasks"+tablestore.UsersTableSuffix && c.Op == "query" {
			n += c.Rows
		}
	}
	return n
}

func TestAUsersListCursorIsItsTenantsOnly(t *testing.T) {
	store, _, _ := tenantStore(t)
	ctx := context.Background()
	for _, owner := range []string{home.Owner(oidX), home.Owner(oidY), tenantB.Owner(oidX), tenantB.Owner(oidZ)} {
		newWriter(t, store, owner).seed(1)
	}
	fromB, err := store.ListUsers(ctx, tenantB, 1, "")
	if err != nil || fromB.Next == "" {
		t.Fatalf("B's first page: next %q, %v; want a cursor", fromB.Next, err)
	}
	fromHome, err := store.ListUsers(ctx, home, 1, "")
	if err != nil || fromHome.Next == "" {
		t.Fatalf("home's first page: next %q, %v; want a cursor", fromHome.Next, err)
	}
	for _, c := range []struct {
		name   string
		tenant tasks.Tenant
		cursor string
	}{
		{"B's cursor in home's listing", home, fromB.Next},
		{"B's cursor in C's listing", tenantC, fromB.Next},
		{"home's cursor in B's listing", tenantB, fromHome.Next},
	} {
		if _, err := store.ListUsers(ctx, c.tenant, 10, c.cursor); !errors.Is(err, tasks.ErrInvalidCursor) {
			t.Errorf("%s: %v, want ErrInvalidCursor", c.name, err)
		}
	}
	if _, err := store.ListUsers(ctx, tenantB, 10, fromB.Next); err != nil {
		t.Errorf("B's cursor in B's listing: %v", err)
	}
}

func TestAnEraseInOneTenantLeavesTheSameOidInAnother(t *testing.T) {
	store, _, _ := tenantStore(t)
	newWriter(t, store, home.Owner(oidX)).seed(3)
	newWriter(t, store, tenantB.Owner(oidX)).seed(2)

	done, err := store.EraseTasks(context.Background(), tenantB.Owner(oidX), time.Now().Add(time.Hour))
	if err != nil || done.Erased != 2 || done.Remaining != 0 {
		t.Fatalf("erase of B's user: %+v, %v; want 2 erased, none left", done, err)
	}
	if got := usersOf(t, store, tenantB); len(got) != 0 {
		t.Errorf("B lists %v after the erase, want nobody", got)
	}
	if got := usersOf(t, store, home); !maps.Equal(got, map[string]int{oidX: 3}) {
		t.Errorf("home lists %v after B's erase, want the home user with 3 tasks", got)
	}
	if got := stored(t, store, home.Owner(oidX)); got != 3 {
		t.Errorf("the home user has %d tasks after B's erase, want 3", got)
	}
}

func TestEachTenantHasItsOwnAuditLog(t *testing.T) {
	store, _, svc := tenantStore(t)
	ctx := context.Background()
	at := time.Now().UTC()
	appendRecord := func(tenant tasks.Tenant, actor string) string {
		t.Helper()
		id, err := store.AppendAudit(ctx, tenant, tasks.AuditRecord{
			At: at, ActorID: actor, ActorKind: tasks.ActorUser, Action: tasks.ActionEraseUserTasks, Subject: oidX, State: tasks.AuditStarted,
		})
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Millisecond)
		return id
	}
	homeID := appendRecord(home, "home-admin")
	appendRecord(home, "home-admin-2")
	bID := appendRecord(tenantB, "b-admin")
	appendRecord(tenantC, "c-admin")

	actors := func(tenant tasks.Tenant, limit int, cursor string) ([]string, string, error) {
		page, err := store.ListAudit(ctx, tenant, limit, cursor)
		var out []string
		for _, r := range page.Items {
			out = append(out, r.ActorID)
		}
		return out, page.Next, err
	}
	for _, c := range []struct {
		name   string
		tenant tasks.Tenant
		want   []string
	}{
		{"home", home, []string{"home-admin-2", "home-admin"}},
		{"B", tenantB, []string{"b-admin"}},
		{"C", tenantC, []string{"c-admin"}},
	} {
		if got, _, err := actors(c.tenant, 50, ""); err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s's log: %v, %v; want %v", c.name, got, err, c.want)
		}
	}

	// Completing names the tenant: B's record is completed in B's log, and the home tenant
	// cannot complete it by its id.
	if err := store.CompleteAudit(ctx, home, bID, tasks.AuditCompleted, 9, nil, tasks.Profile{}); err == nil {
		t.Error("completing B's record in the home log succeeded")
	}
	if err := store.CompleteAudit(ctx, tenantB, bID, tasks.AuditCompleted, 2, nil, tasks.Profile{}); err != nil {
		t.Fatal(err)
	}
	page, err := store.ListAudit(ctx, tenantB, 50, "")
	if err != nil || len(page.Items) != 1 || page.Items[0].State != tasks.AuditCompleted || *page.Items[0].Count != 2 {
		t.Errorf("B's record after completion: %+v, %v; want completed with 2", page.Items, err)
	}

	// A cursor of one tenant's log is refused in another's.
	_, homeNext, err := actors(home, 1, "")
	if err != nil || homeNext == "" {
		t.Fatalf("home's first page of one: next %q, %v", homeNext, err)
	}
	if _, _, err := actors(tenantB, 1, homeNext); !errors.Is(err, tasks.ErrInvalidCursor) {
		t.Errorf("home's audit cursor in B's log: %v, want ErrInvalidCursor", err)
	}

	// The home log is the partition single-tenant mode wrote: "audit".
	if _, err := svc.NewClient("tasks"+tablestore.AuditTableSuffix).GetEntity(ctx, "audit", homeID, nil); err != nil {
		t.Errorf("the home record is not in partition \"audit\": %v", err)
	}
}
