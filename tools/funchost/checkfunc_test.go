package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckFunc runs tools/check-func.sh (which tools/start (devstack) runs before preferring `func`
// to this stand-in) with a fake `func` on PATH printing what Core Tools' `func --version`
// prints: the bare version, e.g. 4.14.0 or 5.0.0-preview.3 (azure-functions-core-tools
// src/Cli/func/Program.cs; Extensions/AssemblyExtensions.cs GetCliVersion).
func TestCheckFunc(t *testing.T) {
	shell := "sh"
	if dash, err := exec.LookPath("dash"); err == nil {
		shell = dash // the strictest POSIX shell at hand
	}
	for _, tc := range []struct {
		version  string // "" with fail: func itself fails
		fail     bool
		ok       bool
		wantLine string
	}{
		{version: "4.2.0", ok: true},
		{version: "4.2.1", ok: true}, // the first tag with host 4.1041.200
		{version: "4.14.0", ok: true},
		{version: "4.10.0+2ced9a89e29b", ok: true},
		{version: "5.0.0-preview.3", ok: true},
		// Host 4.1040.300, which predates enableProxyingHttpRequest (see check-func.sh).
		{version: "4.1.2", wantLine: "4.1.2 is too old: this app needs 4.2.0 or later"},
		{version: "4.1.0", wantLine: "needs 4.2.0 or later"},
		{version: "4.0.7512", wantLine: "needs 4.2.0 or later"},
		{version: "4.0.10000-dev", wantLine: "needs 4.2.0 or later"},
		{version: "3.0.4899", wantLine: "needs 4.2.0 or later"},
		{version: "banana", wantLine: `printed "banana", not a version`},
		{fail: true, wantLine: "could not run `func --version`"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			bin := t.TempDir()
			script := "#!/bin/sh\necho '" + tc.version + "'\n"
			if tc.fail {
				script = "#!/bin/sh\nexit 3\n"
			}
			if err := os.WriteFile(filepath.Join(bin, "func"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(shell, "../check-func.sh")
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if tc.ok {
				if err != nil || len(out) != 0 {
					t.Errorf("Core Tools %s refused: %v %s", tc.version, err, out)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if err == nil || cmd.ProcessState.ExitCode() != 1 || len(lines) != 1 ||
				!strings.Contains(lines[0], tc.wantLine) || !strings.Contains(lines[0], "npm install -g azure-functions-core-tools@4") {
				t.Errorf("Core Tools %q: exit %v, output %q; want exit 1 and one line with %q and how to upgrade", tc.version, err, out, tc.wantLine)
			}
		})
	}
}
