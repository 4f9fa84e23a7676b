package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBenchLinksNoTestingPackage: bench is a command, so the test support it starts processes with
// (testkit/stack) must not bring the testing package into its binary, as testkit/testenv would.
func TestBenchLinksNoTestingPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), out)
	}
	for _, pkg := range deps {
		if pkg == "testing" || strings.HasSuffix(pkg, "/testkit/testenv") {
			t.Errorf("bench links %s", pkg)
		}
	}
}
