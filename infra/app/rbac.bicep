// Data-plane role assignments. Nothing here grants management-plane (control) rights.
//
// Role definition ids are built-in and identical in every tenant (same ids as the azd Flex templates,
// Azure-Samples/functions-quickstart-dotnet-azd infra/app/rbac.bicep).
// Assignment names are guid(scope, principal, role): deterministic, so re-running `azd up` is a no-op instead of
// a RoleAssignmentExists conflict.

@description('Storage account holding the host state, the deployment container and the tasks table.')
param storageAccountName string
@description('Application Insights component the app sends telemetry to.')
param appInsightsName string
@description('Principal (object) id of the function app\'s user-assigned identity.')
param identityPrincipalId string
@description('Object id of the deploying user or CI principal; empty skips its assignments.')
param userPrincipalId string = ''
@description('Type of userPrincipalId: User, or ServicePrincipal when azd runs in CI.')
@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var roles = {
  // Host state (AzureWebJobsStorage blobs: leases, keys) and reading the Flex deployment package.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // The tasks table (read/write entities; create the table if missing needs account scope, hence not the table).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Sending telemetry to Application Insights with an Entra token (local auth is disabled).
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Storage Queue Data Contributor is deliberately absent: the app has only HTTP triggers and uses no queues.

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// --- The function app's identity ---

resource identityBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, identityPrincipalId, roles.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identityPrincipalId
    // Set explicitly: a just-created identity may not have replicated yet, and ARM then fails without it.
    principalType: 'ServicePrincipal'
  }
}

resource identityTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, identityPrincipalId, roles.storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identityMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- The deploying principal: the same data roles. Shared keys are disabled, so without them the developer
// could not even browse the deployed tasks table or deployment container (portal, Storage Explorer,
// `az storage entity query --auth-mode login`) or run tools against them with their own Entra credentials.
// Remove these three for production environments where people should not read user data. ---

resource userBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storageAccount.id, userPrincipalId, roles.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storageAccount.id, userPrincipalId, roles.storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(appInsights.id, userPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}
