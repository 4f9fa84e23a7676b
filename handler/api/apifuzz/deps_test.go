package apifuzz

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The fuzzing binary must stay lean: `go test -fuzz` instruments every package it links, and
// an OpenAPI validator (the integration suite's contract checker) made each fuzz build take
// minutes. This holds the package's test dependencies, as `go list` resolves them, to no
// validator, no schema library and not the suite that carries them.
func TestFuzzBinaryLinksNoOpenAPIValidator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps -test: %v", err)
	}
	deps := strings.Fields(string(out))
	// The list is the real one: it holds what the fuzz targets run.
	if !slices.Contains(deps, "github.com/example/entra-tasks/testkit/inprocess") {
		t.Fatalf("go list -deps -test does not list testkit/inprocess; got %d packages", len(deps))
	}
	var linked []string
	for _, pkg := range deps {
		if reason := heavy(pkg); reason != "" {
			linked = append(linked, pkg+" ("+reason+")")
		}
	}
	if len(linked) > 0 {
		t.Errorf("the fuzz binary links %d packages that belong to the contract checker, first:\n%s",
			len(linked), strings.Join(linked[:min(len(linked), 5)], "\n"))
	}
}

// heavy says why pkg must stay out of the fuzz binary, or "" if it may be linked.
func heavy(pkg string) string {
	forbidden := map[string]string{
		"github.com/example/entra-tasks/testkit/apitest":  "the integration suite, which checks every answer with the contract",
		"github.com/example/entra-tasks/testkit/contract": "the OpenAPI contract checker",
		"github.com/pb33f/":                     "pb33f's OpenAPI libraries and what they need",
		"github.com/getkin/kin-openapi":         "an OpenAPI validator",
		"github.com/go-openapi/":                "OpenAPI spec and validation libraries",
		"github.com/ogen-go/":                   "an OpenAPI code generator and validator",
		"github.com/santhosh-tekuri/jsonschema": "a JSON Schema validator",
	}
	for prefix, reason := range forbidden {
		if strings.HasPrefix(pkg, prefix) {
			return reason
		}
	}
	lower := strings.ToLower(pkg)
	if strings.Contains(lower, "openapi") || strings.Contains(lower, "jsonschema") {
		return "its path names OpenAPI or JSON Schema"
	}
	return ""
}
