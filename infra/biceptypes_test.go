package infra_test

// checkVendoredTypes: the alerts', action group's and workbook's properties against Azure's own type data, the
// generated types of Azure/bicep-types-az vendored unmodified in infra/testdata/bicep-types (see SOURCES.md there).
// bicepcheck (mk/infra.mk) checks property names for the API versions of the shared type data only, and skips
// discriminated objects such as a metric alert's criteria; this walks those too, and also checks that read-only
// properties are not set, required ones are, and a literal string is one the type allows (an enum's values).
// It cannot check expressions (a parameter, a function call): those need the Bicep compiler.

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const vendoredTypesDir = "infra/testdata/bicep-types/"

// The resource types whose every declaration must be checked against vendored type data.
var vendoredResourceTypes = []string{
	"Microsoft.Insights/actionGroups", "Microsoft.Insights/metricAlerts", "Microsoft.Insights/scheduledQueryRules",
	"Microsoft.Insights/workbooks",
}

type azRef struct {
	Ref string `json:"$ref"`
}

func (r *azRef) index() int {
	if r == nil {
		return -1
	}
	i, err := strconv.Atoi(strings.TrimPrefix(r.Ref, "#/"))
	if err != nil {
		return -1
	}
	return i
}

type azProperty struct {
	Type  azRef `json:"type"`
	Flags int   `json:"flags"`
}

type azType struct {
	Kind                 string                `json:"$type"`
	Name                 string                `json:"name"`
	Body                 *azRef                `json:"body"`
	Value                json.RawMessage       `json:"value"` // StringLiteralType
	Properties           map[string]azProperty `json:"properties"`
	AdditionalProperties *azRef                `json:"additionalProperties"`
	ItemType             *azRef                `json:"itemType"`
	Discriminator        string                `json:"discriminator"`
	BaseProperties       map[string]azProperty `json:"baseProperties"`
	Elements             json.RawMessage       `json:"elements"` // UnionType: []azRef; discriminated: map[string]azRef
}

const (
	flagRequired = 1
	flagReadOnly = 2
)

type typeFile struct {
	path  string
	types []azType
}

// vendoredTypes maps lower("Type@version") to its file and body type index.
func vendoredTypes(p *project) (map[string]struct {
	f    *typeFile
	body int
}, problems) {
	var ps problems
	out := map[string]struct {
		f    *typeFile
		body int
	}{}
	for path, src := range p.files {
		if !strings.HasPrefix(path, vendoredTypesDir) || !strings.HasSuffix(path, ".json") {
			continue
		}
		tf := &typeFile{path: path}
		if err := json.Unmarshal([]byte(src), &tf.types); err != nil {
			ps.add("%s: %v", path, err)
			continue
		}
		for _, t := range tf.types {
			if t.Kind == "ResourceType" && t.Body != nil {
				out[strings.ToLower(t.Name)] = struct {
					f    *typeFile
					body int
				}{tf, t.Body.index()}
			}
		}
	}
	return out, ps
}

func checkVendoredTypes(p *project) (ps problems) {
	types, loadProblems := vendoredTypes(p)
	ps = append(ps, loadProblems...)
	for _, typ := range vendoredResourceTypes {
		for _, r := range p.resourcesOfType(typ) {
			e, ok := types[strings.ToLower(r.typ)]
			if !ok {
				ps.add("resource %s: no vendored type data for %s in %s (vendor its types.json, see SOURCES.md)", r.name, r.typ, vendoredTypesDir)
				continue
			}
			w := typeWalker{f: e.f, where: r.name}
			w.check(r.body, e.body, "", true)
			ps = append(ps, w.ps...)
		}
	}
	return
}

type typeWalker struct {
	f     *typeFile
	where string
	ps    problems
}

// bicepResourceOnly are keys Bicep adds to a resource body that the type data does not list.
var bicepResourceOnly = map[string]bool{"scope": true, "parent": true, "dependsOn": true}

var plainStringLiteral = regexp.MustCompile(`^'([^'$\\]*)'$`)

func (w *typeWalker) check(v *bValue, ti int, at string, resourceBody bool) {
	if v == nil || ti < 0 || ti >= len(w.f.types) {
		return
	}
	t := w.f.types[ti]
	switch t.Kind {
	case "ObjectType":
		if v.kind == vObject {
			w.object(v, t.Properties, t.AdditionalProperties, at, resourceBody)
		}
	case "DiscriminatedObjectType":
		if v.kind != vObject {
			return
		}
		var elements map[string]azRef
		_ = json.Unmarshal(t.Elements, &elements)
		disc := v.get(t.Discriminator)
		lit := plainStringLiteral.FindStringSubmatch(disc.text())
		if lit == nil {
			w.ps.add("%s: %s.%s must be a literal string naming one of %v", w.where, at, t.Discriminator, sortedKeys(elements))
			return
		}
		el, ok := elements[lit[1]]
		if !ok {
			w.ps.add("%s: %s.%s = %s, not one of %v", w.where, at, t.Discriminator, disc.text(), sortedKeys(elements))
			return
		}
		props := map[string]azProperty{t.Discriminator: {Flags: flagRequired}}
		for k, pr := range t.BaseProperties {
			props[k] = pr
		}
		et := w.f.types[el.index()]
		for k, pr := range et.Properties {
			if k != t.Discriminator {
				props[k] = pr
			}
		}
		w.object(v, props, et.AdditionalProperties, at, false)
	case "ArrayType":
		if v.kind == vArray {
			for i, it := range v.items {
				w.check(it, t.ItemType.index(), at+"["+strconv.Itoa(i)+"]", false)
			}
		}
	case "StringLiteralType":
		var want string
		_ = json.Unmarshal(t.Value, &want)
		if lit := plainStringLiteral.FindStringSubmatch(v.raw); lit != nil && lit[1] != want {
			w.ps.add("%s: %s = %s, want '%s'", w.where, at, v.raw, want)
		}
	case "UnionType":
		lit := plainStringLiteral.FindStringSubmatch(v.raw)
		if v.kind != vExpr || lit == nil {
			return
		}
		var elems []azRef
		_ = json.Unmarshal(t.Elements, &elems)
		var allowed []string
		for _, e := range elems {
			et := w.f.types[e.index()]
			switch et.Kind {
			case "StringType", "AnyType":
				return // any string goes
			case "StringLiteralType":
				var s string
				_ = json.Unmarshal(et.Value, &s)
				if s == lit[1] {
					return
				}
				allowed = append(allowed, s)
			}
		}
		if len(allowed) > 0 {
			w.ps.add("%s: %s = %s, not one of %v", w.where, at, v.raw, allowed)
		}
	}
}

func (w *typeWalker) object(v *bValue, props map[string]azProperty, additional *azRef, at string, resourceBody bool) {
	seen := map[string]bool{}
	for _, p := range v.props {
		seen[p.key] = true
		path := strings.TrimPrefix(at+"."+p.key, ".")
		pr, ok := props[p.key]
		switch {
		case p.key == "*":
		case !ok && resourceBody && bicepResourceOnly[p.key]:
		case !ok && additional != nil:
			w.check(p.val, additional.index(), path, false)
		case !ok:
			w.ps.add("%s: unknown property %s", w.where, path)
		case pr.Flags&flagReadOnly != 0:
			w.ps.add("%s: %s is read-only", w.where, path)
		default:
			w.check(p.val, pr.Type.index(), path, false)
		}
	}
	var missing []string
	for k, pr := range props {
		if pr.Flags&flagRequired != 0 && pr.Flags&flagReadOnly == 0 && !seen[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		w.ps.add("%s: %s lacks the required property %s", w.where, strings.TrimPrefix(at+" (object)", " "), k)
	}
}
