package stage

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAppStagesTheRepositoryAndOnlyReplacesWhatItStaged checks what the host will read from a staged
// folder that an earlier build and a developer have used: the repository's function.json files, the
// handler executable, no function that was deleted since, and the developer's local.settings.json intact.
func TestAppStagesTheRepositoryAndOnlyReplacesWhatItStaged(t *testing.T) {
	repo := "../.."
	dir := t.TempDir()
	write(t, filepath.Join(dir, "deleted-function", "function.json"), "{}")
	write(t, filepath.Join(dir, "local.settings.json"), `{"Values":{}}`)
	handler := filepath.Join(t.TempDir(), "built")
	write(t, handler, "#!/bin/sh\n")

	if err := App(repo, dir, handler); err != nil {
		t.Fatal(err)
	}
	fns, _ := filepath.Glob(filepath.Join(repo, "functions", "*", "function.json"))
	if len(fns) == 0 {
		t.Fatal("the repository has no functions/*/function.json")
	}
	for _, fn := range fns {
		want, _ := os.ReadFile(fn)
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(filepath.Dir(fn)), "function.json"))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s staged as %q (%v)", fn, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "deleted-function", "function.json")); !os.IsNotExist(err) {
		t.Errorf("a function that is no longer in functions/ is still staged: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "local.settings.json")); string(got) != `{"Values":{}}` {
		t.Errorf("local.settings.json changed: %q", got)
	}
	if want, _ := os.ReadFile(filepath.Join(repo, "host.json")); !sameContent(t, filepath.Join(dir, "host.json"), want) {
		t.Error("host.json is not the repository's")
	}
	if fi, err := os.Stat(filepath.Join(dir, HandlerName)); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("handler: %v, mode %v; want 0755", err, fi)
	}

	// Staging again with the handler already in place (how tools/pack -stage builds it) keeps it.
	if err := App(repo, dir, filepath.Join(dir, HandlerName)); err != nil {
		t.Fatal(err)
	}
	if !sameContent(t, filepath.Join(dir, HandlerName), []byte("#!/bin/sh\n")) {
		t.Error("staging over the handler in place lost it")
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sameContent(t *testing.T, path string, want []byte) bool {
	t.Helper()
	got, err := os.ReadFile(path)
	return err == nil && string(got) == string(want)
}
