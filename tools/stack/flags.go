package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// config is the command line.
type config struct {
	mode                  string
	apiPort               int
	cors                  []string
	azuriteDir            string
	azuriteDirSet         bool
	azuritePort           int
	blobPort, queuePort   int
	jwks                  string
	tenant, client, scope string
	settings              string
	set                   map[string]string
	setOrder              []string
	work, logDir, urlFile string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("stack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.mode, "mode", "e2e", "e2e (browser tests: settings from flags, Azurite in memory) or local (make start)")
	fs.IntVar(&cfg.apiPort, "api-port", 0, "the API host's port (0: a free port)")
	fs.Func("cors", "an origin the host allows (the SPA's); repeatable, or comma-separated", func(v string) error {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				cfg.cors = append(cfg.cors, o)
			}
		}
		return nil
	})
	fs.StringVar(&cfg.azuriteDir, "azurite-dir", "", "Azurite's data folder (local default: .azurite in the repository; e2e default: in memory)")
	fs.IntVar(&cfg.azuritePort, "azurite-port", 0, "Azurite's table port (0: a free port)")
	fs.IntVar(&cfg.blobPort, "azurite-blob-port", 0, "local: Azurite's blob port (0: a free port)")
	fs.IntVar(&cfg.queuePort, "azurite-queue-port", 0, "local: Azurite's queue port (0: a free port)")
	fs.StringVar(&cfg.jwks, "jwks", "", "e2e: the JWKS file the loopback key server serves (ENTRA_JWKS_URL points at it)")
	fs.StringVar(&cfg.tenant, "tenant", "", "e2e: AZURE_TENANT_ID")
	fs.StringVar(&cfg.client, "client", "", "e2e: AZURE_API_CLIENT_ID")
	fs.StringVar(&cfg.scope, "scope", "access_as_user", "e2e: API_REQUIRED_SCOPE")
	fs.StringVar(&cfg.settings, "settings", "", "local: the local.settings.json to use as is (default: the work folder's, copied from local.settings.json.example when missing)")
	cfg.set = map[string]string{}
	fs.Func("set", "NAME=VALUE: a setting that wins over local.settings.json; repeatable", func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return fmt.Errorf("want NAME=VALUE, got %q", v)
		}
		if _, seen := cfg.set[name]; !seen {
			cfg.setOrder = append(cfg.setOrder, name)
		}
		cfg.set[name] = value
		return nil
	})
	fs.StringVar(&cfg.work, "work", "", "where to stage the app and keep its local.settings.json (default: a temporary folder, removed on stop)")
	fs.StringVar(&cfg.logDir, "log-dir", "", "one log file per process (azurite.log, api.log); default: prefixed lines on stderr")
	fs.StringVar(&cfg.urlFile, "url-file", "", "local: where localidentity publishes its token endpoint's URL (default: in the work folder)")
	err := fs.Parse(args)
	if err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stack: unexpected arguments %q\n", fs.Args())
		return cfg, fmt.Errorf("unexpected arguments")
	}
	fs.Visit(func(f *flag.Flag) { cfg.azuriteDirSet = cfg.azuriteDirSet || f.Name == "azurite-dir" })
	if cfg.logDir != "" {
		if cfg.logDir, err = filepath.Abs(cfg.logDir); err != nil {
			return cfg, err
		}
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(stderr, "stack:", err)
		return cfg, err
	}
	return cfg, nil
}

func (c config) check() error {
	switch {
	case c.mode != "e2e" && c.mode != "local":
		return fmt.Errorf("-mode is e2e or local, not %q", c.mode)
	case c.mode == "e2e" && c.jwks == "":
		return fmt.Errorf("-mode e2e needs -jwks FILE, the key set the API trusts")
	case c.mode == "e2e" && c.settings != "":
		return fmt.Errorf("-settings is for -mode local; e2e takes -tenant, -client, -scope and -set")
	case c.apiPort < 0 || c.azuritePort < 0 || c.blobPort < 0 || c.queuePort < 0:
		return fmt.Errorf("ports are 0 (free) or positive")
	}
	return nil
}
