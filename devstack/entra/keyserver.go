package entra

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// KeyServer serves a JWKS document whose keys and health a test can change while it runs,
// and counts the fetches, so tests can prove rotation, rate limits and outages.
type KeyServer struct {
	mu      sync.Mutex
	body    []byte
	status  int // 0 means serve the key set
	fetches atomic.Int64
}

// NewKeyServer serves the public halves of keys.
func NewKeyServer(keys ...*Key) *KeyServer {
	return &KeyServer{body: JWKS(keys...)}
}

// SetKeys replaces the served key set.
func (s *KeyServer) SetKeys(keys ...*Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = JWKS(keys...)
}

// SetBody serves raw bytes instead of a key set, e.g. garbage.
func (s *KeyServer) SetBody(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

// Fail makes every fetch answer status (e.g. 500); Fail(0) heals it.
func (s *KeyServer) Fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// Fetches is how many times the key set was requested.
func (s *KeyServer) Fetches() int64 { return s.fetches.Load() }

func (s *KeyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	body, status := s.body, s.status
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
