package infra_test

// The GitHub workflows (.github/) hold rules that only a real GitHub run would otherwise reveal, and a broken
// deploy workflow fails only after a push to main. Each rule below is a check over the files as text + YAML, and
// each has a mutation (workflowMutations) that breaks it in an in-memory copy and must make that check fail.
// `make lint` also runs actionlint (pinned) over the same files for syntax, expressions and action inputs.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	ciWorkflow     = ".github/workflows/ci.yml"
	deployWorkflow = ".github/workflows/azure-dev.yml"
	dependabotFile = ".github/dependabot.yml"
)

// workflowFiles reads what the workflow checks look at: the workflows, Dependabot's configuration, and the files
// whose contents they must agree with.
func workflowFiles(t testing.TB, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	read := func(rel string) {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("reading %s: %v", rel, err)
		}
		files[rel] = string(b)
	}
	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range workflows {
		rel, _ := filepath.Rel(root, p)
		read(filepath.ToSlash(rel))
	}
	for _, rel := range []string{dependabotFile, ".ci/run", "azure.yaml", "infra/main.parameters.json"} {
		read(rel)
	}
	for _, dir := range npmProjects(t, root) {
		read(filepath.ToSlash(filepath.Join(dir, "package.json")))
	}
	return files
}

// npmProjects lists the folders with a package-lock.json (each needs its own Dependabot entry), outside node_modules.
func npmProjects(t testing.TB, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "build" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "package-lock.json" {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	return dirs
}

// workflow is the part of a GitHub Actions workflow the checks read.
type workflow struct {
	On          map[string]any  `yaml:"on"`
	Permissions any             `yaml:"permissions"`
	Jobs        map[string]*job `yaml:"jobs"`
}

type job struct {
	Uses        string            `yaml:"uses"`
	Needs       any               `yaml:"needs"`
	Permissions any               `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// workflowCheck is one named rule; it returns the problems it finds.
type workflowCheck struct {
	name string
	run  func(files map[string]string, wfs map[string]*workflow) []string
}

var workflowChecks = []workflowCheck{
	{"PinnedActions", checkPinnedActions},
	{"NoPullRequestTarget", checkNoPullRequestTarget},
	{"LeastPermissions", checkLeastPermissions},
	{"TestsRunMakeTest", checkTestsRunMakeTest},
	{"DeployIsAzdPipeline", checkDeployIsAzdPipeline},
	{"DeployEnvFromAzdVariables", checkDeployEnv},
	{"DeployNoSecrets", checkDeployNoSecrets},
	{"DeployAlphaFeatures", checkDeployAlphaFeatures},
	{"DeployTeardownOnlyByHand", checkDeployTeardown},
	{"CICaches", checkCICaches},
	{"Dependabot", checkDependabot},
}

func parseWorkflows(files map[string]string) (map[string]*workflow, []string) {
	wfs := map[string]*workflow{}
	var problems []string
	for path, src := range files {
		if !strings.HasPrefix(path, ".github/workflows/") {
			continue
		}
		var w workflow
		if err := yaml.Unmarshal([]byte(src), &w); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		wfs[path] = &w
	}
	for _, want := range []string{ciWorkflow, deployWorkflow} {
		if wfs[want] == nil {
			problems = append(problems, want+" is missing")
		}
	}
	return wfs, problems
}

func runWorkflowChecks(files map[string]string) map[string][]string {
	wfs, problems := parseWorkflows(files)
	out := map[string][]string{}
	if len(problems) > 0 {
		out["parse"] = problems
		return out
	}
	for _, c := range workflowChecks {
		if p := c.run(files, wfs); len(p) > 0 {
			out[c.name] = p
		}
	}
	return out
}

func TestWorkflows(t *testing.T) {
	files := workflowFiles(t, repoRoot(t))
	for name, problems := range runWorkflowChecks(files) {
		t.Errorf("%s:\n  %s", name, strings.Join(problems, "\n  "))
	}
}

// sortedKeys iterates maps in a stable order, so that messages do not shuffle between runs.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var pinnedUse = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
var versionComment = regexp.MustCompile(`uses:\s*(\S+)\s+#\s*v\d+(\.\d+)*\s*$`)

// checkPinnedActions: every action is pinned to a full commit SHA (a tag can be moved to other code; a SHA
// cannot), with the version it was taken from in a comment so that people and Dependabot can read it.
// Local reusable workflows (./...) are part of this repository and need no pin.
func checkPinnedActions(files map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	for _, path := range sortedKeys(wfs) {
		commented := map[string]bool{}
		for _, line := range strings.Split(files[path], "\n") {
			if m := versionComment.FindStringSubmatch(line); m != nil {
				commented[m[1]] = true
			}
		}
		uses := []string{}
		for _, name := range sortedKeys(wfs[path].Jobs) {
			j := wfs[path].Jobs[name]
			if j.Uses != "" {
				uses = append(uses, j.Uses)
			}
			for _, s := range j.Steps {
				if s.Uses != "" {
					uses = append(uses, s.Uses)
				}
			}
		}
		for _, u := range uses {
			switch {
			case strings.HasPrefix(u, "./"):
			case !pinnedUse.MatchString(u):
				problems = append(problems, fmt.Sprintf("%s: %q is not pinned to a full commit SHA", path, u))
			case !commented[u]:
				problems = append(problems, fmt.Sprintf("%s: %q has no '# vX.Y.Z' comment naming its version", path, u))
			}
		}
	}
	return problems
}

// checkNoPullRequestTarget: pull_request_target runs with the base repository's secrets and a write token on
// code a fork controls; nothing here needs it.
func checkNoPullRequestTarget(_ map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	for _, path := range sortedKeys(wfs) {
		if _, ok := wfs[path].On["pull_request_target"]; ok {
			problems = append(problems, path+": triggers on pull_request_target")
		}
	}
	return problems
}

// permissionMap reads a permissions block: a map, or the strings read-all / write-all.
func permissionMap(p any) (map[string]string, string) {
	switch v := p.(type) {
	case nil:
		return nil, "absent"
	case string:
		return nil, v
	case map[string]any:
		m := map[string]string{}
		for k, val := range v {
			m[k] = fmt.Sprint(val)
		}
		return m, ""
	}
	return nil, fmt.Sprintf("unreadable %T", p)
}

// checkLeastPermissions: the workflow default grants nothing to write (so a new job starts from least
// privilege), every job states its own permissions, nothing asks for write-all, and the only write permission
// anywhere is id-token: write on the deploy job, the one job that signs in to Azure.
func checkLeastPermissions(_ map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	for _, path := range sortedKeys(wfs) {
		w := wfs[path]
		top, word := permissionMap(w.Permissions)
		if word != "" {
			problems = append(problems, fmt.Sprintf("%s: top-level permissions must be an explicit read-only map (got %s)", path, word))
		}
		for k, v := range top {
			if v != "read" && v != "none" {
				problems = append(problems, fmt.Sprintf("%s: top-level permission %s: %s", path, k, v))
			}
		}
		for _, name := range sortedKeys(w.Jobs) {
			perms, word := permissionMap(w.Jobs[name].Permissions)
			if word != "" {
				problems = append(problems, fmt.Sprintf("%s: job %s must state its permissions as a map (got %s)", path, name, word))
			}
			for k, v := range perms {
				isDeployToken := path == deployWorkflow && name == "deploy" && k == "id-token" && v == "write"
				if v != "read" && v != "none" && !isDeployToken {
					problems = append(problems, fmt.Sprintf("%s: job %s asks for %s: %s", path, name, k, v))
				}
			}
		}
	}
	deploy := wfs[deployWorkflow].Jobs["deploy"]
	if deploy == nil {
		return append(problems, deployWorkflow+": no job named deploy")
	}
	if perms, _ := permissionMap(deploy.Permissions); perms["id-token"] != "write" {
		problems = append(problems, deployWorkflow+": the deploy job needs id-token: write for federated sign-in")
	}
	return problems
}

// runsCommand reports whether one of the job's steps runs cmd as a whole line.
func runsCommand(j *job, cmd string) bool {
	for _, s := range j.Steps {
		for _, line := range strings.Split(s.Run, "\n") {
			if strings.TrimSpace(line) == cmd {
				return true
			}
		}
	}
	return false
}

// checkTestsRunMakeTest: GitHub runs the README's test command, the same one .ci/run runs, and the deploy
// workflow deploys only after those tests pass.
func checkTestsRunMakeTest(files map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	test := wfs[ciWorkflow].Jobs["test"]
	if test == nil || !runsCommand(test, "make test") {
		problems = append(problems, ciWorkflow+": job test must run `make test`")
	}
	if !regexp.MustCompile(`(?m)^\s*(exec\s+)?make test\s*$`).MatchString(files[".ci/run"]) {
		problems = append(problems, ".ci/run does not run `make test` (the workflow and CI would test different things)")
	}
	if _, ok := wfs[ciWorkflow].On["pull_request"]; !ok {
		problems = append(problems, ciWorkflow+": must run on pull_request")
	}
	if _, ok := wfs[ciWorkflow].On["push"]; !ok {
		problems = append(problems, ciWorkflow+": must run on push")
	}
	if _, ok := wfs[ciWorkflow].On["workflow_call"]; !ok {
		problems = append(problems, ciWorkflow+": must be callable (workflow_call) so that the deploy workflow runs the same tests")
	}
	gate := wfs[deployWorkflow].Jobs["test"]
	if gate == nil || gate.Uses != "./"+ciWorkflow {
		problems = append(problems, deployWorkflow+": job test must call ./"+ciWorkflow)
	}
	if d := wfs[deployWorkflow].Jobs["deploy"]; d == nil || !needsJob(d, "test") {
		problems = append(problems, deployWorkflow+": job deploy must need job test")
	}
	return problems
}

// needsJob: the job's `needs` (one name or a list) includes name.
func needsJob(j *job, name string) bool {
	switch needs := j.Needs.(type) {
	case string:
		return needs == name
	case []any:
		return slices.Contains(needs, any(name))
	}
	return false
}

// stepIndex returns the index of the first step whose run text contains all of parts, or -1.
func stepIndex(j *job, parts ...string) int {
	for i, s := range j.Steps {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(s.Run, p)
		}
		if ok {
			return i
		}
	}
	return -1
}

// checkDeployIsAzdPipeline: the deploy workflow is what `azd pipeline config` expects (Azure/azure-dev
// cli/azd/pkg/pipeline/github_provider.go looks for .github/workflows/azure-dev.yml; the steps follow
// cli/azd/resources/pipeline/.github/azure-dev.ymlt): it runs on pushes to main and by hand, signs in with
// the federated credential azd created, then provisions, then deploys, never prompting.
func checkDeployIsAzdPipeline(_ map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	w := wfs[deployWorkflow]
	if _, ok := w.On["workflow_dispatch"]; !ok {
		problems = append(problems, deployWorkflow+": must run by hand (workflow_dispatch)")
	}
	push, _ := w.On["push"].(map[string]any)
	branches, _ := push["branches"].([]any)
	if !slices.Contains(branches, any("main")) {
		problems = append(problems, deployWorkflow+": must run on pushes to main")
	}
	d := w.Jobs["deploy"]
	if d == nil {
		return append(problems, deployWorkflow+": no job named deploy")
	}
	login := stepIndex(d, "azd auth login", "--federated-credential-provider github", "--client-id", "--tenant-id")
	provision := stepIndex(d, "azd provision", "--no-prompt")
	deploy := stepIndex(d, "azd deploy", "--no-prompt")
	switch {
	case login < 0:
		problems = append(problems, deployWorkflow+": no `azd auth login --federated-credential-provider github` step")
	case provision < 0 || deploy < 0:
		problems = append(problems, deployWorkflow+": needs `azd provision --no-prompt` and `azd deploy --no-prompt` steps")
	case !(login < provision && provision < deploy):
		problems = append(problems, deployWorkflow+": the order must be sign in, provision, deploy")
	}
	if stepIndex(d, "GITHUB_STEP_SUMMARY", "SPA_URL", "API_BASE_URL") < 0 {
		problems = append(problems, deployWorkflow+": no job summary with the deployed SPA_URL and API_BASE_URL")
	}
	return problems
}

// azdPipelineVariables are the repository variables `azd pipeline config` writes (Azure/azure-dev
// cli/azd/pkg/pipeline/github_provider.go setPipelineVariables): the environment's name, location and
// subscription, the tenant, and the pipeline principal's client id.
var azdPipelineVariables = []string{"AZURE_CLIENT_ID", "AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"}

// azdSuppliedParams are substituted by azd itself, never from the environment (Azure/azure-dev
// cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go evalParamEnvSubst: "principalId and principalType are
// intentionally excluded from the mapped env vars").
var azdSuppliedParams = []string{"AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE"}

var paramEnvRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`)

// checkDeployEnv: the deploy job's environment carries every repository variable azd pipeline config writes,
// plus every environment variable main.parameters.json maps a parameter to. azd's own template adds those
// mapped variables (cli/azd/pkg/pipeline/pipeline_manager.go, "Apply provider parameters"), and azd pipeline
// config sets each one that has a value locally (cli/azd/pkg/pipeline/pipeline.go
// mergeProjectVariablesAndSecrets); an unset variable arrives as "", which azd's ${VAR=default} treats as
// unset (drone/envsubst toDefault), so the default still applies. A parameter mapped to a variable the job
// does not pass would be prompted for, and --no-prompt fails. Values come from vars, never literals, so the
// workflow stays the same for every environment.
func checkDeployEnv(files map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	d := wfs[deployWorkflow].Jobs["deploy"]
	if d == nil {
		return []string{deployWorkflow + ": no job named deploy"}
	}
	want := slices.Clone(azdPipelineVariables)
	var params struct {
		Parameters map[string]struct {
			Value any `json:"value"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(files["infra/main.parameters.json"]), &params); err != nil {
		return []string{"infra/main.parameters.json: " + err.Error()}
	}
	for _, name := range sortedKeys(params.Parameters) {
		raw, _ := json.Marshal(params.Parameters[name].Value)
		for _, m := range paramEnvRef.FindAllStringSubmatch(string(raw), -1) {
			if !slices.Contains(azdSuppliedParams, m[1]) && !slices.Contains(want, m[1]) {
				want = append(want, m[1])
			}
		}
	}
	for _, v := range want {
		if got, ok := d.Env[v]; !ok {
			problems = append(problems, fmt.Sprintf("%s: the deploy job's env lacks %s", deployWorkflow, v))
		} else if !fromRepositoryVariable(got, v) {
			problems = append(problems, fmt.Sprintf("%s: %s must come from the repository variable (${{ vars.%s }}, optionally || 'default'), got %q", deployWorkflow, v, v, got))
		}
	}
	return problems
}

// fromRepositoryVariable: ${{ vars.NAME }}, or ${{ vars.NAME || 'default' }} where a pipeline wants a safer
// default than a developer's machine.
func fromRepositoryVariable(value, name string) bool {
	return value == "${{ vars."+name+" }}" ||
		regexp.MustCompile(`^\$\{\{ vars\.`+name+` \|\| '[A-Za-z0-9_.-]*' \}\}$`).MatchString(value)
}

// checkDeployNoSecrets: with federated credentials azd pipeline config defines no secret at all (only the
// client-credentials mode writes AZURE_CREDENTIALS: github_provider.go configureClientCredentialsAuth), so the
// deploy workflow names none, and no step carries a client secret.
func checkDeployNoSecrets(files map[string]string, _ map[string]*workflow) []string {
	var problems []string
	src := files[deployWorkflow]
	if strings.Contains(src, "secrets.") || strings.Contains(src, "secrets[") {
		problems = append(problems, deployWorkflow+": names a secret; federated sign-in needs none")
	}
	if strings.Contains(src, "--client-secret") || strings.Contains(src, "AZURE_CLIENT_SECRET") || strings.Contains(src, "AZURE_CREDENTIALS") {
		problems = append(problems, deployWorkflow+": uses a client secret")
	}
	return problems
}

// checkDeployAlphaFeatures: a service with `language: custom` needs azd's alpha feature language.custom
// (Azure/azure-dev cli/azd/resources/alpha_features.yaml); a fresh runner has it off, so the workflow turns it on
// before provisioning (azd checks the project's services when it loads azure.yaml).
func checkDeployAlphaFeatures(files map[string]string, wfs map[string]*workflow) []string {
	var project struct {
		Services map[string]struct {
			Language string `yaml:"language"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(files["azure.yaml"]), &project); err != nil {
		return []string{"azure.yaml: " + err.Error()}
	}
	custom := false
	for _, s := range project.Services {
		custom = custom || s.Language == "custom"
	}
	d := wfs[deployWorkflow].Jobs["deploy"]
	if !custom || d == nil {
		return nil
	}
	on := stepIndex(d, "azd config set alpha.language.custom on")
	if on < 0 || on > stepIndex(d, "azd provision") {
		return []string{deployWorkflow + ": azure.yaml uses language: custom, so `azd config set alpha.language.custom on` must run before azd provision"}
	}
	return nil
}

// checkDeployTeardown: `azd down` runs only when someone asks for it by hand (the teardown input of
// workflow_dispatch), never on a push, and provisioning never runs in a teardown run.
func checkDeployTeardown(_ map[string]string, wfs map[string]*workflow) []string {
	d := wfs[deployWorkflow].Jobs["deploy"]
	if d == nil {
		return []string{deployWorkflow + ": no job named deploy"}
	}
	var problems []string
	dispatch, _ := wfs[deployWorkflow].On["workflow_dispatch"].(map[string]any)
	inputs, _ := dispatch["inputs"].(map[string]any)
	if teardown, _ := inputs["teardown"].(map[string]any); teardown == nil || fmt.Sprint(teardown["default"]) != "false" {
		problems = append(problems, deployWorkflow+": workflow_dispatch needs a teardown input that defaults to false")
	}
	for _, s := range d.Steps {
		switch {
		case strings.Contains(s.Run, "azd down") && s.If != "${{ inputs.teardown }}":
			problems = append(problems, fmt.Sprintf("%s: step %q runs azd down without `if: ${{ inputs.teardown }}`", deployWorkflow, s.Name))
		case (strings.Contains(s.Run, "azd provision") || strings.Contains(s.Run, "azd deploy")) && s.If != "${{ !inputs.teardown }}":
			problems = append(problems, fmt.Sprintf("%s: step %q must be skipped in a teardown run (`if: ${{ !inputs.teardown }}`)", deployWorkflow, s.Name))
		}
	}
	if stepIndex(d, "azd down", "--purge", "--no-prompt") < 0 {
		problems = append(problems, deployWorkflow+": no `azd down --purge --no-prompt` step for teardown")
	}
	return problems
}

// checkCICaches: the test job caches Go modules, npm downloads (for every npm project) and the Playwright
// browser, and uploads the browser-test report and the benchmark table even when a test failed.
func checkCICaches(files map[string]string, wfs map[string]*workflow) []string {
	var problems []string
	test := wfs[ciWorkflow].Jobs["test"]
	if test == nil {
		return []string{ciWorkflow + ": no job named test"}
	}
	var goCached, npmCached, browserCached bool
	var uploads []string
	var npmPaths string
	for _, s := range test.Steps {
		action, _, _ := strings.Cut(s.Uses, "@")
		switch action {
		case "actions/setup-go":
			goCached = fmt.Sprint(s.With["cache"]) != "false" && s.With["cache-dependency-path"] == "go.sum"
		case "actions/setup-node":
			npmCached = s.With["cache"] == "npm"
			npmPaths = fmt.Sprint(s.With["cache-dependency-path"])
		case "actions/cache":
			browserCached = browserCached || strings.Contains(fmt.Sprint(s.With["path"]), "ms-playwright")
		case "actions/upload-artifact":
			uploads = append(uploads, fmt.Sprint(s.With["path"]))
		}
	}
	if !goCached {
		problems = append(problems, ciWorkflow+": setup-go must cache modules keyed on go.sum")
	}
	if !npmCached {
		problems = append(problems, ciWorkflow+": setup-node must cache npm")
	}
	for path := range files {
		if dir, ok := strings.CutSuffix(path, "/package.json"); ok && !strings.Contains(npmPaths, dir+"/package-lock.json") {
			problems = append(problems, fmt.Sprintf("%s: the npm cache is not keyed on %s/package-lock.json", ciWorkflow, dir))
		}
	}
	if !browserCached {
		problems = append(problems, ciWorkflow+": the Playwright browser (~/.cache/ms-playwright) is not cached")
	}
	all := strings.Join(uploads, "\n")
	for _, want := range []string{"frontend/playwright-report", "frontend/test-results", "bench/results.md"} {
		if !strings.Contains(all, want) {
			problems = append(problems, fmt.Sprintf("%s: %s is not uploaded as an artifact", ciWorkflow, want))
		}
	}
	if !runsCommand(test, "make bench") {
		problems = append(problems, ciWorkflow+": no `make bench` run to produce bench/results.md")
	}
	return problems
}

// checkDependabot: weekly, grouped updates for Go modules, every npm project (the SPA and the Azurite pin) and
// the pinned GitHub Actions.
func checkDependabot(files map[string]string, _ map[string]*workflow) []string {
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem string         `yaml:"package-ecosystem"`
			Directory string         `yaml:"directory"`
			Groups    map[string]any `yaml:"groups"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal([]byte(files[dependabotFile]), &cfg); err != nil {
		return []string{dependabotFile + ": " + err.Error()}
	}
	want := map[string]bool{"gomod /": false, "github-actions /": false}
	for path := range files {
		if dir, ok := strings.CutSuffix(path, "/package.json"); ok {
			want["npm /"+dir] = false
		}
	}
	var problems []string
	for _, u := range cfg.Updates {
		key := u.Ecosystem + " " + u.Directory
		if _, ok := want[key]; ok {
			want[key] = true
		}
		if len(u.Groups) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %s is not grouped (one pull request per dependency)", dependabotFile, key))
		}
	}
	for _, key := range sortedKeys(want) {
		if !want[key] {
			problems = append(problems, fmt.Sprintf("%s: no update entry for %s", dependabotFile, key))
		}
	}
	return problems
}

// workflowMutations: each breaks one rule in memory; the named check must report it.
var workflowMutations = []mutation{
	{"PinnedActions", ciWorkflow, "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "actions/checkout@v7"},
	{"PinnedActions", deployWorkflow, "Azure/setup-azd@0b7e3a35ab00f2eee7080c845eb39c3f0ebfa553 # v2.4.0", "Azure/setup-azd@0b7e3a35ab00f2eee7080c845eb39c3f0ebfa553"},
	{"NoPullRequestTarget", ciWorkflow, "  pull_request:\n", "  pull_request_target:\n"},
	{"LeastPermissions", ciWorkflow, "permissions:\n  contents: read\n", "permissions: write-all\n"},
	{"LeastPermissions", ciWorkflow, "    permissions:\n      contents: read\n    steps:", "    permissions:\n      contents: read\n      id-token: write\n    steps:"},
	{"LeastPermissions", deployWorkflow, "permissions: {}\n", "permissions:\n  id-token: write\n"},
	{"LeastPermissions", deployWorkflow, "      id-token: write\n      contents: read\n", "      contents: read\n"},
	{"TestsRunMakeTest", ciWorkflow, "        run: make test\n", "        run: make test-go\n"},
	{"TestsRunMakeTest", deployWorkflow, "    needs: [test, setup]\n", "    needs: [setup]\n"},
	{"TestsRunMakeTest", ".ci/run", "make test\n", "make test-go\n"},
	{"DeployIsAzdPipeline", deployWorkflow, "--federated-credential-provider github", "--client-secret \"$X\""},
	{"DeployIsAzdPipeline", deployWorkflow, "        run: azd provision --no-prompt", "        run: azd provision"},
	{"DeployIsAzdPipeline", deployWorkflow, "    branches:\n      - main\n", "    branches:\n      - release\n"},
	// (A newline and six spaces: the deploy job's env, not the setup job's step env.)
	{"DeployEnvFromAzdVariables", deployWorkflow, "\n      AZURE_ENV_NAME: ${{ vars.AZURE_ENV_NAME }}\n", "\n"},
	{"DeployEnvFromAzdVariables", deployWorkflow, "\n      AZURE_LOCATION: ${{ vars.AZURE_LOCATION }}", "\n      AZURE_LOCATION: eastus"},
	{"DeployEnvFromAzdVariables", "infra/main.parameters.json", `"value": "${AZURE_LOCATION}"`, `"value": "${AZURE_NEW_SETTING}"`},
	{"DeployEnvFromAzdVariables", deployWorkflow, "in a pipeline).\n      AZURE_ENTRA_APP_SUFFIX: ${{ vars.AZURE_ENTRA_APP_SUFFIX }}", "in a pipeline).\n      AZURE_ENTRA_APP_SUFFIX: ${{ github.run_id }}"},
	{"DeployNoSecrets", deployWorkflow, "AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}", "AZURE_CLIENT_ID: ${{ secrets.AZURE_CLIENT_ID }}"},
	{"DeployAlphaFeatures", deployWorkflow, "azd config set alpha.language.custom on", "azd config show"},
	{"DeployTeardownOnlyByHand", deployWorkflow, "        if: ${{ inputs.teardown }}\n        run: azd down", "        run: azd down"},
	{"DeployTeardownOnlyByHand", deployWorkflow, "        if: ${{ !inputs.teardown }}\n        run: azd provision", "        run: azd provision"},
	{"CICaches", ciWorkflow, "path: ~/.cache/ms-playwright", "path: ~/.cache/other"},
	{"CICaches", ciWorkflow, "            tools/azurite/package-lock.json\n", ""},
	{"CICaches", ciWorkflow, "          path: bench/results.md\n", "          path: bench/other.md\n"},
	{"Dependabot", dependabotFile, "    directory: /tools/azurite\n", "    directory: /tools\n"},
	{"Dependabot", dependabotFile, "    groups:\n      github-actions:\n        patterns: [\"*\"]\n", ""},
}

func TestWorkflowChecksCatchMutations(t *testing.T) {
	files := workflowFiles(t, repoRoot(t))
	names := map[string]bool{}
	for _, c := range workflowChecks {
		names[c.name] = false
	}
	for _, m := range workflowMutations {
		if _, ok := names[m.check]; !ok {
			t.Fatalf("mutation names unknown check %s", m.check)
		}
		names[m.check] = true
		t.Run(m.check+"/"+m.file, func(t *testing.T) {
			broken := withEdit(t, files, m.file, m.old, m.new)
			if got := runWorkflowChecks(broken); len(got[m.check]) == 0 {
				t.Errorf("%s did not notice %q -> %q in %s (reported: %v)", m.check, m.old, m.new, m.file, got)
			}
		})
	}
	for name, covered := range names {
		if !covered {
			t.Errorf("check %s has no mutation proving it can fail", name)
		}
	}
}
