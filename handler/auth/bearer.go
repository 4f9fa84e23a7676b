package auth

import (
	"context"
	"encoding/binary"
	"net/http"
	"strings"
)

// MaxTokenBytes bounds what we are willing to parse. Entra access tokens are a few KiB even
// with group claims; anything far larger is not a token from Entra.
const MaxTokenBytes = 16 << 10

// BearerToken extracts the token from the request's Authorization header (RFC 6750 §2.1).
// The token is taken only from the header: never from the query string or the body, where it
// would leak into logs and caches. The scheme name is case-insensitive (RFC 9110 §11.1).
func BearerToken(r *http.Request) (string, error) {
	token, err := bearerCredential(r)
	if err != nil {
		return "", err
	}
	if !isB64Token(token) {
		return "", invalid("the token is malformed", nil)
	}
	return token, nil
}

// VerifyRequest is Verify of the request's bearer token (BearerToken), with the same answers.
// A token the verified-token cache holds is answered without the b64token syntax check (a walk
// over the whole token): it is byte for byte a token that passed that check, and every other,
// before it was verified.
func (v *Verifier) VerifyRequest(ctx context.Context, r *http.Request) (*Principal, error) {
	token, err := bearerCredential(r)
	if err != nil {
		return nil, err
	}
	if p, ok := v.cache.get(token, v.now(), v.keys.Holds); ok {
		return p, nil
	}
	if !isB64Token(token) {
		return nil, invalid("the token is malformed", nil)
	}
	return v.Verify(ctx, token)
}

// bearerCredential is BearerToken without the check of the token's alphabet.
func bearerCredential(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", ErrNoToken
	case len(values) > 1:
		return "", &InvalidRequestError{Description: "more than one Authorization header"}
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if scheme == "" || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoToken // another scheme is no bearer token at all
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", &InvalidRequestError{Description: "the Bearer scheme carries no token"}
	}
	if len(token) > MaxTokenBytes {
		return "", invalid("the token is too large", nil)
	}
	return token, nil
}

// isB64Token reports whether s matches RFC 6750's b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// It runs on every request over the whole token (a few KiB), so it tests eight bytes at a
// time; isB64Byte is the rule byte by byte, which the tests hold it to.
func isB64Token(s string) bool {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return false
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if !b64Lanes(binary.LittleEndian.Uint64([]byte(s[i : i+8]))) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !isB64Byte(s[i]) {
			return false
		}
	}
	return true
}

func isB64Byte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		return true
	}
	return false
}

const (
	lanesOnes  = 0x0101010101010101
	lanesHighs = 0x8080808080808080
)

// b64Lanes reports whether each of the eight bytes in x is a b64token character (isB64Byte).
// Every byte must be ASCII (high bit clear); then, per byte, x + (0x80-lo) has its high bit
// set when x >= lo, and x + (0x7f-hi) when x > hi, and neither sum carries into the next byte.
func b64Lanes(x uint64) bool {
	if x&lanesHighs != 0 {
		return false
	}
	return inLanes(x, 'a', 'z')|inLanes(x, 'A', 'Z')|inLanes(x, '0', '9')|inLanes(x, '-', '/')|
		inLanes(x, '+', '+')|inLanes(x, '_', '_')|inLanes(x, '~', '~') == lanesHighs
}

// inLanes sets the high bit of each byte of x (all ASCII) that is within lo..hi.
func inLanes(x uint64, lo, hi byte) uint64 {
	return (x + lanesOnes*uint64(0x80-lo)) &^ (x + lanesOnes*uint64(0x7f-hi)) & lanesHighs
}
