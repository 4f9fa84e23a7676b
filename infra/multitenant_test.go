package infra_test

// Multi-tenant mode (issue 27; docs/multi-tenant.md): one audience parameter for both registrations, single-tenant
// unless an environment asks; the SPA as the API's known client when multi-tenant (combined consent); the handler's
// AZURE_ALLOWED_TENANTS only when tenants are listed; and the authority the SPA signs in with. Mutations at the end of
// mutations_test.go prove each part can fail.

import (
	"slices"
	"strings"
)

const (
	singleTenant = "AzureADMyOrg"
	multiTenant  = "AzureADMultipleOrgs"
)

// audienceParam: param signInAudience string = 'AzureADMyOrg', allowing exactly the two organizational audiences
// (personal accounts are never offered: the API's identity is an organization's tid + oid).
func audienceParam(f *bFile) (ps problems) {
	d := f.decl("param", "signInAudience")
	if d == nil || d.typ != "string" || d.body.text() != "'"+singleTenant+"'" {
		ps.add("%s: want param signInAudience string = '%s' (single-tenant unless asked)", f.path, singleTenant)
		return
	}
	if !slices.Contains(d.decorators, "@allowed([\n  '"+singleTenant+"'\n  '"+multiTenant+"'\n])") {
		ps.add("%s: signInAudience must allow exactly '%s' and '%s', got %v", f.path, singleTenant, multiTenant, d.decorators)
	}
	return
}

func checkMultiTenant(p *project) (ps problems) {
	m := p.main()
	ps = append(ps, audienceParam(m)...)
	entraCall := m.decl("module", "entra")
	if entraCall == nil || entraCall.body.get("params", "signInAudience").text() != "signInAudience" {
		ps.add("main.bicep must pass signInAudience: signInAudience to the entra module")
	} else if f := p.moduleFile(entraCall); f != nil {
		ps = append(ps, audienceParam(f)...)
		ps = append(ps, knownClientProblems(p, f)...)
	}

	// What azd passes: AzureADMyOrg and no tenant list in a fresh environment; the values `azd env set` gives.
	for which, env := range firstRunEnvironments(p) {
		values, _, err := azdParameters(p, env)
		if err != nil {
			ps.add("%s: %v", which, err)
			continue
		}
		if got := effectiveParameter(p, values, "signInAudience"); got != singleTenant {
			ps.add("%s: signInAudience = %v, want %s", which, got, singleTenant)
		}
		if got := effectiveParameter(p, values, "allowedTenants"); got != "" {
			ps.add("%s: allowedTenants = %v, want empty (this tenant alone)", which, got)
		}
	}
	list := "11111111-1111-4111-8111-111111111111,55555555-5555-4555-8555-555555555555"
	on := azdEnvironment{dotenv: map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "westeurope",
		"AZURE_SIGN_IN_AUDIENCE": multiTenant, "AZURE_ALLOWED_TENANTS": list}}
	values, _, err := azdParameters(p, on)
	if err != nil || effectiveParameter(p, values, "signInAudience") != multiTenant || effectiveParameter(p, values, "allowedTenants") != list {
		ps.add("`azd env set AZURE_SIGN_IN_AUDIENCE %s` and AZURE_ALLOWED_TENANTS must reach signInAudience and allowedTenants (main.parameters.json); err %v", multiTenant, err)
	}

	// The handler's setting, only when tenants are listed (appSettings reads the optional part).
	if d := m.decl("param", "allowedTenants"); d == nil || d.typ != "string" || d.body.text() != "''" {
		ps.add("main.bicep: want param allowedTenants string = '' (this tenant alone)")
	}
	if call := m.decl("module", "api"); call == nil || call.body.get("params", "allowedTenants").text() != "allowedTenants" {
		ps.add("main.bicep must pass allowedTenants: allowedTenants to the api module")
	}
	var settingsProblems problems
	if s := appSettings(p, &settingsProblems); s == nil {
		ps = append(ps, settingsProblems...)
	} else if got := s.get("AZURE_ALLOWED_TENANTS").text(); got != "allowedTenants" {
		ps.add("app setting AZURE_ALLOWED_TENANTS = %q, want the parameter allowedTenants", got)
	} else if base := resolveVar(p.fileOf(p.resourcesOfType("Microsoft.Web/sites/config")[0]), "handlerAppSettings"); strings.Contains(base, "AZURE_ALLOWED_TENANTS") {
		ps.add("AZURE_ALLOWED_TENANTS must be set only when tenants are listed, not among the settings always sent")
	}

	// The SPA's authority: the cloud's login host, and `organizations` exactly when the registrations are multi-tenant.
	want := "'${environment().authentication.loginEndpoint}${signInAudience == '" + multiTenant + "' ? 'organizations' : tenant().tenantId}'"
	if out := m.decl("output", "AZURE_SPA_AUTHORITY"); out == nil || out.typ != "string" || out.body.text() != want {
		ps.add("main.bicep must output AZURE_SPA_AUTHORITY string = %s (the hooks write it into config.json)", want)
	}
	return
}

// knownClientProblems: a multi-tenant API names the SPA as its known client in pass 2 (the SPA it has just written),
// and pass 1 of a rerun keeps the one recorded by the last deployment, as it keeps the pre-authorization (Graph
// replaces `api` as a whole); single-tenant, neither names anything.
func knownClientProblems(p *project, f *bFile) (ps problems) {
	if got := resolveVar(f, "multiTenant"); got != "signInAudience == '"+multiTenant+"'" {
		ps.add("%s: multiTenant = %s, want signInAudience == '%s'", f.path, got, multiTenant)
	}
	var spa string
	for _, a := range graphApps(p) {
		if p.fileOf(a) == f && a.body.get("spa") != nil {
			spa = a.name
		}
	}
	for _, a := range graphApps(p) {
		if p.fileOf(a) != f || a.body.get("api") == nil {
			continue
		}
		got := resolveVar(f, a.body.get("api", "knownClientApplications").text())
		switch {
		case a.body.get("identifierUris") != nil:
			if got != "multiTenant ? [ "+spa+".appId ] : []" {
				ps.add("%s: api.knownClientApplications = %q, want multiTenant ? [ %s.appId ] : [] (combined consent in other tenants)", a.name, got, spa)
			}
		default:
			if got != "multiTenant && !empty(preAuthorizedSpaAppId) ? [ preAuthorizedSpaAppId ] : []" {
				ps.add("%s (pass 1): api.knownClientApplications = %q, want the recorded SPA when multi-tenant (a rerun must not drop it)", a.name, got)
			}
		}
	}
	return
}
