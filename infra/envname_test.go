package infra_test

// Environment names: every name azd accepts must work end to end. azd's rule is EnvironmentNameRegexp in
// Azure/azure-dev cli/azd/pkg/environment/environment.go (snapshot ae35809): letters, digits, - ( ) _ . , 1 to 64
// characters. Where the name goes in our files: the preprovision hook (which passes it to `azd env set -e`), tag
// values, display names, uniqueString(), and the resource group's name, which Azure allows to hold all those
// characters but not to end with a period (Microsoft.Resources naming rules: 1-90 characters, alphanumerics,
// underscores, parentheses, hyphens and periods, not ending in a period).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var azdEnvironmentName = regexp.MustCompile(`^[a-zA-Z0-9-\(\)_\.]{1,64}$`)

var (
	azdValidNames   = []string{"dev", "my_env", "my.env", "team(a)", "dev.", "-x-", strings.Repeat("a", 64), "a-b_c.d(e)"}
	azdInvalidNames = []string{"", "a b", "a/b", "a'b", "a$b", "é", strings.Repeat("a", 65)}
)

var resourceGroupRule = regexp.MustCompile(`^[-\w._()]{1,90}$`)

// envNameUses: where infra may use environmentName, each reviewed against Azure's naming rules. A new use fails
// checkEnvironmentNameUses until it is added here, after checking what the property allows.
var envNameUses = map[string]string{
	"infra/main.bicep var resourceToken":                      "uniqueString() input",
	"infra/main.bicep var tags.azd-env-name":                  "tag value: any characters",
	"infra/main.bicep var resourceGroupName":                  "resource group name: checked by evaluating it below",
	"infra/main.bicep module entra.params.environmentName":    "passed on",
	"infra/app/entra.bicep var appTags":                       "Graph application tags: any characters",
	"infra/app/entra.bicep resource apiAppCreate.displayName": "display name: any characters",
	"infra/app/entra.bicep resource apiApp.displayName":       "display name: any characters",
	"infra/app/entra.bicep resource spaApp.displayName":       "display name: any characters",
}

var wordEnvironmentName = regexp.MustCompile(`\benvironmentName\b`)

// valueRefs lists the property paths under v whose value mentions the word re.
func valueRefs(prefix string, v *bValue, re *regexp.Regexp) []string {
	if v == nil || !re.MatchString(v.raw) {
		return nil
	}
	if v.kind != vObject || len(v.props) == 0 {
		return []string{prefix}
	}
	var out []string
	for _, p := range v.props {
		out = append(out, valueRefs(prefix+"."+p.key, p.val, re)...)
	}
	return out
}

// checkEnvironmentNameUses: every use of environmentName in infra is one reviewed in envNameUses, and the resource
// group's name is valid for every name azd accepts.
func checkEnvironmentNameUses(p *project) (ps problems) {
	seen := map[string]bool{}
	for _, f := range p.sortedBicep() {
		for _, d := range f.decls {
			if d.kind == "param" || d.kind == "output" {
				continue
			}
			for _, ref := range valueRefs(fmt.Sprintf("%s %s %s", f.path, d.kind, d.name), d.body, wordEnvironmentName) {
				seen[ref] = true
				if _, ok := envNameUses[ref]; !ok {
					ps.add("%s uses environmentName: check what the property allows for every name azd accepts (%s), then list it in envNameUses", ref, azdEnvironmentName)
				}
			}
		}
	}
	for ref := range envNameUses {
		if !seen[ref] && strings.HasPrefix(ref, "infra/main.bicep var resourceGroupName") {
			ps.add("%s: the resource group's name no longer comes from resourceGroupName", ref)
		}
	}
	rg := p.main().decl("resource", "rg")
	if rg == nil || rg.body.get("name").text() != "resourceGroupName" {
		ps.add("main.bicep: the resource group must be named by var resourceGroupName")
		return
	}
	for _, name := range azdValidNames {
		got, err := evalInterpolation(resolveVar(p.main(), "resourceGroupName"), map[string]string{"environmentName": name})
		if err != nil {
			ps.add("main.bicep var resourceGroupName: %v", err)
			return
		}
		if !resourceGroupRule.MatchString(got) || strings.HasSuffix(got, ".") {
			ps.add("environment %q (azd accepts it) gets resource group %q, which Azure refuses (1-90 of letters, digits, _ - . ( ), not ending in '.')", name, got)
		}
	}
	return
}

// evalInterpolation evaluates a Bicep string of literal text and ${...} holes, each an identifier or
// `endsWith(identifier, 'x') ? 'a' : 'b'`: enough for a name, and anything else is refused.
func evalInterpolation(raw string, vars map[string]string) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '\'' || raw[len(raw)-1] != '\'' {
		return "", fmt.Errorf("%s is not a string", raw)
	}
	body := raw[1 : len(raw)-1]
	ternary := regexp.MustCompile(`^endsWith\((\w+), '([^']*)'\) \? '([^']*)' : '([^']*)'$`)
	var out strings.Builder
	for {
		i := strings.Index(body, "${")
		if i < 0 {
			out.WriteString(body)
			return out.String(), nil
		}
		out.WriteString(body[:i])
		end, depth := -1, 0
		for j := i + 2; j < len(body) && end < 0; j++ {
			switch body[j] {
			case '{':
				depth++
			case '}':
				if depth == 0 {
					end = j
				}
				depth--
			}
		}
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ in %s", raw)
		}
		hole := body[i+2 : end]
		if v, ok := vars[hole]; ok {
			out.WriteString(v)
		} else if m := ternary.FindStringSubmatch(hole); m != nil && vars[m[1]] != "" {
			if strings.HasSuffix(vars[m[1]], m[2]) {
				out.WriteString(m[3])
			} else {
				out.WriteString(m[4])
			}
		} else {
			return "", fmt.Errorf("cannot evaluate ${%s}", hole)
		}
		body = body[end+1:]
	}
}

// The preprovision hook accepts every name azd accepts and records the suffix in that environment; it refuses
// the others before calling azd.
func TestPreprovisionAcceptsEveryAzdEnvironmentName(t *testing.T) {
	t.Parallel()
	p := loadRepo(t)
	for _, name := range append(azdValidNames, azdInvalidNames...) {
		if valid := azdEnvironmentName.MatchString(name); valid != !slices.Contains(azdInvalidNames, name) {
			t.Fatalf("%q: the test's lists disagree with azd's rule", name)
		}
	}
	for _, name := range append(azdValidNames, azdInvalidNames...) {
		s := newAzdSim(t, p)
		dir := filepath.Join(filepath.Dir(filepath.Dir(s.envFile)), "env-under-test")
		os.MkdirAll(dir, 0o755)
		if azdEnvironmentName.MatchString(name) {
			dir = filepath.Join(filepath.Dir(filepath.Dir(s.envFile)), name)
			os.MkdirAll(dir, 0o755)
		}
		s.envFile = filepath.Join(dir, ".env")
		s.writeEnv(map[string]string{"AZURE_ENV_NAME": name, "AZURE_LOCATION": "swedencentral"})
		out, err := s.hook("preprovision")
		switch {
		case azdEnvironmentName.MatchString(name) && (err != nil || len(s.env()["AZURE_ENTRA_APP_SUFFIX"]) != 8):
			t.Errorf("environment %q (azd accepts it): preprovision err %v, suffix %q\n%s", name, err, s.env()["AZURE_ENTRA_APP_SUFFIX"], out)
		case !azdEnvironmentName.MatchString(name) && (err == nil || !strings.Contains(out, "AZURE_ENV_NAME")):
			t.Errorf("environment %q (azd refuses it): preprovision err %v\n%s", name, err, out)
		}
	}
}

func TestEvalInterpolation(t *testing.T) {
	for raw, want := range map[string]string{
		`'rg-${environmentName}'`: "rg-a.",
		`'rg-${environmentName}${endsWith(environmentName, '.') ? '-' : ''}'`: "rg-a.-",
	} {
		if got, err := evalInterpolation(raw, map[string]string{"environmentName": "a."}); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", raw, got, err, want)
		}
	}
	if _, err := evalInterpolation(`'rg-${toLower(environmentName)}'`, map[string]string{"environmentName": "a"}); err == nil {
		t.Error("an expression the evaluator does not know was evaluated")
	}
}

// The PowerShell twin's pattern (a .NET regex; this subset, \A [..]{m,n} \z, means the same in Go) accepts
// exactly the names azd accepts.
func TestPowerShellPreprovisionAcceptsTheSameNames(t *testing.T) {
	p := loadRepo(t)
	m := regexp.MustCompile(`Get-Checked 'AZURE_ENV_NAME' '([^']+)'`).FindStringSubmatch(p.files["scripts/preprovision.ps1"])
	if m == nil {
		t.Fatal("scripts/preprovision.ps1 no longer checks AZURE_ENV_NAME with Get-Checked")
	}
	ps := regexp.MustCompile(m[1])
	for _, name := range append(azdValidNames, azdInvalidNames...) {
		if ps.MatchString(name) != azdEnvironmentName.MatchString(name) {
			t.Errorf("%q: preprovision.ps1's pattern %s says %v, azd says %v", name, m[1], ps.MatchString(name), azdEnvironmentName.MatchString(name))
		}
	}
}
