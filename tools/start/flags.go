package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// config is the command line, with local mode's defaults filled in.
type config struct {
	mode                  string
	apiPort               int
	cors                  []string
	azuriteDir            string
	azuritePort           int
	blobPort, queuePort   int
	webPort               int
	web, json             bool
	jwks                  string
	tenant, client, scope string
	settings              string
	set                   []string
	work, logDir, urlFile string
	make                  string
	// apiPortFromSettings: local mode takes the API's port from the settings file, once it exists.
	apiPortFromSettings bool
}

// localDefaults are what `make start` uses for a flag not given: the environment variable, else the
// usual value. Paths are relative to the repository root.
var localDefaults = []struct{ flag, env, value string }{
	{"settings", "LOCAL_SETTINGS", "local.settings.json"},
	{"work", "SCRIPT_ROOT", "build"},
	{"azurite-dir", "AZURITE_DATA", ".azurite"},
	{"azurite-blob-port", "AZURITE_BLOB_PORT", "10000"},
	{"azurite-queue-port", "AZURITE_QUEUE_PORT", "10001"},
	{"azurite-port", "AZURITE_TABLE_PORT", "10002"},
	{"web-port", "WEB_PORT", "5173"},
	{"url-file", "", ".cache/localidentity.url"}, // the path the Vite dev server's proxy reads (frontend/vite.config.ts)
	{"api-port", "API_PORT", ""},                 // "": Host.LocalHttpPort in the settings, else 7071
}

// parseFlags reads args; root is the repository, getenv the environment (local mode's defaults).
func parseFlags(args []string, root string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.mode, "mode", "local", "local (make start: the console, the SPA's dev server) or e2e (browser tests: settings from flags, Azurite in memory)")
	fs.IntVar(&cfg.apiPort, "api-port", 0, "the API host's port (0: a free port; local default: $API_PORT, else Host.LocalHttpPort in the settings, else 7071)")
	fs.Func("cors", "an origin the host allows (the SPA's); repeatable, or comma-separated", func(v string) error {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				cfg.cors = append(cfg.cors, o)
			}
		}
		return nil
	})
	fs.StringVar(&cfg.azuriteDir, "azurite-dir", "", "Azurite's data folder (local default: $AZURITE_DATA, else .azurite; e2e default: in memory)")
	fs.IntVar(&cfg.azuritePort, "azurite-port", 0, "Azurite's table port (0: a free port; local default: $AZURITE_TABLE_PORT, else 10002)")
	fs.IntVar(&cfg.blobPort, "azurite-blob-port", 0, "local: Azurite's blob port (0: a free port; default: $AZURITE_BLOB_PORT, else 10000)")
	fs.IntVar(&cfg.queuePort, "azurite-queue-port", 0, "local: Azurite's queue port (0: a free port; default: $AZURITE_QUEUE_PORT, else 10001)")
	fs.IntVar(&cfg.webPort, "web-port", 0, "local: the SPA's dev server port (default: $WEB_PORT, else 5173)")
	fs.BoolVar(&cfg.web, "web", true, "local: run the SPA's dev server (`make start-web`) when the frontend provides it")
	fs.BoolVar(&cfg.json, "json", false, "local: once ready, print one line of JSON on stdout (as e2e mode always does) instead of the console summary")
	fs.StringVar(&cfg.jwks, "jwks", "", "e2e: the JWKS file the loopback key server serves (ENTRA_JWKS_URL points at it)")
	fs.StringVar(&cfg.tenant, "tenant", "", "e2e: AZURE_TENANT_ID")
	fs.StringVar(&cfg.client, "client", "", "e2e: AZURE_API_CLIENT_ID")
	fs.StringVar(&cfg.scope, "scope", "access_as_user", "e2e: API_REQUIRED_SCOPE")
	fs.StringVar(&cfg.settings, "settings", "", "local: the settings file you edit, created from local.settings.json.example when missing and copied into the work folder on every start (default: $LOCAL_SETTINGS, else local.settings.json)")
	fs.Func("set", "NAME=VALUE: a setting that wins over the settings file; repeatable", func(v string) error {
		if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
			return fmt.Errorf("want NAME=VALUE, got %q", v)
		}
		cfg.set = append(cfg.set, v)
		return nil
	})
	fs.StringVar(&cfg.work, "work", "", "where to stage the app and its local.settings.json, output only (local default: $SCRIPT_ROOT, else build; e2e default: a temporary folder, removed on stop)")
	fs.StringVar(&cfg.logDir, "log-dir", "", "one log file per process (azurite.log, api.log); default: lines with the process's name in front")
	fs.StringVar(&cfg.urlFile, "url-file", "", "local: where localidentity publishes its token endpoint's URL (default: .cache/localidentity.url)")
	fs.StringVar(&cfg.make, "make", cmp.Or(getenv("MAKE"), "make"), "local: the make that runs `make start-web`")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError(stderr, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if cfg.mode == "local" {
		for _, d := range localDefaults {
			if given[d.flag] {
				continue
			}
			value := d.value
			if d.env != "" {
				value = cmp.Or(getenv(d.env), d.value)
			}
			if value == "" {
				continue
			}
			if strings.HasSuffix(d.flag, "-port") {
				if _, err := strconv.Atoi(value); err != nil {
					return cfg, usageError(stderr, fmt.Errorf("$%s is a port number, not %q", d.env, value))
				}
			} else if !filepath.IsAbs(value) {
				value = filepath.Join(root, value)
			}
			fs.Set(d.flag, value)
		}
		cfg.apiPortFromSettings = !given["api-port"] && getenv("API_PORT") == ""
	}
	for _, path := range []*string{&cfg.logDir, &cfg.settings, &cfg.work, &cfg.urlFile, &cfg.azuriteDir} {
		if *path != "" {
			abs, err := filepath.Abs(*path)
			if err != nil {
				return cfg, err
			}
			*path = abs
		}
	}
	if err := cfg.check(); err != nil {
		return cfg, usageError(stderr, err)
	}
	return cfg, nil
}

func usageError(stderr io.Writer, err error) error {
	fmt.Fprintln(stderr, "start:", err)
	return err
}

func (c config) check() error {
	switch {
	case c.mode != "e2e" && c.mode != "local":
		return fmt.Errorf("-mode is local or e2e, not %q", c.mode)
	case c.mode == "e2e" && c.jwks == "":
		return fmt.Errorf("-mode e2e needs -jwks FILE, the key set the API trusts")
	case c.mode == "e2e" && c.settings != "":
		return fmt.Errorf("-settings is for -mode local; e2e takes -tenant, -client, -scope and -set")
	case c.apiPort < 0 || c.azuritePort < 0 || c.blobPort < 0 || c.queuePort < 0 || c.webPort < 0:
		return fmt.Errorf("ports are 0 (free) or positive")
	}
	return nil
}

// settingsPort is Host.LocalHttpPort in the settings file (the port func start takes from it), else 7071.
func settingsPort(path string) int {
	var s struct{ Host struct{ LocalHttpPort int } }
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &s) != nil || s.Host.LocalHttpPort <= 0 {
		return 7071
	}
	return s.Host.LocalHttpPort
}
