package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandsLinkNoTestingPackage: bench and the tools that start the stack are commands, so the
// test support they start processes with (devstack, devstack/entra) must not bring the testing
// package into their binaries, as testkit/testenv would.
func TestCommandsLinkNoTestingPackage(t *testing.T) {
	for _, cmd := range []string{".", "../tools/start", "../tools/funchost", "../tools/localidentity", "../tools/pack"} {
		out, err := exec.Command("go", "list", "-deps", cmd).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", cmd, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed %d packages: %q", cmd, len(deps), out)
		}
		for _, pkg := range deps {
			if pkg == "testing" || strings.HasSuffix(pkg, "/testkit/testenv") {
				t.Errorf("%s links %s", cmd, pkg)
			}
		}
	}
}
