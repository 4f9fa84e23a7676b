package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// KeySetOptions tune RemoteKeys. The zero value is what production uses.
type KeySetOptions struct {
	Client          *http.Client  // nil: a client with FetchTimeout
	FetchTimeout    time.Duration // one key set download; zero: 10 s
	RefreshInterval time.Duration // routine refresh; zero: 1 h
	UnknownKIDEvery time.Duration // at most one refresh per this, triggered by unknown kids; zero: 5 min
	Logger          *slog.Logger  // refresh failures; nil: slog.Default()
}

// RemoteKeys is the tenant's signing key set, downloaded once per process and refreshed by
// keyfunc: hourly, and on an unknown kid at most once per UnknownKIDEvery, so a flood of
// forged kids cannot make us hammer Entra. When the endpoint fails, keys already held keep
// working. The first download happens in the background so the process can listen at once
// (the Functions host gives a custom handler about 30 s to start); requests that arrive
// before it ends wait for it, bounded by their own context.
type RemoteKeys struct {
	ready chan struct{}
	err   error
	keys  atomic.Pointer[keySet] // set when the first download ends

	// Unknown kids are handled here rather than by jwkset, whose refresh shares one
	// deadline with its rate-limit wait: under steady traffic the waiter that gets the
	// refresh has waited out nearly all of it, so the download never finishes and a
	// rotated key is not picked up until the hourly refresh (seen in
	// reliability/keyset_test.go). Here the refresh runs on its own FetchTimeout.
	life       context.Context
	url        string
	override   keyfunc.Override
	unknownKID *rate.Limiter
	mu         sync.Mutex
	refreshing chan struct{} // closed when the running unknown-kid refresh ends; nil if none
}

// keySet is one keyfunc instance with its hourly refresh goroutine.
type keySet struct {
	keys keyfunc.Keyfunc
	stop context.CancelFunc
}

// DefaultJWKSURL is the tenant's v2 key set, which also signs v1 tokens
// (Microsoft.Identity.Web validates both versions with it).
func DefaultJWKSURL(tenantID string) string {
	return "https://login.microsoftonline.com/" + tenantID + "/discovery/v2.0/keys"
}

// CheckJWKSURL accepts https URLs, and http only on a loopback host: a key set fetched in
// clear text could be replaced by anyone on the path, and with it every token accepted.
func CheckJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
		return fmt.Errorf("%q uses http on a non-loopback host; use https", raw)
	default:
		return fmt.Errorf("%q is neither https nor loopback http", raw)
	}
}

// NewRemoteKeys starts fetching the key set at jwksURL. ctx bounds the key set's lifetime:
// cancel it at shutdown to stop the refresh goroutine.
func NewRemoteKeys(ctx context.Context, jwksURL string, opts KeySetOptions) (*RemoteKeys, error) {
	if err := CheckJWKSURL(jwksURL); err != nil {
		return nil, fmt.Errorf("auth: key set URL: %w", err)
	}
	override := overrideFor(opts)
	k := &RemoteKeys{
		ready: make(chan struct{}), life: ctx, url: jwksURL, override: override,
		unknownKID: rate.NewLimiter(rate.Every(cmpOr(opts.UnknownKIDEvery, 5*time.Minute)), 1),
	}
	go func() {
		defer close(k.ready)
		setCtx, stop := context.WithCancel(ctx)
		keys, err := keyfunc.NewDefaultOverrideCtx(setCtx, []string{jwksURL}, override)
		if err != nil {
			stop()
			k.err = err
			return
		}
		k.keys.Store(&keySet{keys: keys, stop: stop})
	}()
	return k, nil
}

func overrideFor(opts KeySetOptions) keyfunc.Override {
	timeout := cmpOr(opts.FetchTimeout, 10*time.Second)
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return keyfunc.Override{
		Client:      client,
		HTTPTimeout: timeout,
		// A first download that fails leaves an empty set; the first token then triggers a
		// rate-limited refresh. Failing start-up instead would turn an Entra blip into an
		// outage of the whole app.
		RateLimitWaitMax: timeout,
		RefreshInterval:  cmpOr(opts.RefreshInterval, time.Hour),
		// jwkset's own unknown-kid refresh is off (a limiter that never grants): RemoteKeys
		// refreshes instead, see refreshForUnknownKID.
		RefreshUnknownKID: rate.NewLimiter(0, 0),
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				logger.WarnContext(ctx, "signing key set refresh failed; keeping the keys already held", "url", u, "error", err)
			}
		},
	}
}

// Ready is closed when the first download has ended, successfully or not.
func (k *RemoteKeys) Ready() <-chan struct{} { return k.ready }

// KeyfuncCtx implements KeySource.
func (k *RemoteKeys) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		select {
		case <-k.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the signing keys: %w", ctx.Err())
		}
		if k.err != nil {
			return nil, errors.Join(errKeySetUnavailable, k.err)
		}
		key, err := k.keys.Load().keys.KeyfuncCtx(ctx)(t)
		if err == nil || !k.refreshForUnknownKID(ctx) {
			return key, err
		}
		return k.keys.Load().keys.KeyfuncCtx(ctx)(t)
	}
}

// refreshForUnknownKID downloads the key set again, at most once per UnknownKIDEvery, and
// reports whether a refresh ended while ctx was alive. Requests that miss while a refresh
// runs wait for it; the rest fail at once. The download is bounded by FetchTimeout, not by
// the request that triggered it, and replaces the key set only if it succeeds.
func (k *RemoteKeys) refreshForUnknownKID(ctx context.Context) bool {
	k.mu.Lock()
	done := k.refreshing
	if done == nil {
		if !k.unknownKID.Allow() {
			k.mu.Unlock()
			return false
		}
		done = make(chan struct{})
		k.refreshing = done
		go k.refresh(done)
	}
	k.mu.Unlock()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

func (k *RemoteKeys) refresh(done chan struct{}) {
	defer func() {
		k.mu.Lock()
		k.refreshing = nil
		k.mu.Unlock()
		close(done)
	}()
	override := k.override
	override.NoErrorReturnFirstHTTPReq = new(bool) // a failed download must not replace good keys
	setCtx, stop := context.WithCancel(k.life)
	fresh, err := keyfunc.NewDefaultOverrideCtx(setCtx, []string{k.url}, override)
	if err != nil {
		stop()
		override.RefreshErrorHandlerFunc(k.url)(k.life, err)
		return
	}
	k.keys.Swap(&keySet{keys: fresh, stop: stop}).stop()
}

var errKeySetUnavailable = errors.New("signing key set unavailable")

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
