package docs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/testkit/testenv"
)

// docAPI is the API's address in the docs; the test's stack listens elsewhere.
const docAPI = "http://localhost:7071"

// walkthrough returns the shell block of docs/app-callers.md that starts with `make start`, and
// the status each of its curl commands promises in its trailing `# NNN` comment, in order.
func walkthrough(t *testing.T) (script string, want []string) {
	t.Helper()
	doc, err := os.ReadFile("app-callers.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(make start.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) != 1 {
		t.Fatalf("app-callers.md: %d shell blocks starting with make start, want 1", len(blocks))
	}
	block := string(blocks[0][1])
	// One logical line per command: a backslash-newline continues it, as in the shell.
	status := regexp.MustCompile(`#\s*([1-5][0-9][0-9])\s*$`)
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if !strings.Contains(line, "curl ") {
			continue
		}
		m := status.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("app-callers.md: this curl line does not say the status it gets (a trailing # NNN):\n%s", line)
			continue
		}
		want = append(want, m[1])
	}
	// The test starts the stack itself; every other line runs as written.
	lines := strings.Split(block, "\n")
	if !strings.HasPrefix(lines[0], "make start") {
		t.Fatalf("the block's first line is %q", lines[0])
	}
	return strings.Join(lines[1:], "\n"), want
}

// TestAppCallersWalkthrough runs docs/app-callers.md's local walkthrough, `make token` lines and
// all, against a real local stack (localidentity around the funchost stand-in around the handler,
// on Azurite, as `make start` runs it): every curl must get the status the doc says. It passes
// only with the API's app-only support (GET /api/users for Tasks.Read.All and the
// /api/users/{userId}/tasks write routes).
func TestAppCallersWalkthrough(t *testing.T) {
	script, want := walkthrough(t)
	base := testenv.StartLocalStack(t, "../local.settings.json.example", 2*time.Minute).URL()

	// Each curl also reports its status on stderr, after whatever the line's own -w prints (curl
	// keeps only the last -w it is given); the doc's own lines are unchanged.
	prelude := `set -eu
curl() {
  local args=() w=''
  while [ $# -gt 0 ]; do
    if [ "$1" = -w ]; then w=$2; shift 2; continue; fi
    args+=("$1"); shift
  done
  command curl "${args[@]}" -w "$w%{stderr}STATUS %{http_code}\n"
}
`
	epilogue := "\necho \"USER_ID=$USER_ID TASK=$TASK\"\n"
	full := prelude + strings.ReplaceAll(script, docAPI, base) + epilogue

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", full)
	cmd.Dir = ".." // the repository, where make finds its Makefile
	cmd.Env = scriptEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Errorf("the walkthrough failed: %v", err)
	}
	var got []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if code, ok := strings.CutPrefix(line, "STATUS "); ok {
			got = append(got, code)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("statuses, in the doc's order:\n got  %v\n want %v", got, want)
	}
	ids := regexp.MustCompile(`USER_ID=([0-9a-f-]{36}) TASK=http://[^ ]+/api/users/([0-9a-f-]{36})/tasks/[0-9A-Za-z_-]+\n$`)
	if m := ids.FindStringSubmatch(stdout.String()); err == nil && (m == nil || m[1] != m[2]) {
		t.Errorf("the walkthrough did not find alice's id and the new task's address under it:\n%s", stdout.String())
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

// scriptEnv is this process's environment for the walkthrough, minus what a surrounding `make`
// passes down, plus a placeholder tenant: as in Core Tools, a non-empty AZURE_TENANT_ID in the
// environment wins over local.settings.json, so `make token` mints local-identity tokens
// even when a developer's settings file names a real tenant (tools/localidentity, isLocal).
func scriptEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "AZURE_TENANT_ID":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AZURE_TENANT_ID=<local identity>")
}
