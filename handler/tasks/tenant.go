package tasks

import "strings"

// Tenant is the organization (Entra tenant) whose users a caller is among. A user is their
// tenant and their object id together: the same oid in two tenants is two users (a guest in
// both), and their tasks, index entries and audit records are kept apart.
//
// Home is the tenant the API was registered in (AZURE_TENANT_ID): the only one a single-tenant
// deployment accepts.
type Tenant struct {
	ID   string // the tenant's id (tid), a lower-case GUID
	Home bool
}

// ownerSeparator joins a tenant id and an oid in the owner key of a user of another tenant.
// Neither GUID contains it, so SplitOwner can tell the two apart.
const ownerSeparator = "_"

// Owner is the owner key of the tenant's user oid: the string every Store and Users method
// takes as owner, and the partition their tasks live in.
//
// A user of the home tenant keeps the key they always had, their bare oid, so that data written
// before multi-tenant mode stays where it is and is read unchanged once the mode is on: nothing
// migrates. A user of any other tenant is "<tid>_<oid>", which no bare oid can equal, so two
// tenants' users with the same oid never share a key.
func (t Tenant) Owner(oid string) string {
	if t.Home {
		return oid
	}
	return t.ID + ownerSeparator + oid
}

// SplitOwner is the inverse of Owner: the tenant id ("" for a user of the home tenant) and the
// oid of an owner key. The store needs it where it keys something by tenant from an owner alone
// (the users index).
func SplitOwner(owner string) (tenantID, oid string) {
	tid, oid, ok := strings.Cut(owner, ownerSeparator)
	if !ok {
		return "", owner
	}
	return tid, oid
}
