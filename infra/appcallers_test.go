package infra_test

// Callers beyond the browser (issue 26): what the Bicep gives app-only callers and on-behalf-of.
//   - The `idtyp` optional claim on the API's access tokens, by which Entra marks an app-only token (idtyp 'app';
//     https://learn.microsoft.com/entra/identity-platform/optional-claims-reference). Graph's shape:
//     optionalClaims {accessToken: [{name, essential, source, additionalProperties}]} (msgraph-bicep-types
//     generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.md, MicrosoftGraphOptionalClaims and
//     MicrosoftGraphOptionalClaim). The value is a var, which bicepcheck (make lint) does not type, so its
//     property names are checked here.
//   - The daemon identity (AZURE_DAEMON_IDENTITY, off by default): a user-assigned identity granted Tasks.Read.All
//     with appRoleAssignedTo, created once per identity like the Admin assignment (msgraph-bicep-types#161).
//   - On-behalf-of without a secret (AZURE_ON_BEHALF_OF, off by default): a federated identity credential on the
//     API's registration whose subject is the function app's identity, issuer the tenant's v2 issuer and audience
//     api://AzureADTokenExchange (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
//   - The outputs a user needs to grant a daemon of their own, and docs/deploy.md naming only outputs that exist.

import (
	"regexp"
	"slices"
	"strings"
)

// apiDeclarations are the declarations of the API app (both passes), found by the uniqueName of the one with
// identifierUris.
func apiDeclarations(p *project) (decls []*bDecl) {
	var apiName string
	for _, a := range graphApps(p) {
		if a.body.get("identifierUris") != nil {
			apiName = a.body.get("uniqueName").text()
		}
	}
	for _, a := range graphApps(p) {
		if apiName != "" && a.body.get("uniqueName").text() == apiName {
			decls = append(decls, a)
		}
	}
	return
}

// checkIdtypClaim: every request for the API app asks for idtyp in access tokens, and no other app does (the claim
// is read from the resource's registration; on the SPA it would do nothing and suggest otherwise).
func checkIdtypClaim(p *project) (ps problems) {
	api := apiDeclarations(p)
	if len(api) == 0 {
		ps.add("no API app registration found")
	}
	for _, a := range api {
		f := p.fileOf(a)
		claims := resolveValue(f, a.body.get("optionalClaims"))
		if claims == nil || claims.kind != vObject {
			ps.add("API declaration %s: optionalClaims must be an object (Graph replaces it as a whole; send it in every pass)", a.name)
			continue
		}
		access := claims.get("accessToken")
		var names []string
		for _, c := range access.itemsOrNil() {
			names = append(names, c.get("name").text())
			for _, k := range c.keys() {
				if !slices.Contains([]string{"name", "essential", "source", "additionalProperties"}, k) {
					ps.add("API declaration %s: optional claim property %s is not in Graph's optionalClaim type", a.name, k)
				}
			}
			if c.get("source") != nil || c.get("additionalProperties") != nil {
				ps.add("API declaration %s: the idtyp claim takes no source or additionalProperties (it is a predefined claim)", a.name)
			}
		}
		if !slices.Equal(names, []string{"'idtyp'"}) {
			ps.add("API declaration %s: optionalClaims.accessToken names %v, want exactly ['idtyp'] (Entra's app-only marker)", a.name, names)
		}
		for _, k := range claims.keys() {
			if k != "accessToken" {
				ps.add("API declaration %s: optionalClaims.%s: only access tokens are the API's (it receives no ID or SAML token)", a.name, k)
			}
		}
	}
	for _, a := range graphApps(p) {
		if a.body.get("optionalClaims") != nil && !slices.Contains(api, a) {
			ps.add("app %s sets optionalClaims: idtyp belongs on the API, whose registration builds the access tokens", a.name)
		}
	}
	return
}

// checkDaemonIdentity: the identity and its Tasks.Read.All assignment exist only when the parameter is on, which it is
// not unless the azd environment says so; the assignment is sent once per identity, and the record survives turning
// the identity off and on again (the identity and its assignment stay in place while it is off).
func checkDaemonIdentity(p *project) (ps problems) {
	m := p.main()
	ps = append(ps, boolParamOffByDefault(p, "daemonIdentity", "AZURE_DAEMON_IDENTITY")...)
	mod := m.decl("module", "daemon")
	if mod == nil || mod.typ != "app/identity.bicep" || mod.condition != "(daemonIdentity)" || mod.loop {
		ps.add("main.bicep: module daemon 'app/identity.bicep' = if (daemonIdentity) {...}: the identity exists only when asked for")
	} else if got := mod.body.get("params", "name").text(); got != "'id-daemon-${resourceToken}'" {
		ps.add("main.bicep: the daemon identity's name %s, want 'id-daemon-${resourceToken}' (stable across reruns, never the function app's)", got)
	}
	if got := resolveVar(m, "daemonPrincipalId"); got != "daemon.?outputs.principalId ?? ''" {
		ps.add("main.bicep: daemonPrincipalId = %s, want daemon.?outputs.principalId ?? '' (empty while the identity is off)", got)
	}
	entra := m.decl("module", "entra")
	if entra == nil {
		ps.add("main.bicep has no entra module")
		return
	}
	for param, want := range map[string]string{
		"daemonPrincipalId":     "daemonPrincipalId",
		"daemonAlreadyAssigned": "daemonIdentity && daemonRoleRecord == '${recordPrefix}${daemonPrincipalId}'",
	} {
		if got := entra.body.get("params", param).text(); got != want {
			ps.add("main.bicep: the entra module's %s = %q, want %q", param, got, want)
		}
	}
	if got := textOf(m.decl("output", "AZURE_DAEMON_ROLE_ASSIGNED")); got != "daemonIdentity ? '${recordPrefix}${daemonPrincipalId}' : (startsWith(daemonRoleRecord, recordPrefix) ? daemonRoleRecord : '')" {
		ps.add("main.bicep: output AZURE_DAEMON_ROLE_ASSIGNED = %q: record '<suffix>/<principal id>' while on, keep this suffix's record while off", got)
	}
	if v, _ := p.params["daemonRoleRecord"].(map[string]any); v["value"] != "${AZURE_DAEMON_ROLE_ASSIGNED}" {
		ps.add("main.parameters.json: daemonRoleRecord must read the record back from ${AZURE_DAEMON_ROLE_ASSIGNED}")
	}

	var assignment *bDecl
	for _, a := range p.resourcesOfType("Microsoft.Graph/appRoleAssignedTo") {
		if a.body.get("principalId").text() == "daemonPrincipalId" {
			assignment = a
		}
	}
	if assignment == nil {
		ps.add("no appRoleAssignedTo with principalId: daemonPrincipalId (the daemon identity's Tasks.Read.All)")
		return
	}
	f := p.fileOf(assignment)
	if id := strings.Trim(resolveVar(f, assignment.body.get("appRoleId").text()), "'"); id != publishedRoleID("Tasks.Read.All") {
		ps.add("the daemon identity's appRoleId %s, want Tasks.Read.All's %s (read only: it is a first caller, not an admin)", id, publishedRoleID("Tasks.Read.All"))
	}
	if sp := f.decl("resource", strings.TrimSuffix(assignment.body.get("resourceId").text(), ".id")); sp == nil || sp.resourceType() != "Microsoft.Graph/servicePrincipals" || !strings.HasPrefix(sp.body.get("appId").text(), "apiApp") {
		ps.add("the daemon identity's assignment: resourceId must be the API's service principal's id, got %s", assignment.body.get("resourceId").text())
	}
	if assignment.condition != "(!empty(daemonPrincipalId) && !daemonAlreadyAssigned)" {
		ps.add("the daemon identity's assignment must be if (!empty(daemonPrincipalId) && !daemonAlreadyAssigned), got %q", assignment.condition)
	}
	for param, def := range map[string]string{"daemonPrincipalId": "''", "daemonAlreadyAssigned": "false"} {
		if d := f.decl("param", param); d == nil || textOf(d) != def {
			ps.add("%s: param %s must default to %s (nothing assigned unless main.bicep says so)", f.path, param, def)
		}
	}
	return
}

// checkOnBehalfOf: the federated credential trusts exactly the function app's identity, for this tenant's v2 issuer
// and the token-exchange audience, on the API's registration, and only when the parameter is on.
func checkOnBehalfOf(p *project) (ps problems) {
	m := p.main()
	ps = append(ps, boolParamOffByDefault(p, "onBehalfOf", "AZURE_ON_BEHALF_OF")...)
	entra := m.decl("module", "entra")
	api := m.decl("module", "api")
	identity := m.decl("module", "identity")
	if entra == nil || api == nil || identity == nil {
		ps.add("main.bicep needs the entra, api and identity modules")
		return
	}
	// The subject is the identity the function app runs as: the module whose name the api module gets.
	if entra.body.get("params", "onBehalfOf").text() != "onBehalfOf" ||
		entra.body.get("params", "apiIdentityPrincipalId").text() != "identity.outputs.principalId" ||
		api.body.get("params", "identityName").text() != "identity.outputs.name" || identity.condition != "" {
		ps.add("main.bicep: the entra module must get onBehalfOf: onBehalfOf and apiIdentityPrincipalId: identity.outputs.principalId, the identity the api module runs as")
	}
	fics := p.resourcesOfType("Microsoft.Graph/applications/federatedIdentityCredentials")
	if len(fics) != 1 {
		ps.add("want one federated identity credential (the API's, for on-behalf-of), found %d", len(fics))
		return
	}
	fic := fics[0]
	f := p.fileOf(fic)
	want := map[string]string{
		"name":    "'${apiApp.uniqueName}/function-app-identity'",
		"issuer":  "'${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'",
		"subject": "apiIdentityPrincipalId",
	}
	for k, v := range want {
		if got := fic.body.get(k).text(); got != v {
			ps.add("federated identity credential %s = %s, want %s", k, got, v)
		}
	}
	if got := itemTexts(fic.body.get("audiences")); !slices.Equal(got, []string{"'api://AzureADTokenExchange'"}) {
		ps.add("federated identity credential audiences %v, want ['api://AzureADTokenExchange'] (what a managed identity's assertion carries)", got)
	}
	if fic.condition != "(onBehalfOf)" {
		ps.add("federated identity credential must be if (onBehalfOf), got %q", fic.condition)
	}
	if d := f.decl("param", "onBehalfOf"); d == nil || textOf(d) != "false" {
		ps.add("%s: param onBehalfOf must default to false", f.path)
	}
	// What it is for: the API may ask Graph for delegated User.Read, declared only when on.
	var pass2 *bDecl
	for _, a := range apiDeclarations(p) {
		if a.body.get("identifierUris") != nil {
			pass2 = a
		}
	}
	if pass2 == nil || pass2.body.get("requiredResourceAccess").text() != "onBehalfOf ? apiGraphAccess : []" ||
		!regexp.MustCompile(`resourceAppId:\s*graphAppId\s+resourceAccess:\s*\[\s*\{\s*id:\s*graphUserReadId\s+type:\s*'Scope'\s*\}\s*\]`).MatchString(resolveVar(f, "apiGraphAccess")) {
		ps.add("the API's second request must declare requiredResourceAccess: onBehalfOf ? apiGraphAccess : [] (Graph's delegated User.Read)")
	}
	if got := textOf(m.decl("output", "AZURE_API_IDENTITY_CLIENT_ID")); got != "identity.outputs.clientId" {
		ps.add("main.bicep: output AZURE_API_IDENTITY_CLIENT_ID = %q, want identity.outputs.clientId (the client id the API asks for its assertion with)", got)
	}
	return
}

// appCallerOutputs are the outputs docs/deploy.md tells a user to grant and call with, and what each must be.
var appCallerOutputs = map[string]string{
	"AZURE_API_SERVICE_PRINCIPAL_ID":     "entra.outputs.apiServicePrincipalId",
	"AZURE_TASKS_READ_ALL_ROLE_ID":       "entra.outputs.tasksReadAllRoleId",
	"AZURE_TASKS_READWRITE_ALL_ROLE_ID":  "entra.outputs.tasksReadWriteAllRoleId",
	"AZURE_DAEMON_IDENTITY_CLIENT_ID":    "daemon.?outputs.clientId ?? ''",
	"AZURE_DAEMON_IDENTITY_PRINCIPAL_ID": "daemonPrincipalId",
	"AZURE_DAEMON_IDENTITY_RESOURCE_ID":  "daemon.?outputs.id ?? ''",
}

// checkAppCallerOutputs: the outputs exist with the values they name, down to the module outputs they read.
func checkAppCallerOutputs(p *project) (ps problems) {
	m := p.main()
	for name, want := range appCallerOutputs {
		if got := textOf(m.decl("output", name)); got != want {
			ps.add("main.bicep: output %s = %q, want %q", name, got, want)
		}
	}
	entra := p.bicep["infra/app/entra.bicep"]
	for out, role := range map[string]string{"tasksReadAllRoleId": "Tasks.Read.All", "tasksReadWriteAllRoleId": "Tasks.ReadWrite.All"} {
		if entra == nil || strings.Trim(resolveVar(entra, textOf(entra.decl("output", out))), "'") != publishedRoleID(role) {
			ps.add("infra/app/entra.bicep: output %s must be %s's id %s", out, role, publishedRoleID(role))
		}
	}
	if entra == nil || textOf(entra.decl("output", "apiServicePrincipalId")) != "apiServicePrincipal.id" {
		ps.add("infra/app/entra.bicep: output apiServicePrincipalId must be apiServicePrincipal.id")
	}
	id := p.bicep["infra/app/identity.bicep"]
	for out, want := range map[string]string{"principalId": "uami.properties.principalId", "clientId": "uami.properties.clientId", "id": "uami.id"} {
		if id == nil || textOf(id.decl("output", out)) != want {
			ps.add("infra/app/identity.bicep: output %s must be %s", out, want)
		}
	}
	return
}

// boolParamOffByDefault: param name bool defaults to false in main.bicep, and azd passes false unless env is set
// (main.parameters.json, read the way azd reads it) and true when it is.
func boolParamOffByDefault(p *project, name, env string) (ps problems) {
	if d := p.main().decl("param", name); d == nil || d.typ != "bool" || textOf(d) != "false" {
		ps.add("main.bicep: param %s bool must default to false", name)
	}
	fresh := firstRunEnvironments(p)
	for _, which := range sortedKeys(fresh) {
		values, _, err := azdParameters(p, fresh[which])
		if err != nil {
			ps.add("%s: %v", which, err)
		} else if got := effectiveParameter(p, values, name); got != false {
			ps.add("%s: %s = %v, want false (off unless the environment asks)", which, name, got)
		}
	}
	on := azdEnvironment{dotenv: map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "westeurope", env: "true"}}
	if values, _, err := azdParameters(p, on); err != nil || effectiveParameter(p, values, name) != true {
		ps.add("with `azd env set %s true`, %s must be true (main.parameters.json: ${%s=false}); err %v", env, name, env, err)
	}
	return
}

// docsValueRef is an azd environment value docs/deploy.md reads: `azd env get-value X` or $X in a command.
var docsValueRef = regexp.MustCompile(`azd env get-value ([A-Z][A-Z0-9_]+)`)

// checkDeployDocs: the "Daemons and managed identities" section exists, reads only outputs main.bicep has (a renamed
// output would leave the user's commands empty), and the Roles tables publish each role's fixed id.
func checkDeployDocs(p *project) (ps problems) {
	doc := p.files["docs/deploy.md"]
	const heading = "\n## Daemons and managed identities\n"
	start := strings.Index(doc, heading)
	if start < 0 {
		ps.add("docs/deploy.md: no section %q", strings.TrimSpace(heading))
		return
	}
	section := doc[start+len(heading):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	outs := outputNames(p)
	for _, m := range docsValueRef.FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(outs, m[1]) && !hookInputsNotOutputs[m[1]] {
			ps.add("docs/deploy.md reads `azd env get-value %s`, which main.bicep does not output", m[1])
		}
	}
	for name := range appCallerOutputs {
		if !strings.Contains(section, "azd env get-value "+name) {
			ps.add("docs/deploy.md, Daemons and managed identities: never reads %s", name)
		}
	}
	for _, r := range publishedRoles {
		if !strings.Contains(doc, "| `"+r.value+"` | `"+r.id+"` |") {
			ps.add("docs/deploy.md: the roles table must list `%s` with its id `%s`", r.value, r.id)
		}
	}
	// The routes an app calls, and the calls from a resource holding the identity.
	for _, want := range []string{
		"GET /api/users", "GET /api/users/{userId}/tasks", "POST /api/users/{userId}/tasks",
		"PATCH", "DELETE /api/users/{userId}/tasks/{taskId}",
		"http://169.254.169.254/metadata/identity/oauth2/token", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
		"az login --identity", "az account get-access-token --resource", "/appRoleAssignedTo",
	} {
		if !strings.Contains(section, want) {
			ps.add("docs/deploy.md, Daemons and managed identities: does not mention %s", want)
		}
	}
	return
}
