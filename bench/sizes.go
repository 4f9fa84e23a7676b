package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/devstack/storecalls"
	"github.com/example/entra-tasks/handler/tasks"
)

// What one operation costs as its caller's partition grows: for each task count of the plan
// (0, 2,000 and 10,000), the storage calls of create, patch, delete, one list page and the
// admin erase, counted on the wire, and the write latencies beside the same single-entity
// calls made directly with aztables.

// eraseRoute is the admin erase of one user's tasks. It is the one place that names the path:
// no route may start with "admin", which the Functions host reserves.
const eraseRoute = "/api/users/{userId}/tasks"

func erasePath(owner string) string { return strings.Replace(eraseRoute, "{userId}", owner, 1) }

// adminUser erases the size users' tasks; it has none of its own.
const adminUser = "00000000-0000-4000-8000-00000000e0ad"

// sizeUser owns the partition of the i-th task count of the plan.
func sizeUser(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012x", 0xe100+i) }

// maxBatch is the most operations an entity group transaction may hold (Microsoft Learn,
// "Scalability and performance targets for Table storage").
const maxBatch = 100

// Operations whose storage calls are counted, in the order of the table.
const (
	opCreate = "create"
	opPatch  = "patch"
	opDelete = "delete"
	opList   = "list"
	opErase  = "erase"
)

// sizeResult is what one task count measured.
type sizeResult struct {
	tasks   int
	user    string
	handler loadResult // create, patch, delete through the handler, one connection
	direct  loadResult // the same single-entity calls made with aztables, one connection
	calls   map[string][]storecalls.Tally
	// The erase: DELETE requests it took (a 503 when the request's time-out ends it, then
	// the retry the API documents) and the time from the first to the last answer.
	eraseRequests int
	eraseTime     time.Duration
}

// perUserScale seeds each size user's partition directly, times writes through a handler
// against the same calls made directly, and counts each operation's storage calls through a
// second handler whose storage is a counting proxy in front of Azurite.
func (r *report) perUserScale(ctx context.Context, b *bed, p plan) error {
	r.sizes = make([]sizeResult, len(p.sizes))
	seedStart := time.Now()
	for i, n := range p.sizes {
		r.sizes[i] = sizeResult{tasks: n, user: sizeUser(i), calls: map[string][]storecalls.Tally{}}
		log.Printf("per-user scale: seeding %d tasks directly", n)
		if err := seedTasks(ctx, b.direct, sizeUser(i), n); err != nil {
			return err
		}
	}
	r.sizeSeedTime = time.Since(seedStart)

	writes, err := b.start(ctx)
	if err != nil {
		return err
	}
	defer writes.stop()
	if err := r.writeLatencies(ctx, b, writes, p); err != nil {
		return err
	}

	var counter storecalls.Counter
	proxy, err := startCountingProxy(&counter, b.azurite.TablePort())
	if err != nil {
		return err
	}
	defer proxy.Close()
	counted, err := b.start(ctx, "TABLES_CONNECTION_STRING="+devstack.TableConnectionString(proxy.port))
	if err != nil {
		return err
	}
	defer counted.stop()
	waitQuiet(&counter, 300*time.Millisecond, 10*time.Second) // its start-up calls (tables) are not an operation's
	admin, err := b.roleToken(adminUser, "Admin")
	if err != nil {
		return err
	}
	for i := range r.sizes {
		if err := r.sizes[i].countCalls(ctx, b, counted.addr(), admin, &counter, p.sizeReps); err != nil {
			return fmt.Errorf("storage calls at %d tasks: %w", r.sizes[i].tasks, err)
		}
	}
	return nil
}

// writeLatencies runs create → patch → delete through the handler and the same calls
// directly, for every size, alternating round by round so that the machine's load falls on
// all alike. One connection: one user's writes follow one another, as from one browser tab;
// the 16-connection mix of the http rows is many writes of one user at once.
func (r *report) writeLatencies(ctx context.Context, b *bed, h *handlerProc, p plan) error {
	tokens := make([]string, len(r.sizes))
	for i, s := range r.sizes {
		var err error
		if tokens[i], err = b.token(s.user); err != nil {
			return err
		}
	}
	viaHandler := func(i int, d time.Duration) (loadResult, error) {
		return handlerMix(ctx, h.addr(), slices.Repeat([]string{tokens[i]}, p.sizeConns), d)
	}
	direct := func(i int, d time.Duration) (loadResult, error) {
		return directMix(ctx, b.direct, r.sizes[i].user, p.sizeConns, d)
	}
	// The warm-up also makes each user's first write, which may build bookkeeping the
	// seeding did not (the users index entry today).
	for i := range r.sizes {
		if _, err := viaHandler(i, p.roundTime/4); err != nil {
			return fmt.Errorf("writes at %d tasks (warm-up): %w", r.sizes[i].tasks, err)
		}
		if _, err := direct(i, p.roundTime/4); err != nil {
			return fmt.Errorf("direct writes at %d tasks (warm-up): %w", r.sizes[i].tasks, err)
		}
	}
	for round := range p.rounds {
		log.Printf("per-user scale, round %d of %d: writes at %v tasks, %v each", round+1, p.rounds, p.sizes, p.roundTime)
		for i := range r.sizes {
			s := &r.sizes[i]
			res, err := measuredRound(h, func(d time.Duration) (loadResult, error) { return viaHandler(i, d) }, p.roundTime)
			if err != nil {
				return fmt.Errorf("writes at %d tasks: %w", s.tasks, err)
			}
			s.handler.merge(res)
			if res, err = direct(i, p.roundTime); err != nil {
				return fmt.Errorf("direct writes at %d tasks: %w", s.tasks, err)
			}
			s.direct.merge(res)
		}
	}
	return nil
}

// countCalls counts the storage calls of each operation at this size: reps times a task's
// life (create, patch, delete; the partition is back to s.tasks after each), one list page,
// then the erase, which empties the partition and so comes last.
func (s *sizeResult) countCalls(ctx context.Context, b *bed, addr, adminToken string, counter *storecalls.Counter, reps int) error {
	token, err := b.token(s.user)
	if err != nil {
		return err
	}
	c := newRawClient(addr, token)
	defer c.close()
	count := func(op string, do func() error) error {
		counter.Reset()
		if err := do(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		s.calls[op] = append(s.calls[op], counter.Tally())
		return nil
	}
	// One uncounted life first: a steady write is measured, not this process's first.
	if err := taskLife(c, func(_ string, do func() error) error { return do() }); err != nil {
		return err
	}
	for range reps {
		if err := taskLife(c, count); err != nil {
			return err
		}
	}
	if err := count(opList, func() error {
		st, body, err := c.do("GET", "/api/tasks", nil)
		return expect(st, body, err, 200)
	}); err != nil {
		return err
	}
	admin := newRawClient(addr, adminToken)
	defer admin.close()
	counter.Reset()
	start := time.Now()
	if s.eraseRequests, err = eraseAll(ctx, admin, s.user); err != nil {
		return err
	}
	s.eraseTime = time.Since(start)
	s.calls[opErase] = append(s.calls[opErase], counter.Tally())
	return checkEmpty(ctx, b.direct, s.user)
}

// taskLife creates a task, completes it and deletes it, each step wrapped by around (which
// counts it, or not).
func taskLife(c *rawClient, around func(op string, do func() error) error) error {
	var id string
	if err := around(opCreate, func() (err error) { id, err = createTask(c); return err }); err != nil {
		return err
	}
	if err := around(opPatch, func() error { return completeTask(c, id) }); err != nil {
		return err
	}
	return around(opDelete, func() error { return deleteTask(c, id) })
}

// eraseAll calls the admin erase until it succeeds (2xx). A 503 is what the API answers when
// the request's time-out ends an erase half way; the API documents that a retry deletes what
// is left, so the bench retries as a client would. It returns the requests made.
func eraseAll(ctx context.Context, c *rawClient, owner string) (int, error) {
	const attempts = 20
	for n := 1; n <= attempts; n++ {
		st, body, err := c.do("DELETE", erasePath(owner), nil)
		if err != nil {
			return n, err
		}
		switch {
		case st >= 200 && st < 300:
			return n, nil
		case st == http.StatusServiceUnavailable:
			log.Printf("erase of %s: 503 after %d request(s), retrying", owner, n)
			select {
			case <-ctx.Done():
				return n, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		default:
			return n, expect(st, body, nil, http.StatusOK)
		}
	}
	return attempts, fmt.Errorf("erase of %s did not finish in %d requests", owner, attempts)
}

// checkEmpty proves the erase erased: owner's partition holds no task. Other entities may
// stay (a store may keep per-user bookkeeping in the user's own partition).
func checkEmpty(ctx context.Context, client *aztables.Client, owner string) error {
	filter, sel := "PartitionKey eq '"+owner+"'", "RowKey"
	pager := client.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("after the erase: %w", err)
		}
		for _, raw := range page.Entities {
			var e struct{ RowKey string }
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("after the erase: %w", err)
			}
			if tasks.IsID(e.RowKey) {
				return fmt.Errorf("after the erase, %s still has task %s", owner, e.RowKey)
			}
		}
	}
	return nil
}

// seedTasks writes n tasks into owner's partition in entity group transactions of 100, in
// the shape the store writes (entityJSON). Seeding through the API would cost what is being
// measured, n times over.
func seedTasks(ctx context.Context, client *aztables.Client, owner string, n int) error {
	ids := tasks.NewIDGenerator(nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for done := 0; done < n; {
		batch := make([]aztables.TransactionAction, min(maxBatch, n-done))
		for i := range batch {
			batch[i] = aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: entityJSON(owner, ids.New(), false, now, now)}
		}
		if _, err := client.SubmitTransaction(ctx, batch, nil); err != nil {
			return fmt.Errorf("seed %d tasks of %s, after %d: %w", n, owner, done, err)
		}
		done += len(batch)
	}
	return nil
}

// countingProxy serves a storecalls proxy to Azurite's table service on a loopback port: the
// handler that is pointed at it has every storage call counted on the wire.
type countingProxy struct {
	srv  *http.Server
	port int
}

func startCountingProxy(c *storecalls.Counter, tablePort int) (*countingProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("counting proxy: %w", err)
	}
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(tablePort))}
	p := &countingProxy{srv: &http.Server{Handler: c.Proxy(target)}, port: ln.Addr().(*net.TCPAddr).Port}
	go p.srv.Serve(ln)
	return p, nil
}

func (p *countingProxy) Close() error { return p.srv.Close() }

// waitQuiet waits until c has recorded nothing new for quiet (or until limit), so that what a
// process does on its own at start-up is over before an operation is counted.
func waitQuiet(c *storecalls.Counter, quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	seen, since := -1, time.Now()
	for time.Now().Before(deadline) {
		if n := len(c.Calls()); n != seen {
			seen, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roleToken is a user's token holding app roles.
func (b *bed) roleToken(oid string, roles ...string) (string, error) {
	claims := entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now())
	claims["roles"] = roles
	return b.key.Sign(claims, nil)
}
