package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

// The application permissions (app roles with allowedMemberTypes Application) on the API's
// registration: the only values an app-only development token may carry in roles. The API
// recognises them only in app-only tokens (docs/api.md), and Entra puts in an app's token only
// the application permissions granted to it, never a user role such as Admin.
var applicationPermissions = []string{"Tasks.Read.All", "Tasks.ReadWrite.All"}

// errBadAppName is returned for a name that cannot be a development app.
var errBadAppName = errors.New("a development app's name must be 1 to 64 characters, with no control characters (such as APP=reporter)")

// normalizeApp reads a development app's name: the same rules as a user's name, so the same
// name always means the same client id and service principal.
func normalizeApp(name string) (string, error) {
	if _, err := normalizeUser(name); err != nil {
		return "", errBadAppName
	}
	return strings.TrimSpace(name), nil
}

// checkAppRoles refuses any role that is not an application permission, naming the ones that are:
// a user role in an app's token is a token Entra never issues, and the API would ignore it.
func checkAppRoles(roles []string) error {
	for _, r := range roles {
		if !isApplicationPermission(r) {
			return fmt.Errorf("%q is not an application permission: an app-only token may hold only %s (user roles such as Admin are for USER= tokens)",
				r, strings.Join(applicationPermissions, " and "))
		}
	}
	return nil
}

func isApplicationPermission(role string) bool {
	for _, p := range applicationPermissions {
		if role == p {
			return true
		}
	}
	return false
}

// appToken signs a v2 app-only access token for the development API in tenant, shaped like the
// one Entra issues to a daemon's client-credentials request or a managed identity
// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference; a Microsoft-issued
// example: learn.microsoft.com/graph/change-notifications-with-resource-data, "Example JWT token"):
//   - the issuer, audience, tenant and times of a user token;
//   - azp: the client (application) id, here derived from the name;
//   - azpacr "2": the client proved itself with a certificate or a signed assertion, which is how
//     a managed identity and a federated credential authenticate ("1" would be a client secret,
//     which this project never uses);
//   - oid = sub: the app's service principal, derived from the name too. Microsoft's fallback for
//     telling an app-only token apart without idtyp is exactly this (no scp, oid equal to sub);
//   - idtyp "app": the optional claim the API's registration asks for (infra/app/entra.bicep);
//   - roles: the application permissions granted to the app; none at all when roles is nil, as
//     Entra issues for an app that was granted nothing;
//   - no scp, no name, no preferred_username: no user is present.
func appToken(app, tenant string, roles []string, now time.Time) (string, error) {
	if err := checkAppRoles(roles); err != nil {
		return "", err
	}
	key, err := entra.DevKey()
	if err != nil {
		return "", err
	}
	claims := entra.InTenant(entra.AppV2Claims(entra.DevTenantID, entra.DevAPIClientID, appClientID(app), appObjectID(app), roles, now), tenant)
	claims["idtyp"] = "app"
	return key.Sign(claims, nil)
}

// appClientID is the development app's client (application) id: a stable GUID per name, in a
// namespace of its own so that it never equals a user's oid or the app's own object id.
func appClientID(name string) string { return nameGUID("app client id", name) }

// appObjectID is the object id of the development app's service principal: its oid and sub.
func appObjectID(name string) string { return nameGUID("app service principal", name) }
