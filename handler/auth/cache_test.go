package auth

import (
	"context"
	"crypto"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/entra-tasks/devstack/entra"
)

// countingKeys hands out one real public key, or fails while failing is set, and counts the
// lookups: a lookup is what a full verification does and a cache hit does not.
type countingKeys struct {
	mu        sync.Mutex
	key       *entra.Key
	failing   bool
	withdrawn bool // the key has left the key set
	lookups   int
}

func (k *countingKeys) KeyfuncCtx(context.Context) jwt.Keyfunc {
	return func(*jwt.Token) (any, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.lookups++
		if k.failing {
			return nil, errors.New("key set unavailable")
		}
		return &k.key.Private.PublicKey, nil
	}
}

// Holds reports the one key as held unless the test has withdrawn it.
func (k *countingKeys) Holds(kid string, key crypto.PublicKey) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return !k.withdrawn && kid == k.key.ID && k.key.Private.PublicKey.Equal(key)
}

func (k *countingKeys) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lookups
}

// cacheFixture is a verifier with a cache of size entries, a clock the test moves, and no
// leeway to speak of, so that "expired" means exactly "past exp".
type cacheFixture struct {
	keys     *countingKeys
	verifier *Verifier
	now      time.Time
}

func newCacheFixture(t *testing.T, size int) *cacheFixture {
	t.Helper()
	key, err := entra.NewKey("cache-key-1")
	if err != nil {
		t.Fatal(err)
	}
	f := &cacheFixture{keys: &countingKeys{key: key}, now: time.Now().Truncate(time.Second)}
	f.verifier, err = NewVerifier(Config{
		TenantID: entra.TestTenant, ClientID: entra.TestClient, RequiredScope: "access_as_user",
		Leeway: time.Millisecond, CacheSize: size, Now: func() time.Time { return f.now },
	}, f.keys)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// token signs a valid token for oid that expires after ttl.
func (f *cacheFixture) token(t *testing.T, oid string, ttl time.Duration, edit func(map[string]any)) string {
	t.Helper()
	c := entra.V2Claims(entra.TestTenant, entra.TestClient, oid, f.now)
	c["exp"] = f.now.Add(ttl).Unix()
	if edit != nil {
		edit(c)
	}
	tok, err := f.keys.key.Sign(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *cacheFixture) verify(t *testing.T, raw string) (*Principal, error) {
	t.Helper()
	return f.verifier.Verify(context.Background(), raw)
}

func TestCacheAnswersARepeatedToken(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	first, err := f.verify(t, tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Name = "changed by a caller" // must not leak into the next request's principal
	second, err := f.verify(t, tok)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.keys.count(); got != 1 {
		t.Errorf("key lookups = %d, want 1: the second call should be a cache hit", got)
	}
	if second.ObjectID != entra.UserA || second.Name != "Ada Lovelace" {
		t.Errorf("cached principal = %+v", second)
	}
}

// Neither the principal that filled the cache nor one answered from it shares memory with
// the cached entry: a request that edits its caller's scopes cannot grant or revoke them for
// the next request with the same token.
func TestCachedPrincipalCannotBeChangedThroughAnAnswer(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	want := []string{"access_as_user"}
	verify := func() *Principal {
		t.Helper()
		p, err := f.verify(t, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Scopes, want) {
			t.Errorf("scopes = %q, want %q: an earlier answer changed the cache", p.Scopes, want)
		}
		return p
	}
	filled := verify() // verified in full, then cached
	filled.Scopes[0] = "changed by the request that filled the cache"
	hit := verify()
	hit.Scopes[0] = "changed by a request answered from the cache"
	verify()
	if got := f.keys.count(); got != 1 {
		t.Errorf("key lookups = %d, want 1: the later calls should be cache hits", got)
	}
}

func TestCacheIsKeyedByTheWholeToken(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	if _, err := f.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	// Same header and payload, another signature: a forgery that shares a prefix with a
	// cached token must still be checked, and fail.
	other := f.token(t, entra.UserB, time.Hour, nil)
	forged := tok[:strings.LastIndexByte(tok, '.')] + other[strings.LastIndexByte(other, '.'):]
	_, err := f.verify(t, forged)
	var invalid *InvalidTokenError
	if !errors.As(err, &invalid) || invalid.Description != "the signature is invalid" {
		t.Fatalf("forged signature: err = %v, want the signature is invalid", err)
	}
	// A truncated token is another key too.
	if _, err := f.verify(t, tok[:len(tok)-1]); err == nil {
		t.Fatal("a truncated token was accepted")
	}
}

func TestCacheHonoursExp(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Minute, nil)
	if _, err := f.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute + time.Second) // past exp (and the 1 ms leeway)
	_, err := f.verify(t, tok)
	var invalid *InvalidTokenError
	if !errors.As(err, &invalid) || invalid.Description != "the token is expired" {
		t.Fatalf("after exp: err = %v, want the token is expired", err)
	}
	if n := f.verifier.cache.len(); n != 0 {
		t.Errorf("cache holds %d entries after its only token expired, want 0", n)
	}
}

func TestCacheEntriesLiveAtMostMaxCacheAge(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, 24*time.Hour, nil)
	if _, err := f.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(MaxCacheAge)
	if _, err := f.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	if got := f.keys.count(); got != 2 {
		t.Errorf("key lookups = %d, want 2: an entry older than MaxCacheAge must be verified again", got)
	}
}

func TestCacheNeverStoresFailures(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	f.keys.failing = true
	if _, err := f.verify(t, tok); err == nil {
		t.Fatal("verified without a key")
	}
	f.keys.failing = false
	if _, err := f.verify(t, tok); err != nil {
		t.Fatalf("the failure was remembered: %v", err)
	}

	noScope := f.token(t, entra.UserA, time.Hour, func(c map[string]any) { c["scp"] = "other" })
	for i := range 2 {
		var scope *InsufficientScopeError
		if _, err := f.verify(t, noScope); !errors.As(err, &scope) {
			t.Fatalf("call %d: err = %v, want insufficient scope", i, err)
		}
	}
	if n := f.verifier.cache.len(); n != 1 {
		t.Errorf("cache holds %d entries, want 1 (only the valid token)", n)
	}
	if got := f.keys.count(); got != 4 {
		t.Errorf("key lookups = %d, want 4: every failing call is verified in full", got)
	}
}

func TestCacheIsBounded(t *testing.T) {
	const size = 4
	f := newCacheFixture(t, size)
	var tokens []string
	for i := range 3 * size {
		oid := "00000000-0000-4000-8000-0000000000" + string(rune('a'+i/10)) + string(rune('0'+i%10))
		tok := f.token(t, oid, time.Hour, nil)
		p, err := f.verify(t, tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.ObjectID != oid {
			t.Fatalf("token %d verified as %s, want %s", i, p.ObjectID, oid)
		}
		if n := f.verifier.cache.len(); n > size {
			t.Fatalf("after %d tokens the cache holds %d entries, more than its size %d", i+1, n, size)
		}
		tokens = append(tokens, tok)
	}
	// Every token still verifies, cached or not, and each as its own user.
	for i, tok := range tokens {
		if _, err := f.verify(t, tok); err != nil {
			t.Fatalf("token %d after eviction: %v", i, err)
		}
	}
}

func TestCacheSweepsExpiredEntriesFirst(t *testing.T) {
	f := newCacheFixture(t, 2)
	short := f.token(t, "00000000-0000-4000-8000-0000000000c1", time.Minute, nil)
	long := f.token(t, "00000000-0000-4000-8000-0000000000c2", time.Hour, nil)
	for _, tok := range []string{short, long} {
		if _, err := f.verify(t, tok); err != nil {
			t.Fatal(err)
		}
	}
	f.now = f.now.Add(2 * time.Minute) // short has expired, long has not
	third := f.token(t, "00000000-0000-4000-8000-0000000000c3", time.Hour, nil)
	if _, err := f.verify(t, third); err != nil {
		t.Fatal(err)
	}
	before := f.keys.count()
	if _, err := f.verify(t, long); err != nil {
		t.Fatal(err)
	}
	if f.keys.count() != before {
		t.Error("the unexpired entry was evicted while an expired one could make room")
	}
}

func TestNoCacheByDefault(t *testing.T) {
	f := newCacheFixture(t, 0)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	for range 2 {
		if _, err := f.verify(t, tok); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.keys.count(); got != 2 {
		t.Errorf("key lookups = %d, want 2 with CacheSize 0", got)
	}
}

// A cached verification holds only while its key is in the set: once Entra withdraws the key
// (the next refresh drops it), the token is checked in full again, and fails.
func TestCacheForgetsTokensWhoseKeyLeftTheSet(t *testing.T) {
	f := newCacheFixture(t, 8)
	tok := f.token(t, entra.UserA, time.Hour, nil)
	if _, err := f.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	f.keys.mu.Lock()
	f.keys.withdrawn, f.keys.failing = true, true // gone from the set: a lookup finds nothing
	f.keys.mu.Unlock()
	if _, err := f.verify(t, tok); err == nil {
		t.Fatal("a cached token was accepted after its signing key left the key set")
	}
	if got := f.keys.count(); got != 2 {
		t.Errorf("key lookups = %d, want 2: the withdrawn key's token must be verified again", got)
	}
}
