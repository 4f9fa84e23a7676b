package auth

import (
	"slices"

	"github.com/example/entra-tasks/handler/access"
)

// Principal is the verified caller: a signed-in user, or an app calling as itself (Kind). Only
// ObjectID, TenantID and AppID may be used to authorize or to key data: Entra documents name,
// email and username claims as mutable and user-controlled.
type Principal struct {
	ObjectID string // oid: immutable per user (or app's service principal) and tenant; a user's storage partition
	TenantID string // tid
	// AppID is the client application's id (azp in v2 tokens, appid in v1): for an app, who it is
	// (the audit log's actor); for a user, the app they signed in with. Lowercase.
	AppID    string
	Name     string   // name, for display; "" for an app
	Username string   // preferred_username (v2) or upn / unique_name (v1), for display; "" for an app
	Scopes   []string // scp, split on spaces; nil for an app
	// Roles are the recognised app roles in the roles claim, read for the kind of caller: they
	// decide what the caller may do.
	Roles access.Roles
	// AuthContexts are the Conditional Access authentication contexts the sign-in satisfied (the
	// acrs claim, e.g. ["c1"]); see RequireAuthContext.
	AuthContexts []string
}

// Kind says whether the caller is a signed-in user or an app calling as itself.
func (p *Principal) Kind() access.Kind { return p.Roles.Kind() }

// clone returns a copy of p that shares no memory with it, so that a cached principal and
// the ones handed to requests cannot change each other.
func (p *Principal) clone() Principal {
	c := *p
	c.Scopes = slices.Clone(p.Scopes)
	c.AuthContexts = slices.Clone(p.AuthContexts)
	return c
}

// cloneShared is clone, allocated once with room for a few scopes beside it: a cache hit
// (every repeated token) then costs one allocation instead of two.
func (p *Principal) cloneShared() *Principal {
	c := &principalWithScopes{p: *p}
	if p.Scopes != nil && len(p.Scopes) <= len(c.scopes) {
		c.p.Scopes = append(c.scopes[:0:len(c.scopes)], p.Scopes...)
	} else {
		c.p.Scopes = slices.Clone(p.Scopes)
	}
	c.p.AuthContexts = slices.Clone(p.AuthContexts) // nil, and no allocation, for tokens without acrs
	return &c.p
}

// principalWithScopes is a Principal and the backing array of its Scopes (Entra's delegated
// tokens for this API carry one or two).
type principalWithScopes struct {
	p      Principal
	scopes [2]string
}
