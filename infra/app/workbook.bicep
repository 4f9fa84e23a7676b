// The operations workbook (Azure portal: Monitor > Workbooks, or the Application Insights component > Workbooks):
// requests, latency by route, errors by problem type, storage calls by outcome and instance count, all from the
// component's requests and the handler's JSON lines. Its content is app/workbook.json (the portal's "Advanced editor"
// shape), whose queries docs/kusto_test.go checks against the log contract.

@description('Region of the workbook (the component\'s).')
param location string
@description('Tags applied to the workbook (azd-env-name).')
param tags object
@description('Application Insights component the workbook reads.')
param appInsightsName string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// A workbook's name must be a GUID; this one is stable per component, so a rerun updates it.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'tasks-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Tasks API operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('workbook.json')
    version: 'Notebook/1.0'
  }
}

output id string = workbook.id
