// Alerts for the person on call, and the action group that sends them. Each alert has a section in
// docs/operations.md saying what it means, the query to run and what to do; keep the names in step.
// The log alerts read the handler's JSON lines (the log contract of issue 28: "msg", "level", "traceId", ...), which
// the Functions host stores as Application Insights `traces` rows whose message is the line.

@description('Region of the log alerts (metric alerts and the action group are global).')
param location string
@description('Tags applied to every resource (azd-env-name).')
param tags object
@description('Seeds the resource names (the same token as every other resource of the environment).')
param resourceToken string
@description('Email address alerts are sent to; empty: no action group, the alerts notify nobody.')
param alertEmail string
@description('Function app whose HTTP 5xx responses are counted.')
param functionAppName string
@description('Storage account (host state and the tasks table) whose throttled and timed-out calls are counted.')
param storageAccountName string
@description('Application Insights component holding the handler\'s lines (traces).')
param appInsightsName string

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Only with an address: an action group without receivers would notify nobody anyway.
// groupShortName: at most 12 characters (it prefixes the messages sent).
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-oncall-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'tasksoncall'
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: alertEmail
        // One payload shape for metric and log alerts
        // (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema).
        useCommonAlertSchema: true
      }
    ]
  }
}

// The two alert kinds name their action groups differently: a metric alert takes a list of { actionGroupId }, a log
// alert { actionGroups: [ ids ] }. Both empty without an address.
var metricAlertActions = empty(alertEmail) ? [] : [ { actionGroupId: actionGroup.id } ]
var logAlertActionGroups = empty(alertEmail) ? [] : [ actionGroup.id ]

// The function app answered 5xx: more than a handful in 5 minutes. No client input ever causes a 5xx (docs/design.md),
// so each one is the app, the host or a dependency failing. Http5xx is Microsoft.Web/sites' "Http Server Errors"
// (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-web-sites-metrics).
resource http5xxAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-api-5xx-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'The Tasks API answered more than 5 requests with 5xx in 5 minutes. Runbook: docs/operations.md, "API 5xx".'
    severity: 1
    enabled: true
    scopes: [
      functionApp.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    targetResourceType: 'Microsoft.Web/sites'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'http5xx'
          metricNamespace: 'Microsoft.Web/sites'
          metricName: 'Http5xx'
          operator: 'GreaterThan'
          threshold: 5
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: metricAlertActions
  }
}

// Storage refused or did not finish calls in time: the account's Transactions whose ResponseType is one of the
// throttling and time-out values (https://learn.microsoft.com/azure/storage/tables/monitor-table-storage-reference,
// "Metric dimensions": ServerBusyError = 503, ServerTimeoutError = 500 timed out on the service's side,
// ClientThrottlingError = client-side throttling, ClientTimeoutError = timed out against the client's own limit).
// The handler names the same calls "throttled" and "timeout" in its storage lines; this counts the host's calls too.
resource storageThrottlingAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-storage-throttling-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Table/Blob Storage throttled or timed out more than 10 calls in 5 minutes. Runbook: docs/operations.md, "Storage throttling".'
    severity: 2
    enabled: true
    scopes: [
      storageAccount.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    targetResourceType: 'Microsoft.Storage/storageAccounts'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttledOrTimedOut'
          metricNamespace: 'Microsoft.Storage/storageAccounts'
          metricName: 'Transactions'
          dimensions: [
            {
              name: 'ResponseType'
              operator: 'Include'
              values: [
                'ServerBusyError'
                'ServerTimeoutError'
                'ClientThrottlingError'
                'ClientTimeoutError'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 10
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: metricAlertActions
  }
}

// The handler logged an ERROR line (other than the key set's own, which has its alert below). The query is
// infra/app/queries/handler-errors.kql, checked with the runbook's queries by docs/kusto_test.go.
// The query is validated when the rule is deployed (skipQueryValidation is left false), so a typo fails `azd provision`.
resource handlerErrorsAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-handler-errors-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Tasks API handler errors'
    description: 'The handler logged ERROR lines in the last 5 minutes. Runbook: docs/operations.md, "Handler errors".'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('queries/handler-errors.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: logAlertActionGroups
    }
  }
}

// Requests answered 503 because the handler holds no signing keys: nobody can be authenticated. Severity 1, like
// the 5xx alert: every signed-in call fails while it lasts.
resource keysUnavailableAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-keys-unavailable-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Tasks API signing keys unavailable'
    description: 'Requests were answered 503 because no Entra signing keys are held. Runbook: docs/operations.md, "Keys unavailable".'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('queries/keys-unavailable.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: logAlertActionGroups
    }
  }
}
