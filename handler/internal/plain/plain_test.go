package plain

import (
	"strings"
	"testing"
)

func byteByByte(s string, html bool) bool {
	for i := 0; i < len(s); i++ {
		if !Byte(s[i], html) {
			return false
		}
	}
	return true
}

// Every byte value at every position of two words and a tail, in a string otherwise plain,
// and beside every other byte value, gets the byte rule's answer.
func TestEveryByteEveryPosition(t *testing.T) {
	for _, html := range []bool{false, true} {
		for c := range 256 {
			for pos := range 19 {
				b := []byte(strings.Repeat("aZ0 ~!{", 3)[:19])
				b[pos] = byte(c)
				for d := range 256 {
					b[(pos+1)%19] = byte(d)
					if got, want := check(string(b), html), byteByByte(string(b), html); got != want {
						t.Fatalf("check(%q, %v) = %v, want %v", b, html, got, want)
					}
				}
			}
		}
	}
	if !Byte('<', false) || Byte('<', true) || Byte('"', false) || !Byte(' ', true) || Byte(0x7f, false) {
		t.Error("Byte does not follow the documented rule")
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("Ada Lovelace <ada@example.com>", true)
	f.Add("/api/tasks/\x00\xff\"\\", false)
	f.Fuzz(func(t *testing.T, s string, html bool) {
		if got, want := check(s, html), byteByByte(s, html); got != want {
			t.Errorf("check(%q, %v) = %v, want %v", s, html, got, want)
		}
	})
}

func BenchmarkEncodingJSON(b *testing.B) {
	s := "00000000-0000-4000-8000-00000000e001 Bench User bench@example.com"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !EncodingJSON(s) {
			b.Fatal("not plain")
		}
	}
}
