package infra_test

// host.json's telemetry settings (issue 28): errors and warnings never sampled away, routine host traces not kept.
//
// Read as the host reads it: host.json is bound through .NET configuration, whose keys are case-insensitive, and a
// category's level is the one of the longest logLevel key it starts with (case-insensitive), else "default"
// (https://learn.microsoft.com/azure/azure-functions/configure-monitoring#configure-categories; the stand-in
// tools/funchost applies the same rule, see its lifecycle tests).
//
// Sampling cannot keep traces by level: the host's adaptive sampling takes excludedTypes, a list of telemetry types
// (Dependency, Event, Exception, PageView, Request, Trace), and nothing finer
// (https://learn.microsoft.com/azure/azure-functions/functions-host-json#applicationinsightssamplingsettings). The
// handler's WARN and ERROR lines reach Application Insights as traces of the category Host.Function.Console (no
// exception attached, so never Exception telemetry), so the only way to never sample them away is to exclude Trace
// as a whole. What keeps the bill down instead is what is logged at all: the host's own per-invocation traces
// (category Function.<name>: "Executing ...", "Executed ...") are cut by logLevel, and requests (Host.Results) stay,
// unsampled, as the one row per request the 5xx and latency views read.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ciGet follows keys case-insensitively, as .NET configuration binding does.
func ciGet(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		var next any
		for key, val := range m {
			if strings.EqualFold(key, k) {
				next = val
			}
		}
		v = next
	}
	return v
}

// effectiveLevel is the level a category is logged at: the longest matching logLevel prefix, else default.
func effectiveLevel(logLevel map[string]any, category string) string {
	best, level := -1, ""
	for key, val := range logLevel {
		s, _ := val.(string)
		if strings.EqualFold(key, "default") {
			if best < 0 {
				level = s
			}
			continue
		}
		if len(key) > best && len(key) <= len(category) && strings.EqualFold(category[:len(key)], key) {
			best, level = len(key), s
		}
	}
	return level
}

var levelRank = map[string]int{"trace": 0, "debug": 1, "information": 2, "warning": 3, "error": 4, "critical": 5, "none": 6}

func hostJSONProblems(src string) (ps problems) {
	var doc any
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		ps.add("host.json: %v", err)
		return
	}
	levels, _ := ciGet(doc, "logging", "logLevel").(map[string]any)
	keeps := func(category, level string) bool {
		got, ok := levelRank[strings.ToLower(effectiveLevel(levels, category))]
		return ok && got <= levelRank[level]
	}
	// The handler's lines, every level; the host's request rows; its own errors.
	for category, level := range map[string]string{
		"Host.Function.Console": "information",
		"Host.Results":          "information",
		"Host.Startup":          "error",
		"Function.tasks":        "error",
	} {
		if !keeps(category, level) {
			ps.add("host.json logLevel: %s must keep %s lines (effective level %q)", category, level, effectiveLevel(levels, category))
		}
	}
	// Routine host traces: the per-invocation lines of every function and the host's general chatter.
	for _, category := range []string{"Function.tasks", "Function.health", "Host.General", "Microsoft.AspNetCore.Hosting.Diagnostics", "Host.Triggers.Http"} {
		if keeps(category, "information") {
			ps.add("host.json logLevel: %s keeps Information lines (effective level %q): routine host traces cost without helping", category, effectiveLevel(levels, category))
		}
	}
	sampling := ciGet(doc, "logging", "applicationInsights", "samplingSettings")
	if enabled, ok := ciGet(sampling, "isEnabled").(bool); ok && !enabled {
		return // nothing is sampled at all
	}
	excluded, _ := ciGet(sampling, "excludedTypes").(string)
	var types []string
	for _, t := range strings.Split(excluded, ";") {
		types = append(types, strings.ToLower(strings.TrimSpace(t)))
	}
	for _, want := range []string{"exception", "trace", "request"} {
		if !slices.Contains(types, want) {
			ps.add("host.json samplingSettings.excludedTypes = %q lacks %s: sampling would drop some of them", excluded, want)
		}
	}
	return
}

func TestHostJSONTelemetry(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for _, msg := range hostJSONProblems(src) {
		t.Error(msg)
	}
	// Read the way the host reads it: other key casing means the same.
	for old, new := range map[string]string{`"logLevel"`: `"LOGLEVEL"`, `"excludedTypes"`: `"ExcludedTypes"`, `"Host.Function.Console"`: `"host.function.console"`} {
		if ps := hostJSONProblems(strings.Replace(src, old, new, 1)); len(ps) > 0 {
			t.Errorf("with %s spelled %s: %v", old, new, ps)
		}
	}
	// Each rule can fail.
	for _, m := range []struct{ old, new string }{
		{"Request;Exception;Trace", "Request;Exception"},
		{"Request;Exception;Trace", "Request;Trace"},
		{`"Function": "Warning"`, `"Function": "Information"`},
		{`"default": "Warning"`, `"default": "Information"`},
		{`"Host.Function.Console": "Information"`, `"Host.Function.Console": "Warning"`},
		{`"Host.Results": "Information"`, `"Host.Results": "Error"`},
		{`"default": "Warning"`, `"default": "None"`},
	} {
		if !strings.Contains(src, m.old) {
			t.Fatalf("mutation: %q not in host.json", m.old)
		}
		if len(hostJSONProblems(strings.Replace(src, m.old, m.new, 1))) == 0 {
			t.Errorf("host.json with %q -> %q passed", m.old, m.new)
		}
	}
}
