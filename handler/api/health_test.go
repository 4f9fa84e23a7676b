package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/testkit/inprocess"
)

// GET /api/health answers without a token: 200 {"status":"ok"} with keys and storage, else 503
// naming which is missing, and nothing more. Storage is probed at most every 30 s.
func TestHealth(t *testing.T) {
	var keys atomic.Bool
	var storageErr atomic.Value // errOrNil
	var probes atomic.Int32
	now := time.Unix(1_800_000_000, 0)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	health := api.NewHealth(keys.Load, func(context.Context) error {
		probes.Add(1)
		v, _ := storageErr.Load().(errOrNil)
		return v.err
	}, func() time.Time { return time.Unix(0, clock.Load()) })
	app := inprocess.New(t, "tasks", func(c *api.Config) { c.Health = health })
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/health", nil))
		body, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, strings.TrimSpace(string(body))
	}
	later := func(d time.Duration) { clock.Add(int64(d)) }
	unavailable := errors.New("storage did not answer")

	for _, tc := range []struct {
		name       string
		keys       bool
		storageErr error
		status     int
		body       string
	}{
		{"keys and storage", true, nil, http.StatusOK, `{"status":"ok"}`},
		{"no keys", false, nil, http.StatusServiceUnavailable, `{"status":"unavailable","keys":false,"storage":true}`},
		{"no storage", true, unavailable, http.StatusServiceUnavailable, `{"status":"unavailable","keys":true,"storage":false}`},
		{"neither", false, unavailable, http.StatusServiceUnavailable, `{"status":"unavailable","keys":false,"storage":false}`},
	} {
		keys.Store(tc.keys)
		storageErr.Store(errOrNil{tc.storageErr})
		later(api.HealthStorageEvery) // the cached probe is stale: probe again
		if status, body := get(); status != tc.status || body != tc.body {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, body, tc.status, tc.body)
		}
	}

	// Within 30 s of a probe, no other: a probe a minute (or a flood) costs storage one read.
	keys.Store(true)
	storageErr.Store(errOrNil{nil})
	later(api.HealthStorageEvery)
	get()
	before := probes.Load()
	storageErr.Store(errOrNil{unavailable})
	for range 20 {
		later(time.Second)
		if status, _ := get(); status != http.StatusOK {
			t.Fatalf("a cached probe's result changed before %v", api.HealthStorageEvery)
		}
	}
	if probes.Load() != before {
		t.Errorf("%d probes within %v of the last one, want none", probes.Load()-before, api.HealthStorageEvery)
	}
	later(api.HealthStorageEvery)
	if status, _ := get(); status != http.StatusServiceUnavailable || probes.Load() != before+1 {
		t.Errorf("after %v: %d with %d new probes, want 503 after one", api.HealthStorageEvery, status, probes.Load()-before)
	}
}

// errOrNil lets an atomic.Value hold a nil error (it cannot store nil itself).
type errOrNil struct{ err error }
