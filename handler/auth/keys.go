package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
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
	keys  keyfunc.Keyfunc
	err   error
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
	k := &RemoteKeys{ready: make(chan struct{})}
	go func() {
		defer close(k.ready)
		k.keys, k.err = keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, override)
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
		RateLimitWaitMax:  timeout,
		RefreshInterval:   cmpOr(opts.RefreshInterval, time.Hour),
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cmpOr(opts.UnknownKIDEvery, 5*time.Minute)), 1),
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
		return k.keys.KeyfuncCtx(ctx)(t)
	}
}

var errKeySetUnavailable = errors.New("signing key set unavailable")

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
