package infra_test

// Checks for what the first `azd up`, a rerun and an `azd up` after `azd down` depend on: the order of the
// Graph requests, the registrations' suffix and tags, the local development origins, the Flex regions and the
// instance size. Each has mutations in mutations_test.go.

import (
	"regexp"
	"slices"
	"strings"
)

// resolveValue follows a bare identifier naming a `var` to that var's value (literal or expression).
func resolveValue(f *bFile, v *bValue) *bValue {
	if v != nil && v.kind == vExpr {
		if d := f.decl("var", v.raw); d != nil && d.body != nil {
			return d.body
		}
	}
	return v
}

// dependsOn returns the declarations d references (symbolic references `name.` and dependsOn), transitively.
func dependsOn(f *bFile, d *bDecl) map[*bDecl]bool {
	seen := map[*bDecl]bool{}
	var visit func(x *bDecl)
	visit = func(x *bDecl) {
		for _, r := range f.allResources() {
			if r == x || seen[r] {
				continue
			}
			ref := regexp.MustCompile(`\b` + regexp.QuoteMeta(r.name) + `\b`)
			if ref.MatchString(x.body.raw) {
				seen[r] = true
				visit(r)
			}
		}
	}
	visit(d)
	return seen
}

// scopeIDs lists the ids of the scopes an app declaration sends (oauth2PermissionScopes), as source text.
func scopeIDs(f *bFile, app *bDecl) []string {
	var ids []string
	if scopes := resolveValue(f, app.body.get("api", "oauth2PermissionScopes")); scopes != nil {
		for _, s := range scopes.items {
			ids = append(ids, s.get("id").text())
		}
	}
	return ids
}

// Graph rejects a request whose api.preAuthorizedApplications names a scope defined in that same request
// ("Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id that cannot be found in the
// AppPermissions sets": microsoftgraph/microsoft-graph-docs#12675), and applies nothing of it, so each rerun fails
// alike. Each Graph resource declaration is one request, sent after those it references. So: a declaration that
// pre-authorizes a scope, or asks for it (requiredResourceAccess), must depend on an earlier declaration of the
// same API app that already sent it. The first declaration of the API sends every scope and
// requestedAccessTokenVersion 2, and every later one sends the same scopes again: the whole `api` object is
// written on each request, and a scope missing from it would be a removal of an enabled scope, which Entra refuses.
func checkGraphRequestOrder(p *project) (ps problems) {
	apps := graphApps(p)
	byName := map[string]*bDecl{}
	for _, a := range apps {
		byName[a.name] = a
	}
	sameApp := func(a, b *bDecl) bool { return a.body.get("uniqueName").text() == b.body.get("uniqueName").text() }
	// definedBefore reports whether scope id was sent by a declaration of app (same uniqueName) that d depends on.
	definedBefore := func(d, app *bDecl, id string) bool {
		f := p.fileOf(d)
		for dep := range dependsOn(f, d) {
			if dep != d && sameApp(dep, app) && slices.Contains(scopeIDs(f, dep), id) {
				return true
			}
		}
		return false
	}
	var api *bDecl
	for _, d := range apps {
		f := p.fileOf(d)
		if pre := d.body.get("api", "preAuthorizedApplications"); pre != nil {
			api = d
			for _, item := range pre.items {
				for _, id := range itemTexts(item.get("delegatedPermissionIds")) {
					if !definedBefore(d, d, id) {
						ps.add("app %s pre-authorizes scope %s in the request that defines it (or before): define every scope in an earlier declaration it depends on", d.name, id)
					}
				}
			}
		}
		for _, rra := range d.body.get("requiredResourceAccess").itemsOrNil() {
			owner := byName[strings.TrimSuffix(rra.get("resourceAppId").text(), ".appId")]
			if owner == nil {
				continue // another API (Microsoft Graph)
			}
			for _, access := range rra.get("resourceAccess").itemsOrNil() {
				if id := access.get("id").text(); !definedBefore(d, owner, id) && !slices.Contains(scopeIDs(f, owner), id) {
					ps.add("app %s asks for scope %s before any request of %s defines it", d.name, id, owner.name)
				} else if !definedBefore(d, owner, id) {
					ps.add("app %s asks for scope %s of %s, which that declaration does not define: reference the pass that does", d.name, id, owner.name)
				}
			}
		}
	}
	if api == nil {
		ps.add("no declaration pre-authorizes the SPA")
		return
	}
	// The API's declarations: the first (depending on no other of them) defines everything; all send the same scopes.
	var first []*bDecl
	for _, d := range apps {
		if !sameApp(d, api) {
			continue
		}
		f := p.fileOf(d)
		if !slices.Equal(scopeIDs(f, d), scopeIDs(p.fileOf(api), api)) || len(scopeIDs(f, d)) == 0 {
			ps.add("API declaration %s must send the same oauth2PermissionScopes as every other (got %v)", d.name, scopeIDs(f, d))
		}
		if d.body.get("api", "requestedAccessTokenVersion").text() != "2" {
			ps.add("API declaration %s must send requestedAccessTokenVersion: 2", d.name)
		}
		earlier := false
		for dep := range dependsOn(f, d) {
			earlier = earlier || (dep != d && sameApp(dep, api))
		}
		if !earlier {
			first = append(first, d)
			if pre := d.body.get("api", "preAuthorizedApplications"); (pre != nil && !keepsEarlierPreAuthorization(f, pre)) || d.body.get("identifierUris") != nil {
				ps.add("API declaration %s is the first request: it must not set identifierUris, nor pre-authorize anything but what an earlier deployment did (keptPreAuthorizations)", d.name)
			}
		}
	}
	if len(first) != 1 {
		ps.add("want exactly one first declaration of the API app, found %d", len(first))
	}
	return
}

// Teardown finds the registrations by tag when their ids are gone; the suffix makes the tag unique in the tenant
// and changes after `azd down` (an output, which azd's Destroy removes: see hooks_test.go).
func checkEntraTeardown(p *project) (ps problems) {
	f := p.bicep["infra/app/entra.bicep"]
	if f == nil {
		ps.add("infra/app/entra.bicep missing")
		return
	}
	tags := itemTexts(resolveValue(f, &bValue{kind: vExpr, raw: "appTags"}))
	for _, want := range []string{"'azd-env-name:${environmentName}'", "'azd-entra-suffix:${appSuffix}'"} {
		if !slices.Contains(tags, want) {
			ps.add("entra.bicep appTags %v lacks %s", tags, want)
		}
	}
	for _, r := range append(graphApps(p), p.resourcesOfType("Microsoft.Graph/servicePrincipals")...) {
		if r.body.get("tags").text() != "appTags" {
			ps.add("%s must carry tags: appTags (teardown finds it by tag)", r.name)
		}
	}
	if call := p.main().decl("module", "entra"); call == nil || call.body.get("params", "appSuffix").text() != "entraAppSuffix" {
		ps.add("main.bicep must pass appSuffix: entraAppSuffix to the entra module")
	}
	if out := p.main().decl("output", "AZURE_ENTRA_APP_SUFFIX"); out == nil || out.body.text() != "entraAppSuffix" {
		ps.add("main.bicep must output AZURE_ENTRA_APP_SUFFIX = entraAppSuffix, so that azd down removes it from the environment")
	}
	for script, want := range map[string]string{
		"scripts/predown.sh":  "azd-entra-suffix:$AZURE_ENTRA_APP_SUFFIX",
		"scripts/predown.ps1": "azd-entra-suffix:$env:AZURE_ENTRA_APP_SUFFIX",
	} {
		if !strings.Contains(p.files[script], want) {
			ps.add("%s must look registrations up by the tag %s", script, want)
		}
	}
	return
}

// Local development origins (the Vite dev server) come from one parameter, on by default for a developer's
// environment; their list is app/spa-urls.json, and no Bicep file names a loopback origin itself.
func checkLocalDevOrigins(p *project) (ps problems) {
	m := p.main()
	if prm := m.decl("param", "allowLocalDevOrigins"); prm == nil || prm.typ != "bool" || prm.body.text() != "true" {
		ps.add("main.bicep: want param allowLocalDevOrigins bool = true")
	}
	const want = "allowLocalDevOrigins ? spaUrls.localDevOrigins : []"
	if got := resolveVar(m, "localDevOrigins"); got != want {
		ps.add("main.bicep localDevOrigins = %s, want %s", got, want)
	}
	if got := resolveVar(m, "spaUrls"); got != "loadJsonContent('app/spa-urls.json')" {
		ps.add("main.bicep spaUrls = %s, want loadJsonContent('app/spa-urls.json')", got)
	}
	for _, mod := range []string{"api", "entra"} {
		if call := m.decl("module", mod); call == nil || call.body.get("params", "localDevOrigins").text() != "localDevOrigins" {
			ps.add("main.bicep must pass localDevOrigins: localDevOrigins to module %s", mod)
		}
	}
	for _, f := range p.sortedBicep() {
		for i, line := range strings.Split(f.src, "\n") {
			code := lineComment.Split(line, 2)[0]
			if strings.HasPrefix(strings.TrimSpace(code), "@description(") {
				continue // documentation, not a value
			}
			if strings.Contains(code, "localhost") || strings.Contains(code, "127.0.0.1") {
				ps.add("%s:%d names a loopback origin outside app/spa-urls.json", f.path, i+1)
			}
		}
	}
	return
}

// lineComment starts a Bicep line comment (not the // of a URL inside a string).
var lineComment = regexp.MustCompile(`(^|\s)//`)

// The regions Microsoft's official Flex Consumption azd template accepts (Azure-Samples/
// functions-quickstart-dotnet-azd, infra/main.bicep @allowed of `location`, commit fe74255cf1a7, Feb 2026),
// without its canary region eastus2euap, which ordinary subscriptions cannot use.
var officialFlexRegions = []string{
	"australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia",
	"eastus", "eastus2", "francecentral", "germanywestcentral", "italynorth", "japaneast", "koreacentral",
	"northcentralus", "northeurope", "norwayeast", "southafricanorth", "southcentralus", "southeastasia",
	"southindia", "spaincentral", "swedencentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
	"westus", "westus2", "westus3",
}

func checkFlexRegions(p *project) (ps problems) {
	loc := p.main().decl("param", "location")
	if loc == nil {
		ps.add("main.bicep has no param location")
		return
	}
	var allowed []string
	for _, d := range loc.decorators {
		if strings.HasPrefix(d, "@allowed(") {
			for _, m := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(d, -1) {
				allowed = append(allowed, m[1])
			}
		}
	}
	slices.Sort(allowed)
	if !slices.Equal(allowed, officialFlexRegions) {
		ps.add("main.bicep location @allowed %v, want the official Flex list %v", allowed, officialFlexRegions)
	}
	return
}

// 512 MB instances by default (a parameter): the handler's RSS under `make bench` is about 16 MB
// (bench/results.md), and Flex bills memory by the GB-second.
func checkInstanceMemory(p *project) (ps problems) {
	m := p.main()
	prm := m.decl("param", "instanceMemoryMB")
	if prm == nil || prm.typ != "int" || prm.body.text() != "512" {
		ps.add("main.bicep: want param instanceMemoryMB int = 512")
	} else if !slices.Contains(prm.decorators, "@allowed([\n  512\n  2048\n  4096\n])") {
		ps.add("main.bicep instanceMemoryMB must allow exactly Flex Consumption's sizes 512, 2048 and 4096, got %v", prm.decorators)
	}
	if call := m.decl("module", "api"); call == nil || call.body.get("params", "instanceMemoryMB").text() != "instanceMemoryMB" {
		ps.add("main.bicep must pass instanceMemoryMB: instanceMemoryMB to the api module")
	}
	for _, site := range p.resourcesOfType("Microsoft.Web/sites") {
		if got := site.body.get("properties", "functionAppConfig", "scaleAndConcurrency", "instanceMemoryMB").text(); got != "instanceMemoryMB" {
			ps.add("function app instanceMemoryMB = %s, want the parameter instanceMemoryMB", got)
		}
	}
	return
}

// spaUrlsFile is infra/app/spa-urls.json, the one list of where Entra may send the SPA's users; the browser tests'
// fake Entra (frontend/e2e/fake-entra/registration.ts) builds its registered redirect URIs from the same file.
type spaUrlsFile struct {
	RedirectPath    string   `json:"redirectPath"`
	PostLogoutPath  string   `json:"postLogoutPath"`
	LocalDevOrigins []string `json:"localDevOrigins"`
}

// The paths are the SPA's (frontend/redirect.html is the bridge page; MSAL sends `/` as post-logout URI), and the
// local origins are exact loopback origins for both ports the SPA is served on locally: Entra compares a redirect
// URI exactly, and MSAL builds it from the address in the browser (localhost and 127.0.0.1 differ).
func checkSpaUrlsFile(p *project) (ps problems) {
	var u spaUrlsFile
	if err := jsonUnmarshal(p.files["infra/app/spa-urls.json"], &u); err != nil {
		ps.add("infra/app/spa-urls.json: %v", err)
		return
	}
	if u.RedirectPath != "/redirect.html" {
		ps.add("spa-urls.json redirectPath = %q, want /redirect.html (frontend/redirect.html, MSAL v5's bridge page)", u.RedirectPath)
	}
	if u.PostLogoutPath != "/" {
		ps.add("spa-urls.json postLogoutPath = %q, want /", u.PostLogoutPath)
	}
	want := map[string]bool{}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		for _, port := range []string{"5173", "4173"} { // Vite dev server, vite preview (frontend/vite.config.ts)
			want["http://"+host+":"+port] = true
		}
	}
	seen := map[string]bool{}
	for _, o := range u.LocalDevOrigins {
		if !want[o] {
			ps.add("spa-urls.json localDevOrigins has %q: only the exact loopback origins of the dev server and vite preview belong there", o)
		}
		seen[o] = true
	}
	for o := range want {
		if !seen[o] {
			ps.add("spa-urls.json localDevOrigins lacks %q", o)
		}
	}
	return
}
