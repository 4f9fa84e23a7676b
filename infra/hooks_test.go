package infra_test

// The POSIX hooks, run for real as azd runs them (runAzdHook: `/bin/sh -c <path>`, azd's directory and environment)
// in a scratch checkout of the repository layout, with the azd env values azd would pass. (The PowerShell twins cannot run here: no pwsh. checkHookOutputs compares the variables both
// read.) lifecycle_test.go drives them through azd's provision and down sequence with a fake az and azd.
// The tests run in parallel: each has its own scratch copy.

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	testTenant    = "11111111-2222-3333-4444-555555555555"
	testAPIClient = "aaaaaaaa-0000-0000-0000-000000000001"
	testAPIObject = "aaaaaaaa-0000-0000-0000-0000000000a1"
	testSPAClient = "bbbbbbbb-0000-0000-0000-000000000002"
	testSPAObject = "bbbbbbbb-0000-0000-0000-0000000000b2"
)

func azdEnv() map[string]string {
	return map[string]string{
		"AZURE_TENANT_ID":         testTenant,
		"AZURE_API_CLIENT_ID":     testAPIClient,
		"AZURE_API_APP_OBJECT_ID": testAPIObject,
		"AZURE_SPA_CLIENT_ID":     testSPAClient,
		"AZURE_SPA_APP_OBJECT_ID": testSPAObject,
		"API_SCOPE":               "api://" + testAPIClient + "/access_as_user",
		"API_BASE_URL":            "https://func-api-abc.azurewebsites.net",
		"SPA_REDIRECT_URIS":       testRedirectURIs,
	}
}

// SPA_REDIRECT_URIS as azd writes an array output into the environment: compact JSON (lifecycle_test.go).
const testRedirectURIs = `["https://web-abc.azurestaticapps.net/redirect.html","https://web-abc.azurestaticapps.net/","http://localhost:5173/redirect.html","http://localhost:5173/"]`

// checkRedirectURIs: config.json carries the registration's redirect URIs, in order.
func checkRedirectURIs(t *testing.T, cfg map[string]any) {
	t.Helper()
	var want []any
	json.Unmarshal([]byte(testRedirectURIs), &want)
	if got, _ := cfg["redirectUris"].([]any); !slices.Equal(got, want) {
		t.Errorf("config.json redirectUris = %v, want %v", cfg["redirectUris"], want)
	}
}

// scratchRepo lays out a checkout in a temporary directory as a clone of p would have it: every file of scripts/
// with the mode the git index gives it, local.settings.json.example, and each service's directory.
func scratchRepo(t *testing.T, p *project) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"scripts", "frontend/scripts"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for path, src := range p.files {
		if !strings.HasPrefix(path, "scripts/") && !strings.HasPrefix(path, "frontend/scripts/") && path != "local.settings.json.example" {
			continue
		}
		file := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.WriteFile(file, []byte(src), p.fileMode(path)); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(file, p.fileMode(path)); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
	return dir
}

// runHook runs hook ref of azure.yaml in the checkout repo as azd does (runAzdHook), with PATH, HOME and the azd
// environment env.
func runHook(t *testing.T, p *project, repo string, ref hookRef, env map[string]string, path string) (string, error) {
	t.Helper()
	h, ok := resolveHook(p, repo, ref)
	if !ok {
		t.Fatalf("azure.yaml declares no posix hook %s", ref)
	}
	return runAzdHook(t, h, []string{"PATH=" + path, "HOME=" + t.TempDir()}, env)
}

var (
	postprovisionHook = hookRef{"", "postprovision"}
	webPredeployHook  = hookRef{"web", "predeploy"}
)

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", path, err, b)
	}
	return v
}

func TestPostprovisionWritesLocalConfig(t *testing.T) {
	t.Parallel()
	p := loadRepo(t)
	repo := scratchRepo(t, p)
	out, err := runHook(t, p, repo, postprovisionHook, azdEnv(), os.Getenv("PATH"))
	if err != nil {
		t.Fatalf("postprovision.sh: %v\n%s", err, out)
	}
	example := readJSON(t, filepath.Join(repo, "local.settings.json.example"))
	settings := readJSON(t, filepath.Join(repo, "local.settings.json"))
	values, _ := settings["Values"].(map[string]any)
	exValues, _ := example["Values"].(map[string]any)
	if values["AZURE_TENANT_ID"] != testTenant || values["AZURE_API_CLIENT_ID"] != testAPIClient {
		t.Errorf("local.settings.json ids not set: %v", values)
	}
	for k, v := range exValues {
		if k != "AZURE_TENANT_ID" && k != "AZURE_API_CLIENT_ID" && values[k] != v {
			t.Errorf("local.settings.json %s = %v, want the example's %v", k, values[k], v)
		}
	}
	if len(values) != len(exValues) {
		t.Errorf("local.settings.json has %d values, the example %d", len(values), len(exValues))
	}
	if err := compileLocalSettingsSchema(t).Validate(any(settingsAsJSONValue(t, filepath.Join(repo, "local.settings.json")))); err != nil {
		t.Errorf("written local.settings.json fails its schema: %v", err)
	}
	// One settings file: build/ is make start's output, which the hook leaves alone.
	if _, err := os.Stat(filepath.Join(repo, "build", "local.settings.json")); !os.IsNotExist(err) {
		t.Errorf("postprovision wrote build/local.settings.json (%v); only the root file is the developer's", err)
	}
	cfg := readJSON(t, filepath.Join(repo, "frontend", "public", "config.json"))
	want := map[string]any{
		"clientId": testSPAClient, "tenantId": testTenant,
		"apiScope": "api://" + testAPIClient + "/access_as_user", "apiBaseUrl": "http://localhost:7071",
	}
	if len(cfg) != len(want)+1 {
		t.Errorf("config.json = %v, want %v and redirectUris", cfg, want)
	}
	checkRedirectURIs(t, cfg)
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("config.json %s = %v, want %v", k, cfg[k], v)
		}
	}

	// A second run keeps the developer's own edits and updates only the ids.
	a, _ := os.ReadFile(filepath.Join(repo, "local.settings.json"))
	edited := strings.Replace(string(a), `"TASKS_TABLE": "tasks"`, `"TASKS_TABLE": "mytasks"`, 1)
	if edited == string(a) {
		t.Fatal("could not edit TASKS_TABLE in local.settings.json")
	}
	os.WriteFile(filepath.Join(repo, "local.settings.json"), []byte(edited), 0o644)
	env := azdEnv()
	env["AZURE_TENANT_ID"] = "99999999-2222-3333-4444-555555555555"
	if out, err := runHook(t, p, repo, postprovisionHook, env, os.Getenv("PATH")); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	values = readJSON(t, filepath.Join(repo, "local.settings.json"))["Values"].(map[string]any)
	if values["TASKS_TABLE"] != "mytasks" || values["AZURE_TENANT_ID"] != env["AZURE_TENANT_ID"] {
		t.Errorf("second run: TASKS_TABLE %v (want kept), AZURE_TENANT_ID %v (want updated)", values["TASKS_TABLE"], values["AZURE_TENANT_ID"])
	}
}

func settingsAsJSONValue(t *testing.T, path string) any {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := yamlToJSONValue(string(b)) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Missing or malformed values stop the hook before it writes anything.
func TestPostprovisionRejectsBadValues(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(map[string]string){
		"no SPA client id":      func(e map[string]string) { delete(e, "AZURE_SPA_CLIENT_ID") },
		"empty tenant":          func(e map[string]string) { e["AZURE_TENANT_ID"] = "" },
		"quote in client id":    func(e map[string]string) { e["AZURE_API_CLIENT_ID"] = `aaaaaaaa-0000-0000-0000-00000000000"` },
		"scope without api://":  func(e map[string]string) { e["API_SCOPE"] = "access_as_user" },
		"scope with a new line": func(e map[string]string) { e["API_SCOPE"] = "api://" + testAPIClient + "/x\n\"y" },
		"no redirect URIs":      func(e map[string]string) { delete(e, "SPA_REDIRECT_URIS") },
	} {
		t.Run(name, func(t *testing.T) {
			p := loadRepo(t)
			repo := scratchRepo(t, p)
			env := azdEnv()
			edit(env)
			if out, err := runHook(t, p, repo, postprovisionHook, env, os.Getenv("PATH")); err == nil {
				t.Fatalf("postprovision.sh succeeded:\n%s", out)
			}
			for _, f := range []string{"local.settings.json", "frontend/public/config.json"} {
				if _, err := os.Stat(filepath.Join(repo, f)); err == nil {
					t.Errorf("%s written despite the bad value", f)
				}
			}
		})
	}
}

// The example must keep the keys the hook fills in.
func TestPostprovisionNeedsExampleKeys(t *testing.T) {
	t.Parallel()
	p := loadRepo(t)
	repo := scratchRepo(t, p)
	ex := filepath.Join(repo, "local.settings.json.example")
	b, _ := os.ReadFile(ex)
	os.WriteFile(ex, bytes.Replace(b, []byte(`"AZURE_API_CLIENT_ID"`), []byte(`"API_CLIENT_ID"`), 1), 0o644)
	if out, err := runHook(t, p, repo, postprovisionHook, azdEnv(), os.Getenv("PATH")); err == nil {
		t.Fatalf("postprovision.sh succeeded without AZURE_API_CLIENT_ID in the example:\n%s", out)
	}
}

// checkDeployedCSP: the deployed SPA's Content-Security-Policy (dist/staticwebapp.config.json, written by the hook
// with frontend/scripts/swa-config.mjs) lets the pages call exactly Entra, Graph and the deployed API's origin.
func checkDeployedCSP(t *testing.T, file, apiBaseURL string) {
	t.Helper()
	var swa struct {
		GlobalHeaders map[string]string `json:"globalHeaders"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the web predeploy hook wrote no staticwebapp.config.json: %v", err)
	}
	if err := json.Unmarshal(b, &swa); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	u, err := url.Parse(apiBaseURL)
	if err != nil {
		t.Fatal(err)
	}
	want := "connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com " + u.Scheme + "://" + u.Host + ";"
	if csp := swa.GlobalHeaders["Content-Security-Policy"]; !strings.Contains(csp, want) {
		t.Errorf("deployed Content-Security-Policy = %q, want it to contain %q", csp, want)
	}
}

func TestSpaConfigForDeploy(t *testing.T) {
	t.Parallel()
	p := loadRepo(t)
	repo := scratchRepo(t, p)
	dist := filepath.Join(repo, "frontend", "dist")
	os.MkdirAll(dist, 0o755)
	if out, err := runHook(t, p, repo, webPredeployHook, azdEnv(), os.Getenv("PATH")); err == nil {
		t.Fatalf("spa-config.sh succeeded without a built SPA:\n%s", out)
	}
	os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html>"), 0o644)
	out, err := runHook(t, p, repo, webPredeployHook, azdEnv(), os.Getenv("PATH"))
	if err != nil {
		t.Fatalf("spa-config.sh: %v\n%s", err, out)
	}
	cfg := readJSON(t, filepath.Join(dist, "config.json"))
	if cfg["apiBaseUrl"] != azdEnv()["API_BASE_URL"] || cfg["clientId"] != testSPAClient || cfg["tenantId"] != testTenant || len(cfg) != 5 {
		t.Errorf("dist/config.json = %v", cfg)
	}
	checkRedirectURIs(t, cfg)
	checkDeployedCSP(t, filepath.Join(dist, "staticwebapp.config.json"), azdEnv()["API_BASE_URL"])
	env := azdEnv()
	env["API_BASE_URL"] = "http://func-api-abc.azurewebsites.net"
	if out, err := runHook(t, p, repo, webPredeployHook, env, os.Getenv("PATH")); err == nil {
		t.Fatalf("spa-config.sh accepted an http API URL:\n%s", out)
	}
}

// Multi-tenant mode: the web predeploy hook copies AZURE_SPA_AUTHORITY (main.bicep) into config.json, where the
// SPA's MSAL takes its authority from; an environment without it (provisioned before the output existed) gets no
// authority, as TestSpaConfigForDeploy shows, and a value that is no Entra authority of a tenant or of
// `organizations` stops the deployment.
func TestSpaConfigAuthority(t *testing.T) {
	t.Parallel()
	p := loadRepo(t)
	repo := scratchRepo(t, p)
	dist := filepath.Join(repo, "frontend", "dist")
	os.MkdirAll(dist, 0o755)
	os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html>"), 0o644)
	for _, authority := range []string{"https://login.microsoftonline.com/organizations", "https://login.microsoftonline.com/" + testTenant} {
		env := azdEnv()
		env["AZURE_SPA_AUTHORITY"] = authority
		if out, err := runHook(t, p, repo, webPredeployHook, env, os.Getenv("PATH")); err != nil {
			t.Fatalf("spa-config.sh with AZURE_SPA_AUTHORITY %s: %v\n%s", authority, err, out)
		}
		cfg := readJSON(t, filepath.Join(dist, "config.json"))
		if cfg["authority"] != authority || cfg["tenantId"] != testTenant || len(cfg) != 6 {
			t.Errorf("dist/config.json with AZURE_SPA_AUTHORITY %s = %v", authority, cfg)
		}
		checkRedirectURIs(t, cfg)
		checkDeployedCSP(t, filepath.Join(dist, "staticwebapp.config.json"), env["API_BASE_URL"])
	}
	// Another cloud's login host: the Content-Security-Policy lets the SPA reach that host, the one MSAL signs in with.
	env := azdEnv()
	env["AZURE_SPA_AUTHORITY"] = "https://login.microsoftonline.us/organizations"
	if out, err := runHook(t, p, repo, webPredeployHook, env, os.Getenv("PATH")); err != nil {
		t.Fatalf("spa-config.sh with a US Government authority: %v\n%s", err, out)
	}
	var swa struct {
		GlobalHeaders map[string]string `json:"globalHeaders"`
	}
	b, _ := os.ReadFile(filepath.Join(dist, "staticwebapp.config.json"))
	json.Unmarshal(b, &swa)
	for _, want := range []string{"connect-src 'self' https://login.microsoftonline.us https://graph.microsoft.com", "frame-src 'self' https://login.microsoftonline.us;", "form-action 'self' https://login.microsoftonline.us"} {
		if csp := swa.GlobalHeaders["Content-Security-Policy"]; !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, want)
		}
	}
	// `common` would also offer personal Microsoft accounts, which the registrations do not accept.
	for _, bad := range []string{"https://login.microsoftonline.com/common", "http://login.microsoftonline.com/organizations", "https://login.microsoftonline.com/organizations\"x"} {
		env := azdEnv()
		env["AZURE_SPA_AUTHORITY"] = bad
		if out, err := runHook(t, p, repo, webPredeployHook, env, os.Getenv("PATH")); err == nil {
			t.Errorf("spa-config.sh accepted AZURE_SPA_AUTHORITY %q:\n%s", bad, out)
		}
	}
}
