package infra_test

// Loading the project (Bicep, parameters, azure.yaml, hook scripts, handler sources) with optional in-memory
// edits, so every check can also be run against a deliberately broken copy (see mutations_test.go).

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type project struct {
	root   string
	files  map[string]string // repo-relative path -> content, for every file the checks read
	bicep  map[string]*bFile // repo-relative path -> parsed Bicep
	params map[string]any    // infra/main.parameters.json "parameters"
	yaml   map[string]any    // azure.yaml
	errs   []string          // problems found while loading
}

// repoRoot is the directory holding go.mod, found from the test's working directory (infra/).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// needTools skips the test, with one line, when a command it runs is not on PATH. Every tool missing from a
// machine gets this one behaviour (mk/infra.mk's Bicep check skips alike): the hooks are POSIX sh scripts, which a
// Windows machine without WSL or Git Bash cannot run.
func needTools(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("skipped: needs %s on PATH (a POSIX shell and its utilities: Linux, macOS, WSL or Git Bash)", name)
		}
	}
}

// readProjectFiles reads every file the checks look at.
func readProjectFiles(t testing.TB, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	add := func(rel string) {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("reading %s: %v", rel, err)
		}
		files[filepath.ToSlash(rel)] = string(b)
	}
	walk := func(dir string, keep func(string) bool) {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && keep(p) {
				rel, _ := filepath.Rel(root, p)
				add(rel)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", dir, err)
		}
	}
	// .kql: the log alerts' queries, which app/alerts.bicep loads with loadTextContent.
	walk("infra", func(p string) bool {
		return strings.HasSuffix(p, ".bicep") || strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".kql")
	})
	walk("scripts", func(p string) bool { return strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".ps1") })
	add("azure.yaml")
	add("local.settings.json.example")
	// The web predeploy hook runs it to write dist/staticwebapp.config.json (the SPA's response headers).
	add("frontend/scripts/swa-config.mjs")
	// The commands it gives (azd env get-value OUTPUT) must name outputs main.bicep has (checkDeployDocs).
	add("docs/deploy.md")
	files[gitModesFile] = readScriptModes(t, root)
	return files
}

// loadProject parses files; edits (path -> new content) replace files before parsing.
func loadProject(root string, files map[string]string) *project {
	p := &project{root: root, files: files, bicep: map[string]*bFile{}}
	for path, src := range files {
		if strings.HasSuffix(path, ".bicep") {
			f, err := parseBicep(path, src)
			if err != nil {
				p.errs = append(p.errs, err.Error())
				continue
			}
			p.bicep[path] = f
		}
	}
	var pf struct {
		Parameters map[string]any `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(files["infra/main.parameters.json"]), &pf); err != nil {
		p.errs = append(p.errs, "infra/main.parameters.json: "+err.Error())
	}
	p.params = pf.Parameters
	if err := yaml.Unmarshal([]byte(files["azure.yaml"]), &p.yaml); err != nil {
		p.errs = append(p.errs, "azure.yaml: "+err.Error())
	}
	return p
}

func loadRepo(t testing.TB) *project {
	t.Helper()
	root := repoRoot(t)
	p := loadProject(root, readProjectFiles(t, root))
	if len(p.errs) > 0 {
		t.Fatalf("the project does not load:\n  %s", strings.Join(p.errs, "\n  "))
	}
	return p
}

// withEdit returns a copy of files with old replaced by new in one file; it fails when old is absent, so a
// mutation cannot silently stop applying after an edit of the real file.
func withEdit(t testing.TB, files map[string]string, path, old, new string) map[string]string {
	t.Helper()
	src, ok := files[path]
	if !ok {
		t.Fatalf("mutation: no file %s", path)
	}
	if !strings.Contains(src, old) {
		t.Fatalf("mutation: %q not found in %s (update the mutation with the file)", old, path)
	}
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	out[path] = strings.Replace(src, old, new, 1)
	return out
}

// main returns infra/main.bicep.
func (p *project) main() *bFile { return p.bicep["infra/main.bicep"] }

// moduleFile resolves a module declaration of main.bicep to its parsed file.
func (p *project) moduleFile(m *bDecl) *bFile {
	return p.bicep[filepath.ToSlash(filepath.Join("infra", m.typ))]
}

// sortedBicep lists the parsed Bicep files in a stable order.
func (p *project) sortedBicep() []*bFile {
	var names []string
	for n := range p.bicep {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*bFile
	for _, n := range names {
		out = append(out, p.bicep[n])
	}
	return out
}

// resourcesOfType returns the declared (not `existing`) resources of a type, across all files.
func (p *project) resourcesOfType(typ string) []*bDecl {
	var out []*bDecl
	for _, f := range p.sortedBicep() {
		for _, r := range f.allResources() {
			if strings.EqualFold(r.resourceType(), typ) && !r.existing {
				out = append(out, r)
			}
		}
	}
	return out
}

// fileOf returns the file declaring d.
func (p *project) fileOf(d *bDecl) *bFile {
	for _, f := range p.bicep {
		for _, r := range f.allResources() {
			if r == d {
				return f
			}
		}
	}
	return nil
}

// resolveVar returns the raw value of `var name = ...` in f when ref is a bare identifier naming one, else ref.
func resolveVar(f *bFile, ref string) string {
	if d := f.decl("var", ref); d != nil && d.body != nil {
		return d.body.raw
	}
	return ref
}

// yamlGet follows map keys in azure.yaml; nil when absent.
func yamlGet(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func yamlString(v any, path ...string) string {
	s, _ := yamlGet(v, path...).(string)
	return s
}

type problems []string

func (ps *problems) add(format string, args ...any) { *ps = append(*ps, fmt.Sprintf(format, args...)) }
