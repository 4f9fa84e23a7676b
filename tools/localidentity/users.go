package main

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/entra-tasks/testkit/entra"
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

// devToken signs a v2 access token for the development tenant and API, for the default
// development user or, given a name, for a user whose oid is derived from it; roles, if not
// nil, become its roles claim.
func devToken(user string, roles []string, now time.Time) (string, error) {
	key, err := entra.DevKey()
	if err != nil {
		return "", err
	}
	claims := entra.V2Claims(entra.DevTenantID, entra.DevAPIClientID, entra.DevUserOID, now)
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
