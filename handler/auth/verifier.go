// Package auth verifies Microsoft Entra ID access tokens for one API, in one tenant or in a
// list of allowed tenants.
//
// The rules follow Microsoft.Identity.Web and Entra's claims-validation guidance, made strict
// where the samples are lenient: RS256 only; a key from the configured key set chosen by kid;
// exp required; aud is the API's client id or its api:// URI; tid is an allowed tenant (decided
// before any key is looked up); iss is exactly that tenant's v1 or v2 issuer, matching the
// token's ver; oid is a GUID; and the delegated scope is present in scp. It knows nothing about
// HTTP routes or tasks.
package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/entra-tasks/handler/access"
)

// DefaultLeeway absorbs clock skew between Entra and this host for exp, nbf and iat.
// Microsoft's own default is 5 minutes; 2 is plenty for hosts synchronised by NTP.
const DefaultLeeway = 2 * time.Minute

// MaxLeeway is the most skew Config accepts: more would keep expired tokens alive.
const MaxLeeway = 5 * time.Minute

// Config describes the one API registration whose tokens a Verifier accepts.
type Config struct {
	TenantID string // GUID of the API registration's own (home) tenant
	// AllowedTenants are the tenants whose tokens are accepted (AZURE_ALLOWED_TENANTS), each a
	// GUID; nil or empty: TenantID alone. The home tenant is accepted only if it is listed.
	AllowedTenants []string
	ClientID       string        // the API app registration's client (application) id
	RequiredScope  string        // delegated scope that must be in scp, e.g. "access_as_user"
	Leeway         time.Duration // clock skew tolerance; zero means DefaultLeeway
	Now            func() time.Time
	// CacheSize is how many verified tokens to remember, so that a token presented again
	// skips the signature check until its exp (see tokenCache); zero disables the cache.
	CacheSize int
	// AuthorityHost is the cloud's Entra host (AZURE_AUTHORITY_HOST); it decides the issuers.
	// Empty: DefaultAuthorityHost, the public cloud.
	AuthorityHost string
}

// KeySource finds the verification key for a token; RemoteKeys implements it. The context
// bounds any wait the lookup makes to the request that caused it.
type KeySource interface {
	KeyfuncCtx(ctx context.Context) jwt.Keyfunc
	// Holds reports whether the current key set still maps kid to key: a cached verification
	// counts only while it does, so a key Entra withdraws stops its tokens at the next refresh.
	Holds(kid string, key crypto.PublicKey) bool
}

// Verifier checks access tokens against a Config. It is safe for concurrent use.
type Verifier struct {
	keys      KeySource
	parser    *jwt.Parser
	tenants   map[string]*tenantIssuers // allowed tenant id (lower case) -> its issuers
	scope     string                    // the short name that must be in scp
	fullScope string                    // api://<client id>/<scope>, what a client must request
	appScope  string                    // api://<client id>/.default, what an app (client credentials) requests
	now       func() time.Time
	cache     *tokenCache // nil: no cache
}

// NewVerifier returns a Verifier for cfg whose keys come from keys.
func NewVerifier(cfg Config, keys KeySource) (*Verifier, error) {
	if !IsGUID(cfg.TenantID) {
		return nil, fmt.Errorf("auth: tenant id %q is not a GUID", cfg.TenantID)
	}
	allowed := cfg.AllowedTenants
	if len(allowed) == 0 {
		allowed = []string{cfg.TenantID}
	}
	if !IsGUID(cfg.ClientID) {
		return nil, fmt.Errorf("auth: client id %q is not a GUID", cfg.ClientID)
	}
	if cfg.RequiredScope == "" || strings.ContainsAny(cfg.RequiredScope, " \t\"\\") {
		return nil, fmt.Errorf("auth: required scope %q is not a single scope name", cfg.RequiredScope)
	}
	leeway := cfg.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if leeway < 0 || leeway > MaxLeeway {
		return nil, fmt.Errorf("auth: leeway %v is outside 0..%v", leeway, MaxLeeway)
	}
	client := strings.ToLower(cfg.ClientID)
	tenants, err := issuersOf(cfg.AuthorityHost, allowed)
	if err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithAudience(client, "api://"+client),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithStrictDecoding(),
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	return &Verifier{
		keys:      keys,
		parser:    jwt.NewParser(opts...),
		tenants:   tenants,
		scope:     cfg.RequiredScope,
		fullScope: "api://" + client + "/" + cfg.RequiredScope,
		appScope:  "api://" + client + "/.default",
		now:       now,
		cache:     newTokenCache(cfg.CacheSize),
	}, nil
}

// RequiredScope is the scope value a client must request, as sent in a 403 challenge.
func (v *Verifier) RequiredScope() string { return v.fullScope }

// Verify checks raw and returns the caller. Errors are *InvalidTokenError or
// *InsufficientScopeError; the scope (for an app: its application permissions) is checked
// last, so a 403 always means a token that is otherwise entirely valid.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	now := v.now()
	if p, ok := v.cache.get(raw, now, v.keys.Holds); ok {
		return p, nil
	}
	var (
		c    claims
		used signingKey
	)
	_, err := v.parser.ParseWithClaims(raw, &c, v.keyfunc(ctx, &used))
	if err != nil {
		return nil, describe(err)
	}
	if err := v.checkEntraClaims(&c); err != nil {
		return nil, err
	}
	p, err := v.caller(&c)
	if err != nil {
		return nil, err
	}
	v.cache.put(raw, p, used, c.ExpiresAt.Time, now) // exp is required, so ExpiresAt is set
	return p, nil
}

// caller is the principal of a token whose signature and Entra claims are valid: a signed-in
// user (delegated token) or an app calling as itself (app-only token), told apart by kindOf.
// A user must have been given the required scope in scp, as before. An app must carry no scp
// at all (Entra puts scp only in user tokens: "Only included for user tokens",
// learn.microsoft.com/entra/identity-platform/access-token-claims-reference, scp), must name
// its client app (azp in v2, appid in v1: the audit log's actor), and must hold at least one
// application permission of this API in roles; without one it has asked for none of ours, and
// the 403 names the scope a client-credentials client requests, api://<client id>/.default.
func (v *Verifier) caller(c *claims) (*Principal, error) {
	kind, err := kindOf(c)
	if err != nil {
		return nil, err
	}
	p := &Principal{
		ObjectID: strings.ToLower(c.OID),
		TenantID: strings.ToLower(c.TID),
		AppID:    strings.ToLower(c.clientApp()),
		Roles:    access.ParseRoles(kind, c.Roles),
	}
	if kind == access.App {
		if c.HasScp {
			return nil, invalid("an app-only token carries no scp", nil)
		}
		if !IsGUID(p.AppID) {
			return nil, invalid("the token has no valid client app id", nil)
		}
		if p.Roles.Empty() {
			return nil, &InsufficientScopeError{Scope: v.appScope}
		}
		return p, nil
	}
	scopes := splitScopes(c.Scp)
	if !slices.Contains(scopes, v.scope) {
		return nil, &InsufficientScopeError{Scope: v.fullScope}
	}
	p.Name, p.Username, p.Scopes = c.Name, c.username(), scopes
	// acrs is set only by Entra after a step-up: a token without it satisfied no context.
	p.AuthContexts = c.ACRS
	return p, nil
}

// kindOf tells an app-only token from a delegated one. The optional claim idtyp says so when the
// API's registration asks for it: "app" for an app-only token, and "user" for a delegated one when
// configured with include_user_token ("the most accurate way for an API to determine if a token is
// an app token or an app+user token", learn.microsoft.com/entra/identity-platform/optional-claims-reference,
// idtyp). Any other value is no token this API was issued. Without idtyp, Microsoft's documented
// test applies: an app-only token's oid equals its sub (learn.microsoft.com/entra/identity-platform/
// scenario-protected-web-api-verification-scope-app-roles, "Accepting app-only tokens"), and it
// has no scp (a user's delegated token always has one); both must hold, so a user token that
// merely lacks scp stays a user token and gets the scope 403.
func kindOf(c *claims) (access.Kind, error) {
	switch c.IDTyp {
	case "app":
		return access.App, nil
	case "user":
		return access.User, nil
	case "":
		if !c.HasScp && c.OID == c.Subject {
			return access.App, nil
		}
		return access.User, nil
	}
	return access.User, invalid("the token type (idtyp) is invalid", nil)
}

// keyfunc insists on a kid: Entra always sends one, and without it a lookup would have to try
// every key in the set, which only widens what an attacker can aim at. Header fields such as jku,
// x5u and jwk are never read: keys come from the configured key set and nowhere else.
// The kid and key found are written to used, for the cache.
//
// Before any key is looked up, the token's tenant (from its still unverified claims, which the
// parser has decoded by now) must be allowed: a token of any other tenant is refused without a
// lookup, so no tenant on Earth can make the handler download keys (an unknown kid triggers a
// refresh). Nothing is trusted from those claims: an allowed tid still has to carry a valid
// signature and its own tenant's issuer (checkEntraClaims).
func (v *Verifier) keyfunc(ctx context.Context, used *signingKey) jwt.Keyfunc {
	lookup := v.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if err := v.checkTenant(t.Claims); err != nil {
			return nil, err
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errNoKID
		}
		// RFC 7515 §4.1.11: extensions listed in crit must be understood or the token
		// rejected. We understand none, and Entra sends none; golang-jwt does not check.
		if _, ok := t.Header["crit"]; ok {
			return nil, errCritical
		}
		key, err := lookup(t)
		if err == nil {
			*used = signingKey{kid: kid, key: key}
		}
		return key, err
	}
}

// checkTenant refuses a token whose tid is not a tenant id, or not an allowed one.
func (v *Verifier) checkTenant(unverified jwt.Claims) error {
	c, ok := unverified.(*claims)
	switch {
	case !ok || !IsGUID(c.TID):
		return errTenantInvalid
	case v.tenants[c.TID] == nil:
		return errTenantNotAllowed
	}
	return nil
}

// splitScopes splits scp on U+0020 only (RFC 6749 §3.3: scope-tokens are separated by
// spaces, and a tab or any other character belongs to the token).
func splitScopes(scp string) []string {
	return slices.DeleteFunc(strings.Split(scp, " "), func(s string) bool { return s == "" })
}

var (
	errNoKID            = errors.New("token header has no kid")
	errCritical         = errors.New("token header lists critical extensions")
	errTenantInvalid    = errors.New("the token's tid is not a tenant id")
	errTenantNotAllowed = errors.New("the token's tenant is not an allowed tenant")
)

// checkEntraClaims applies the rules the generic JWT checks cannot: the issuer must be the
// issuer of the token's own tenant (tid), which must be allowed, and must match the token
// version (a v1 issuer with ver 2.0 is a forgery or a misconfiguration, never a real Entra
// token), and the caller must be identified by a GUID. An issuer of another allowed tenant is
// refused too: tid and iss name the same tenant in every token Entra issues.
func (v *Verifier) checkEntraClaims(c *claims) error {
	iss := v.tenants[c.TID]
	if iss == nil { // keyfunc refused it already; kept so that this check stands on its own
		return invalid("the tenant is not allowed", nil)
	}
	switch c.Ver {
	case "2.0":
		if !slices.Contains(iss.v2, c.Issuer) {
			return invalid("the issuer is invalid", nil)
		}
	case "1.0":
		if iss.v1 == "" || c.Issuer != iss.v1 { // "": a cloud without a known v1 issuer
			return invalid("the issuer is invalid", nil)
		}
	default:
		return invalid("the token version is invalid", nil)
	}
	if !IsGUID(c.OID) {
		return invalid("the token has no valid oid", nil)
	}
	return nil
}

// describe turns a jwt error into a client-safe description, in the words ASP.NET Core's
// JwtBearer handler uses, so that people who know those messages recognise them.
func describe(err error) error {
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return err // not the token's fault: the API answers 503
	case errors.Is(err, context.Canceled):
		return err // the client went away while the token was being checked: not the token's fault
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("the token is malformed", err)
	case errors.Is(err, errTenantInvalid):
		return invalid("the tenant is invalid", err)
	case errors.Is(err, errTenantNotAllowed):
		return invalid("the tenant is not allowed", err)
	case errors.Is(err, errCritical):
		return invalid("the token uses an unsupported critical extension", err)
	case errors.Is(err, errNoKID), errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("the signature key was not found", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid("the signature is invalid", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalid("the token is expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("the token is not yet valid", err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("the audience is invalid", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("a required claim is missing", err)
	default:
		return invalid("the token is invalid", err)
	}
}
