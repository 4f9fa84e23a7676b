package docs

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/entra-tasks/handler/settings"
)

// documentedRows returns the rows of the table in docs/settings.md's "## The table" section, as
// "| name | meaning | default |" lines.
func documentedRows(t *testing.T) []string {
	t.Helper()
	var rows []string
	for _, line := range strings.Split(section(t, "settings.md", "The table"), "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	return rows
}

func row(s settings.Setting) string {
	return "| `" + s.Name + "` | " + s.Meaning + " | " + s.DefaultText() + " |"
}

// docs/settings.md's table is a checked copy of settings.All: every setting the handler reads,
// in the same order, with the same meaning and default, and nothing else. The page stays
// hand-written prose (no generator, no markers); on a mismatch this test prints the row to
// paste.
func TestSettingsTable(t *testing.T) {
	documented := map[string]string{} // name: its row
	var order []string
	for _, line := range documentedRows(t) {
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		documented[name] = line
		order = append(order, name)
	}
	var want []string
	for _, s := range settings.All() {
		want = append(want, s.Name)
		line, ok := documented[s.Name]
		switch {
		case !ok:
			t.Errorf("docs/settings.md's table lacks %s; add:\n%s", s.Name, row(s))
		case line != row(s):
			t.Errorf("docs/settings.md's table differs from handler/settings for %s:\n got %s\nwant %s", s.Name, line, row(s))
		}
		delete(documented, s.Name)
	}
	for name := range documented {
		t.Errorf("docs/settings.md's table documents %s, which the handler does not read (handler/settings)", name)
	}
	if !t.Failed() && !slices.Equal(order, want) {
		t.Errorf("docs/settings.md's table lists %v; handler/settings lists them in the order %v", order, want)
	}
}
