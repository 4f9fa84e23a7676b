package auth

import (
	"strings"
	"testing"
)

// isB64Token tests eight bytes at a time; it must agree with the byte rule for every byte
// value at every position of a word and of the tail.
func TestB64TokenEveryByteEveryPosition(t *testing.T) {
	const n = 19 // two words and a tail of three
	for c := range 256 {
		for pos := range n {
			b := []byte("abcdefghij.KLMN-_~+/xyz"[:n])
			b[pos] = byte(c)
			want := c != '=' && isB64Byte(byte(c)) || c == '=' && pos == n-1
			if got := isB64Token(string(b)); got != want {
				t.Errorf("isB64Token(%q) = %v, want %v", b, got, want)
			}
		}
	}
	for s, want := range map[string]bool{"": false, "=": false, "==": false, "a=": true, "a==": true, "a=b": false,
		"abcdefgh=": true, "abcdefgh==": true, "abcdefgh=abcdefgh": false} {
		if got := isB64Token(s); got != want {
			t.Errorf("isB64Token(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzB64Token(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
	f.Add("abcdefgh\\x80ijklmnop==")
	f.Fuzz(func(t *testing.T, s string) {
		want := true
		trimmed := s
		for len(trimmed) > 0 && trimmed[len(trimmed)-1] == '=' {
			trimmed = trimmed[:len(trimmed)-1]
		}
		if trimmed == "" {
			want = false
		}
		for i := 0; i < len(trimmed); i++ {
			want = want && isB64Byte(trimmed[i])
		}
		if got := isB64Token(s); got != want {
			t.Errorf("isB64Token(%q) = %v, want %v", s, got, want)
		}
	})
}

// BenchmarkIsB64Token checks a token of an Entra access token's size; it runs on every request.
func BenchmarkIsB64Token(b *testing.B) {
	tok := strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJlbmNoLWtleS0xIiwidHlwIjoiSldUIn0-_", 20) + ".sig"
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		if !isB64Token(tok) {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkIsB64TokenByteByByte is the byte rule alone over the same token, for comparison.
func BenchmarkIsB64TokenByteByByte(b *testing.B) {
	tok := strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJlbmNoLWtleS0xIiwidHlwIjoiSldUIn0-_", 20) + ".sig"
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		for i := 0; i < len(tok); i++ {
			if !isB64Byte(tok[i]) {
				b.Fatal("rejected")
			}
		}
	}
}
