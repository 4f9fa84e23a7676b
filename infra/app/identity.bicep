// A user-assigned identity. The function app's (user-assigned, not system-assigned, so that its role assignments can
// be created, and can propagate, before the function app exists and its host first touches storage), and, with
// AZURE_DAEMON_IDENTITY, the daemon identity: a first app-only caller of the API, to attach to a VM, an App Service
// or a Functions app of one's own.

@description('Region of the identity.')
param location string
@description('Tags applied to the identity (azd-env-name).')
param tags object
@description('Identity name.')
param name string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output name string = uami.name
output principalId string = uami.properties.principalId
output clientId string = uami.properties.clientId
output id string = uami.id
