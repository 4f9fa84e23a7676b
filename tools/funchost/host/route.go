package host

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Route is a parsed ASP.NET route template such as "tasks/{id:length(26)}", the syntax of
// function.json's "route". The stand-in supports literal segments and whole-segment
// parameters with the constraints below; anything else is refused when the app loads.
type Route struct {
	Template string
	segments []segment
}

type segment struct {
	literal     string       // set for a literal segment
	param       string       // set for a {param} segment
	constraints []constraint // all must accept the (decoded) value
}

// constraint is one inline route constraint, e.g. length(26).
type constraint struct {
	text   string
	accept func(value string) bool
}

// ParseRoute parses a route template; leading and trailing slashes are ignored.
func ParseRoute(template string) (*Route, error) {
	r := &Route{Template: template}
	trimmed := strings.Trim(template, "/")
	if trimmed == "" {
		return r, nil
	}
	for _, part := range strings.Split(trimmed, "/") {
		seg, err := parseSegment(part)
		if err != nil {
			return nil, err
		}
		r.segments = append(r.segments, seg)
	}
	return r, nil
}

func parseSegment(part string) (segment, error) {
	if part == "" {
		return segment{}, errors.New("empty segment (\"//\")")
	}
	if !strings.ContainsAny(part, "{}") {
		return segment{literal: part}, nil
	}
	if !strings.HasPrefix(part, "{") || !strings.HasSuffix(part, "}") || strings.HasPrefix(part, "{{") {
		return segment{}, fmt.Errorf("segment %q mixes literal text and parameters, which the stand-in does not support", part)
	}
	// Inside a parameter ASP.NET writes a literal brace twice ("{{", "}}"), e.g. regex(^\d{{3}}$).
	body := strings.NewReplacer("{{", "{", "}}", "}").Replace(part[1 : len(part)-1])
	name, rest, _ := strings.Cut(body, ":")
	if name == "" || strings.ContainsAny(name, "*?={}") {
		return segment{}, fmt.Errorf("parameter %q: optional, default and catch-all parameters are not supported by the stand-in", part)
	}
	seg := segment{param: name}
	for rest != "" {
		var c constraint
		var err error
		c, rest, err = parseConstraint(rest)
		if err != nil {
			return segment{}, fmt.Errorf("parameter %q: %w", name, err)
		}
		seg.constraints = append(seg.constraints, c)
	}
	return seg, nil
}

// parseConstraint reads one "name" or "name(argument)" from s and returns the rest after the
// next ':'. As in ASP.NET, an argument ends at the ')' that is followed by ':' or by the end,
// so a regex argument may contain ':' and parentheses.
func parseConstraint(s string) (constraint, string, error) {
	end := strings.IndexAny(s, "(:")
	if end < 0 {
		c, err := newConstraint(s, "", false)
		return c, "", err
	}
	name := s[:end]
	if s[end] == ':' {
		c, err := newConstraint(name, "", false)
		return c, s[end+1:], err
	}
	for i := end + 1; i < len(s); i++ {
		if s[i] == ')' && (i+1 == len(s) || s[i+1] == ':') {
			c, err := newConstraint(name, s[end+1:i], true)
			rest := s[i+1:]
			return c, strings.TrimPrefix(rest, ":"), err
		}
	}
	return constraint{}, "", fmt.Errorf("constraint %q: missing ')'", s)
}

// newConstraint builds the constraints the ASP.NET router defines (dotnet/aspnetcore
// src/Http/Routing/src/Constraints): lengths count UTF-16 code units like .NET strings.
func newConstraint(name, arg string, hasArg bool) (constraint, error) {
	text := name
	if hasArg {
		text += "(" + arg + ")"
	}
	c := constraint{text: text}
	switch {
	case name == "int" && !hasArg:
		c.accept = isInt32
	case name == "guid" && !hasArg:
		c.accept = isGUID
	case name == "alpha" && !hasArg:
		c.accept = regexp.MustCompile(`^[A-Za-z]*$`).MatchString
	case name == "length" && hasArg:
		lo, hi, err := lengthBounds(arg)
		if err != nil {
			return c, fmt.Errorf("%s: %w", text, err)
		}
		c.accept = func(v string) bool { n := utf16Len(v); return n >= lo && n <= hi }
	case (name == "minlength" || name == "maxlength") && hasArg:
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s: want a non-negative integer", text)
		}
		if name == "minlength" {
			c.accept = func(v string) bool { return utf16Len(v) >= n }
		} else {
			c.accept = func(v string) bool { return utf16Len(v) <= n }
		}
	case name == "regex" && hasArg:
		// .NET compiles it CultureInvariant|IgnoreCase and uses IsMatch, so it is not
		// anchored unless the pattern says ^...$. Go's RE2 lacks lookaround and
		// backreferences; such patterns are refused rather than approximated.
		re, err := regexp.Compile("(?i)" + arg)
		if err != nil {
			return c, fmt.Errorf("%s: Go cannot compile this pattern: %w", text, err)
		}
		c.accept = re.MatchString
	default:
		return c, fmt.Errorf("constraint %q is not supported by the stand-in (supported: int, guid, alpha, length(n), length(min,max), minlength(n), maxlength(n), regex(...))", text)
	}
	return c, nil
}

func lengthBounds(arg string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(arg, ",")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi = lo
	var err2 error
	if isRange {
		hi, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil || lo < 0 || hi < lo {
		return 0, 0, errors.New("want length(n) or length(min,max) with 0 <= min <= max")
	}
	return lo, hi, nil
}

// isInt32 is int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture):
// optional surrounding white space, an optional sign, decimal digits, 32-bit range.
func isInt32(v string) bool {
	_, err := strconv.ParseInt(strings.Trim(v, " \t\n\v\f\r"), 10, 32)
	return err == nil
}

var guidFormats = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}` + // N
	`|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}` + // D
	`|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}` + // B
	`|\([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\))$`) // P

// isGUID accepts Guid.TryParse's N, D, B and P formats (the X format, "{0x…,{0x…}}", is
// not emulated).
func isGUID(v string) bool {
	return guidFormats.MatchString(strings.TrimSpace(v))
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Match reports whether the decoded path segments match the route, returning the
// parameter values. Literal segments compare case-insensitively, as in ASP.NET routing.
func (r *Route) Match(segments []string) (map[string]string, bool) {
	if len(segments) != len(r.segments) {
		return nil, false
	}
	values := map[string]string{}
	for i, seg := range r.segments {
		if seg.literal != "" {
			if !strings.EqualFold(seg.literal, segments[i]) {
				return nil, false
			}
			continue
		}
		for _, c := range seg.constraints {
			if !c.accept(segments[i]) {
				return nil, false
			}
		}
		values[seg.param] = segments[i]
	}
	return values, true
}

// precedence orders routes like ASP.NET's inbound route precedence: per segment, literal
// (1) before constrained parameter (3) before plain parameter (4); lower matches first.
func (r *Route) precedence() float64 {
	p, scale := 0.0, 1.0
	for _, seg := range r.segments {
		digit := 4.0
		switch {
		case seg.literal != "":
			digit = 1
		case len(seg.constraints) > 0:
			digit = 3
		}
		p += digit * scale
		scale /= 10
	}
	return p
}
