package infra_test

// Invariants users of `azd up` depend on, read from infra/*.bicep, infra/main.parameters.json, azure.yaml and
// the hook scripts. Each check returns its problems instead of failing directly, so mutations_test.go can prove
// that it fails on a broken copy of the input.

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/example/entra-tasks/handler/settings"
	"github.com/example/entra-tasks/handler/tablestore"
)

var checks = []struct {
	name string
	fn   func(*project) problems
}{
	{"ParamsCovered", checkParamsCovered},
	{"FirstUpAsksNothing", checkFirstUpAsksNothing},
	{"ModuleWiring", checkModuleWiring},
	{"FlexAppSettings", checkFlexAppSettings},
	{"HandlerSettingsKnown", checkHandlerSettingsKnown},
	{"FunctionApp", checkFunctionApp},
	{"Outputs", checkOutputs},
	{"HookOutputs", checkHookOutputs},
	{"SpaRedirectURIs", checkSpaRedirectURIs},
	{"EntraApps", checkEntraApps},
	{"AppRoles", checkAppRoles},
	{"IdtypClaim", checkIdtypClaim},
	{"DaemonIdentity", checkDaemonIdentity},
	{"OnBehalfOf", checkOnBehalfOf},
	{"AppCallerOutputs", checkAppCallerOutputs},
	{"DeployDocs", checkDeployDocs},
	{"GraphRequestOrder", checkGraphRequestOrder},
	{"PreAuthorizationKept", checkPreAuthorizationKept},
	{"EntraTeardown", checkEntraTeardown},
	{"LocalDevOrigins", checkLocalDevOrigins},
	{"FlexRegions", checkFlexRegions},
	{"InstanceMemory", checkInstanceMemory},
	{"Storage", checkStorage},
	{"Monitoring", checkMonitoring},
	{"RoleAssignments", checkRoleAssignments},
	{"ServiceTags", checkServiceTags},
	{"AzureYaml", checkAzureYaml},
	{"HookModes", checkHookModes},
	{"EnvironmentNames", checkEnvironmentNameUses},
	{"NoSecrets", checkNoSecrets},
	{"MultiTenant", checkMultiTenant},
	{"ActionGroup", checkActionGroup},
	{"Alerts", checkAlerts},
	{"Workbook", checkWorkbook},
	{"ScaleParams", checkScaleParams},
	{"VendoredTypes", checkVendoredTypes},
}

func TestInvariants(t *testing.T) {
	p := loadRepo(t)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, msg := range c.fn(p) {
				t.Error(msg)
			}
		})
	}
}

// ---- parameters and modules ----

// azd passes main.parameters.json; a main.bicep param with neither a value there nor a default makes azd prompt
// (or fail in CI), and a value for a param that does not exist fails the deployment.
func checkParamsCovered(p *project) (ps problems) {
	m := p.main()
	if m == nil {
		ps.add("infra/main.bicep missing")
		return
	}
	if ts := m.decl("targetScope", ""); ts == nil || ts.body.text() != "'subscription'" {
		ps.add("main.bicep: targetScope must be 'subscription' (azd creates the resource group from the template)")
	}
	declared := map[string]bool{}
	for _, d := range m.declsOf("param") {
		declared[d.name] = true
		if _, ok := p.params[d.name]; !ok && d.body == nil {
			ps.add("main.bicep param %s has no default and no value in main.parameters.json", d.name)
		}
	}
	for name := range p.params {
		if !declared[name] {
			ps.add("main.parameters.json sets %s, which main.bicep does not declare", name)
		}
	}
	// The azd-provided values the issue requires, plus a separate SPA region.
	for param, env := range map[string]string{
		"environmentName":      "${AZURE_ENV_NAME}",
		"location":             "${AZURE_LOCATION}",
		"principalId":          "${AZURE_PRINCIPAL_ID}",
		"webLocation":          "${AZURE_WEB_LOCATION",
		"principalType":        "${AZURE_PRINCIPAL_TYPE",
		"entraAppSuffix":       "${AZURE_ENTRA_APP_SUFFIX}",
		"allowLocalDevOrigins": "${AZURE_ALLOW_LOCAL_DEV_ORIGINS=true}",
		"spaExtraOrigins":      "${AZURE_SPA_EXTRA_ORIGINS}",
		"instanceMemoryMB":     "${AZURE_FUNCTIONS_INSTANCE_MEMORY_MB=512}",
	} {
		v, _ := p.params[param].(map[string]any)
		if s, _ := v["value"].(string); !strings.HasPrefix(s, env) {
			ps.add("main.parameters.json: %s must take its value from %s}", param, strings.TrimSuffix(env, "}"))
		}
	}
	return
}

// Every module call passes only params the module declares and all those without a default; every
// `<module>.outputs.X` used in main.bicep exists. (bicepcheck does not check modules.)
func checkModuleWiring(p *project) (ps problems) {
	m := p.main()
	mods := map[string]*bFile{}
	for _, d := range m.declsOf("module") {
		f := p.moduleFile(d)
		if f == nil {
			ps.add("main.bicep module %s: %s not found", d.name, d.typ)
			continue
		}
		mods[d.name] = f
		if d.body.get("scope").text() != "rg" {
			ps.add("main.bicep module %s must be deployed with scope: rg", d.name)
		}
		given := map[string]bool{}
		for _, k := range d.body.get("params").keys() {
			given[k] = true
			if f.decl("param", k) == nil {
				ps.add("module %s passes %s, which %s does not declare", d.name, k, d.typ)
			}
		}
		for _, prm := range f.declsOf("param") {
			if prm.body == nil && !given[prm.name] {
				ps.add("module %s does not pass %s (required by %s)", d.name, prm.name, d.typ)
			}
		}
	}
	// module.outputs.x, or module.?outputs.x for a conditional module (null while its condition is false).
	ref := regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\.\??outputs\.([A-Za-z_][A-Za-z0-9_]*)`)
	for _, match := range ref.FindAllStringSubmatch(m.src, -1) {
		f := mods[match[1]]
		if f == nil {
			ps.add("main.bicep reads %s.outputs.%s but declares no module %s", match[1], match[2], match[1])
		} else if f.decl("output", match[2]) == nil {
			ps.add("main.bicep reads %s.outputs.%s; %s has no such output", match[1], match[2], f.path)
		}
	}
	return
}

// ---- the function app ----

// The app settings the Functions host reads itself (storage through the identity, telemetry), beside the
// handler's own (handler/settings).
var hostAppSettings = []string{
	"AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
	"APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}

// Never set on Flex Consumption (functions-app-settings.md#flex-consumption-plan-deprecations).
var flexForbidden = []string{
	"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE",
	"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD",
	"WEBSITE_TIME_ZONE", "TZ", "AzureWebJobsStorage", "WEBSITE_NODE_DEFAULT_VERSION",
}

// appSettings returns the app settings of the one `Microsoft.Web/sites/config` 'appsettings' resource: its
// properties are union(<var holding an object literal>, <the optional settings, see optionalAppSettings>), and the
// result holds the literal's settings followed by the optional ones (each set only under its condition).
func appSettings(p *project, ps *problems) *bValue {
	var found []*bDecl
	for _, r := range p.resourcesOfType("Microsoft.Web/sites/config") {
		if r.body.get("name").text() == "'appsettings'" {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		ps.add("want exactly one Microsoft.Web/sites/config 'appsettings' resource (it replaces the whole set), found %d", len(found))
		return nil
	}
	f := p.fileOf(found[0])
	props := found[0].body.get("properties")
	m := appSettingsUnion.FindStringSubmatch(props.text())
	if m == nil {
		ps.add("appsettings: properties must be union(<var of an object literal>, <var of optional settings>), so its keys can be checked; got %s", props.text())
		return nil
	}
	base := resolveValue(f, &bValue{kind: vExpr, raw: m[1]})
	if base == nil || base.kind != vObject {
		ps.add("appsettings: %s must be an object literal, so its keys can be checked", m[1])
		return nil
	}
	all := &bValue{kind: vObject, raw: base.raw, props: slices.Clone(base.props)}
	for _, o := range optionalAppSettings(f, m[2], ps) {
		all.props = append(all.props, o.props...)
	}
	return all
}

var (
	appSettingsUnion = regexp.MustCompile(`^union\((\w+), (\w+)\)$`)
	// An optional app setting: set when its parameter is non-empty, left out (not set to "") otherwise.
	optionalSetting = regexp.MustCompile(`^empty\((\w+)\) \? \{\} : (\{ (\w+): (\w+) \})$`)
)

// optionalAppSettings reads the var named name, `empty(p) ? {} : { SETTING: p }`, as the object it sets.
func optionalAppSettings(f *bFile, name string, ps *problems) []*bValue {
	var m []string
	d := f.decl("var", name)
	if d != nil {
		m = optionalSetting.FindStringSubmatch(d.body.text())
	}
	if m == nil || m[1] != m[4] {
		ps.add("appsettings: %s must be a var, empty(<param>) ? {} : { <SETTING>: <param> } (set only when given)", name)
		return nil
	}
	return []*bValue{{kind: vObject, raw: m[2], props: []*bProp{{key: m[3], val: &bValue{kind: vExpr, raw: m[4]}}}}}
}

func checkFlexAppSettings(p *project) (ps problems) {
	appsettings := appSettings(p, &ps)
	if appsettings == nil {
		return
	}
	keys := appsettings.keys()
	for _, k := range flexForbidden {
		if slices.Contains(keys, k) {
			ps.add("app setting %s must not be set on Flex Consumption", k)
		}
	}
	ps = append(ps, handlerSettingProblems(keys, append(settings.All(), settings.Platform()...))...)
	want := map[string]*regexp.Regexp{
		"AzureWebJobsStorage__accountName":          regexp.MustCompile(`.`),
		"AzureWebJobsStorage__credential":           regexp.MustCompile(`^'managedidentity'$`),
		"AzureWebJobsStorage__clientId":             regexp.MustCompile(`clientId$`),
		"APPLICATIONINSIGHTS_CONNECTION_STRING":     regexp.MustCompile(`ConnectionString$`),
		"APPLICATIONINSIGHTS_AUTHENTICATION_STRING": regexp.MustCompile(`^'ClientId=\$\{[^}]+\};Authorization=AAD'$`),
		"AZURE_CLIENT_ID":                           regexp.MustCompile(`clientId$`),
		"TABLES_ENDPOINT":                           regexp.MustCompile(`^'https://\$\{[^}]+\}\.table\.\$\{environment\(\)\.suffixes\.storage\}'$`),
		"AZURE_TENANT_ID":                           regexp.MustCompile(`^tenant\(\)\.tenantId$`),
		// The deployment's own cloud, never a literal (a literal public host breaks sovereign clouds).
		"AZURE_AUTHORITY_HOST": regexp.MustCompile(`^environment\(\)\.authentication\.loginEndpoint$`),
	}
	for k, re := range want {
		if v := appsettings.get(k).text(); !re.MatchString(v) {
			ps.add("app setting %s = %q, want %s", k, v, re)
		}
	}
	// siteConfig.appSettings would be replaced by the config resource anyway; keep one source.
	for _, site := range p.resourcesOfType("Microsoft.Web/sites") {
		if site.body.get("properties", "siteConfig", "appSettings") != nil {
			ps.add("site %s: set app settings only in the sites/config 'appsettings' resource", site.name)
		}
		if site.body.get("properties", "siteConfig", "linuxFxVersion") != nil {
			ps.add("site %s: linuxFxVersion must not be set on Flex Consumption", site.name)
		}
	}
	return
}

// handlerSettingProblems: the function app sets each setting the handler reads exactly when handler/settings
// says Azure sets it.
func handlerSettingProblems(keys []string, table []settings.Setting) (ps problems) {
	for _, s := range table {
		set := slices.Contains(keys, s.Name)
		switch {
		case s.NotInAzure != "" && set:
			ps.add("app setting %s must not be set in Azure: %s", s.Name, s.NotInAzure)
		case s.NotInAzure == "" && !set:
			ps.add("app setting %s (read by the handler) is not set on the function app", s.Name)
		}
	}
	return
}

// Each app setting the function app sets is read by the handler (handler/settings) or by the Functions host.
func checkHandlerSettingsKnown(p *project) (ps problems) {
	appsettings := appSettings(p, &ps)
	if appsettings == nil {
		return
	}
	for _, k := range appsettings.keys() {
		read := slices.ContainsFunc(settings.All(), func(s settings.Setting) bool { return s.Name == k })
		if !read && !slices.Contains(hostAppSettings, k) {
			ps.add("infra sets %s, which neither the handler (handler/settings) nor the Functions host reads", k)
		}
	}
	return
}

func checkFunctionApp(p *project) (ps problems) {
	sites := p.resourcesOfType("Microsoft.Web/sites")
	if len(sites) != 1 {
		ps.add("want one function app (Microsoft.Web/sites), found %d", len(sites))
		return
	}
	site := sites[0]
	expect := func(what, got, want string) {
		if got != want {
			ps.add("function app %s = %q, want %q", what, got, want)
		}
	}
	expect("kind", site.body.get("kind").text(), "'functionapp,linux'")
	expect("httpsOnly", site.body.get("properties", "httpsOnly").text(), "true")
	expect("siteConfig.minTlsVersion", site.body.get("properties", "siteConfig", "minTlsVersion").text(), "'1.2'")
	expect("identity.type", site.body.get("identity", "type").text(), "'UserAssigned'")
	cfg := site.body.get("properties", "functionAppConfig")
	expect("runtime.name", cfg.get("runtime", "name").text(), "'custom'")
	expect("runtime.version", cfg.get("runtime", "version").text(), "'1.0'")
	expect("deployment.storage.type", cfg.get("deployment", "storage", "type").text(), "'blobContainer'")
	expect("deployment.storage.authentication.type", cfg.get("deployment", "storage", "authentication", "type").text(), "'UserAssignedIdentity'")

	plans := p.resourcesOfType("Microsoft.Web/serverfarms")
	if len(plans) != 1 {
		ps.add("want one plan, found %d", len(plans))
	} else {
		expect("plan sku.name", plans[0].body.get("sku", "name").text(), "'FC1'")
		expect("plan sku.tier", plans[0].body.get("sku", "tier").text(), "'FlexConsumption'")
		expect("plan properties.reserved", plans[0].body.get("properties", "reserved").text(), "true")
	}

	// CORS: the deployed SPA's origin, the extra origins (custom domains), then the local development origins
	// (empty unless allowed, see checkLocalDevOrigins): the same origins the SPA registration lists. Never '*'.
	if got := site.body.get("properties", "siteConfig", "cors", "allowedOrigins").text(); got != "concat([ spaOrigin ], extraOrigins, localDevOrigins)" {
		ps.add("CORS allowedOrigins = %s, want concat([ spaOrigin ], extraOrigins, localDevOrigins)", got)
	}
	if call := p.main().decl("module", "api"); call == nil || call.body.get("params", "extraOrigins").text() != "extraSpaOrigins" {
		ps.add("main.bicep must pass extraOrigins: extraSpaOrigins to the api module")
	}
	if call := p.main().decl("module", "api"); call == nil || call.body.get("params", "spaOrigin").text() != "'https://${web.outputs.defaultHostName}'" {
		ps.add("main.bicep must pass spaOrigin: 'https://${web.outputs.defaultHostName}' to the api module")
	}
	return
}

// ---- outputs and hooks ----

var requiredOutputs = []string{
	"AZURE_TENANT_ID", "AZURE_API_CLIENT_ID", "AZURE_SPA_CLIENT_ID", "API_SCOPE", "API_BASE_URL", "SPA_URL",
	"AZURE_FUNCTION_APP_NAME", "TABLES_ENDPOINT", "AZURE_RESOURCE_GROUP", "AZURE_ENTRA_APP_SUFFIX",
}

func outputNames(p *project) []string {
	var names []string
	for _, d := range p.main().declsOf("output") {
		names = append(names, d.name)
	}
	return names
}

func checkOutputs(p *project) (ps problems) {
	names := outputNames(p)
	for _, want := range requiredOutputs {
		if !slices.Contains(names, want) {
			ps.add("main.bicep lacks output %s", want)
		}
	}
	upper := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	for _, n := range names {
		if !upper.MatchString(n) {
			ps.add("output %s: azd env values are UPPER_SNAKE", n)
		}
	}
	// AZURE_CLIENT_ID in the azd env would be picked up by azidentity in every hook and local tool.
	if slices.Contains(names, "AZURE_CLIENT_ID") {
		ps.add("do not output AZURE_CLIENT_ID: azd exports outputs to hooks, where azidentity would pick it up")
	}
	return
}

// Environment variables a hook reads that are not Bicep outputs (documented, optional overrides).
var hookInputsNotOutputs = map[string]bool{
	"LOCAL_API_BASE_URL":           true, // postprovision: where the local SPA finds the local API
	"AZURE_ENV_NAME":               true, // set by azd in every environment
	"AZURE_KEEP_APP_REGISTRATIONS": true, // predown: opt out of deleting the registrations
	"CI":                           true, // preprovision: set by GitHub Actions; a pipeline needs the suffix from a variable
	"TF_BUILD":                     true, // preprovision: the same for Azure Pipelines
}

var (
	shVarRef = regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]+)|need_[a-z_]+ ([A-Z][A-Z0-9_]+)`)
	psVarRef = regexp.MustCompile(`\$env:([A-Z][A-Z0-9_]+)|Need-[A-Za-z]+ '([A-Z][A-Z0-9_]+)'`)
)

func hookVars(src string, re *regexp.Regexp) []string {
	set := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		set[m[1]+m[2]] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every azd env value a hook reads must be an output of main.bicep, and each POSIX hook and its PowerShell
// twin must read the same values.
func checkHookOutputs(p *project) (ps problems) {
	outs := outputNames(p)
	for _, hook := range []string{"lib", "preprovision", "postprovision", "spa-config", "predown"} {
		sh := hookVars(p.files["scripts/"+hook+".sh"], shVarRef)
		pw := hookVars(p.files["scripts/"+hook+".ps1"], psVarRef)
		if len(sh) == 0 || len(pw) == 0 {
			ps.add("scripts/%s.{sh,ps1}: no environment variable reads found (sh %v, ps1 %v)", hook, sh, pw)
		}
		if !slices.Equal(sh, pw) {
			ps.add("scripts/%s.sh reads %v but %s.ps1 reads %v", hook, sh, hook, pw)
		}
		for _, v := range append(sh, pw...) {
			if !hookInputsNotOutputs[v] && !slices.Contains(outs, v) {
				ps.add("scripts/%s reads %s, which main.bicep does not output", hook, v)
			}
		}
	}
	return
}

// ---- Entra ----

func graphApps(p *project) []*bDecl { return p.resourcesOfType("Microsoft.Graph/applications") }

func checkSpaRedirectURIs(p *project) (ps problems) {
	var spas []*bDecl
	for _, a := range graphApps(p) {
		if a.body.get("spa") != nil {
			spas = append(spas, a)
		}
	}
	if len(spas) != 1 {
		ps.add("want one app registration with spa redirect URIs, found %d", len(spas))
		return
	}
	// MSAL v5 completes every flow on its bridge page (redirectPath); sign-out lands on postLogoutPath. Both paths
	// come from infra/app/spa-urls.json, the file the browser tests' fake Entra reads too.
	// The list is the deployed site's origin, the extra origins, then the local development origins.
	f := p.fileOf(spas[0])
	if got := resolveVar(f, spas[0].body.get("spa", "redirectUris").text()); got != "flatten(map(spaOrigins, origin => [ '${origin}${spaUrls.redirectPath}', '${origin}${spaUrls.postLogoutPath}' ]))" {
		ps.add("spa.redirectUris = %s, want each origin's redirectPath and postLogoutPath (flatten(map(spaOrigins, ...)))", got)
	}
	if got := resolveVar(f, "spaUrls"); got != "loadJsonContent('spa-urls.json')" {
		ps.add("entra.bicep spaUrls = %s, want loadJsonContent('spa-urls.json') (the list shared with the fake Entra)", got)
	}
	if got := resolveVar(f, "spaOrigins"); got != "concat([ 'https://${spaHostName}' ], extraOrigins, localDevOrigins)" {
		ps.add("spaOrigins = %s, want concat([ 'https://${spaHostName}' ], extraOrigins, localDevOrigins): https for the deployed site", got)
	}
	ps = append(ps, checkSpaRedirectURIsOutput(p, f, spas[0])...)
	if call := p.main().decl("module", "entra"); call == nil || call.body.get("params", "extraOrigins").text() != "extraSpaOrigins" {
		ps.add("main.bicep must pass extraOrigins: extraSpaOrigins to the entra module")
	}
	ps = append(ps, checkSpaUrlsFile(p)...)
	// A preview environment has its own host name, which is no registered redirect URI: sign-in there would fail.
	for _, site := range p.resourcesOfType("Microsoft.Web/staticSites") {
		if got := site.body.get("properties", "stagingEnvironmentPolicy").text(); got != "'Disabled'" {
			ps.add("static site stagingEnvironmentPolicy = %q, want 'Disabled' (preview hosts are not registered redirect URIs)", got)
		}
	}
	if spas[0].body.get("web") != nil || spas[0].body.get("publicClient") != nil {
		ps.add("the SPA registration must use spa redirect URIs only (no web/publicClient: implicit flow or secrets)")
	}
	if call := p.main().decl("module", "entra"); call == nil || call.body.get("params", "spaHostName").text() != "web.outputs.defaultHostName" {
		ps.add("main.bicep must pass spaHostName: web.outputs.defaultHostName to the entra module")
	}
	return
}

// checkSpaRedirectURIsOutput: the hooks write SPA_REDIRECT_URIS into the SPA's config.json, so the SPA can name a
// redirect URI mismatch before Entra answers it with AADSTS50011. It must be the list the registration itself
// sends (the same variable), never a second list that could drift from it.
func checkSpaRedirectURIsOutput(p *project, entra *bFile, spa *bDecl) (ps problems) {
	registered := spa.body.get("spa", "redirectUris").text()
	if out := entra.decl("output", "spaRedirectUris"); out == nil || out.typ != "array" || out.body.text() != registered {
		ps.add("entra.bicep must output spaRedirectUris array = %s (the variable the SPA registration's spa.redirectUris uses)", registered)
	}
	if out := p.main().decl("output", "SPA_REDIRECT_URIS"); out == nil || out.typ != "array" || out.body.text() != "entra.outputs.spaRedirectUris" {
		ps.add("main.bicep must output SPA_REDIRECT_URIS array = entra.outputs.spaRedirectUris (the hooks copy it into config.json)")
	}
	return
}

func checkEntraApps(p *project) (ps problems) {
	var cfg struct {
		Extensions map[string]string `json:"extensions"`
	}
	if err := jsonUnmarshal(p.files["infra/bicepconfig.json"], &cfg); err != nil {
		ps.add("infra/bicepconfig.json: %v", err)
	}
	if got := cfg.Extensions["microsoftGraphV1"]; got != "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0" {
		ps.add("bicepconfig.json microsoftGraphV1 = %q, want the GA v1.0 1.0.0 registry reference", got)
	}
	for _, f := range p.sortedBicep() {
		uses := false
		for _, r := range f.allResources() {
			uses = uses || strings.HasPrefix(r.typ, "Microsoft.Graph/")
		}
		if uses && f.decl("extension", "microsoftGraphV1") == nil {
			ps.add("%s declares Graph resources without `extension microsoftGraphV1`", f.path)
		}
	}
	apps := graphApps(p)
	var api *bDecl
	for _, a := range apps {
		if a.body.get("identifierUris") != nil {
			if api != nil {
				ps.add("two app declarations set identifierUris")
			}
			api = a
		}
		un := resolveVar(p.fileOf(a), a.body.get("uniqueName").text())
		if !strings.Contains(un, "${resourceToken}-${appSuffix}") {
			ps.add("app %s uniqueName %s must include the resource token and the environment's suffix (unique in the tenant, new after azd down)", a.name, un)
		}
		// Both registrations follow the one audience parameter (multitenant_test.go checks its default and values).
		if a.body.get("signInAudience").text() != "signInAudience" {
			ps.add("app %s: signInAudience = %s, want the module's signInAudience parameter (AzureADMyOrg unless multi-tenant)", a.name, a.body.get("signInAudience").text())
		}
		if a.body.get("passwordCredentials") != nil || a.body.get("keyCredentials") != nil {
			ps.add("app %s must have no credentials", a.name)
		}
	}
	if api == nil {
		ps.add("no API app registration (one setting identifierUris)")
		return
	}
	f := p.fileOf(api)
	if uris := api.body.get("identifierUris"); uris == nil || len(uris.items) != 1 || !regexp.MustCompile(`^'api://\$\{[A-Za-z]+\.appId\}'$`).MatchString(uris.items[0].raw) {
		ps.add("API identifierUris must be exactly ['api://${<app>.appId}'], got %s", api.body.get("identifierUris").text())
	}
	if v := api.body.get("api", "requestedAccessTokenVersion").text(); v != "2" {
		ps.add("API requestedAccessTokenVersion = %q, want 2", v)
	}
	scopes := resolveValue(f, api.body.get("api", "oauth2PermissionScopes"))
	if scopes == nil || len(scopes.items) != 1 {
		ps.add("API must expose exactly one scope")
		return
	}
	scope := scopes.items[0]
	scopeID := scope.get("id").text()
	if !strings.HasPrefix(resolveVar(f, scopeID), "guid(") {
		ps.add("scope id %s must be deterministic: a var computed with guid(...)", scopeID)
	}
	if scope.get("isEnabled").text() != "true" || scope.get("type").text() != "'User'" {
		ps.add("scope must be enabled and user-consentable")
	}
	pre := api.body.get("api", "preAuthorizedApplications")
	if pre == nil || len(pre.items) != 1 || !strings.HasSuffix(pre.items[0].get("appId").text(), ".appId") ||
		!slices.Equal(itemTexts(pre.items[0].get("delegatedPermissionIds")), []string{scopeID}) {
		ps.add("API must pre-authorize the SPA (an app's .appId) for exactly scope %s", scopeID)
	}
	// Same uniqueName twice: the first declaration creates the app, the second sets api://{appId}.
	var sameName int
	for _, a := range apps {
		if a.body.get("uniqueName").text() == api.body.get("uniqueName").text() {
			sameName++
		}
	}
	if sameName != 2 {
		ps.add("the API app must be declared twice with one uniqueName (create, then set api://{appId}); found %d", sameName)
	}
	sps := p.resourcesOfType("Microsoft.Graph/servicePrincipals")
	if len(sps) != 2 {
		ps.add("want a service principal for each of the two apps, found %d", len(sps))
	}
	return
}

// ---- storage, monitoring, roles ----

func checkStorage(p *project) (ps problems) {
	accounts := p.resourcesOfType("Microsoft.Storage/storageAccounts")
	if len(accounts) != 1 {
		ps.add("want one storage account, found %d", len(accounts))
		return
	}
	props := accounts[0].body.get("properties")
	for k, want := range map[string]string{
		"allowSharedKeyAccess":     "false",
		"allowBlobPublicAccess":    "false",
		"minimumTlsVersion":        "'TLS1_2'",
		"supportsHttpsTrafficOnly": "true",
	} {
		if got := props.get(k).text(); got != want {
			ps.add("storage %s = %q, want %s", k, got, want)
		}
	}
	// The tasks table and, beside it, the users index and audit log under the names handler/tablestore derives
	// (tablestore.UsersTableSuffix, AuditTableSuffix).
	var tables []string
	for _, t := range p.resourcesOfType("Microsoft.Storage/storageAccounts/tableServices/tables") {
		tables = append(tables, t.body.get("name").text())
	}
	if want := []string{"tableName", "'${tableName}" + tablestore.UsersTableSuffix + "'", "'${tableName}" + tablestore.AuditTableSuffix + "'"}; !slices.Equal(tables, want) {
		ps.add("tables %v, want %v", tables, want)
	}
	if n := len(p.resourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers")); n != 1 {
		ps.add("want the deployment container declared once, found %d", n)
	}
	if v := resolveVar(p.main(), "tasksTableName"); v != "'tasks'" {
		ps.add("main.bicep tasksTableName = %s, want 'tasks'", v)
	}
	return
}

func checkMonitoring(p *project) (ps problems) {
	for _, r := range p.resourcesOfType("Microsoft.Insights/components") {
		if r.body.get("properties", "DisableLocalAuth").text() != "true" {
			ps.add("Application Insights %s must have DisableLocalAuth: true", r.name)
		}
		if r.body.get("properties", "WorkspaceResourceId") == nil {
			ps.add("Application Insights %s must be workspace-based", r.name)
		}
	}
	for _, r := range p.resourcesOfType("Microsoft.OperationalInsights/workspaces") {
		if r.body.get("properties", "features", "disableLocalAuth").text() != "true" {
			ps.add("Log Analytics %s must have features.disableLocalAuth: true", r.name)
		}
	}
	if len(p.resourcesOfType("Microsoft.Insights/components")) != 1 || len(p.resourcesOfType("Microsoft.OperationalInsights/workspaces")) != 1 {
		ps.add("want one Application Insights component and one Log Analytics workspace")
	}
	return
}

var roleIDs = map[string]string{
	"b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
	"0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
	"3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}

func checkRoleAssignments(p *project) (ps problems) {
	assignments := p.resourcesOfType("Microsoft.Authorization/roleAssignments")
	type grant struct{ principal, role string }
	got := map[grant]int{}
	for _, a := range assignments {
		f := p.fileOf(a)
		name := a.body.get("name").text()
		if !strings.HasPrefix(name, "guid(") {
			ps.add("role assignment %s: name must be guid(scope, principal, role), got %s", a.name, name)
		}
		props := a.body.get("properties")
		principal := props.get("principalId").text()
		if props.get("principalType") == nil {
			ps.add("role assignment %s: principalType must be set", a.name)
		}
		def := props.get("roleDefinitionId").text()
		m := regexp.MustCompile(`^subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', ([A-Za-z.]+)\)$`).FindStringSubmatch(def)
		if m == nil {
			ps.add("role assignment %s: roleDefinitionId %s not understood", a.name, def)
			continue
		}
		// roles.x -> the GUID in `var roles = { x: '...' }`
		id := m[1]
		if parts := strings.SplitN(id, ".", 2); len(parts) == 2 {
			if v := f.decl("var", parts[0]); v != nil {
				id = v.body.get(parts[1]).text()
			}
		}
		id = strings.Trim(id, "'")
		if !strings.Contains(name, m[1]) || !strings.Contains(name, principal) {
			ps.add("role assignment %s: name %s must include the principal and the role", a.name, name)
		}
		if _, ok := roleIDs[id]; !ok {
			ps.add("role assignment %s: unexpected role %s", a.name, id)
		}
		got[grant{principal, id}]++
		if principal == "identityPrincipalId" && props.get("principalType").text() != "'ServicePrincipal'" {
			ps.add("role assignment %s: a managed identity's principalType is 'ServicePrincipal'", a.name)
		}
		if principal == "userPrincipalId" {
			if props.get("principalType").text() != "userPrincipalType" {
				ps.add("role assignment %s: the deploying principal may be a user or a CI service principal: use userPrincipalType", a.name)
			}
			if a.condition != "(!empty(userPrincipalId))" {
				ps.add("role assignment %s: must be skipped when no principal id is given, got condition %q", a.name, a.condition)
			}
		}
	}
	for id, role := range roleIDs {
		for _, principal := range []string{"identityPrincipalId", "userPrincipalId"} {
			if got[grant{principal, id}] != 1 {
				ps.add("%s must be granted %s exactly once, found %d", principal, role, got[grant{principal, id}])
			}
		}
	}
	return
}

// ---- azd ----

// azd deploys a service to the one resource tagged azd-service-name: <service>; zero or several is an error.
func checkServiceTags(p *project) (ps problems) {
	services, _ := yamlGet(p.yaml, "services").(map[string]any)
	tag := regexp.MustCompile(`'azd-service-name'\s*:\s*'([^']*)'`)
	count := map[string]int{}
	where := map[string]*bDecl{}
	for _, f := range p.sortedBicep() {
		for _, r := range f.allResources() {
			for _, m := range tag.FindAllStringSubmatch(r.body.get("tags").text(), -1) {
				count[m[1]]++
				where[m[1]] = r
				if r.loop {
					ps.add("%s: resource %s tagged azd-service-name %s is in a loop", f.path, r.name, m[1])
				}
				// The module holding it must be called exactly once from main.bicep.
				calls := 0
				for _, d := range p.main().declsOf("module") {
					if mf := p.moduleFile(d); mf == f {
						calls++
						if d.loop || d.condition != "" {
							ps.add("module %s holds a tagged resource and must be unconditional and unlooped", d.name)
						}
					}
				}
				if calls != 1 {
					ps.add("%s (tag azd-service-name %s) is used by %d module calls, want 1", f.path, m[1], calls)
				}
			}
		}
	}
	for name := range services {
		if count[name] != 1 {
			ps.add("service %s: %d resources tagged azd-service-name: %s, want exactly 1", name, count[name], name)
		}
	}
	for name := range count {
		if _, ok := services[name]; !ok {
			ps.add("azd-service-name %s is not a service in azure.yaml", name)
		}
	}
	hostType := map[string]string{"function": "Microsoft.Web/sites", "staticwebapp": "Microsoft.Web/staticSites"}
	for name := range services {
		if r := where[name]; r != nil {
			if want := hostType[yamlString(services, name, "host")]; want != "" && r.resourceType() != want {
				ps.add("service %s (host %s) is tagged on a %s", name, yamlString(services, name, "host"), r.resourceType())
			}
		}
	}
	rgs := p.resourcesOfType("Microsoft.Resources/resourceGroups")
	if len(rgs) != 1 || !strings.Contains(rgs[0].body.get("tags").text(), "tags") || resolveVar(p.main(), "tags") != "{\n  'azd-env-name': environmentName\n}" {
		ps.add("the resource group must carry tags { 'azd-env-name': environmentName }")
	}
	return
}

func checkAzureYaml(p *project) (ps problems) {
	y := p.yaml
	want := map[string]string{
		"services.api.project":                    ".",
		"services.api.host":                       "function",
		"services.api.language":                   "custom",
		"services.api.dist":                       "build/api.zip",
		"services.api.hooks.prepackage.posix.run": "scripts/build-api.sh",
		"services.web.project":                    "./frontend",
		"services.web.host":                       "staticwebapp",
		"services.web.dist":                       "dist",
		"infra.provider":                          "bicep",
		"infra.path":                              "infra",
		"infra.module":                            "main",
	}
	for path, v := range want {
		if got := yamlString(y, strings.Split(path, ".")...); got != v {
			ps.add("azure.yaml %s = %q, want %q", path, got, v)
		}
	}
	steps, _ := yamlGet(y, "workflows", "up", "steps").([]any)
	var cmds []string
	for _, s := range steps {
		cmds = append(cmds, yamlString(s, "azd"))
	}
	if !slices.Equal(cmds, []string{"provision", "deploy --all"}) {
		ps.add("azure.yaml workflows.up.steps = %v, want provision then deploy --all", cmds)
	}
	// azd deploys a `dist` ending in .zip as is, since 1.20.0 (Azure/azure-dev cli/azd/pkg/project/
	// service_target_functionapp.go, Package: `if filepath.Ext(buildPath) != ".zip"` zips, else passes through).
	// A custom service's dist is that path as written, not joined to the service's directory
	// (framework_service_custom.go Package: Location: serviceConfig.OutputPath), and zipDeploy opens it with
	// os.Open: relative to the directory azd runs in, which docs/deploy.md says is the repository root. So the
	// build scripts must write exactly <root>/build/api.zip, from the repository root whatever directory azd
	// starts them in.
	for _, script := range []string{"scripts/build-api.sh", "scripts/build-api.ps1"} {
		src := p.files[script]
		if !packsBuildIntoAPIZip.MatchString(src) {
			ps.add("%s must write build/api.zip with tools/pack (azure.yaml dist)", script)
		}
	}
	if !strings.Contains(p.files["scripts/build-api.sh"], `cd "$(dirname "$0")/.."`) || !strings.Contains(p.files["scripts/build-api.ps1"], `Set-Location (Join-Path $PSScriptRoot '..')`) {
		ps.add("scripts/build-api.{sh,ps1} must change to the repository root before writing build/api.zip: azd opens dist relative to the directory it runs in, the root")
	}
	if yamlGet(y, "hooks", "postdown") != nil {
		ps.add("azure.yaml: no postdown hook: azd has removed the outputs from the environment by then (see lifecycle_test.go)")
	}
	if rv := yamlString(y, "requiredVersions", "azd"); rv != ">= 1.20.0" {
		ps.add("azure.yaml requiredVersions.azd = %q, want >= 1.20.0 (language: custom)", rv)
	}
	// Each hook: POSIX sh + PowerShell twin, both files present.
	hooks := []struct {
		path []string
		dir  string
	}{
		{[]string{"hooks", "preprovision"}, ""},
		{[]string{"hooks", "postprovision"}, ""},
		{[]string{"hooks", "predown"}, ""},
		{[]string{"services", "web", "hooks", "predeploy"}, "frontend"},
		{[]string{"services", "api", "hooks", "prepackage"}, ""},
	}
	for _, h := range hooks {
		for os, shell := range map[string]string{"posix": "sh", "windows": "pwsh"} {
			hp := append(slices.Clone(h.path), os)
			if got := yamlString(y, append(hp, "shell")...); got != shell {
				ps.add("azure.yaml %s.shell = %q, want %s", strings.Join(hp, "."), got, shell)
			}
			run := yamlString(y, append(hp, "run")...)
			rel := strings.TrimPrefix(pathJoin(h.dir, run), "./")
			if _, ok := p.files[rel]; !ok {
				ps.add("azure.yaml %s.run = %q: %s is not a script in scripts/", strings.Join(hp, "."), run, rel)
			}
		}
	}
	return
}

func itemTexts(v *bValue) []string {
	var out []string
	if v != nil {
		for _, it := range v.items {
			out = append(out, it.raw)
		}
	}
	return out
}

func pathJoin(dir, rel string) string {
	return filepath.ToSlash(filepath.Clean(filepath.Join(dir, rel)))
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// ---- secrets ----

var secretPatterns = regexp.MustCompile(`(?i)listKeys\(|listSecrets\(|listCredentials\(|AccountKey=|SharedAccessSignature|passwordCredentials|keyCredentials|@secure\(\)|client_secret|clientSecret`)

func checkNoSecrets(p *project) (ps problems) {
	for path, src := range p.files {
		if !(strings.HasPrefix(path, "infra/") || strings.HasPrefix(path, "scripts/") || path == "azure.yaml") {
			continue
		}
		// Azure's type data names secret properties (clientSecret) as data; it deploys nothing.
		if strings.HasPrefix(path, vendoredTypesDir) {
			continue
		}
		for _, m := range secretPatterns.FindAllStringIndex(src, -1) {
			ps.add("%s:%d: %q: no secrets, keys or secret-reading functions in infra, hooks or azure.yaml", path, strings.Count(src[:m[0]], "\n")+1, src[m[0]:m[1]])
		}
	}
	return
}

// Shell syntax of every POSIX hook (sh -n parses without running).
func TestHookScriptsParse(t *testing.T) {
	needTools(t, "sh")
	root := repoRoot(t)
	for _, s := range []string{"lib.sh", "preprovision.sh", "postprovision.sh", "spa-config.sh", "predown.sh", "build-api.sh"} {
		if out, err := exec.Command("sh", "-n", root+"/scripts/"+s).CombinedOutput(); err != nil {
			t.Errorf("sh -n scripts/%s: %v\n%s", s, err, out)
		}
	}
}

// packsBuildIntoAPIZip is the build scripts' one tools/pack call: stage build/ and write
// build/api.zip (quoted in PowerShell), the file azure.yaml's dist names.
var packsBuildIntoAPIZip = regexp.MustCompile(`tools/pack -stage -src build -out "?build/api\.zip"?(\s|;|$)`)
