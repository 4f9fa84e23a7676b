// Command localidentity lets the API run and be called on a machine with no Entra tenant.
//
// `make start` runs the host (func or the funchost stand-in) under `localidentity run`. When
// the effective AZURE_TENANT_ID is still a placeholder such as "<your-tenant-id>", it serves
// the committed development key set on loopback and starts the host with AZURE_TENANT_ID,
// AZURE_API_CLIENT_ID and ENTRA_JWKS_URL pointing at that development identity; `make token`
// (`localidentity token`) prints a bearer token signed with the same key (a user's, or with
// -app an app-only token such as a daemon or a managed identity gets), and the same
// loopback server gives the SPA's "Sign in for local development" its tokens (its URL is
// written to -url-file, where the SPA's dev proxy reads it). The handler still checks every
// token in full; only the key source differs. With real tenant settings it changes nothing
// and just runs the host: no key set, no token endpoint, no URL file.
//
// Nothing in Azure runs this program, so the mode cannot switch on there: an app in Azure
// gets its settings from app settings, and the development key is public knowledge that
// only matches a tenant and client id that exist nowhere.
//
// Usage:
//
//	localidentity run -settings local.settings.json [-url-file .cache/localidentity.url] -- func start --script-root build
//	localidentity token [-settings local.settings.json] [-user alice] [-tenant partner] [-roles Admin,Viewer]
//	localidentity token [-settings local.settings.json] -app reporter [-tenant partner] [-roles Tasks.Read.All]
//
// Two development tenants take part (multi-tenant mode, docs/multi-tenant.md): the home tenant
// the API is registered in (entra.DevTenantID) and a partner organization
// (entra.DevPartnerTenantID). Unless the settings list tenants themselves, `run` gives the host
// AZURE_ALLOWED_TENANTS with both, so tokens of either pass and any other tenant's are refused.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCommand(os.Args[2:])
	case "token":
		err = tokenCommand(os.Args[2:], os.Stdout)
	default:
		usage()
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "localidentity:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: localidentity run -settings FILE [-url-file FILE] -- COMMAND [ARG...]\n       localidentity token [-settings FILE] [-user NAME] [-tenant home|partner|GUID] [-roles ROLE,ROLE]\n       localidentity token [-settings FILE] -app NAME [-tenant home|partner|GUID] [-roles Tasks.Read.All|Tasks.ReadWrite.All]")
	os.Exit(2)
}

// isLocal reports whether the tenant the host will use is a placeholder. As in Core Tools,
// a non-empty AZURE_TENANT_ID in the environment wins over local.settings.json. A missing
// settings file counts as the example's placeholder, which `make start` copies into place.
func isLocal(settingsPath string, getenv func(string) string) (bool, error) {
	tenant := getenv("AZURE_TENANT_ID")
	if tenant == "" {
		var err error
		if tenant, err = settingsTenant(settingsPath); err != nil {
			return false, err
		}
	}
	return strings.HasPrefix(tenant, "<"), nil
}

func settingsTenant(path string) (string, error) {
	return settingsValue(path, "AZURE_TENANT_ID", "<no settings yet>")
}

// settingsValue reads Values[key] of a local.settings.json; missing is the value of a missing file.
func settingsValue(path, key, missing string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return missing, nil
	}
	if err != nil {
		return "", err
	}
	var s struct{ Values map[string]string }
	if err := json.Unmarshal(data, &s); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return s.Values[key], nil
}

// devAllowedTenants is the AZURE_ALLOWED_TENANTS local-identity mode gives the host: both
// development tenants, so `make start` runs in multi-tenant mode. A list in the environment or
// the settings wins (to try the mode with one tenant, say), and is then left as it is.
func devAllowedTenants(settingsPath string, getenv func(string) string) (string, bool, error) {
	if getenv("AZURE_ALLOWED_TENANTS") != "" {
		return "", false, nil
	}
	set, err := settingsValue(settingsPath, "AZURE_ALLOWED_TENANTS", "")
	if err != nil || strings.TrimSpace(set) != "" {
		return "", false, err
	}
	return entra.DevTenantID + "," + entra.DevPartnerTenantID, true, nil
}

func runCommand(args []string) error {
	flags := flag.NewFlagSet("run", flag.ExitOnError)
	settingsPath := flags.String("settings", "local.settings.json", "the settings file (the host reads a copy of it)")
	urlFile := flags.String("url-file", ".cache/localidentity.url", "where to write the development identity's URL for the SPA's dev proxy")
	flags.Parse(args)
	command := flags.Args()
	if len(command) == 0 {
		usage()
	}
	local, err := isLocal(*settingsPath, os.Getenv)
	if err != nil {
		return err
	}
	// A file left by an earlier local run must not outlive it: with real tenant settings the
	// SPA's proxy then finds no token endpoint at all.
	if err := unpublishURL(*urlFile); err != nil {
		return err
	}
	env := os.Environ()
	if local {
		base, err := devIdentity{now: time.Now}.serve()
		if err != nil {
			return err
		}
		if err := publishURL(*urlFile, base); err != nil {
			return err
		}
		defer unpublishURL(*urlFile)
		jwksURL := base + keysPath
		// Environment variables win over local.settings.json in Core Tools and the stand-in,
		// so these override the placeholders without touching the user's file.
		env = append(env,
			"AZURE_TENANT_ID="+entra.DevTenantID,
			"AZURE_API_CLIENT_ID="+entra.DevAPIClientID,
			"ENTRA_JWKS_URL="+jwksURL,
		)
		allowed, add, err := devAllowedTenants(*settingsPath, os.Getenv)
		if err != nil {
			return err
		}
		tenants := "the tenants listed in AZURE_ALLOWED_TENANTS"
		if add {
			env = append(env, "AZURE_ALLOWED_TENANTS="+allowed)
			tenants = fmt.Sprintf("home %s and partner %s (AZURE_ALLOWED_TENANTS)", entra.DevTenantID, entra.DevPartnerTenantID)
		}
		fmt.Fprintf(os.Stderr, "\n*** LOCAL-IDENTITY MODE: AZURE_TENANT_ID in %s is a placeholder. ***\n"+
			"    Tokens are checked against a development key set at %s (API client id %s).\n"+
			"    Multi-tenant mode: tokens of %s pass.\n"+
			"    Sign in to the SPA as a development user, or get a token with `make token` (another tenant's: `make token USER=alice TENANT=partner`;\n"+
			"    an app's: `make token APP=reporter ROLES=Tasks.Read.All`).\n"+
			"    Put your tenant's values in %s to use Entra ID instead.\n\n",
			*settingsPath, jwksURL, entra.DevAPIClientID, tenants, *settingsPath)
	}
	return runChild(command, env)
}

// runChild runs the host in the foreground and exits with it. A Ctrl-C in the terminal
// reaches the whole foreground process group, the host included, so SIGINT is only waited
// out here; SIGTERM and SIGHUP, which are sent to this process alone, are passed on.
func runChild(command, env []string) error {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", command[0], err)
	}
	go func() {
		for sig := range signals {
			if sig != os.Interrupt {
				cmd.Process.Signal(sig)
			}
		}
	}()
	return cmd.Wait()
}

func tokenCommand(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("token", flag.ExitOnError)
	settingsPath := flags.String("settings", "local.settings.json", "the settings file make start runs with")
	user := flags.String("user", "", "a name for another development user (a different oid per name)")
	app := flags.String("app", "", "a name for a development app (daemon): an app-only token, no user; roles from Tasks.Read.All,Tasks.ReadWrite.All")
	roleList := flags.String("roles", "", "comma-separated app roles for the token's roles claim, e.g. Admin,Viewer (none: no roles claim)")
	tenantName := flags.String("tenant", "", "the token's tenant: home (the default), partner, or any tenant id (one the API does not allow is refused)")
	flags.Parse(args)
	if *app != "" && *user != "" {
		return errors.New("give a user (USER=) or an app (APP=), not both: a token is either delegated or app-only")
	}
	roles, err := parseRoles(*roleList)
	if err != nil {
		return err
	}
	tenant, err := resolveTenant(*tenantName)
	if err != nil {
		return err
	}
	if *app != "" {
		// Before the settings are read, so a wrong role is named whatever the mode.
		if err := checkAppRoles(roles); err != nil {
			return err
		}
	}
	local, err := isLocal(*settingsPath, os.Getenv)
	if err != nil {
		return err
	}
	if !local {
		return fmt.Errorf("%s names a real tenant, so the API checks tokens with Entra ID and a development token would be refused; "+
			"get a real one, e.g. az account get-access-token --scope api://<api-client-id>/access_as_user", *settingsPath)
	}
	if *app != "" {
		name, err := normalizeApp(*app)
		if err != nil {
			return err
		}
		token, err := appToken(name, tenant, roles, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(out, token)
		return nil
	}
	name := ""
	if *user != "" {
		if name, err = normalizeUser(*user); err != nil {
			return err
		}
	}
	token, err := devToken(name, tenant, roles, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}
