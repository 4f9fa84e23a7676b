package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// KeySetOptions tune RemoteKeys. The zero value is what production uses.
type KeySetOptions struct {
	Client          *http.Client  // its Transport is used; nil: http.DefaultTransport
	FetchTimeout    time.Duration // one key set download; zero: 10 s
	RefreshInterval time.Duration // routine refresh; zero: 1 h
	UnknownKIDEvery time.Duration // at most one refresh per this, triggered by unknown kids; zero: 5 min
	RetryMin        time.Duration // first retry while no keys are held; zero: 500 ms
	RetryMax        time.Duration // cap of the doubling retry delay; zero: 5 s
	Logger          *slog.Logger  // download failures; nil: slog.Default()
}

// MaxKeySetBytes bounds one key set download. Entra's documents are a few KiB; a response
// far larger is not a key set, and reading it whole would only cost memory.
const MaxKeySetBytes = 1 << 20

// RemoteKeys is the tenant's signing key set: keyfunc over one jwkset storage that jwkset
// refreshes hourly. Three things jwkset does not do are added here, each for a reason given
// where it is done:
//   - while no keys are held (the first download failed), downloads retry with a short
//     capped backoff, and token checks fail with ErrKeysUnavailable (503) instead of 401;
//   - a refresh for an unknown kid (at most one per UnknownKIDEvery) gets its own deadline;
//   - only RS256 signature keys are stored, and a download that holds none keeps the keys
//     already held.
//
// The first download happens in the background so the process can listen at once (the
// Functions host gives a custom handler about 30 s to start); requests that arrive before it
// ends wait for it, bounded by their own context.
type RemoteKeys struct {
	url     string
	life    context.Context
	store   *signingKeys
	keys    keyfunc.Keyfunc
	fetch   jwkset.HTTPClientStorageOptions // one download into store; see fetchOnce
	retry   [2]time.Duration                // min, max
	logger  *slog.Logger
	ready   chan struct{} // closed when the first download has ended
	limiter *rate.Limiter // unknown-kid refreshes

	mu         sync.Mutex
	refreshing chan struct{} // closed when the running unknown-kid refresh ends; nil if none
}

// DefaultAuthorityHost is the public cloud's Entra host, the Azure SDKs' default for
// AZURE_AUTHORITY_HOST.
const DefaultAuthorityHost = "https://login.microsoftonline.com"

// DefaultJWKSURL is the tenant's v2 key set in the cloud of authorityHost, which also signs
// v1 tokens (Microsoft.Identity.Web validates both versions with it).
func DefaultJWKSURL(authorityHost, tenantID string) string {
	return strings.TrimSuffix(authorityHost, "/") + "/" + tenantID + "/discovery/v2.0/keys"
}

// CheckJWKSURL accepts https URLs, and http only on a loopback host: a key set fetched in
// clear text could be replaced by anyone on the path, and with it every token accepted.
func CheckJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if !secureOrLoopback(u) {
		return fmt.Errorf("%q is neither https nor http on a loopback host", raw)
	}
	return nil
}

func secureOrLoopback(u *url.URL) bool {
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return isLoopback(u)
	}
	return false
}

// isLoopback reports whether u names this machine's loopback interface by a loopback address
// or "localhost". 0.0.0.0 is not: although Linux connects it to the local host, it names no
// interface, and allowing it would be allowing whatever else that comes to mean.
func isLoopback(u *url.URL) bool {
	ip := net.ParseIP(u.Hostname())
	return (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost"
}

// NewRemoteKeys starts fetching the key set at jwksURL. ctx bounds the key set's lifetime:
// cancel it at shutdown to stop the refresh and retry goroutines.
func NewRemoteKeys(ctx context.Context, jwksURL string, opts KeySetOptions) (*RemoteKeys, error) {
	if err := CheckJWKSURL(jwksURL); err != nil {
		return nil, fmt.Errorf("auth: key set URL: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	store := &signingKeys{MemoryJWKSet: jwkset.NewMemoryStorage()}
	// keyfunc checks "use" again at lookup; a key without one is accepted, as RFC 7517 §4.2 allows.
	keys, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: store, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
	if err != nil {
		return nil, fmt.Errorf("auth: key set: %w", err)
	}
	k := &RemoteKeys{
		url: jwksURL, life: ctx, store: store, keys: keys, logger: logger,
		fetch: jwkset.HTTPClientStorageOptions{
			Client:      downloadClient(opts.Client, logger),
			Ctx:         ctx,
			HTTPTimeout: cmpOr(opts.FetchTimeout, 10*time.Second),
			Storage:     store,
		},
		retry:   [2]time.Duration{cmpOr(opts.RetryMin, 500*time.Millisecond), cmpOr(opts.RetryMax, 5*time.Second)},
		ready:   make(chan struct{}),
		limiter: rate.NewLimiter(rate.Every(cmpOr(opts.UnknownKIDEvery, 5*time.Minute)), 1),
	}
	go k.start(cmpOr(opts.RefreshInterval, time.Hour))
	return k, nil
}

// start makes the first download through jwkset's own refreshing storage (which then
// refreshes every interval until life ends, keeping the keys held when a refresh fails),
// and then retries until keys are held. jwkset would otherwise wait out the whole interval
// after a failed first download, leaving the instance without keys for an hour.
func (k *RemoteKeys) start(interval time.Duration) {
	refreshing := k.fetch
	refreshing.RefreshInterval = interval
	refreshing.NoErrorReturnFirstHTTPReq = true
	refreshing.RefreshErrorHandler = k.logFailure
	if _, err := jwkset.NewStorageFromHTTP(k.url, refreshing); err != nil {
		k.logFailure(k.life, err) // only a malformed URL, which CheckJWKSURL has excluded
	}
	close(k.ready)
	delay := k.retry[0]
	for !k.store.holdsKeys() {
		select {
		case <-k.life.Done():
			return
		case <-time.After(delay):
		}
		if err := k.fetchOnce(); err != nil {
			k.logFailure(k.life, err)
		}
		delay = min(2*delay, k.retry[1])
	}
}

// fetchOnce downloads the key set once into the shared storage: jwkset's NewStorageFromHTTP
// without a refresh interval is exactly one download, and with a Storage given it writes
// there. A failed download leaves the storage as it was.
func (k *RemoteKeys) fetchOnce() error {
	_, err := jwkset.NewStorageFromHTTP(k.url, k.fetch)
	return err
}

func (k *RemoteKeys) logFailure(ctx context.Context, err error) {
	k.logger.WarnContext(ctx, "signing key set download failed; keeping the keys already held", "url", k.url, "error", err)
}

// Ready is closed when the first download has ended, successfully or not.
func (k *RemoteKeys) Ready() <-chan struct{} { return k.ready }

// HoldsKeys reports whether any signing key is held: false before the first download ends
// and while every download so far has failed (token checks then answer ErrKeysUnavailable).
// GET /api/health reports it.
func (k *RemoteKeys) HoldsKeys() bool { return k.store.holdsKeys() }

// KeyfuncCtx implements KeySource.
func (k *RemoteKeys) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	lookup := k.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if err := k.awaitFirstDownload(ctx); err != nil {
			return nil, err
		}
		if !k.store.holdsKeys() {
			return nil, ErrKeysUnavailable
		}
		key, err := lookup(t)
		if errors.Is(err, jwkset.ErrKeyNotFound) && k.refreshForUnknownKID(ctx) {
			return lookup(t)
		}
		return key, err
	}
}

// awaitFirstDownload waits until the first download has ended. ready is checked on its own
// first: a select over ready and ctx.Done() picks at random when both are ready, and keys
// held must always be used, even for a request its client has already cancelled. A client
// that cancels while the wait is real gets its own cancellation back (the API answers 499),
// not ErrKeysUnavailable: the keys may be a moment away, and the server is not at fault.
// Only the server's timeout running out means the keys are unavailable.
func (k *RemoteKeys) awaitFirstDownload(ctx context.Context) error {
	select {
	case <-k.ready:
		return nil
	default:
	}
	select {
	case <-k.ready:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("auth: waiting for the first key set download: %w", ctx.Err())
		}
		return fmt.Errorf("%w: waiting for the first download: %w", ErrKeysUnavailable, ctx.Err())
	}
}

// Holds implements KeySource: whether the current set still maps kid to key. It runs on
// every cache hit. keyfunc hands out the very *rsa.PublicKey the set holds, and every
// download parses new ones, so the same pointer means the key is still there, unchanged;
// only after a download does the comparison by value run (rsa.PublicKey.Equal copies both
// moduli into new byte slices each time).
func (k *RemoteKeys) Holds(kid string, key crypto.PublicKey) bool {
	current := k.store.key(kid) // the set's index: no lock, no copies
	if same, ok := current.(*rsa.PublicKey); ok && same == key {
		return true
	}
	held, ok := current.(interface{ Equal(crypto.PublicKey) bool })
	return ok && held.Equal(key)
}

// refreshForUnknownKID downloads the key set again, at most once per UnknownKIDEvery, and
// reports whether a refresh ended while ctx was alive. Requests that miss while a refresh
// runs wait for it; the rest fail at once.
//
// jwkset can do this itself (HTTPClientOptions.RefreshUnknownKID), but its rate-limit wait
// and its download share one deadline: under steady traffic the request that wins the next
// refresh has waited out nearly all of it, so the download never finishes and a rotated key
// is not picked up until the hourly refresh (seen in reliability/keyset_test.go). Here the
// limiter never makes anyone wait, and the download has its own FetchTimeout.
func (k *RemoteKeys) refreshForUnknownKID(ctx context.Context) bool {
	k.mu.Lock()
	done := k.refreshing
	if done == nil {
		if !k.limiter.Allow() {
			k.mu.Unlock()
			return false
		}
		done = make(chan struct{})
		k.refreshing = done
		go func() {
			if err := k.fetchOnce(); err != nil {
				k.logFailure(k.life, err)
			}
			k.mu.Lock()
			k.refreshing = nil
			k.mu.Unlock()
			close(done)
		}()
	}
	k.mu.Unlock()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
