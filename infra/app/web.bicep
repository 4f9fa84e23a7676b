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
    // No preview (staging) environments: each would be served from its own host name, which is not a registered
    // redirect URI of the SPA (Entra allows no wildcards there), so sign-in would fail in it with AADSTS50011.
    // azd deploys to the production environment only. To use one, enable this and add its origin to
    // AZURE_SPA_EXTRA_ORIGINS (docs/deploy.md).
    stagingEnvironmentPolicy: 'Disabled'
  }
}

output defaultHostName string = staticSite.properties.defaultHostname
