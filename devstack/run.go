package devstack

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
	"sync"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

// startTimeout bounds the whole start: builds, Azurite, and a host that may be Core Tools.
const startTimeout = 3 * time.Minute

// StackOptions says what StartStack runs. The zero value of a port picks a free one.
type StackOptions struct {
	// Local runs what `make start` runs: Azurite's three services, the app with the developer's Settings,
	// Core Tools' `func start` when installed (else the funchost stand-in), under tools/localidentity.
	// Otherwise (the browser tests' e2e mode): Azurite's table service, a loopback key server for JWKS,
	// settings from Tenant, Client, Scope and Set, behind funchost.
	Local bool
	// AzuriteDir is Azurite's data folder; "" keeps the data in memory.
	AzuriteDir                     string
	TablePort, BlobPort, QueuePort int // BlobPort and QueuePort: Local only
	APIPort                        int
	// CORS are the origins the host allows (the SPA's).
	CORS []string
	// Work is where the app is staged, with the local.settings.json the host reads; "" is a temporary
	// folder, removed on Stop.
	Work string
	// Settings (Local) is the settings file the developer owns; it is copied to Work on every start, so
	// Work is output only.
	Settings string
	// URLFile (Local) is where localidentity publishes its URL; "" is Work/localidentity.url.
	URLFile string
	// JWKS (e2e) is the key set file the API trusts; Tenant, Client and Scope its claims' values.
	JWKS, Tenant, Client, Scope string
	// Set are NAME=VALUE settings that win over the rest, in order.
	Set []string
	// Log gives the log of the piece called name ("azurite", "api") and where a reader finds it; nil
	// discards the output.
	Log func(name string) (w io.Writer, where string, err error)
}

// Ready says where a started stack is; the browser tests read it as one line of JSON.
type Ready struct {
	APIURL       string `json:"apiUrl"`
	APIPort      int    `json:"apiPort"`
	TablePort    int    `json:"tablePort"`
	BlobPort     int    `json:"blobPort,omitempty"`
	QueuePort    int    `json:"queuePort,omitempty"`
	SettingsPath string `json:"settingsPath"`
	URLFile      string `json:"urlFile"`
	Mode         string `json:"mode"`
	LogDir       string `json:"logDir"`
	// Host names the host that serves the API: Core Tools' path, or "funchost".
	Host string `json:"host"`
}

// Stack is a running stack: what it started, stopped newest first.
type Stack struct {
	opts  StackOptions
	ready Ready
	stops []func()
	procs []*Process
}

// StartStack starts the stack and waits until a request through the host reaches the handler. On an
// error it has stopped whatever it had started; the error names the piece that failed and where its
// log is.
func StartStack(ctx context.Context, opts StackOptions) (*Stack, error) {
	s := &Stack{opts: opts}
	if s.opts.Log == nil {
		s.opts.Log = func(string) (io.Writer, string, error) { return io.Discard, "its output was discarded", nil }
	}
	if err := s.start(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Ready says where the stack is.
func (s *Stack) Ready() Ready { return s.ready }

// Processes are the child processes the stack runs (Azurite, the host).
func (s *Stack) Processes() []*Process { return s.procs }

// Stop stops everything, newest first (the API before Azurite), and waits until it has exited.
func (s *Stack) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// FirstExit returns a channel that receives the first of procs to exit, for an owner that stops the rest
// then (a stack with its API gone is no use).
func FirstExit(procs ...*Process) <-chan *Process {
	first := make(chan *Process, 1)
	var once sync.Once
	for _, p := range procs {
		go func() {
			<-p.Done()
			once.Do(func() { first <- p })
		}()
	}
	return first
}

func (s *Stack) onStop(f func()) { s.stops = append(s.stops, f) }

func (s *Stack) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	work, err := s.workDir()
	if err != nil {
		return err
	}
	builder := &Builder{}
	s.onStop(func() { builder.RemoveAll() })
	if s.opts.Local {
		return s.startLocal(ctx, work, builder)
	}
	return s.startE2E(ctx, work, builder)
}

// workDir is where the app is staged: Work, or a temporary folder removed on Stop.
func (s *Stack) workDir() (string, error) {
	if s.opts.Work != "" {
		dir, err := filepath.Abs(s.opts.Work)
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

// set is Set as NAME, VALUE pairs in order.
func (s *Stack) set() ([][2]string, error) {
	var pairs [][2]string
	for _, nv := range s.opts.Set {
		name, value, ok := strings.Cut(nv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("a setting is NAME=VALUE, not %q", nv)
		}
		pairs = append(pairs, [2]string{name, value})
	}
	return pairs, nil
}

// startE2E: Azurite, the key set on loopback, settings from the options, funchost.
func (s *Stack) startE2E(ctx context.Context, work string, builder *Builder) error {
	set, err := s.set()
	if err != nil {
		return err
	}
	keys, err := s.serveKeys()
	if err != nil {
		return err
	}
	azurite, err := s.startAzurite(ctx, AzuriteOptions{Dir: s.opts.AzuriteDir, TablePort: s.opts.TablePort})
	if err != nil {
		return err
	}
	values := map[string]string{
		"AZURE_TENANT_ID":          cmp.Or(s.opts.Tenant, entra.TestTenant),
		"AZURE_API_CLIENT_ID":      cmp.Or(s.opts.Client, entra.TestClient),
		"API_REQUIRED_SCOPE":       cmp.Or(s.opts.Scope, "access_as_user"),
		"ENTRA_JWKS_URL":           keys.URL,
		"TABLES_CONNECTION_STRING": azurite.ConnectionString(),
		"TASKS_TABLE":              "tasks",
	}
	for _, nv := range set {
		values[nv[0]] = nv[1]
	}
	settingsPath := filepath.Join(work, "local.settings.json")
	if err := (LocalSettings{Values: values, CORS: s.opts.CORS}).Write(settingsPath); err != nil {
		return err
	}
	log, where, err := s.opts.Log("api")
	if err != nil {
		return err
	}
	bins, err := s.build(ctx, builder, log, where, "./handler", "./tools/funchost")
	if err != nil {
		return err
	}
	if err := StageApp(work, bins[0]); err != nil {
		return fmt.Errorf("staging the app in %s: %w", work, err)
	}
	// The settings also go in the environment, where they win over anything this process inherited.
	env := make([]string, 0, len(values))
	for name, value := range values {
		env = append(env, name+"="+value)
	}
	host, err := s.startHost(ctx, where, HostOptions{ScriptRoot: work, Port: s.opts.APIPort, Env: env, Log: log, Funchost: bins[1]})
	if err != nil {
		return err
	}
	s.ready = Ready{APIURL: host.URL(), APIPort: host.Port(), TablePort: azurite.TablePort(), SettingsPath: settingsPath, Mode: "e2e", Host: "funchost"}
	return nil
}

// startLocal: what `make start` runs, with the developer's settings and the local identity.
func (s *Stack) startLocal(ctx context.Context, work string, builder *Builder) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	set, err := s.set()
	if err != nil {
		return err
	}
	settingsPath, err := stageSettings(s.opts.Settings, work)
	if err != nil {
		return err
	}
	azurite, err := s.startAzurite(ctx, AzuriteOptions{Dir: s.opts.AzuriteDir, TablePort: s.opts.TablePort,
		BlobAndQueue: true, BlobPort: s.opts.BlobPort, QueuePort: s.opts.QueuePort})
	if err != nil {
		return err
	}
	log, where, err := s.opts.Log("api")
	if err != nil {
		return err
	}
	coreTools, err := useCoreTools(ctx, root, log)
	if err != nil {
		return fmt.Errorf("the API: %w (%s)", err, where)
	}
	pkgs := []string{"./handler", "./tools/localidentity", "./tools/funchost"}
	if coreTools != "" {
		pkgs = pkgs[:2]
	}
	bins, err := s.build(ctx, builder, log, where, pkgs...)
	if err != nil {
		return err
	}
	if err := StageApp(work, bins[0]); err != nil {
		return fmt.Errorf("staging the app in %s: %w", work, err)
	}
	urlFile := cmp.Or(s.opts.URLFile, filepath.Join(work, "localidentity.url"))
	if urlFile, err = filepath.Abs(urlFile); err != nil {
		return err
	}
	// What wins over the settings file: Azurite's address when it is not on its usual ports (the example
	// settings name those), then each Set.
	var env []string
	if azurite.BlobPort() != 10000 || azurite.QueuePort() != 10001 || azurite.TablePort() != 10002 {
		env = append(env, "TABLES_CONNECTION_STRING="+azurite.ConnectionString(), "AzureWebJobsStorage="+azurite.StorageConnectionString())
	}
	for _, nv := range set {
		env = append(env, nv[0]+"="+nv[1])
	}
	opts := HostOptions{ScriptRoot: work, Port: s.opts.APIPort, CORS: s.opts.CORS, Log: log, Env: env,
		LocalIdentity: bins[1], URLFile: urlFile, Settings: s.opts.Settings}
	hostName := coreTools
	if coreTools == "" {
		opts.Funchost, hostName = bins[2], "funchost"
	}
	host, err := s.startHost(ctx, where, opts)
	if err != nil {
		return err
	}
	s.ready = Ready{APIURL: host.URL(), APIPort: host.Port(), TablePort: azurite.TablePort(), BlobPort: azurite.BlobPort(), QueuePort: azurite.QueuePort(),
		SettingsPath: settingsPath, URLFile: urlFile, Mode: "local", Host: hostName}
	return nil
}

// stageSettings writes the developer's settings file, as it is, to work/local.settings.json, where the
// host reads it: on every start, so that work stays output only and an edit is made in one place.
func stageSettings(from, work string) (string, error) {
	if from == "" {
		return "", errors.New("the settings: no settings file given")
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return "", fmt.Errorf("the settings: %w", err)
	}
	if !json.Valid(data) {
		return "", fmt.Errorf("the settings: %s is not JSON", from)
	}
	path := filepath.Join(work, "local.settings.json")
	if sameFile(from, path) {
		return path, nil
	}
	return path, os.WriteFile(path, data, 0o600)
}

// useCoreTools returns the path of Core Tools' `func` when it is on PATH ("" when not); one that
// tools/check-func.sh refuses is an error, as it cannot run this app as Azure does.
func useCoreTools(ctx context.Context, root string, log io.Writer) (string, error) {
	path, err := exec.LookPath("func")
	if err != nil {
		return "", nil
	}
	check := exec.CommandContext(ctx, "sh", filepath.Join(root, "tools", "check-func.sh"))
	check.Stdout, check.Stderr = log, log
	if err := check.Run(); err != nil {
		return "", errors.New("the installed Azure Functions Core Tools cannot run this app (tools/check-func.sh)")
	}
	return path, nil
}

func (s *Stack) serveKeys() (*KeyServer, error) {
	if s.opts.JWKS == "" {
		return nil, errors.New("the key server: no key set file given")
	}
	body, err := os.ReadFile(s.opts.JWKS)
	if err != nil {
		return nil, fmt.Errorf("the key server: %w", err)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("the key server: %s is not JSON", s.opts.JWKS)
	}
	keys, err := ServeKeys(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	if err != nil {
		return nil, fmt.Errorf("the key server: %w", err)
	}
	s.onStop(func() { keys.Close() })
	return keys, nil
}

func (s *Stack) startAzurite(ctx context.Context, opts AzuriteOptions) (*Azurite, error) {
	log, where, err := s.opts.Log("azurite")
	if err != nil {
		return nil, err
	}
	opts.Log = log
	a, err := StartAzurite(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("Azurite: %s (%s)", oneLine(err, log), where)
	}
	s.onStop(func() { a.Stop() })
	s.procs = append(s.procs, a.proc)
	return a, nil
}

func (s *Stack) startHost(ctx context.Context, where string, opts HostOptions) (*Host, error) {
	h, err := StartHost(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("the API: %s (%s)", oneLine(err, opts.Log), where)
	}
	s.onStop(func() { h.Stop() })
	s.procs = append(s.procs, h.proc)
	return h, nil
}

// build compiles pkgs, in order; a compiler's output goes to log.
func (s *Stack) build(ctx context.Context, b *Builder, log io.Writer, where string, pkgs ...string) ([]string, error) {
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

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
