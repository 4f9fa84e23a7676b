// Storage account for the function app: the Functions host's own state (AzureWebJobsStorage, blobs), the
// Flex Consumption deployment package (a blob container), and the tasks table the handler reads and writes.
// Shared-key access is disabled: every client (host, handler, azd, a developer) authenticates with Entra ID.

@description('Region of the account.')
param location string
@description('Tags applied to the account (azd-env-name).')
param tags object
@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string
@description('Blob container that holds the deployment package azd uploads (Flex Consumption).')
param deploymentContainerName string
@description('Table the handler stores tasks in (TASKS_TABLE).')
param tableName string

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Locally redundant is enough for a template; choose ZRS/GZRS for production data.
    name: 'Standard_LRS'
  }
  properties: {
    // No account keys, no SAS signed with them: Entra ID (RBAC) only. Also why the handler uses TABLES_ENDPOINT
    // with a managed identity in Azure, never a connection string.
    allowSharedKeyAccess: false
    // The portal and tools default to Entra ID too.
    defaultToOAuthAuthentication: true
    // No anonymous reads of any container.
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowCrossTenantReplication: false
    // Reachable over the public endpoint (Flex without a VNet, azd deploy, local runs), but only with a token.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobServices 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

// Flex Consumption runs the app from a package in this container (functionAppConfig.deployment in api.bicep).
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobServices
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableServices 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

// Created here (control plane) so it exists before the first request; the handler also creates it if missing.
resource tasksTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableServices
  name: tableName
}

// The users index and the admin audit log sit beside it under names the handler derives from TASKS_TABLE
// (handler/tablestore: <table>users, <table>audit); declared for the same reason.
resource usersTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableServices
  name: '${tableName}users'
}

resource auditTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableServices
  name: '${tableName}audit'
}

output name string = account.name
output deploymentContainerName string = deploymentContainer.name
output tableName string = tasksTable.name
// No trailing slash (primaryEndpoints.table has one): the form the handler expects in TABLES_ENDPOINT.
output tableEndpoint string = 'https://${account.name}.table.${environment().suffixes.storage}'
