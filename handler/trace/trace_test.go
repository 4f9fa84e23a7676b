package trace

import (
	"context"
	"regexp"
	"testing"
)

var wellFormed = regexp.MustCompile(`^[0-9a-f]{32}$`)

// The examples and rules of W3C Trace Context level 1, section 3.2.
func TestParse(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	valid := map[string]string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01":        id,
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00":        id,
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01":        id, // a later version: parsed as 00
		"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-future": id, // with fields of its own
	}
	for h, want := range valid {
		if got, ok := Parse(h); !ok || string(got) != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", h, got, ok, want)
		}
	}
	invalid := []string{
		"",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",     // no flags
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",  // upper case
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", // version 00 is exactly 55
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", // extra without a dash
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
		"0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
		" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	}
	for _, h := range invalid {
		if got, ok := Parse(h); ok {
			t.Errorf("Parse(%q) = %q, want invalid", h, got)
		}
	}
}

func TestFromHeaderMakesANewIDForBadInput(t *testing.T) {
	a, b := FromHeader("garbage"), FromHeader("")
	if !wellFormed.MatchString(string(a)) || !wellFormed.MatchString(string(b)) || a == b {
		t.Errorf("new ids %q, %q: want two different 32-hex ids", a, b)
	}
}

func TestContext(t *testing.T) {
	ctx := NewContext(context.Background(), "4bf92f3577b34da6a3ce929d0e0e4736")
	if FromContext(ctx) != "4bf92f3577b34da6a3ce929d0e0e4736" || FromContext(context.Background()) != "" {
		t.Error("FromContext does not return what NewContext stored")
	}
}
