// The Tasks API: a Flex Consumption (FC1) function app whose HTTP functions are served by the Go custom handler
// (`make build` stages build/: host.json, one folder per function.json, the linux/amd64 binary `handler`).
// Every dependency is reached with the user-assigned identity: no keys, no connection strings with secrets.

@description('Region of the plan and the app (a Flex Consumption region).')
param location string
@description('Tags; azd-service-name is added to the app.')
param tags object
@description('Function app name (globally unique: <name>.azurewebsites.net).')
param name string
@description('Flex Consumption plan name.')
param planName string
@description('Storage account for host state, the deployment package and the tasks table.')
param storageAccountName string
@description('Blob container holding the deployment package.')
param deploymentContainerName string
@description('Table the handler uses (TASKS_TABLE).')
param tableName string
@description('Application Insights component receiving the host\'s telemetry.')
param appInsightsName string
@description('User-assigned identity the app runs as.')
param identityName string
@description('Client id of the API app registration (AZURE_API_CLIENT_ID): the audience the handler accepts.')
param apiClientId string
@description('Delegated scope the handler requires (API_REQUIRED_SCOPE).')
param apiScopeName string
@description('Origin of the deployed SPA (https://<swa host>), allowed by CORS.')
param spaOrigin string
@description('Other https origins serving the SPA (custom domains), also allowed by CORS.')
param extraOrigins array
@description('Local development origins (Vite dev server, vite preview) also allowed by CORS; empty in production.')
param localDevOrigins array
@description('Memory of each instance in MB (Flex Consumption: 512, 2048 or 4096).')
param instanceMemoryMB int
@description('Most instances the app scales out to (Flex Consumption: 40 to 1000; see main.bicep).')
param maximumInstanceCount int
@description('Concurrent HTTP requests one instance takes before the platform adds another (see main.bicep).')
param httpPerInstanceConcurrency int
@description('Instances kept running for the HTTP functions even when idle; 0: scale to zero (see main.bicep).')
param alwaysReadyInstances int
@description('Authentication context an admin erase requires (ADMIN_AUTH_CONTEXT), e.g. c1; empty: no step-up.')
param adminAuthContext string
@description('Tenant ids whose tokens the handler accepts, comma-separated (AZURE_ALLOWED_TENANTS); empty: this tenant alone.')
param allowedTenants string = ''

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

// Always-ready instances for the group 'http', which holds every HTTP trigger of the app
// (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#always-ready-instances); none: scale to zero.
var alwaysReady = alwaysReadyInstances > 0 ? [ { name: 'http', instanceCount: alwaysReadyInstances } ] : []

// Flex Consumption: scale to zero, per-execution billing, Linux. One app per plan.
resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux (Flex Consumption is Linux only).
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  // azd deploys service `api` to the one resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    // Redirect http to https; bearer tokens never travel in clear text.
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      // The host answers CORS preflights itself (the handler does no CORS). Bearer tokens, no cookies: no
      // credentials mode needed.
      cors: {
        allowedOrigins: concat([ spaOrigin ], extraOrigins, localDevOrigins)
        supportCredentials: false
      }
    }
    functionAppConfig: {
      // The package azd deploys is stored in this container and read with the app's identity (Blob Data Owner).
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      // Defaults and their reasons are in main.bicep, beside the parameters.
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
        alwaysReady: alwaysReady
      }
      // Custom handler on Flex: exactly this catalog entry (an uncatalogued version deploys, then fails with 500s).
      // It replaces FUNCTIONS_WORKER_RUNTIME, which must not be set on Flex.
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

// All app settings, in one object (with the optional ones below): the resource replaces the whole set on every
// deployment.
// Not set, on purpose: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION (rejected or ignored on Flex, the
// runtime comes from functionAppConfig), WEBSITE_RUN_FROM_PACKAGE / WEBSITE_CONTENT* (not used by Flex),
// TABLES_CONNECTION_STRING (local Azurite only; the handler refuses to start if both TABLES_* are set), and
// ENTRA_JWKS_URL (the handler defaults to this tenant's v2 key set).
var handlerAppSettings = {
  // Host storage through the identity (no AzureWebJobsStorage connection string).
  AzureWebJobsStorage__accountName: storageAccount.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  // Telemetry. The connection string only identifies the component (local auth is disabled on it); the
  // authentication string makes the host send with an Entra token of the identity (Metrics Publisher role).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  // Handler settings (docs/design.md, "Settings"): which tokens to accept...
  AZURE_TENANT_ID: tenant().tenantId
  AZURE_API_CLIENT_ID: apiClientId
  API_REQUIRED_SCOPE: apiScopeName
  // The cloud's Entra host: issuers and the key set URL follow it, so a US Government or China deployment
  // accepts its own cloud's tokens (https://login.microsoftonline.com/ in the public cloud).
  AZURE_AUTHORITY_HOST: environment().authentication.loginEndpoint
  // ...and where the tasks live, reached with the user-assigned identity (azidentity reads AZURE_CLIENT_ID).
  TABLES_ENDPOINT: 'https://${storageAccount.name}.table.${environment().suffixes.storage}'
  AZURE_CLIENT_ID: identity.properties.clientId
  TASKS_TABLE: tableName
  // ...and whether an admin erase needs a stronger sign-in (empty: no; the handler accepts an empty value as unset).
  ADMIN_AUTH_CONTEXT: adminAuthContext
}

// Multi-tenant mode: the tenants the handler accepts (docs/multi-tenant.md). Only when some are listed: without the
// setting the handler accepts this tenant alone, as it always has, so a single-tenant deployment's settings are the
// same as before.
var allowedTenantsSetting = empty(allowedTenants) ? {} : { AZURE_ALLOWED_TENANTS: allowedTenants }

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(handlerAppSettings, allowedTenantsSetting)
}

output name string = functionApp.name
// Origin only: the SPA appends the /api/... routes (host.json routePrefix "api").
output baseUrl string = 'https://${functionApp.properties.defaultHostName}'
