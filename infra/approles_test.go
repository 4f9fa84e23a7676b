package infra_test

// The API's app roles: Admin, Editor and Viewer on the API registration with fixed ids, for users only, and the
// application permissions Tasks.Read.All and Tasks.ReadWrite.All, for apps only (allowedMemberTypes 'Application':
// Graph's appRole resource, https://learn.microsoft.com/graph/api/resources/approle);
// appRoleAssignmentRequired behind a parameter that is off unless the azd environment turns it on; and the
// deploying user assigned Admin through the Graph extension's appRoleAssignedTo, whose required properties are
// appRoleId, principalId and resourceId (microsoftgraph/msgraph-bicep-types
// generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.md, "Resource Microsoft.Graph/appRoleAssignedTo@v1.0").
// azd fills ${AZURE_PRINCIPAL_ID} and ${AZURE_PRINCIPAL_TYPE} in main.parameters.json with the signed-in principal
// and its type, User or ServicePrincipal (Azure/azure-dev cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go,
// evalParamEnvSubst; the names in cli/azd/pkg/environment/environment.go).

import (
	"regexp"
	"slices"
	"strings"
)

var literalGUID = regexp.MustCompile(`^'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$`)

// publishedRoles are the API's app roles as users, assignments and docs/deploy.md know them: in order, who may hold
// each (allowedMemberTypes) and its id. An id never changes once deployed: every assignment refers to the role by it,
// so a new id would orphan them all (and Graph refuses to drop an enabled role). A changed id fails here, on purpose.
var publishedRoles = []struct{ value, memberType, id string }{
	{"Admin", "User", "5b2f1c7e-8a4d-4e6b-9c3a-0d1e2f3a4b5c"},
	{"Editor", "User", "8e6a4b2c-1d3f-4a5b-8c7d-9e0f1a2b3c4d"},
	{"Viewer", "User", "2c4e6a8b-3d5f-4b7a-9c1e-5f7a9b1c3d5e"},
	{"Tasks.Read.All", "Application", "8e0959fa-a085-4863-b09e-4cb12fd8e5c1"},
	{"Tasks.ReadWrite.All", "Application", "7aac7972-7e12-4d71-8e39-5c5ff64a72c2"},
}

// publishedRoleID is the fixed id of the role with that value.
func publishedRoleID(value string) string {
	for _, r := range publishedRoles {
		if r.value == value {
			return r.id
		}
	}
	return ""
}

func checkAppRoles(p *project) (ps problems) {
	var apiDecls []*bDecl
	var apiName string
	for _, a := range graphApps(p) {
		if a.body.get("identifierUris") != nil {
			apiName = a.body.get("uniqueName").text()
		}
	}
	for _, a := range graphApps(p) {
		if a.body.get("uniqueName").text() == apiName {
			apiDecls = append(apiDecls, a)
		} else if a.body.get("appRoles") != nil {
			ps.add("app %s defines app roles; only the API registration has them", a.name)
		}
	}
	if len(apiDecls) == 0 {
		ps.add("no API app registration found")
		return
	}
	f := p.fileOf(apiDecls[0])
	adminID := ""
	for _, a := range apiDecls {
		roles := resolveValue(f, a.body.get("appRoles"))
		if roles == nil {
			ps.add("API declaration %s sends no appRoles (Graph replaces them on every pass)", a.name)
			continue
		}
		var values, ids, want []string
		for i, r := range roles.items {
			value, id := strings.Trim(r.get("value").text(), "'"), resolveVar(f, r.get("id").text())
			values = append(values, value)
			ids = append(ids, id)
			if !literalGUID.MatchString(id) {
				ps.add("app role %s id %s must be a fixed GUID literal (never newGuid() or a per-deployment value)", value, id)
			}
			if i < len(publishedRoles) {
				pub := publishedRoles[i]
				if value == pub.value && strings.Trim(id, "'") != pub.id {
					ps.add("app role %s id %s, want its published id '%s' (assignments refer to it; it never changes)", value, id, pub.id)
				}
				if got := itemTexts(r.get("allowedMemberTypes")); !slices.Equal(got, []string{"'" + pub.memberType + "'"}) {
					ps.add("app role %s allowedMemberTypes %v, want ['%s'] (a role is for users or for apps, never both)", value, got, pub.memberType)
				}
			}
			if r.get("isEnabled").text() != "true" {
				ps.add("app role %s must be enabled", value)
			}
			if value == "Admin" {
				adminID = id
			}
		}
		for _, r := range publishedRoles {
			want = append(want, r.value)
		}
		if !slices.Equal(values, want) {
			ps.add("API app roles %v, want exactly %v (the handler's values, case-sensitive)", values, want)
		}
		if sorted := slices.Compact(slices.Sorted(slices.Values(ids))); len(sorted) != len(ids) {
			ps.add("app role ids repeat: %v", ids)
		}
	}
	ps = append(ps, checkRoleAssignmentRequired(p)...)
	ps = append(ps, checkDeployerAdmin(p, adminID)...)
	return
}

func checkRoleAssignmentRequired(p *project) (ps problems) {
	v, _ := p.params["requireAppRoleAssignment"].(map[string]any)
	if s, _ := v["value"].(string); s != "${AZURE_REQUIRE_APP_ROLE_ASSIGNMENT=false}" {
		ps.add("main.parameters.json: requireAppRoleAssignment must be ${AZURE_REQUIRE_APP_ROLE_ASSIGNMENT=false} (off unless the environment asks), got %q", s)
	}
	if d := p.main().decl("param", "requireAppRoleAssignment"); d == nil || d.body.text() != "false" {
		ps.add("main.bicep: param requireAppRoleAssignment bool must default to false")
	}
	entra := p.main().decl("module", "entra")
	if entra == nil || entra.body.get("params", "appRoleAssignmentRequired").text() != "requireAppRoleAssignment" {
		ps.add("main.bicep: the entra module must get appRoleAssignmentRequired: requireAppRoleAssignment")
	}
	found := false
	for _, sp := range p.resourcesOfType("Microsoft.Graph/servicePrincipals") {
		if got := sp.body.get("appRoleAssignmentRequired"); got != nil {
			found = true
			if got.text() != "appRoleAssignmentRequired" || !strings.HasPrefix(sp.body.get("appId").text(), "apiApp") {
				ps.add("service principal %s: appRoleAssignmentRequired %s; only the API's, from the parameter", sp.name, got.text())
			}
		}
	}
	if !found {
		ps.add("the API's service principal must set appRoleAssignmentRequired from the parameter")
	}
	return
}

func checkDeployerAdmin(p *project, adminID string) (ps problems) {
	assignments := p.resourcesOfType("Microsoft.Graph/appRoleAssignedTo")
	if len(assignments) != 2 {
		ps.add("want two appRoleAssignedTo (the deployer as Admin, the daemon identity as Tasks.Read.All), found %d", len(assignments))
		return
	}
	var a *bDecl
	for _, x := range assignments {
		if x.body.get("principalId").text() != "daemonPrincipalId" {
			a = x
		}
	}
	if a == nil {
		ps.add("no appRoleAssignedTo for the deployer as Admin")
		return
	}
	f := p.fileOf(a)
	if id := resolveVar(f, a.body.get("appRoleId").text()); id != adminID || adminID == "" {
		ps.add("appRoleAssignedTo appRoleId %s, want the Admin role's id %s", id, adminID)
	}
	sp := strings.TrimSuffix(a.body.get("resourceId").text(), ".id")
	spDecl := f.decl("resource", sp)
	if spDecl == nil || spDecl.typ != "Microsoft.Graph/servicePrincipals@v1.0" || !strings.HasPrefix(spDecl.body.get("appId").text(), "apiApp") {
		ps.add("appRoleAssignedTo resourceId %s must be the API's service principal's id (not the application's)", a.body.get("resourceId").text())
	}
	// Created once (msgraph-bicep-types#161: a redeploy of an existing assignment fails): skipped when the record
	// of the last successful deployment of these registrations names the same user.
	if a.body.get("principalId").text() != "adminUserId" || a.condition != "(!empty(adminUserId) && !adminAlreadyAssigned)" {
		ps.add("appRoleAssignedTo must assign principalId: adminUserId, if (!empty(adminUserId) && !adminAlreadyAssigned); got %s if %s", a.body.get("principalId").text(), a.condition)
	}
	entra := p.main().decl("module", "entra")
	if got := entra.body.get("params", "adminUserId").text(); got != "adminUser" || resolveVar(p.main(), "adminUser") != "!empty(adminUserId) ? adminUserId : (principalType == 'User' ? principalId : '')" {
		ps.add("main.bicep: adminUserId must be AZURE_ADMIN_USER_ID, else the deploying principal only when it is a user (roles are for users), got %s", got)
	}
	if got := entra.body.get("params", "adminAlreadyAssigned").text(); got != "!empty(adminUser) && adminRoleRecord == '${recordPrefix}${adminUser}'" {
		ps.add("main.bicep: adminAlreadyAssigned must compare the record with this suffix and user, got %q", got)
	}
	if out := p.main().decl("output", "AZURE_ADMIN_ROLE_ASSIGNED"); out == nil || out.body.text() != "empty(adminUser) ? '' : '${recordPrefix}${adminUser}'" {
		ps.add("main.bicep: output AZURE_ADMIN_ROLE_ASSIGNED must record '<suffix>/<user>' after a deployment that assigned it")
	}
	if v, _ := p.params["adminRoleRecord"].(map[string]any); v["value"] != "${AZURE_ADMIN_ROLE_ASSIGNED}" {
		ps.add("main.parameters.json: adminRoleRecord must read the record back from ${AZURE_ADMIN_ROLE_ASSIGNED}")
	}
	v, _ := p.params["adminUserId"].(map[string]any)
	if s, _ := v["value"].(string); s != "${AZURE_ADMIN_USER_ID}" {
		ps.add("main.parameters.json: adminUserId must be ${AZURE_ADMIN_USER_ID}, got %q", s)
	}
	return
}
