package tasks_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/handler/tasks"
)

func TestNormalizeTitle(t *testing.T) {
	ok := map[string]string{
		"  Buy milk \n":          "Buy milk",
		strings.Repeat("é", 200): strings.Repeat("é", 200),
		"日本語のタスク":                "日本語のタスク",
		"emoji 🎉 allowed":        "emoji 🎉 allowed",
		// Kept working: ZWJ emoji sequences, a flag, a skin tone, a subdivision flag (tag
		// characters), accents written with combining marks, right-to-left scripts with their
		// marks, Persian with a zero-width non-joiner, Devanagari.
		"👩\u200d💻 family 👨\u200d👩\u200d👧":                                     "👩\u200d💻 family 👨\u200d👩\u200d👧",
		"🇳🇴 👍🏽 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f": "🇳🇴 👍🏽 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
		"Cafe\u0301 crème":    "Cafe\u0301 crème",
		"שלום עולם":           "שלום עולם",
		"مرحبا \u200fبالعالم": "مرحبا \u200fبالعالم",
		"می\u200cخواهم":       "می\u200cخواهم",
		"नमस्ते":              "नमस्ते",
		"❤\ufe0f":             "❤\ufe0f",
	}
	for in, want := range ok {
		got, err := tasks.NormalizeTitle(in)
		if err != nil || got != want {
			t.Errorf("NormalizeTitle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", 201), "tab\tinside", "bell\a", "del\x7f", "nel\u0085inside", "\xff\xfe",
		// U+FFFD: what encoding/json makes of a lone surrogate escape ({"title":"a\ud800"}).
		"a\ufffd",
		// Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), anywhere.
		"invoice\u202egnp.exe", "a\u202ab", "a\u202bb", "a\u202cb", "a\u202db", "a\u2066b", "a\u2067b", "a\u2068b", "a\u2069b",
		// Nothing visible: zero-width and format characters, fillers, a variation selector,
		// a lone combining mark, the blank braille pattern.
		"\u200b", "\u200b\u200c\u200d", "\ufeff", "\u2060\u2061", "\u200e\u200f", "\u3164", "\u115f\u1160", "\uffa0",
		"\ufe0f", "\u0301", "\u2800", "\U000e0020\U000e007f", "\u00ad", " \u200b ",
	} {
		var v *tasks.ValidationError
		if _, err := tasks.NormalizeTitle(bad); !errors.As(err, &v) || v.Field != "title" {
			t.Errorf("NormalizeTitle(%q) err = %v, want a title ValidationError", bad, err)
		}
	}
}

func TestCheckPageSize(t *testing.T) {
	for in, want := range map[int]int{0: tasks.DefaultPageSize, 1: 1, 200: 200} {
		if got, err := tasks.CheckPageSize(in); err != nil || got != want {
			t.Errorf("CheckPageSize(%d) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []int{-1, 201, 1 << 40} {
		if _, err := tasks.CheckPageSize(bad); err == nil {
			t.Errorf("CheckPageSize(%d) accepted", bad)
		}
	}
}

// Ids are row keys, and Table Storage returns rows in row-key order: ids sort newest first,
// so a list's first page holds the newest tasks.
func TestIDsAreUniqueNewestFirstAndWellFormed(t *testing.T) {
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	g := tasks.NewIDGenerator(func() time.Time { return clock }) // every id in one millisecond
	var ids []string
	for range 1000 {
		id := g.New()
		if !tasks.IsID(id) {
			t.Fatalf("IsID(%q) = false", id)
		}
		ids = append(ids, id)
	}
	slices.Reverse(ids)
	if !slices.IsSorted(ids) {
		t.Error("ids made in one millisecond do not sort newest first")
	}
	newest := ids[0]
	clock = clock.Add(time.Second)
	if later := g.New(); later >= newest {
		t.Errorf("an id made a second later, %s, sorts after %s", later, newest)
	}
	newest = g.New()
	clock = clock.Add(-time.Minute) // the clock steps back
	if later := g.New(); later >= newest {
		t.Errorf("after a clock step back, %s sorts after %s", later, newest)
	}
	// 2^48-1 minus the clock's millisecond, in base32 after the leading "00".
	if ids[len(ids)-1][:11] != "00ZSEYGHFDZ" {
		t.Errorf("timestamp part %s, want the inverted clock", ids[len(ids)-1][:11])
	}
	// An id made before, oldest first (a ULID of 2026-11-26), stays valid and sorts after.
	const before = "01M8BVM4G0ZK8J6B6X9F4YV7QH"
	if !tasks.IsID(before) || before <= ids[len(ids)-1] {
		t.Errorf("the older id form %s is not valid, or sorts before a new id", before)
	}
}

func TestIDsUniqueAcrossGoroutines(t *testing.T) {
	g := tasks.NewIDGenerator(nil)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				id := g.New()
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate id %s", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestIsIDRejectsOtherShapes(t *testing.T) {
	for _, bad := range []string{"", "1", "01JDQ1E5W1ZK8J6B6X9F4YV7Q", "01JDQ1E5W1ZK8J6B6X9F4YV7QHX", "01jdq1e5w1zk8j6b6x9f4yv7qh",
		"01JDQ1E5W1ZK8J6B6X9F4YV7QI", "01JDQ1E5W1ZK8J6B6X9F4YV7Q/", "81JDQ1E5W1ZK8J6B6X9F4YV7QH", "01JDQ1E5W1ZK8J6B6X9F4YV7Q#"} {
		if tasks.IsID(bad) {
			t.Errorf("IsID(%q) = true", bad)
		}
	}
	if !tasks.IsID("01JDQ1E5W1ZK8J6B6X9F4YV7QH") {
		t.Error("a valid id rejected")
	}
}

// The messages a refused title gets are shown to the user as they are (the SPA shows a 400's
// detail): they say what is wrong in plain words, without "bidi", "override" or a code point
// as the only explanation (issue 30, finding 12).
func TestNormalizeTitleSaysWhyInPlainWords(t *testing.T) {
	cases := []struct {
		title string
		want  string
	}{
		{"a\u202Eb", "reverse or reorder"},
		{"a\u2066b", "reverse or reorder"},
		{"a\tb", "tab"},
		{"a\nb", "line break"},
		{"a\uFFFDb", "damaged"},
	}
	for _, c := range cases {
		_, err := tasks.NormalizeTitle(c.title)
		var ve *tasks.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: got %v, want a ValidationError", c.title, err)
		}
		if !strings.Contains(ve.Message, c.want) {
			t.Errorf("%q: message %q does not say %q", c.title, ve.Message, c.want)
		}
		for _, jargon := range []string{"bidi", "override", "isolate", "embedding", "U+"} {
			if strings.Contains(ve.Message, jargon) {
				t.Errorf("%q: message %q uses %q", c.title, ve.Message, jargon)
			}
		}
	}
}
