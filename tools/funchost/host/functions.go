package host

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The Functions host's own rules for function folders. A function that breaks one is "in
// error": the host does not route it, starts the rest of the app, and logs one line for it
// at start-up. The stand-in applies the same rules with the same words, so that a function
// the host would refuse is refused here too. Each rule cites the azure-functions-host source
// it mirrors (paths and code as of host 4.1037.0, the version this machine's mirror holds).
//
// These are kept apart from the stand-in's own limits (config.go): keys and bindings it does
// not emulate stop it from starting, because guessing would hide a difference from the host.

// FunctionError is a function the host puts in error, with the host's message.
type FunctionError struct {
	Name    string
	Message string
}

// Error is the line the host logs for the function at start-up, as `func start` shows it:
// ScriptHost.LogHostFunctionErrors through src/WebJobs.Script/Diagnostics/Extensions/
// ScriptHostLoggerExtension.cs FunctionError (EventId 402, LogLevel Error). Every message
// below ends with a period, so Utility.FlattenException, which adds one, leaves it as is.
func (e FunctionError) Error() string {
	return fmt.Sprintf("The '%s' function is in error: %s", e.Name, e.Message)
}

// functionName is Utility.FunctionNameValidationRegex (src/WebJobs.Script/Utility.cs),
// `^[a-z][a-z0-9_\-]{0,127}$(?<!^host$)` with IgnoreCase | CultureInvariant, in RE2 terms:
// the look-behind becomes the check for "host" in ValidFunctionName, and .NET's `$`, which
// also matches before a final "\n", becomes `\n?$`. The letters are spelled out in ASCII
// because .NET's case-insensitive [a-z] may also admit look-alikes such as U+212A KELVIN
// SIGN; such a name is refused here even if the host were to accept it.
var functionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_\-]{0,127}\n?$`)

// ValidFunctionName is Utility.IsValidFunctionName: the name of a function folder the host
// accepts. HostFunctionMetadataProvider.ReadFunctionMetadata checks it before it reads the
// folder's function.json.
func ValidFunctionName(name string) bool {
	return functionName.MatchString(name) && !strings.EqualFold(strings.TrimSuffix(name, "\n"), "host")
}

// checkFunctionName is Utility.ValidateName's error for a name the host does not accept.
func checkFunctionName(name string) error {
	if !ValidFunctionName(name) {
		return fmt.Errorf("'%s' is not a valid function name.", name)
	}
	return nil
}

// errNoBindings is HostFunctionMetadataProvider.ParseFunctionMetadata's error for a
// function.json whose "bindings" is missing or empty.
var errNoBindings = errors.New("At least one binding must be declared.")

// bindingName is Utility.BindingNameValidationRegex (src/WebJobs.Script/Utility.cs), case
// sensitive; `\n?$` as for functionName.
var bindingName = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)\n?$`)

// checkBindingNames applies FunctionDescriptorProvider.ValidateFunction's checks of binding
// names (src/WebJobs.Script/Description/FunctionDescriptorProvider.cs, with
// Utility.ValidateBinding): each valid, "$return" only on an output, no name twice (ignoring
// case).
func checkBindingNames(bindings []bindingHeader) error {
	seen := map[string]bool{}
	for _, b := range bindings {
		if !bindingName.MatchString(b.Name) {
			return fmt.Errorf("The binding name %s is invalid. Please assign a valid name to the binding.", b.Name)
		}
		// BindingMetadata.IsReturn compares ignoring case; Direction parses ignoring case.
		if strings.EqualFold(b.Name, "$return") && !strings.EqualFold(b.Direction, "out") {
			return errors.New("$return bindings must specify a direction of 'out'.")
		}
		key := strings.ToUpper(b.Name)
		if seen[key] {
			return fmt.Errorf("Multiple bindings with name '%s' discovered. Binding names must be unique.", b.Name)
		}
		seen[key] = true
	}
	return nil
}

// bindingHeader is what the host's binding checks read of one binding.
type bindingHeader struct{ Type, Direction, Name string }

// HTTPTrigger is what the host's route checks read of a function's httpTrigger binding, as
// function.json writes it.
type HTTPTrigger struct {
	Route   string   // empty or white space: the function's name
	Methods []string // as written (the host compares them case-sensitively); none: every method
}

// HTTPFunctions is ScriptHost's httpFunctions: the HTTP functions validated so far, which a
// later function's route must not conflict with. The zero value is empty and ready.
type HTTPFunctions struct {
	names    []string // in the order they were added, as the host's Dictionary enumerates them
	triggers map[string]HTTPTrigger
}

// Add is ScriptHost.ValidateFunction for one HTTP function (src/WebJobs.Script/Host/
// ScriptHost.cs): the route rules of ValidateHttpFunction, then the conflict and name checks
// against the functions added before. It returns the trigger with its effective route, or
// the host's error, in which case the function is not added.
func (fs *HTTPFunctions) Add(name string, trigger HTTPTrigger) (HTTPTrigger, error) {
	trigger, err := validateHTTPFunction(name, trigger)
	if err != nil {
		return trigger, err
	}
	for _, other := range fs.names {
		if httpRoutesConflict(trigger, fs.triggers[other]) {
			return trigger, fmt.Errorf("The route specified conflicts with the route defined by function '%s'.", other)
		}
	}
	// The host's Dictionary uses the default, case-sensitive comparer. Function folders have
	// distinct names, so this only fires for names that reach the host some other way (the
	// host's own test adds a proxy); it is kept so the rule stays whole.
	if _, dup := fs.triggers[name]; dup {
		return trigger, fmt.Errorf("The function or proxy name '%s' must be unique within the function app.", name)
	}
	if fs.triggers == nil {
		fs.triggers = map[string]HTTPTrigger{}
	}
	fs.names = append(fs.names, name)
	fs.triggers[name] = trigger
	return trigger, nil
}

// Len is how many functions have been added.
func (fs *HTTPFunctions) Len() int { return len(fs.names) }

// validateHTTPFunction is ScriptHost.ValidateHttpFunction: an empty route becomes the
// function's name, and a route in the host's own space (its admin API and the runtime
// webhooks) is refused. The check looks at the route as written, before routePrefix.
func validateHTTPFunction(name string, trigger HTTPTrigger) (HTTPTrigger, error) {
	if strings.TrimSpace(trigger.Route) == "" { // string.IsNullOrWhiteSpace
		trigger.Route = name
	}
	route := strings.ToLower(strings.Trim(trigger.Route, "/"))
	if strings.HasPrefix(route, "admin") || strings.HasPrefix(route, "runtime") {
		return trigger, errors.New("The specified route conflicts with one or more built in routes.")
	}
	return trigger, nil
}

// httpRoutesConflict is ScriptHost.HttpRoutesConflict: the same route text (trimmed of '/',
// ignoring case; {id} and {taskId} are different texts) and at least one method in common,
// where no methods means every method. Methods are compared as written, like the host's
// Enumerable.Intersect over the binding's strings: "get" and "GET" do not meet.
func httpRoutesConflict(a, b HTTPTrigger) bool {
	if !strings.EqualFold(strings.Trim(a.Route, "/"), strings.Trim(b.Route, "/")) {
		return false
	}
	if len(a.Methods) == 0 || len(b.Methods) == 0 {
		return true
	}
	return slices.ContainsFunc(a.Methods, func(m string) bool { return slices.Contains(b.Methods, m) })
}

// sortInHostOrder orders function names as the host validates them. It reads the folders in
// Directory.EnumerateDirectories order, which on Linux is the file system's (not sorted),
// but FunctionMetadataManager.GetFunctionMetadata returns the functions
// OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase) before ScriptHost validates them
// one by one (src/WebJobs.Script/Host/FunctionMetadataManager.cs), so which of two
// conflicting functions is in error does not depend on the disk. OrdinalIgnoreCase compares
// the upper-cased text ("AB" < "A_B", unlike lower case); names equal but for case keep
// their byte order, where the host keeps the enumeration's.
func sortInHostOrder(names []string) {
	slices.Sort(names)
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Compare(strings.ToUpper(a), strings.ToUpper(b))
	})
}
