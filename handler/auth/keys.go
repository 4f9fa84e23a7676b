package auth

import (
	"cmp"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// RemoteKeys is the tenant's signing key set. Like go-oidc's RemoteKeySet (oidc/jwks.go, 257
// lines) it looks a token's kid up among the keys held and, on a miss, downloads the set again,
// one download at a time however many requests miss. It is longer by what go-oidc does not do:
//   - a routine refresh (RefreshInterval): a withdrawn key stops verifying, and with it every
//     cached verification (Holds), without waiting for a token with an unknown kid;
//   - a limiter: at most one unknown-kid download per UnknownKIDEvery, never making a request
//     wait (go-oidc downloads on every miss: a made-up kid per request is a download per
//     request), each download on its own FetchTimeout, not the waiting request's;
//   - outage behaviour: the first download runs in the background (the Functions host gives a
//     custom handler about 30 s to start) and is retried on a short capped backoff while no key
//     is held; meanwhile a check fails with ErrKeysUnavailable (503), not as an invalid token
//     (401, which makes the SPA drop its token);
//   - only RS256 signature keys are kept (RFC 7517 §4.2-4.4); a key that cannot be parsed is
//     skipped with a WARN, and a download with no usable key keeps the keys held (go-oidc
//     fails a whole download for one bad key, and takes an empty set as the new keys);
//   - a bounded download (MaxKeySetBytes) whose redirects go only to https, or in local mode
//     from loopback http to loopback http (go-oidc follows any);
//   - HoldsKeys for GET /api/health and Ready for the warm-up.
//
// It has no StaticKeySet and needs no go-jose: keys are RSA only, read with the standard library.
type RemoteKeys struct {
	url     string
	client  *http.Client
	timeout time.Duration
	logger  *slog.Logger
	life    context.Context
	ready   chan struct{}                             // closed when the first download has ended
	held    atomic.Pointer[map[string]*rsa.PublicKey] // kid -> key; nil until a download brings one
	limiter *rate.Limiter                             // unknown-kid downloads

	mu         sync.Mutex
	refreshing chan struct{} // closed when the running unknown-kid download ends; nil if none
}

// KeySetOptions tune RemoteKeys. The zero value is what production uses.
type KeySetOptions struct {
	Client          *http.Client  // its Transport is used; nil: http.DefaultTransport
	FetchTimeout    time.Duration // one key set download; zero: 10 s
	RefreshInterval time.Duration // routine refresh; zero: 1 h
	UnknownKIDEvery time.Duration // at most one refresh per this, triggered by unknown kids; zero: 5 min
	RetryMin        time.Duration // first retry while no keys are held; zero: 500 ms
	RetryMax        time.Duration // cap of the doubling retry delay; zero: 5 s
	Logger          *slog.Logger  // download failures and skipped keys; nil: slog.Default()
}

// MaxKeySetBytes bounds one key set download. Entra's documents are a few KiB; a response
// far larger is not a key set, and reading it whole would only cost memory.
const MaxKeySetBytes = 1 << 20

// ErrKeysUnavailable means no signing keys are held yet (the key set could not be downloaded
// since the process started). The token is not at fault: clients should retry, not sign in again.
var ErrKeysUnavailable = errors.New("auth: the signing key set is unavailable")

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
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u)) {
		return fmt.Errorf("%q is neither https nor http on a loopback host", raw)
	}
	return nil
}

// isLoopback reports whether u names this machine's loopback interface by a loopback address
// or "localhost". 0.0.0.0 is not: although Linux connects it to the local host, it names no
// interface, and allowing it would be allowing whatever else that comes to mean.
func isLoopback(u *url.URL) bool {
	ip := net.ParseIP(u.Hostname())
	return (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost"
}

// redirectAllowed is the redirect rule of docs/security.md: a redirect may lead to https from
// anywhere; plain http only in local mode, from a chain that is loopback http throughout to
// loopback http. An https URL never ends in clear text.
func redirectAllowed(via []*http.Request, to *url.URL) bool {
	if to.Scheme == "https" {
		return true
	}
	if to.Scheme != "http" || !isLoopback(to) {
		return false
	}
	return !slices.ContainsFunc(via, func(r *http.Request) bool { return r.URL.Scheme != "http" || !isLoopback(r.URL) })
}

// NewRemoteKeys starts fetching the key set at jwksURL. ctx bounds the key set's lifetime:
// cancel it at shutdown to stop the refresh goroutine.
func NewRemoteKeys(ctx context.Context, jwksURL string, opts KeySetOptions) (*RemoteKeys, error) {
	if err := CheckJWKSURL(jwksURL); err != nil {
		return nil, fmt.Errorf("auth: key set URL: %w", err)
	}
	transport := http.DefaultTransport
	if opts.Client != nil && opts.Client.Transport != nil {
		transport = opts.Client.Transport
	}
	k := &RemoteKeys{
		url: jwksURL, life: ctx, logger: cmp.Or(opts.Logger, slog.Default()),
		client: &http.Client{Transport: transport, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if !redirectAllowed(via, req.URL) {
				return fmt.Errorf("refusing a redirect to %s://%s", req.URL.Scheme, req.URL.Host)
			}
			return nil
		}},
		timeout: cmp.Or(opts.FetchTimeout, 10*time.Second),
		ready:   make(chan struct{}),
		limiter: rate.NewLimiter(rate.Every(cmp.Or(opts.UnknownKIDEvery, 5*time.Minute)), 1),
	}
	go k.run(cmp.Or(opts.RefreshInterval, time.Hour), cmp.Or(opts.RetryMin, 500*time.Millisecond), cmp.Or(opts.RetryMax, 5*time.Second))
	return k, nil
}

// run downloads the set at once and then every interval until life ends. While no key is held
// it retries sooner, from retryMin doubling up to retryMax: a failed first download must not
// leave the instance without keys, answering 503, for a whole interval.
func (k *RemoteKeys) run(interval, retryMin, retryMax time.Duration) {
	k.download()
	close(k.ready)
	retry := retryMin
	for {
		wait := interval
		if !k.HoldsKeys() {
			wait, retry = retry, min(2*retry, retryMax)
		}
		select {
		case <-k.life.Done():
			return
		case <-time.After(wait):
		}
		k.download()
	}
}

// download replaces the keys held with the set's current ones, or logs why it cannot and
// keeps them.
func (k *RemoteKeys) download() {
	ctx, cancel := context.WithTimeout(k.life, k.timeout)
	defer cancel()
	keys, err := k.get(ctx)
	if err != nil {
		k.logger.WarnContext(ctx, "signing key set download failed; keeping the keys already held", "url", k.url, "error", err)
		return
	}
	k.held.Store(&keys)
}

var (
	errKeySetTooLarge = fmt.Errorf("the key set is larger than %d bytes", MaxKeySetBytes)
	errNoSigningKeys  = errors.New("the key set holds no RS256 signature key")
	errKeyNotFound    = errors.New("auth: no key of the set has the token's kid")
)

// get downloads and reads the set. Keys that cannot verify an RS256 signature, or cannot be
// parsed, are skipped with one WARN naming them by kid (a key's members are the publisher's
// business, not the log's): one bad key beside Entra's good ones must not cost every key.
func (k *RemoteKeys) get(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the key set answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxKeySetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the key set: %w", err)
	} else if len(body) > MaxKeySetBytes {
		return nil, errKeySetTooLarge
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode the key set: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, len(doc.Keys))
	var skipped []string
	for _, raw := range doc.Keys {
		kid, key, err := parseSigningKey(raw)
		switch {
		case err != nil:
			skipped = append(skipped, shortKID(kid))
		case keys[kid] == nil: // the first key under a kid is the one used
			keys[kid] = key
		}
	}
	if len(skipped) > 0 {
		k.logger.WarnContext(ctx, "signing key set: skipped keys that cannot verify RS256 signatures or cannot be parsed; keeping the others",
			"url", req.URL.Redacted(), "kids", skipped, "kept", len(keys))
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w (%d keys offered)", errNoSigningKeys, len(doc.Keys))
	}
	return keys, nil
}

// parseSigningKey reads one JWK that may verify an RS256 signature: kty RSA, use "sig" or
// absent, alg RS256 or absent, key_ops absent or holding "verify" (RFC 7517 §4.2-4.4), a kid
// (tokens are matched by kid only), and, when it has an x5c, a first certificate for the same
// key. It returns the kid it read also when it fails, for the log.
func parseSigningKey(raw json.RawMessage) (kid string, key *rsa.PublicKey, err error) {
	var j struct {
		KTY, KID, Use, Alg, N, E string
		KeyOps                   []string `json:"key_ops"`
		X5C                      []string
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", nil, err
	}
	if j.KID == "" || j.KTY != "RSA" || (j.Use != "" && j.Use != "sig") || (j.Alg != "" && j.Alg != "RS256") ||
		(j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify")) {
		return j.KID, nil, errors.New("not an RS256 signature key")
	}
	n, errN := base64.RawURLEncoding.DecodeString(j.N)
	e, errE := base64.RawURLEncoding.DecodeString(j.E)
	if errN != nil || errE != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return j.KID, nil, errors.New("n or e is not an unsigned base64url integer")
	}
	key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if len(j.X5C) > 0 {
		der, err := base64.StdEncoding.DecodeString(j.X5C[0])
		if err != nil {
			return j.KID, nil, fmt.Errorf("x5c: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil || !key.Equal(cert.PublicKey) {
			return j.KID, nil, errors.New("x5c does not certify the key")
		}
	}
	return j.KID, key, nil
}

// shortKID is a kid for the log, cut short: a kid is the publisher's text, not ours.
func shortKID(kid string) string {
	const maxKID = 64
	if len(kid) > maxKID {
		return kid[:maxKID] + "..."
	}
	return kid
}

// Ready is closed when the first download has ended, successfully or not.
func (k *RemoteKeys) Ready() <-chan struct{} { return k.ready }

// HoldsKeys reports whether any signing key is held: false before the first download ends
// and while every download so far has failed (token checks then answer ErrKeysUnavailable).
// GET /api/health reports it.
func (k *RemoteKeys) HoldsKeys() bool { return k.held.Load() != nil }

// key is the key held under kid, or nil.
func (k *RemoteKeys) key(kid string) *rsa.PublicKey {
	if held := k.held.Load(); held != nil {
		return (*held)[kid]
	}
	return nil
}

// KeyfuncCtx implements KeySource. The Verifier has checked that the token has a kid.
func (k *RemoteKeys) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if err := k.awaitFirstDownload(ctx); err != nil {
			return nil, err
		}
		if !k.HoldsKeys() {
			return nil, ErrKeysUnavailable
		}
		kid, _ := t.Header["kid"].(string)
		if key := k.key(kid); key != nil {
			return key, nil
		}
		if k.refreshForUnknownKID(ctx) {
			if key := k.key(kid); key != nil {
				return key, nil
			}
		}
		return nil, errKeyNotFound
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
// every cache hit. Every download parses new keys, so the same pointer means the key is still
// there, unchanged; only after a download does the comparison by value run.
func (k *RemoteKeys) Holds(kid string, key crypto.PublicKey) bool {
	held := k.key(kid)
	given, ok := key.(*rsa.PublicKey)
	return held != nil && ok && given != nil && (given == held || held.Equal(given))
}

// refreshForUnknownKID downloads the key set again, at most once per UnknownKIDEvery, and
// reports whether a download ended while ctx was alive. Requests that miss while one runs
// wait for it; the rest fail at once. The limiter never makes anyone wait, and the download
// has its own FetchTimeout: were the two one deadline, under steady traffic the request that
// wins the next refresh would have waited out nearly all of it, and the download would never
// finish (seen with jwkset's RefreshUnknownKID in reliability/keyset_test.go).
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
			k.download()
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
