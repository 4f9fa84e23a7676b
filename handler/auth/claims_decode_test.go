package auth

import (
	"testing"
	"time"
)

// The direct paths of claims.UnmarshalJSON must decode exactly what encoding/json would, and
// hand everything else (escapes, non-ASCII, null, wrong types) to encoding/json; dates are
// JSON numbers only.
func TestClaimsDecodeDirectAndGeneralPaths(t *testing.T) {
	var c claims
	doc := `{"name":"Ad\u00e1 \"L\"","scp":"access_as_user","oid":"abc","tid":null,
		"preferred_username":"zoë@example.com","exp":1700000000.5,"nbf":1700000000,
		"aud":["a","b"],"OID":"ignored","extra":{"nested":[1,2]}}`
	if err := c.UnmarshalJSON([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if c.Name != `Adá "L"` || c.Scp != "access_as_user" || c.OID != "abc" || c.TID != "" ||
		c.PreferredUsername != "zoë@example.com" {
		t.Errorf("strings decoded as %+v", c)
	}
	if c.ExpiresAt == nil || !c.ExpiresAt.Time.Equal(time.Unix(1700000000, 0)) /* jwt keeps whole seconds */ ||
		c.NotBefore == nil || !c.NotBefore.Time.Equal(time.Unix(1700000000, 0)) || c.IssuedAt != nil {
		t.Errorf("dates decoded as exp %v nbf %v iat %v", c.ExpiresAt, c.NotBefore, c.IssuedAt)
	}
	if len(c.Audience) != 2 || c.Audience[1] != "b" {
		t.Errorf("aud decoded as %v", c.Audience)
	}
	for _, bad := range []string{
		`{"exp":1e300}`, `{"exp":-1}`, `{"exp":"soon"}`, `{"nbf":true}`,
		// RFC 7519 §2: a NumericDate is a JSON number, never a string or null.
		`{"exp":"1700000000"}`, `{"nbf":"1700000000"}`, `{"iat":"1700000000.5"}`, `{"iat":null}`,
		`{"oid":42}`, `{"scp":["access_as_user"]}`,
	} {
		var c claims
		if err := c.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}
