package infra_test

// azure.yaml against azd's own (alpha) schema, offline: the schema's absolute $refs to azd extension schemas
// are served from the vendored copies in testdata/schemas/azure-dev-extensions (see testdata/schemas/SOURCES.md);
// any other URL is an error, so validation can never quietly fetch from the network.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// schemaDir is testdata/schemas at the repository root: public schemas vendored byte for byte.
func schemaDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "testdata", "schemas")
}

const azdExtensionsBase = "https://raw.githubusercontent.com/Azure/azure-dev/main/cli/azd/extensions/"

// extensionLoader maps azd extension schema URLs to the local copies (one flat directory, unique file names).
type extensionLoader struct{ dir string }

func (l extensionLoader) Load(url string) (any, error) {
	if !strings.HasPrefix(url, azdExtensionsBase) {
		return nil, fmt.Errorf("offline validation: no local copy for %s", url)
	}
	f, err := os.Open(filepath.Join(l.dir, path.Base(url)))
	if err != nil {
		return nil, fmt.Errorf("offline validation: %s: %w", url, err)
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func compileAzureYamlSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	dir := schemaDir(t)
	c := jsonschema.NewCompiler()
	ext := extensionLoader{filepath.Join(dir, "azure-dev-extensions")}
	c.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}, "https": ext, "http": ext})
	s, err := c.Compile(filepath.Join(dir, "azure.yaml.alpha.schema.json"))
	if err != nil {
		t.Fatalf("compiling the azure.yaml schema: %v", err)
	}
	return s
}

// yamlToJSONValue converts YAML to the JSON data model the validator expects.
func yamlToJSONValue(src string) (any, error) {
	var doc any
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func validateAzureYaml(s *jsonschema.Schema, src string) error {
	doc, err := yamlToJSONValue(src)
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

func TestAzureYamlSchema(t *testing.T) {
	s := compileAzureYamlSchema(t)
	files := readProjectFiles(t, repoRoot(t))
	if err := validateAzureYaml(s, files["azure.yaml"]); err != nil {
		t.Fatalf("azure.yaml does not validate against azure.yaml.alpha.schema.json:\n%v", err)
	}
	// The validator must be able to fail: each broken copy has to be rejected.
	for _, m := range []struct{ old, new string }{
		{"    host: function\n", ""},                      // host is required for every service
		{"      - azd: provision\n", "      - azd: 42\n"}, // a step's azd command is a string or {args}
		{"      shell: sh\n", "      shell: bash\n"},      // hook shell is sh or pwsh
		{"workflows:\n  up:\n", "workflows:\n  upp:\n"},   // workflows allows only `up`
	} {
		broken := withEdit(t, files, "azure.yaml", m.old, m.new)["azure.yaml"]
		if err := validateAzureYaml(s, broken); err == nil {
			t.Errorf("schema accepted azure.yaml with %q replaced by %q", m.old, m.new)
		}
	}
}

// The local settings the postprovision hook writes must still satisfy the local.settings.json schema.
func compileLocalSettingsSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}})
	s, err := c.Compile(filepath.Join(schemaDir(t), "local.settings.json.schema.json"))
	if err != nil {
		t.Fatalf("compiling the local.settings.json schema: %v", err)
	}
	return s
}
