package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The host gives a stdout line Information and a stderr line Error, or Warning when it
// contains "warn" (see logging.go). These tests pin the routing that makes the levels true.
func TestLogLevelsGoToTheStreamsTheHostReadsThemFrom(t *testing.T) {
	var stdout, stderr bytes.Buffer
	log := newLogger(&stdout, &stderr).With("invocationId", "abc").WithGroup("req")
	log.Debug("not logged")
	log.Info("served", "status", 200)
	log.Warn("slow storage")
	log.Error("storage down")

	out := lines(t, stdout.String())
	if len(out) != 1 || out[0]["msg"] != "served" || out[0]["invocationId"] != "abc" || out[0]["req"].(map[string]any)["status"] != 200.0 {
		t.Errorf("stdout = %q, want only the Info record with its attributes", stdout.String())
	}
	errs := lines(t, stderr.String())
	if len(errs) != 2 || errs[0]["msg"] != "slow storage" || errs[1]["msg"] != "storage down" {
		t.Fatalf("stderr = %q, want the Warn and Error records", stderr.String())
	}
	// The host looks for "warn" to tell a warning from an error.
	warnLine, errorLine := strings.Split(stderr.String(), "\n")[0], strings.Split(stderr.String(), "\n")[1]
	if !strings.Contains(strings.ToLower(warnLine), "warn") || strings.Contains(strings.ToLower(errorLine), "warn") {
		t.Errorf("warning line %q must contain \"warn\", error line %q must not", warnLine, errorLine)
	}
}

func lines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}
