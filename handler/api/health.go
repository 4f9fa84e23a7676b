package api

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Health is what GET /api/health reports: whether the handler holds signing keys and whether
// storage answered recently. It is anonymous (functions/health/function.json) and says nothing
// else (no versions, no names, no errors), so that an availability test can call it every
// minute without learning anything an attacker could use.
//
// The storage check is cached: at most one probe per HealthStorageEvery, whatever the rate of
// calls, so a probe every minute (or a flood of anonymous calls) costs storage one small read
// per half minute per instance.
type Health struct {
	keysHeld func() bool
	ping     func(context.Context) error
	now      func() time.Time

	mu       sync.Mutex
	checked  time.Time // when the last probe ended; zero before the first
	storage  bool      // the last probe's result
	checking bool      // a probe is running: others answer with the last result
}

// HealthStorageEvery is the most often storage is probed; HealthStorageTimeout bounds a probe.
const (
	HealthStorageEvery   = 30 * time.Second
	HealthStorageTimeout = 3 * time.Second
)

// NewHealth reports keysHeld (auth.RemoteKeys.HoldsKeys) and the result of ping
// (tablestore.Store.Ping); now is nil for time.Now.
func NewHealth(keysHeld func() bool, ping func(context.Context) error, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{keysHeld: keysHeld, ping: ping, now: now}
}

// storageOK is the last probe's result, probing first when the last is older than
// HealthStorageEvery and no other probe is running.
func (h *Health) storageOK(ctx context.Context) bool {
	h.mu.Lock()
	if h.checking || (!h.checked.IsZero() && h.now().Sub(h.checked) < HealthStorageEvery) {
		ok := h.storage
		h.mu.Unlock()
		return ok
	}
	h.checking = true
	h.mu.Unlock()

	probeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), HealthStorageTimeout)
	ok := h.ping(probeCtx) == nil
	cancel()

	h.mu.Lock()
	h.storage, h.checked, h.checking = ok, h.now(), false
	h.mu.Unlock()
	return ok
}

type healthJSON struct {
	Status  string `json:"status"`
	Keys    *bool  `json:"keys,omitempty"`
	Storage *bool  `json:"storage,omitempty"`
}

// serveHealth answers 200 {"status":"ok"}, or 503 {"status":"unavailable","keys":..,"storage":..}.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	keys, storage := false, false
	if h := s.health; h != nil {
		keys = h.keysHeld()
		storage = h.storageOK(r.Context())
	}
	if keys && storage {
		writeJSON(w, http.StatusOK, healthJSON{Status: "ok"})
		return
	}
	w.Header().Set("Retry-After", "30")
	writeJSON(w, http.StatusServiceUnavailable, healthJSON{Status: "unavailable", Keys: &keys, Storage: &storage})
}
