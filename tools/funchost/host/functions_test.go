package host

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/entra-tasks/testkit/testenv"
)

// The host's rules for function folders (functions.go). The cases are the host's own tests,
// named after them (azure-functions-host test/WebJobs.Script.Tests/ScriptHostTests.cs and
// UtilityTests.cs), and a few more where Go and .NET could part ways.

func TestFunctionNamesAsUtilityIsValidFunctionName(t *testing.T) {
	// UtilityTests.ValidateFunctionName_ThrowsOnInvalidName, and
	// ScriptHostTests.Initialize_InvalidFunctionNames_DoesNotCreateFunctionAndLogsFailure.
	invalid := []string{"", "host", "Host", "-function", "_function", "function test", "function.test", "function0.1"}
	// UtilityTests.IsValidFunctionNameTests (false rows; the culture plays no part).
	invalid = append(invalid, "MáNUALtRIGGER", "hello!", "コード", "🙅")
	// 1 + 128 characters; "host" with .NET's `$` before a final newline.
	invalid = append(invalid, "a"+strings.Repeat("b", 128), "host\n", "HOST\n", "tasks\n\n")
	for _, name := range invalid {
		if ValidFunctionName(name) {
			t.Errorf("%q accepted, the host refuses it", name)
		}
		want := "'" + name + "' is not a valid function name."
		if err := checkFunctionName(name); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", name, err, want)
		}
	}
	// UtilityTests.ValidateFunctionName_DoesNotThrowOnValidName and the true rows of
	// IsValidFunctionNameTests; 128 characters; a final "\n", which .NET's `$` allows.
	valid := []string{"testwithhost", "hosts", "myfunction", "myfunction-test", "myfunction_test",
		"createIsolationEnvironment", "HttpTrigger2", "HttptRIGGER", "Function-200", "MaNUALtRIGGER",
		"a" + strings.Repeat("b", 127), "tasks\n", "hostx", "xhost"}
	for _, name := range valid {
		if !ValidFunctionName(name) || checkFunctionName(name) != nil {
			t.Errorf("%q refused, the host accepts it", name)
		}
	}
	// Stricter than .NET may be: a look-alike of a letter (U+212A KELVIN SIGN) is refused.
	if ValidFunctionName("\u212aelvin") {
		t.Error("a name starting with U+212A accepted; the stand-in accepts ASCII letters only")
	}
}

// TestValidateFunctionValidatesHTTPRoutes is ScriptHostTests.ValidateFunction_ValidatesHttpRoutes,
// step by step.
func TestValidateFunctionValidatesHTTPRoutes(t *testing.T) {
	var fns HTTPFunctions
	add := func(name string, trigger HTTPTrigger, wantErr string, wantLen int) HTTPTrigger {
		t.Helper()
		got, err := fns.Add(name, trigger)
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case wantErr != "" && (err == nil || err.Error() != wantErr):
			t.Errorf("%s: error %v, want %q", name, err, wantErr)
		}
		if fns.Len() != wantLen {
			t.Errorf("after %s: %d functions, want %d", name, fns.Len(), wantLen)
		}
		return got
	}
	get := []string{"get"}
	add("test", HTTPTrigger{Route: "products/{category}/{id?}", Methods: get}, "", 1)
	add("test2", HTTPTrigger{Route: "/foo/bar/baz/", Methods: get}, "", 2)
	// Varies from test2 only by its methods.
	add("test3", HTTPTrigger{Route: "/foo/bar/baz/", Methods: []string{"put", "post"}}, "", 3)
	// The same route with every method: it meets test2 first.
	add("test4", HTTPTrigger{Route: "/foo/bar/baz/"}, "The route specified conflicts with the route defined by function 'test2'.", 3)
	add("test5", HTTPTrigger{Route: "admin/foo/bar"}, "The specified route conflicts with one or more built in routes.", 3)
	add("test6", HTTPTrigger{Route: "runtime/foo/bar"}, "The specified route conflicts with one or more built in routes.", 3)
	// An empty route defaults to the function's name.
	if got := add("test7", HTTPTrigger{}, "", 4); got.Route != "test7" {
		t.Errorf("test7's route is %q, want its name", got.Route)
	}
}

// TestReservedRoutesAsValidateHTTPFunction adds cases around the reserved prefixes: trimmed of
// '/' and lower-cased, before the route prefix; and a function whose default route (its name)
// starts with one.
func TestReservedRoutesAsValidateHTTPFunction(t *testing.T) {
	for _, tc := range []struct {
		name, route string
		refused     bool
	}{
		{"x", "/Admin/users", true},
		{"x", "RUNTIME", true},
		{"x", "administrators", true}, // a prefix of the text, not of a segment
		{"x", "runtimes/x", true},
		{"admin-users", "", true}, // the default route is the name
		{"admin-users", "  ", true},
		{"x", "users", false},
		{"x", "api/admin/users", false}, // served at /api/api/admin/users: the prefix is not in the route
		{"x", "{who}/admin", false},
		{"x", " admin", false}, // Trim('/') leaves the space
	} {
		_, err := validateHTTPFunction(tc.name, HTTPTrigger{Route: tc.route})
		if refused := err != nil; refused != tc.refused {
			t.Errorf("function %q, route %q: refused %v, want %v", tc.name, tc.route, refused, tc.refused)
		}
	}
}

// TestHTTPRoutesConflict is ScriptHostTests.HttpRoutesConflict_ReturnsExpectedResult, both
// ways round, with a few more rows.
func TestHTTPRoutesConflict(t *testing.T) {
	route := func(r string, methods ...string) HTTPTrigger { return HTTPTrigger{Route: r, Methods: methods} }
	for _, tc := range []struct {
		a, b     HTTPTrigger
		conflict bool
	}{
		{route("foo/bar/baz"), route("foo/bar"), false},
		{route("foo/bar/baz"), route("foo/bar/baz"), true},
		{route("foo/bar/baz", "get", "head"), route("foo/bar/baz", "post", "put"), false},
		{route("foo/bar/baz", "get", "head"), route("foo/bar/baz"), true},
		{route("foo/bar/baz", "get", "head", "put", "post"), route("foo/bar/baz", "put"), true},
		// Beyond the host's test: '/' trimmed, case ignored in the route, not in the methods
		// (Enumerable.Intersect over the strings), and parameters compared as text.
		{route("/Foo/Bar/"), route("foo/bar"), true},
		{route("foo", "get"), route("foo", "GET"), false},
		{route("tasks/{id}", "get"), route("tasks/{taskId}", "get"), false},
	} {
		if got := httpRoutesConflict(tc.a, tc.b); got != tc.conflict {
			t.Errorf("%+v and %+v: conflict %v, want %v", tc.a, tc.b, got, tc.conflict)
		}
		if got := httpRoutesConflict(tc.b, tc.a); got != tc.conflict {
			t.Errorf("%+v and %+v: conflict %v, want %v", tc.b, tc.a, got, tc.conflict)
		}
	}
}

// TestValidateFunctionThrowsOnDuplicateName is ScriptHostTests.ValidateFunction_ThrowsOnDuplicateName.
// The host's test adds a proxy as the second function; proxies are not emulated, so here it
// is a function of the same name on another route.
func TestValidateFunctionThrowsOnDuplicateName(t *testing.T) {
	var fns HTTPFunctions
	if _, err := fns.Add("test", HTTPTrigger{Methods: []string{"get"}}); err != nil {
		t.Fatal(err)
	}
	_, err := fns.Add("test", HTTPTrigger{Route: "proxyRoute", Methods: []string{"get"}})
	if want := "The function or proxy name 'test' must be unique within the function app."; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestFunctionsAreValidatedInTheHostsOrder(t *testing.T) {
	names := []string{"B", "ab", "a_b", "a-b"}
	sortInHostOrder(names)
	// OrdinalIgnoreCase compares upper case: '-' (0x2D) < 'B' (0x42) < '_' (0x5F).
	if want := []string{"a-b", "ab", "a_b", "B"}; !slices.Equal(names, want) {
		t.Errorf("order %q, want %q", names, want)
	}

	// So of two functions on one route, a_b is the one in error, whatever the disk's order.
	root := stageRepoApp(t, nil)
	writeJSON(t, filepath.Join(root, "a_b", "function.json"), httpFunctionJSON([]string{"get"}, "same"))
	writeJSON(t, filepath.Join(root, "ab", "function.json"), httpFunctionJSON([]string{"get"}, "same"))
	app, err := LoadApp(root)
	if err != nil {
		t.Fatal(err)
	}
	want := FunctionError{Name: "a_b", Message: "The route specified conflicts with the route defined by function 'ab'."}
	if !slices.Contains(app.Errors, want) || len(app.Errors) != 1 {
		t.Errorf("errors %+v, want only %+v", app.Errors, want)
	}
}

// TestLoadAppPutsFunctionsInErrorAsTheHostDoes: each folder breaking a host rule is left out
// with the host's words, and the rest of the app loads.
func TestLoadAppPutsFunctionsInErrorAsTheHostDoes(t *testing.T) {
	root := stageRepoApp(t, nil)
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "function.json"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	get := []string{"get"}
	writeJSON(t, filepath.Join(root, "admin-users", "function.json"), httpFunctionJSON(get, "admin/users"))
	writeJSON(t, filepath.Join(root, "runtime-info", "function.json"), httpFunctionJSON(get, ""))
	writeJSON(t, filepath.Join(root, "me-too", "function.json"), httpFunctionJSON(get, "/ME/"))
	// The name is checked before function.json is read: the stand-in would refuse this one.
	write("function.test", "not JSON at all")
	write("nobindings", `{"bindings": []}`)
	write("nokey", `{}`)
	badName := httpFunctionJSON(get, "bad")
	badName["bindings"].([]map[string]any)[0]["name"] = "req-1"
	writeJSON(t, filepath.Join(root, "badbinding", "function.json"), badName)
	twice := httpFunctionJSON(get, "twice")
	twice["bindings"].([]map[string]any)[1]["name"] = "REQ"
	writeJSON(t, filepath.Join(root, "twice", "function.json"), twice)
	// Allowed: an empty route is the function's name; "$return" as the output.
	writeJSON(t, filepath.Join(root, "hello", "function.json"), httpFunctionJSON(get, " "))
	ret := httpFunctionJSON(get, "ret")
	ret["bindings"].([]map[string]any)[1]["name"] = "$return"
	writeJSON(t, filepath.Join(root, "ret", "function.json"), ret)

	app, err := LoadApp(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []FunctionError{ // in the host's order
		{"admin-users", "The specified route conflicts with one or more built in routes."},
		{"badbinding", "The binding name req-1 is invalid. Please assign a valid name to the binding."},
		{"function.test", "'function.test' is not a valid function name."},
		{"me-too", "The route specified conflicts with the route defined by function 'me'."},
		{"nobindings", "At least one binding must be declared."},
		{"nokey", "At least one binding must be declared."},
		{"runtime-info", "The specified route conflicts with one or more built in routes."},
		{"twice", "Multiple bindings with name 'REQ' discovered. Binding names must be unique."},
	}
	if !slices.Equal(app.Errors, want) {
		t.Errorf("functions in error:\n%+v\nwant\n%+v", app.Errors, want)
	}
	routed := map[string]string{}
	for _, fn := range app.Functions {
		routed[fn.Name] = fn.Route.Template
	}
	for _, e := range want {
		if _, ok := routed[e.Name]; ok {
			t.Errorf("%s is routed, but the host leaves a function in error out", e.Name)
		}
	}
	if routed["hello"] != "api/hello" || routed["ret"] != "api/ret" || routed["me"] != "api/me" {
		t.Errorf("routed %v; want hello at its name, ret and the repository's functions", routed)
	}
}

// TestAFunctionInErrorIsNotRoutedAndTheRestServes is the stand-in end to end: an app with an
// admin/... function starts, logs the host's line for it, answers the host's 404 on its route
// and serves every other function.
func TestAFunctionInErrorIsNotRoutedAndTheRestServes(t *testing.T) {
	root := stageRepoApp(t, nil)
	writeJSON(t, filepath.Join(root, "admin-users", "function.json"), httpFunctionJSON([]string{"get"}, "admin/users"))
	var log testenv.LogBuffer
	h := startHost(t, root, Options{Logger: testLogger(t, &log)})

	resp, body := do(t, newRequest(t, http.MethodGet, h.URL+"/api/admin/users", nil))
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Echo-Pid") != "" || len(body) != 0 {
		t.Errorf("GET /api/admin/users: %d (from handler: %v) %q, want the host's empty 404", resp.StatusCode, resp.Header.Get("X-Echo-Pid") != "", body)
	}
	for _, path := range []string{"/api/me", "/api/tasks", "/api/users", "/api/audit"} {
		echoed(t, newRequest(t, http.MethodGet, h.URL+path, nil))
	}
	line := `level=ERROR msg="The 'admin-users' function is in error: The specified route conflicts with one or more built in routes."`
	if !strings.Contains(log.String(), line) {
		t.Errorf("host log lacks\n%s\n:\n%s", line, log.String())
	}
	if strings.Contains(log.String(), "name=admin-users") {
		t.Errorf("the function in error is listed among the functions:\n%s", log.String())
	}
}
