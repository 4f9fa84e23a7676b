package infra_test

// The SPA's pre-authorization on the API across a rerun, with Graph's update semantics: each declaration of the
// API app is one request, and a request that sends `api` replaces the whole stored `api` (scopes and
// pre-authorizations alike) with what it sends. Graph replaces a complex-typed property as a whole on PATCH (the
// Microsoft Graph "Update application" reference: properties not sent keep their values, a complex value sent
// replaces the old one), and it rejects pre-authorizing a scope the stored application does not yet have
// (microsoftgraph/microsoft-graph-docs#12675; see checkGraphRequestOrder). So the model below applies the API's
// requests in order, first on an empty directory, then on the registrations a successful deployment left, and
// requires that a rerun never leaves the SPA without its pre-authorization, not even between two requests: if
// the deployment stopped there, users would meet a consent prompt (or, where user consent is off, an admin
// approval request) until the next successful run.

import (
	"regexp"
	"slices"
	"strings"
)

// keptPreAuthorizationsShape is keptPreAuthorizations in entra.bicep, whitespace removed: nothing on the first
// deployment, the SPA an earlier deployment pre-authorized on a rerun, for the scope that deployment created.
const keptPreAuthorizationsShape = "empty(preAuthorizedSpaAppId)?[]:[{appId:preAuthorizedSpaAppIddelegatedPermissionIds:[scopeId]}]"

var whitespace = regexp.MustCompile(`\s+`)

// keepsEarlierPreAuthorization: pre is keptPreAuthorizations, driven by the module's preAuthorizedSpaAppId.
func keepsEarlierPreAuthorization(f *bFile, pre *bValue) bool {
	resolved := resolveValue(f, pre)
	return pre.raw == "keptPreAuthorizations" && resolved != nil && f.decl("param", "preAuthorizedSpaAppId") != nil &&
		whitespace.ReplaceAllString(resolved.raw, "") == keptPreAuthorizationsShape
}

// checkPreAuthorizationKept: the record main.bicep reads back makes pass 1 of a rerun keep the SPA's
// pre-authorization, and the Graph model shows it is never dropped, while the first deployment's requests stay
// valid.
func checkPreAuthorizationKept(p *project) (ps problems) {
	m := p.main()
	entraCall := m.decl("module", "entra")
	if entraCall == nil {
		ps.add("main.bicep has no entra module")
		return
	}
	for what, got := range map[string][2]string{
		"the record's prefix":                 {resolveVar(m, "recordPrefix"), "'${entraAppSuffix}/'"},
		"the SPA read back from the record":   {entraCall.body.get("params", "preAuthorizedSpaAppId").text(), "startsWith(spaPreauthorizedRecord, recordPrefix) ? substring(spaPreauthorizedRecord, length(recordPrefix)) : ''"},
		"the record written for the next run": {textOf(m.decl("output", "AZURE_SPA_PREAUTHORIZED")), "'${recordPrefix}${entra.outputs.spaClientId}'"},
	} {
		if got[0] != got[1] {
			ps.add("main.bicep, %s: %q, want %q", what, got[0], got[1])
		}
	}
	if v, _ := p.params["spaPreauthorizedRecord"].(map[string]any); v["value"] != "${AZURE_SPA_PREAUTHORIZED}" {
		ps.add("main.parameters.json: spaPreauthorizedRecord must read ${AZURE_SPA_PREAUTHORIZED}, the record main.bicep outputs")
	}
	entra := p.bicep["infra/app/entra.bicep"]
	if entra == nil || textOf(entra.decl("output", "spaClientId")) != "spaApp.appId" {
		ps.add("infra/app/entra.bicep: output spaClientId must be spaApp.appId (the pre-authorized SPA)")
		return
	}
	requests, problems := apiRequests(p, entra)
	ps = append(ps, problems...)
	if len(requests) == 0 {
		return
	}
	for _, rerun := range []bool{false, true} {
		ps = append(ps, replayAPIRequests(requests, rerun)...)
	}
	return
}

func textOf(d *bDecl) string {
	if d == nil || d.body == nil {
		return ""
	}
	return d.body.text()
}

// apiRequest is what one declaration of the API app sends in `api`.
type apiRequest struct {
	name    string
	scopes  []string
	preauth []preauthEntry // what it pre-authorizes; kept entries stand for keptPreAuthorizations
	kept    bool
}

type preauthEntry struct {
	app         string // "spa" for the SPA's appId
	permissions []string
}

// apiRequests lists the declarations of the API app in the order ARM sends them (each after those it references).
func apiRequests(p *project, f *bFile) (reqs []apiRequest, ps problems) {
	var api []*bDecl
	for _, d := range f.allResources() {
		if d.typ == "Microsoft.Graph/applications@v1.0" && strings.Contains(d.body.get("uniqueName").text(), "apiUniqueName") {
			api = append(api, d)
		}
	}
	slices.SortStableFunc(api, func(a, b *bDecl) int {
		switch {
		case dependsOn(f, b)[a]:
			return -1
		case dependsOn(f, a)[b]:
			return 1
		}
		return 0
	})
	for _, d := range api {
		if d.body.get("api") == nil {
			continue // leaves `api` as stored
		}
		r := apiRequest{name: d.name, scopes: scopeIDs(f, d)}
		pre := d.body.get("api", "preAuthorizedApplications")
		switch {
		case pre == nil:
		case keepsEarlierPreAuthorization(f, pre):
			r.kept = true
		case resolveValue(f, pre).kind == vArray:
			for _, item := range resolveValue(f, pre).items {
				app := item.get("appId").text()
				if app == "spaApp.appId" {
					app = "spa"
				}
				r.preauth = append(r.preauth, preauthEntry{app, itemTexts(item.get("delegatedPermissionIds"))})
			}
		default:
			ps.add("%s: api.preAuthorizedApplications %q is neither a list nor keptPreAuthorizations", d.name, pre.raw)
		}
		reqs = append(reqs, r)
	}
	if len(reqs) == 0 {
		ps.add("no declaration of the API app sends `api`")
	}
	return
}

// replayAPIRequests applies the requests to the stored application: on the first deployment an empty one, on a
// rerun the one a successful deployment left (every scope, the SPA pre-authorized, and a record of it).
func replayAPIRequests(reqs []apiRequest, rerun bool) (ps problems) {
	when := "the first deployment"
	var scopes []string
	var preauth []preauthEntry
	if rerun {
		when = "a rerun"
		scopes = slices.Clone(reqs[0].scopes)
		preauth = []preauthEntry{{"spa", scopes}}
	}
	hasSPA := func() bool { return slices.ContainsFunc(preauth, func(e preauthEntry) bool { return e.app == "spa" }) }
	for i, r := range reqs {
		sent := r.preauth
		if r.kept && rerun {
			sent = []preauthEntry{{"spa", []string{"scopeId"}}}
		}
		for _, e := range sent {
			for _, id := range e.permissions {
				if !slices.Contains(scopes, id) {
					ps.add("%s: Graph rejects %s (and every rerun alike): it pre-authorizes scope %s, which the stored application does not have yet", when, r.name, id)
					return
				}
			}
		}
		scopes, preauth = r.scopes, sent // the whole `api` is replaced
		if rerun && !hasSPA() && i < len(reqs)-1 {
			ps.add("%s: %s sends `api` without the SPA's pre-authorization, and Graph replaces `api` as a whole: the SPA loses it until %s (for good if the deployment stops in between)", when, r.name, reqs[i+1].name)
		}
	}
	if !hasSPA() {
		ps.add("%s: after the last request the SPA is not pre-authorized", when)
	}
	return
}
