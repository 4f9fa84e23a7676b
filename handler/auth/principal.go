package auth

import (
	"slices"

	"github.com/example/entra-tasks/handler/access"
)

// Principal is the verified caller. Only ObjectID and TenantID may be used to authorize or to
// key data: Entra documents name, email and username claims as mutable and user-controlled.
type Principal struct {
	ObjectID string   // oid: immutable per user and tenant; the caller's storage partition
	TenantID string   // tid
	Name     string   // name, for display
	Username string   // preferred_username (v2) or upn / unique_name (v1), for display
	Scopes   []string // scp, split on spaces
	// Roles are the recognised app roles in the roles claim; they decide what the caller may do.
	Roles access.Roles
	// AuthContexts are the Conditional Access authentication contexts the sign-in satisfied (the
	// acrs claim, e.g. ["c1"]); see RequireAuthContext.
	AuthContexts []string
}

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
