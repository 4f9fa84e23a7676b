// Package docs holds no code: its tests keep README.md true to the tree and the settings it describes.
package docs

import (
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeLayoutMatchesTree: every path README's Layout table names exists, every top-level
// entry of the repository is in the table, and so is every Go package of the API and of the
// test kit (the two places a newcomer looks for code), so a moved or added package cannot
// leave the map behind.
func TestReadmeLayoutMatchesTree(t *testing.T) {
	tracked := trackedFiles(t)
	listed := layoutPaths(t)

	exists := func(p string) bool {
		p = strings.TrimSuffix(p, "/")
		for _, f := range tracked {
			if f == p || strings.HasPrefix(f, p+"/") {
				return true
			}
		}
		return false
	}
	for _, p := range listed {
		if !exists(p) {
			t.Errorf("README's Layout names %s, which is not in the repository", p)
		}
	}

	isListed := func(p string) bool {
		for _, l := range listed {
			if strings.TrimSuffix(l, "/") == p {
				return true
			}
		}
		return false
	}
	// Files every Go repository has, and README itself.
	obvious := map[string]bool{"README.md": true, "go.mod": true, "go.sum": true, ".gitignore": true}
	seen := map[string]bool{}
	for _, f := range tracked {
		top := strings.SplitN(f, "/", 2)[0]
		if seen[top] || obvious[top] {
			continue
		}
		seen[top] = true
		if !slices.ContainsFunc(listed, func(l string) bool { return l == top || strings.HasPrefix(l, top+"/") }) {
			t.Errorf("README's Layout does not mention %s", top)
		}
	}
	for _, pkg := range goPackages(tracked, "handler/", "testkit/") {
		if !isListed(pkg) && pkg != "handler" {
			t.Errorf("README's Layout does not mention the Go package %s", pkg)
		}
	}
}

// layoutPaths returns the backquoted paths in the first column of README's Layout table.
func layoutPaths(t *testing.T) []string {
	t.Helper()
	section := readmeSection(t, "Layout")
	code := regexp.MustCompile("`([^`]+)`")
	var paths []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			paths = append(paths, m[1])
		}
	}
	if len(paths) == 0 {
		t.Fatal("README's Layout table lists no paths")
	}
	return paths
}

// goPackages returns the directories under the prefixes holding non-test Go files.
func goPackages(files []string, prefixes ...string) []string {
	seen := map[string]bool{}
	var pkgs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		dir := path.Dir(f)
		for _, p := range prefixes {
			if (strings.HasPrefix(f, p) || dir == strings.TrimSuffix(p, "/")) && !seen[dir] {
				seen[dir] = true
				pkgs = append(pkgs, dir)
			}
		}
	}
	return pkgs
}

// trackedFiles lists the repository's files as git sees them (so build output and
// node_modules, which git ignores, are not part of the layout).
func trackedFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", "..", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (the layout check needs a git checkout)", err)
	}
	return strings.Fields(string(out))
}

// readmeSection returns the text of README.md's "## heading" section, up to the next one.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no ## %s section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}
