package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// LocalStack is what `make start` runs without Core Tools: localidentity around the funchost
// stand-in around the real handler, on a fresh Azurite, with a copy of the repository's example
// settings in a staged app folder.
type LocalStack struct {
	*devstack.Host
	Output       *devstack.LogBuffer // everything the host, localidentity and the handler printed
	SettingsPath string              // the staged local.settings.json
	URLFile      string              // where localidentity publishes its token endpoint's URL
}

// StartLocalStack starts a LocalStack whose settings are a copy of exampleSettings (the path of
// local.settings.json.example, relative to the test's package), within timeout. It is stopped when
// the test ends (Stop may be called earlier), and its output is logged if the test failed.
func StartLocalStack(t testing.TB, exampleSettings string, timeout time.Duration) *LocalStack {
	t.Helper()
	var builds devstack.Builder
	t.Cleanup(func() { builds.RemoveAll() })
	bins := map[string]string{}
	for _, pkg := range []string{"./tools/localidentity", "./tools/funchost"} {
		bin, err := builds.Build(context.Background(), pkg)
		if err != nil {
			t.Fatal(err)
		}
		bins[pkg] = bin
	}
	root := t.TempDir()
	if err := devstack.StageApp(root, BuildHandler(t)); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(exampleSettings)
	if err != nil {
		t.Fatal(err)
	}
	ls := &LocalStack{Output: &devstack.LogBuffer{}, SettingsPath: filepath.Join(root, "local.settings.json"),
		URLFile: filepath.Join(root, "localidentity.url")}
	if err := os.WriteFile(ls.SettingsPath, example, 0o600); err != nil {
		t.Fatal(err)
	}
	azurite := StartAzurite(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ls.Host, err = devstack.StartHost(ctx, devstack.HostOptions{
		ScriptRoot: root, Log: ls.Output, Funchost: bins["./tools/funchost"],
		LocalIdentity: bins["./tools/localidentity"], URLFile: ls.URLFile,
		// The environment wins over local.settings.json, as with func start: point the example
		// settings at this test's Azurite.
		Env: []string{"TABLES_CONNECTION_STRING=" + azurite.ConnectionString()},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, ls.Output.String())
	}
	t.Cleanup(func() {
		ls.Stop() // SIGTERM, passed on to funchost, which stops the handler; a second Stop does nothing
		if t.Failed() {
			t.Logf("stack output:\n%s", ls.Output.String())
		}
	})
	return ls
}
