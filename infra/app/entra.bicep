// Entra ID app registrations through the Microsoft Graph Bicep extension (GA, types v1.0 1.0.0, Bicep >= 0.36.1;
// the registry reference is in infra/bicepconfig.json). Two registrations, both single-tenant:
//   - the API: exposes the delegated scope `access_as_user`, identifier URI api://{appId}, v2 access tokens,
//     and pre-authorizes the SPA (no consent prompt for our own scope, no admin consent needed);
//   - the SPA: a public client (no secret, no certificate) using auth code + PKCE from the browser (MSAL).
// Both get a service principal so users of this tenant can sign in and tokens can be issued for the API.
//
// Graph objects live in the tenant, not in the resource group: `azd down` leaves them; scripts/postdown.sh
// deletes (and purges) them. uniqueName is the Bicep identity of an app: re-deploys update, never duplicate.
extension microsoftGraphV1

@description('azd resource token (unique per subscription, environment and region).')
param resourceToken string
@description('azd environment name, for display names.')
param environmentName string
@description('Host name of the Static Web App serving the SPA (no scheme).')
param spaHostName string
@description('The delegated scope value the API requires (API_REQUIRED_SCOPE).')
param scopeName string
@description('Object id made owner of both registrations (the deploying principal); empty: none added.')
param ownerId string = ''

// Unique in the tenant (uniqueName is an alternate key) and stable for this environment. A deleted app keeps its
// uniqueName reserved while it sits in the recycle bin (msgraph-bicep-types#137): postdown purges it.
var apiUniqueName = 'tasks-api-${resourceToken}'
var spaUniqueName = 'tasks-spa-${resourceToken}'

// Deterministic scope id: the same GUID on every deployment, so re-deploys never try to replace (and so delete)
// an enabled scope, which Entra refuses.
var scopeId = guid(apiUniqueName, scopeName)

// Microsoft Graph and its delegated User.Read permission (well-known ids, identical in every tenant).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var graphUserReadId = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'

// The deploying principal as owner: it can then update and delete the registrations (postdown) without an
// admin role. 'append' never removes owners someone added by hand.
var owners = {
  relationships: empty(ownerId) ? [] : [ownerId]
  relationshipSemantics: 'append'
}

// API, pass 1 of 2: only creates the registration (or touches its names) to obtain its appId. The identifier URI
// api://{appId} needs that appId, and a resource cannot reference itself, so pass 2 below (same uniqueName =
// same object) sets everything else. Pass 1 sends nothing it could clobber on a re-deploy.
resource apiAppCreate 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiUniqueName
  displayName: 'Tasks API (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  owners: owners
}

// The SPA: public client, redirect URIs of type `spa` (auth code + PKCE; no implicit grant, no secret).
resource spaApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: spaUniqueName
  displayName: 'Tasks SPA (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  owners: owners
  spa: {
    // MSAL v5 completes every flow on its redirect bridge page (/redirect.html), so that page must be registered;
    // the origin itself is kept for post-logout redirects. Deployed site first, then the local Vite dev server.
    redirectUris: [
      'https://${spaHostName}/redirect.html'
      'https://${spaHostName}/'
      'http://localhost:5173/redirect.html'
      'http://localhost:5173/'
    ]
  }
  // Declares (does not grant) what the SPA asks for: sign-in + profile from Graph, and our API scope.
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

// API, pass 2 of 2: the full definition, applied to the object pass 1 created.
resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiUniqueName
  displayName: 'Tasks API (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  owners: owners
  // Not defaulted by Entra: without it `api://{appId}/access_as_user` cannot be requested.
  identifierUris: [
    'api://${apiAppCreate.appId}'
  ]
  api: {
    // v2 tokens: aud = the API's client id, iss = https://login.microsoftonline.com/{tid}/v2.0 (what the
    // handler checks first; it also accepts v1 issuers).
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
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
    // The SPA gets `access_as_user` without a consent prompt (no tenant-wide grant, so no admin role needed).
    preAuthorizedApplications: [
      {
        appId: spaApp.appId
        delegatedPermissionIds: [
          scopeId
        ]
      }
    ]
  }
}

// Service principals ("enterprise applications"): without them nobody in the tenant can sign in to the SPA or
// obtain a token for the API.
resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
  owners: owners
}

resource spaServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: spaApp.appId
  owners: owners
}

output apiClientId string = apiApp.appId
output apiObjectId string = apiApp.id
output apiScope string = 'api://${apiApp.appId}/${scopeName}'
output spaClientId string = spaApp.appId
output spaObjectId string = spaApp.id
// Referenced so that both service principals are part of the module's result (and deployment order).
output apiServicePrincipalId string = apiServicePrincipal.id
output spaServicePrincipalId string = spaServicePrincipal.id
