// Static Web App (Free) hosting the SPA's production build. azd deploys `frontend/dist` to it with the SWA CLI
// (service `web` in azure.yaml). The Free plan has no SLA and no private endpoints; Standard adds both.

@description('Static Web Apps region (a short list, see main.bicep).')
param location string
@description('Tags; azd-service-name is added here.')
param tags object
@description('Static Web App name.')
param name string

resource staticSite 'Microsoft.Web/staticSites@2024-11-01' = {
  name: name
  location: location
  // azd deploys service `web` to the one resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {
    // Content comes from `azd deploy` (SWA CLI), not from a GitHub/DevOps build pipeline.
    provider: 'Custom'
  }
}

output defaultHostName string = staticSite.properties.defaultHostname
