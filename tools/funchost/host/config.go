package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// App is a function app as the stand-in understands it: the handler to launch and its HTTP
// functions, read from a script root (the folder holding host.json).
type App struct {
	ScriptRoot  string
	Handler     HandlerCommand
	RoutePrefix string
	Functions   []Function       // the functions routed, in the order the host validates them
	Errors      []FunctionError  // the functions the host would put in error: not routed
	LogLevel    map[string]Level // host.json logging.logLevel
}

// HandlerCommand is customHandler.description from host.json, with paths made absolute.
// Args may still hold %APP_SETTING% references; they are expanded against the handler's
// environment when it starts, as the host does.
type HandlerCommand struct {
	Path string
	Args []string
	Dir  string
}

// Function is one folder's function.json: an HTTP trigger with its methods and route.
type Function struct {
	Name      string
	Methods   []string // upper case; empty means every method
	Route     *Route   // the full route, route prefix included
	AuthLevel string   // not enforced, as Core Tools does not enforce it locally either
}

// The JSON shapes below list every key the stand-in understands. Decoding rejects any other
// key, so a host.json or function.json using a feature we do not emulate fails loudly
// instead of being silently half-honoured.

type hostJSON struct {
	Version string `json:"version"`
	Logging struct {
		LogLevel map[string]string `json:"logLevel"`
		// Application Insights settings do not change what the handler logs.
		ApplicationInsights json.RawMessage `json:"applicationInsights"`
	} `json:"logging"`
	CustomHandler *struct {
		Description struct {
			DefaultExecutablePath string   `json:"defaultExecutablePath"`
			WorkingDirectory      string   `json:"workingDirectory"`
			Arguments             []string `json:"arguments"`
		} `json:"description"`
		EnableProxyingHTTPRequest   bool `json:"enableProxyingHttpRequest"`
		EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
	} `json:"customHandler"`
	Extensions struct {
		HTTP struct {
			RoutePrefix *string `json:"routePrefix"`
		} `json:"http"`
	} `json:"extensions"`
}

type functionJSON struct {
	Disabled bool            `json:"disabled"`
	Bindings json.RawMessage `json:"bindings"` // decoded one by one, see loadFunction
}

type bindingJSON struct {
	Type      string   `json:"type"`
	Direction string   `json:"direction"`
	Name      string   `json:"name"`
	AuthLevel string   `json:"authLevel"`
	Methods   []string `json:"methods"`
	Route     *string  `json:"route"`
}

// LoadApp reads host.json and every <folder>/function.json directly under scriptRoot, which
// is all the Functions host discovers. Functions the host would put in error are in
// App.Errors rather than failing the load: the host starts without them.
func LoadApp(scriptRoot string) (*App, error) {
	root, err := filepath.Abs(scriptRoot)
	if err != nil {
		return nil, fmt.Errorf("script root: %w", err)
	}
	var hj hostJSON
	if err := decodeStrict(filepath.Join(root, "host.json"), &hj); err != nil {
		return nil, err
	}
	app := &App{ScriptRoot: root, RoutePrefix: "api"}
	if err := app.applyHostJSON(hj); err != nil {
		return nil, fmt.Errorf("host.json: %w", err)
	}
	if app.Functions, app.Errors, err = loadFunctions(root, app.RoutePrefix); err != nil {
		return nil, err
	}
	if len(app.Functions) == 0 && len(app.Errors) == 0 {
		return nil, fmt.Errorf("no */function.json under %s: function folders must sit beside host.json (run make build and use build/)", root)
	}
	return app, nil
}

func (app *App) applyHostJSON(hj hostJSON) error {
	if hj.Version != "2.0" {
		return fmt.Errorf(`version is %q, want "2.0"`, hj.Version)
	}
	ch := hj.CustomHandler
	if ch == nil || ch.Description.DefaultExecutablePath == "" {
		return errors.New("customHandler.description.defaultExecutablePath is missing: the stand-in only runs custom handlers")
	}
	if !ch.EnableProxyingHTTPRequest && !ch.EnableForwardingHTTPRequest {
		return errors.New("neither customHandler.enableProxyingHttpRequest nor enableForwardingHttpRequest is true: " +
			"the host would then call the handler with JSON payloads, which the stand-in does not emulate")
	}
	d := ch.Description
	app.Handler = HandlerCommand{
		Path: d.DefaultExecutablePath,
		Args: d.Arguments,
		Dir:  app.ScriptRoot, // the host's default working directory is the script root
	}
	// Like the host, resolve a relative executable against the script root; a bare name
	// that is not a file there (e.g. "node") is left for PATH lookup.
	if p := filepath.Join(app.ScriptRoot, d.DefaultExecutablePath); !filepath.IsAbs(d.DefaultExecutablePath) && fileExists(p) {
		app.Handler.Path = p
	}
	if d.WorkingDirectory != "" {
		app.Handler.Dir = d.WorkingDirectory
		if !filepath.IsAbs(d.WorkingDirectory) {
			app.Handler.Dir = filepath.Join(app.ScriptRoot, d.WorkingDirectory)
		}
	}
	app.LogLevel = map[string]Level{}
	for category, name := range hj.Logging.LogLevel {
		level, ok := parseLevel(name)
		if !ok {
			return fmt.Errorf("logging.logLevel.%s: %q is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)", category, name)
		}
		app.LogLevel[category] = level
	}
	if p := hj.Extensions.HTTP.RoutePrefix; p != nil {
		app.RoutePrefix = strings.Trim(*p, "/")
	}
	return nil
}

// loadFunctions reads every <folder>/function.json under root in the order the host
// validates them. A function that breaks one of the host's rules (functions.go) is returned
// in errs and not routed, as the host leaves it out and starts the rest; one the stand-in
// cannot emulate is an error, which stops it.
func loadFunctions(root, routePrefix string) (fns []Function, errs []FunctionError, err error) {
	paths, err := filepath.Glob(filepath.Join(root, "*", "function.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("list functions: %w", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(filepath.Dir(p)))
	}
	sortInHostOrder(names)
	var routes HTTPFunctions
	for _, name := range names {
		fn, disabled, err := loadFunction(root, name, routePrefix, &routes)
		var inError FunctionError
		switch {
		case errors.As(err, &inError):
			errs = append(errs, inError)
		case err != nil:
			return nil, nil, err
		case !disabled:
			fns = append(fns, fn)
		}
	}
	return fns, errs, nil
}

// loadFunction reads one function folder as the host does, checking the host's rules in
// the host's order: the folder's name before its function.json is read
// (HostFunctionMetadataProvider.ReadFunctionMetadata), the bindings (ParseFunctionMetadata,
// then FunctionDescriptorProvider.ValidateFunction), then the route (ScriptHost.
// ValidateFunction, against routes, the functions validated before). A host rule it breaks
// is returned as a FunctionError. A disabled function is validated too, as the host does,
// but not routed.
func loadFunction(root, name, routePrefix string, routes *HTTPFunctions) (fn Function, disabled bool, err error) {
	inError := func(err error) error { return FunctionError{Name: name, Message: err.Error()} }
	if err := checkFunctionName(name); err != nil {
		return fn, false, inError(err)
	}
	path := filepath.Join(root, name, "function.json")
	var fj functionJSON
	if err := decodeStrict(path, &fj); err != nil {
		return fn, false, err
	}
	bindings, err := fj.bindings()
	if err != nil {
		return fn, false, fmt.Errorf("%s: %w", path, err)
	}
	if len(bindings) == 0 {
		return fn, false, inError(errNoBindings)
	}
	headers, err := bindingHeaders(bindings)
	if err != nil {
		return fn, false, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkBindingNames(headers); err != nil {
		return fn, false, inError(err)
	}
	trigger, err := httpTriggerBinding(bindings, headers)
	if err != nil {
		return fn, false, fmt.Errorf("%s: %w", path, err)
	}
	declared := HTTPTrigger{Methods: trigger.Methods}
	if trigger.Route != nil {
		declared.Route = *trigger.Route
	}
	effective, err := routes.Add(name, declared)
	if err != nil {
		return fn, false, inError(err)
	}
	route, err := ParseRoute(routePrefix + "/" + strings.Trim(effective.Route, "/"))
	if err != nil {
		return fn, false, fmt.Errorf("%s: route %q: %w", path, effective.Route, err)
	}
	fn = Function{Name: name, Route: route, AuthLevel: trigger.AuthLevel}
	for _, m := range trigger.Methods {
		fn.Methods = append(fn.Methods, strings.ToUpper(m))
	}
	return fn, fj.Disabled, nil
}

// bindings returns function.json's "bindings": none when the key is missing, as for an empty
// array. Anything but an array is refused: the host fails on it with a cast error the
// stand-in does not reproduce.
func (fj functionJSON) bindings() ([]json.RawMessage, error) {
	if len(fj.Bindings) == 0 {
		return nil, nil
	}
	var bindings []json.RawMessage
	if err := json.Unmarshal(fj.Bindings, &bindings); err != nil || bindings == nil {
		return nil, fmt.Errorf("bindings is %s, not an array (the stand-in does not reproduce the host's error for it)", fj.Bindings)
	}
	return bindings, nil
}

// bindingHeaders reads each binding's type, direction and name, which the host's checks and
// the stand-in's limits look at first.
func bindingHeaders(bindings []json.RawMessage) ([]bindingHeader, error) {
	headers := make([]bindingHeader, len(bindings))
	for i, raw := range bindings {
		if err := json.Unmarshal(raw, &headers[i]); err != nil {
			return nil, fmt.Errorf("binding %d: %w", i, err)
		}
	}
	return headers, nil
}

// httpTriggerBinding accepts exactly what the host proxies to a custom handler: one
// httpTrigger in and one http out. Anything else would make the real host switch that
// function to payload mode (or need an extension), which the stand-in does not emulate.
func httpTriggerBinding(bindings []json.RawMessage, headers []bindingHeader) (*bindingJSON, error) {
	var trigger *bindingJSON
	var outputs int
	for i, raw := range bindings {
		// Look at the type first, so that a queue or timer binding is refused for what it
		// is rather than for a key the HTTP shape does not have.
		kind := headers[i]
		isTrigger := kind.Type == "httpTrigger" && kind.Direction == "in"
		if !isTrigger && (kind.Type != "http" || kind.Direction != "out") {
			return nil, fmt.Errorf("binding %q (type %q, direction %q) is not supported: the stand-in emulates only HTTP functions (one httpTrigger in, one http out)", kind.Name, kind.Type, kind.Direction)
		}
		var b bindingJSON
		if err := decodeStrictBytes(raw, &b); err != nil {
			return nil, fmt.Errorf("binding %q: %w", kind.Name, err)
		}
		if !isTrigger {
			outputs++
			continue
		}
		if trigger != nil {
			return nil, errors.New("more than one httpTrigger binding")
		}
		trigger = &b
	}
	if trigger == nil || outputs != 1 {
		return nil, errors.New("want exactly one httpTrigger (in) and one http (out) binding")
	}
	return trigger, nil
}

// decodeStrict decodes one JSON document from path, refusing unknown keys.
func decodeStrict(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %w", err)
	}
	if err := decodeStrictBytes(data, v); err != nil {
		return fmt.Errorf("%s: %w (the stand-in refuses settings it does not emulate)", path, err)
	}
	return nil
}

func decodeStrictBytes(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
