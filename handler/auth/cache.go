package auth

import (
	"crypto"
	"sync"
	"time"
)

// MaxCacheAge bounds how long a verified token is answered from the cache, even when its exp
// is further away (Entra's CAE tokens live up to 28 h). A cached token also stops counting as
// soon as the key that verified it leaves the key set (at the next refresh).
const MaxCacheAge = 10 * time.Minute

// tokenCache remembers tokens that passed every check, so that a client reusing one token
// (the SPA does, for up to an hour) pays for parsing and the RSA signature once.
//
// It is keyed by the whole token string, signature included: a token that differs in any
// byte is a different key and is verified in full. Only successes are stored, so a forged or
// expired token can never be answered from here, and an attacker without valid tokens cannot
// fill it. It holds at most max entries; each expires at the token's exp (capped by
// MaxCacheAge). When full, expired entries are swept and, if that frees nothing, an arbitrary
// entry (Go's map order is random) makes room: with a bounded set of valid tokens in use,
// exact LRU would buy little over that.
type tokenCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	principal Principal
	signedBy  signingKey
	until     time.Time
}

// signingKey is the key that verified a token, and the kid it was found under.
type signingKey struct {
	kid string
	key crypto.PublicKey
}

// newTokenCache returns a cache of at most size entries, or nil (no caching) for size <= 0.
func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	return &tokenCache{max: size, entries: make(map[string]cachedPrincipal, size)}
}

// get returns a deep copy of the principal verified for raw, if it is cached, not expired at now,
// and its signing key is still held (by holds, the key set's current content).
func (c *tokenCache) get(raw string, now time.Time, holds func(kid string, key crypto.PublicKey) bool) (*Principal, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[raw]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	// The key set has its own lock: asking it outside ours keeps cache hits from queueing.
	if !now.Before(e.until) || !holds(e.signedBy.kid, e.signedBy.key) {
		c.mu.Lock()
		delete(c.entries, raw)
		c.mu.Unlock()
		return nil, false
	}
	return e.principal.cloneShared(), true // callers may not change what the next request sees
}

// put remembers a deep copy of p as the verified caller of raw until exp (at most MaxCacheAge from now).
func (c *tokenCache) put(raw string, p *Principal, signedBy signingKey, exp, now time.Time) {
	if c == nil {
		return
	}
	until := now.Add(MaxCacheAge)
	if exp.Before(until) {
		until = exp
	}
	if !now.Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[raw]; !ok && len(c.entries) >= c.max {
		c.makeRoom(now)
	}
	// A copy: the caller goes on to hand p to its request, which may change it.
	c.entries[raw] = cachedPrincipal{principal: p.clone(), signedBy: signedBy, until: until}
}

// makeRoom removes every expired entry, or one arbitrary entry if none has expired.
func (c *tokenCache) makeRoom(now time.Time) {
	for raw, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, raw)
		}
	}
	if len(c.entries) < c.max {
		return
	}
	for raw := range c.entries {
		delete(c.entries, raw)
		return
	}
}

// len is the number of entries held, expired or not.
func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
