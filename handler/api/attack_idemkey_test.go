package api

import (
	"net/http"
	"strings"
	"testing"
)

// Claim 5's header parsing (could not break: this passes, also fuzzed for a few minutes with
// go test -fuzz FuzzAttackIdempotencyKey). Any header value either is refused with a
// badRequest (a 400, never a 5xx) or gives a key of 1 to 255 printable ASCII characters, not
// all spaces; a key accepted bare is the same key quoted, and a key accepted quoted is
// accepted again once re-serialised as an sf-string.
func FuzzAttackIdempotencyKey(f *testing.F) {
	for _, s := range []string{`"k"`, `k`, `""`, `" "`, `"\"`, `"a\"`, `"a\\"`, `"a\"b"`, "\"a\tb\"", `"a";p=1`, `a,b`, `"a", "b"`,
		"\x80", `"` + strings.Repeat("x", 255) + `"`, strings.Repeat("x", 256), " \t k \t ", `"é"`, "\"a\x7fb\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		r, _ := http.NewRequest("POST", "/api/tasks", nil)
		r.Header.Set("Idempotency-Key", value)
		key, err := parseIdempotencyKey(r)
		if err != nil {
			if _, ok := err.(badRequest); !ok {
				t.Fatalf("%q: %v is not a 400", value, err)
			}
			return
		}
		if key == "" || len(key) > maxIdempotencyKey || strings.Trim(key, " ") == "" {
			t.Fatalf("%q gave the key %q", value, key)
		}
		for i := 0; i < len(key); i++ {
			if key[i] < 0x20 || key[i] > 0x7e {
				t.Fatalf("%q gave the key %q with byte %#x", value, key, key[i])
			}
		}
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(key) + `"`
		r.Header.Set("Idempotency-Key", quoted)
		if again, err := parseIdempotencyKey(r); err != nil || again != key {
			t.Fatalf("%q gave %q, but its sf-string %s gave %q, %v", value, key, quoted, again, err)
		}
	})
}
