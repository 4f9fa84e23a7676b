package infra_test

// Each check must be able to fail. Every mutation below breaks one thing in an in-memory copy of the real files
// (the repository is not touched) and asserts that the named check reports it. A mutation whose `old` text no
// longer exists fails loudly, so the list cannot silently rot when the files change.

import (
	"testing"

	"github.com/example/entra-tasks/handler/settings"
)

type mutation struct {
	check    string
	file     string
	old, new string
}

var mutations = []mutation{
	{"ParamsCovered", "infra/main.parameters.json", `"principalType": {`, `"principalKind": {`},
	{"ParamsCovered", "infra/main.bicep", "param principalType string = 'User'", "param principalType string = 'User'\nparam extra string"},
	{"ParamsCovered", "infra/main.parameters.json", "${AZURE_PRINCIPAL_ID}", "${AZURE_CLIENT_ID}"},
	{"ParamsCovered", "infra/main.bicep", "targetScope = 'subscription'", "targetScope = 'resourceGroup'"},

	// What azd would prompt for before the preprovision hook runs (issue 24, finding 3), and a parameter without a
	// default whose value substitutes to nothing.
	{"FirstUpAsksNothing", "infra/main.bicep", "param entraAppSuffix string = ''", "param entraAppSuffix string"},
	{"FirstUpAsksNothing", "infra/main.bicep", "param principalType string = 'User'", "param principalType string = 'User'\nparam extra string"},
	{"FirstUpAsksNothing", "infra/main.parameters.json", `"value": "${AZURE_ENV_NAME}"`, `"value": "${AZURE_ENVIRONMENT_NAME}"`},
	{"FirstUpAsksNothing", "infra/main.bicep", "param adminUserId string = ''", "param adminUserId string"},
	{"FirstUpAsksNothing", "infra/app/entra.bicep", "@minLength(4)\n@maxLength(16)\n@description('Per-environment", "@maxLength(16)\n@description('Per-environment"},
	{"FirstUpAsksNothing", "infra/main.parameters.json", `"${AZURE_WEB_LOCATION=eastus2}"`, `"${AZURE_WEB_LOCATION:+eastus2}"`},

	{"ModuleWiring", "infra/main.bicep", "tableName: storage.outputs.tableName", "tableName: storage.outputs.tasksTable"},
	{"ModuleWiring", "infra/main.bicep", "    scopeName: apiScopeName\n", ""},
	{"ModuleWiring", "infra/main.bicep", "    ownerId: principalId\n", "    ownerId: principalId\n    owner: principalId\n"},

	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    FUNCTIONS_WORKER_RUNTIME: 'custom'\n"},
	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    FUNCTIONS_EXTENSION_VERSION: '~4'\n"},
	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", ""},
	{"FlexAppSettings", "infra/app/api.bicep", "  AZURE_CLIENT_ID: identity.properties.clientId\n", ""},
	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true'\n"},
	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    ENTRA_JWKS_URL: 'https://example.net/keys'\n"},
	{"FlexAppSettings", "infra/app/api.bicep", "AzureWebJobsStorage__credential: 'managedidentity'", "AzureWebJobsStorage__credential: 'connectionstring'"},
	{"FlexAppSettings", "infra/app/api.bicep", "suffixes.storage}'", "suffixes.storage}/'"},
	{"FlexAppSettings", "infra/app/api.bicep", "Authorization=AAD'", "Authorization=Key'"},
	{"FlexAppSettings", "infra/app/api.bicep", "      minTlsVersion: '1.2'\n", "      minTlsVersion: '1.2'\n      linuxFxVersion: 'custom'\n"},

	{"FlexAppSettings", "infra/app/api.bicep", "AZURE_AUTHORITY_HOST: environment().authentication.loginEndpoint", "AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/'"},
	{"FlexAppSettings", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    WEBSITE_SKU: 'FlexConsumption'\n"},
	{"HandlerSettingsKnown", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    TASK_TABLE: tableName\n"},
	{"FunctionApp", "infra/app/api.bicep", "version: '1.0'", "version: '1'"},
	{"FunctionApp", "infra/app/api.bicep", "name: 'custom'", "name: 'go'"},
	{"FunctionApp", "infra/app/api.bicep", "httpsOnly: true", "httpsOnly: false"},
	{"FunctionApp", "infra/app/api.bicep", "concat([ spaOrigin ], extraOrigins, localDevOrigins)", "concat([ spaOrigin ], [ '*' ])"},
	{"FunctionApp", "infra/app/api.bicep", "concat([ spaOrigin ], extraOrigins, localDevOrigins)", "concat([ spaOrigin ], localDevOrigins)"},
	{"FunctionApp", "infra/main.bicep", "    extraOrigins: extraSpaOrigins\n    localDevOrigins: localDevOrigins\n    instanceMemoryMB", "    extraOrigins: []\n    localDevOrigins: localDevOrigins\n    instanceMemoryMB"},
	{"FunctionApp", "infra/app/api.bicep", "name: 'FC1'", "name: 'Y1'"},
	{"FunctionApp", "infra/main.bicep", "spaOrigin: 'https://${web.outputs.defaultHostName}'", "spaOrigin: 'https://example.net'"},

	{"Outputs", "infra/main.bicep", "output SPA_URL string", "output SpaUrl string"},
	{"Outputs", "infra/main.bicep", "output TABLES_ENDPOINT string", "output AZURE_CLIENT_ID string"},

	{"HookOutputs", "infra/main.bicep", "output API_SCOPE string", "output API_SCOPES string"},
	{"HookOutputs", "infra/main.bicep", "output AZURE_SPA_APP_OBJECT_ID string", "output AZURE_SPA_OBJECT_ID string"},
	{"HookOutputs", "scripts/spa-config.ps1", "Need-HttpsOrigin 'API_BASE_URL'", "Need-HttpsOrigin 'API_URL'"},
	{"HookOutputs", "scripts/predown.sh", "  need_guid AZURE_SPA_APP_OBJECT_ID", "  need_guid AZURE_SPA_OBJECT_ID"},
	{"HookOutputs", "scripts/preprovision.ps1", "Need-Suffix 'AZURE_ENTRA_APP_SUFFIX'", "Need-Suffix 'AZURE_APP_SUFFIX'"},
	{"HookOutputs", "scripts/spa-config.ps1", "Need-RedirectUris 'SPA_REDIRECT_URIS'", "Need-RedirectUris 'SPA_REDIRECT_URI'"},
	{"HookOutputs", "scripts/lib.ps1", "$env:SPA_REDIRECT_URIS | ConvertFrom-Json", "$env:SPA_REDIRECT_URL | ConvertFrom-Json"},
	{"HookOutputs", "scripts/postprovision.ps1", "Need-RedirectUris 'SPA_REDIRECT_URIS' | Out-Null\n", ""},

	{"SpaRedirectURIs", "infra/app/entra.bicep", "[ '${origin}${spaUrls.redirectPath}', '${origin}${spaUrls.postLogoutPath}' ]", "[ '${origin}${spaUrls.postLogoutPath}' ]"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "'${origin}${spaUrls.redirectPath}'", "'${origin}/redirect'"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "loadJsonContent('spa-urls.json')", "{ redirectPath: '/redirect.html', postLogoutPath: '/' }"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "], extraOrigins, localDevOrigins)", "], localDevOrigins)"},
	{"SpaRedirectURIs", "infra/app/spa-urls.json", `"redirectPath": "/redirect.html"`, `"redirectPath": "/redirect"`},
	{"SpaRedirectURIs", "infra/app/spa-urls.json", `"http://127.0.0.1:4173"`, `"http://127.0.0.1:4174"`},
	{"SpaRedirectURIs", "infra/app/spa-urls.json", `"http://localhost:4173",`, ``},
	{"SpaRedirectURIs", "infra/app/web.bicep", "stagingEnvironmentPolicy: 'Disabled'", "stagingEnvironmentPolicy: 'Enabled'"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "[ 'https://${spaHostName}' ]", "[ 'http://${spaHostName}' ]"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "    redirectUris: spaRedirectUris\n", "    redirectUris: spaOrigins\n"},
	{"SpaRedirectURIs", "infra/main.bicep", "spaHostName: web.outputs.defaultHostName", "spaHostName: 'localhost'"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "output spaRedirectUris array = spaRedirectUris", "output spaRedirectUris array = spaOrigins"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "output spaRedirectUris array = spaRedirectUris", "output spaRedirectUris array = [ 'https://${spaHostName}${spaUrls.redirectPath}' ]"},
	{"SpaRedirectURIs", "infra/app/entra.bicep", "output spaRedirectUris array = spaRedirectUris", "output spaRedirectUris string = string(spaRedirectUris)"},
	{"SpaRedirectURIs", "infra/main.bicep", "output SPA_REDIRECT_URIS array = entra.outputs.spaRedirectUris", "output SPA_REDIRECT_URIS string = join(entra.outputs.spaRedirectUris, ',')"},
	{"SpaRedirectURIs", "infra/main.bicep", "output SPA_REDIRECT_URIS array = entra.outputs.spaRedirectUris", "output SPA_REDIRECT_URIS array = [ 'https://${web.outputs.defaultHostName}/redirect.html' ]"},

	{"EntraApps", "infra/app/entra.bicep", "requestedAccessTokenVersion: 2\n    oauth2PermissionScopes: apiScopes\n    // The SPA gets", "requestedAccessTokenVersion: 1\n    oauth2PermissionScopes: apiScopes\n    // The SPA gets"},
	{"EntraApps", "infra/app/entra.bicep", "var scopeId = guid(apiUniqueName, scopeName)", "var scopeId = '6b5a0c5e-0000-4000-8000-000000000001'"},
	{"EntraApps", "infra/app/entra.bicep", "'api://${apiAppCreate.appId}'", "'api://tasks-api'"},
	{"EntraApps", "infra/app/entra.bicep", "extension microsoftGraphV1\n", ""},
	{"EntraApps", "infra/app/entra.bicep", "var spaUniqueName = 'tasks-spa-${resourceToken}-${appSuffix}'", "var spaUniqueName = 'tasks-spa-${resourceToken}'"},
	{"EntraApps", "infra/app/entra.bicep", "resource spaServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0'", "resource spaServicePrincipal 'Microsoft.Graph/servicePrincipalz@v1.0'"},
	{"EntraApps", "infra/app/entra.bicep", "        appId: spaApp.appId\n", "        appId: graphAppId\n"},
	// The audience not passed to one registration: the SPA single-tenant while the API follows the parameter.
	{"EntraApps", "infra/app/entra.bicep", "  signInAudience: signInAudience\n  owners: owners\n  tags: appTags\n  spa:", "  signInAudience: 'AzureADMyOrg'\n  owners: owners\n  tags: appTags\n  spa:"},

	// The scope and the pre-authorization in one request, and its variants: Graph rejects a request
	// that pre-authorizes a scope defined in that same request (infra/app/entra.bicep, "Request order").
	{"GraphRequestOrder", "infra/app/entra.bicep", "    requestedAccessTokenVersion: 2\n    oauth2PermissionScopes: apiScopes\n    preAuthorizedApplications: keptPreAuthorizations\n    knownClientApplications: keptKnownClients\n  }\n}\n\n// The SPA", "    requestedAccessTokenVersion: 2\n    preAuthorizedApplications: keptPreAuthorizations\n    knownClientApplications: keptKnownClients\n  }\n}\n\n// The SPA"},
	{"GraphRequestOrder", "infra/app/entra.bicep", "          id: scopeId\n          type: 'Scope'", "          id: guid(spaUniqueName, scopeName)\n          type: 'Scope'"},
	{"GraphRequestOrder", "infra/app/entra.bicep", "    requestedAccessTokenVersion: 2\n    oauth2PermissionScopes: apiScopes\n    // The SPA gets", "    requestedAccessTokenVersion: 2\n    // The SPA gets"},
	{"GraphRequestOrder", "infra/app/entra.bicep", "    requestedAccessTokenVersion: 2\n    oauth2PermissionScopes: apiScopes\n    preAuthorizedApplications: keptPreAuthorizations\n    knownClientApplications: keptKnownClients\n  }\n}\n\n// The SPA", "    requestedAccessTokenVersion: 1\n    oauth2PermissionScopes: apiScopes\n    preAuthorizedApplications: keptPreAuthorizations\n    knownClientApplications: keptKnownClients\n  }\n}\n\n// The SPA"},
	// Pass 1 pre-authorizing the SPA it is about to create a scope for, on every deployment.
	{"GraphRequestOrder", "infra/app/entra.bicep", "    preAuthorizedApplications: keptPreAuthorizations\n", "    preAuthorizedApplications: [\n      {\n        appId: spaApp.appId\n        delegatedPermissionIds: [ scopeId ]\n      }\n    ]\n"},

	// A rerun must not drop the SPA's pre-authorization (Graph replaces `api` as a whole; issue 24, finding 5).
	{"PreAuthorizationKept", "infra/app/entra.bicep", "    preAuthorizedApplications: keptPreAuthorizations\n", ""},
	{"PreAuthorizationKept", "infra/app/entra.bicep", "var keptPreAuthorizations = empty(preAuthorizedSpaAppId) ? [] : [", "var keptPreAuthorizations = ["},
	{"PreAuthorizationKept", "infra/main.bicep", "preAuthorizedSpaAppId: startsWith(spaPreauthorizedRecord, recordPrefix) ? substring(spaPreauthorizedRecord, length(recordPrefix)) : ''", "preAuthorizedSpaAppId: ''"},
	{"PreAuthorizationKept", "infra/main.bicep", "output AZURE_SPA_PREAUTHORIZED string = '${recordPrefix}${entra.outputs.spaClientId}'", "output AZURE_SPA_PREAUTHORIZED string = '${recordPrefix}${entra.outputs.apiClientId}'"},
	{"PreAuthorizationKept", "infra/main.bicep", "var recordPrefix = '${entraAppSuffix}/'", "var recordPrefix = ''"},
	{"PreAuthorizationKept", "infra/main.parameters.json", "${AZURE_SPA_PREAUTHORIZED}", "${AZURE_SPA_CLIENT_ID}"},
	{"PreAuthorizationKept", "infra/app/entra.bicep", "    preAuthorizedApplications: keptPreAuthorizations\n", "    preAuthorizedApplications: [\n      {\n        appId: spaApp.appId\n        delegatedPermissionIds: [ scopeId ]\n      }\n    ]\n"},

	{"EntraTeardown", "infra/app/entra.bicep", "  'azd-entra-suffix:${appSuffix}'\n", ""},
	{"EntraTeardown", "infra/app/entra.bicep", "  appId: spaApp.appId\n  owners: owners\n  tags: appTags\n", "  appId: spaApp.appId\n  owners: owners\n"},
	{"EntraTeardown", "infra/main.bicep", "output AZURE_ENTRA_APP_SUFFIX string = entraAppSuffix", "output AZURE_ENTRA_APP_SUFFIX string = resourceToken"},
	{"EntraTeardown", "scripts/predown.ps1", "azd-entra-suffix:$env:AZURE_ENTRA_APP_SUFFIX", "azd-env-name:$env:AZURE_ENV_NAME"},

	{"LocalDevOrigins", "infra/main.bicep", "param allowLocalDevOrigins bool = true", "param allowLocalDevOrigins bool = false"},
	{"LocalDevOrigins", "infra/main.bicep", "var localDevOrigins = allowLocalDevOrigins ? spaUrls.localDevOrigins : []", "var localDevOrigins = spaUrls.localDevOrigins"},
	{"LocalDevOrigins", "infra/main.bicep", "var localDevOrigins = allowLocalDevOrigins ? spaUrls.localDevOrigins : []", "var localDevOrigins = allowLocalDevOrigins ? [ 'http://localhost:5173' ] : []"},
	{"LocalDevOrigins", "infra/main.bicep", "    localDevOrigins: localDevOrigins\n    instanceMemoryMB", "    localDevOrigins: []\n    instanceMemoryMB"},
	{"LocalDevOrigins", "infra/app/api.bicep", "concat([ spaOrigin ], extraOrigins, localDevOrigins)", "concat([ spaOrigin, 'http://127.0.0.1:3000' ], extraOrigins, localDevOrigins)"},

	{"FlexRegions", "infra/main.bicep", "  'westus3'\n", ""},
	{"FlexRegions", "infra/main.bicep", "  'westus3'\n", "  'westus3'\n  'eastus2euap'\n"},

	{"InstanceMemory", "infra/main.bicep", "param instanceMemoryMB int = 512", "param instanceMemoryMB int = 2048"},
	{"InstanceMemory", "infra/main.bicep", "  512\n  2048\n  4096\n", "  512\n  1024\n  2048\n  4096\n"},
	{"InstanceMemory", "infra/app/api.bicep", "instanceMemoryMB: instanceMemoryMB", "instanceMemoryMB: 2048"},
	{"EntraApps", "infra/bicepconfig.json", "v1.0:1.0.0", "v1.0:1.1.0-preview"},

	{"Storage", "infra/app/storage.bicep", "name: '${tableName}audit'", "name: 'audit'"},
	{"AppRoles", "infra/app/entra.bicep", "var adminRoleId = '5b2f1c7e-8a4d-4e6b-9c3a-0d1e2f3a4b5c'", "var adminRoleId = newGuid()"},
	{"AppRoles", "infra/app/entra.bicep", "id: '2c4e6a8b-3d5f-4b7a-9c1e-5f7a9b1c3d5e'", "id: guid(apiUniqueName, 'Viewer')"},
	{"AppRoles", "infra/app/entra.bicep", "    value: 'Viewer'", "    value: 'viewer'"},
	{"AppRoles", "infra/app/entra.bicep", "    description: 'Read their own tasks only.'\n    allowedMemberTypes: [ 'User' ]", "    description: 'Read their own tasks only.'\n    allowedMemberTypes: [ 'User', 'Application' ]"},
	{"AppRoles", "infra/app/entra.bicep", "  appRoles: appRoles\n  optionalClaims: apiOptionalClaims\n  api: {", "  optionalClaims: apiOptionalClaims\n  api: {"},
	// The application permissions (issue 26): fixed published ids, for apps only, enabled, exactly these values.
	{"AppRoles", "infra/app/entra.bicep", "var tasksReadAllRoleId = '8e0959fa-a085-4863-b09e-4cb12fd8e5c1'", "var tasksReadAllRoleId = guid(apiUniqueName, 'Tasks.Read.All')"},
	{"AppRoles", "infra/app/entra.bicep", "var tasksReadWriteAllRoleId = '7aac7972-7e12-4d71-8e39-5c5ff64a72c2'", "var tasksReadWriteAllRoleId = '7aac7972-7e12-4d71-8e39-5c5ff64a72c3'"},
	{"AppRoles", "infra/app/entra.bicep", "    value: 'Tasks.Read.All'\n    displayName: 'Read all users\\' tasks'\n    description: 'Read any user\\'s tasks and the list of users.'\n    allowedMemberTypes: [ 'Application' ]", "    value: 'Tasks.Read.All'\n    displayName: 'Read all users\\' tasks'\n    description: 'Read any user\\'s tasks and the list of users.'\n    allowedMemberTypes: [ 'User', 'Application' ]"},
	{"AppRoles", "infra/app/entra.bicep", "    description: 'Also create, change and delete any user\\'s tasks.'\n    allowedMemberTypes: [ 'Application' ]\n    isEnabled: true", "    description: 'Also create, change and delete any user\\'s tasks.'\n    allowedMemberTypes: [ 'Application' ]\n    isEnabled: false"},
	{"AppRoles", "infra/app/entra.bicep", "    value: 'Tasks.ReadWrite.All'", "    value: 'Tasks.Write.All'"},
	{"AppRoles", "infra/app/entra.bicep", "    description: 'Read their own tasks only.'\n    allowedMemberTypes: [ 'User' ]", "    description: 'Read their own tasks only.'\n    allowedMemberTypes: [ 'Application' ]"},

	{"IdtypClaim", "infra/app/entra.bicep", "      name: 'idtyp'\n", "      name: 'idtype'\n"},
	{"IdtypClaim", "infra/app/entra.bicep", "  accessToken: [\n    {\n      name: 'idtyp'", "  idToken: [\n    {\n      name: 'idtyp'"},
	{"IdtypClaim", "infra/app/entra.bicep", "  appRoles: appRoles\n  optionalClaims: apiOptionalClaims\n", "  appRoles: appRoles\n"},
	{"IdtypClaim", "infra/app/entra.bicep", "  tags: appTags\n  spa: {", "  tags: appTags\n  optionalClaims: apiOptionalClaims\n  spa: {"},
	{"IdtypClaim", "infra/app/entra.bicep", "      essential: false\n", "      essential: false\n      source: 'user'\n"},
	{"IdtypClaim", "infra/app/entra.bicep", "      essential: false\n", "      isEssential: false\n"},

	{"DaemonIdentity", "infra/main.bicep", "param daemonIdentity bool = false", "param daemonIdentity bool = true"},
	{"DaemonIdentity", "infra/main.parameters.json", "${AZURE_DAEMON_IDENTITY=false}", "${AZURE_DAEMON_IDENTITY=true}"},
	{"DaemonIdentity", "infra/main.parameters.json", "${AZURE_DAEMON_IDENTITY=false}", "${AZURE_DAEMON=false}"},
	{"DaemonIdentity", "infra/main.bicep", "module daemon 'app/identity.bicep' = if (daemonIdentity) {", "module daemon 'app/identity.bicep' = {"},
	{"DaemonIdentity", "infra/main.bicep", "    name: 'id-daemon-${resourceToken}'", "    name: 'id-api-${resourceToken}'"},
	{"DaemonIdentity", "infra/app/entra.bicep", "  appRoleId: tasksReadAllRoleId\n", "  appRoleId: tasksReadWriteAllRoleId\n"},
	{"DaemonIdentity", "infra/app/entra.bicep", "= if (!empty(daemonPrincipalId) && !daemonAlreadyAssigned) {", "= if (!empty(daemonPrincipalId)) {"},
	{"DaemonIdentity", "infra/app/entra.bicep", "  principalId: daemonPrincipalId\n  resourceId: apiServicePrincipal.id", "  principalId: daemonPrincipalId\n  resourceId: spaServicePrincipal.id"},
	{"DaemonIdentity", "infra/main.bicep", "daemonAlreadyAssigned: daemonIdentity && daemonRoleRecord == '${recordPrefix}${daemonPrincipalId}'", "daemonAlreadyAssigned: !empty(daemonRoleRecord)"},
	{"DaemonIdentity", "infra/main.bicep", ": (startsWith(daemonRoleRecord, recordPrefix) ? daemonRoleRecord : '')", ": ''"},
	{"DaemonIdentity", "infra/main.parameters.json", "${AZURE_DAEMON_ROLE_ASSIGNED}", "${AZURE_ADMIN_ROLE_ASSIGNED}"},
	{"DaemonIdentity", "infra/app/entra.bicep", "param daemonAlreadyAssigned bool = false", "param daemonAlreadyAssigned bool = true"},

	{"OnBehalfOf", "infra/main.bicep", "param onBehalfOf bool = false", "param onBehalfOf bool = true"},
	{"OnBehalfOf", "infra/main.parameters.json", "${AZURE_ON_BEHALF_OF=false}", "${AZURE_ON_BEHALF_OF=true}"},
	{"OnBehalfOf", "infra/app/entra.bicep", "= if (onBehalfOf) {", "= {"},
	{"OnBehalfOf", "infra/app/entra.bicep", "  issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'", "  issuer: 'https://sts.windows.net/${tenant().tenantId}/'"},
	{"OnBehalfOf", "infra/app/entra.bicep", "  subject: apiIdentityPrincipalId", "  subject: daemonPrincipalId"},
	{"OnBehalfOf", "infra/main.bicep", "apiIdentityPrincipalId: identity.outputs.principalId", "apiIdentityPrincipalId: daemonPrincipalId"},
	{"OnBehalfOf", "infra/app/entra.bicep", "    'api://AzureADTokenExchange'\n", "    'api://${apiApp.appId}'\n"},
	{"OnBehalfOf", "infra/app/entra.bicep", "  name: '${apiApp.uniqueName}/function-app-identity'", "  name: '${spaApp.uniqueName}/function-app-identity'"},
	{"OnBehalfOf", "infra/app/entra.bicep", "  requiredResourceAccess: onBehalfOf ? apiGraphAccess : []\n", ""},
	{"OnBehalfOf", "infra/main.bicep", "output AZURE_API_IDENTITY_CLIENT_ID string = identity.outputs.clientId", "output AZURE_API_IDENTITY_CLIENT_ID string = daemon.?outputs.clientId ?? ''"},

	{"AppCallerOutputs", "infra/main.bicep", "output AZURE_TASKS_READ_ALL_ROLE_ID string = entra.outputs.tasksReadAllRoleId", "output AZURE_TASKS_READ_ALL_ROLE_ID string = entra.outputs.tasksReadWriteAllRoleId"},
	{"AppCallerOutputs", "infra/main.bicep", "output AZURE_API_SERVICE_PRINCIPAL_ID string = entra.outputs.apiServicePrincipalId", "output AZURE_API_SERVICE_PRINCIPAL_ID string = entra.outputs.apiObjectId"},
	{"AppCallerOutputs", "infra/main.bicep", "output AZURE_DAEMON_IDENTITY_CLIENT_ID string = daemon.?outputs.clientId ?? ''", "output AZURE_DAEMON_IDENTITY_CLIENT_ID string = daemon.?outputs.principalId ?? ''"},
	{"AppCallerOutputs", "infra/app/entra.bicep", "output tasksReadWriteAllRoleId string = tasksReadWriteAllRoleId", "output tasksReadWriteAllRoleId string = tasksReadAllRoleId"},
	{"AppCallerOutputs", "infra/app/identity.bicep", "output clientId string = uami.properties.clientId", "output clientId string = uami.properties.principalId"},
	{"ModuleWiring", "infra/app/identity.bicep", "output id string = uami.id", "output resourceId string = uami.id"},

	{"DeployDocs", "docs/deploy.md", "\n## Daemons and managed identities\n", "\n## Daemons\n"},
	{"DeployDocs", "docs/deploy.md", "azd env get-value AZURE_DAEMON_IDENTITY_CLIENT_ID", "azd env get-value AZURE_DAEMON_CLIENT_ID"},
	{"DeployDocs", "docs/deploy.md", "| `Tasks.Read.All` | `8e0959fa-a085-4863-b09e-4cb12fd8e5c1` |", "| `Tasks.Read.All` | `8e0959fa-a085-4863-b09e-4cb12fd8e5c2` |"},
	{"AppRoles", "infra/app/entra.bicep", "  appRoleAssignmentRequired: appRoleAssignmentRequired\n", "  appRoleAssignmentRequired: true\n"},
	{"AppRoles", "infra/main.parameters.json", "${AZURE_REQUIRE_APP_ROLE_ASSIGNMENT=false}", "${AZURE_REQUIRE_APP_ROLE_ASSIGNMENT=true}"},
	{"AppRoles", "infra/main.bicep", "param requireAppRoleAssignment bool = false", "param requireAppRoleAssignment bool = true"},
	{"AppRoles", "infra/app/entra.bicep", "  appRoleId: adminRoleId\n", "  appRoleId: '8e6a4b2c-1d3f-4a5b-8c7d-9e0f1a2b3c4d'\n"},
	{"AppRoles", "infra/app/entra.bicep", "  resourceId: apiServicePrincipal.id\n", "  resourceId: apiApp.id\n"},
	{"AppRoles", "infra/app/entra.bicep", "= if (!empty(adminUserId) && !adminAlreadyAssigned) {", "= if (!empty(adminUserId)) {"},
	{"AppRoles", "infra/main.bicep", "adminAlreadyAssigned: !empty(adminUser) && adminRoleRecord == '${recordPrefix}${adminUser}'", "adminAlreadyAssigned: !empty(adminRoleRecord)"},
	{"AppRoles", "infra/main.bicep", "output AZURE_ADMIN_ROLE_ASSIGNED string = empty(adminUser) ? '' : '${recordPrefix}${adminUser}'", "output AZURE_ADMIN_ROLE_ASSIGNED string = '${recordPrefix}${adminUser}'"},
	{"AppRoles", "infra/main.bicep", "var adminUser = !empty(adminUserId) ? adminUserId : (principalType == 'User' ? principalId : '')", "var adminUser = !empty(adminUserId) ? adminUserId : principalId"},
	{"AppRoles", "infra/main.parameters.json", "${AZURE_ADMIN_USER_ID}", "${AZURE_PRINCIPAL_ID}"},

	{"Storage", "infra/app/storage.bicep", "allowSharedKeyAccess: false", "allowSharedKeyAccess: true"},
	{"Storage", "infra/app/storage.bicep", "allowBlobPublicAccess: false", "allowBlobPublicAccess: true"},
	{"Storage", "infra/app/storage.bicep", "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'"},
	{"Storage", "infra/main.bicep", "var tasksTableName = 'tasks'", "var tasksTableName = 'todo'"},

	{"Monitoring", "infra/app/monitoring.bicep", "DisableLocalAuth: true", "DisableLocalAuth: false"},
	{"Monitoring", "infra/app/monitoring.bicep", "disableLocalAuth: true", "disableLocalAuth: false"},

	{"RoleAssignments", "infra/app/rbac.bicep", "    principalType: 'ServicePrincipal'\n", "    principalType: 'User'\n"},
	{"RoleAssignments", "infra/app/rbac.bicep", "name: guid(storageAccount.id, identityPrincipalId, roles.storageBlobDataOwner)", "name: 'blob-owner'"},
	{"RoleAssignments", "infra/app/rbac.bicep", "= if (!empty(userPrincipalId)) {", "= {"},
	{"RoleAssignments", "infra/app/rbac.bicep", "storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'", "storageTableDataContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab'"},
	{"RoleAssignments", "infra/app/rbac.bicep", "    principalType: userPrincipalType\n", "    principalType: 'User'\n"},

	{"ServiceTags", "infra/app/api.bicep", "'azd-service-name': 'api'", "'azd-service-name': 'web'"},
	{"ServiceTags", "infra/app/web.bicep", "tags: union(tags, { 'azd-service-name': 'web' })", "tags: tags"},
	{"ServiceTags", "infra/app/web.bicep", "'azd-service-name': 'web'", "'azd-service-name': 'spa'"},
	{"ServiceTags", "infra/main.bicep", "  'azd-env-name': environmentName\n", "  env: environmentName\n"},

	{"AzureYaml", "azure.yaml", "dist: build/api.zip\n", "dist: build\n"},
	{"AzureYaml", "scripts/build-api.sh", `-out build/api.zip`, `-out build/app.zip`},
	{"AzureYaml", "scripts/build-api.ps1", `-out "build/api.zip"`, `-out "build/app.zip"`},
	{"AzureYaml", "scripts/build-api.sh", "cd \"$(dirname \"$0\")/..\"\n", ""},
	{"AzureYaml", "azure.yaml", "  predown:\n", "  postdown:\n"},
	{"AzureYaml", "azure.yaml", "      - azd: provision\n      - azd: deploy --all\n", "      - azd: deploy --all\n      - azd: provision\n"},
	{"AzureYaml", "azure.yaml", "run: ../scripts/spa-config.ps1", "run: ../scripts/spa.ps1"},
	{"AzureYaml", "azure.yaml", "    language: custom\n", "    language: go\n"},
	{"AzureYaml", "azure.yaml", "          run: scripts/build-api.sh\n", "          run: make build\n"},

	// A hook azd runs with `/bin/sh -c <path>` that lost its executable bit (issue 24, finding 2).
	{"HookModes", gitModesFile, "100755 scripts/predown.sh", "100644 scripts/predown.sh"},
	{"HookModes", gitModesFile, "100755 scripts/spa-config.sh", "100644 scripts/spa-config.sh"},
	{"HookModes", gitModesFile, "100755 scripts/build-api.sh", "100644 scripts/build-api.sh"},
	{"HookModes", gitModesFile, "100755 scripts/grant-pipeline-graph.sh", "100644 scripts/grant-pipeline-graph.sh"},
	{"HookModes", "azure.yaml", "run: scripts/predown.sh", "run: scripts/lib.sh"},

	// Names azd accepts (issue 24, finding 5): a resource group name ending in '.', and an unreviewed use.
	{"EnvironmentNames", "infra/main.bicep", "  name: resourceGroupName\n", "  name: 'rg-${environmentName}'\n"},
	{"EnvironmentNames", "infra/main.bicep", "var resourceGroupName = 'rg-${environmentName}${endsWith(environmentName, '.') ? '-' : ''}'", "var resourceGroupName = 'rg-${environmentName}'"},
	{"EnvironmentNames", "infra/main.bicep", "    name: 'st${resourceToken}'", "    name: 'st${environmentName}'"},

	// Multi-tenant mode (multitenant_test.go): a default that is not single-tenant, the audience not reaching the
	// registrations, the combined consent missing (pass 2, and pass 1 of a rerun), the tenant list not reaching the
	// handler or always sent, and the SPA's authority not following the audience.
	{"MultiTenant", "infra/main.bicep", "param signInAudience string = 'AzureADMyOrg'", "param signInAudience string = 'AzureADMultipleOrgs'"},
	{"MultiTenant", "infra/app/entra.bicep", "param signInAudience string = 'AzureADMyOrg'", "param signInAudience string = 'AzureADMultipleOrgs'"},
	{"MultiTenant", "infra/main.parameters.json", "${AZURE_SIGN_IN_AUDIENCE=AzureADMyOrg}", "${AZURE_SIGN_IN_AUDIENCE=AzureADMultipleOrgs}"},
	{"MultiTenant", "infra/main.bicep", "  'AzureADMyOrg'\n  'AzureADMultipleOrgs'\n])\n@description('signInAudience of the API", "  'AzureADMyOrg'\n  'AzureADMultipleOrgs'\n  'AzureADandPersonalMicrosoftAccount'\n])\n@description('signInAudience of the API"},
	{"MultiTenant", "infra/main.bicep", "    signInAudience: signInAudience\n", ""},
	{"MultiTenant", "infra/app/entra.bicep", "    knownClientApplications: multiTenant ? [ spaApp.appId ] : []\n", ""},
	{"MultiTenant", "infra/app/entra.bicep", "    knownClientApplications: keptKnownClients\n", ""},
	{"MultiTenant", "infra/main.bicep", "    allowedTenants: allowedTenants\n", ""},
	{"MultiTenant", "infra/main.parameters.json", `"value": "${AZURE_ALLOWED_TENANTS}"`, `"value": "${AZURE_TENANT_ID}"`},
	{"MultiTenant", "infra/app/api.bicep", "  ADMIN_AUTH_CONTEXT: adminAuthContext\n", "  ADMIN_AUTH_CONTEXT: adminAuthContext\n  AZURE_ALLOWED_TENANTS: allowedTenants\n"},
	{"MultiTenant", "infra/main.bicep", "? 'organizations' : tenant().tenantId}'", "? 'common' : tenant().tenantId}'"},
	{"FlexAppSettings", "infra/app/api.bicep", "empty(allowedTenants) ? {} : { AZURE_ALLOWED_TENANTS: allowedTenants }", "{ AZURE_ALLOWED_TENANTS: allowedTenants }"},

	// Operations (issue 28, operations_test.go and biceptypes_test.go): the action group only with an address and
	// only that receiver; each alert's condition and its wiring to the group; the workbook's views; the scale
	// parameters reaching the app; the insights resources against Azure's type data.
	{"ActionGroup", "infra/main.bicep", "param alertEmail string = ''", "param alertEmail string = 'oncall@example.com'"},
	{"ActionGroup", "infra/main.parameters.json", "${AZURE_ALERT_EMAIL}", "${AZURE_ALERT_EMAILS}"},
	{"ActionGroup", "infra/app/alerts.bicep", "= if (!empty(alertEmail)) {", "= {"},
	{"ActionGroup", "infra/app/alerts.bicep", "        emailAddress: alertEmail\n", "        emailAddress: 'oncall@example.com'\n"},
	{"ActionGroup", "infra/app/alerts.bicep", "    groupShortName: 'tasksoncall'\n", "    groupShortName: 'tasks-on-call-team'\n"},
	{"ActionGroup", "infra/app/alerts.bicep", "    enabled: true\n    emailReceivers: [", "    enabled: true\n    smsReceivers: []\n    emailReceivers: ["},
	{"ActionGroup", "infra/main.bicep", "    alertEmail: alertEmail\n", "    alertEmail: ''\n"},
	{"Alerts", "infra/app/alerts.bicep", "var metricAlertActions = empty(alertEmail) ? [] : [ { actionGroupId: actionGroup.id } ]", "var metricAlertActions = []"},
	{"Alerts", "infra/app/alerts.bicep", "var logAlertActionGroups = empty(alertEmail) ? [] : [ actionGroup.id ]", "var logAlertActionGroups = []"},
	{"Alerts", "infra/app/alerts.bicep", "    autoMitigate: true\n    actions: metricAlertActions\n  }\n}\n\n// Storage", "    autoMitigate: true\n    actions: []\n  }\n}\n\n// Storage"},
	{"Alerts", "infra/app/alerts.bicep", "          metricName: 'Http5xx'", "          metricName: 'Http4xx'"},
	{"Alerts", "infra/app/alerts.bicep", "                'ServerBusyError'\n", ""},
	{"Alerts", "infra/app/alerts.bicep", "              operator: 'Include'", "              operator: 'Exclude'"},
	{"Alerts", "infra/app/alerts.bicep", "      storageAccount.id\n", "      functionApp.id\n"},
	{"Alerts", "infra/app/alerts.bicep", "loadTextContent('queries/keys-unavailable.kql')", "loadTextContent('queries/handler-errors.kql')"},
	{"Alerts", "infra/app/queries/handler-errors.kql", `tostring(line.level) == "ERROR"`, `tostring(line.level) == "WARN"`},
	{"Alerts", "infra/app/alerts.bicep", "      actionGroups: logAlertActionGroups\n    }\n  }\n}\n\n// Requests answered 503", "      actionGroups: []\n    }\n  }\n}\n\n// Requests answered 503"},
	{"Alerts", "infra/app/alerts.bicep", "          operator: 'GreaterThan'\n          threshold: 0\n          failingPeriods: {\n            numberOfEvaluationPeriods: 1\n            minFailingPeriodsToAlert: 1\n          }\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: {\n      actionGroups: logAlertActionGroups\n    }\n  }\n}\n", "          operator: 'GreaterThan'\n          threshold: 5\n          failingPeriods: {\n            numberOfEvaluationPeriods: 1\n            minFailingPeriodsToAlert: 1\n          }\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: {\n      actionGroups: logAlertActionGroups\n    }\n  }\n}\n"},
	{"Alerts", "infra/main.bicep", "    functionAppName: api.outputs.name\n", "    functionAppName: 'func-api'\n"},
	{"Workbook", "infra/app/workbook.json", `"name": "storage-by-outcome"`, `"name": "storage"`},
	{"Workbook", "infra/app/workbook.json", `by problem = tostring(line.problem)`, `by problem = tostring(line.error)`},
	{"Workbook", "infra/app/workbook.json", `dcount(cloud_RoleInstance)`, `dcount(cloud_RoleName)`},
	{"Workbook", "infra/app/workbook.bicep", "    sourceId: appInsights.id\n", "    sourceId: 'Azure Monitor'\n"},
	{"Workbook", "infra/app/workbook.json", `"timeContextFromParameter": "TimeRange"`, `"timeContextFromParameter": "Range"`},
	{"ScaleParams", "infra/main.bicep", "param maximumInstanceCount int = 40", "param maximumInstanceCount int = 100"},
	{"ScaleParams", "infra/main.bicep", "@minValue(40)\n", "@minValue(1)\n"},
	{"ScaleParams", "infra/main.parameters.json", "${AZURE_FUNCTIONS_HTTP_CONCURRENCY=16}", "${AZURE_FUNCTIONS_HTTP_CONCURRENCY=4}"},
	{"ScaleParams", "infra/main.bicep", "    alwaysReadyInstances: alwaysReadyInstances\n", "    alwaysReadyInstances: 1\n"},
	{"ScaleParams", "infra/app/api.bicep", "maximumInstanceCount: maximumInstanceCount", "maximumInstanceCount: 100"},
	{"ScaleParams", "infra/app/api.bicep", "perInstanceConcurrency: httpPerInstanceConcurrency", "perInstanceConcurrency: 16"},
	{"ScaleParams", "infra/app/api.bicep", "[ { name: 'http', instanceCount: alwaysReadyInstances } ]", "[ { name: 'function:tasks', instanceCount: alwaysReadyInstances } ]"},
	{"VendoredTypes", "infra/app/alerts.bicep", "          timeAggregation: 'Total'\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: metricAlertActions\n  }\n}\n\n// Storage", "          timeAggregator: 'Total'\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: metricAlertActions\n  }\n}\n\n// Storage"},
	{"VendoredTypes", "infra/app/alerts.bicep", "'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'", "'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMetricCriteria'"},
	{"Alerts", "infra/app/alerts.bicep", "          criterionType: 'StaticThresholdCriterion'\n          name: 'http5xx'", "          criterionType: 'StaticThreshold'\n          name: 'http5xx'"},
	{"VendoredTypes", "infra/app/alerts.bicep", "          timeAggregation: 'Count'\n          operator: 'GreaterThan'\n          threshold: 0\n          failingPeriods: {\n            numberOfEvaluationPeriods: 1\n            minFailingPeriodsToAlert: 1\n          }\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: {\n      actionGroups: logAlertActionGroups\n    }\n  }\n}\n\n// Requests", "          timeAggregation: 'Count'\n          operator: 'GreaterThan'\n          threshold: 0\n          failingPeriods: {\n            numberOfEvaluationPeriods: 1\n            minFailingPeriodsToAlert: 1\n          }\n        }\n      ]\n    }\n    autoMitigate: true\n    actions: {\n      actionGroup: logAlertActionGroups\n    }\n  }\n}\n\n// Requests"},
	{"VendoredTypes", "infra/app/alerts.bicep", "    groupShortName: 'tasksoncall'\n", ""},
	{"VendoredTypes", "infra/app/alerts.bicep", "        useCommonAlertSchema: true\n", "        useCommonAlertSchema: true\n        status: 'Enabled'\n"},
	{"Alerts", "infra/app/alerts.bicep", "  kind: 'LogAlert'\n  properties: {\n    displayName: 'Tasks API handler errors'", "  kind: 'LogAlerts'\n  properties: {\n    displayName: 'Tasks API handler errors'"},
	{"Workbook", "infra/app/workbook.bicep", "  kind: 'shared'\n", "  kind: 'private'\n"},
	{"VendoredTypes", "infra/app/workbook.bicep", "    category: 'workbook'\n", "    categories: 'workbook'\n"},
	{"VendoredTypes", "infra/app/alerts.bicep", "              operator: 'Include'\n", "              operator: 'Include'\n              dimension: 'ResponseType'\n"},
	{"VendoredTypes", "infra/app/alerts.bicep", "resource http5xxAlert 'Microsoft.Insights/metricAlerts@2018-03-01'", "resource http5xxAlert 'Microsoft.Insights/metricAlerts@2024-03-01-preview'"},

	{"NoSecrets", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    STORAGE_KEY: storageAccount.listKeys().keys[0].value\n"},
	{"NoSecrets", "scripts/postprovision.sh", "set -eu\n", "set -eu\n# AccountKey=abc\n"},
}

func TestMutationsAreCaught(t *testing.T) {
	root := repoRoot(t)
	files := readProjectFiles(t, root)
	byName := map[string]func(*project) problems{}
	for _, c := range checks {
		byName[c.name] = c.fn
	}
	covered := map[string]bool{}
	for _, m := range mutations {
		fn := byName[m.check]
		if fn == nil {
			t.Fatalf("mutation names unknown check %s", m.check)
		}
		covered[m.check] = true
		p := loadProject(root, withEdit(t, files, m.file, m.old, m.new))
		if len(p.errs) > 0 {
			t.Errorf("%s: mutation of %s made the project unreadable, so it does not test the check: %v", m.check, m.file, p.errs)
			continue
		}
		if len(fn(p)) == 0 {
			t.Errorf("%s did not notice %s: %q -> %q", m.check, m.file, m.old, m.new)
		}
	}
	// A setting added to handler/settings that Azure must set is noticed until the Bicep sets it.
	var ps problems
	appsettings := appSettings(loadProject(root, files), &ps)
	if appsettings == nil {
		t.Fatalf("no app settings: %v", ps)
	}
	withNew := append(settings.All(), settings.Setting{Name: "NEW_HANDLER_SETTING"})
	if len(handlerSettingProblems(appsettings.keys(), withNew)) == 0 {
		t.Error("FlexAppSettings did not notice a new setting the handler reads")
	}
	for _, c := range checks {
		if !covered[c.name] {
			t.Errorf("check %s has no mutation proving it can fail", c.name)
		}
	}
}

// The reader refuses what it does not understand instead of skipping it.
func TestReaderFailsLoudly(t *testing.T) {
	root := repoRoot(t)
	files := readProjectFiles(t, root)
	for _, m := range []mutation{
		{"", "infra/main.bicep", "targetScope = 'subscription'", "targetScope = 'subscription'\nimport * as x from 'x.bicep'"},
		{"", "infra/main.bicep", "targetScope = 'subscription'", "targetScope = 'subscription'\ntype t = string"},
		{"", "infra/app/api.bicep", "  TASKS_TABLE: tableName\n", "  TASKS_TABLE: tableName\n    ...extra\n"},
		{"", "infra/app/api.bicep", "  properties: {\n    serverFarmId", "  properties: {{\n    serverFarmId"},
		{"", "infra/app/storage.bicep", "'TLS1_2'", "'TLS1_2"},
		{"", "infra/app/web.bicep", "    tier: 'Free'\n  }", "    tier: 'Free'\n  ]"},
		{"", "infra/app/identity.bicep", "  tags: tags\n", "  tags: tags tags\n"},
	} {
		p := loadProject(root, withEdit(t, files, m.file, m.old, m.new))
		if len(p.errs) == 0 {
			t.Errorf("the reader accepted %s with %q -> %q", m.file, m.old, m.new)
		}
	}
}
