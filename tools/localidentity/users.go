package main

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/entra-tasks/devstack/entra"
)

// maxUserName bounds a development user's name; it becomes the token's name claim.
const maxUserName = 64

// errBadUserName is returned for a name that cannot be a development user.
var errBadUserName = errors.New("a development user's name must be 1 to 64 characters, with no control characters")

// normalizeUser is the one place a development user's name is read, for `make token USER=...`
// and the SPA's sign-in alike, so the same name always means the same oid.
func normalizeUser(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxUserName || !utf8.ValidString(name) ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", errBadUserName
	}
	return name, nil
}

// maxRoles bounds a development token's roles; each value is at most maxUserName characters.
const maxRoles = 10

// errBadRoles is returned for a roles list that cannot go into a token.
var errBadRoles = errors.New("roles must be a comma-separated list of at most 10 app role values (such as Admin,Viewer), each 1 to 64 characters with no control characters")

// parseRoles reads a comma-separated list of app role values, as `make token ROLES=...` and
// the token endpoint's roles field take it. Values are kept as given (the API compares them
// case-sensitively and ignores unknown ones, so a test can send a wrong one on purpose).
// nil, for an empty list, means no roles claim at all.
func parseRoles(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var roles []string
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" || utf8.RuneCountInString(v) > maxUserName || !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return nil, errBadRoles
		}
		roles = append(roles, v)
	}
	if len(roles) > maxRoles {
		return nil, errBadRoles
	}
	return roles, nil
}

// The short names of the local-identity mode's tenants, for `make token TENANT=...` and the SPA's
// sign-in: the development tenant (the "home" tenant the API is registered in) and a second
// organization (entra.DevPartnerTenantID), both listed in AZURE_ALLOWED_TENANTS by `make start`.
var devTenants = map[string]string{
	"home":    entra.DevTenantID,
	"partner": entra.DevPartnerTenantID,
}

// errBadTenant is returned for a tenant that is neither a short name nor a GUID.
var errBadTenant = errors.New("a development tenant is home, partner or a tenant id (a GUID); any other GUID is a tenant the API does not allow, to see it refused")

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolveTenant reads a tenant for a development token: empty or "home" is the development
// tenant, "partner" the second one, and a GUID any tenant at all (lower case, as Entra writes tid).
func resolveTenant(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return entra.DevTenantID, nil
	}
	if id, ok := devTenants[strings.ToLower(name)]; ok {
		return id, nil
	}
	if guidPattern.MatchString(name) {
		return strings.ToLower(name), nil
	}
	return "", errBadTenant
}

// devToken signs a v2 access token for the development API in tenant (a resolved tenant id), for
// the default development user or, given a name, for a user whose oid is derived from it; roles,
// if not nil, become its roles claim.
//
// The same name has the same oid in every tenant. In Entra a guest's object in another tenant
// has an oid of its own; here alice of the partner tenant keeps alice's oid on purpose, so that
// only tid tells the two apart and a store that keyed by oid alone would mix their data.
func devToken(user, tenant string, roles []string, now time.Time) (string, error) {
	key, err := entra.DevKey()
	if err != nil {
		return "", err
	}
	claims := entra.InTenant(entra.V2Claims(entra.DevTenantID, entra.DevAPIClientID, entra.DevUserOID, now), tenant)
	if user != "" {
		claims["oid"] = userOID(user)
		claims["sub"] = "sub-" + userOID(user)
		claims["name"] = user
		claims["preferred_username"] = devUsername(user)
	}
	if roles != nil {
		claims["roles"] = roles
	}
	return key.Sign(claims, nil)
}

// devUsername is the sign-in name shown for a development user.
func devUsername(user string) string {
	return strings.ReplaceAll(user, " ", ".") + "@example.com"
}

// userOID maps a name to a stable GUID (a name-based, version 5 UUID), so the same name
// sees the same tasks across restarts.
func userOID(name string) string {
	sum := sha1.Sum([]byte("entra-tasks local identity:" + name))
	return guidOf(sum)
}

// nameGUID is userOID for another kind of object (kind keeps their GUIDs apart); a user's
// oid keeps its original derivation so that existing local data stays theirs.
func nameGUID(kind, name string) string {
	return guidOf(sha1.Sum([]byte("entra-tasks local identity " + kind + ":" + name)))
}

// guidOf shapes the first 16 bytes of a SHA-1 sum as a name-based, version 5 UUID (RFC 9562).
func guidOf(sum [sha1.Size]byte) string {
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
