package infra_test

// A small, strict reader for the Bicep this repository writes. It is not a Bicep compiler: it tokenizes (strings
// with ${} interpolation, ''' strings, comments) and parses the declaration structure and object/array literals,
// keeping any other expression as raw text. Whatever it does not understand (import, type, func, spread,
// an object literal followed by more expression, unbalanced brackets, a statement not ending at a new line) is
// an error, so a test never passes because the reader skipped something.

import (
	"fmt"
	"strings"
)

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
	kind       tokKind
	text       string
	start, end int
	line       int
}

func lexBicep(src string) ([]token, error) {
	var toks []token
	line := 1
	i := 0
	emit := func(k tokKind, s, e int) {
		toks = append(toks, token{kind: k, text: src[s:e], start: s, end: e, line: line})
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			emit(tNewline, i, i+1)
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated block comment", line)
			}
			line += strings.Count(src[i:i+2+j+2], "\n")
			i += 2 + j + 2
		case strings.HasPrefix(src[i:], "'''"):
			j := strings.Index(src[i+3:], "'''")
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated ''' string", line)
			}
			end := i + 3 + j + 3
			emit(tString, i, end)
			line += strings.Count(src[i:end], "\n")
			i = end
		case c == '\'':
			end, err := scanString(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			emit(tString, i, end)
			line += strings.Count(src[i:end], "\n")
			i = end
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			emit(tIdent, i, j)
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			emit(tNumber, i, j)
			i = j
		case strings.ContainsRune("{}[]():,.?!=<>&|+-*/%@", rune(c)):
			emit(tPunct, i, i+1)
			i++
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
		}
	}
	toks = append(toks, token{kind: tEOF, start: len(src), end: len(src), line: line})
	return toks, nil
}

// scanString returns the end offset of the single-quoted string starting at i, skipping escapes and
// ${...} interpolations (which may hold strings and braces of their own).
func scanString(src string, i int) (int, error) {
	j := i + 1
	for j < len(src) {
		switch {
		case src[j] == '\\':
			j += 2
		case src[j] == '\'':
			return j + 1, nil
		case src[j] == '\n':
			return 0, fmt.Errorf("new line inside a '...' string")
		case strings.HasPrefix(src[j:], "${"):
			depth := 1
			j += 2
			for j < len(src) && depth > 0 {
				switch src[j] {
				case '{':
					depth++
					j++
				case '}':
					depth--
					j++
				case '\'':
					end, err := scanString(src, j)
					if err != nil {
						return 0, err
					}
					j = end
				case '\n':
					return 0, fmt.Errorf("new line inside an interpolation")
				default:
					j++
				}
			}
		default:
			j++
		}
	}
	return 0, fmt.Errorf("unterminated string")
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

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
	line     int
}

type bProp struct {
	key  string
	val  *bValue
	line int
}

type bDecl struct {
	kind       string // targetScope metadata param var output resource module extension
	name       string
	typ        string // resource type@version, module path, param/output type
	decorators []string
	existing   bool
	condition  string // raw `if (...)` condition, "" when unconditional
	loop       bool   // [for ...: body]
	body       *bValue
	line       int
	parent     *bDecl // for nested resources
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
	for {
		p.skipNewlines()
		if p.peek().kind == tEOF {
			break
		}
		d, err := p.statement()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, p.peek().line, err)
		}
		f.decls = append(f.decls, d)
		if k := p.peek().kind; k != tNewline && k != tEOF {
			return nil, fmt.Errorf("%s:%d: statement %s %q does not end at the line end (at %q)", path, p.peek().line, d.kind, d.name, p.peek().text)
		}
	}
	return f, nil
}

type parser struct {
	toks []token
	pos  int
	src  string
}

func (p *parser) peek() token        { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token { return p.toks[min(p.pos+n, len(p.toks)-1)] }
func (p *parser) next() token        { t := p.toks[p.pos]; p.pos++; return t }
func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.pos++
	}
}
func (p *parser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}
func (p *parser) expect(kind tokKind, text string) (token, error) {
	t := p.peek()
	if t.kind != kind || (text != "" && t.text != text) {
		return t, fmt.Errorf("expected %q, found %q", text, t.text)
	}
	return p.next(), nil
}

func (p *parser) statement() (*bDecl, error) {
	var decorators []string
	for p.is(tPunct, "@") {
		start := p.next().start
		if _, err := p.expect(tIdent, ""); err != nil {
			return nil, err
		}
		end := p.toks[p.pos-1].end
		if p.is(tPunct, "(") {
			var err error
			if end, err = p.skipBalanced(); err != nil {
				return nil, err
			}
		}
		decorators = append(decorators, p.src[start:end])
		p.skipNewlines()
	}
	kw, err := p.expect(tIdent, "")
	if err != nil {
		return nil, err
	}
	d := &bDecl{kind: kw.text, decorators: decorators, line: kw.line}
	switch kw.text {
	case "targetScope":
		if _, err := p.expect(tPunct, "="); err != nil {
			return nil, err
		}
		d.body, err = p.value()
	case "extension":
		// `extension name` (the registry reference is in bicepconfig.json); nothing else is used here.
		t, err := p.expect(tIdent, "")
		if err != nil {
			return nil, err
		}
		d.name = t.text
	case "metadata", "var":
		t, err := p.expect(tIdent, "")
		if err != nil {
			return nil, err
		}
		d.name = t.text
		if _, err := p.expect(tPunct, "="); err != nil {
			return nil, err
		}
		d.body, err = p.value()
		if err != nil {
			return nil, err
		}
	case "param", "output":
		t, err := p.expect(tIdent, "")
		if err != nil {
			return nil, err
		}
		d.name = t.text
		typ, err := p.expect(tIdent, "")
		if err != nil {
			return nil, fmt.Errorf("%s %s: only simple types are understood: %v", kw.text, d.name, err)
		}
		d.typ = typ.text
		if p.is(tPunct, "=") {
			p.next()
			d.body, err = p.value()
			if err != nil {
				return nil, err
			}
		} else if kw.text == "output" {
			return nil, fmt.Errorf("output %s has no value", d.name)
		}
	case "resource", "module":
		if err := p.resourceOrModule(d); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported statement %q (extend the test reader before using it)", kw.text)
	}
	return d, err
}

func (p *parser) resourceOrModule(d *bDecl) error {
	name, err := p.expect(tIdent, "")
	if err != nil {
		return err
	}
	d.name = name.text
	typ, err := p.expect(tString, "")
	if err != nil {
		return err
	}
	d.typ = strings.Trim(typ.text, "'")
	if p.is(tIdent, "existing") {
		p.next()
		d.existing = true
	}
	if _, err := p.expect(tPunct, "="); err != nil {
		return err
	}
	switch {
	case p.is(tIdent, "if"):
		p.next()
		if !p.is(tPunct, "(") {
			return fmt.Errorf("expected ( after if")
		}
		start := p.peek().start
		end, err := p.skipBalanced()
		if err != nil {
			return err
		}
		d.condition = p.src[start:end]
	case p.is(tPunct, "["):
		// [for x in xs: { ... }]
		p.next()
		if !p.is(tIdent, "for") {
			return fmt.Errorf("expected for after [")
		}
		d.loop = true
		for !p.is(tPunct, ":") {
			if p.peek().kind == tEOF || p.peek().kind == tNewline {
				return fmt.Errorf("unterminated for clause")
			}
			if k := p.peek().text; k == "(" || k == "[" || k == "{" {
				if _, err := p.skipBalanced(); err != nil {
					return err
				}
				continue
			}
			p.next()
		}
		p.next()
		d.body, err = p.object()
		if err != nil {
			return err
		}
		p.skipNewlines()
		_, err = p.expect(tPunct, "]")
		return err
	}
	if !p.is(tPunct, "{") {
		return fmt.Errorf("%s %s: expected an object body", d.kind, d.name)
	}
	d.body, err = p.object()
	if err != nil {
		return err
	}
	for _, c := range d.body.children {
		c.parent = d
	}
	return nil
}

// skipBalanced consumes a bracketed group starting at the current token and returns its end offset.
func (p *parser) skipBalanced() (int, error) {
	open := p.next()
	closer := map[string]string{"(": ")", "[": "]", "{": "}"}[open.text]
	if closer == "" {
		return 0, fmt.Errorf("expected a bracket, found %q", open.text)
	}
	stack := []string{closer}
	for len(stack) > 0 {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return 0, fmt.Errorf("unbalanced %q opened on line %d", open.text, open.line)
		case t.kind != tPunct:
		case t.text == "(" || t.text == "[" || t.text == "{":
			stack = append(stack, map[string]string{"(": ")", "[": "]", "{": "}"}[t.text])
		case t.text == ")" || t.text == "]" || t.text == "}":
			if t.text != stack[len(stack)-1] {
				return 0, fmt.Errorf("line %d: %q does not close %q", t.line, t.text, stack[len(stack)-1])
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return t.end, nil
			}
		}
	}
	return 0, fmt.Errorf("unreachable")
}

// value parses an object or array literal, or keeps any other expression as raw text.
func (p *parser) value() (*bValue, error) {
	start := p.peek()
	switch {
	case p.is(tPunct, "{"):
		v, err := p.object()
		if err != nil {
			return nil, err
		}
		return v, p.endOfValue()
	case p.is(tPunct, "[") && !(p.peekAt(1).kind == tIdent && p.peekAt(1).text == "for"):
		v, err := p.array()
		if err != nil {
			return nil, err
		}
		return v, p.endOfValue()
	}
	// An expression ends at a new line, a comma or a closing bracket that belongs to the enclosing literal.
	end := start.end
	n := 0
	operand := false // the previous token ended an operand: another operand cannot follow without an operator
	for {
		t := p.peek()
		if t.kind == tEOF || t.kind == tNewline || (t.kind == tPunct && (t.text == "," || t.text == ")" || t.text == "]" || t.text == "}")) {
			break
		}
		isOperand := t.kind == tIdent || t.kind == tString || t.kind == tNumber
		if isOperand && operand {
			return nil, fmt.Errorf("line %d: %q follows an operand without an operator", t.line, t.text)
		}
		if t.kind == tPunct && (t.text == "(" || t.text == "[" || t.text == "{") {
			if t.text == "{" && operand {
				return nil, fmt.Errorf("line %d: { follows an operand", t.line)
			}
			e, err := p.skipBalanced()
			if err != nil {
				return nil, err
			}
			end = e
			operand = true
		} else {
			end = p.next().end
			operand = isOperand
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("line %d: expected a value, found %q", start.line, start.text)
	}
	raw := p.src[start.start:end]
	if strings.HasPrefix(raw, "...") {
		return nil, fmt.Errorf("line %d: spread syntax is not understood", start.line)
	}
	return &bValue{kind: vExpr, raw: raw, line: start.line}, nil
}

func (p *parser) endOfValue() error {
	t := p.peek()
	if t.kind == tEOF || t.kind == tNewline || (t.kind == tPunct && (t.text == "," || t.text == "]" || t.text == "}")) {
		return nil
	}
	return fmt.Errorf("line %d: a literal followed by %q is not understood", t.line, t.text)
}

func (p *parser) object() (*bValue, error) {
	open, err := p.expect(tPunct, "{")
	if err != nil {
		return nil, err
	}
	v := &bValue{kind: vObject, line: open.line}
	for {
		for p.peek().kind == tNewline || p.is(tPunct, ",") {
			p.next()
		}
		if p.is(tPunct, "}") {
			v.raw = p.src[open.start:p.next().end]
			return v, nil
		}
		t := p.peek()
		if t.kind == tEOF {
			return nil, fmt.Errorf("unterminated object opened on line %d", open.line)
		}
		if t.kind == tIdent && t.text == "resource" && p.peekAt(1).kind == tIdent {
			d := &bDecl{kind: "resource", line: t.line}
			p.next()
			if err := p.resourceOrModule(d); err != nil {
				return nil, err
			}
			v.children = append(v.children, d)
			continue
		}
		if t.kind != tIdent && t.kind != tString {
			return nil, fmt.Errorf("line %d: expected a property name, found %q", t.line, t.text)
		}
		p.next()
		key := t.text
		if t.kind == tString {
			if strings.Contains(key, "${") {
				key = "*" // computed key, e.g. '${identity.id}'
			} else {
				key = strings.Trim(key, "'")
			}
		}
		if _, err := p.expect(tPunct, ":"); err != nil {
			return nil, fmt.Errorf("line %d: property %s: %v", t.line, key, err)
		}
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.props = append(v.props, &bProp{key: key, val: val, line: t.line})
		if k := p.peek(); !(k.kind == tNewline || (k.kind == tPunct && (k.text == "," || k.text == "}"))) {
			return nil, fmt.Errorf("line %d: unexpected %q after property %s", k.line, k.text, key)
		}
	}
}

func (p *parser) array() (*bValue, error) {
	open, err := p.expect(tPunct, "[")
	if err != nil {
		return nil, err
	}
	v := &bValue{kind: vArray, line: open.line}
	for {
		for p.peek().kind == tNewline || p.is(tPunct, ",") {
			p.next()
		}
		if p.is(tPunct, "]") {
			v.raw = p.src[open.start:p.next().end]
			return v, nil
		}
		if p.peek().kind == tEOF {
			return nil, fmt.Errorf("unterminated array opened on line %d", open.line)
		}
		item, err := p.value()
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
	}
}

// ---- queries ----

// get follows object properties; nil when any step is missing or not an object.
func (v *bValue) get(path ...string) *bValue {
	cur := v
	for _, k := range path {
		if cur == nil || cur.kind != vObject {
			return nil
		}
		var next *bValue
		for _, p := range cur.props {
			if p.key == k {
				next = p.val
			}
		}
		cur = next
	}
	return cur
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

// allResources returns every resource declaration, nested ones included.
func (f *bFile) allResources() []*bDecl {
	var out []*bDecl
	var walk func(ds []*bDecl)
	walk = func(ds []*bDecl) {
		for _, d := range ds {
			if d.kind == "resource" {
				out = append(out, d)
				if d.body != nil {
					walk(d.body.children)
				}
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
