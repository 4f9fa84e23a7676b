// Entry point for `azd provision`: one resource group holding the API (Functions, Flex Consumption, Go custom
// handler), its storage and monitoring, the SPA's Static Web App, and the two Entra app registrations
// (Microsoft Graph Bicep extension). No secret is created, read or output anywhere: every caller uses Entra ID.
//
// Subscription scope because azd creates the resource group itself from this template (azd convention).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name (AZURE_ENV_NAME). Names the resource group and seeds every resource name.')
param environmentName string

// Flex Consumption (FC1) exists only in some regions, and a wrong region fails late with an opaque error. This is
// the list Microsoft's official Flex Consumption azd template allows (Azure-Samples/functions-quickstart-dotnet-azd,
// infra/main.bicep, commit fe74255), minus its canary region eastus2euap. The live list for your subscription:
// `az functionapp list-flexconsumption-locations`; add a region here if it appears there.
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
@description('Region of the resource group, the function app, its storage and monitoring (AZURE_LOCATION).')
param location string

// Static Web Apps has its own, shorter region list (it is a global CDN; the region only holds its metadata).
// A separate parameter lets `location` be any Flex region. Override with `azd env set AZURE_WEB_LOCATION ...`.
@allowed([
  'centralus'
  'eastasia'
  'eastus2'
  'westeurope'
  'westus2'
])
@description('Region of the Static Web App that hosts the SPA (AZURE_WEB_LOCATION, default eastus2).')
param webLocation string = 'eastus2'

@description('Object id of the principal running azd (AZURE_PRINCIPAL_ID, set by azd). Gets the same data-plane roles as the app (to run the handler locally against the deployed table, and to inspect the data with Entra credentials) and becomes owner of the app registrations (so the predown hook can delete them). Empty: skipped.')
param principalId string = ''

// azd substitutes AZURE_PRINCIPAL_TYPE with `User` or `ServicePrincipal` (a CI login). A wrong principalType on a
// role assignment fails the deployment, so it is passed through rather than assumed.
@allowed([
  'User'
  'ServicePrincipal'
])
@description('Type of principalId (AZURE_PRINCIPAL_TYPE, set by azd).')
param principalType string = 'User'

// Written by the preprovision hook (scripts/preprovision.sh) before the first provision of an environment, and
// output below: azd removes every template output from the environment after `azd down`, so the next `azd up`
// gets a new suffix and new uniqueNames (a purged-or-not deleted registration can never block it), while reruns
// keep the same registrations.
// The default is only there so that azd never prompts for it: `azd up` reads the parameters (and asks for any
// without a value or a default) before it runs the preprovision hook (Azure/azure-dev cmd/up.go Run, then
// bicep_provider.go EnsureEnv), and a prompt would ask the user to invent what the hook records. A deployment
// that reaches Azure without the hook's value fails on app/entra.bicep's @minLength(4) before any registration is
// written.
@description('Suffix of the app registrations\' uniqueNames and teardown tag (AZURE_ENTRA_APP_SUFFIX, set by the preprovision hook; empty fails the deployment).')
param entraAppSuffix string = ''

// A developer's environment lets the local SPA (the Vite dev server and `vite preview`) sign in with the deployed
// registration and call the deployed API. Turn it off for shared or production environments:
// `azd env set AZURE_ALLOW_LOCAL_DEV_ORIGINS false` (see docs/deploy.md).
@description('Register the local development origins of app/spa-urls.json as SPA redirect URIs and allow them by CORS (AZURE_ALLOW_LOCAL_DEV_ORIGINS, default true).')
param allowLocalDevOrigins bool = true

// Off: every user of the tenant can sign in, and one without an app role is treated as an Editor. On: only users (or
// groups) assigned one of the API's roles get a token at all: `azd env set AZURE_REQUIRE_APP_ROLE_ASSIGNMENT true`.
@description('Set appRoleAssignmentRequired on the API\'s service principal (AZURE_REQUIRE_APP_ROLE_ASSIGNMENT, default false).')
param requireAppRoleAssignment bool = false

@description('Object id of a user to assign the API\'s Admin role (AZURE_ADMIN_USER_ID); empty: the deploying principal when it is a user, else nobody.')
param adminUserId string = ''

// What the last successful deployment of this environment's registrations recorded, read back from the environment
// (the outputs AZURE_SPA_PREAUTHORIZED and AZURE_ADMIN_ROLE_ASSIGNED below, which azd keeps between runs and deletes
// with every other output on `azd down`). Each is '<suffix>/<id>', so a record of other registrations (another
// suffix) never counts. A pipeline run starts without them unless repository variables carry them
// (docs/deploy.md).
@description('Record of the SPA an earlier deployment pre-authorized on the API, <suffix>/<SPA client id> (AZURE_SPA_PREAUTHORIZED, an output of this template).')
param spaPreauthorizedRecord string = ''
@description('Record of the user an earlier deployment made Admin, <suffix>/<user object id> (AZURE_ADMIN_ROLE_ASSIGNED, an output of this template).')
param adminRoleRecord string = ''
@description('Record of the daemon identity an earlier deployment granted Tasks.Read.All, <suffix>/<principal id> (AZURE_DAEMON_ROLE_ASSIGNED, an output of this template).')
param daemonRoleRecord string = ''

// Callers beyond the browser (docs/deploy.md, "Daemons and managed identities"). Off by default: a deployment
// without them has no app-only caller and no credential on the API's registration.
@description('Create a user-assigned identity granted the API\'s application permission Tasks.Read.All, a first app-only caller (AZURE_DAEMON_IDENTITY, default false).')
param daemonIdentity bool = false
@description('Let the API call Microsoft Graph for the signed-in user without a secret: a federated credential on its registration trusting the function app\'s identity (AZURE_ON_BEHALF_OF, default false).')
param onBehalfOf bool = false

// Step-up for the admin erase: the id of a Conditional Access authentication context (c1, c2, ...) that the tenant's
// administrator created and targeted with a policy (docs/security.md, "Step-up"). The API then answers an erase whose
// token lacks it in acrs with a claims challenge, and the SPA signs the admin in again with those claims. Empty: off.
@description('Authentication context an admin erase requires (ADMIN_AUTH_CONTEXT), e.g. c1 (AZURE_ADMIN_AUTH_CONTEXT, default none: no step-up).')
param adminAuthContext string = ''

// A custom domain is another origin: MSAL asks Entra for <origin>/redirect.html, and Entra, which allows no
// wildcards in SPA redirect URIs, refuses an unregistered one with AADSTS50011 on its own page. List such origins
// here so that they are registered and allowed by CORS.
@description('Extra https origins serving the SPA, e.g. a custom domain, comma-separated (AZURE_SPA_EXTRA_ORIGINS, default none).')
param spaExtraOrigins string = ''

// Multi-tenant mode (docs/multi-tenant.md): the registrations accept the work and school accounts of any Entra tenant,
// and the API accepts exactly the tenants of allowedTenants. Both default to today's single-tenant deployment.
@allowed([
  'AzureADMyOrg'
  'AzureADMultipleOrgs'
])
@description('signInAudience of the API and SPA registrations (AZURE_SIGN_IN_AUDIENCE): AzureADMyOrg (default, this tenant only) or AzureADMultipleOrgs (any Entra tenant may consent; the API still accepts only allowedTenants).')
param signInAudience string = 'AzureADMyOrg'
// The handler's AZURE_ALLOWED_TENANTS: the tenants whose tokens it accepts, this one included only if listed. Empty:
// the setting is left out and the handler accepts this tenant alone, exactly as a single-tenant deployment does.
@description('Tenant ids whose tokens the API accepts, comma-separated (AZURE_ALLOWED_TENANTS, default none: this tenant alone). List this tenant too to keep its users.')
param allowedTenants string = ''

// 512 MB is Flex Consumption's smallest instance. The handler's resident memory under `make bench` load is about
// 16 MB (bench/results.md) and the Functions host's own footprint fits beside it; billing is per GB-second, so
// 2048 would cost four times as much for nothing. Raise it only if the host's logs show memory pressure.
@allowed([
  512
  2048
  4096
])
@description('Memory of each function app instance in MB (AZURE_FUNCTIONS_INSTANCE_MEMORY_MB, default 512).')
param instanceMemoryMB int = 512

// Scale (docs/operations.md, "Scale"). Microsoft's Flex Consumption defaults are 100 instances at most (40 to 1000
// allowed) and an HTTP concurrency per instance set by its memory: 4 at 512 MB, 16 at 2048 MB, 32 at 4096 MB
// (https://learn.microsoft.com/azure/azure-functions/functions-concurrency#http-trigger-concurrency,
// https://learn.microsoft.com/azure/azure-functions/event-driven-scaling#flex-consumption-plan).
// Measured here: one handler serves GET /api/me at roughly 10-20k requests/s in process (bench/results.md), about
// 50-100 us of CPU each, so a request spends nearly all its time waiting on Table Storage (a write is 2 storage
// calls). An instance therefore takes far more concurrent requests than 4 before its
// CPU is the limit: 16 at ~25 ms per request is ~640 requests/s per 0.25-vCPU instance, a small share of its CPU.
// The ceiling that matters is the storage account's, 20,000 requests/s
// (https://learn.microsoft.com/azure/storage/tables/scalability-targets): at 2 calls a
// write and ~640 requests/s an instance, about 15 instances of writes reach it, so instances beyond 40 (the lowest
// cap Flex allows) would only add throttled calls (the storage alert) and cost. Raise the cap with the account's
// limit, not before.
@minValue(40)
@maxValue(1000)
@description('Most instances the function app scales out to (AZURE_FUNCTIONS_MAXIMUM_INSTANCE_COUNT, default 40).')
param maximumInstanceCount int = 40
@minValue(1)
@maxValue(1000)
@description('Concurrent HTTP requests one instance takes before Flex adds another (AZURE_FUNCTIONS_HTTP_CONCURRENCY, default 16).')
param httpPerInstanceConcurrency int = 16
// Always-ready instances are billed while idle; 0 keeps scale to zero (and a cold start after idling). Set 1 when
// the first request after a quiet period must not wait for a new instance.
@minValue(0)
@maxValue(20)
@description('Instances kept running for the HTTP functions even when idle (AZURE_FUNCTIONS_ALWAYS_READY, default 0).')
param alwaysReadyInstances int = 0

// Who hears about an alert (docs/operations.md). Empty: the alerts still exist and show in the portal, but no action
// group is created and nobody is sent anything.
@description('Email address the alerts are sent to (AZURE_ALERT_EMAIL, default none: no action group).')
param alertEmail string = ''

// azd accepts environment names of letters, digits and - ( ) _ . (Azure/azure-dev pkg/environment/environment.go),
// all of which a resource group name may hold, but not at its end: a name ending in '.' gets a '-' appended.
// Every other use of environmentName is a tag value, a display name or an input of uniqueString().
var resourceGroupName = 'rg-${environmentName}${endsWith(environmentName, '.') ? '-' : ''}'

// Deterministic per subscription + environment + region: re-running `azd up` updates the same resources, and two
// environments never collide on globally unique names (storage, function app, app registration uniqueName).
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// Only a user can hold the API's roles (allowedMemberTypes 'User'): a pipeline's service principal gets none,
// unless AZURE_ADMIN_USER_ID names a user (the pipeline then needs AppRoleAssignment.ReadWrite.All).
var adminUser = !empty(adminUserId) ? adminUserId : (principalType == 'User' ? principalId : '')
// The prefix of a record (see spaPreauthorizedRecord) made for these very registrations.
var recordPrefix = '${entraAppSuffix}/'

// Where Entra may send the SPA's users: one list, shared with the browser tests' fake Entra (see the file).
var spaUrls = loadJsonContent('app/spa-urls.json')
var localDevOrigins = allowLocalDevOrigins ? spaUrls.localDevOrigins : []
var extraSpaOrigins = filter(map(split(spaExtraOrigins, ','), origin => trim(origin)), origin => !empty(origin))

// The delegated scope the SPA requests and the handler requires (API_REQUIRED_SCOPE).
var apiScopeName = 'access_as_user'
// The table the handler uses (TASKS_TABLE); created here so the handler never needs more than data-plane rights.
var tasksTableName = 'tasks'

// azd finds the resource group through the azd-env-name tag (or AZURE_RESOURCE_GROUP).
resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

// Log Analytics + Application Insights, both with local (key) auth disabled.
module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
  }
}

// Storage for the Functions host, the Flex deployment package and the tasks table; shared keys disabled.
module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    deploymentContainerName: 'app-package'
    tableName: tasksTableName
  }
}

// The function app's only identity (user-assigned, so its roles exist before the app does).
module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-api-${resourceToken}'
  }
}

// The daemon identity: an app-only caller with no secret, to attach to a resource of one's own. Its only right is the
// API's application permission Tasks.Read.All (app/entra.bicep); it gets no Azure role.
module daemon 'app/identity.bicep' = if (daemonIdentity) {
  name: 'daemonIdentity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-daemon-${resourceToken}'
  }
}
var daemonPrincipalId = daemon.?outputs.principalId ?? ''

// Data-plane roles for the app's identity and for the deploying principal.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

// The SPA's host. Created before the app registrations because its hostname is a redirect URI.
module web 'app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    location: webLocation
    tags: tags
    name: 'stapp-${resourceToken}'
  }
}

// Entra app registrations (API + SPA) and their service principals. Graph objects live in the tenant, not in the
// resource group: `azd down` does not remove them; the predown hook does (scripts/predown.sh).
module entra 'app/entra.bicep' = {
  name: 'entra'
  scope: rg
  params: {
    resourceToken: resourceToken
    environmentName: environmentName
    appSuffix: entraAppSuffix
    spaHostName: web.outputs.defaultHostName
    extraOrigins: extraSpaOrigins
    localDevOrigins: localDevOrigins
    scopeName: apiScopeName
    ownerId: principalId
    adminUserId: adminUser
    // An app role assignment is created, never updated, by the Graph extension (not idempotent:
    // msgraph-bicep-types#161), so once recorded it is not sent again.
    adminAlreadyAssigned: !empty(adminUser) && adminRoleRecord == '${recordPrefix}${adminUser}'
    // The SPA an earlier deployment of these registrations pre-authorized: the API's first request keeps it.
    preAuthorizedSpaAppId: startsWith(spaPreauthorizedRecord, recordPrefix) ? substring(spaPreauthorizedRecord, length(recordPrefix)) : ''
    appRoleAssignmentRequired: requireAppRoleAssignment
    signInAudience: signInAudience
    // Like the Admin role, Tasks.Read.All is assigned once per identity (msgraph-bicep-types#161).
    daemonPrincipalId: daemonPrincipalId
    daemonAlreadyAssigned: daemonIdentity && daemonRoleRecord == '${recordPrefix}${daemonPrincipalId}'
    onBehalfOf: onBehalfOf
    apiIdentityPrincipalId: identity.outputs.principalId
  }
}

// Flex Consumption plan + function app running the Go custom handler.
module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'func-api-${resourceToken}'
    planName: 'plan-${resourceToken}'
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    tableName: storage.outputs.tableName
    appInsightsName: monitoring.outputs.appInsightsName
    identityName: identity.outputs.name
    apiClientId: entra.outputs.apiClientId
    apiScopeName: apiScopeName
    spaOrigin: 'https://${web.outputs.defaultHostName}'
    extraOrigins: extraSpaOrigins
    localDevOrigins: localDevOrigins
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    alwaysReadyInstances: alwaysReadyInstances
    adminAuthContext: adminAuthContext
    allowedTenants: allowedTenants
  }
  // The host starts as soon as the app exists and reaches storage with the identity: grant the roles first.
  dependsOn: [
    rbac
  ]
}

// What the person on call gets (docs/operations.md): alerts on the app's 5xx, storage throttling, handler errors and
// the key set, sent to alertEmail when one is given.
module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    alertEmail: alertEmail
    functionAppName: api.outputs.name
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The operations workbook: requests, latency by route, errors by problem type, storage calls, instances.
module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Outputs become azd environment values (.azure/<env>/.env). The hooks read them; keep the names stable.
// No AZURE_LOCATION output: azd records the region in the environment itself when it asks for it, and `azd down`
// deletes every output from the environment (Azure/azure-dev pkg/infra/provisioning/manager.go Destroy), so an
// output would make the next `azd up` ask for the region again (and `azd up --no-prompt` fail).
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_API_CLIENT_ID string = entra.outputs.apiClientId
output AZURE_API_APP_OBJECT_ID string = entra.outputs.apiObjectId
output AZURE_SPA_CLIENT_ID string = entra.outputs.spaClientId
output AZURE_SPA_APP_OBJECT_ID string = entra.outputs.spaObjectId
output API_REQUIRED_SCOPE string = apiScopeName
output API_SCOPE string = entra.outputs.apiScope
output API_BASE_URL string = api.outputs.baseUrl
output SPA_URL string = 'https://${web.outputs.defaultHostName}'
// The authority the SPA's MSAL signs in with (the hooks copy it into config.json): this tenant, or, multi-tenant,
// `organizations`, where a user of any Entra tenant picks their work or school account
// (https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration, "Authority"). The
// cloud's own login host, like the handler's AZURE_AUTHORITY_HOST.
output AZURE_SPA_AUTHORITY string = '${environment().authentication.loginEndpoint}${signInAudience == 'AzureADMultipleOrgs' ? 'organizations' : tenant().tenantId}'
// azd writes an array output into the environment as a JSON string; the hooks copy it into config.json.
output SPA_REDIRECT_URIS array = entra.outputs.spaRedirectUris
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output TABLES_ENDPOINT string = storage.outputs.tableEndpoint
output TASKS_TABLE string = storage.outputs.tableName
// An output so that `azd down` removes it from the environment (see entraAppSuffix).
output AZURE_ENTRA_APP_SUFFIX string = entraAppSuffix
// Records for the next run (see spaPreauthorizedRecord): written only when this whole deployment succeeded, so the
// SPA is pre-authorized (pass 2) and the Admin assignment exists.
output AZURE_SPA_PREAUTHORIZED string = '${recordPrefix}${entra.outputs.spaClientId}'
output AZURE_ADMIN_ROLE_ASSIGNED string = empty(adminUser) ? '' : '${recordPrefix}${adminUser}'
// The daemon identity's assignment. Turning AZURE_DAEMON_IDENTITY off leaves the identity and its assignment in
// place (a deployment removes nothing it no longer declares), so the record is kept: turned on again, the same
// identity is not assigned twice.
output AZURE_DAEMON_ROLE_ASSIGNED string = daemonIdentity ? '${recordPrefix}${daemonPrincipalId}' : (startsWith(daemonRoleRecord, recordPrefix) ? daemonRoleRecord : '')

// For app-only callers (docs/deploy.md, "Daemons and managed identities"): the API's service principal, the resource
// of every app role assignment, and the ids of its two application permissions, to grant a daemon of one's own.
output AZURE_API_SERVICE_PRINCIPAL_ID string = entra.outputs.apiServicePrincipalId
output AZURE_TASKS_READ_ALL_ROLE_ID string = entra.outputs.tasksReadAllRoleId
output AZURE_TASKS_READWRITE_ALL_ROLE_ID string = entra.outputs.tasksReadWriteAllRoleId
// The daemon identity (empty without AZURE_DAEMON_IDENTITY): the client id a resource holding it asks for tokens
// with, its principal id (what it is granted), and its resource id (what `az vm identity assign` attaches).
output AZURE_DAEMON_IDENTITY_CLIENT_ID string = daemon.?outputs.clientId ?? ''
output AZURE_DAEMON_IDENTITY_PRINCIPAL_ID string = daemonPrincipalId
output AZURE_DAEMON_IDENTITY_RESOURCE_ID string = daemon.?outputs.id ?? ''
// On-behalf-of (AZURE_ON_BEHALF_OF): the identity whose token the API presents as its client assertion, the same one
// the function app runs as (its app setting AZURE_CLIENT_ID; an output of that name would reach azidentity in every
// hook, see checkOutputs in infra/infra_test.go).
output AZURE_API_IDENTITY_CLIENT_ID string = identity.outputs.clientId
