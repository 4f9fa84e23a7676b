package auth

import (
	"slices"
	"testing"
)

// cloneShared copies as clone does: equal, nil stays nil, empty stays empty, and nothing is
// shared with the original, whether the scopes fit beside the copy or not.
func TestCloneSharedSharesNothing(t *testing.T) {
	for _, scopes := range [][]string{nil, {}, {"a"}, {"a", "b"}, {"a", "b", "c"}} {
		orig := &Principal{ObjectID: "o", TenantID: "t", Name: "n", Username: "u", Scopes: slices.Clone(scopes), Roles: 3}
		c := orig.cloneShared()
		if c.ObjectID != "o" || c.TenantID != "t" || c.Name != "n" || c.Username != "u" || c.Roles != 3 ||
			!slices.Equal(c.Scopes, scopes) || (c.Scopes == nil) != (scopes == nil) {
			t.Fatalf("cloneShared(%q) = %+v", scopes, c)
		}
		c.ObjectID = "x"
		for i := range c.Scopes {
			c.Scopes[i] = "changed"
		}
		c.Scopes = append(c.Scopes, "more")
		if orig.ObjectID != "o" || !slices.Equal(orig.Scopes, scopes) {
			t.Fatalf("changing the copy changed the original: %+v", orig)
		}
		if d := orig.cloneShared(); !slices.Equal(d.Scopes, scopes) {
			t.Fatalf("a second copy saw the first one's changes: %q", d.Scopes)
		}
	}
}
