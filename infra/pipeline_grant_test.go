package infra_test

// scripts/grant-pipeline-graph.sh, run for real by its path against a fake Azure CLI that records every call and
// answers as az does. What it must do: grant exactly Application.ReadWrite.OwnedBy (the least Graph
// permission that lets an app-only caller create and update the app registrations it owns), on the signed-in
// cloud's Graph endpoint, once. The tests run in parallel: each has its own fake az and call log.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	pipelineClientID = "cccccccc-0000-0000-0000-000000000003"
	// Microsoft Graph permissions reference: the app role ids of Graph's application permissions.
	appRoleApplicationReadWriteOwnedBy = "18a4783c-866b-4cc7-a460-3d5e5662c884"
	appRoleApplicationReadWriteAll     = "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"
	appRoleAppRoleAssignmentReadWrite  = "06b708a9-e830-4db3-a914-8e69da51d44f" // AppRoleAssignment.ReadWrite.All
)

// fakeAzForGrant answers the calls the script makes; FAKE_* variables choose the answers, and every call is appended
// to $AZ_LOG, one line each.
const fakeAzForGrant = `#!/bin/sh
printf '%s\n' "$*" >>"$AZ_LOG"
case "$*" in
"cloud show"*) echo "${FAKE_GRAPH:-https://graph.microsoft.com/}" ;;
"ad sp show --id 00000003-0000-0000-c000-000000000000"*) echo graph-sp-object-id ;;
"ad sp show --id"*) [ -n "${FAKE_NO_SP-}" ] && { echo "ERROR: not found" >&2; exit 3; }; echo pipeline-sp-object-id ;;
"rest --method GET"*) echo "${FAKE_HELD-}" ;;
"rest --method POST"*) exit "${FAKE_POST_RC:-0}" ;;
*) echo "fake az: unexpected call: $*" >&2; exit 99 ;;
esac
`

type grantRun struct {
	out   string
	err   error
	calls []string
}

func runGrant(t *testing.T, clientID string, env ...string) grantRun {
	t.Helper()
	return runGrantArgs(t, []string{clientID}, env...)
}

func runGrantArgs(t *testing.T, args []string, env ...string) grantRun {
	t.Helper()
	needTools(t, "sh")
	root := repoRoot(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(fakeAzForGrant), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "az.log")
	// Run by its path, as docs/deploy.md tells the admin to (`scripts/grant-pipeline-graph.sh <client id>`): the
	// shell executes the file itself, so it must be executable in the checkout.
	cmd := exec.Command(filepath.Join(root, "scripts", "grant-pipeline-graph.sh"), args...)
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "AZ_LOG=" + log, "HOME=" + t.TempDir()}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	b, _ := os.ReadFile(log)
	var calls []string
	if s := strings.TrimSpace(string(b)); s != "" {
		calls = strings.Split(s, "\n")
	}
	return grantRun{out: out.String(), err: err, calls: calls}
}

func (r grantRun) posts() []string {
	var p []string
	for _, c := range r.calls {
		if strings.HasPrefix(c, "rest --method POST") {
			p = append(p, c)
		}
	}
	return p
}

func TestGrantPipelineGraphGrantsOnlyOwnedBy(t *testing.T) {
	t.Parallel()
	r := runGrant(t, pipelineClientID)
	if r.err != nil {
		t.Fatalf("grant failed: %v\n%s", r.err, r.out)
	}
	posts := r.posts()
	if len(posts) != 1 {
		t.Fatalf("want exactly one grant, got %d:\n%s", len(posts), strings.Join(r.calls, "\n"))
	}
	post := posts[0]
	for _, want := range []string{
		"--url https://graph.microsoft.com/v1.0/servicePrincipals/pipeline-sp-object-id/appRoleAssignments",
		`"principalId":"pipeline-sp-object-id"`,
		`"resourceId":"graph-sp-object-id"`,
		`"appRoleId":"` + appRoleApplicationReadWriteOwnedBy + `"`,
	} {
		if !strings.Contains(post, want) {
			t.Errorf("the grant lacks %s:\n%s", want, post)
		}
	}
	if strings.Contains(strings.Join(r.calls, "\n"), appRoleApplicationReadWriteAll) {
		t.Error("the script grants Application.ReadWrite.All: tenant-wide write is more than the Bicep needs")
	}
	if strings.Contains(strings.Join(r.calls, "\n"), appRoleAppRoleAssignmentReadWrite) {
		t.Error("without --assign-roles the script grants AppRoleAssignment.ReadWrite.All, which can grant any app role in the tenant")
	}
	if !strings.Contains(r.out, "Granted Application.ReadWrite.OwnedBy") {
		t.Errorf("no confirmation line:\n%s", r.out)
	}
}

// --assign-roles adds AppRoleAssignment.ReadWrite.All, which a pipeline needs only to create the Admin assignment
// for AZURE_ADMIN_USER_ID (Microsoft Graph permissions reference: app role id 06b708a9-...; the Graph Bicep
// extension's appRoleAssignedTo is a POST to servicePrincipals/{resourceId}/appRoleAssignedTo).
func TestGrantPipelineGraphAssignRoles(t *testing.T) {
	t.Parallel()
	r := runGrantArgs(t, []string{"--assign-roles", pipelineClientID})
	if r.err != nil {
		t.Fatalf("grant failed: %v\n%s", r.err, r.out)
	}
	posts := r.posts()
	if len(posts) != 2 || !strings.Contains(posts[0], appRoleApplicationReadWriteOwnedBy) || !strings.Contains(posts[1], `"appRoleId":"`+appRoleAppRoleAssignmentReadWrite+`"`) {
		t.Fatalf("want OwnedBy then AppRoleAssignment.ReadWrite.All, got:\n%s", strings.Join(posts, "\n"))
	}
	if !strings.Contains(r.out, "remove it once") {
		t.Errorf("no warning about the permission's strength:\n%s", r.out)
	}
	if again := runGrantArgs(t, []string{"--assign-roles", pipelineClientID}, "FAKE_HELD=existing"); len(again.posts()) != 0 || again.err != nil {
		t.Errorf("second run granted again or failed: %v %v", again.posts(), again.err)
	}
}

func TestGrantPipelineGraphUsesTheSignedInCloud(t *testing.T) {
	t.Parallel()
	r := runGrant(t, pipelineClientID, "FAKE_GRAPH=https://graph.microsoft.us/")
	if r.err != nil {
		t.Fatalf("grant failed: %v\n%s", r.err, r.out)
	}
	for _, c := range r.calls {
		if strings.HasPrefix(c, "rest") && !strings.Contains(c, "--url https://graph.microsoft.us/v1.0/") {
			t.Errorf("a Graph call ignores the signed-in cloud's endpoint: %s", c)
		}
	}
}

func TestGrantPipelineGraphIsIdempotent(t *testing.T) {
	t.Parallel()
	r := runGrant(t, pipelineClientID, "FAKE_HELD=existing-assignment-id")
	if r.err != nil {
		t.Fatalf("second run failed: %v\n%s", r.err, r.out)
	}
	if p := r.posts(); len(p) != 0 {
		t.Errorf("granted again although the assignment exists: %v", p)
	}
	if !strings.Contains(r.out, "already holds") {
		t.Errorf("no 'already holds' line:\n%s", r.out)
	}
}

func TestGrantPipelineGraphRefusals(t *testing.T) {
	t.Parallel()
	t.Run("not a client id", func(t *testing.T) {
		r := runGrant(t, "my-pipeline")
		if r.err == nil || len(r.calls) != 0 {
			t.Fatalf("want a refusal before any az call; err=%v calls=%v", r.err, r.calls)
		}
		if !strings.Contains(r.out, "AZURE_CLIENT_ID is not a GUID") {
			t.Errorf("message does not name the argument:\n%s", r.out)
		}
	})
	t.Run("no such service principal", func(t *testing.T) {
		r := runGrant(t, pipelineClientID, "FAKE_NO_SP=1")
		if r.err == nil || len(r.posts()) != 0 {
			t.Fatalf("want a failure and no grant; err=%v", r.err)
		}
		if !strings.Contains(r.out, "azd pipeline config") {
			t.Errorf("message does not say what to run:\n%s", r.out)
		}
	})
	t.Run("caller may not grant", func(t *testing.T) {
		r := runGrant(t, pipelineClientID, "FAKE_POST_RC=1")
		if r.err == nil {
			t.Fatal("a refused grant must fail the script")
		}
		if !strings.Contains(r.out, "Privileged Role Administrator") {
			t.Errorf("message does not name the role needed:\n%s", r.out)
		}
	})
}
