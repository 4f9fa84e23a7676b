package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/entra"
)

// startTimeout bounds the whole start: builds, Azurite, and a host that may be Core Tools.
const startTimeout = 3 * time.Minute

// ready is the line printed once everything answers; the browser tests and `make start` read it.
type ready struct {
	APIURL       string `json:"apiUrl"`
	TablePort    int    `json:"tablePort"`
	SettingsPath string `json:"settingsPath"`
	URLFile      string `json:"urlFile"`
	Mode         string `json:"mode"`
	LogDir       string `json:"logDir"`
}

// running is one run of the stack: what it started, stopped in reverse order.
type running struct {
	cfg   config
	logs  *logs
	stops []func()
}

func newStack(cfg config, stderr io.Writer) *running {
	return &running{cfg: cfg, logs: newLogs(cfg.logDir, stderr)}
}

// onStop registers a clean-up; stop runs them newest first (the API before Azurite).
func (s *running) onStop(f func()) { s.stops = append(s.stops, f) }

func (s *running) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
	s.logs.close()
}

func (s *running) start(ctx context.Context) (ready, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	work, err := s.workDir()
	if err != nil {
		return ready{}, err
	}
	bins, err := os.MkdirTemp("", "stack-bin-")
	if err != nil {
		return ready{}, err
	}
	builder := &devstack.Builder{Dir: bins}
	s.onStop(func() { builder.RemoveAll() })
	if s.cfg.mode == "e2e" {
		return s.startE2E(ctx, work, builder)
	}
	return s.startLocal(ctx, work, builder)
}

// workDir is where the app is staged: -work, or a temporary folder removed on stop.
func (s *running) workDir() (string, error) {
	if s.cfg.work != "" {
		dir, err := filepath.Abs(s.cfg.work)
		if err != nil {
			return "", err
		}
		return dir, os.MkdirAll(dir, 0o755)
	}
	dir, err := os.MkdirTemp("", "stack-work-")
	if err != nil {
		return "", err
	}
	s.onStop(func() { os.RemoveAll(dir) })
	return dir, nil
}

// startE2E: Azurite in memory, the key set on loopback, settings from the flags, funchost.
func (s *running) startE2E(ctx context.Context, work string, builder *devstack.Builder) (ready, error) {
	keys, err := s.serveKeys()
	if err != nil {
		return ready{}, err
	}
	azurite, err := s.startAzurite(ctx, devstack.AzuriteOptions{Dir: s.cfg.azuriteDir, TablePort: s.cfg.azuritePort})
	if err != nil {
		return ready{}, err
	}
	values := map[string]string{
		"AZURE_TENANT_ID":          cmp.Or(s.cfg.tenant, entra.TestTenant),
		"AZURE_API_CLIENT_ID":      cmp.Or(s.cfg.client, entra.TestClient),
		"API_REQUIRED_SCOPE":       s.cfg.scope,
		"ENTRA_JWKS_URL":           keys.URL,
		"TABLES_CONNECTION_STRING": azurite.ConnectionString(),
		"TASKS_TABLE":              "tasks",
	}
	for _, name := range s.cfg.setOrder {
		values[name] = s.cfg.set[name]
	}
	settingsPath := filepath.Join(work, "local.settings.json")
	if err := (devstack.LocalSettings{Values: values, CORS: s.cfg.cors}).Write(settingsPath); err != nil {
		return ready{}, err
	}
	log, where, err := s.logs.open("api")
	if err != nil {
		return ready{}, err
	}
	bins, err := s.build(ctx, builder, log, where, "./handler", "./tools/funchost")
	if err != nil {
		return ready{}, err
	}
	if err := devstack.StageApp(work, bins[0]); err != nil {
		return ready{}, fmt.Errorf("staging the app in %s: %w", work, err)
	}
	// The settings also go in the environment, where they win over anything this process inherited.
	host, err := s.startHost(ctx, where, devstack.HostOptions{
		ScriptRoot: work, Port: s.cfg.apiPort, Env: environment(values), Log: log, Funchost: bins[1],
	})
	if err != nil {
		return ready{}, err
	}
	return ready{APIURL: host.URL(), TablePort: azurite.TablePort(), SettingsPath: settingsPath, Mode: "e2e", LogDir: s.cfg.logDir}, nil
}

// startLocal: what `make start` runs, with local.settings.json and the local identity.
func (s *running) startLocal(ctx context.Context, work string, builder *devstack.Builder) (ready, error) {
	root, err := devstack.RepoRoot()
	if err != nil {
		return ready{}, err
	}
	settingsPath, err := s.localSettings(root, work)
	if err != nil {
		return ready{}, err
	}
	dir := s.cfg.azuriteDir
	if !s.cfg.azuriteDirSet {
		dir = filepath.Join(root, ".azurite")
	}
	azurite, err := s.startAzurite(ctx, devstack.AzuriteOptions{Dir: dir, TablePort: s.cfg.azuritePort,
		BlobAndQueue: true, BlobPort: s.cfg.blobPort, QueuePort: s.cfg.queuePort})
	if err != nil {
		return ready{}, err
	}
	log, where, err := s.logs.open("api")
	if err != nil {
		return ready{}, err
	}
	coreTools, err := useCoreTools(ctx, root, log)
	if err != nil {
		return ready{}, fmt.Errorf("the API: %w (%s)", err, where)
	}
	pkgs := []string{"./handler", "./tools/localidentity", "./tools/funchost"}
	if coreTools {
		pkgs = pkgs[:2]
	}
	bins, err := s.build(ctx, builder, log, where, pkgs...)
	if err != nil {
		return ready{}, err
	}
	if err := devstack.StageApp(work, bins[0]); err != nil {
		return ready{}, fmt.Errorf("staging the app in %s: %w", work, err)
	}
	urlFile := s.cfg.urlFile
	if urlFile == "" {
		urlFile = filepath.Join(work, "localidentity.url")
	}
	if urlFile, err = filepath.Abs(urlFile); err != nil {
		return ready{}, err
	}
	opts := devstack.HostOptions{ScriptRoot: work, Port: s.cfg.apiPort, CORS: s.cfg.cors, Log: log,
		Env: s.localEnv(azurite), LocalIdentity: bins[1], URLFile: urlFile}
	if !coreTools {
		opts.Funchost = bins[2]
	}
	host, err := s.startHost(ctx, where, opts)
	if err != nil {
		return ready{}, err
	}
	return ready{APIURL: host.URL(), TablePort: azurite.TablePort(), SettingsPath: settingsPath, URLFile: urlFile, Mode: "local", LogDir: s.cfg.logDir}, nil
}

// localSettings returns the local.settings.json the host reads, in the work folder: -settings copied
// there as is, or else the one already there, or else a copy of the example (never overwritten).
func (s *running) localSettings(root, work string) (string, error) {
	path := filepath.Join(work, "local.settings.json")
	from := s.cfg.settings
	if from == "" {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		from = filepath.Join(root, "local.settings.json.example")
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return "", fmt.Errorf("the settings: %w", err)
	}
	if !json.Valid(data) {
		return "", fmt.Errorf("the settings: %s is not JSON", from)
	}
	if same(from, path) {
		return path, nil
	}
	return path, os.WriteFile(path, data, 0o600)
}

// localEnv is what wins over local.settings.json: Azurite's address when it is not on its usual ports
// (the example settings name those), then each -set.
func (s *running) localEnv(a *devstack.Azurite) []string {
	var env []string
	if a.BlobPort() != 10000 || a.QueuePort() != 10001 || a.TablePort() != 10002 {
		env = append(env, "TABLES_CONNECTION_STRING="+a.ConnectionString(), "AzureWebJobsStorage="+a.StorageConnectionString())
	}
	for _, name := range s.cfg.setOrder {
		env = append(env, name+"="+s.cfg.set[name])
	}
	return env
}

// useCoreTools reports whether `func` is on PATH; one that tools/check-func.sh refuses is an error, as
// it cannot run this app as Azure does.
func useCoreTools(ctx context.Context, root string, log io.Writer) (bool, error) {
	if _, err := exec.LookPath("func"); err != nil {
		return false, nil
	}
	check := exec.CommandContext(ctx, "sh", filepath.Join(root, "tools", "check-func.sh"))
	check.Stdout, check.Stderr = log, log
	if err := check.Run(); err != nil {
		return false, errors.New("the installed Azure Functions Core Tools cannot run this app (tools/check-func.sh)")
	}
	return true, nil
}

func (s *running) serveKeys() (*devstack.KeyServer, error) {
	body, err := os.ReadFile(s.cfg.jwks)
	if err != nil {
		return nil, fmt.Errorf("the key server: %w", err)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("the key server: %s is not JSON", s.cfg.jwks)
	}
	keys, err := devstack.ServeKeys(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	if err != nil {
		return nil, fmt.Errorf("the key server: %w", err)
	}
	s.onStop(func() { keys.Close() })
	return keys, nil
}

func (s *running) startAzurite(ctx context.Context, opts devstack.AzuriteOptions) (*devstack.Azurite, error) {
	log, where, err := s.logs.open("azurite")
	if err != nil {
		return nil, err
	}
	opts.Log = log
	a, err := devstack.StartAzurite(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("Azurite: %s (%s)", oneLine(err, log), where)
	}
	s.onStop(func() { a.Stop() })
	return a, nil
}

func (s *running) startHost(ctx context.Context, where string, opts devstack.HostOptions) (*devstack.Host, error) {
	h, err := devstack.StartHost(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("the API: %s (%s)", oneLine(err, opts.Log), where)
	}
	s.onStop(func() { h.Stop() })
	return h, nil
}

// build compiles pkgs, in order; a compiler's output goes to log.
func (s *running) build(ctx context.Context, b *devstack.Builder, log io.Writer, where string, pkgs ...string) ([]string, error) {
	bins := make([]string, len(pkgs))
	for i, pkg := range pkgs {
		bin, err := b.Build(ctx, pkg)
		if err != nil {
			return nil, fmt.Errorf("the API: %s (%s)", oneLine(err, log), where)
		}
		bins[i] = bin
	}
	return bins, nil
}

// oneLine is err's first line; the whole message goes to log when it has more (a compiler's output).
func oneLine(err error, log io.Writer) string {
	msg := err.Error()
	first, _, found := strings.Cut(msg, "\n")
	if found && log != nil {
		fmt.Fprintln(log, msg)
	}
	return first
}

func environment(values map[string]string) []string {
	env := make([]string, 0, len(values))
	for name, value := range values {
		env = append(env, name+"="+value)
	}
	return env
}

func same(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
