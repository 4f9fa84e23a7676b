package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/testenv"
)

// anAdmin is a verifier for one caller with the Admin role, whatever the token.
type anAdmin struct{}

func (anAdmin) Verify(ctx context.Context, raw string) (*auth.Principal, error) {
	return &auth.Principal{ObjectID: entra.UserB, Name: "Root", Roles: access.ParseRoles(access.User, []string{"Admin"})}, nil
}
func (anAdmin) RequiredScope() string { return "api://x/access_as_user" }

// stallBatches lets `pass` $batch requests through once armed, then holds every further one
// until its request's context ends (storage that stopped answering), failing it then.
type stallBatches struct {
	mu    sync.Mutex
	armed bool
	pass  int
}

func (s *stallBatches) arm(pass int) { s.mu.Lock(); s.armed, s.pass = true, pass; s.mu.Unlock() }

func (s *stallBatches) Do(req *policy.Request) (*http.Response, error) {
	if strings.HasSuffix(req.Raw().URL.Path, "/$batch") {
		s.mu.Lock()
		stall := s.armed && s.pass == 0
		if s.armed && s.pass > 0 {
			s.pass--
		}
		s.mu.Unlock()
		if stall {
			<-req.Raw().Context().Done()
			return nil, req.Raw().Context().Err()
		}
	}
	return req.Next()
}

// An erase is recorded "started" before its first delete and is to be completed after its
// last, also when it fails. But the completion uses the request's storage context: when the
// erase itself used the budget up (storage that slows down half-way), the completion cannot
// be written any more, and the record says "started", with no count, for good, although
// tasks were erased. The audit log then hides how many of a user's tasks an admin deleted.
func TestAttackAnEraseThatRunsOutOfTimeLeavesItsAuditRecordStarted(t *testing.T) {
	stall := &stallBatches{}
	store, err := tablestore.NewFromConnectionString(testenv.StartAzurite(t).ConnectionString(), "tasks", stall)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	const victim = entra.UserA
	ids := tasks.NewIDGenerator(nil)
	ts := make([]tasks.Task, 198) // two erase transactions
	for i := range ts {
		now := time.Now().UTC().Truncate(time.Millisecond)
		ts[i] = tasks.Task{ID: ids.New(), Title: fmt.Sprint("t", i), CreatedAt: now, UpdatedAt: now}
	}
	if err := store.CreateMany(ctx, victim, ts, tasks.Profile{Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Verifier: anAdmin{}, Store: store, Users: store, AuditLog: store,
		StorageTimeout: 2 * time.Second, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
	defer srv.Close()

	stall.arm(1) // the first erase transaction goes through; storage stops answering after it
	req, _ := http.NewRequest("DELETE", srv.URL+"/api/users/"+victim+"/tasks", nil)
	req.Header.Set("Authorization", "Bearer any")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("erase cut short by storage: %d, want 503", resp.StatusCode)
	}
	stall.mu.Lock()
	stall.armed = false
	stall.mu.Unlock()

	page, err := store.ListAudit(ctx, tasks.Tenant{Home: true}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 || page.Items[0].Action != tasks.ActionEraseUserTasks {
		t.Fatalf("no erase record: %+v", page.Items)
	}
	rec := page.Items[0]
	left, _ := store.List(ctx, victim, tasks.ListQuery{Limit: 200})
	count := "nil"
	if rec.Count != nil {
		count = fmt.Sprint(*rec.Count)
	}
	if rec.State != tasks.AuditFailed || rec.Count == nil || *rec.Count != len(ts)-len(left.Items) {
		t.Errorf("the erase deleted %d tasks; its audit record says state %q, count %s; want failed, %d",
			len(ts)-len(left.Items), rec.State, count, len(ts)-len(left.Items))
	}
}
