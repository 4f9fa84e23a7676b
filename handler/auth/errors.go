package auth

import (
	"errors"
	"fmt"
)

// ErrNoToken means the request carried no bearer credentials at all. RFC 6750 §3.1 says the
// challenge then names the scheme only, with no error code: the client has not tried yet.
var ErrNoToken = errors.New("auth: no bearer token")

// InvalidRequestError means the Authorization header itself is unusable (several headers, a
// bearer scheme with no token). RFC 6750 error "invalid_request".
type InvalidRequestError struct {
	Description string
}

func (e *InvalidRequestError) Error() string { return "auth: invalid request: " + e.Description }

// InvalidTokenError means a token was presented and is not acceptable: malformed, wrong
// algorithm, unknown key, bad signature, expired, or a claim that is not ours. RFC 6750 error
// "invalid_token". Description is safe to send to the client: it never quotes the token.
type InvalidTokenError struct {
	Description string
	Err         error // the underlying cause, for logs; may be nil
}

func (e *InvalidTokenError) Error() string {
	if e.Err == nil {
		return "auth: invalid token: " + e.Description
	}
	return fmt.Sprintf("auth: invalid token: %s: %v", e.Description, e.Err)
}

func (e *InvalidTokenError) Unwrap() error { return e.Err }

// InsufficientScopeError means the token is valid but does not grant Scope: a delegated token
// without it in scp, or an app-only token (roles, no scp). RFC 6750 error "insufficient_scope",
// answered with 403 so that clients do not loop on re-authentication.
type InsufficientScopeError struct {
	Scope string // the full scope value the client must ask for, e.g. api://<client id>/access_as_user
}

func (e *InsufficientScopeError) Error() string {
	return "auth: token lacks the required scope " + e.Scope
}

func invalid(description string, err error) error {
	return &InvalidTokenError{Description: description, Err: err}
}
