// Monitoring: a Log Analytics workspace and a workspace-based Application Insights component.
// Local (key) authentication is disabled on both: telemetry is accepted only with an Entra token, which the
// function app gets from its user-assigned identity (Monitoring Metrics Publisher, see rbac.bicep, and
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING, see api.bicep).

@description('Region of both resources.')
param location string
@description('Tags applied to both resources (azd-env-name).')
param tags object
@description('Log Analytics workspace name.')
param logAnalyticsName string
@description('Application Insights component name.')
param appInsightsName string

// Where Application Insights stores its data (classic, non-workspace components are retired).
resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    // Pay-as-you-go; 30 days is the retention included in the price.
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    features: {
      // No shared-key ingestion or query: Entra ID only.
      disableLocalAuth: true
    }
  }
}

// Telemetry of the Functions host (requests, failures, handler stdout as traces).
resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // The connection string then only identifies the component; sending telemetry needs an Entra token.
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name
