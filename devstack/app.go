package devstack

import (
	"encoding/json"
	"maps"
	"os"
	"strings"

	"github.com/example/entra-tasks/devstack/stage"
)

// StageApp lays out the function app in dir as `make build` does (devstack/stage), with handler (a
// binary built for this machine, Builder.Handler) as its executable.
func StageApp(dir, handler string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	return stage.App(root, dir, handler)
}

// LocalSettings is a local.settings.json to write: the app settings and the host's CORS origins.
type LocalSettings struct {
	Values map[string]string // FUNCTIONS_WORKER_RUNTIME=custom is added
	CORS   []string          // the SPA origins the host allows
}

// Write writes the settings to path, readable by its owner only (it may hold a connection string).
func (s LocalSettings) Write(path string) error {
	values := map[string]string{"FUNCTIONS_WORKER_RUNTIME": "custom"}
	maps.Copy(values, s.Values)
	file := map[string]any{"IsEncrypted": false, "Values": values}
	if len(s.CORS) > 0 {
		file["Host"] = map[string]any{"CORS": strings.Join(s.CORS, ","), "CORSCredentials": false}
	}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
