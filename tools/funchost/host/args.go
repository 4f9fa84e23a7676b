package host

import (
	"regexp"
	"strings"
)

var (
	settingRef   = regexp.MustCompile(`%([^%]+)%`)
	leftoverRefs = regexp.MustCompile(`%(.+?)%`)
)

// commandLine builds the handler's arguments from customHandler.description.arguments the
// way the host does (azure-functions-host src/WebJobs.Script/Workers/ProcessManagement/
// DefaultWorkerProcessFactory.cs): each argument has %NAME% replaced from the host's
// environment (Environment.ExpandEnvironmentVariables, which leaves unknown names), the
// arguments are joined with spaces into one command line, the host's own variables
// (FUNCTIONS_CUSTOMHANDLER_PORT, ...) are substituted, every %...% still left is deleted
// (SanitizeExpandedArgument), and the operating system's rules split the line again.
// So an argument holding a space becomes two, and one that was only an unknown %NAME%
// disappears.
func commandLine(args, env []string, hostVars map[string]string) []string {
	expanded := make([]string, len(args))
	for i, a := range args {
		expanded[i] = settingRef.ReplaceAllStringFunc(a, func(ref string) string {
			if v, ok := lookupEnv(env, ref[1:len(ref)-1]); ok {
				return v
			}
			return ref
		})
	}
	line := strings.Join(expanded, " ")
	for name, value := range hostVars {
		line = strings.ReplaceAll(line, "%"+name+"%", value)
	}
	return splitCommandLine(leftoverRefs.ReplaceAllString(line, ""))
}

// splitCommandLine splits a ProcessStartInfo.Arguments string as .NET does on Unix: runs of
// white space separate arguments, double quotes group (and are removed), and a backslash
// escapes a double quote.
func splitCommandLine(line string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			inArg = true
			i++
		case c == '"':
			quoted = !quoted
			inArg = true
		case (c == ' ' || c == '\t') && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}
