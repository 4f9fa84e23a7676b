package devstack_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLayers holds the folders to one direction of imports, so that the house has no arrow running back
// up and no circle: commands (tools/, bench/) use the dev stack, the test kit uses the dev stack, the dev
// stack uses the shipped handler, and the handler uses nothing of ours outside itself. A command may not
// need the test kit, and nothing may import a command's folder from outside it. Test files are free to
// use anything (they are not shipped and not imported).
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/example/entra-tasks/"
	// may lists, for each folder, the folders its packages may import (besides their own).
	may := map[string][]string{
		"handler":     {},
		"devstack":    {"handler"},
		"testkit":     {"devstack", "handler"},
		"tools":       {"devstack", "handler"},
		"bench":       {"devstack", "handler"},
		"reliability": {"testkit", "devstack", "handler"},
		"docs":        {},
		"infra":       {},
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 20 {
		t.Fatalf("go list listed %d packages", len(lines))
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		top := strings.SplitN(pkg, "/", 2)[0]
		allowed, known := may[top]
		if !known {
			t.Errorf("%s is in a folder the layering does not know (%s/): add it to TestLayers", pkg, top)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			depTop := strings.SplitN(dep, "/", 2)[0]
			switch {
			case depTop == top && top == "tools":
				// One command's own packages only (tools/funchost -> tools/funchost/host).
				if cmd := strings.SplitN(pkg, "/", 3)[1]; !strings.HasPrefix(dep, "tools/"+cmd+"/") {
					t.Errorf("%s imports %s: a command may not import another command's folder", pkg, dep)
				}
			case depTop == top:
			case slices.Contains(allowed, depTop):
			default:
				t.Errorf("%s imports %s: %s/ may import only %v", pkg, dep, top, allowed)
			}
		}
	}
}
