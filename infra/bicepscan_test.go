package infra_test

// A small, strict reader for the Bicep this repository writes: declarations, object and array literals, and any
// other expression kept as its source text. The checks need that structure (which resource a property belongs
// to, the items of an array, a declaration's condition) and no tool on a contributor's machine or in CI gives it:
// the Bicep CLI's ARM JSON exists only where the CLI is installed, and bicepcheck (make lint) reports
// syntax and property names but returns no tree. Whatever the reader does not understand (import, type, func,
// spread, an object literal followed by more expression, unbalanced brackets, a statement not ending at a new
// line) is an error, so a check never passes because the reader skipped something.

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The reader sees every declaration of every infra file (nested resources too): a declaration it skipped would
// let a check that looks for it pass without looking. Each line starting with a declaration keyword is one.
func TestReaderSeesEverything(t *testing.T) {
	p := loadRepo(t)
	keyword := regexp.MustCompile(`(?m)^[ \t]*(targetScope|extension|param|var|output|resource|module)\b`)
	read := 0
	for path, f := range p.bicep {
		want := map[string]int{}
		for _, m := range keyword.FindAllStringSubmatch(f.src, -1) {
			want[m[1]]++
		}
		got := map[string]int{}
		for _, d := range f.decls {
			got[d.kind]++
		}
		if n := len(f.allResources()); n > 0 {
			got["resource"] = n
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: the reader read %v, the file declares %v", path, got, want)
		}
		read++
	}
	if read < 2 {
		t.Fatalf("read %d Bicep files under infra/", read)
	}
}

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tPunct
	tNewline
	tEOF
)

type token struct {
	kind     tokKind
	text     string
	off, end int
}

func lexBicep(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c, start := src[i], i
		kind := tPunct
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated block comment", lineAt(src, i))
			}
			i += j + 2
			continue
		case c == '\n':
			kind, i = tNewline, i+1
		case strings.HasPrefix(src[i:], "'''"):
			j := strings.Index(src[i+3:], "'''")
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated ''' string", lineAt(src, i))
			}
			kind, i = tString, i+3+j+3
		case c == '\'':
			end, err := scanString(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", lineAt(src, i), err)
			}
			kind, i = tString, end
		case isIdentStart(c) || isDigit(c):
			kind = tNumber
			if isIdentStart(c) {
				kind = tIdent
			}
			for i < len(src) && (isIdentStart(src[i]) || isDigit(src[i])) {
				i++
			}
		case strings.IndexByte("{}[]():,.?!=<>&|+-*/%@", c) >= 0:
			i++
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", lineAt(src, i), c)
		}
		toks = append(toks, token{kind: kind, text: src[start:i], off: start, end: i})
	}
	return append(toks, token{kind: tEOF, off: len(src), end: len(src)}), nil
}

// scanString returns the end offset of the single-quoted string starting at i, skipping escapes and
// ${...} interpolations (which may hold strings and braces of their own).
func scanString(src string, i int) (int, error) {
	depth := 0 // open braces inside the current interpolation
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '\n':
			return 0, fmt.Errorf("new line inside a '...' string")
		case depth == 0 && c == '\\':
			j++
		case depth == 0 && c == '\'':
			return j + 1, nil
		case depth == 0 && strings.HasPrefix(src[j:], "${"):
			depth, j = 1, j+1
		case depth > 0 && c == '\'':
			end, err := scanString(src, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case depth > 0 && c == '{':
			depth++
		case depth > 0 && c == '}':
			depth--
		}
	}
	return 0, fmt.Errorf("unterminated string")
}

func isIdentStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func lineAt(src string, off int) int {
	return strings.Count(src[:off], "\n") + 1
}

// ---- syntax tree ----

type valueKind int

const (
	vObject valueKind = iota
	vArray
	vExpr
)

type bValue struct {
	kind     valueKind
	props    []*bProp // vObject
	children []*bDecl // vObject: nested resource declarations
	items    []*bValue
	raw      string // source text of the whole value
}

type bProp struct {
	key string // a computed key ('${...}') reads as "*"
	val *bValue
}

type bDecl struct {
	kind       string // targetScope param var output resource module extension
	name       string
	typ        string // resource type@version, module path, param/output type
	decorators []string
	existing   bool
	condition  string // raw `if (...)` condition, "" when unconditional
	loop       bool   // [for ...: body]
	body       *bValue
}

type bFile struct {
	path  string
	src   string
	decls []*bDecl
}

func parseBicep(path, src string) (*bFile, error) {
	toks, err := lexBicep(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	p := &parser{toks: toks, src: src}
	f := &bFile{path: path, src: src}
	for p.skipNewlines(); p.peek().kind != tEOF; p.skipNewlines() {
		d, err := p.statement()
		if err == nil && p.peek().kind != tNewline && p.peek().kind != tEOF {
			err = fmt.Errorf("statement %s %s does not end at the line end (at %q)", d.kind, d.name, p.peek().text)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, lineAt(src, p.peek().off), err)
		}
		f.decls = append(f.decls, d)
	}
	return f, nil
}

type parser struct {
	toks []token
	pos  int
	src  string
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }
func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.pos++
	}
}
func (p *parser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

// expect consumes a token of kind (and text, unless "") or fails.
func (p *parser) expect(kind tokKind, text string) (string, error) {
	if t := p.peek(); t.kind != kind || (text != "" && t.text != text) {
		want := "a name"
		if text != "" {
			want = strconv.Quote(text)
		}
		return "", fmt.Errorf("expected %s, found %q", want, t.text)
	}
	return p.next().text, nil
}

// statement reads one top-level declaration (or a nested resource): decorators, a keyword, its header up to
// `=`, then its value.
func (p *parser) statement() (*bDecl, error) {
	d := &bDecl{}
	for p.is(tPunct, "@") {
		start := p.next().off
		if _, err := p.expect(tIdent, ""); err != nil {
			return nil, err
		}
		end, err := p.skipBalanced()
		if err != nil {
			return nil, err
		}
		d.decorators = append(d.decorators, p.src[start:end])
		p.skipNewlines()
	}
	var err error
	if d.kind, err = p.expect(tIdent, ""); err != nil {
		return nil, err
	}
	// The header: how many names, whether a type string, an `existing` and a value follow.
	switch d.kind {
	case "targetScope":
	case "extension": // `extension name`: the registry reference is in bicepconfig.json
		d.name, err = p.expect(tIdent, "")
		return d, err
	case "var":
		d.name, err = p.expect(tIdent, "")
	case "param", "output":
		if d.name, err = p.expect(tIdent, ""); err == nil {
			if d.typ, err = p.expect(tIdent, ""); err != nil {
				err = fmt.Errorf("%s %s: only simple types are understood: %v", d.kind, d.name, err)
			}
		}
		if err == nil && d.kind == "param" && !p.is(tPunct, "=") {
			return d, nil // no default
		}
	case "resource", "module":
		if d.name, err = p.expect(tIdent, ""); err == nil {
			d.typ, err = p.expect(tString, "")
			d.typ = strings.Trim(d.typ, "'")
		}
		if d.existing = p.is(tIdent, "existing"); d.existing {
			p.next()
		}
	default:
		return nil, fmt.Errorf("unsupported statement %q (extend the test reader before using it)", d.kind)
	}
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, "="); err != nil {
		return nil, fmt.Errorf("%s %s: %v", d.kind, d.name, err)
	}
	if d.kind != "resource" && d.kind != "module" {
		d.body, err = p.value()
		return d, err
	}
	if p.is(tIdent, "if") {
		if p.next(); !p.is(tPunct, "(") {
			return nil, fmt.Errorf("expected ( after if")
		}
		start := p.peek().off
		end, err := p.skipBalanced()
		if err != nil {
			return nil, err
		}
		d.condition = p.src[start:end]
	}
	if d.loop = p.is(tPunct, "["); d.loop {
		d.body, err = p.forBody()
	} else if d.body, err = p.value(); err == nil && d.body.kind != vObject {
		err = fmt.Errorf("%s %s: expected an object body", d.kind, d.name)
	}
	return d, err
}

// forBody reads `[for x in xs: { ... }]` and returns the object.
func (p *parser) forBody() (*bValue, error) {
	p.next()
	if !p.is(tIdent, "for") {
		return nil, fmt.Errorf("expected for after [")
	}
	for !p.is(tPunct, ":") {
		if k := p.peek(); k.kind == tEOF || k.kind == tNewline {
			return nil, fmt.Errorf("unterminated for clause")
		} else if strings.Contains("([{", k.text) && k.kind == tPunct {
			if _, err := p.skipBalanced(); err != nil {
				return nil, err
			}
		} else {
			p.next()
		}
	}
	p.next()
	body, err := p.value()
	if err == nil && body.kind != vObject {
		err = fmt.Errorf("a for body must be an object")
	}
	if err != nil {
		return nil, err
	}
	p.skipNewlines()
	_, err = p.expect(tPunct, "]")
	return body, err
}

var closers = map[string]string{"(": ")", "[": "]", "{": "}"}

// skipBalanced consumes a bracketed group, if one starts here, and returns the end offset of what was read.
func (p *parser) skipBalanced() (int, error) {
	if closers[p.peek().text] == "" || p.peek().kind != tPunct {
		return p.toks[p.pos-1].end, nil
	}
	open := p.peek()
	var stack []string
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return 0, fmt.Errorf("unbalanced %q opened on line %d", open.text, lineAt(p.src, open.off))
		case t.kind != tPunct:
		case closers[t.text] != "":
			stack = append(stack, closers[t.text])
		case strings.Contains(")]}", t.text):
			if t.text != stack[len(stack)-1] {
				return 0, fmt.Errorf("line %d: %q does not close %q", lineAt(p.src, t.off), t.text, stack[len(stack)-1])
			}
			if stack = stack[:len(stack)-1]; len(stack) == 0 {
				return t.end, nil
			}
		}
	}
}

// endsValue: a new line, a comma or a closing bracket ends a value inside a literal (or a statement).
func endsValue(t token) bool {
	return t.kind == tEOF || t.kind == tNewline || (t.kind == tPunct && strings.Contains(",)]}", t.text))
}

// value reads an object or array literal, or keeps any other expression as raw text.
func (p *parser) value() (*bValue, error) {
	start := p.peek()
	if p.is(tPunct, "{") || p.is(tPunct, "[") && !(p.toks[p.pos+1].text == "for") {
		v, err := p.literal()
		if err == nil && !endsValue(p.peek()) {
			err = fmt.Errorf("line %d: a literal followed by %q is not understood", lineAt(p.src, p.peek().off), p.peek().text)
		}
		return v, err
	}
	end := start.off
	operand := false // the previous token ended an operand: another operand cannot follow without an operator
	for t := p.peek(); !endsValue(t); t = p.peek() {
		isOperand := t.kind == tIdent || t.kind == tString || t.kind == tNumber
		if (isOperand || t.text == "{") && operand {
			return nil, fmt.Errorf("line %d: %q follows an operand without an operator", lineAt(p.src, t.off), t.text)
		}
		var err error
		if t.kind == tPunct && closers[t.text] != "" {
			end, err = p.skipBalanced()
			operand = true
		} else {
			end, operand = p.next().end, isOperand
		}
		if err != nil {
			return nil, err
		}
	}
	raw := p.src[start.off:end]
	switch {
	case raw == "":
		return nil, fmt.Errorf("line %d: expected a value, found %q", lineAt(p.src, start.off), start.text)
	case strings.HasPrefix(raw, "..."):
		return nil, fmt.Errorf("line %d: spread syntax is not understood", lineAt(p.src, start.off))
	}
	return &bValue{kind: vExpr, raw: raw}, nil
}

// literal reads an object (properties and nested resources) or an array; entries end at a new line or a comma.
func (p *parser) literal() (*bValue, error) {
	open := p.next()
	v := &bValue{kind: vObject}
	if open.text == "[" {
		v.kind = vArray
	}
	for {
		for p.peek().kind == tNewline || p.is(tPunct, ",") {
			p.next()
		}
		t := p.peek()
		switch {
		case t.kind == tEOF:
			return nil, fmt.Errorf("unterminated %q opened on line %d", open.text, lineAt(p.src, open.off))
		case t.kind == tPunct && t.text == closers[open.text]:
			v.raw = p.src[open.off:p.next().end]
			return v, nil
		case v.kind == vArray:
			item, err := p.value()
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, item)
		case t.kind == tIdent && t.text == "resource" && p.toks[p.pos+1].kind == tIdent:
			d, err := p.statement()
			if err != nil {
				return nil, err
			}
			v.children = append(v.children, d)
		default:
			if err := p.property(v); err != nil {
				return nil, err
			}
		}
	}
}

// property reads `key: value` into the object v.
func (p *parser) property(v *bValue) error {
	t := p.next()
	key := t.text
	switch {
	case t.kind == tString && strings.Contains(key, "${"):
		key = "*" // computed key, e.g. '${identity.id}'
	case t.kind == tString:
		key = strings.Trim(key, "'")
	case t.kind != tIdent:
		return fmt.Errorf("line %d: expected a property name, found %q", lineAt(p.src, t.off), t.text)
	}
	if _, err := p.expect(tPunct, ":"); err != nil {
		return fmt.Errorf("line %d: property %s: %v", lineAt(p.src, t.off), key, err)
	}
	val, err := p.value()
	if err != nil {
		return err
	}
	if k := p.peek(); k.kind != tNewline && !(k.kind == tPunct && (k.text == "," || k.text == "}")) {
		return fmt.Errorf("line %d: unexpected %q after property %s", lineAt(p.src, k.off), k.text, key)
	}
	v.props = append(v.props, &bProp{key: key, val: val})
	return nil
}

// ---- queries ----

// get follows object properties; nil when any step is missing or not an object.
func (v *bValue) get(path ...string) *bValue {
	for _, k := range path {
		if v == nil || v.kind != vObject {
			return nil
		}
		var next *bValue
		for _, p := range v.props {
			if p.key == k {
				next = p.val
			}
		}
		v = next
	}
	return v
}

func (v *bValue) keys() []string {
	var ks []string
	if v != nil && v.kind == vObject {
		for _, p := range v.props {
			ks = append(ks, p.key)
		}
	}
	return ks
}

// text is the raw source of a value ("" for nil).
func (v *bValue) text() string {
	if v == nil {
		return ""
	}
	return v.raw
}

func (v *bValue) itemsOrNil() []*bValue {
	if v == nil {
		return nil
	}
	return v.items
}

// allResources returns every resource declaration, nested ones included.
func (f *bFile) allResources() []*bDecl {
	var out []*bDecl
	var walk func(ds []*bDecl)
	walk = func(ds []*bDecl) {
		for _, d := range ds {
			if d.kind == "resource" {
				out = append(out, d)
				walk(d.body.children)
			}
		}
	}
	walk(f.decls)
	return out
}

func (f *bFile) declsOf(kind string) []*bDecl {
	var out []*bDecl
	for _, d := range f.decls {
		if d.kind == kind {
			out = append(out, d)
		}
	}
	return out
}

func (f *bFile) decl(kind, name string) *bDecl {
	for _, d := range f.decls {
		if d.kind == kind && d.name == name {
			return d
		}
	}
	return nil
}

// resourceType is the type without @version.
func (d *bDecl) resourceType() string { return strings.SplitN(d.typ, "@", 2)[0] }
