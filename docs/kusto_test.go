package docs

// The Kusto queries an operator runs: every ```kusto block of the docs, the operations workbook's queries
// (infra/app/workbook.json) and the log alerts' (infra/app/queries/*.kql). Nothing here runs them against Azure
// Monitor (no engine exists offline); what is checked is what breaks most often when a query is written by hand:
// balanced quotes and brackets, a known table or union at the start, known operators after each pipe, and, where a
// query parses the handler's JSON line (x = parse_json(message)), only the fields of the log contract (issue 28)
// and only the values it defines for msg, level and outcome. Column names of the tables themselves are not checked,
// nor types, nor whether a function exists. The alert queries are also validated by Azure when deployed.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The handler's JSON fields: slog's own (time, level, msg) and the log contract's.
var contractFields = []string{"time", "level", "msg", "traceId", "method", "route", "status", "ms", "user", "problem", "op", "outcome"}

var contractValues = map[string][]string{
	"msg":     {"request", "storage", "keys unavailable"},
	"level":   {"DEBUG", "INFO", "WARN", "ERROR"},
	"outcome": {"ok", "notfound", "conflict", "throttled", "timeout", "error"},
}

// Application Insights tables (the component's Logs) the queries may start from.
var knownTables = []string{"traces", "requests", "dependencies", "exceptions", "customMetrics", "customEvents", "availabilityResults"}

var knownOperators = []string{"where", "extend", "project", "project-away", "project-rename", "summarize", "order", "sort",
	"top", "take", "limit", "join", "union", "render", "parse", "mv-expand", "distinct", "count", "as", "make-series", "lookup"}

type kustoQuery struct{ where, text string }

func collectQueries(t *testing.T) []kustoQuery {
	t.Helper()
	var qs []kustoQuery
	docs, _ := filepath.Glob("*.md")
	block := regexp.MustCompile("(?s)```kusto\n(.*?)```")
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatch(b, -1) {
			qs = append(qs, kustoQuery{fmt.Sprintf("docs/%s block %d", d, i+1), string(m[1])})
		}
	}
	var wb struct {
		Items []struct {
			Name    string `json:"name"`
			Content struct {
				Query string `json:"query"`
			} `json:"content"`
		} `json:"items"`
	}
	b, err := os.ReadFile("../infra/app/workbook.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &wb); err != nil {
		t.Fatal(err)
	}
	for _, it := range wb.Items {
		if it.Content.Query != "" {
			qs = append(qs, kustoQuery{"infra/app/workbook.json item " + it.Name, it.Content.Query})
		}
	}
	kql, _ := filepath.Glob("../infra/app/queries/*.kql")
	for _, f := range kql {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, kustoQuery{strings.TrimPrefix(f, "../"), string(b)})
	}
	return qs
}

// scan walks a query outside string literals, calling visit for each byte at bracket depth depth; it reports
// unterminated strings and unbalanced brackets. // comments are skipped.
func scan(q string, visit func(i, depth int)) error {
	var stack []byte
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '/' && i+1 < len(q) && q[i+1] == '/':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' {
					j++
				} else if q[j] == '\n' {
					return fmt.Errorf("string starting at %d not closed on its line", i)
				}
			}
			if j >= len(q) {
				return fmt.Errorf("unterminated string at %d", i)
			}
			i = j
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Errorf("unbalanced %q at %d", c, i)
			}
			stack = stack[:len(stack)-1]
		default:
			visit(i, len(stack))
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("%d bracket(s) not closed", len(stack))
	}
	return nil
}

var (
	parsedVar  = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*=\s*parse_json\(\s*message\s*\)`)
	letName    = regexp.MustCompile(`(?m)^\s*let\s+([A-Za-z_]\w*)\s*=`)
	firstWord  = regexp.MustCompile(`^\s*([A-Za-z_][\w-]*)`)
	stringLits = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
)

func queryProblems(q string) (ps []string) {
	var pipes []int
	if err := scan(q, func(i, _ int) {
		if q[i] == '|' {
			pipes = append(pipes, i)
		}
	}); err != nil {
		return []string{err.Error()}
	}
	code := regexp.MustCompile(`(?m)//.*$`).ReplaceAllString(q, "")
	// The tabular statement: after the last top-level `let ...;`.
	lets := letName.FindAllStringSubmatch(code, -1)
	body := code
	if len(lets) > 0 {
		body = code[strings.LastIndex(code, ";")+1:]
	}
	start := firstWord.FindStringSubmatch(body)
	known := slices.Clone(knownTables)
	for _, l := range lets {
		known = append(known, l[1])
	}
	if start == nil || !(slices.Contains(known, start[1]) || start[1] == "union") {
		ps = append(ps, fmt.Sprintf("does not start with a known table, union or let name: %.40q", strings.TrimSpace(body)))
	}
	for _, at := range pipes {
		if at < len(q) && strings.HasPrefix(q[at:], "||") {
			continue
		}
		w := firstWord.FindStringSubmatch(q[at+1:])
		if w == nil || !slices.Contains(knownOperators, w[1]) {
			ps = append(ps, fmt.Sprintf("unknown operator after |: %.30q", q[at+1:]))
		}
	}
	// Fields of the handler's line, and the contract's values.
	for _, v := range parsedVar.FindAllStringSubmatch(code, -1) {
		noStrings := stringLits.ReplaceAllStringFunc(code, func(s string) string { return strings.Repeat(" ", len(s)) })
		for _, f := range regexp.MustCompile(`\b`+v[1]+`\.([A-Za-z_]\w*)`).FindAllStringSubmatch(noStrings, -1) {
			if !slices.Contains(contractFields, f[1]) {
				ps = append(ps, fmt.Sprintf("%s.%s: not a field of the log contract %v", v[1], f[1], contractFields))
			}
		}
		if regexp.MustCompile(`\b` + v[1] + `\s*\[`).MatchString(noStrings) {
			ps = append(ps, fmt.Sprintf("%s[...]: write %s.field so the field can be checked", v[1], v[1]))
		}
		cmp := regexp.MustCompile(`tostring\(` + v[1] + `\.(\w+)\)\s*(?:==|!=|in\s*\(|!in\s*\()\s*((?:"[^"]*"\s*,?\s*)+)`)
		for _, m := range cmp.FindAllStringSubmatch(code, -1) {
			allowed, checked := contractValues[m[1]]
			if !checked {
				continue
			}
			for _, lit := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[2], -1) {
				if !slices.Contains(allowed, lit[1]) {
					ps = append(ps, fmt.Sprintf("%s %q is not a value the contract defines %v", m[1], lit[1], allowed))
				}
			}
		}
	}
	return ps
}

func TestKustoQueries(t *testing.T) {
	qs := collectQueries(t)
	count := map[string]int{}
	for _, q := range qs {
		count[strings.SplitN(q.where, " ", 2)[0]]++
		for _, p := range queryProblems(q.text) {
			t.Errorf("%s: %s", q.where, p)
		}
	}
	// Found where they are expected, so the test cannot pass by reading nothing.
	if count["docs/operations.md"] < 8 || count["infra/app/workbook.json"] < 6 || count["infra/app/queries/handler-errors.kql"] != 1 || count["infra/app/queries/keys-unavailable.kql"] != 1 {
		t.Errorf("queries found: %v", count)
	}
}

// Each rule of queryProblems can fail.
func TestKustoCheckerCatches(t *testing.T) {
	base := "traces\n| where message has \"request\"\n| extend line = parse_json(message)\n| where tostring(line.msg) == \"request\" and tostring(line.outcome) in (\"ok\", \"throttled\")\n| summarize n = count() by route = tostring(line.route)\n"
	if ps := queryProblems(base); len(ps) > 0 {
		t.Fatalf("the base query is rejected: %v", ps)
	}
	for _, m := range []struct{ old, new string }{
		{"count()", "count("},                              // bracket
		{`has "request"`, `has "request`},                  // quote
		{"traces\n", "trace\n"},                            // table
		{"| summarize", "| summerize"},                     // operator
		{"tostring(line.route)", "tostring(line.path)"},    // a field the contract does not define
		{"tostring(line.route)", `tostring(line["path"])`}, // an unchecked field access
		{`== "request"`, `== "requests"`},                  // msg value
		{`"throttled")`, `"throttling")`},                  // outcome value
	} {
		if ps := queryProblems(strings.Replace(base, m.old, m.new, 1)); len(ps) == 0 {
			t.Errorf("accepted %q -> %q", m.old, m.new)
		}
	}
}
