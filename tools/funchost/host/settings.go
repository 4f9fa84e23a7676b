package host

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// LocalSettings is local.settings.json: app settings for the handler's environment and the
// Host section that Core Tools reads for `func start`.
type LocalSettings struct {
	Values          map[string]string
	LocalHTTPPort   int      // 0 when unset
	LocalHTTPAddr   string   // Host.LocalHttpAddress; "" when unset
	CORSOrigins     []string // empty: no CORS middleware, as in Core Tools
	CORSCredentials bool
}

type localSettingsJSON struct {
	IsEncrypted bool              `json:"IsEncrypted"`
	Values      map[string]string `json:"Values"`
	Host        struct {
		LocalHTTPPort   int    `json:"LocalHttpPort"`
		LocalHTTPAddr   string `json:"LocalHttpAddress"`
		CORS            string `json:"CORS"`
		CORSCredentials bool   `json:"CORSCredentials"`
	} `json:"Host"`
}

// LoadLocalSettings reads scriptRoot/local.settings.json. A missing file is not an error
// (func start runs without one too); it yields empty settings.
func LoadLocalSettings(scriptRoot string) (LocalSettings, error) {
	path := filepath.Join(scriptRoot, "local.settings.json")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return LocalSettings{}, nil
	}
	var raw localSettingsJSON
	if err := decodeStrict(path, &raw); err != nil {
		return LocalSettings{}, err
	}
	if raw.IsEncrypted {
		return LocalSettings{}, fmt.Errorf("%s: IsEncrypted is true; the stand-in cannot decrypt settings", path)
	}
	s := LocalSettings{
		Values:          raw.Values,
		LocalHTTPPort:   raw.Host.LocalHTTPPort,
		LocalHTTPAddr:   strings.TrimSpace(raw.Host.LocalHTTPAddr),
		CORSCredentials: raw.Host.CORSCredentials,
	}
	// Core Tools splits on commas and drops empty entries; origins must not contain spaces.
	for _, o := range strings.Split(raw.Host.CORS, ",") {
		if o != "" {
			s.CORSOrigins = append(s.CORSOrigins, o)
		}
	}
	if rt := s.Values["FUNCTIONS_WORKER_RUNTIME"]; rt != "" && !strings.EqualFold(rt, "custom") {
		return LocalSettings{}, fmt.Errorf("%s: FUNCTIONS_WORKER_RUNTIME is %q; the stand-in runs only custom handlers", path, rt)
	}
	return s, nil
}

// HandlerEnv is the environment the handler starts with: base (the host's own environment)
// plus the Values and then extra (what Core Tools adds, see coreToolsValues). As in Core
// Tools, a variable already set to a non-empty value in base wins; the names of such
// variables are returned so the caller can say so, as func start does ("Skipping '…' from
// local settings as it's already defined in current environment variables")
// (azure-functions-core-tools src/Cli/func/Actions/HostActions/StartHostAction.cs
// UpdateEnvironmentVariables).
func (s LocalSettings) HandlerEnv(base []string, extra map[string]string) (env []string, skipped []string) {
	values := map[string]string{}
	for name, value := range s.Values {
		values[name] = value
	}
	for name, value := range extra {
		values[name] = value
	}
	env = append([]string(nil), base...)
	for name, value := range values {
		if v, _ := lookupEnv(base, name); v != "" {
			if _, fromFile := s.Values[name]; fromFile {
				skipped = append(skipped, name)
			}
			continue
		}
		env = append(env, name+"="+value)
	}
	sort.Strings(skipped)
	return env, skipped
}

// coreToolsValues are the settings func start adds to local.settings.json's Values
// (StartHostAction.cs GetConfigurationSettings): WEBSITE_HOSTNAME (localhost and the port),
// AzureWebJobsScriptRoot, and AZURE_FUNCTIONS_ENVIRONMENT=Development, which overrides a
// value from the file with a warning (an environment variable still wins).
func coreToolsValues(s LocalSettings, scriptRoot string, addr net.Addr, log *slog.Logger) map[string]string {
	if old, ok := s.Values["AZURE_FUNCTIONS_ENVIRONMENT"]; ok {
		log.Warn("AZURE_FUNCTIONS_ENVIRONMENT already exists in local settings; overriding it to 'Development', as func start does", "value", old)
	}
	return map[string]string{
		"WEBSITE_HOSTNAME":            "localhost:" + strconv.Itoa(addr.(*net.TCPAddr).Port),
		"AzureWebJobsScriptRoot":      scriptRoot,
		"AZURE_FUNCTIONS_ENVIRONMENT": "Development",
	}
}

// lookupEnv returns the last value of name in env, as the process that receives env sees it.
func lookupEnv(env []string, name string) (value string, found bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value, found = v, true
		}
	}
	return value, found
}
