// Package docs holds no code: its tests keep README.md and the docs true to the tree and to the
// settings the handler reads.
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

// TestReadmeLayoutMatchesTree: every path README's Layout table names exists, and every
// top-level entry of the repository is in the table, so an added or moved folder cannot leave
// a newcomer's map behind.
func TestReadmeLayoutMatchesTree(t *testing.T) {
	tracked := trackedFiles(t)
	listed := tablePaths(t, "../README.md", "Layout")

	for _, p := range listed {
		if !existsIn(tracked, p) {
			t.Errorf("README's Layout names %s, which is not in the repository", p)
		}
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
		if !slices.ContainsFunc(listed, func(l string) bool { return strings.TrimSuffix(l, "/") == top }) {
			t.Errorf("README's Layout does not mention %s", top)
		}
	}
}

// TestDesignListsEveryPackage: docs/design.md's Packages table names every Go package of the
// handler, the local stack, the test kit, the commands, bench and reliability, and nothing that
// is not one. A package under handler/, devstack/ or testkit/ must be named itself; a command
// under tools/ is named by its folder (tools/funchost covers tools/funchost/host).
func TestDesignListsEveryPackage(t *testing.T) {
	tracked := trackedFiles(t)
	listed := tablePaths(t, "design.md", "Packages")
	pkgs := goPackages(tracked, "handler/", "devstack/", "testkit/", "tools/", "bench/", "reliability/")

	for _, p := range listed {
		if !slices.Contains(pkgs, p) {
			t.Errorf("docs/design.md's Packages names %s, which is not a Go package of the repository", p)
		}
	}
	for _, pkg := range pkgs {
		name := pkg
		if rest, ok := strings.CutPrefix(pkg, "tools/"); ok {
			name = "tools/" + strings.SplitN(rest, "/", 2)[0]
			if name != pkg && slices.Contains(listed, name) {
				continue // a command's internal package
			}
		}
		if !slices.Contains(listed, name) {
			t.Errorf("docs/design.md's Packages does not mention the Go package %s", pkg)
		}
	}
}

func existsIn(tracked []string, p string) bool {
	p = strings.TrimSuffix(p, "/")
	return slices.ContainsFunc(tracked, func(f string) bool { return f == p || strings.HasPrefix(f, p+"/") })
}

// tablePaths returns the backquoted paths in the first column of the table in the file's
// "## heading" section.
func tablePaths(t *testing.T, file, heading string) []string {
	t.Helper()
	code := regexp.MustCompile("`([^`]+)`")
	var paths []string
	for _, line := range strings.Split(section(t, file, heading), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			paths = append(paths, m[1])
		}
	}
	if len(paths) == 0 {
		t.Fatalf("%s's %s table lists no paths", file, heading)
	}
	return paths
}

// goPackages returns the directories under the prefixes holding non-test Go files (a prefix
// "bench/" also matches the directory bench itself).
func goPackages(files []string, prefixes ...string) []string {
	var pkgs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		dir := path.Dir(f)
		if slices.Contains(pkgs, dir) {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(f, p) || dir == strings.TrimSuffix(p, "/") {
				pkgs = append(pkgs, dir)
				break
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

// section returns the text of the file's "## heading" section, up to the next one. The file is
// relative to docs/.
func section(t *testing.T, file, heading string) string {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(text), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("%s has no ## %s section", file, heading)
	}
	body, _, _ = strings.Cut(body, "\n## ")
	return body
}
