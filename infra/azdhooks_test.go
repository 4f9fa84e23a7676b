package infra_test

// How azd finds and runs a POSIX hook, and the file modes that makes matter. Every test that runs a hook goes
// through runAzdHook, so our scripts are started exactly as azd starts them. From Azure/azure-dev (snapshot
// ae35809, Aug 2026):
//   - cli/azd/cmd/middleware/hooks.go registerCommandHooks / registerServiceHooks: a project hook runs in the
//     project's directory (where azure.yaml is), a service hook in the service's directory (service.Path(), the
//     `project:` of the service), both with the project directory as the containment boundary.
//   - cli/azd/pkg/ext/models.go parseRunTarget / resolvePaths / enforceContainment: `run:` is joined to that
//     directory and made absolute (so `../scripts/spa-config.sh` of ./frontend is <root>/scripts/spa-config.sh);
//     a `run:` that names no existing file is run as an inline script instead. The hook's cwd is that directory.
//   - cli/azd/pkg/ext/hooks_manager.go filterConfigs: on Linux and macOS the `posix:` entry is used.
//   - cli/azd/pkg/ext/hooks_runner.go execHook: the environment is the azd environment's values
//     (environment.go Environ), which cli/azd/pkg/exec/command_runner.go appendEnv appends to azd's own
//     process environment (later entries win).
//   - cli/azd/pkg/tools/bash/bash.go Execute: exec.NewRunArgs("", path).WithShell(true), and
//     command_runner.go newCmdTree turns that into `/bin/sh -c <path>` (the path unquoted). /bin/sh then
//     executes the file itself: a file without its executable bit fails with 126, "Permission denied"
//     (Azure/azure-dev#1809). Only inline scripts get a temporary executable file (bash.go Prepare).
// A clone gets each file's mode from the git index, so the index is what the mode check reads.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// azdHook is one POSIX hook as azd resolves it: the directory it runs in and the absolute script path.
type azdHook struct {
	label  string // "preprovision", "web predeploy"
	cwd    string
	script string
}

// hookRef names a hook of azure.yaml: a project hook (service "") or a service hook.
type hookRef struct{ service, name string }

func (r hookRef) String() string {
	if r.service == "" {
		return r.name
	}
	return r.service + " " + r.name
}

// hookRefs lists every hook azure.yaml declares, project hooks first, each group sorted.
func hookRefs(p *project) []hookRef {
	var refs []hookRef
	hooks, _ := yamlGet(p.yaml, "hooks").(map[string]any)
	for _, name := range sortedKeys(hooks) {
		refs = append(refs, hookRef{"", name})
	}
	services, _ := yamlGet(p.yaml, "services").(map[string]any)
	for _, svc := range sortedKeys(services) {
		hooks, _ := yamlGet(services[svc], "hooks").(map[string]any)
		for _, name := range sortedKeys(hooks) {
			refs = append(refs, hookRef{svc, name})
		}
	}
	return refs
}

// resolveHook returns the POSIX hook r of azure.yaml as azd would run it from a checkout at root; ok is false
// when the hook has no posix `run:`.
func resolveHook(p *project, root string, r hookRef) (h azdHook, ok bool) {
	cwd, path := root, []string{"hooks", r.name, "posix", "run"}
	if r.service != "" {
		cwd = filepath.Join(root, filepath.FromSlash(yamlString(p.yaml, "services", r.service, "project")))
		path = []string{"services", r.service, "hooks", r.name, "posix", "run"}
	}
	run := yamlString(p.yaml, path...)
	if run == "" {
		return azdHook{}, false
	}
	return azdHook{label: r.String(), cwd: filepath.Clean(cwd), script: filepath.Join(cwd, filepath.FromSlash(run))}, true
}

// posixHookFiles maps each file a posix hook of azure.yaml runs (repo-relative, slash-separated) to the hooks
// that run it.
func posixHookFiles(p *project) map[string][]string {
	files := map[string][]string{}
	for _, r := range hookRefs(p) {
		if h, ok := resolveHook(p, "/repo", r); ok {
			rel, _ := filepath.Rel("/repo", h.script)
			files[filepath.ToSlash(rel)] = append(files[filepath.ToSlash(rel)], h.label)
		}
	}
	return files
}

// runAzdHook runs h as azd does: `/bin/sh -c <absolute script path>` in the hook's directory, with the process
// environment followed by the azd environment's values.
func runAzdHook(t testing.TB, h azdHook, processEnv []string, azdEnv map[string]string) (string, error) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("skipped: azd runs POSIX hooks with /bin/sh, which this machine lacks")
	}
	cmd := exec.Command("/bin/sh", "-c", h.script)
	cmd.Dir = h.cwd
	cmd.Env = slices.Clone(processEnv)
	keys := sortedKeys(azdEnv)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+azdEnv[k])
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// ---- file modes ----

// gitModesFile is the pseudo file of the project holding "<mode> <path>" lines for the scripts: from the git
// index (`git ls-files -s`, what a clone gets) or, outside a git checkout, from the file system.
const gitModesFile = "(git index modes)"

// readScriptModes returns the modes of scripts/* as gitModesFile's text.
func readScriptModes(t testing.TB, root string) string {
	t.Helper()
	var lines []string
	if out, err := exec.Command("git", "-C", root, "ls-files", "-s", "--", "scripts").Output(); err == nil && len(out) > 0 {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			// <mode> <object> <stage>\t<path>
			meta, path, _ := strings.Cut(line, "\t")
			lines = append(lines, strings.Fields(meta)[0]+" "+path)
		}
	} else {
		entries, err := os.ReadDir(filepath.Join(root, "scripts"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			mode := "100644"
			if info.Mode().Perm()&0o111 != 0 {
				mode = "100755"
			}
			lines = append(lines, mode+" scripts/"+e.Name())
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// scriptModes parses gitModesFile: path -> mode.
func (p *project) scriptModes() map[string]string {
	modes := map[string]string{}
	for _, line := range strings.Split(p.files[gitModesFile], "\n") {
		if mode, path, ok := strings.Cut(line, " "); ok {
			modes[path] = mode
		}
	}
	return modes
}

// fileMode is the permission a checkout gives path: 0755 for an executable index entry, else 0644.
func (p *project) fileMode(path string) os.FileMode {
	if p.scriptModes()[path] == "100755" {
		return 0o755
	}
	return 0o644
}

// userRunScripts are the scripts docs/deploy.md tells the user to run by their path (`scripts/x.sh ...`), which
// the shell executes directly, as /bin/sh does a hook.
var userRunScripts = []string{"scripts/grant-pipeline-graph.sh"}

// checkHookModes: every file a posix hook runs, and every script the docs tell users to run by its path, is
// executable in git (100755); otherwise azd's `/bin/sh -c <path>` fails with 126 on a fresh clone.
func checkHookModes(p *project) (ps problems) {
	modes := p.scriptModes()
	files := posixHookFiles(p)
	for _, f := range userRunScripts {
		files[f] = append(files[f], "docs/deploy.md")
	}
	if len(files) == 0 {
		ps.add("azure.yaml declares no posix hook")
	}
	for _, f := range sortedKeys(files) {
		if mode := modes[f]; mode != "100755" {
			ps.add("%s (run by %s) has mode %q in git, want 100755: azd runs it as `/bin/sh -c <path>`, which fails with 126 Permission denied (git update-index --chmod=+x %s)",
				f, strings.Join(files[f], ", "), mode, f)
		}
	}
	return
}

// The runner itself: it must execute the file (so a file without its executable bit fails as under azd), in the
// hook's directory, with the azd environment's values after the process environment.
func TestAzdHookRunnerRunsTheFileItself(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$(pwd)\" \"$A\" \"$B\"\n"
	for name, mode := range map[string]os.FileMode{"run.sh": 0o755, "plain.sh": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, name), mode) // whatever the umask
	}
	sub := filepath.Join(dir, "svc")
	os.Mkdir(sub, 0o755)
	process := []string{"PATH=" + os.Getenv("PATH"), "A=process", "B=process"}
	out, err := runAzdHook(t, azdHook{"test", sub, filepath.Join(dir, "run.sh")}, process, map[string]string{"B": "azd"})
	if err != nil || strings.TrimSpace(out) != sub+"|process|azd" {
		t.Errorf("executable hook: err %v, output %q, want %q", err, out, sub+"|process|azd")
	}
	out, err = runAzdHook(t, azdHook{"test", sub, filepath.Join(dir, "plain.sh")}, process, nil)
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || exit.ExitCode() != 126 || !strings.Contains(out, "Permission denied") {
		t.Errorf("a hook without its executable bit must fail as under azd (126, Permission denied): err %v, output %q", err, out)
	}
}

// Where azd runs each hook: project hooks in the root, service hooks in the service's directory, the script
// path joined to it and absolute.
func TestHookResolution(t *testing.T) {
	p := loadRepo(t)
	for ref, want := range map[hookRef][2]string{
		{"", "preprovision"}:  {"/r", "/r/scripts/preprovision.sh"},
		{"web", "predeploy"}:  {"/r/frontend", "/r/scripts/spa-config.sh"},
		{"api", "prepackage"}: {"/r", "/r/scripts/build-api.sh"},
	} {
		h, ok := resolveHook(p, "/r", ref)
		if !ok || h.cwd != filepath.FromSlash(want[0]) || h.script != filepath.FromSlash(want[1]) {
			t.Errorf("%s: ok %v, cwd %q, script %q; want %q, %q", ref, ok, h.cwd, h.script, want[0], want[1])
		}
	}
	if _, ok := resolveHook(p, "/r", hookRef{"web", "no-such-hook"}); ok {
		t.Error("a hook azure.yaml does not declare resolved")
	}
}

// `make build` runs the prepackage hook of service api as azd does: `/bin/sh -c <absolute path>`, from the
// service's directory, never `sh <path>` (which would build although azd could not run the file).
func TestMakeBuildRunsTheHookAsAzd(t *testing.T) {
	needTools(t, "make")
	root := repoRoot(t)
	p := loadRepo(t)
	h, ok := resolveHook(p, root, hookRef{"api", "prepackage"})
	if !ok {
		t.Fatal("azure.yaml: service api has no posix prepackage hook")
	}
	out, err := exec.Command("make", "-C", root, "--no-print-directory", "-n", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	if h.cwd != root {
		t.Errorf("the api service runs in %s, but make build runs in %s", h.cwd, root)
	}
	recipe := strings.TrimSpace(string(out))
	if !strings.Contains(recipe, "/bin/sh -c '"+h.script+"'") {
		t.Errorf("make build runs %q, want `/bin/sh -c '%s'` as azd runs the prepackage hook", recipe, h.script)
	}
}
