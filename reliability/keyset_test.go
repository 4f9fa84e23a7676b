package reliability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tablestore"
	"github.com/example/entra-tasks/testkit/apitest"
	"github.com/example/entra-tasks/testkit/testenv"
)

// faultyKeys serves a key set that a test can make slow (beyond the fetch timeout), fail
// with 500, or answer with garbage, and whose keys it can rotate.
type faultyKeys struct {
	keys     *entra.KeyServer
	delay    atomic.Int64 // nanoseconds
	attempts atomic.Int64 // fetches begun, including those the client gave up on
}

func (f *faultyKeys) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.attempts.Add(1)
	select {
	case <-time.After(time.Duration(f.delay.Load())):
	case <-r.Context().Done():
		return
	}
	f.keys.ServeHTTP(w, r)
}

// TestKeySetFaultsUnderLoad drives the API (production verifier and store, in process so
// that the key set timeouts can be short) while the key set endpoint goes slow, fails,
// serves garbage and rotates keys. Keys already held must keep working throughout; a token
// signed with a key not yet fetched gets a 401, never a 5xx or a hang; the new key is
// picked up once the endpoint heals; and the flood of unknown kids must not become a
// flood of fetches.
func TestKeySetFaultsUnderLoad(t *testing.T) {
	const (
		fetchTimeout = 300 * time.Millisecond
		unknownEvery = 500 * time.Millisecond
	)
	oldKey, newKey := testenv.MustKey(t, "k-old"), testenv.MustKey(t, "k-new")
	ks := &faultyKeys{keys: entra.NewKeyServer(oldKey)}
	keySrv := httptest.NewServer(ks)
	t.Cleanup(keySrv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	keys, err := auth.NewRemoteKeys(ctx, keySrv.URL+"/keys", auth.KeySetOptions{
		FetchTimeout: fetchTimeout, UnknownKIDEvery: unknownEvery, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	<-keys.Ready()
	verifier, err := auth.NewVerifier(auth.Config{TenantID: entra.TestTenant, ClientID: entra.TestClient, RequiredScope: "access_as_user"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	az := testenv.StartAzurite(t)
	store, err := tablestore.NewFromConnectionString(az.ConnectionString(), "keyfaults")
	if err != nil {
		t.Fatal(err)
	}
	apiSrv := httptest.NewServer(api.New(api.Config{Verifier: verifier, Store: store, Logger: quiet}))
	t.Cleanup(apiSrv.Close)

	tokens := map[string]string{}
	for _, k := range []*entra.Key{oldKey, newKey} {
		tok, err := k.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, userOID(300), time.Now()), nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens[k.ID] = tok
	}

	tl := newTally()
	var signer atomic.Value // the kid users currently present
	signer.Store(oldKey.ID)
	var phase atomic.Value
	type obs struct {
		phase, kid string
		status     int
		challenge  string
		elapsed    time.Duration
	}
	var mu sync.Mutex
	var seen []obs
	stop := make(chan struct{})
	var wg sync.WaitGroup
	c := newClient()
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				kid := signer.Load().(string)
				if w == 0 {
					kid = oldKey.ID // one user keeps an old-key token the whole time
				}
				path := "/api/me"
				if i%4 == 0 {
					path = "/api/tasks?limit=5"
				}
				a := call(c, apiSrv.URL, apitest.Request{Method: "GET", Path: path, Token: tokens[kid]})
				tl.op(a)
				mu.Lock()
				seen = append(seen, obs{phase.Load().(string), kid, a.Status, a.Header.Get("WWW-Authenticate"), a.elapsed})
				mu.Unlock()
				if a.err != nil {
					tl.fail("transport error: %v", a.err)
				}
			}
		})
	}
	run := func(name string, d time.Duration, setup func()) {
		setup()
		phase.Store(name)
		time.Sleep(d)
	}
	phase.Store("healthy")
	time.Sleep(500 * time.Millisecond)
	run("500", 700*time.Millisecond, func() { ks.keys.Fail(500); tl.fault() })
	run("garbage", 700*time.Millisecond, func() { ks.keys.Fail(0); ks.keys.SetBody([]byte("<html>not a key set")); tl.fault() })
	run("slow", 700*time.Millisecond, func() { ks.keys.SetKeys(oldKey); ks.delay.Store(int64(2 * time.Second)); tl.fault() })
	// Entra publishes a new key before signing with it; here clients switch while the
	// endpoint is still too slow to fetch it.
	run("rotated-while-slow", time.Second, func() { ks.keys.SetKeys(oldKey, newKey); signer.Store(newKey.ID); tl.fault() })
	run("healed", 1500*time.Millisecond, func() { ks.delay.Store(0) })
	close(stop)
	wg.Wait()

	fetches := ks.attempts.Load()
	total := 500*time.Millisecond + 700*time.Millisecond*3 + time.Second + 1500*time.Millisecond
	maxFetches := int64(total/unknownEvery) + 2 // the first download, and one per rate-limit window at most
	if fetches > maxFetches {
		tl.fail("%d key set fetches in %v: unknown kids are hammering the endpoint (at most %d)", fetches, total, maxFetches)
	}
	var newAccepted bool
	var slowest time.Duration
	for _, o := range seen {
		slowest = max(slowest, o.elapsed)
		switch {
		case o.status >= 500:
			tl.fail("phase %s: %d", o.phase, o.status)
		case o.kid == oldKey.ID && o.status != 200:
			tl.fail("phase %s: a held key's token answered %d", o.phase, o.status)
		case o.kid == newKey.ID && o.status == 401 && !strings.Contains(o.challenge, `error="invalid_token"`):
			tl.fail("phase %s: 401 with challenge %q", o.phase, o.challenge)
		case o.kid == newKey.ID && o.status != 200 && o.status != 401:
			tl.fail("phase %s: new key's token answered %d", o.phase, o.status)
		case o.kid == newKey.ID && o.status == 200:
			newAccepted = true
		}
		if o.elapsed > 2*time.Second {
			tl.fail("phase %s: a request took %v (the fetch timeout is %v)", o.phase, o.elapsed, fetchTimeout)
		}
	}
	if !newAccepted {
		tl.fail("the rotated key was never accepted after the endpoint healed")
	}
	// After healing plus one rate-limit window, every new-key request must pass.
	for _, o := range seen[len(seen)*9/10:] {
		if o.phase == "healed" && o.kid == newKey.ID && o.status != 200 {
			tl.fail("new key still rejected at the end of the healed phase: %d", o.status)
			break
		}
	}
	tl.report(t, "key-set-faults", fmt.Sprintf("fetches=%d slowest=%v", fetches, slowest.Round(time.Millisecond)))
}
