package infra_test

// `azd up`, a rerun, `azd down` and the next `azd up`, as azd runs them, with the real POSIX hook scripts
// (started as azd starts them: azdhooks_test.go), the parameters resolved as azd resolves them
// (azdparams_test.go), a fake `az` that keeps a small directory of app registrations, and a fake `azd` whose
// `env set` writes the environment file. What azd does is encoded here, from Azure/azure-dev (snapshot ae35809, Aug 2026):
//   - cli/azd/pkg/ext/hooks_runner.go RunHooks: the environment is reloaded from its .env before and after each
//     hook, so a hook's `azd env set` is seen by what follows (the provision's parameters).
//   - cli/azd/pkg/infra/provisioning/manager.go Destroy: after the resources are deleted, every key in
//     DestroyResult.InvalidatedEnvKeys is deleted from the .env and the file saved; the Bicep provider
//     (pkg/infra/provisioning/bicep/bicep_provider.go Destroy) lists there every output of the template. The
//     command's post hooks run after that (cmd/middleware/hooks.go, HooksRunner.Invoke): a postdown hook sees
//     no outputs, a predown hook sees them all.
//   - bicep_provider.go Destroy asks for confirmation (promptDeletion) after the pre hooks have run.
//   - cli/azd/pkg/infra/provisioning/manager.go UpdateEnvironment: an array or object output is written into the
//     environment as a JSON string (json.Marshal, "Complex types marshalled as JSON strings"); the .env file
//     quotes it (godotenv), and hooks get the value itself (environment.go Environ). So SPA_REDIRECT_URIS reaches
//     the hooks as ["https://…/redirect.html","https://…/",…].
// And what Graph does: a deleted application keeps its uniqueName while it is in the recycle bin, so creating
// one with the same uniqueName fails (microsoftgraph/msgraph-bicep-types#137); purging it may be refused.
// The tests run in parallel: each has its own scratch repository, fake tools and environment file.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeAz implements the az commands the hooks use against a directory: apps/<object id> (line 1 app id, line
// 2 uniqueName, then one tag per line) and deleted/<object id>. FAKE_PURGE_DENIED refuses purges;
// FAKE_DELETE_DENIED refuses deletes.
const fakeAz = `#!/bin/sh
g="$FAKE_GRAPH"
echo "az $*" >>"$g/calls"
case "$1 $2 $3" in
"ad app list")
  tag=$(printf '%s' "$*" | sed -n "s/.*t eq '\([^']*\)'.*/\1/p")
  for f in "$g"/apps/*; do
    [ -f "$f" ] || continue
    if tail -n +3 "$f" | grep -qxF -- "$tag"; then printf '%s\t%s\n' "${f##*/}" "$(head -n 1 "$f")"; fi
  done ;;
"ad app show") [ -f "$g/apps/$5" ] ;;
"ad sp delete") exit 0 ;;
"ad app delete")
  [ -z "${FAKE_DELETE_DENIED-}" ] || { echo "Insufficient privileges to complete the operation." >&2; exit 1; }
  [ -f "$g/apps/$5" ] && mv "$g/apps/$5" "$g/deleted/$5" ;;
"rest --method DELETE")
  [ -z "${FAKE_PURGE_DENIED-}" ] || { echo "Insufficient privileges to complete the operation." >&2; exit 1; }
  rm "$g/deleted/${5##*/}" ;;
*) echo "fake az: unexpected: $*" >&2; exit 2 ;;
esac
`

// fakeAzd implements `azd env set KEY VALUE --environment=NAME` on $FAKE_AZD_ENVS/NAME/.env.
const fakeAzd = `#!/bin/sh
case "$1 $2 $5" in "env set --environment="?*) ;; *) echo "fake azd: unexpected: $*" >&2; exit 2 ;; esac
f="$FAKE_AZD_ENVS/${5#--environment=}/.env"
grep -v "^$3=" "$f" >"$f.tmp" || true
printf '%s="%s"\n' "$3" "$4" >>"$f.tmp"
mv "$f.tmp" "$f"
`

type azdSim struct {
	t       *testing.T
	p       *project // azure.yaml and main.bicep as azd would read them (possibly mutated)
	repo    string   // scratch repository holding the real scripts
	graph   string
	envFile string
	path    string
	extra   []string          // extra environment for the fakes
	process map[string]string // azd's own process environment (a pipeline job's env), seen by azd and the hooks
	// Who deploys: the registrations' owner when they are created, and the only principal that may update them
	// afterwards (a user without a directory role, or a pipeline with Application.ReadWrite.OwnedBy).
	principal string
	// The parameters azd passed to the last deployment (those with a value; the others take their defaults).
	lastParams map[string]any
}

func newAzdSim(t *testing.T, p *project) *azdSim {
	t.Helper()
	s := &azdSim{t: t, p: p, repo: scratchRepo(t, p), graph: t.TempDir(), principal: "developer"}
	for _, d := range []string{"apps", "deleted", "owners"} {
		os.MkdirAll(filepath.Join(s.graph, d), 0o755)
	}
	envs := t.TempDir()
	s.envFile = filepath.Join(envs, "dev", ".env")
	os.MkdirAll(filepath.Dir(s.envFile), 0o755)
	os.WriteFile(s.envFile, []byte("AZURE_ENV_NAME=\"dev\"\nAZURE_LOCATION=\"swedencentral\"\n"), 0o644)
	s.path, _ = toolsOnly(t, map[string]string{"az": fakeAz, "azd": fakeAzd})
	s.extra = []string{"FAKE_GRAPH=" + s.graph, "FAKE_AZD_ENVS=" + envs}
	return s
}

// toolsOnly returns a PATH holding only the tools the hooks use (so a real Azure CLI on the machine is never
// reached) plus the given fake commands.
func toolsOnly(t *testing.T, fakes map[string]string) (string, string) {
	t.Helper()
	bin := t.TempDir()
	// node: the web predeploy hook writes staticwebapp.config.json with frontend/scripts/swa-config.mjs (azd's `js`
	// service has already run npm there, so node is on a deploying machine's PATH).
	tools := []string{"sh", "grep", "sed", "dirname", "mkdir", "mv", "cat", "cp", "od", "tr", "tail", "head", "rm", "node"}
	needTools(t, tools...)
	for _, tool := range tools {
		real, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for name, script := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin, filepath.Join(bin, "calls")
}

// env reads the environment file (KEY="value" lines, as azd writes them).
func (s *azdSim) env() map[string]string {
	f, err := os.Open(s.envFile)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			// writeEnv quotes with %q (a JSON value's quotes escaped, as godotenv does); the fake azd does not.
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

func (s *azdSim) writeEnv(env map[string]string) {
	var b strings.Builder
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q\n", k, env[k])
	}
	os.WriteFile(s.envFile, []byte(b.String()), 0o644)
}

// hook runs the project hook azure.yaml declares for name (if any) as azd does (runAzdHook), with the environment
// file's values; it reports the hook's output and error.
func (s *azdSim) hook(name string, extraEnv ...string) (string, error) {
	return s.runHook(hookRef{"", name}, extraEnv...)
}

// serviceHook runs a hook of an azure.yaml service, in the service's folder, as azd does.
func (s *azdSim) serviceHook(service, name string, extraEnv ...string) (string, error) {
	return s.runHook(hookRef{service, name}, extraEnv...)
}

// runHook: the fakes' PATH and settings stand for azd's own process environment; the .env values follow them, as
// in command_runner.go appendEnv.
func (s *azdSim) runHook(ref hookRef, extraEnv ...string) (string, error) {
	h, ok := resolveHook(s.p, s.repo, ref)
	if !ok {
		return "", nil
	}
	process := append([]string{"PATH=" + s.path, "HOME=" + s.t.TempDir()}, s.extra...)
	for _, k := range sortedKeys(s.process) {
		process = append(process, k+"="+s.process[k])
	}
	return runAzdHook(s.t, h, append(process, extraEnv...), s.env())
}

func (s *azdSim) apps(dir string) map[string][]string {
	entries, _ := os.ReadDir(filepath.Join(s.graph, dir))
	apps := map[string][]string{}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(s.graph, dir, e.Name()))
		apps[e.Name()] = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return apps
}

// deployRegistrations is what infra/app/entra.bicep does to the directory: upsert both apps by uniqueName, with
// the tags entra.bicep sets. It fails like Graph when a deleted app still holds the uniqueName, and like ARM
// when the suffix is shorter than the module's @minLength on appSuffix.
func (s *azdSim) deployRegistrations(envName, suffix string) (ids map[string]string, err error) {
	if min := minLength(s.p.bicep["infra/app/entra.bicep"].decl("param", "appSuffix")); len(suffix) < min {
		return nil, fmt.Errorf("the entra module's parameter appSuffix %q is shorter than its @minLength(%d)", suffix, min)
	}
	ids = map[string]string{}
	for i, kind := range []string{"API", "SPA"} {
		unique := "tasks-" + strings.ToLower(kind) + "-tok-" + suffix
		for object, lines := range s.apps("deleted") {
			if lines[1] == unique {
				return nil, fmt.Errorf("Another object with the same value for property uniqueName already exists (%s, deleted %s)", unique, object)
			}
		}
		object, app := "", ""
		for o, lines := range s.apps("apps") {
			if lines[1] == unique {
				object, app = o, lines[0]
			}
		}
		if owner, _ := os.ReadFile(filepath.Join(s.graph, "owners", object)); object != "" && string(owner) != s.principal {
			return nil, fmt.Errorf("Authorization_RequestDenied: Insufficient privileges to complete the operation (%s, owned by %s, updated by %s)", unique, owner, s.principal)
		}
		if object == "" {
			n := len(s.apps("apps")) + len(s.apps("deleted")) + 10*len(suffix)
			object = fmt.Sprintf("%08x-0000-4000-8000-%012d", n*2+i, 1)
			app = fmt.Sprintf("%08x-0000-4000-8000-%012d", n*2+i, 2)
			body := strings.Join([]string{app, unique, "azd-env-name:" + envName, "azd-entra-suffix:" + suffix}, "\n")
			os.WriteFile(filepath.Join(s.graph, "apps", object), []byte(body+"\n"), 0o644)
			os.WriteFile(filepath.Join(s.graph, "owners", object), []byte(s.principal), 0o644)
		}
		ids["AZURE_"+kind+"_APP_OBJECT_ID"], ids["AZURE_"+kind+"_CLIENT_ID"] = object, app
	}
	return ids, nil
}

// provision is `azd up`'s provisioning in azd's order: the provider's initialization, which resolves the
// parameters and would prompt for any without a value (cmd/up.go Run, before the workflow's steps; see
// azdparams_test.go), then the child `azd provision`: preprovision hook, parameters resolved again from the
// reloaded environment, deployment (registrations, then outputs into the environment unless the deployment fails
// halfway), postprovision hook.
func (s *azdSim) provision(failAfterRegistrations bool) error {
	if _, prompts, err := azdParameters(s.p, azdEnvironment{dotenv: s.env(), process: s.process}); err != nil || len(prompts) > 0 {
		return fmt.Errorf("azd up asks for %v before the preprovision hook runs, and fails with --no-prompt (%v)", prompts, err)
	}
	if out, err := s.hook("preprovision"); err != nil {
		return fmt.Errorf("preprovision: %v\n%s", err, out)
	}
	env := s.env()
	values, prompts, err := azdParameters(s.p, azdEnvironment{dotenv: env, process: s.process})
	if err != nil || len(prompts) > 0 {
		return fmt.Errorf("azd provision asks for %v (%v)", prompts, err)
	}
	s.lastParams = values
	suffix, _ := effectiveParameter(s.p, values, "entraAppSuffix").(string)
	ids, err := s.deployRegistrations(fmt.Sprint(values["environmentName"]), suffix)
	if err != nil {
		return err
	}
	if failAfterRegistrations {
		return fmt.Errorf("deployment failed after the registrations (e.g. a role assignment)")
	}
	outputs := map[string]string{
		"AZURE_TENANT_ID": testTenant, "API_SCOPE": "api://" + ids["AZURE_API_CLIENT_ID"] + "/access_as_user",
		"API_BASE_URL": "https://func-api-tok.azurewebsites.net", "AZURE_ENTRA_APP_SUFFIX": suffix,
		"SPA_REDIRECT_URIS": s.registeredRedirectURIs(),
		// main.bicep's records for the next run: the SPA is pre-authorized, the deploying user is Admin.
		"AZURE_SPA_PREAUTHORIZED":   suffix + "/" + ids["AZURE_SPA_CLIENT_ID"],
		"AZURE_ADMIN_ROLE_ASSIGNED": suffix + "/" + signedInPrincipalID,
		// main.bicep's AZURE_SPA_AUTHORITY: the tenant, or organizations when the registrations are multi-tenant.
		"AZURE_SPA_AUTHORITY": "https://login.microsoftonline.com/" + testTenant,
	}
	if effectiveParameter(s.p, values, "signInAudience") == multiTenant {
		outputs["AZURE_SPA_AUTHORITY"] = "https://login.microsoftonline.com/organizations"
	}
	for k, v := range ids {
		outputs[k] = v
	}
	for _, name := range outputNames(s.p) {
		v, ok := outputs[name]
		if !ok {
			v = "value-of-" + name
		}
		env[name] = v
	}
	s.writeEnv(env)
	if out, err := s.hook("postprovision"); err != nil {
		return fmt.Errorf("postprovision: %v\n%s", err, out)
	}
	return nil
}

// registeredRedirectURIs is SPA_REDIRECT_URIS as azd writes it: what entra.bicep registers (the site's origin and
// spa-urls.json's local development origins, each with both paths), marshalled with json.Marshal.
func (s *azdSim) registeredRedirectURIs() string {
	var urls struct {
		RedirectPath    string   `json:"redirectPath"`
		PostLogoutPath  string   `json:"postLogoutPath"`
		LocalDevOrigins []string `json:"localDevOrigins"`
	}
	if err := json.Unmarshal([]byte(s.p.files["infra/app/spa-urls.json"]), &urls); err != nil {
		s.t.Fatal(err)
	}
	var uris []string
	for _, origin := range append([]string{"https://web-tok.azurestaticapps.net"}, urls.LocalDevOrigins...) {
		uris = append(uris, origin+urls.RedirectPath, origin+urls.PostLogoutPath)
	}
	b, _ := json.Marshal(uris)
	return string(b)
}

// deployWeb is `azd deploy web` after the build: the service's predeploy hook writes frontend/dist/config.json.
func (s *azdSim) deployWeb() error {
	dist := filepath.Join(s.repo, "frontend", "dist")
	os.MkdirAll(dist, 0o755)
	os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html>"), 0o644)
	if out, err := s.serviceHook("web", "predeploy"); err != nil {
		return fmt.Errorf("predeploy of web: %v\n%s", err, out)
	}
	return nil
}

// checkSpaConfigs: both config.json files (local after provision, deployed after deploy) carry the redirect
// URIs in the environment, so the SPA can name a redirect URI mismatch before Entra refuses one.
func (s *azdSim) checkSpaConfigs() error {
	var want []string
	if err := json.Unmarshal([]byte(s.env()["SPA_REDIRECT_URIS"]), &want); err != nil || len(want) == 0 {
		return fmt.Errorf("SPA_REDIRECT_URIS in the environment = %q (%v)", s.env()["SPA_REDIRECT_URIS"], err)
	}
	for _, f := range []string{"frontend/public/config.json", "frontend/dist/config.json"} {
		b, err := os.ReadFile(filepath.Join(s.repo, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		var cfg struct {
			RedirectURIs []string `json:"redirectUris"`
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("%s is not JSON: %v\n%s", f, err, b)
		}
		if !slices.Equal(cfg.RedirectURIs, want) {
			return fmt.Errorf("%s redirectUris = %q, want the registration's %q", f, cfg.RedirectURIs, want)
		}
	}
	return nil
}

// down: predown hook (a failure stops azd down before anything is deleted), deletion of the resources,
// removal of every template output from the environment, postdown hook. It returns the hooks' output.
func (s *azdSim) down(extraEnv ...string) (string, error) {
	out, err := s.hook("predown", extraEnv...)
	if err != nil {
		return out, fmt.Errorf("predown: %v", err)
	}
	env := s.env()
	for _, name := range outputNames(s.p) {
		delete(env, name)
	}
	s.writeEnv(env)
	post, err := s.hook("postdown", extraEnv...)
	out += post
	if err != nil {
		return out, fmt.Errorf("postdown: %v", err)
	}
	return out, nil
}

// lifecycle runs up, up again, down and up, and reports the first rule broken.
func lifecycle(s *azdSim, extraEnv ...string) error {
	if err := s.provision(false); err != nil {
		return fmt.Errorf("first azd up: %v", err)
	}
	first := s.env()
	if n := len(s.apps("apps")); n != 2 {
		return fmt.Errorf("first azd up: %d registrations, want 2", n)
	}
	if first["AZURE_ENTRA_APP_SUFFIX"] == "" || first["AZURE_API_APP_OBJECT_ID"] == "" {
		return fmt.Errorf("after provision the outputs are missing from the environment: %v", first)
	}
	if err := s.deployWeb(); err != nil {
		return fmt.Errorf("first azd up: %v", err)
	}
	if err := s.checkSpaConfigs(); err != nil {
		return fmt.Errorf("first azd up: %v", err)
	}
	if err := s.provision(false); err != nil {
		return fmt.Errorf("rerun of azd up: %v", err)
	}
	if again := s.env(); again["AZURE_ENTRA_APP_SUFFIX"] != first["AZURE_ENTRA_APP_SUFFIX"] || again["AZURE_API_APP_OBJECT_ID"] != first["AZURE_API_APP_OBJECT_ID"] || len(s.apps("apps")) != 2 {
		return fmt.Errorf("a rerun must update the same two registrations: suffix %q -> %q, %d registrations", first["AZURE_ENTRA_APP_SUFFIX"], again["AZURE_ENTRA_APP_SUFFIX"], len(s.apps("apps")))
	}
	// The rerun got the first run's records back: the API's first request keeps the SPA pre-authorized, and the
	// Admin assignment is not sent again (see graph_preauth_test.go, approles_test.go).
	want := map[string]string{"spaPreauthorizedRecord": first["AZURE_ENTRA_APP_SUFFIX"] + "/" + first["AZURE_SPA_CLIENT_ID"], "adminRoleRecord": first["AZURE_ENTRA_APP_SUFFIX"] + "/" + signedInPrincipalID}
	for param, v := range want {
		if got := s.lastParams[param]; got != v {
			return fmt.Errorf("on the rerun azd passed %s = %v, want the first run's record %q", param, got, v)
		}
	}
	out, err := s.down(extraEnv...)
	if err != nil {
		return fmt.Errorf("azd down: %v\n%s", err, out)
	}
	if n := len(s.apps("apps")); n != 0 {
		return fmt.Errorf("azd down left %d registrations\n%s", n, out)
	}
	if err := s.provision(false); err != nil {
		return fmt.Errorf("azd up after azd down: %v", err)
	}
	if s.env()["AZURE_ENTRA_APP_SUFFIX"] == first["AZURE_ENTRA_APP_SUFFIX"] {
		return fmt.Errorf("the suffix must change after azd down, still %q", first["AZURE_ENTRA_APP_SUFFIX"])
	}
	for _, param := range []string{"spaPreauthorizedRecord", "adminRoleRecord"} {
		if v, has := s.lastParams[param]; has {
			return fmt.Errorf("azd up after azd down passed %s = %v: the new registrations have no record yet", param, v)
		}
	}
	return nil
}

func TestAzdLifecycleCreatesAndRemovesRegistrations(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	if err := lifecycle(s); err != nil {
		t.Fatal(err)
	}
	if n := len(s.apps("deleted")); n != 0 {
		t.Errorf("%d registrations left in the recycle bin, want them purged", n)
	}
}

// Without the role to purge, azd down still succeeds (one note line), the deleted registrations wait in the
// recycle bin, and the next azd up does not collide with them.
func TestAzdLifecycleWhenPurgeIsRefused(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	s.extra = append(s.extra, "FAKE_PURGE_DENIED=1")
	if err := lifecycle(s); err != nil {
		t.Fatal(err)
	}
	if n := len(s.apps("deleted")); n != 2 {
		t.Errorf("%d registrations in the recycle bin, want the 2 unpurged ones", n)
	}
}

// Each mutation breaks a rule the lifecycle depends on; the same run must then fail.
func TestAzdLifecycleMutations(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := readProjectFiles(t, root)
	for name, m := range map[string]mutation{
		"teardown as postdown (outputs gone by then)": {"", "azure.yaml", "  predown:\n", "  postdown:\n"},
		"no preprovision hook (no suffix)":            {"", "azure.yaml", "  preprovision:\n", "  prepackage:\n"},
		"suffix not an output (kept after down)":      {"", "infra/main.bicep", "output AZURE_ENTRA_APP_SUFFIX string", "// output AZURE_ENTRA_APP_SUFFIX string"},
		"redirect URIs not an output":                 {"", "infra/main.bicep", "output SPA_REDIRECT_URIS array", "// output SPA_REDIRECT_URIS array"},
		"the web service has no predeploy hook":       {"", "azure.yaml", "      predeploy:\n", "      postdeploy:\n"},
		"preprovision.sh not executable in git":       {"", gitModesFile, "100755 scripts/preprovision.sh", "100644 scripts/preprovision.sh"},
		"postprovision.sh not executable in git":      {"", gitModesFile, "100755 scripts/postprovision.sh", "100644 scripts/postprovision.sh"},
		"predown.sh not executable in git":            {"", gitModesFile, "100755 scripts/predown.sh", "100644 scripts/predown.sh"},
		"spa-config.sh not executable in git":         {"", gitModesFile, "100755 scripts/spa-config.sh", "100644 scripts/spa-config.sh"},
		"the suffix parameter without a default":      {"", "infra/main.bicep", "param entraAppSuffix string = ''", "param entraAppSuffix string"},
		"the region an output (deleted by azd down)":  {"", "infra/main.bicep", "output AZURE_TENANT_ID string", "output AZURE_LOCATION string = location\noutput AZURE_TENANT_ID string"},
		"the pre-authorization record not an output":  {"", "infra/main.bicep", "output AZURE_SPA_PREAUTHORIZED string", "// output AZURE_SPA_PREAUTHORIZED string"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := loadProject(root, withEdit(t, files, m.file, m.old, m.new))
			s := newAzdSim(t, p)
			s.extra = append(s.extra, "FAKE_PURGE_DENIED=1")
			if err := lifecycle(s); err == nil {
				t.Error("the lifecycle still passed")
			} else {
				t.Log(err)
			}
		})
	}
}

// A provision that failed after creating the registrations wrote no ids into the environment; azd down still
// finds them, by tag.
func TestPredownFindsRegistrationsByTag(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	if err := s.provision(true); err == nil {
		t.Fatal("the provision was meant to fail")
	}
	if env := s.env(); env["AZURE_API_APP_OBJECT_ID"] != "" || env["AZURE_ENTRA_APP_SUFFIX"] == "" {
		t.Fatalf("environment after the failed provision: %v", env)
	}
	// A registration of another environment in the same tenant, with the same environment name, is kept.
	os.WriteFile(filepath.Join(s.graph, "apps", "other"), []byte("other-app\ntasks-api-tok-ffff0000\nazd-env-name:dev\nazd-entra-suffix:ffff0000\n"), 0o644)
	out, err := s.down()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if apps := s.apps("apps"); len(apps) != 1 || apps["other"] == nil {
		t.Errorf("registrations left: %v, want only the other environment's", apps)
	}
}

// A registration predown cannot delete stops azd down before the resources and the environment's ids go; a
// missing az says what to do; AZURE_KEEP_APP_REGISTRATIONS skips the hook.
func TestPredownFailuresStopTeardown(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	if err := s.provision(false); err != nil {
		t.Fatal(err)
	}
	out, err := s.down("FAKE_DELETE_DENIED=1")
	if err == nil {
		t.Fatalf("azd down went on although the registrations could not be deleted:\n%s", out)
	}
	if s.env()["AZURE_API_APP_OBJECT_ID"] == "" || len(s.apps("apps")) != 2 {
		t.Error("a failed predown must leave the environment and the registrations as they were")
	}

	noAz, _ := toolsOnly(t, nil)
	s.path = noAz
	out, err = s.down()
	if err == nil || !strings.Contains(out, s.env()["AZURE_API_CLIENT_ID"]) || !strings.Contains(out, "AZURE_KEEP_APP_REGISTRATIONS") {
		t.Errorf("predown without az: err %v, output %q", err, out)
	}
	if out, err := s.down("AZURE_KEEP_APP_REGISTRATIONS=true"); err != nil || !strings.Contains(out, "kept") {
		t.Errorf("AZURE_KEEP_APP_REGISTRATIONS=true: err %v, output %q", err, out)
	}
}

// Odd values in the environment stop the hooks instead of deleting or recording something else.
func TestHooksRejectBadSuffixAndIds(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	env := s.env()
	env["AZURE_ENTRA_APP_SUFFIX"] = "x'; rm -rf /"
	s.writeEnv(env)
	if out, err := s.hook("preprovision"); err == nil {
		t.Errorf("preprovision accepted a malformed suffix:\n%s", out)
	}
	if out, err := s.hook("predown"); err == nil {
		t.Errorf("predown accepted a malformed suffix:\n%s", out)
	}
	env["AZURE_ENTRA_APP_SUFFIX"] = "abcd1234"
	env["AZURE_API_APP_OBJECT_ID"] = "not-a-guid"
	s.writeEnv(env)
	if out, err := s.hook("predown"); err == nil {
		t.Errorf("predown accepted a malformed object id:\n%s", out)
	}
	calls, _ := os.ReadFile(filepath.Join(s.graph, "calls"))
	if strings.Contains(string(calls), "delete") {
		t.Errorf("az delete called despite bad values:\n%s", calls)
	}
}

// In a pipeline every run starts from an empty azd environment, so a suffix the hook invented would be new on
// every run and create a new pair of registrations each time. There the hook must refuse instead, and the suffix
// comes from a repository variable (.github/workflows/azure-dev.yml passes vars.AZURE_ENTRA_APP_SUFFIX).
func TestPreprovisionInAPipelineNeedsTheSuffix(t *testing.T) {
	t.Parallel()
	for _, ci := range []string{"CI=true", "TF_BUILD=True"} {
		s := newAzdSim(t, loadRepo(t))
		out, err := s.hook("preprovision", ci)
		if err == nil || !strings.Contains(out, "repository variable") {
			t.Errorf("%s: preprovision without AZURE_ENTRA_APP_SUFFIX: err %v, output %q", ci, err, out)
		}
		if got := s.env()["AZURE_ENTRA_APP_SUFFIX"]; got != "" {
			t.Errorf("%s: the hook recorded a suffix (%s) that the next run would not see", ci, got)
		}
		env := s.env()
		env["AZURE_ENTRA_APP_SUFFIX"] = "abcd1234"
		s.writeEnv(env)
		if out, err := s.hook("preprovision", ci); err != nil {
			t.Errorf("%s: preprovision with the suffix from a variable failed: %v\n%s", ci, err, out)
		}
	}
}

// SPA_REDIRECT_URIS is copied into config.json unescaped, so anything but azd's JSON list of plain http(s) URLs
// stops both hooks, with a message naming the variable, and leaves the config.json files as they were.
func TestHooksRefuseMalformedRedirectURIs(t *testing.T) {
	t.Parallel()
	s := newAzdSim(t, loadRepo(t))
	if err := s.provision(false); err != nil {
		t.Fatal(err)
	}
	if err := s.deployWeb(); err != nil {
		t.Fatal(err)
	}
	configs := []string{"frontend/public/config.json", "frontend/dist/config.json"}
	before := map[string]string{}
	for _, f := range configs {
		b, _ := os.ReadFile(filepath.Join(s.repo, filepath.FromSlash(f)))
		before[f] = string(b)
	}
	good := s.env()["SPA_REDIRECT_URIS"]
	for name, value := range map[string]string{
		"unset":                    "",
		"a plain URL":              "https://web-tok.azurestaticapps.net/redirect.html",
		"comma-separated URLs":     "https://web-tok.azurestaticapps.net/redirect.html,https://web-tok.azurestaticapps.net/",
		"an empty list":            "[]",
		"a trailing comma":         `["https://web-tok.azurestaticapps.net/redirect.html",]`,
		"an object":                `{"redirectUri":"https://web-tok.azurestaticapps.net/redirect.html"}`,
		"a second key smuggled in": `["https://web-tok.azurestaticapps.net/"],"apiBaseUrl":["https://evil.example"]`,
		"an escaped quote":         `["https://web-tok.azurestaticapps.net/\"x"]`,
		"a backslash":              `["https://web-tok.azurestaticapps.net/\\"]`,
		"a space in a URL":         `["https://web-tok.azurestaticapps.net/a b"]`,
		"a tab":                    "[\"https://web-tok.azurestaticapps.net/\t\"]",
		"a new line":               "[\"https://web-tok.azurestaticapps.net/\"\n,\"https://evil.example/\"]",
		"a javascript: URL":        `["javascript:alert(1)"]`,
		"no host":                  `["https:///redirect.html"]`,
		"an unquoted URL":          `[https://web-tok.azurestaticapps.net/]`,
		"a list inside the list":   `[["https://web-tok.azurestaticapps.net/"]]`,
		"the good list, then more": good + "x",
	} {
		t.Run(name, func(t *testing.T) {
			env := s.env()
			env["SPA_REDIRECT_URIS"] = value
			if value == "" {
				delete(env, "SPA_REDIRECT_URIS")
			}
			s.writeEnv(env)
			defer func() { env["SPA_REDIRECT_URIS"] = good; s.writeEnv(env) }()
			for hook, run := range map[string]func() (string, error){
				"postprovision": func() (string, error) { return s.hook("postprovision") },
				"web predeploy": func() (string, error) { return s.serviceHook("web", "predeploy") },
			} {
				out, err := run()
				if err == nil || !strings.Contains(out, "SPA_REDIRECT_URIS ") {
					t.Errorf("%s with SPA_REDIRECT_URIS=%q: err %v, output %q", hook, value, err, out)
				}
			}
			for _, f := range configs {
				if b, _ := os.ReadFile(filepath.Join(s.repo, filepath.FromSlash(f))); string(b) != before[f] {
					t.Errorf("%s changed despite the malformed value:\n%s", f, b)
				}
			}
		})
	}
	// The same list with spaces, as someone might set it by hand, is still a list.
	env := s.env()
	env["SPA_REDIRECT_URIS"] = `[ "https://web-tok.azurestaticapps.net/redirect.html" , "https://web-tok.azurestaticapps.net/" ]`
	s.writeEnv(env)
	if out, err := s.serviceHook("web", "predeploy"); err != nil {
		t.Errorf("predeploy refused a list with spaces: %v\n%s", err, out)
	}
	cfg := readJSON(t, filepath.Join(s.repo, "frontend", "dist", "config.json"))
	if got := fmt.Sprint(cfg["redirectUris"]); got != "[https://web-tok.azurestaticapps.net/redirect.html https://web-tok.azurestaticapps.net/]" {
		t.Errorf("dist/config.json redirectUris = %s", got)
	}
}
