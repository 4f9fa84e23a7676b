package auth

import (
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
	if !isB64Token(token) {
		return "", invalid("the token is malformed", nil)
	}
	return token, nil
}

// isB64Token reports whether s matches RFC 6750's b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
