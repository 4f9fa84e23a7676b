// Entra ID app registrations through the Microsoft Graph Bicep extension (GA, types v1.0 1.0.0, Bicep >= 0.36.1;
// the registry reference is in infra/bicepconfig.json). Two registrations, single-tenant by default or both
// multi-tenant (signInAudience, AZURE_SIGN_IN_AUDIENCE; docs/multi-tenant.md):
//   - the API: exposes the delegated scope `access_as_user`, identifier URI api://{appId}, v2 access tokens,
//     and pre-authorizes the SPA (no consent prompt for our own scope, no admin consent needed);
//   - the SPA: a public client (no secret, no certificate) using auth code + PKCE from the browser (MSAL).
// Both get a service principal so users of this tenant can sign in and tokens can be issued for the API.
// Multi-tenant, other organizations' users sign in too, once their tenant has consented (a service principal of
// each app there); the API accepts only the tenants its AZURE_ALLOWED_TENANTS setting lists (app/api.bicep).
//
// Graph objects live in the tenant, not in the resource group: `azd down` leaves them; the predown hook
// (scripts/predown.sh) deletes them, found by id or by their tags. uniqueName is the Bicep identity of an app:
// re-deploys update, never duplicate.
//
// Request order matters. Each declaration below is one Graph request, and Graph rejects a request that
// pre-authorizes a scope defined in that same request ("Property api.preAuthorizedApplications.
// delegatedPermissionIds has a Permission Id that cannot be found in the AppPermissions sets";
// microsoftgraph/microsoft-graph-docs#12675). A rejected request applies nothing, so a rerun would fail the
// same way. Hence: pass 1 defines every scope; the SPA (which names the scope) and pass 2 (which pre-authorizes
// it) come after it.
extension microsoftGraphV1

@description('azd resource token (unique per subscription, environment and region).')
param resourceToken string
@description('azd environment name, for display names and tags.')
param environmentName string
// main.bicep's entraAppSuffix has a default (so that azd never prompts for it); this module refuses the empty
// value, so a deployment without the preprovision hook's suffix fails here instead of creating registrations
// whose uniqueNames would survive `azd down` in the recycle bin.
@minLength(4)
@maxLength(16)
@description('Per-environment suffix of both uniqueNames (AZURE_ENTRA_APP_SUFFIX): stable across reruns, new after `azd down`.')
param appSuffix string
@description('Host name of the Static Web App serving the SPA (no scheme).')
param spaHostName string
@description('Other https origins serving the SPA (custom domains), registered as SPA redirect URIs.')
param extraOrigins array
@description('Local development origins (Vite dev server, vite preview) registered as SPA redirect URIs; empty in production.')
param localDevOrigins array
@description('The delegated scope value the API requires (API_REQUIRED_SCOPE).')
param scopeName string
@description('Object id made owner of both registrations (the deploying principal); empty: none added.')
param ownerId string = ''
// Who may sign in: this tenant's accounts only, or the work and school accounts of any Entra tenant (the API still
// refuses every tenant not in AZURE_ALLOWED_TENANTS). Personal Microsoft accounts are never offered: the API's
// identity is tid + oid of an organization. Values: Graph's application.signInAudience
// (https://learn.microsoft.com/graph/api/resources/application, signInAudience).
@allowed([
  'AzureADMyOrg'
  'AzureADMultipleOrgs'
])
@description('signInAudience of both registrations (AZURE_SIGN_IN_AUDIENCE): AzureADMyOrg (default) or AzureADMultipleOrgs.')
param signInAudience string = 'AzureADMyOrg'
@description('Object id of a user assigned the API\'s Admin app role (the deploying user); empty: nobody.')
param adminUserId string = ''
@description('Require an app role assignment before Entra issues a token for the API (appRoleAssignmentRequired on its service principal).')
param appRoleAssignmentRequired bool = false
@description('adminUserId already holds the Admin role from an earlier deployment of these registrations.')
param adminAlreadyAssigned bool = false
@description('Client id of the SPA an earlier deployment of these registrations pre-authorized; empty on the first deployment.')
param preAuthorizedSpaAppId string = ''
@description('Principal (object) id of a managed identity granted the application permission Tasks.Read.All (AZURE_DAEMON_IDENTITY); empty: none.')
param daemonPrincipalId string = ''
@description('daemonPrincipalId already holds Tasks.Read.All from an earlier deployment of these registrations.')
param daemonAlreadyAssigned bool = false
@description('Trust the function app\'s identity as the API registration\'s credential for on-behalf-of (AZURE_ON_BEHALF_OF).')
param onBehalfOf bool = false
@description('Principal (object) id of the function app\'s user-assigned identity: the subject of the on-behalf-of federated credential.')
param apiIdentityPrincipalId string

// Unique in the tenant (uniqueName is an alternate key). A deleted app keeps its uniqueName while it sits in the
// recycle bin (msgraph-bicep-types#137), and purging it needs an admin role an owner may lack: the suffix changes
// after every `azd down` (it is a template output, which azd removes from the environment), so the next
// `azd up` never collides with a registration waiting in the recycle bin.
var apiUniqueName = 'tasks-api-${resourceToken}-${appSuffix}'
var spaUniqueName = 'tasks-spa-${resourceToken}-${appSuffix}'

// Teardown finds the registrations by these tags when their ids are not in the azd environment (e.g. after a
// provision that failed halfway). The suffix makes the second tag unique in the tenant; environment names are not.
var appTags = [
  'azd-env-name:${environmentName}'
  'azd-entra-suffix:${appSuffix}'
]

// Deterministic scope id: the same GUID on every deployment, so re-deploys never try to replace (and so delete)
// an enabled scope, which Entra refuses.
var scopeId = guid(apiUniqueName, scopeName)

// The API's one delegated scope, sent in both API passes: Graph replaces the whole `api` object on update.
var apiScopes = [
  {
    id: scopeId
    value: scopeName
    // Users may consent for themselves; no admin consent required.
    type: 'User'
    isEnabled: true
    adminConsentDisplayName: 'Access the Tasks API as the signed-in user'
    adminConsentDescription: 'Allows the app to read and change the signed-in user\'s tasks in the Tasks API.'
    userConsentDisplayName: 'Access your tasks'
    userConsentDescription: 'Allows the app to read and change your tasks in the Tasks API.'
  }
]

// The API's app roles, delivered in the access token's `roles` claim and enforced by the handler (handler/access).
// For users (allowedMemberTypes 'User'): Viewer reads their own tasks, Editor also changes them, Admin also uses the
// admin API. For apps (allowedMemberTypes 'Application', i.e. application permissions granted to a daemon or a
// managed identity, which then come in an app-only token): Tasks.Read.All reads any user's tasks and the list of
// users, Tasks.ReadWrite.All also writes them. A role is one or the other, never both: a user never holds an
// application permission, and an app never holds a user's role.
// The ids are fixed literals, never newGuid() or anything derived from this deployment: assignments refer to a role by
// id, so a changed id orphans every assignment, and Graph refuses to remove an enabled role (disable it in one
// deployment, remove it in the next). Sent in both API passes, like the scopes.
var adminRoleId = '5b2f1c7e-8a4d-4e6b-9c3a-0d1e2f3a4b5c'
var tasksReadAllRoleId = '8e0959fa-a085-4863-b09e-4cb12fd8e5c1'
var tasksReadWriteAllRoleId = '7aac7972-7e12-4d71-8e39-5c5ff64a72c2'
var appRoles = [
  {
    id: adminRoleId
    value: 'Admin'
    displayName: 'Admin'
    description: 'Everything an Editor can do, plus the admin API: list the users who have tasks, read any user\'s tasks, erase them, and read the audit log.'
    allowedMemberTypes: [ 'User' ]
    isEnabled: true
  }
  {
    id: '8e6a4b2c-1d3f-4a5b-8c7d-9e0f1a2b3c4d'
    value: 'Editor'
    displayName: 'Editor'
    description: 'Create, read, change and delete their own tasks.'
    allowedMemberTypes: [ 'User' ]
    isEnabled: true
  }
  {
    id: '2c4e6a8b-3d5f-4b7a-9c1e-5f7a9b1c3d5e'
    value: 'Viewer'
    displayName: 'Viewer'
    description: 'Read their own tasks only.'
    allowedMemberTypes: [ 'User' ]
    isEnabled: true
  }
  {
    id: tasksReadAllRoleId
    value: 'Tasks.Read.All'
    displayName: 'Read all users\' tasks'
    description: 'Read any user\'s tasks and the list of users.'
    allowedMemberTypes: [ 'Application' ]
    isEnabled: true
  }
  {
    id: tasksReadWriteAllRoleId
    value: 'Tasks.ReadWrite.All'
    displayName: 'Read and write all users\' tasks'
    description: 'Also create, change and delete any user\'s tasks.'
    allowedMemberTypes: [ 'Application' ]
    isEnabled: true
  }
]

// The `idtyp` optional claim in the API's access tokens: Entra then sets idtyp 'app' in an app-only token, the way
// Microsoft documents for an API to tell it from a token that acts for a user
// (https://learn.microsoft.com/entra/identity-platform/optional-claims-reference, "idtyp"; access tokens are built
// from the resource's registration, so it is configured here, on the API). Shape: Graph's optionalClaims
// {accessToken: [optionalClaim]} (msgraph-bicep-types generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.md,
// MicrosoftGraphOptionalClaims). Sent in both API passes: a pass without it would leave it as stored, but one
// value in both keeps the passes from ever disagreeing.
var apiOptionalClaims = {
  accessToken: [
    {
      name: 'idtyp'
      essential: false
    }
  ]
}

// Graph replaces a complex property such as `api` as a whole when it updates an application: pass 1 of a rerun,
// sending `api` without the SPA's pre-authorization, would remove it until pass 2 runs (and for good if the
// deployment stopped in between). When an earlier deployment of these same registrations pre-authorized the SPA,
// the scope exists already, so pass 1 may send that pre-authorization itself, as pass 2 does. On the first
// deployment there is nothing to keep, and pass 1 must not name the scope it creates.
var keptPreAuthorizations = empty(preAuthorizedSpaAppId) ? [] : [
  {
    appId: preAuthorizedSpaAppId
    delegatedPermissionIds: [
      scopeId
    ]
  }
]

// Multi-tenant: the SPA is the API's known client, so one consent in another tenant (a user's, or its admin's)
// covers both registrations and creates both service principals there ("combined consent": Graph's
// apiApplication.knownClientApplications, https://learn.microsoft.com/graph/api/resources/apiapplication; both
// apps must be registered in the same tenant, as these are). Without it the other tenant would consent to the SPA
// and still have no service principal for the API, and Entra would refuse the API's token (AADSTS650052).
// Single-tenant: nothing, as before. Like the pre-authorization, pass 1 of a rerun sends the SPA an earlier
// deployment recorded (Graph replaces `api` as a whole), and pass 2 names the SPA it just wrote.
var multiTenant = signInAudience == 'AzureADMultipleOrgs'
var keptKnownClients = multiTenant && !empty(preAuthorizedSpaAppId) ? [ preAuthorizedSpaAppId ] : []

// Microsoft Graph and its delegated User.Read permission (well-known ids, identical in every tenant).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var graphUserReadId = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'
var apiGraphAccess = [
  {
    resourceAppId: graphAppId
    resourceAccess: [
      {
        id: graphUserReadId
        type: 'Scope'
      }
    ]
  }
]

// The deploying principal as owner: it can then update and delete the registrations (predown) without an
// admin role. 'append' never removes owners someone added by hand.
var owners = {
  relationships: empty(ownerId) ? [] : [ownerId]
  relationshipSemantics: 'append'
}

// MSAL v5 completes every flow on its redirect bridge page, so that page must be registered for every origin the
// SPA is served from; the post-logout page too. Entra compares the redirect URI exactly and answers an
// unregistered one with AADSTS50011 on its own page (never back to the app), and its token endpoint sends CORS
// headers only for redirect URIs registered as `spa`. The paths come from the same file the browser tests' fake
// Entra reads.
var spaUrls = loadJsonContent('spa-urls.json')
var spaOrigins = concat([ 'https://${spaHostName}' ], extraOrigins, localDevOrigins)
var spaRedirectUris = flatten(map(spaOrigins, origin => [ '${origin}${spaUrls.redirectPath}', '${origin}${spaUrls.postLogoutPath}' ]))

// API, pass 1 of 2: creates the registration with its scope and token version. Everything that names the scope
// for the first time (the SPA's requiredResourceAccess, pass 2's pre-authorization) is sent in a later request; on a
// rerun it keeps the pre-authorization an earlier deployment made (keptPreAuthorizations).
resource apiAppCreate 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiUniqueName
  displayName: 'Tasks API (${environmentName})'
  signInAudience: signInAudience
  owners: owners
  tags: appTags
  appRoles: appRoles
  optionalClaims: apiOptionalClaims
  api: {
    // v2 tokens: aud = the API's client id, iss = https://login.microsoftonline.com/{tid}/v2.0 (what the
    // handler checks first; it also accepts v1 issuers).
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: apiScopes
    preAuthorizedApplications: keptPreAuthorizations
    knownClientApplications: keptKnownClients
  }
}

// The SPA: public client, redirect URIs of type `spa` (auth code + PKCE; no implicit grant, no secret).
resource spaApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: spaUniqueName
  displayName: 'Tasks SPA (${environmentName})'
  signInAudience: signInAudience
  owners: owners
  tags: appTags
  spa: {
    redirectUris: spaRedirectUris
  }
  // Declares (does not grant) what the SPA asks for: sign-in + profile from Graph, and our API scope (created by
  // pass 1, which this declaration depends on through apiAppCreate.appId).
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: [
        {
          id: graphUserReadId
          type: 'Scope'
        }
      ]
    }
    {
      resourceAppId: apiAppCreate.appId
      resourceAccess: [
        {
          id: scopeId
          type: 'Scope'
        }
      ]
    }
  ]
}

// API, pass 2 of 2: the same object (same uniqueName) gets its identifier URI, which needs its own appId, and the
// SPA's pre-authorization for the scope pass 1 created.
resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiUniqueName
  displayName: 'Tasks API (${environmentName})'
  signInAudience: signInAudience
  owners: owners
  tags: appTags
  // Not defaulted by Entra: without it `api://{appId}/access_as_user` cannot be requested. api://{appId} stays valid
  // for a multi-tenant API: it is the first of Entra's supported identifier URI formats, unique because the appId is
  // (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions, "Secure patterns").
  identifierUris: [
    'api://${apiAppCreate.appId}'
  ]
  // On-behalf-of (onBehalfOf): the API asks Graph for the signed-in user's profile, so it declares delegated
  // User.Read; someone still consents to it (docs/deploy.md, "On-behalf-of without a secret"). Off: nothing.
  requiredResourceAccess: onBehalfOf ? apiGraphAccess : []
  appRoles: appRoles
  optionalClaims: apiOptionalClaims
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: apiScopes
    // The SPA gets `access_as_user` without a consent prompt (no tenant-wide grant, so no admin role needed).
    preAuthorizedApplications: [
      {
        appId: spaApp.appId
        delegatedPermissionIds: [
          scopeId
        ]
      }
    ]
    knownClientApplications: multiTenant ? [ spaApp.appId ] : []
  }
}

// Service principals ("enterprise applications"): without them nobody in the tenant can sign in to the SPA or
// obtain a token for the API.
resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
  owners: owners
  tags: appTags
  // Off (the default): everyone in the tenant gets tokens, and a user with no role is treated as an Editor. On:
  // Entra issues no token for the API to anyone without an assignment (AZURE_REQUIRE_APP_ROLE_ASSIGNMENT).
  appRoleAssignmentRequired: appRoleAssignmentRequired
}

// The deploying user gets Admin, so the admin panel works right after `azd up`. Properties as the Graph extension's
// types require them (msgraph-bicep-types generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.md,
// appRoleAssignedTo: appRoleId, principalId and resourceId, all required): principalId is the user, resourceId the
// API's service principal (not the application). Needs AppRoleAssignment.ReadWrite.All besides the registrations'
// permission when a pipeline deploys (scripts/grant-pipeline-graph.sh).
// Created once: the extension creates an assignment and never updates one (appRoleAssignedTo is neither upsertable
// nor updatable in its v1.0 1.0.0 metadata), and a redeploy of an existing one failed with "EntitlementGrant entry
// already exists" (msgraph-bicep-types#161, open). main.bicep sets adminAlreadyAssigned from the record of the
// last successful deployment.
resource deployerAdmin 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(adminUserId) && !adminAlreadyAssigned) {
  appRoleId: adminRoleId
  principalId: adminUserId
  resourceId: apiServicePrincipal.id
}

// The daemon identity (AZURE_DAEMON_IDENTITY) gets the application permission Tasks.Read.All: the same kind of
// assignment as the Admin role above, with a service principal (the managed identity's) as principalId, and created
// once for the same reason (msgraph-bicep-types#161); main.bicep sets daemonAlreadyAssigned from the record of the last
// successful deployment (AZURE_DAEMON_ROLE_ASSIGNED). A just-created identity may not have reached Graph yet, which
// fails this request with "Not a valid reference update" (msgraph-bicep-types#193, open); nothing was assigned, so
// `azd provision` again succeeds (docs/deploy.md, Troubleshooting).
resource daemonTasksReader 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(daemonPrincipalId) && !daemonAlreadyAssigned) {
  appRoleId: tasksReadAllRoleId
  principalId: daemonPrincipalId
  resourceId: apiServicePrincipal.id
}

// On-behalf-of without a secret (AZURE_ON_BEHALF_OF): the API's registration accepts a token of the function app's
// user-assigned identity as its client assertion (a managed identity as a federated identity credential,
// https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity):
// issuer the tenant's v2 issuer, subject the identity's principal (object) id, audience api://AzureADTokenExchange.
// The audience is the public cloud's: the Graph Bicep extension deploys only there (msgraph-bicep-types
// quickstart-templates/msi-as-a-fic-secretless/main.bicep keeps the other clouds' values for other tools).
// Upserted by its name (federatedIdentityCredential is Upsertable in the extension's
// src/swagger-generation/configs/v1.0/1.0.0.yml), so a rerun updates it; no record is needed.
resource apiOnBehalfOfCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = if (onBehalfOf) {
  name: '${apiApp.uniqueName}/function-app-identity'
  description: 'The Tasks API function app\'s user-assigned identity, as the API\'s credential for on-behalf-of.'
  issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
  subject: apiIdentityPrincipalId
  audiences: [
    'api://AzureADTokenExchange'
  ]
}

resource spaServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: spaApp.appId
  owners: owners
  tags: appTags
}

output apiClientId string = apiApp.appId
output apiObjectId string = apiApp.id
output apiScope string = 'api://${apiApp.appId}/${scopeName}'
output spaClientId string = spaApp.appId
output spaObjectId string = spaApp.id
// The SPA registration's redirect URIs, the very list sent above: the hooks write it into the SPA's config.json,
// and the SPA names a redirect URI mismatch (which Entra would answer with AADSTS50011) before any sign-in.
output spaRedirectUris array = spaRedirectUris
// Referenced so that both service principals are part of the module's result (and deployment order).
output apiServicePrincipalId string = apiServicePrincipal.id
output spaServicePrincipalId string = spaServicePrincipal.id
// What a daemon of one's own is granted (docs/deploy.md, "Daemons and managed identities").
output tasksReadAllRoleId string = tasksReadAllRoleId
output tasksReadWriteAllRoleId string = tasksReadWriteAllRoleId
