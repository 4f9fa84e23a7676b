package auth

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/MicahParks/jwkset"
)

// ErrKeysUnavailable means no signing keys are held yet (the key set could not be downloaded
// since the process started). The token is not at fault: clients should retry, not sign in again.
var ErrKeysUnavailable = errors.New("auth: the signing key set is unavailable")

// signingKeys is the jwkset storage that keyfunc reads. jwkset replaces its whole content on
// every successful download; this storage keeps only keys that may verify an RS256 signature
// (RFC 7517 §4.2-4.4: use "sig" or absent, key_ops absent or holding "verify", alg RS256 or
// absent, kty RSA) and refuses a download that holds none, so that an empty or foreign
// document (a captive portal, a misconfigured proxy) never drops the keys already held.
// jwkset validates that these members are registered values, not that they allow signing.
//
// It also keeps an index of the set by kid for Holds, which runs on every cache hit:
// MemoryJWKSet.KeyRead copies every JWK of the set, and each one's marshalled members, while it
// looks for a kid (Entra's set holds several keys). The index is replaced whole, under mu,
// after every change of the set, so that it always follows the set's latest content.
type signingKeys struct {
	*jwkset.MemoryJWKSet
	held atomic.Int64

	mu    sync.Mutex                                  // serialises changes of the set and its index
	byKID atomic.Pointer[map[string]crypto.PublicKey] // kid -> key, as KeyRead finds it (the first)
}

var errNoSigningKeys = errors.New("the key set holds no RS256 signature key")

func (s *signingKeys) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	usable := slices.DeleteFunc(slices.Clone(given), func(k jwkset.JWK) bool { return !verifiesRS256(k.Marshal()) })
	if len(usable) == 0 {
		return fmt.Errorf("%w (%d keys offered)", errNoSigningKeys, len(given))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.MemoryJWKSet.KeyReplaceAll(ctx, usable); err != nil {
		return err
	}
	s.index(usable)
	s.held.Store(int64(len(usable)))
	return nil
}

// KeyWrite and KeyDelete keep the index too (jwkset's refresh only replaces the whole set).
func (s *signingKeys) KeyWrite(ctx context.Context, jwk jwkset.JWK) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.MemoryJWKSet.KeyWrite(ctx, jwk)
	s.reindex(ctx)
	return err
}

func (s *signingKeys) KeyDelete(ctx context.Context, keyID string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok, err := s.MemoryJWKSet.KeyDelete(ctx, keyID)
	s.reindex(ctx)
	return ok, err
}

func (s *signingKeys) reindex(ctx context.Context) {
	all, _ := s.MemoryJWKSet.KeyReadAll(ctx) // the memory set never fails
	s.index(all)
}

// index makes set the content of byKID. s.mu must be held.
func (s *signingKeys) index(set []jwkset.JWK) {
	m := make(map[string]crypto.PublicKey, len(set))
	for _, jwk := range set {
		if kid := jwk.Marshal().KID; m[kid] == nil {
			m[kid] = jwk.Key()
		}
	}
	s.byKID.Store(&m)
}

// key is the key the set holds under kid, as KeyRead would find it, or nil.
func (s *signingKeys) key(kid string) crypto.PublicKey {
	if m := s.byKID.Load(); m != nil {
		return (*m)[kid]
	}
	return nil
}

func (s *signingKeys) holdsKeys() bool { return s.held.Load() > 0 }

func verifiesRS256(m jwkset.JWKMarshal) bool {
	return m.KTY == jwkset.KtyRSA &&
		(m.USE == "" || m.USE == jwkset.UseSig) &&
		(m.ALG == "" || m.ALG == jwkset.AlgRS256) &&
		(len(m.KEYOPS) == 0 || slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify))
}

// downloadClient is the HTTP client for key set downloads: bodies over MaxKeySetBytes fail,
// keys that jwkset cannot parse are dropped (parsableKeysOnly), and redirects follow
// redirectAllowed. Only base's Transport is used; jwkset bounds each
// download with its own timeout.
func downloadClient(base *http.Client, logger *slog.Logger) *http.Client {
	rt := http.DefaultTransport
	if base != nil && base.Transport != nil {
		rt = base.Transport
	}
	return &http.Client{
		Transport: parsableKeysOnly{next: boundedBodies{rt}, logger: logger},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if !redirectAllowed(via, req.URL) {
				return fmt.Errorf("refusing a redirect to %s://%s", req.URL.Scheme, req.URL.Host)
			}
			return nil
		},
	}
}

// redirectAllowed is the redirect rule of docs/security.md: a redirect may lead to https from
// anywhere; plain http only in local mode, from a chain that is loopback http throughout to
// loopback http. A key set fetched in clear text off the machine could be replaced by anyone
// on the path, and with it every token accepted; an https URL never ends in clear text.
func redirectAllowed(via []*http.Request, to *url.URL) bool {
	if to.Scheme == "https" {
		return true
	}
	if to.Scheme != "http" || !isLoopback(to) {
		return false
	}
	for _, r := range via {
		if r.URL.Scheme != "http" || !isLoopback(r.URL) {
			return false
		}
	}
	return true
}

// parsableKeysOnly removes from a key set document the keys that jwkset cannot parse, and
// logs one WARN naming them by kid. jwkset parses a downloaded set key by key and abandons
// the whole download at the first key that fails (NewStorageFromHTTP's refresh), before any
// Storage sees a key: one malformed key beside Entra's good ones (an x5c that is not a
// certificate, use "SIG", an EC key off its curve) would cost every key, and at a cold start
// every request its 503. The response body is the one place to act before that loop. Keys
// are parsed exactly as jwkset then parses them; what survives still goes through
// signingKeys, which keeps only RS256 signature keys and refuses a set left with none.
type parsableKeysOnly struct {
	next   http.RoundTripper
	logger *slog.Logger
}

func (p parsableKeysOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err // a redirect or a failure: jwkset reports it as it is
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the key set: %w", err)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Keys != nil {
		kept, dropped := doc.Keys[:0:0], []string(nil)
		for _, raw := range doc.Keys {
			_, err := jwkset.NewJWKFromRawJSON(raw, jwkset.JWKMarshalOptions{Private: true}, jwkset.JWKValidateOptions{})
			switch {
			case err == nil:
				kept = append(kept, raw)
			case errors.Is(err, jwkset.ErrUnsupportedKey):
				// jwkset skips these itself, and none of them could verify RS256.
			default:
				dropped = append(dropped, kidOf(raw))
			}
		}
		if len(dropped) > 0 {
			// The kid only: a key's members are the publisher's business, not the log's.
			p.logger.WarnContext(req.Context(), "signing key set: skipped keys that cannot be parsed; keeping the others",
				"url", req.URL.Redacted(), "kids", dropped, "kept", len(kept))
			doc.Keys = kept
			body, _ = json.Marshal(doc) // raw messages that were valid JSON always marshal
		}
	}
	// A document that is not a key set goes to jwkset as it came, which fails it as before.
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// kidOf is a key's kid for the log, cut short: a kid is the publisher's text, not ours.
func kidOf(raw json.RawMessage) string {
	var k struct {
		KID string `json:"kid"`
	}
	_ = json.Unmarshal(raw, &k) // a key without a readable kid is logged as ""
	const maxKID = 64
	if len(k.KID) > maxKID {
		return k.KID[:maxKID] + "..."
	}
	return k.KID
}

type boundedBodies struct{ next http.RoundTripper }

func (b boundedBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: MaxKeySetBytes}
	return resp, nil
}

// boundedBody fails a read that goes past its limit, rather than truncating silently as
// io.LimitReader does (a truncated key set would only fail to decode, less clearly).
type boundedBody struct {
	io.ReadCloser
	left int64
}

var errKeySetTooLarge = fmt.Errorf("the key set is larger than %d bytes", MaxKeySetBytes)

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 {
			return 0, err // the body ended exactly at the limit
		}
		return 0, errKeySetTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
