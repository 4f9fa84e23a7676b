package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/settings"
)

// functionJSON is the part of function.json the host uses to route.
type functionJSON struct {
	Bindings []struct {
		Type      string   `json:"type"`
		Direction string   `json:"direction"`
		AuthLevel string   `json:"authLevel"`
		Methods   []string `json:"methods"`
		Route     string   `json:"route"`
	} `json:"bindings"`
}

var constraint = regexp.MustCompile(`\{([a-zA-Z]+)(:[^}]*)?\}`)

// declaredRoutes reads every function.json the way the host does: routePrefix from host.json
// plus each function's route (or its folder name), for each of its methods.
func declaredRoutes(t *testing.T) []api.Route {
	t.Helper()
	var host struct {
		Extensions struct {
			HTTP struct {
				RoutePrefix *string `json:"routePrefix"`
			} `json:"http"`
		} `json:"extensions"`
	}
	readJSON(t, "../host.json", &host)
	prefix := "api"
	if host.Extensions.HTTP.RoutePrefix != nil {
		prefix = *host.Extensions.HTTP.RoutePrefix
	}
	files, err := filepath.Glob("../functions/*/function.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no function.json files found: %v", err)
	}
	var routes []api.Route
	for _, f := range files {
		var fn functionJSON
		readJSON(t, f, &fn)
		if len(fn.Bindings) != 2 || fn.Bindings[0].Type != "httpTrigger" || fn.Bindings[1].Type != "http" {
			t.Errorf("%s: want exactly an httpTrigger and an http output, or the host stops proxying it", f)
			continue
		}
		trigger := fn.Bindings[0]
		if trigger.AuthLevel != "anonymous" {
			t.Errorf("%s: authLevel %q; the handler validates Entra tokens itself, so it must be anonymous", f, trigger.AuthLevel)
		}
		route := trigger.Route
		if route == "" {
			route = filepath.Base(filepath.Dir(f))
		}
		path := "/" + strings.Trim(prefix+"/"+constraint.ReplaceAllString(route, "{$1}"), "/")
		for _, m := range trigger.Methods {
			routes = append(routes, api.Route{Method: strings.ToUpper(m), Path: path})
		}
	}
	return routes
}

func TestFunctionJSONMatchesHandlerRoutes(t *testing.T) {
	declared := declaredRoutes(t)
	served := api.Routes()
	key := func(r api.Route) string { return r.Method + " " + r.Path }
	for _, r := range served {
		if !slices.ContainsFunc(declared, func(d api.Route) bool { return key(d) == key(r) }) {
			t.Errorf("the handler serves %s but no function.json declares it: the host would answer 404", key(r))
		}
	}
	for _, d := range declared {
		if !slices.ContainsFunc(served, func(r api.Route) bool { return key(d) == key(r) }) {
			t.Errorf("a function.json declares %s but the handler does not serve it", key(d))
		}
	}
}

func TestHostJSON(t *testing.T) {
	validateAgainstSchema(t, "../host.json", "host.json.schema.json")
	var host struct {
		Version       string `json:"version"`
		CustomHandler struct {
			Description struct {
				DefaultExecutablePath string `json:"defaultExecutablePath"`
			} `json:"description"`
			Proxying   bool `json:"enableProxyingHttpRequest"`
			Forwarding bool `json:"enableForwardingHttpRequest"`
		} `json:"customHandler"`
		ExtensionBundle any `json:"extensionBundle"`
	}
	readJSON(t, "../host.json", &host)
	if host.Version != "2.0" || host.CustomHandler.Description.DefaultExecutablePath != "handler" ||
		!host.CustomHandler.Proxying || !host.CustomHandler.Forwarding || host.ExtensionBundle != nil {
		t.Errorf("host.json = %+v", host)
	}
}

func TestLocalSettingsExample(t *testing.T) {
	validateAgainstSchema(t, "../local.settings.json.example", "local.settings.json.schema.json")
	var ls struct {
		Values map[string]string `json:"Values"`
		Host   struct {
			LocalHTTPPort int    `json:"LocalHttpPort"`
			CORS          string `json:"CORS"`
		} `json:"Host"`
	}
	readJSON(t, "../local.settings.json.example", &ls)
	// Every setting the handler reads must be in the example, so nobody has to guess a name.
	for _, s := range settings.All() {
		if _, ok := ls.Values[s.Name]; !ok && s.Name != settings.HostPort { // the host sets the port
			t.Errorf("local.settings.json.example lacks %s", s.Name)
		}
	}
	if ls.Values["FUNCTIONS_WORKER_RUNTIME"] != "custom" || ls.Host.LocalHTTPPort != 7071 || !strings.Contains(ls.Host.CORS, "http://localhost:5173") {
		t.Errorf("local.settings.json.example: %+v", ls)
	}
	// With the placeholders filled in, the example's storage settings start the handler.
	env := func(name string) string {
		switch name {
		case "AZURE_TENANT_ID", "AZURE_API_CLIENT_ID":
			return "11111111-1111-4111-8111-111111111111"
		}
		return ls.Values[name]
	}
	if _, err := settings.Load(env); err != nil {
		t.Errorf("example settings with ids filled in: %v", err)
	}
}

func validateAgainstSchema(t *testing.T, file, schemaName string) {
	t.Helper()
	// The published schemas are vendored, so the check runs in every clone, offline.
	schemaPath := filepath.Join("..", "testdata", "schemas", schemaName)
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaName, err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("%s does not validate against %s: %v", file, schemaName, err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
