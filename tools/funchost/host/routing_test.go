package host

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestLoadAppReadsTheRepositoryFunctions(t *testing.T) {
	app, err := LoadApp(stageRepoApp(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fn := range app.Functions {
		got[fn.Name] = strings.Join(fn.Methods, ",") + " " + fn.Route.Template
	}
	want := map[string]string{
		"me":         "GET api/me",
		"tasks":      "GET,POST api/tasks",
		"task":       "GET,PATCH,DELETE api/tasks/{id}",
		"users":      "GET api/users",
		"user-tasks": "GET,POST,DELETE api/users/{userId}/tasks",
		"user-task":  "GET,PATCH,DELETE api/users/{userId}/tasks/{taskId}",
		"audit":      "GET api/audit",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("function %s: got %q, want %q", name, got[name], w)
		}
	}
	if len(app.Errors) != 0 {
		t.Errorf("functions the host would put in error: %v", app.Errors)
	}
	if app.RoutePrefix != "api" {
		t.Errorf("route prefix %q, want api", app.RoutePrefix)
	}
}

// TestRoutesOfTheRepository drives the repository's real host.json and function.json files:
// declared routes reach the handler, anything else gets the host's 404.
func TestRoutesOfTheRepository(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	id := strings.Repeat("A", 26)
	guid := "0b1c2d3e-0000-4000-8000-000000000001"
	routed := []string{
		"GET /api/me", "GET /api/tasks", "POST /api/tasks",
		"GET /api/tasks/" + id, "PATCH /api/tasks/" + id, "DELETE /api/tasks/" + id,
		"GET /api/tasks/" + id[:25], // any id shape reaches the handler, which answers 404 problem+json
		"GET /api/users", "GET /api/users/" + guid + "/tasks", "POST /api/users/" + guid + "/tasks", "DELETE /api/users/" + guid + "/tasks",
		"GET /api/users/" + guid + "/tasks/" + id, "PATCH /api/users/" + guid + "/tasks/" + id, "DELETE /api/users/" + guid + "/tasks/" + id,
		"GET /api/audit",
		"GET /API/Me",   // literal segments match case-insensitively
		"GET /api/me/",  // one trailing slash is ignored
		"GET /api/me?x", // the query plays no part
	}
	notRouted := []string{
		"POST /api/me", "HEAD /api/me", "OPTIONS /api/me", // undeclared methods
		"PUT /api/tasks", "DELETE /api/tasks", "PUT /api/tasks/" + id,
		"GET /api/tasks/" + id + "/x", "GET /api/nope", "GET /me", "GET /api", "GET /api/me//",
		"POST /api/users", "PATCH /api/users/" + guid + "/tasks", "POST /api/users/" + guid + "/tasks/" + id, "DELETE /api/audit",
		"GET /api/admin/users", "GET /api/admin/audit", // the old admin API is gone
	}
	for _, line := range routed {
		method, target, _ := strings.Cut(line, " ")
		_, e := echoed(t, newRequest(t, method, h.URL+target, nil))
		if e.Method != method {
			t.Errorf("%s: handler saw method %s", line, e.Method)
		}
	}
	for _, line := range notRouted {
		method, target, _ := strings.Cut(line, " ")
		resp, body := do(t, newRequest(t, method, h.URL+target, nil))
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Echo-Pid") != "" {
			t.Errorf("%s: got %d (from handler: %v), want the host's 404", line, resp.StatusCode, resp.Header.Get("X-Echo-Pid") != "")
		}
		if len(body) != 0 {
			t.Errorf("%s: 404 body %q, want none", line, body)
		}
	}
}

func TestRouteConstraints(t *testing.T) {
	tests := []struct {
		template string
		accept   []string
		reject   []string
	}{
		{"t/{id:length(3)}", []string{"abc", "é日x"}, []string{"ab", "abcd"}},
		{"t/{id:length(2,4)}", []string{"ab", "abcd"}, []string{"a", "abcde"}},
		{"t/{id:minlength(2)}", []string{"ab", "abcdef"}, []string{"a"}},
		{"t/{id:maxlength(2)}", []string{"a", "ab"}, []string{"abc"}},
		{"t/{id:int}", []string{"0", "-42", "+7", "2147483647", " 5 "}, []string{"2147483648", "1.5", "x", "0x10", "1_000"}},
		{"t/{id:guid}", []string{
			"0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5BD9CB469FA16570867728950E",
			"{0f8fad5b-d9cb-469f-a165-70867728950e}", "(0f8fad5b-d9cb-469f-a165-70867728950e)",
		}, []string{"0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b_d9cb_469f_a165_70867728950e", "nope"}},
		{"t/{id:alpha}", []string{"abc", "ABCdef"}, []string{"abc1", "é"}},
		// .NET's IsMatch is unanchored and case-insensitive; braces are doubled in templates.
		{"t/{id:regex(^[a-z]{{2}}$)}", []string{"ab", "AB"}, []string{"abc", "a1"}},
		{"t/{id:regex(b)}", []string{"abc", "B"}, []string{"xyz"}},
		{"t/{id:regex(^(x|y)-(1|2)$)}", []string{"x-1", "Y-2"}, []string{"q-1", "x-3"}},
		{"t/{id:minlength(2):alpha}", []string{"ab"}, []string{"a", "a1"}},
	}
	for _, tt := range tests {
		r, err := ParseRoute(tt.template)
		if err != nil {
			t.Errorf("%s: %v", tt.template, err)
			continue
		}
		for _, v := range tt.accept {
			if _, ok := r.Match([]string{"t", v}); !ok {
				t.Errorf("%s should accept %q", tt.template, v)
			}
		}
		for _, v := range tt.reject {
			if _, ok := r.Match([]string{"t", v}); ok {
				t.Errorf("%s should reject %q", tt.template, v)
			}
		}
	}
}

func TestUnsupportedTemplatesAreRefused(t *testing.T) {
	for _, template := range []string{
		"t/{id?}", "t/{*rest}", "t/{id=1}", "t/x{id}", "t/{id:datetime}", "t/{id:length(x)}",
		"t/{id:regex(^(?=a))}",    // lookahead: RE2 cannot, so refuse rather than approximate
		"t/{id:regex(^(x|y):z$)}", // as in ASP.NET, "):" ends the argument, leaving "^(x|y"
	} {
		if _, err := ParseRoute(template); err == nil {
			t.Errorf("%s: accepted, want a clear refusal", template)
		}
	}
}

func TestMorePreciseRoutesWin(t *testing.T) {
	root := stageRepoApp(t, nil)
	writeJSON(t, root+"/special/function.json", httpFunctionJSON([]string{"get"}, "tasks/{id:length(26)}/special"))
	writeJSON(t, root+"/literal/function.json", httpFunctionJSON([]string{"get"}, "tasks/AAAAAAAAAAAAAAAAAAAAAAAAAA"))
	app, err := LoadApp(root)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, fn := range sortedByPrecedence(app.Functions) {
		order = append(order, fn.Name)
	}
	if slices.Index(order, "literal") > slices.Index(order, "task") {
		t.Errorf("match order %v: a literal route must come before a parameter route", order)
	}
}

func httpFunctionJSON(methods []string, route string) map[string]any {
	return map[string]any{"bindings": []map[string]any{
		{"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", "methods": methods, "route": route},
		{"type": "http", "direction": "out", "name": "res"},
	}}
}
