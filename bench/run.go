package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/handler/tasks"
)

// Users of the run: one per scenario, so that each partition holds exactly what it measures.
const (
	meUser    = "00000000-0000-4000-8000-00000000e001"
	listUser  = "00000000-0000-4000-8000-00000000e002"
	mixUser   = "00000000-0000-4000-8000-00000000e003" // one user writing on every connection at once
	scaleUser = "00000000-0000-4000-8000-00000000e004"
	table     = "tasks"
)

// report is everything one run measured.
type report struct {
	wall                  time.Duration
	tokenBench, apiBench  map[string][]benchLine
	meCached, meUncached  loadResult
	floor                 loadResult // the bare net/http server, same /api/me body
	meDevNull             loadResult // as meCached, with no process reading the access log
	listHandler           loadResult
	listDirect            loadResult
	mixHandler, mixDirect loadResult // one user per connection: the handler, and the store's calls in process
	mixOneUser            loadResult // every connection writing as the same user
	coldStarts            []time.Duration
	floorStarts           []time.Duration // the floor's process start, timed the same way
	scaleSeed             time.Duration   // seeding the scale user directly
	firstPages, lastPages []time.Duration
	walkTimes             []time.Duration
	pagesPerWalk          int
	served                int // requests the soaked handler answered
	rssKiB, peakKiB       int
	goroutinesBaseline    goroutineCount
	goroutinesAfter       goroutineCount
	sizes                 []sizeResult  // per-user scale: one per task count of the plan
	sizeSeedTime          time.Duration // seeding their partitions directly
}

// bed is the test bed: Azurite, the key set, the handler binary and the settings it runs with.
type bed struct {
	azurite *devstack.Azurite
	bin     string
	floor   string // the floor's binary (bench/floor)
	key     *entra.Key
	env     []string
	direct  *aztables.Client
}

func (b *bed) token(oid string) (string, error) {
	return b.key.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now()), nil)
}

// start launches a handler with the bed's settings plus extra and waits until it answers.
func (b *bed) start(ctx context.Context, extra ...string) (*handlerProc, error) {
	h, err := launchHandler(b.bin, append(append([]string{}, b.env...), extra...))
	if err != nil {
		return nil, err
	}
	return ready(ctx, h)
}

// ready waits until a launched process answers the host's readiness probe.
func ready(ctx context.Context, h *handlerProc) (*handlerProc, error) {
	readyCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := waitReady(readyCtx, h.addr()); err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

func run(ctx context.Context, root string, p plan) (*report, error) {
	r := &report{}
	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	log.Print("building the handler and starting Azurite")
	b := &bed{}
	// Built as make build builds the handler (static, stripped), the floor too, so that the two
	// process starts differ only by what the programs do.
	builder := &devstack.Builder{Dir: tmp}
	if b.bin, err = builder.Handler(ctx); err != nil {
		return nil, err
	}
	if b.floor, err = builder.Build(ctx, "./bench/floor"); err != nil {
		return nil, err
	}
	if b.azurite, err = startAzurite(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if b.azurite != nil {
			b.azurite.Stop()
		}
	}()
	if b.key, err = entra.NewKey("bench-key-1"); err != nil {
		return nil, err
	}
	keySrv, err := devstack.ServeKeys(entra.NewKeyServer(b.key))
	if err != nil {
		return nil, err
	}
	defer keySrv.Close()
	b.env = []string{
		"AZURE_TENANT_ID=" + entra.TestTenant,
		"AZURE_API_CLIENT_ID=" + entra.TestClient,
		"ENTRA_JWKS_URL=" + keySrv.URL,
		"TABLES_CONNECTION_STRING=" + b.azurite.ConnectionString(),
		"TASKS_TABLE=" + table,
		// The per-user scale measures writes of a user who already has 10,000 tasks, the default
		// limit: the limit is raised so that those writes are measured, not refused.
		"TASKS_PER_USER_LIMIT=100000",
	}
	svc, err := aztables.NewServiceClientFromConnectionString(b.azurite.ConnectionString(), tablestore.ClientOptions())
	if err != nil {
		return nil, err
	}
	b.direct = svc.NewClient(table)

	if err := r.httpScenarios(ctx, b, p); err != nil {
		return nil, err
	}
	if err := r.perUserScale(ctx, b, p); err != nil {
		return nil, fmt.Errorf("per-user scale: %w", err)
	}
	log.Print("cold start")
	if err := r.coldStart(ctx, b, p); err != nil {
		return nil, fmt.Errorf("cold start: %w", err)
	}
	b.azurite.Stop()
	b.azurite = nil

	log.Print("Go benchmarks: token validation")
	if r.tokenBench, err = goBench(ctx, root, tmp, "./handler/auth", "^Benchmark(Verify|VerifyCached|RSAVerify)$", p.benchRounds, p.benchTime); err != nil {
		return nil, err
	}
	log.Print("Go benchmarks: handler path in process (allocations per request)")
	if r.apiBench, err = goBench(ctx, root, tmp, "./handler/api", "^Benchmark", 1, p.apiBenchTime); err != nil {
		return nil, err
	}
	return r, nil
}

// httpScenarios runs the load scenarios against two handlers (verified-token cache on, as
// shipped, and off) and the same storage calls made directly, interleaved round by round so
// that a noisy neighbour hurts each side alike; then the scale walk and the soak.
func (r *report) httpScenarios(ctx context.Context, b *bed, p plan) error {
	main, err := b.start(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if main != nil {
			main.stop()
		}
	}()
	uncached, err := b.start(ctx, "AUTH_TOKEN_CACHE_SIZE=0")
	if err != nil {
		return err
	}
	defer uncached.stop()

	tokens := map[string]string{}
	for _, oid := range append([]string{meUser, listUser, mixUser, scaleUser}, mixUsers(p.conns)...) {
		if tokens[oid], err = b.token(oid); err != nil {
			return err
		}
	}
	writers := make([]string, p.conns)
	for i, oid := range mixUsers(p.conns) {
		writers[i] = tokens[oid]
	}
	// The store the handler uses, in this process: the same storage calls a write makes, without
	// HTTP, the token check or JSON, so that handler / direct is what the handler adds.
	store, err := tablestore.NewFromConnectionString(b.azurite.ConnectionString(), table)
	if err != nil {
		return err
	}
	devNull, err := launchLogToDevNull(b.bin, b.env)
	if err == nil {
		devNull, err = ready(ctx, devNull)
	}
	if err != nil {
		return err
	}
	defer devNull.stop()
	floor, err := b.startFloor(ctx, main.addr(), tokens[meUser])
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	defer floor.stop()
	log.Printf("seeding %d tasks for the list scenario", p.listPageTasks)
	seed, err := create(ctx, main.addr(), tokens[listUser], p.conns, p.listPageTasks)
	if err != nil {
		return fmt.Errorf("seed list user: %w", err)
	}
	r.served += seed.count()

	scenarios := []struct {
		name   string
		result *loadResult
		run    func(d time.Duration) (loadResult, error)
		server *handlerProc // whose CPU time the round is charged; nil: not measured
	}{
		// The floor and the handler's commonest request run one after the other in every round.
		{"floor: bare net/http, same /api/me body", &r.floor, func(d time.Duration) (loadResult, error) {
			return getLoop(ctx, floor.addr(), tokens[meUser], "/api/me", p.conns, d)
		}, floor},
		{"GET /api/me (cache on)", &r.meCached, func(d time.Duration) (loadResult, error) {
			return getLoop(ctx, main.addr(), tokens[meUser], "/api/me", p.conns, d)
		}, main},
		{"GET /api/me (cache on, access log to /dev/null)", &r.meDevNull, func(d time.Duration) (loadResult, error) {
			return getLoop(ctx, devNull.addr(), tokens[meUser], "/api/me", p.conns, d)
		}, devNull},
		{"GET /api/me (cache off)", &r.meUncached, func(d time.Duration) (loadResult, error) {
			return getLoop(ctx, uncached.addr(), tokens[meUser], "/api/me", p.conns, d)
		}, uncached},
		{"GET /api/tasks", &r.listHandler, func(d time.Duration) (loadResult, error) {
			return getLoop(ctx, main.addr(), tokens[listUser], "/api/tasks", p.conns, d)
		}, main},
		{"list, aztables direct", &r.listDirect, func(d time.Duration) (loadResult, error) {
			return directList(ctx, b.direct, listUser, p.listPageTasks, p.conns, d)
		}, nil},
		{"create/patch/delete", &r.mixHandler, func(d time.Duration) (loadResult, error) {
			return handlerMix(ctx, main.addr(), writers, d)
		}, main},
		{"create/patch/delete, the store in process", &r.mixDirect, func(d time.Duration) (loadResult, error) {
			return storeMix(ctx, store, mixUsers(p.conns), d)
		}, nil},
		{"create/patch/delete, one user on every connection", &r.mixOneUser, func(d time.Duration) (loadResult, error) {
			return handlerMix(ctx, main.addr(), slices.Repeat([]string{tokens[mixUser]}, p.conns), d)
		}, main},
	}
	log.Print("warming up")
	for _, s := range scenarios {
		if _, err := s.run(p.roundTime / 4); err != nil {
			return fmt.Errorf("%s (warm-up): %w", s.name, err)
		}
	}
	for round := range p.rounds {
		log.Printf("round %d of %d: %d connections, %v per scenario", round+1, p.rounds, p.conns, p.roundTime)
		for _, s := range scenarios {
			res, err := measuredRound(s.server, s.run, p.roundTime)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			s.result.merge(res)
		}
	}
	r.served += r.meCached.count() + r.listHandler.count() + r.mixHandler.count() + r.mixOneUser.count()
	// The warm-up requests were served too, but are not counted: the figure is a lower bound.

	// Seeded directly: through the API, each create would cost what the per-user scale rows
	// measure, 10,000 times over (today a recount of the partition per write).
	log.Printf("scale: seeding %d tasks for one user", p.scaleTasks)
	seedStart := time.Now()
	if err := seedTasks(ctx, b.direct, scaleUser, p.scaleTasks); err != nil {
		return fmt.Errorf("seed scale user: %w", err)
	}
	r.scaleSeed = time.Since(seedStart)
	if err := r.walk(main.addr(), tokens[scaleUser], p); err != nil {
		return fmt.Errorf("scale walk: %w", err)
	}

	if rest := p.soakRequests - r.served; rest > 0 {
		log.Printf("soak: %d more requests to reach %d", rest, p.soakRequests)
		res, err := getCount(ctx, main.addr(), tokens[meUser], "/api/me", p.conns, rest)
		if err != nil {
			return fmt.Errorf("soak: %w", err)
		}
		r.served += res.count()
	}
	// Every client connection is closed by now; give the server a moment to see the EOFs.
	time.Sleep(500 * time.Millisecond)
	if r.rssKiB, r.peakKiB, err = main.rssKiB(); err != nil {
		return err
	}
	r.goroutinesAfter, err = main.quitAndCountGoroutines()
	main = nil
	return err
}

// measuredRound runs one round and charges it the CPU time server used meanwhile (what
// one request costs the server, apart from the machine's load).
func measuredRound(server *handlerProc, run func(time.Duration) (loadResult, error), d time.Duration) (loadResult, error) {
	var before time.Duration
	var err error
	if server != nil {
		if before, err = server.cpuTime(); err != nil {
			return loadResult{}, err
		}
	}
	res, err := run(d)
	if err != nil || server == nil {
		return res, err
	}
	after, err := server.cpuTime()
	res.cpu = after - before
	return res, err
}

// getLoop sends GET path back to back from conns connections for d, expecting 200.
func getLoop(ctx context.Context, addr, token, path string, conns int, d time.Duration) (loadResult, error) {
	return getN(ctx, addr, token, path, conns, d, 0)
}

// getCount sends exactly n GET requests (bounded by a generous time limit).
func getCount(ctx context.Context, addr, token, path string, conns, n int) (loadResult, error) {
	return getN(ctx, addr, token, path, conns, 5*time.Minute, n)
}

func getN(ctx context.Context, addr, token, path string, conns int, d time.Duration, n int) (loadResult, error) {
	clients := newClients(addr, token, conns)
	defer closeAll(clients)
	return closedLoop(ctx, conns, d, n, func(w int, rec *recorder) error {
		return rec.time("get", func() error {
			st, body, err := clients[w].do("GET", path, nil)
			return expect(st, body, err, 200)
		})
	})
}

// create makes n tasks through the API from conns connections.
func create(ctx context.Context, addr, token string, conns, n int) (loadResult, error) {
	clients := newClients(addr, token, conns)
	defer closeAll(clients)
	return closedLoop(ctx, conns, 5*time.Minute, n, func(w int, rec *recorder) error {
		return rec.time("create", func() error {
			st, body, err := clients[w].do("POST", "/api/tasks", []byte(`{"title":"benchmark task"}`))
			return expect(st, body, err, 201)
		})
	})
}

// handlerMix is a task's life through the API: create, patch, delete.
// handlerMix is the write mix through the API, one connection per token: each connection
// creates a task, completes it and deletes it, over and over.
func handlerMix(ctx context.Context, addr string, tokens []string, d time.Duration) (loadResult, error) {
	clients := make([]*rawClient, len(tokens))
	for i, tok := range tokens {
		clients[i] = newRawClient(addr, tok)
	}
	defer closeAll(clients)
	return closedLoop(ctx, len(tokens), d, 0, func(w int, rec *recorder) error {
		return taskLife(clients[w], rec.time)
	})
}

// mixUsers are the writers of the write mix, one per connection, as many users writing at once
// (the ordinary case: one person's writes come one after another).
func mixUsers(n int) []string {
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("00000000-0000-4000-8000-0000000f%04d", i)
	}
	return users
}

// createTask makes one task through the API and returns its id.
func createTask(c *rawClient) (string, error) {
	st, body, err := c.do("POST", "/api/tasks", []byte(`{"title":"benchmark task"}`))
	if err := expect(st, body, err, 201); err != nil {
		return "", err
	}
	var t struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &t); err != nil || !tasks.IsID(t.ID) {
		return "", fmt.Errorf("create answered %.200s", body)
	}
	return t.ID, nil
}

// completeTask patches one task through the API.
func completeTask(c *rawClient, id string) error {
	st, body, err := c.do("PATCH", "/api/tasks/"+id, []byte(`{"completed":true}`))
	return expect(st, body, err, 200)
}

// deleteTask deletes one task through the API.
func deleteTask(c *rawClient, id string) error {
	st, body, err := c.do("DELETE", "/api/tasks/"+id, nil)
	return expect(st, body, err, 204)
}

// directList is the aztables call GET /api/tasks makes: one page of the caller's partition.
func directList(ctx context.Context, client *aztables.Client, owner string, want, conns int, d time.Duration) (loadResult, error) {
	// The query the store makes (tablestore/list.go): the partition's task rows (below the
	// bookkeeping rows, which start at '~') and only the properties a task is made of.
	filter := "PartitionKey eq '" + owner + "' and RowKey lt '~'"
	sel := "RowKey,Title,Completed,CreatedAt,UpdatedAt"
	top := int32(tasks.DefaultPageSize)
	return closedLoop(ctx, conns, d, 0, func(_ int, rec *recorder) error {
		return rec.time("get", func() error {
			resp, err := client.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel, Top: &top}).NextPage(ctx)
			if err == nil && len(resp.Entities) != min(want, tasks.DefaultPageSize) {
				err = fmt.Errorf("listed %d entities, want %d", len(resp.Entities), want)
			}
			return err
		})
	})
}

// storeMix is the same write mix made by calling the handler's store in this process: the
// storage calls of a write (its account row read and its entity group transaction, a read of the
// task before an update or a delete) with nothing the handler adds.
func storeMix(ctx context.Context, store *tablestore.Store, owners []string, d time.Duration) (loadResult, error) {
	ids := tasks.NewIDGenerator(nil)
	by := tasks.Profile{Name: "bench"}
	return closedLoop(ctx, len(owners), d, 0, func(w int, rec *recorder) error {
		owner := owners[w]
		now := time.Now().UTC().Truncate(time.Millisecond)
		var id string
		if err := rec.time("create", func() error {
			c, err := store.Create(ctx, owner, tasks.NewTask{Task: tasks.Task{ID: ids.New(), Title: "benchmark task", CreatedAt: now, UpdatedAt: now}, By: by, Limit: tasks.DefaultMaxTasksPerUser})
			id = c.Task.ID
			return err
		}); err != nil {
			return err
		}
		done := true
		write := tasks.Write{At: time.Now().UTC().Truncate(time.Millisecond), By: by}
		if err := rec.time("patch", func() error {
			_, err := store.Update(ctx, owner, id, tasks.Patch{Completed: &done}, nil, write)
			return err
		}); err != nil {
			return err
		}
		return rec.time("delete", func() error { return store.Delete(ctx, owner, id, nil, write) })
	})
}

// directMix is the write mix made with single aztables calls, one entity each (the per-user
// scale's reference: what one storage call of each kind costs at each size).
func directMix(ctx context.Context, client *aztables.Client, owner string, conns int, d time.Duration) (loadResult, error) {
	ids := tasks.NewIDGenerator(nil)
	return closedLoop(ctx, conns, d, 0, func(_ int, rec *recorder) error {
		id := ids.New()
		now := time.Now().UTC().Truncate(time.Millisecond)
		if err := rec.time("create", func() error {
			_, err := client.AddEntity(ctx, entityJSON(owner, id, false, now, now), nil)
			return err
		}); err != nil {
			return err
		}
		if err := rec.time("patch", func() error {
			got, err := client.GetEntity(ctx, owner, id, nil)
			if err != nil {
				return err
			}
			etag := got.ETag
			_, err = client.UpdateEntity(ctx, entityJSON(owner, id, true, now, time.Now().UTC()), &aztables.UpdateEntityOptions{
				IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace,
			})
			return err
		}); err != nil {
			return err
		}
		return rec.time("delete", func() error {
			any := azcore.ETagAny
			_, err := client.DeleteEntity(ctx, owner, id, &aztables.DeleteEntityOptions{IfMatch: &any})
			return err
		})
	})
}

// entityJSON is a task entity in the shape the store writes.
func entityJSON(owner, id string, completed bool, created, updated time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"PartitionKey": owner, "RowKey": id, "Title": "benchmark task", "Completed": completed,
		"CreatedAt": created.Format(time.RFC3339Nano), "CreatedAt@odata.type": "Edm.DateTime",
		"UpdatedAt": updated.Format(time.RFC3339Nano), "UpdatedAt@odata.type": "Edm.DateTime",
	})
	return b
}

// walk lists every task of the scale user through paging, several times, timing each page,
// and checks that every task comes back exactly once.
func (r *report) walk(addr, token string, p plan) error {
	c := newRawClient(addr, token)
	defer c.close()
	for range p.walks {
		seen := make(map[string]bool, p.scaleTasks)
		var pages []time.Duration
		next, start := "", time.Now()
		for {
			path := "/api/tasks?limit=" + strconv.Itoa(tasks.MaxPageSize)
			if next != "" {
				path += "&next=" + url.QueryEscape(next)
			}
			t0 := time.Now()
			st, body, err := c.do("GET", path, nil)
			if err := expect(st, body, err, 200); err != nil {
				return err
			}
			pages = append(pages, time.Since(t0))
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				Next string `json:"next"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return err
			}
			for _, it := range page.Items {
				if seen[it.ID] {
					return fmt.Errorf("task %s listed twice", it.ID)
				}
				seen[it.ID] = true
			}
			if next = page.Next; next == "" {
				break
			}
		}
		r.walkTimes = append(r.walkTimes, time.Since(start))
		if len(seen) != p.scaleTasks {
			return fmt.Errorf("listed %d tasks, want %d", len(seen), p.scaleTasks)
		}
		r.pagesPerWalk = len(pages)
		r.firstPages = append(r.firstPages, pages[0])
		r.lastPages = append(r.lastPages, pages[len(pages)-1])
		r.served += len(pages)
	}
	return nil
}

// startFloor starts the floor serving the exact body the handler answers GET /api/me with
// for token, and checks that it does.
func (b *bed) startFloor(ctx context.Context, handlerAddr, token string) (*handlerProc, error) {
	body, err := meBody(handlerAddr, token)
	if err != nil {
		return nil, err
	}
	f, err := launchHandler(b.floor, []string{"FLOOR_BODY=" + string(body)})
	if err == nil {
		f, err = ready(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	got, err := meBody(f.addr(), token)
	if err == nil && !bytes.Equal(got, body) {
		err = fmt.Errorf("the floor answers %q, the handler %q", got, body)
	}
	if err != nil {
		f.stop()
		return nil, err
	}
	return f, nil
}

// meBody is the body of one GET /api/me, which must answer 200.
func meBody(addr, token string) ([]byte, error) {
	c := newRawClient(addr, token)
	defer c.close()
	st, body, err := c.do("GET", "/api/me", nil)
	if err := expect(st, body, err, 200); err != nil {
		return nil, err
	}
	return bytes.Clone(body), nil
}

// coldStart times process start to the first authenticated 200 on /api/me, p.coldStarts
// times, alternating with the floor's process start to its first 200 on the same request,
// timed the same way. The last handler, idle after that one request, gives the goroutine
// baseline.
func (r *report) coldStart(ctx context.Context, b *bed, p plan) error {
	token, err := b.token(meUser)
	if err != nil {
		return err
	}
	body, err := b.meBodyOfFreshHandler(ctx, token)
	if err != nil {
		return err
	}
	floorEnv := []string{"FLOOR_BODY=" + string(body)}
	for i := range p.coldStarts {
		f, d, err := firstAnswer(ctx, b.floor, floorEnv, token)
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		f.stop()
		r.floorStarts = append(r.floorStarts, d)

		h, d, err := firstAnswer(ctx, b.bin, b.env, token)
		if err != nil {
			return err
		}
		r.coldStarts = append(r.coldStarts, d)
		if i < p.coldStarts-1 {
			h.stop()
			continue
		}
		time.Sleep(500 * time.Millisecond) // let the closed connection's goroutine end
		if r.goroutinesBaseline, err = h.quitAndCountGoroutines(); err != nil {
			return err
		}
	}
	return nil
}

// meBodyOfFreshHandler is what a handler answers GET /api/me with, for the floor to answer.
func (b *bed) meBodyOfFreshHandler(ctx context.Context, token string) ([]byte, error) {
	h, err := b.start(ctx)
	if err != nil {
		return nil, err
	}
	defer h.stop()
	return meBody(h.addr(), token)
}

// firstAnswer starts bin and times exec to the first 200 on GET /api/me, asking every 0.1 ms
// until the port accepts. The process is left running.
func firstAnswer(ctx context.Context, bin string, env []string, token string) (*handlerProc, time.Duration, error) {
	h, err := launchHandler(bin, env)
	if err != nil {
		return nil, 0, err
	}
	c := newRawClient(h.addr(), token)
	defer c.close()
	deadline := h.started.Add(15 * time.Second)
	for {
		st, body, err := c.do("GET", "/api/me", nil)
		if err == nil {
			if err := expect(st, body, nil, 200); err != nil {
				h.stop()
				return nil, 0, err
			}
			return h, time.Since(h.started), nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			h.stop()
			return nil, 0, fmt.Errorf("no answer within 15 s: %w", err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func newClients(addr, token string, n int) []*rawClient {
	cs := make([]*rawClient, n)
	for i := range cs {
		cs[i] = newRawClient(addr, token)
	}
	return cs
}

func closeAll(cs []*rawClient) {
	for _, c := range cs {
		c.close()
	}
}
