package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LocalSettings is local.settings.json: app settings for the handler's environment and the
// Host section that Core Tools reads for `func start`.
type LocalSettings struct {
	Values          map[string]string
	LocalHTTPPort   int      // 0 when unset
	CORSOrigins     []string // empty: no CORS middleware, as in Core Tools
	CORSCredentials bool
}

type localSettingsJSON struct {
	IsEncrypted bool              `json:"IsEncrypted"`
	Values      map[string]string `json:"Values"`
	Host        struct {
		LocalHTTPPort   int    `json:"LocalHttpPort"`
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
// plus the Values. As in Core Tools, a variable already set to a non-empty value in base
// wins over local.settings.json; the names of such variables are returned so the caller can
// say so, as func start does ("Skipping '…' from local settings as it's already defined in
// current environment variables").
func (s LocalSettings) HandlerEnv(base []string) (env []string, skipped []string) {
	env = append([]string(nil), base...)
	for name, value := range s.Values {
		if v, _ := lookupEnv(base, name); v != "" {
			skipped = append(skipped, name)
			continue
		}
		env = append(env, name+"="+value)
	}
	sort.Strings(skipped)
	return env, skipped
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
