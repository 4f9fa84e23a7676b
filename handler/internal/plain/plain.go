// Package plain tells the strings that JSON encoders copy as they are, between quotes, from
// those they escape, so that a hand-written encoder can copy the first and leave the rest to
// the encoder it stands in for. It tests eight bytes at a time: the access line and the
// /api/me body ask it on every request.
package plain

import "encoding/binary"

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// SlogJSON reports whether log/slog's JSON handler writes s as it is: printable ASCII
// (0x20-0x7e) other than '"' and '\\'.
func SlogJSON(s string) bool { return check(s, false) }

// EncodingJSON reports whether encoding/json (HTML escaping on, as json.Marshal does) writes s
// as it is: what SlogJSON allows, other than '<', '>' and '&'.
func EncodingJSON(s string) bool { return check(s, true) }

func check(s string, html bool) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if escapes(binary.LittleEndian.Uint64([]byte(s[i:i+8])), html) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !Byte(s[i], html) {
			return false
		}
	}
	return true
}

// Byte is the rule for one byte, which check applies eight at a time.
func Byte(c byte, html bool) bool {
	switch {
	case c < 0x20 || c > 0x7e, c == '"', c == '\\':
		return false
	case html && (c == '<' || c == '>' || c == '&'):
		return false
	}
	return true
}

// escapes reports whether any byte of x breaks Byte. Each test is exact for "any byte": a
// byte with its high bit set; below 0x20 ((x - 0x20 per byte) &^ x keeps a high bit only
// where a byte was below 0x20, given none had its high bit set); and equal to c (the same test
// on x ^ c against 1).
func escapes(x uint64, html bool) bool {
	if x&highs != 0 {
		return true
	}
	bad := below(x, 0x20) | equal(x, 0x7f) | equal(x, '"') | equal(x, '\\')
	if html {
		bad |= equal(x, '<') | equal(x, '>') | equal(x, '&')
	}
	return bad != 0
}

func below(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x & highs }

func equal(x uint64, c byte) uint64 { return below(x^(ones*uint64(c)), 1) }
