package infra_test

// `azd pipeline config`, then the deploy workflow, whether or not a developer provisioned the environment first.
// What azd pipeline config writes, from Azure/azure-dev (snapshot ae35809, Aug 2026):
//   - cli/azd/pkg/pipeline/github_provider.go setPipelineVariables: AZURE_ENV_NAME, AZURE_LOCATION,
//     AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID and the pipeline's AZURE_CLIENT_ID; for Bicep also
//     AZURE_RESOURCE_GROUP when the environment holds it.
//   - cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go Parameters, then cli/azd/pkg/pipeline/pipeline.go
//     mergeProjectVariablesAndSecrets: each parameter with a value, mapped to one variable that the environment
//     defines with that very value (UsingEnvVarMapping), becomes a repository variable of that name. So a
//     developer's AZURE_ENTRA_APP_SUFFIX is copied.
// How GitHub runs the workflow's check: a `run:` step without `shell:` on Linux is
// `bash --noprofile --norc -eo pipefail <script file>` (actions/runner docs/adrs/0277-run-action-shell-options.md),
// with the job's and the step's env, `${{ vars.X }}` being the repository variable or "" when it is unset.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	testSubscription   = "00000000-0000-4000-8000-0000000000aa"
	testPipelineClient = "cccccccc-0000-4000-8000-000000000003"
)

// azdPipelineConfig returns the repository variables `azd pipeline config` writes from env.
func azdPipelineConfig(t *testing.T, p *project, env azdEnvironment) map[string]string {
	t.Helper()
	location, _ := env.lookup("AZURE_LOCATION")
	name, _ := env.lookup("AZURE_ENV_NAME")
	vars := map[string]string{
		"AZURE_ENV_NAME": name, "AZURE_LOCATION": location, "AZURE_SUBSCRIPTION_ID": testSubscription,
		"AZURE_TENANT_ID": testTenant, "AZURE_CLIENT_ID": testPipelineClient,
	}
	if rg, ok := env.lookup("AZURE_RESOURCE_GROUP"); ok {
		vars["AZURE_RESOURCE_GROUP"] = rg
	}
	values, prompts, err := azdParameters(p, env)
	if err != nil || len(prompts) > 0 {
		t.Fatalf("azd pipeline config initializes the provider: prompts %v, err %v", prompts, err)
	}
	for _, param := range sortedKeys(values) {
		raw := fmt.Sprint(p.params[param])
		refs := envsubstRef.FindAllStringSubmatch(raw, -1)
		if len(refs) != 1 || refs[0][1] == "AZURE_PRINCIPAL_ID" || refs[0][1] == "AZURE_PRINCIPAL_TYPE" {
			continue
		}
		if v, defined := env.lookup(refs[0][1]); defined && v == fmt.Sprint(values[param]) {
			vars[refs[0][1]] = v
		}
	}
	return vars
}

// ghExpr is what the workflows use in env: ${{ vars.NAME }}, optionally || 'default'.
var ghExpr = regexp.MustCompile(`^\$\{\{ vars\.([A-Z_][A-Z0-9_]*)(?: \|\| '([^']*)')? \}\}$`)

// evalWorkflowEnv evaluates a job's or step's env against repository variables.
func evalWorkflowEnv(t *testing.T, env map[string]string, vars map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range env {
		m := ghExpr.FindStringSubmatch(v)
		switch {
		case m != nil && vars[m[1]] != "":
			out[k] = vars[m[1]]
		case m != nil:
			out[k] = m[2]
		case strings.Contains(v, "${{"):
			t.Fatalf("env %s: expression %q is not one this test evaluates", k, v)
		default:
			out[k] = v
		}
	}
	return out
}

// deployWorkflowJob returns a job of the deploy workflow.
func deployWorkflowJob(t *testing.T, files map[string]string, name string) *job {
	t.Helper()
	wfs, problems := parseWorkflows(files)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	j := wfs[deployWorkflow].Jobs[name]
	if j == nil {
		t.Fatalf("%s has no job %s", deployWorkflow, name)
	}
	return j
}

// runWorkflowStep runs the named step of a job of the deploy workflow as GitHub's runner does, with the
// repository variables vars, and returns its output.
func runWorkflowStep(t *testing.T, files map[string]string, jobName, stepName string, vars map[string]string) (string, error) {
	t.Helper()
	needTools(t, "bash")
	j := deployWorkflowJob(t, files, jobName)
	for _, st := range j.Steps {
		if st.Name != stepName {
			continue
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q: this test does not evaluate expressions inside run:", stepName)
		}
		script := filepath.Join(t.TempDir(), "step.sh")
		if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CI=true", "GITHUB_ACTIONS=true"}
		for k, v := range evalWorkflowEnv(t, j.Env, vars) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		for k, v := range evalWorkflowEnv(t, st.Env, vars) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Fatalf("%s job %s has no step %q", deployWorkflow, jobName, stepName)
	return "", nil
}

const setupCheck = "Check the repository variables"

// errorLines are the workflow commands `::error::...` a step printed.
func errorLines(out string) []string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::error::") {
			lines = append(lines, line)
		}
	}
	return lines
}

// pipelineRun is one run of the deploy job's provisioning on a fresh runner: an azd environment holding only its
// name, azd's process environment the job's env, the pipeline's identity deploying; the directory of
// registrations is the tenant's, shared with everyone else.
func pipelineRun(t *testing.T, p *project, files map[string]string, graph string, vars map[string]string) error {
	t.Helper()
	s := newAzdSim(t, p)
	s.graph = graph
	s.extra[0] = "FAKE_GRAPH=" + graph
	s.principal = "pipeline " + vars["AZURE_CLIENT_ID"]
	s.process = evalWorkflowEnv(t, deployWorkflowJob(t, files, "deploy").Env, vars)
	s.process["CI"] = "true"
	s.writeEnv(map[string]string{"AZURE_ENV_NAME": vars["AZURE_ENV_NAME"]})
	return s.provision(false)
}

// pipelineSetup checks the variables as the workflow does, then runs the deploy job's provisioning twice (the
// first run creates the registrations, a later one updates them).
func pipelineSetup(t *testing.T, p *project, files map[string]string, graph string, vars map[string]string) (string, error) {
	t.Helper()
	out, err := runWorkflowStep(t, files, "setup", setupCheck, vars)
	if err != nil {
		return out, fmt.Errorf("the workflow refused: %v", err)
	}
	for run := 1; run <= 2; run++ {
		if err := pipelineRun(t, p, files, graph, vars); err != nil {
			return out, fmt.Errorf("pipeline run %d: %v", run, err)
		}
	}
	return out, nil
}

// provisionedByADeveloper is the repository as azd reads it, its workflow files, and an environment a developer
// has provisioned from their machine, beside which the pipeline's cases run.
func provisionedByADeveloper(t *testing.T) (*project, map[string]string, *azdSim) {
	t.Helper()
	p := loadRepo(t)
	files := workflowFiles(t, repoRoot(t))
	developer := newAzdSim(t, p)
	if err := developer.provision(false); err != nil {
		t.Fatal(err)
	}
	return p, files, developer
}

// The documented path: the pipeline gets its own azd environment, with its own suffix, before anyone provisions
// it. Its runs create registrations it owns and update them afterwards, beside a developer's environment.
func TestPipelineConfigInItsOwnEnvironment(t *testing.T) {
	t.Parallel()
	p, files, developer := provisionedByADeveloper(t)
	// azd env new tasks-ci; azd env set AZURE_ENTRA_APP_SUFFIX <8 hex digits>; azd pipeline config
	ci := azdEnvironment{dotenv: map[string]string{
		"AZURE_ENV_NAME": "tasks-ci", "AZURE_LOCATION": "swedencentral", "AZURE_SUBSCRIPTION_ID": testSubscription,
		"AZURE_ENTRA_APP_SUFFIX": "5eed0001",
	}}
	vars := azdPipelineConfig(t, p, ci)
	if vars["AZURE_ENTRA_APP_SUFFIX"] != "5eed0001" {
		t.Fatalf("azd pipeline config did not copy the environment's suffix: %v", vars)
	}
	if out, err := pipelineSetup(t, p, files, developer.graph, vars); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := len(developer.apps("apps")); n != 4 {
		t.Errorf("%d registrations, want the developer's 2 and the pipeline's 2", n)
	}
	if err := developer.provision(false); err != nil {
		t.Errorf("the developer's environment after the pipeline's runs: %v", err)
	}
}

// A developer ran `azd up` in the environment, then `azd pipeline config` there: azd copies the developer's
// suffix, whose registrations the pipeline does not own. The workflow refuses at once, in one line that says what
// to run, and following it works.
func TestPipelineConfigInADevelopersEnvironment(t *testing.T) {
	t.Parallel()
	p, files, developer := provisionedByADeveloper(t)
	env := developer.env()
	env["AZURE_SUBSCRIPTION_ID"] = testSubscription
	vars := azdPipelineConfig(t, p, azdEnvironment{dotenv: env})
	if vars["AZURE_ENTRA_APP_SUFFIX"] != env["AZURE_ENTRA_APP_SUFFIX"] || vars["AZURE_RESOURCE_GROUP"] == "" {
		t.Fatalf("azd pipeline config from a provisioned environment: variables %v", vars)
	}

	// Without the check, every run would fail on the developer's registrations.
	if err := pipelineRun(t, p, files, developer.graph, vars); err == nil || !strings.Contains(err.Error(), "Authorization_RequestDenied") {
		t.Fatalf("the pipeline updating a developer's registrations: %v, want Authorization_RequestDenied", err)
	}

	if out, err := runWorkflowStep(t, files, "setup", setupCheck, vars); !refusesADevelopersEnvironment(out, err) {
		t.Fatalf("the workflow must refuse at once, with one line saying what to run: err %v, output:\n%s", err, out)
	}

	// What the line says: delete AZURE_RESOURCE_GROUP, a new environment with its own suffix, azd pipeline config.
	ci := azdEnvironment{dotenv: map[string]string{
		"AZURE_ENV_NAME": "dev-ci", "AZURE_LOCATION": "swedencentral", "AZURE_SUBSCRIPTION_ID": testSubscription,
		"AZURE_ENTRA_APP_SUFFIX": "5eed0002",
	}}
	for k, v := range azdPipelineConfig(t, p, ci) {
		vars[k] = v
	}
	delete(vars, "AZURE_RESOURCE_GROUP")
	if out, err := pipelineSetup(t, p, files, developer.graph, vars); err != nil {
		t.Fatalf("after following the workflow's advice: %v\n%s", err, out)
	}
}

// refusesADevelopersEnvironment: the check failed with exactly one error line, which says what to run.
func refusesADevelopersEnvironment(out string, err error) bool {
	lines := errorLines(out)
	return err != nil && len(lines) == 1 && strings.Contains(lines[0], "gh variable delete AZURE_RESOURCE_GROUP") &&
		strings.Contains(lines[0], "azd env new") && strings.Contains(lines[0], "azd pipeline config")
}

// A developer's environment after `azd down` lost its outputs, the suffix among them: `azd pipeline config` there
// writes no suffix, and the workflow names the missing variable and the command that sets it.
func TestPipelineConfigWithoutASuffix(t *testing.T) {
	t.Parallel()
	p, files, developer := provisionedByADeveloper(t)
	if out, err := developer.down(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	vars := azdPipelineConfig(t, p, azdEnvironment{dotenv: developer.env()})
	out, err := runWorkflowStep(t, files, "setup", setupCheck, vars)
	lines := errorLines(out)
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], "AZURE_ENTRA_APP_SUFFIX") || !strings.Contains(lines[0], "azd env set AZURE_ENTRA_APP_SUFFIX") {
		t.Fatalf("the workflow must name the missing suffix and how to set it: err %v, output:\n%s", err, out)
	}
}

// Each mutation of the workflow breaks the check; the developer's-environment scenario must then fail.
func TestPipelineSetupCheckMutations(t *testing.T) {
	t.Parallel()
	p, files, developer := provisionedByADeveloper(t)
	vars := azdPipelineConfig(t, p, azdEnvironment{dotenv: developer.env()})
	for name, m := range map[string]mutation{
		"no resource group check":        {"", deployWorkflow, `if [ -n "$AZURE_RESOURCE_GROUP" ]; then`, `if false; then`},
		"the check does not get the var": {"", deployWorkflow, "          AZURE_RESOURCE_GROUP: ${{ vars.AZURE_RESOURCE_GROUP }}\n", ""},
		"the check only warns":           {"", deployWorkflow, "(docs/deploy.md, Deploy from GitHub).\"\n            exit 1\n          fi\n\n", "(docs/deploy.md, Deploy from GitHub).\"\n          fi\n\n"},
	} {
		broken := withEdit(t, files, m.file, m.old, m.new)
		if out, err := runWorkflowStep(t, broken, "setup", setupCheck, vars); refusesADevelopersEnvironment(out, err) {
			t.Errorf("%s: the check still refused", name)
		}
	}
}
