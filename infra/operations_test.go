package infra_test

// Operations (issue 28; docs/operations.md): the alerts and the action group that sends them, the operations
// workbook, and the Flex Consumption scale parameters. Mutations at the end of mutations_test.go prove each check can
// fail. What the checks cannot see: whether Azure accepts the values (a metric name, a dimension value); the property
// names and literal values are checked against Azure's own type data by checkVendoredTypes (biceptypes_test.go).

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strings"
)

// The environment variables behind the new parameters, with the defaults main.parameters.json gives.
var operationsParams = map[string]string{
	"alertEmail":                 "${AZURE_ALERT_EMAIL}",
	"maximumInstanceCount":       "${AZURE_FUNCTIONS_MAXIMUM_INSTANCE_COUNT=40}",
	"httpPerInstanceConcurrency": "${AZURE_FUNCTIONS_HTTP_CONCURRENCY=16}",
	"alwaysReadyInstances":       "${AZURE_FUNCTIONS_ALWAYS_READY=0}",
}

func paramValue(p *project, name string) string {
	v, _ := p.params[name].(map[string]any)
	s, _ := v["value"].(string)
	return s
}

// alertsFile is the module main.bicep calls `alerts`.
func alertsFile(p *project, ps *problems) *bFile {
	call := p.main().decl("module", "alerts")
	if call == nil || call.condition != "" || call.loop {
		ps.add("main.bicep must call app/alerts.bicep as module alerts, unconditionally")
		return nil
	}
	for param, want := range map[string]string{
		"alertEmail":         "alertEmail",
		"functionAppName":    "api.outputs.name",
		"storageAccountName": "storage.outputs.name",
		"appInsightsName":    "monitoring.outputs.appInsightsName",
	} {
		if got := call.body.get("params", param).text(); got != want {
			ps.add("module alerts: %s = %q, want %s", param, got, want)
		}
	}
	return p.moduleFile(call)
}

// resourceIn returns the one resource of typ declared in f.
func resourcesIn(f *bFile, typ string) []*bDecl {
	var out []*bDecl
	for _, r := range f.allResources() {
		if strings.EqualFold(r.resourceType(), typ) && !r.existing {
			out = append(out, r)
		}
	}
	return out
}

func checkActionGroup(p *project) (ps problems) {
	m := p.main()
	if d := m.decl("param", "alertEmail"); d == nil || d.typ != "string" || d.body.text() != "''" {
		ps.add("main.bicep: want param alertEmail string = '' (no action group by default)")
	}
	if got := paramValue(p, "alertEmail"); got != operationsParams["alertEmail"] {
		ps.add("main.parameters.json alertEmail = %q, want %s", got, operationsParams["alertEmail"])
	}
	f := alertsFile(p, &ps)
	if f == nil {
		return
	}
	groups := resourcesIn(f, "Microsoft.Insights/actionGroups")
	if len(groups) != 1 {
		ps.add("%s: want one action group, found %d", f.path, len(groups))
		return
	}
	g := groups[0]
	// No address, no group: nothing that could send to nobody, or to an address left over from a template.
	if g.condition != "(!empty(alertEmail))" {
		ps.add("action group %s: condition = %q, want !empty(alertEmail)", g.name, g.condition)
	}
	props := g.body.get("properties")
	receivers := props.get("emailReceivers").itemsOrNil()
	if len(receivers) != 1 || receivers[0].get("emailAddress").text() != "alertEmail" {
		ps.add("action group %s: want exactly one email receiver, emailAddress: alertEmail", g.name)
	}
	for _, kind := range []string{"smsReceivers", "webhookReceivers", "armRoleReceivers", "azureAppPushReceivers", "voiceReceivers"} {
		if props.get(kind) != nil {
			ps.add("action group %s: %s: only the email parameter may add a receiver", g.name, kind)
		}
	}
	if short := strings.Trim(props.get("groupShortName").text(), "'"); len(short) == 0 || len(short) > 12 {
		ps.add("action group %s: groupShortName %q must be 1 to 12 characters", g.name, short)
	}
	if props.get("enabled").text() != "true" {
		ps.add("action group %s must be enabled", g.name)
	}
	// What azd passes: no address in a fresh environment or a pipeline without the variable, the address when set.
	for which, env := range firstRunEnvironments(p) {
		values, _, err := azdParameters(p, env)
		if err != nil {
			ps.add("%s: %v", which, err)
		} else if got := effectiveParameter(p, values, "alertEmail"); got != "" {
			ps.add("%s: alertEmail = %v, want empty (no action group)", which, got)
		}
	}
	set := azdEnvironment{dotenv: map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "westeurope", "AZURE_ALERT_EMAIL": "oncall@example.com"}}
	if values, _, err := azdParameters(p, set); err != nil || effectiveParameter(p, values, "alertEmail") != "oncall@example.com" {
		ps.add("`azd env set AZURE_ALERT_EMAIL ...` must reach alertEmail (main.parameters.json); err %v", err)
	}
	return
}

// The alerts the issue asks for, each with its condition and the action group when there is one.
func checkAlerts(p *project) (ps problems) {
	f := alertsFile(p, &ps)
	if f == nil {
		return
	}
	if got := resolveVar(f, "metricAlertActions"); got != "empty(alertEmail) ? [] : [ { actionGroupId: actionGroup.id } ]" {
		ps.add("%s: metricAlertActions = %q, want empty(alertEmail) ? [] : [ { actionGroupId: actionGroup.id } ]", f.path, got)
	}
	if got := resolveVar(f, "logAlertActionGroups"); got != "empty(alertEmail) ? [] : [ actionGroup.id ]" {
		ps.add("%s: logAlertActionGroups = %q, want empty(alertEmail) ? [] : [ actionGroup.id ]", f.path, got)
	}
	if f.decl("resource", "actionGroup") == nil {
		ps.add("%s: the action group must be the resource actionGroup (the alerts' actions name it)", f.path)
	}

	// Metric alerts: one criterion each, on the resource it watches.
	metric := map[string]*bDecl{}
	for _, a := range resourcesIn(f, "Microsoft.Insights/metricAlerts") {
		props := a.body.get("properties")
		crit := props.get("criteria", "allOf").itemsOrNil()
		if len(crit) != 1 {
			ps.add("metric alert %s: want one criterion, found %d", a.name, len(crit))
			continue
		}
		metric[strings.Trim(crit[0].get("metricName").text(), "'")] = a
		if props.get("actions").text() != "metricAlertActions" {
			ps.add("metric alert %s: actions = %q, want metricAlertActions (the action group when an email is given)", a.name, props.get("actions").text())
		}
		if props.get("enabled").text() != "true" {
			ps.add("metric alert %s must be enabled", a.name)
		}
		if a.condition != "" {
			ps.add("metric alert %s must exist whether or not an email is given (condition %q)", a.name, a.condition)
		}
	}
	expectMetric := func(metricName, scope, namespace string) *bValue {
		a := metric[metricName]
		if a == nil {
			ps.add("%s: no metric alert on %s", f.path, metricName)
			return nil
		}
		props := a.body.get("properties")
		c := props.get("criteria", "allOf").itemsOrNil()[0]
		if got := itemTexts(props.get("scopes")); !slices.Equal(got, []string{scope}) {
			ps.add("metric alert %s: scopes = %v, want [%s]", a.name, got, scope)
		}
		if got := c.get("metricNamespace").text(); got != "'"+namespace+"'" {
			ps.add("metric alert %s: metricNamespace = %s, want '%s'", a.name, got, namespace)
		}
		// The type data allows any string here (an open enum), so the check names the one static threshold kind.
		if c.get("criterionType").text() != "'StaticThresholdCriterion'" {
			ps.add("metric alert %s: criterionType = %s, want 'StaticThresholdCriterion'", a.name, c.get("criterionType").text())
		}
		if c.get("operator").text() != "'GreaterThan'" || c.get("timeAggregation").text() != "'Total'" {
			ps.add("metric alert %s: want operator 'GreaterThan' on timeAggregation 'Total' (a count over the window)", a.name)
		}
		return c
	}
	expectMetric("Http5xx", "functionApp.id", "Microsoft.Web/sites")
	if c := expectMetric("Transactions", "storageAccount.id", "Microsoft.Storage/storageAccounts"); c != nil {
		dims := c.get("dimensions").itemsOrNil()
		want := []string{"'ServerBusyError'", "'ServerTimeoutError'", "'ClientThrottlingError'", "'ClientTimeoutError'"}
		if len(dims) != 1 || dims[0].get("name").text() != "'ResponseType'" || dims[0].get("operator").text() != "'Include'" ||
			!slices.Equal(itemTexts(dims[0].get("values")), want) {
			ps.add("storage alert: want one dimension ResponseType Include %v (throttling and time-outs only)", want)
		}
	}

	// Log alerts: the query file each loads, and what it must select.
	logAlerts := map[string]string{} // query file -> alert name
	for _, a := range resourcesIn(f, "Microsoft.Insights/scheduledQueryRules") {
		props := a.body.get("properties")
		crit := props.get("criteria", "allOf").itemsOrNil()
		if len(crit) != 1 {
			ps.add("log alert %s: want one criterion, found %d", a.name, len(crit))
			continue
		}
		m := regexp.MustCompile(`^loadTextContent\('([^']+\.kql)'\)$`).FindStringSubmatch(crit[0].get("query").text())
		if m == nil {
			ps.add("log alert %s: query must be loadTextContent('<file>.kql'), so the runbook test can read it", a.name)
			continue
		}
		logAlerts[path.Join(path.Dir(f.path), m[1])] = a.name
		if got := itemTexts(props.get("scopes")); !slices.Equal(got, []string{"appInsights.id"}) {
			ps.add("log alert %s: scopes = %v, want [appInsights.id] (the handler's lines are its traces)", a.name, got)
		}
		if props.get("actions", "actionGroups").text() != "logAlertActionGroups" {
			ps.add("log alert %s: actions.actionGroups = %q, want logAlertActionGroups", a.name, props.get("actions", "actionGroups").text())
		}
		if a.body.get("kind").text() != "'LogAlert'" || props.get("enabled").text() != "true" || a.condition != "" {
			ps.add("log alert %s: want kind 'LogAlert', enabled, unconditional", a.name)
		}
		if crit[0].get("operator").text() != "'GreaterThan'" || crit[0].get("threshold").text() != "0" || crit[0].get("timeAggregation").text() != "'Count'" {
			ps.add("log alert %s: want Count GreaterThan 0 (any such line alerts)", a.name)
		}
		if props.get("skipQueryValidation").text() == "true" {
			ps.add("log alert %s: keep query validation, so a broken query fails the deployment", a.name)
		}
	}
	queryLike := func(what string, needles ...string) {
		for file := range logAlerts {
			q := p.files[file]
			if containsAll(q, needles...) {
				return
			}
		}
		ps.add("%s: no log alert whose query selects %s (%v)", f.path, what, needles)
	}
	for file, name := range logAlerts {
		if _, ok := p.files[file]; !ok {
			ps.add("log alert %s loads %s, which does not exist", name, file)
		}
	}
	queryLike("the handler's ERROR lines", "traces", "parse_json(message)", `tostring(line.level) == "ERROR"`)
	queryLike("the key set's outage", "traces", "parse_json(message)", `tostring(line.msg) == "keys unavailable"`)
	return
}

func containsAll(s string, needles ...string) bool {
	for _, n := range needles {
		if !strings.Contains(s, n) {
			return false
		}
	}
	return true
}

// workbookJSON is app/workbook.json's shape, as far as the checks read it.
type workbookJSON struct {
	Version string `json:"version"`
	Items   []struct {
		Type    int    `json:"type"`
		Name    string `json:"name"`
		Content struct {
			Version    string `json:"version"`
			Query      string `json:"query"`
			Title      string `json:"title"`
			TimeParam  string `json:"timeContextFromParameter"`
			Resource   string `json:"resourceType"`
			Visualizer string `json:"visualization"`
		} `json:"content"`
	} `json:"items"`
}

// The workbook the issue asks for: one query per view, each on the component, within the chosen time range.
func checkWorkbook(p *project) (ps problems) {
	call := p.main().decl("module", "workbook")
	if call == nil || call.body.get("params", "appInsightsName").text() != "monitoring.outputs.appInsightsName" {
		ps.add("main.bicep must call app/workbook.bicep as module workbook with appInsightsName: monitoring.outputs.appInsightsName")
		return
	}
	f := p.moduleFile(call)
	if f == nil {
		ps.add("module workbook: %s not found", call.typ)
		return
	}
	wbs := resourcesIn(f, "Microsoft.Insights/workbooks")
	if len(wbs) != 1 {
		ps.add("%s: want one workbook, found %d", f.path, len(wbs))
		return
	}
	props := wbs[0].body.get("properties")
	if props.get("sourceId").text() != "appInsights.id" || wbs[0].body.get("kind").text() != "'shared'" {
		ps.add("workbook: want kind 'shared' and sourceId appInsights.id")
	}
	if !strings.HasPrefix(wbs[0].body.get("name").text(), "guid(") {
		ps.add("workbook: its name must be a guid(...) (Azure requires a GUID; a stable one lets a rerun update it)")
	}
	m := regexp.MustCompile(`^loadTextContent\('([^']+\.json)'\)$`).FindStringSubmatch(props.get("serializedData").text())
	if m == nil {
		ps.add("workbook: serializedData must be loadTextContent('<file>.json')")
		return
	}
	file := path.Join(path.Dir(f.path), m[1])
	var wb workbookJSON
	if err := json.Unmarshal([]byte(p.files[file]), &wb); err != nil {
		ps.add("%s: %v", file, err)
		return
	}
	if wb.Version != "Notebook/1.0" {
		ps.add("%s: version = %q, want Notebook/1.0", file, wb.Version)
	}
	queries := map[string]string{}
	for _, it := range wb.Items {
		if it.Type != 3 {
			continue
		}
		queries[it.Name] = it.Content.Query
		if it.Content.Version != "KqlItem/1.0" || it.Content.Resource != "microsoft.insights/components" || it.Content.TimeParam != "TimeRange" {
			ps.add("%s: item %s: want a KqlItem/1.0 on microsoft.insights/components within the TimeRange parameter", file, it.Name)
		}
	}
	for name, needles := range map[string][]string{
		"requests":           {"requests", "resultCode"},
		"latency-by-route":   {"parse_json(message)", `tostring(line.msg) == "request"`, "line.route", "line.ms", "percentile("},
		"errors-by-problem":  {"parse_json(message)", `tostring(line.msg) == "request"`, "line.problem", "toint(line.status) >= 400"},
		"storage-by-outcome": {"parse_json(message)", `tostring(line.msg) == "storage"`, "line.outcome"},
		"instances":          {"requests", "dcount(cloud_RoleInstance)"},
	} {
		q, ok := queries[name]
		if !ok {
			ps.add("%s: no query item %s", file, name)
		} else if !containsAll(q, needles...) {
			ps.add("%s: item %s must use %v", file, name, needles)
		}
	}
	return
}

// The scale parameters reach the function app, with the defaults main.bicep argues for.
func checkScaleParams(p *project) (ps problems) {
	m := p.main()
	for name, want := range map[string]struct{ def, min, max string }{
		"maximumInstanceCount":       {"40", "@minValue(40)", "@maxValue(1000)"},
		"httpPerInstanceConcurrency": {"16", "@minValue(1)", "@maxValue(1000)"},
		"alwaysReadyInstances":       {"0", "@minValue(0)", "@maxValue(20)"},
	} {
		d := m.decl("param", name)
		if d == nil || d.typ != "int" || d.body.text() != want.def {
			ps.add("main.bicep: want param %s int = %s", name, want.def)
		} else if !slices.Contains(d.decorators, want.min) || !slices.Contains(d.decorators, want.max) {
			ps.add("main.bicep param %s: want %s and %s, got %v", name, want.min, want.max, d.decorators)
		}
		if got := paramValue(p, name); got != operationsParams[name] {
			ps.add("main.parameters.json %s = %q, want %s", name, got, operationsParams[name])
		}
		if call := m.decl("module", "api"); call == nil || call.body.get("params", name).text() != name {
			ps.add("main.bicep must pass %s: %s to the api module", name, name)
		}
	}
	sites := p.resourcesOfType("Microsoft.Web/sites")
	if len(sites) != 1 {
		return
	}
	sc := sites[0].body.get("properties", "functionAppConfig", "scaleAndConcurrency")
	if got := sc.get("maximumInstanceCount").text(); got != "maximumInstanceCount" {
		ps.add("function app maximumInstanceCount = %q, want the parameter", got)
	}
	if got := sc.get("triggers", "http", "perInstanceConcurrency").text(); got != "httpPerInstanceConcurrency" {
		ps.add("function app triggers.http.perInstanceConcurrency = %q, want the parameter httpPerInstanceConcurrency", got)
	}
	f := p.fileOf(sites[0])
	want := "alwaysReadyInstances > 0 ? [ { name: 'http', instanceCount: alwaysReadyInstances } ] : []"
	if got := resolveVar(f, sc.get("alwaysReady").text()); got != want {
		ps.add("function app alwaysReady = %q, want %s (the group 'http'; none when 0)", got, want)
	}
	// A pipeline run with the variables unset gets the defaults; `azd env set` reaches the app.
	set := azdEnvironment{dotenv: map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "westeurope",
		"AZURE_FUNCTIONS_MAXIMUM_INSTANCE_COUNT": "200", "AZURE_FUNCTIONS_HTTP_CONCURRENCY": "32", "AZURE_FUNCTIONS_ALWAYS_READY": "1"}}
	values, _, err := azdParameters(p, set)
	if err != nil {
		ps.add("azd parameters: %v", err)
		return
	}
	for name, want := range map[string]int64{"maximumInstanceCount": 200, "httpPerInstanceConcurrency": 32, "alwaysReadyInstances": 1} {
		if got := effectiveParameter(p, values, name); got != want {
			ps.add("azd env set must reach %s: got %v (%T), want %v", name, got, got, want)
		}
	}
	return
}
