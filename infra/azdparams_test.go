package infra_test

// Which main.bicep parameters azd asks for, and the values it passes: infra/main.parameters.json read the way the
// Bicep provider reads it. From Azure/azure-dev (snapshot ae35809, Aug 2026),
// cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go:
//   - loadParameters: each entry of main.parameters.json is substituted on its own (json.Marshal of the entry, then
//     drone/envsubst v1.0.3 Eval over that text) with evalParamEnvSubst's lookup: AZURE_PRINCIPAL_ID and
//     AZURE_PRINCIPAL_TYPE come from the signed-in principal, every other name from the azd environment, else
//     azd's own process environment (environment.go LookupEnv). A string that comes out empty while a variable it
//     names is unset is dropped, as is a null value; an array or object parameter's string is parsed as JSON.
//   - ensureParameters: a parameter with a value left (armParameterFileValue: a bool or int parsed from its string;
//     an empty string only when it differs from the default) is passed; otherwise one with a default or nullable
//     needs nothing; otherwise a value saved from an earlier prompt (.azure/<env>/config.json) or an azd
//     `generate` metadata; otherwise azd prompts for it, and with --no-prompt fails (buildMissingInputsError).
//   - drone/envsubst (template.go evalFunc, funcs.go toDefault): the variable is always looked up, and
//     ${X=d}, ${X:=d}, ${X-d} and ${X:-d} all give d when X is empty or unset.
// And when: `azd up` runs all of this (cmd/up.go Run: provisioningManager.Initialize, then the Bicep provider's
// Initialize → EnsureEnv → ensureParameters) before the steps of `workflows.up`, so before the preprovision hook,
// which the hooks middleware (cmd/middleware/hooks.go) runs around the child `azd provision` only
// (Azure/azure-dev#5806). `azd provision --preview` skips hooks (cmd/root.go), and `azd pipeline config` and
// `azd env refresh` run no hook at all, yet initialize the provider alike.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// azdEnvironment is what the Bicep provider can see: the .env values first, then the process environment.
type azdEnvironment struct {
	dotenv, process map[string]string
}

func (e azdEnvironment) lookup(name string) (string, bool) {
	if v, ok := e.dotenv[name]; ok {
		return v, true
	}
	v, ok := e.process[name]
	return v, ok
}

// The principal azd signs in with (bicep_provider.go loadParameters: curPrincipal), substituted itself.
const (
	signedInPrincipalID   = "99999999-0000-4000-8000-000000000001"
	signedInPrincipalType = "User"
)

// envsubstRef is the part of drone/envsubst our parameters file may use: ${NAME} and ${NAME<op>default} with op
// one of = := - :-. Anything else with a $ is refused, so the model cannot silently misread the file.
var envsubstRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])([^}]*))?\}`)

// azdEnvsubst substitutes s as evalParamEnvSubst does; unset reports whether a looked-up variable was undefined.
func azdEnvsubst(s string, env azdEnvironment) (out string, unset bool, err error) {
	out = envsubstRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := envsubstRef.FindStringSubmatch(ref)
		var v string
		switch m[1] {
		case "AZURE_PRINCIPAL_ID":
			v = signedInPrincipalID
		case "AZURE_PRINCIPAL_TYPE":
			v = signedInPrincipalType
		default:
			var ok bool
			if v, ok = env.lookup(m[1]); !ok {
				unset = true
			}
		}
		if v == "" && m[2] != "" {
			v = m[3]
		}
		return v
	})
	if strings.Contains(envsubstRef.ReplaceAllString(s, ""), "$") {
		err = fmt.Errorf("%q uses envsubst syntax this model does not know (only ${NAME} and ${NAME=default})", s)
	}
	return out, unset, err
}

// bicepParam is what ensureParameters knows of a template parameter.
type bicepParam struct {
	name, typ  string // string int bool object array
	hasDefault bool
	defaultVal any // for string, int and bool literals
	secure     bool
}

func mainParams(p *project) (params []bicepParam, ps problems) {
	for _, d := range p.main().declsOf("param") {
		bp := bicepParam{name: d.name, typ: d.typ, hasDefault: d.body != nil}
		if !slices.Contains([]string{"string", "int", "bool", "object", "array"}, d.typ) {
			ps.add("main.bicep param %s: type %q is not one azd maps (deployment.go ParameterTypeFromArmType)", d.name, d.typ)
		}
		for _, dec := range d.decorators {
			bp.secure = bp.secure || strings.HasPrefix(dec, "@secure(")
		}
		if bp.hasDefault {
			bp.defaultVal = bicepLiteral(d.body.raw)
		}
		params = append(params, bp)
	}
	return params, ps
}

// bicepLiteral is the value of a simple literal ('text', 42, true), else nil.
func bicepLiteral(raw string) any {
	raw = strings.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '\'' && raw[len(raw)-1] == '\'' && !strings.Contains(raw, "${") {
		return strings.ReplaceAll(raw[1:len(raw)-1], `\'`, `'`)
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return n
	}
	if b, err := strconv.ParseBool(raw); err == nil {
		return b
	}
	return nil
}

// loadAzdParameters is loadParameters: the parameters file's values after substitution, unset ones dropped.
func loadAzdParameters(p *project, params []bicepParam, env azdEnvironment) (map[string]any, error) {
	types := map[string]string{}
	for _, bp := range params {
		types[bp.name] = bp.typ
	}
	values := map[string]any{}
	for _, name := range sortedKeys(p.params) {
		entry, _ := p.params[name].(map[string]any)
		if s, isString := entry["value"].(string); isString && (types[name] == "array" || types[name] == "object") {
			replaced, unset, err := azdEnvsubst(s, env)
			if err != nil {
				return nil, err
			}
			if replaced == "" && unset {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(replaced), &v); err != nil {
				return nil, fmt.Errorf("substituting parameter '%s' (%s): value '%s' is not valid JSON", name, types[name], replaced)
			}
			values[name] = v
			continue
		}
		raw, _ := json.Marshal(entry)
		replaced, unset, err := azdEnvsubst(string(raw), env)
		if err != nil {
			return nil, err
		}
		var resolved map[string]any
		if err := json.Unmarshal([]byte(replaced), &resolved); err != nil {
			return nil, fmt.Errorf("error unmarshalling Bicep template parameters: %v (%s)", err, replaced)
		}
		v, has := resolved["value"]
		if !has || v == nil {
			continue
		}
		if s, isString := v.(string); isString && s == "" && unset {
			continue
		}
		values[name] = v
	}
	return values, nil
}

// armParameterFileValue: bool and int from their strings; a non-empty string, or an empty one that differs from
// the default; nil means "no value".
func armParameterFileValue(typ string, v any, def any) any {
	s, isString := v.(string)
	if !isString {
		return v
	}
	switch typ {
	case "bool":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case "int":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "string":
		if s != "" {
			return s
		}
		if d, ok := def.(string); ok && s != d {
			return s
		}
	default:
		return v
	}
	return nil
}

// azdParameters is ensureParameters on a fresh environment (no value saved from an earlier prompt): the values azd
// passes to the deployment (defaults are left to ARM) and the parameters it would prompt for.
func azdParameters(p *project, env azdEnvironment) (values map[string]any, prompts []string, err error) {
	params, ps := mainParams(p)
	if len(ps) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(ps, "; "))
	}
	loaded, err := loadAzdParameters(p, params, env)
	if err != nil {
		return nil, nil, err
	}
	values = map[string]any{}
	for _, bp := range params {
		if v, has := loaded[bp.name]; has {
			if value := armParameterFileValue(bp.typ, v, bp.defaultVal); value != nil {
				values[bp.name] = value
				continue
			}
		}
		if !bp.hasDefault {
			prompts = append(prompts, bp.name)
		}
	}
	return values, prompts, nil
}

// effectiveParameter is the value the deployment gets for name: azd's, else the template's default.
func effectiveParameter(p *project, values map[string]any, name string) any {
	if v, ok := values[name]; ok {
		return v
	}
	if d := p.main().decl("param", name); d != nil && d.body != nil {
		return bicepLiteral(d.body.raw)
	}
	return nil
}

// mappedEnvVars lists the variables main.parameters.json names, except the two azd fills itself.
func mappedEnvVars(p *project) []string {
	var names []string
	for _, name := range sortedKeys(p.params) {
		raw, _ := json.Marshal(p.params[name])
		for _, m := range envsubstRef.FindAllStringSubmatch(string(raw), -1) {
			if m[1] != "AZURE_PRINCIPAL_ID" && m[1] != "AZURE_PRINCIPAL_TYPE" && !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	return names
}

// The environments in which azd initializes the provider before any hook of ours has run.
func firstRunEnvironments(p *project) map[string]azdEnvironment {
	fresh := map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_SUBSCRIPTION_ID": "00000000-0000-4000-8000-000000000000", "AZURE_LOCATION": "swedencentral"}
	// A pipeline run: the deploy job passes every mapped variable from a repository variable, and an unset
	// repository variable arrives defined but empty (checkDeployEnv in workflows_test.go).
	ci := map[string]string{}
	for _, name := range mappedEnvVars(p) {
		ci[name] = ""
	}
	ci["AZURE_ENV_NAME"], ci["AZURE_LOCATION"], ci["CI"] = "tasks-ci", "swedencentral", "true"
	return map[string]azdEnvironment{
		"the first `azd up` (or `azd up --no-prompt --location ...`) of a new environment": {dotenv: fresh},
		"a pipeline run with every optional repository variable unset":                     {dotenv: map[string]string{"AZURE_ENV_NAME": "tasks-ci"}, process: ci},
	}
}

// checkFirstUpAsksNothing: in a new environment azd asks for nothing but its own subscription and location (the
// location parameter, which `--location` or AZURE_LOCATION answers), so `azd up --no-prompt` works; in a
// pipeline it asks for nothing.
func checkFirstUpAsksNothing(p *project) (ps problems) {
	envs := firstRunEnvironments(p)
	for _, name := range sortedKeys(envs) {
		_, prompts, err := azdParameters(p, envs[name])
		if err != nil {
			ps.add("%s: %v", name, err)
		} else if len(prompts) > 0 {
			ps.add("%s: azd prompts for %v before any hook runs (with --no-prompt it fails): give each a default in main.bicep, or a value in main.parameters.json that is never empty", name, prompts)
		}
	}
	// The suffix's default only keeps azd from prompting: the module building the uniqueNames must refuse it.
	if entra := p.bicep["infra/app/entra.bicep"]; entra == nil || minLength(entra.decl("param", "appSuffix")) < 4 {
		ps.add("infra/app/entra.bicep param appSuffix needs @minLength(4): main.bicep's entraAppSuffix defaults to '' (so that azd does not prompt), and a deployment without the preprovision hook's suffix must fail, not create registrations named without one")
	}
	noLocation := azdEnvironment{dotenv: map[string]string{"AZURE_ENV_NAME": "dev"}}
	if _, prompts, err := azdParameters(p, noLocation); err == nil && !slices.Equal(prompts, []string{"location"}) {
		ps.add("a new environment without AZURE_LOCATION: azd prompts for %v, want only [location] (the region azd always asks for)", prompts)
	}
	return
}

// The model itself, on hand-made inputs: what azd prompts for and what it passes.
func TestAzdParameterModel(t *testing.T) {
	p := loadRepo(t)
	env := azdEnvironment{
		dotenv:  map[string]string{"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "westeurope", "AZURE_ENTRA_APP_SUFFIX": "abcd1234", "AZURE_WEB_LOCATION": ""},
		process: map[string]string{"AZURE_ALLOW_LOCAL_DEV_ORIGINS": "false", "AZURE_ENV_NAME": "ignored"},
	}
	values, prompts, err := azdParameters(p, env)
	if err != nil || len(prompts) > 0 {
		t.Fatalf("err %v, prompts %v", err, prompts)
	}
	for name, want := range map[string]any{
		"environmentName":      "dev", // .env before the process environment
		"location":             "westeurope",
		"entraAppSuffix":       "abcd1234",
		"principalId":          signedInPrincipalID, // azd's own
		"principalType":        "User",
		"allowLocalDevOrigins": false,     // from the process environment, parsed as a bool
		"webLocation":          "eastus2", // ${AZURE_WEB_LOCATION=eastus2}: empty counts as unset
		"instanceMemoryMB":     int64(512),
	} {
		if got := effectiveParameter(p, values, name); got != want {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	for _, s := range []string{"$HOME", "${X:+y}", "${X#y}"} {
		if _, _, err := azdEnvsubst(s, env); err == nil {
			t.Errorf("azdEnvsubst(%q) accepted syntax the model does not implement", s)
		}
	}
}

// minLength is a declaration's @minLength(n), 0 when it has none.
func minLength(d *bDecl) int {
	if d == nil {
		return 0
	}
	for _, dec := range d.decorators {
		if n, ok := strings.CutPrefix(dec, "@minLength("); ok {
			if v, err := strconv.Atoi(strings.TrimSuffix(n, ")")); err == nil {
				return v
			}
		}
	}
	return 0
}
