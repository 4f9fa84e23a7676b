package host

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
)

// ConsoleCategory is the log category under which the host logs every line a handler writes
// (azure-functions-host src/WebJobs.Script/Workers/WorkerConstants.cs ConsoleLogCategoryName,
// used by Workers/WorkerConsoleLogService.cs).
const ConsoleCategory = "Host.Function.Console"

// Level is a .NET log level, as host.json's logging.logLevel names them.
type Level int

const (
	LevelTrace Level = iota
	LevelDebug
	LevelInformation
	LevelWarning
	LevelError
	LevelCritical
	LevelNone
)

var levelNames = []string{"Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"}

func (l Level) String() string { return levelNames[l] }

func parseLevel(name string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(n, name) {
			return Level(i), true
		}
	}
	return 0, false
}

// minLevel is the level from which logLevel lets category through, chosen as
// Microsoft.Extensions.Logging's LoggerRuleSelector does: the longest rule name that is a
// prefix of the category (ignoring case) wins, then "default", then Information (the
// framework's default minimum).
func minLevel(logLevel map[string]Level, category string) Level {
	best, bestLen := LevelInformation, -1
	for name, level := range logLevel {
		switch {
		case strings.EqualFold(name, "default"):
			if bestLen < 0 {
				best, bestLen = level, 0
			}
		case len(name) > bestLen && len(name) <= len(category) && strings.EqualFold(category[:len(name)], name):
			best, bestLen = level, len(name)
		}
	}
	return best
}

// stdoutLevel and stderrLevel classify one line of handler output as the host does
// (azure-functions-host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs):
// OnOutputDataReceived logs a stdout line as Information; ParseErrorMessageAndLog logs a
// stderr line as Warning if it contains "warn" in any case, and otherwise as Error, because
// a custom handler's HttpWorkerDescription sets UseStdErrorStreamForErrorsOnly
// (Workers/Http/HttpWorkerDescription.cs).
func stdoutLevel(string) Level { return LevelInformation }

func stderrLevel(line string) Level {
	if strings.Contains(strings.ToLower(line), "warn") {
		return LevelWarning
	}
	return LevelError
}

// consoleLog writes the handler's output lines that host.json lets through, one per line,
// prefixed with the level the host would give them: what func start prints and what
// Application Insights receives as traces.
type consoleLog struct {
	mu  sync.Mutex
	out io.Writer
	min Level
}

// pipe returns a writer for one of the handler's streams; classify gives each line its
// level. Close it when the stream ends.
func (c *consoleLog) pipe(classify func(string) Level) io.WriteCloser {
	r, w := io.Pipe()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.line(classify(sc.Text()), sc.Text())
		}
		io.Copy(io.Discard, r) // an overlong line: drop the rest rather than block the handler
	}()
	return w
}

func (c *consoleLog) line(level Level, text string) {
	if level < c.min || c.min == LevelNone {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, "[%s] %s\n", level, text)
}
