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

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/devstack/stage"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/settings"
	"github.com/example/entra-tasks/tools/funchost/host"
)

var constraint = regexp.MustCompile(`\{([a-zA-Z]+)(:[^}]*)?\}`)

// stagedApp lays the function app out as `make build` stages it (devstack/stage) and reads it with
// the host stand-in, which applies the Functions host's own checks to every function folder:
// the same reading whether or not the stand-in serves the app.
func stagedApp(t *testing.T) *host.App {
	t.Helper()
	dir := t.TempDir()
	handler := filepath.Join(t.TempDir(), stage.HandlerName)
	if err := os.WriteFile(handler, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := stage.App("..", dir, handler); err != nil {
		t.Fatal(err)
	}
	app, err := host.LoadApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// TestFunctionFoldersPassTheHostsChecks fails for a function folder the Functions host would
// put in error (a route under admin/ or runtime/, a route another function already has, a
// folder name it does not accept, ...): the host never routes such a function, so its routes
// answer 404 under func start and in Azure.
func TestFunctionFoldersPassTheHostsChecks(t *testing.T) {
	for _, fnErr := range stagedApp(t).Errors {
		t.Errorf("the Functions host would not route it: %v", fnErr)
	}
}

// declaredRoutes is what the host routes: routePrefix from host.json plus each function's
// route (or its folder name), for each of its methods, for the functions it accepts.
func declaredRoutes(t *testing.T) []api.Route {
	t.Helper()
	app := stagedApp(t)
	if len(app.Functions) == 0 {
		t.Fatal("no function the host would route")
	}
	var routes []api.Route
	for _, fn := range app.Functions {
		if fn.AuthLevel != "anonymous" {
			t.Errorf("function %s: authLevel %q; the handler validates Entra tokens itself, so it must be anonymous", fn.Name, fn.AuthLevel)
		}
		if len(fn.Methods) == 0 {
			t.Errorf("function %s declares no methods, so every method: name the ones the handler serves", fn.Name)
		}
		path := "/" + constraint.ReplaceAllString(fn.Route.Template, "{$1}")
		for _, m := range fn.Methods {
			routes = append(routes, api.Route{Method: m, Path: path})
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
			t.Errorf("the handler serves %s but no function the host routes declares it: the host would answer 404", key(r))
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
		case "AZURE_TENANT_ID":
			return entra.TestTenant
		case "AZURE_API_CLIENT_ID":
			return entra.TestClient
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

// The host closes an idle connection to the handler after host.PoolIdleTimeout (.NET's
// pooled-connection idle time-out, see there); the handler must keep idle connections longer,
// or it would close one just as the host sends a request on it, and the host would answer 500.
func TestHostDropsIdleConnectionsBeforeTheHandler(t *testing.T) {
	if idle := productionLimits().idle; idle <= host.PoolIdleTimeout {
		t.Errorf("the handler closes idle connections after %v, not later than the host's %v", idle, host.PoolIdleTimeout)
	}
}
