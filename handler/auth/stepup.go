package auth

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
)

// Step-up with a Conditional Access authentication context: an action that needs more than the
// sign-in the caller made (say, multi-factor authentication before an erase) names a context
// such as "c1"; a tenant administrator ties a Conditional Access policy to it. A token that
// satisfied the policy lists the context in its acrs claim. One without it is answered with a
// claims challenge, which the client hands to MSAL to get a token that does
// (learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context).

// authContextID is an authentication context id as Microsoft Graph defines them
// (authenticationContextClassReference: "c1" through "c99"; Entra issues them in lower case).
var authContextID = regexp.MustCompile(`^c[1-9][0-9]?$`)

// CheckAuthContextID reports whether id can name an authentication context ("" is not one).
func CheckAuthContextID(id string) error {
	if !authContextID.MatchString(id) {
		return fmt.Errorf("%q is not an authentication context id (c1 to c99)", id)
	}
	return nil
}

// InsufficientClaimsError means the token is valid but was not issued for the authentication
// context an action requires. Microsoft's "claims challenge" (error "insufficient_claims"),
// answered with 401 and the claims the client must request.
type InsufficientClaimsError struct {
	AuthContext string // e.g. "c1"
}

func (e *InsufficientClaimsError) Error() string {
	return "auth: the token does not satisfy the authentication context " + e.AuthContext
}

// Claims is the claims request a new token must satisfy, as JSON, in the exact shape of
// Microsoft's example: {"access_token":{"acrs":{"essential":true,"value":"c1"}}}
// (learn.microsoft.com/entra/identity-platform/claims-challenge, "Claims challenge header format").
// AuthContext is an id CheckAuthContextID accepted, so it needs no JSON escaping.
func (e *InsufficientClaimsError) Claims() string {
	return `{"access_token":{"acrs":{"essential":true,"value":"` + e.AuthContext + `"}}}`
}

// EncodedClaims is Claims in base64 (standard alphabet, padded), as the challenge's claims
// parameter carries it.
func (e *InsufficientClaimsError) EncodedClaims() string {
	return base64.StdEncoding.EncodeToString([]byte(e.Claims()))
}

// RequireAuthContext returns nil when id is "" (no step-up asked for) or the caller's token
// lists id in acrs, else an *InsufficientClaimsError.
func (p *Principal) RequireAuthContext(id string) error {
	if id == "" || slices.Contains(p.AuthContexts, id) {
		return nil
	}
	return &InsufficientClaimsError{AuthContext: id}
}
