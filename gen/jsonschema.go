package gen

// JSON Schema for parameter documents.
//
// A parameter document is a JSON object of parameter values, in one of two
// shapes:
//
//	nested: {"Device": {"WiFi": {"SSID": {"1": {"SSID": "x"}}}}}
//	flat:   {"Device.WiFi.SSID.1.SSID": "x"}
//
// JSONSchema emits one draft-07 schema (gojsonschema supports draft-04, 06
// and 07) for both. The root dispatches on the shape with if/then/else:
// when no top-level key contains a dot the document is nested, otherwise
// flat. (A oneOf/anyOf of the shapes would report every violation once per
// branch, burying the real error.)
//
// Every distinct parameter value schema is emitted once under
// "definitions" and referenced from both shapes. A definition is named
// after its primitive type ("unsignedInt") or data type ("IPv4Address")
// when it is exactly that, otherwise that name and a hash of its content
// ("string-5b47d096"), so names are stable across model versions. The
// Device:2.19 schema (7,210 parameters) is 2.1 MB (1.7 MB with
// Indent "none").
//
// Nested shape: one object schema per data-model object with
// "additionalProperties": false, so unknown names (typos) are violations.
// A table is an object keyed by instance number ("^[1-9][0-9]*$") or alias
// ("[cpe-1]") whose values reference the table's object definition
// ("Device.WiFi.SSID.i"); "maxProperties" is the table's maxEntries.
//
// Flat shape: "properties" for the parameter paths without instance
// numbers and one "patternProperties" regex per table parameter ({i} →
// instance number or [alias]), "additionalProperties": false. That is
// precise, and cheap for validators that compile each regex once (ajv,
// editors). gojsonschema v1.2.0, however, recompiles every
// patternProperties regex for every key it checks: about 150 ms per key
// against Device:2.19, i.e. minutes for a 1,000-key document. DocValidator
// (and so `dmforge validate`) therefore folds a flat document (no top-level
// value is an object) into the nested shape before validating it: the
// parameter paths, and so the reported paths, stay the same, and a
// 1,000-parameter document validates in about 5-20 ms. Folding also
// applies maxEntries, which the flat branch cannot count.
//
// Values: CWMP values travel as strings but JSON users write numbers and
// booleans, so every parameter accepts its CWMP string and, where it
// applies, the JSON-native form:
//
//   - string: "type":"string" with minLength/maxLength from the size facet
//     (anyOf when several), "pattern" from the pattern facets (one regex:
//     the alternation of model.PatternRegexp), "enum" from the
//     enumerations: only the non-deleted values that model.CheckValue
//     itself accepts, so an enumeration that also has a pattern or size
//     stays exact.
//   - int, unsignedInt, long, unsignedLong: a JSON integer with
//     minimum/maximum per range (intersected with the type's value space;
//     anyOf when several), or a string whose "pattern" is generated from
//     the same ranges (with the optional sign and leading zeros CheckValue
//     reads), so the range check is real in both forms. A step becomes
//     multipleOf when the range's minimum is a multiple of it, and the
//     values on the step are spelt out (enum / alternation) when there are
//     fewer than 256. Enumerations become "enum" of JSON numbers and an
//     alternation of literals.
//   - decimal: a JSON number with minimum/maximum (and multipleOf), or a
//     string of the decimal lexical form.
//   - boolean: true, false, "true", "false", "0" or "1".
//   - dateTime: a string of the TR-106 form; the regex bounds month, day
//     (per month), hour, minute, second and zone offset.
//   - hexBinary: pairs of hex digits; byte sizes become 2×characters.
//   - base64: the padded base64 alphabet (whitespace allowed, as in
//     CheckValue); a size facet is spelt out in the regex as counts of
//     4-character quads (exact, up to 768 bytes).
//   - lists: a comma-separated string (minLength/maxLength from the list
//     size, and a "pattern" built from the item's regex with the item
//     count when it fits), or a JSON array with minItems/maxItems whose
//     items reference the item's definition.
//
// Deliberate gaps, where the schema is looser than model.CheckValue (never
// stricter; TestJSONSchemaAgreesWithCheckValue and
// TestJSONSchemaKnownGaps hold that): ranges of decimals written as
// strings; steps over more than 256 values on strings (Device:2.19: the
// two Optical signal levels) and on numbers whose minimum is off the step
// (none in Device:2.19); 29 February
// in common years; base64 maxima over 768 bytes and several size facets;
// in a list string, the sizes of string items that have patterns and the
// item count when the item regex is large (the array form counts
// exactly); the list size facet for the array form. Like CheckValue, the
// schema checks no references (pathRef, instanceRef targets,
// enumerationRef), access, unique keys or minEntries.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
	"github.com/xeipuuv/gojsonschema"
)

// SchemaOptions control JSONSchema.
type SchemaOptions struct {
	// ID is the schema's "$id" (omitted when empty).
	ID string
	// Indent pretty-prints the schema with this indent per level; empty
	// means one space, "none" means compact output on one line.
	Indent string
}

// JSON Schema dialect and the names of the shape definitions.
const (
	draft07       = "http://json-schema.org/draft-07/schema#"
	defNested     = "nested-document"
	defFlat       = "flat-document"
	instanceRE    = `^[1-9][0-9]*$`
	aliasRE       = `^\[[^\]]+\]$`
	flatInstance  = `(?:[1-9][0-9]*|\[[^\]]+\])`
	maxItemRegexp = 16 << 10 // bytes of an item regex repeated for an item count
	maxStepValues = 256      // values on a range's step spelt out in a string pattern
)

type obj = map[string]any

// JSONSchema returns the draft-07 JSON Schema of m's parameter documents.
// The output is deterministic: keys are sorted and definitions are named
// after their content.
func JSONSchema(m *model.Model, opts SchemaOptions) ([]byte, error) {
	g := &schemaGen{m: m, defs: obj{}, byCanon: map[string]string{},
		names: map[string]string{defNested: "", defFlat: ""}} // reserved
	nested, err := g.nested()
	if err != nil {
		return nil, err
	}
	flat, err := g.flat()
	if err != nil {
		return nil, err
	}
	g.defs[defNested] = nested
	g.defs[defFlat] = flat
	root := obj{
		"$schema":     draft07,
		"title":       m.Name + " parameter document (nested or flat)",
		"type":        "object",
		"if":          obj{"propertyNames": obj{"pattern": `^[^.]*$`}},
		"then":        ref(defNested),
		"else":        ref(defFlat),
		"definitions": g.defs,
	}
	if opts.ID != "" {
		root["$id"] = opts.ID
	}
	hasUSP, err := g.uspDefinitions()
	if err != nil {
		return nil, err
	}
	if hasUSP {
		root["description"] = "A parameter document holds values only: the arguments of the model's USP commands and events are described in the definitions " + defCommands + " and " + defEvents + "."
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	switch opts.Indent {
	case "":
		enc.SetIndent("", " ")
	case "none":
	default:
		enc.SetIndent("", opts.Indent)
	}
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ref(name string) obj { return obj{"$ref": "#/definitions/" + name} }

type schemaGen struct {
	m       *model.Model
	defs    obj
	byCanon map[string]string // base name and canonical JSON of a value schema → definition name
	names   map[string]string // definition name → canonical JSON
}

// node is an object of the nested tree.
type node struct {
	path     string // schema path, "" for the root of the document
	obj      *model.Object
	children map[string]*node // by name (a table by its name without {i})
}

func (g *schemaGen) tree() (*node, error) {
	root := &node{children: map[string]*node{}}
	nodes := map[string]*node{"": root}
	var err error
	var get func(path string) *node
	get = func(path string) *node {
		if n, ok := nodes[path]; ok {
			return n
		}
		n := &node{path: path, children: map[string]*node{}}
		nodes[path] = n
		parent := get(model.ParentPath(path))
		name := objectName(path)
		if old, dup := parent.children[name]; dup && err == nil {
			err = fmt.Errorf("gen schema: objects %s and %s have the same name", old.path, path)
		}
		parent.children[name] = n
		return n
	}
	for _, o := range g.m.LiveObjects() { // deleted items are not in documents
		get(o.Path).obj = o
	}
	return root, err
}

// objectName is the last segment of an object path without {i}.
func objectName(path string) string {
	p := strings.TrimSuffix(strings.TrimSuffix(path, "."), ".{i}")
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func isTablePath(path string) bool { return strings.HasSuffix(path, ".{i}.") }

// instanceDef names the definition of a table's instance object.
func instanceDef(path string) string {
	return strings.TrimSuffix(strings.ReplaceAll(path, "{i}", "i"), ".")
}

func (g *schemaGen) nested() (obj, error) {
	root, err := g.tree()
	if err != nil {
		return nil, err
	}
	return g.objectSchema(root)
}

func (g *schemaGen) objectSchema(n *node) (obj, error) {
	props := obj{}
	if n.obj != nil {
		for _, p := range n.obj.LiveParams() {
			r, err := g.valueRef(&p.Syntax, p.Path())
			if err != nil {
				return nil, err
			}
			props[p.Name] = r
		}
	}
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := n.children[name]
		if _, dup := props[name]; dup {
			return nil, fmt.Errorf("gen schema: %s%s is both a parameter and an object", n.path, name)
		}
		cs, err := g.objectSchema(c)
		if err != nil {
			return nil, err
		}
		if !isTablePath(c.path) {
			props[name] = cs
			continue
		}
		def := instanceDef(c.path)
		g.defs[def] = cs
		table := obj{
			"type":                 "object",
			"patternProperties":    obj{instanceRE: ref(def), aliasRE: ref(def)},
			"additionalProperties": false,
		}
		if c.obj != nil && c.obj.MaxEntries >= 0 {
			table["maxProperties"] = c.obj.MaxEntries
		}
		props[name] = table
	}
	s := obj{"type": "object", "additionalProperties": false}
	if len(props) > 0 {
		s["properties"] = props
	}
	return s, nil
}

func (g *schemaGen) flat() (obj, error) {
	props, pats := obj{}, obj{}
	for _, o := range g.m.LiveObjects() {
		for _, p := range o.LiveParams() {
			r, err := g.valueRef(&p.Syntax, p.Path())
			if err != nil {
				return nil, err
			}
			path := p.Path()
			if !strings.Contains(path, "{i}") {
				props[path] = r
				continue
			}
			parts := strings.Split(path, "{i}")
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			pats["^"+strings.Join(parts, flatInstance)+"$"] = r
		}
	}
	s := obj{"type": "object", "additionalProperties": false}
	if len(props) > 0 {
		s["properties"] = props
	}
	if len(pats) > 0 {
		s["patternProperties"] = pats
	}
	return s, nil
}

// valueRef registers the value schema of syn and returns a $ref to it.
func (g *schemaGen) valueRef(syn *model.Syntax, where string) (obj, error) {
	s, err := valueSchema(syn, g)
	if err != nil {
		return nil, fmt.Errorf("gen schema: %s: %w", where, err)
	}
	return ref(g.define(syn, s)), nil
}

func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps, slices, strings, numbers and bools
	}
	return string(b)
}

// define registers a value schema and returns its definition name: the
// primitive type's name for a bare type, the data type's name when the
// value schema is exactly the data type's, otherwise that base name and a
// hash of the content. Names depend only on the content, so they are
// stable across models.
func (g *schemaGen) define(syn *model.Syntax, s obj) string {
	c := canonical(s)
	base := string(syn.Type)
	if syn.DataType != "" {
		base = syn.DataType
	}
	if syn.List != nil {
		base += "List"
	}
	key := base + "\x00" + c
	if name, ok := g.byCanon[key]; ok {
		return name
	}
	var candidates []string
	if syn.DataType != "" {
		if dt := g.m.DataTypes[syn.DataType]; dt != nil && (dt.Syntax.List == nil) == (syn.List == nil) {
			dts, err := valueSchema(&dt.Syntax, nil)
			if err == nil && canonical(dts) == c {
				candidates = append(candidates, base)
			}
		}
	} else if syn.List == nil {
		if bare, err := valueSchema(&model.Syntax{Type: syn.Type}, nil); err == nil && canonical(bare) == c {
			candidates = append(candidates, base)
		}
	}
	sum := sha256.Sum256([]byte(c))
	h := hex.EncodeToString(sum[:])
	candidates = append(candidates, base+"-"+h[:8], base+"-"+h[:16], base+"-"+h)
	for _, name := range candidates {
		if prev, taken := g.names[name]; taken && prev != c {
			continue
		}
		g.names[name] = c
		g.byCanon[key] = name
		g.defs[name] = s
		return name
	}
	panic("gen schema: sha256 collision")
}

// valueSchema returns the JSON Schema of one parameter value. g registers
// list item definitions; with a nil g the items are inlined (used only to
// compare schemas).
func valueSchema(syn *model.Syntax, g *schemaGen) (obj, error) {
	if syn.List == nil {
		f, err := itemForms(syn)
		if err != nil {
			return nil, err
		}
		return f.schema(), nil
	}
	item := syn.Clone()
	item.List = nil
	f, err := itemForms(&item)
	if err != nil {
		return nil, err
	}
	l := syn.List
	str := obj{"type": "string"}
	if l.Size != nil {
		sizeKeywords(str, *l.Size, 1)
	}
	if re := listRegexp(f.re, l); re != "" {
		str["pattern"] = re
	}
	arr := obj{"type": "array"}
	if g != nil {
		arr["items"] = ref(g.define(&item, f.schema()))
	} else {
		arr["items"] = f.schema()
	}
	if l.MinItems != nil && *l.MinItems > 0 {
		arr["minItems"] = *l.MinItems
	}
	if l.MaxItems != nil {
		arr["maxItems"] = *l.MaxItems
	}
	return obj{"anyOf": []any{str, arr}}, nil
}

// forms are the ways one (item) value may be written.
type forms struct {
	native []obj // JSON-native alternatives (numbers, booleans)
	str    obj   // the string form; nil when nothing is valid
	// re is the unanchored item regex for list patterns; "" when the
	// item cannot be expressed as a regex.
	re string
}

func (f forms) schema() obj {
	var alts []any
	for _, n := range f.native {
		alts = append(alts, n)
	}
	if f.str != nil {
		alts = append(alts, f.str)
	}
	switch len(alts) {
	case 0:
		return obj{"not": obj{}}
	case 1:
		return alts[0].(obj)
	}
	return obj{"anyOf": alts}
}

var nothing = forms{re: `[^\s\S]`}

// TR-106 lexical forms.
const (
	dateTimeRE = `(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-` +
		`(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-9])|(?:0[13-9]|1[0-2])-30|(?:0[13578]|1[02])-31)` +
		`T(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)|24:00:00)(?:\.[0-9]+)?(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?`
	decimalRE = `[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)`
	hexRE     = `(?:[0-9A-Fa-f]{2})*`
	b64Char   = `[A-Za-z0-9+/]`
	b64WS     = `[ \t\r\n]*`
	b64Quad   = `(?:` + b64Char + b64WS + b64Char + b64WS + b64Char + b64WS + b64Char + b64WS + `)`
	b64Pad1   = b64Char + b64WS + b64Char + b64WS + `=` + b64WS + `=` + b64WS     // one byte
	b64Pad2   = b64Char + b64WS + b64Char + b64WS + b64Char + b64WS + `=` + b64WS // two bytes
	b64RE     = b64WS + b64Quad + `*(?:` + b64Pad1 + `|` + b64Pad2 + `)?`
	boolRE    = `(?:0|1|true|false)`
)

func anchored(re string) string { return "^(?:" + re + ")$" }

// itemForms returns the forms of a single (not list) value.
func itemForms(s *model.Syntax) (forms, error) {
	// Enumerations: the values CheckValue accepts (which applies the other
	// facets too), so the enumeration is exact whatever else is given.
	if len(s.Enums) > 0 && s.Type != model.TypeBoolean {
		var ok []string
		for _, v := range s.EnumValues() {
			if model.CheckValue(s, v) == nil {
				ok = append(ok, v)
			}
		}
		return enumForms(s.Type, ok), nil
	}
	var f forms
	switch s.Type {
	case model.TypeBoolean:
		f = forms{native: []obj{{"type": "boolean"}}, str: obj{"type": "string", "enum": []any{"0", "1", "false", "true"}}, re: boolRE}
	case model.TypeInt, model.TypeUnsignedInt, model.TypeLong, model.TypeUnsignedLong:
		var err error
		if f, err = intForms(s); err != nil {
			return f, err
		}
	case model.TypeDecimal:
		f = decimalForms(s)
	case model.TypeDateTime:
		f = forms{str: obj{"type": "string", "pattern": anchored(dateTimeRE)}, re: dateTimeRE}
	case model.TypeHexBinary:
		f = forms{str: obj{"type": "string", "pattern": anchored(hexRE)}, re: hexRE}
		sizes(f.str, s.Sizes, 2)
	case model.TypeBase64:
		re := b64RE
		if len(s.Sizes) == 1 {
			re = base64SizeRE(s.Sizes[0])
		}
		f = forms{str: obj{"type": "string", "pattern": anchored(re)}, re: re}
	case model.TypeString, "":
		f = forms{str: obj{"type": "string"}, re: `[^,]*`}
		sizes(f.str, s.Sizes, 1)
		if len(s.Sizes) == 1 {
			lo, hi := uint64(0), uint64(0)
			if s.Sizes[0].Min != nil {
				lo = *s.Sizes[0].Min
			}
			if s.Sizes[0].Max != nil {
				hi = *s.Sizes[0].Max
			}
			switch {
			case s.Sizes[0].Max != nil && hi <= 1000 && lo <= hi:
				f.re = fmt.Sprintf(`[^,]{%d,%d}`, lo, hi)
			case s.Sizes[0].Max == nil && lo <= 1000:
				f.re = fmt.Sprintf(`[^,]{%d,}`, lo)
			}
		}
	default:
		return f, fmt.Errorf("unknown primitive type %q", s.Type)
	}
	if len(s.Patterns) > 0 && s.Type != model.TypeBoolean {
		var alts []string
		for _, p := range s.Patterns {
			if p.Status == model.Deleted {
				continue
			}
			if _, err := model.CompilePattern(p.Value); err != nil {
				continue // CheckValue skips it too: nothing matches it
			}
			re := model.PatternRegexp(p.Value)
			alts = append(alts, re[len("^(?:"):len(re)-len(")$")])
		}
		if len(alts) == 0 {
			return nothing, nil
		}
		alt := strings.Join(alts, "|")
		if _, err := regexp.Compile(anchored(alt)); err != nil {
			return f, fmt.Errorf("patterns do not combine into one regexp: %v", err)
		}
		if _, has := f.str["pattern"]; has {
			f.str["allOf"] = []any{obj{"pattern": anchored(alt)}}
		} else {
			f.str["pattern"] = anchored(alt)
		}
		// A list item regex cannot also carry sizes; the patterns alone
		// are looser than the facets, never stricter.
		f.re = "(?:" + alt + ")"
	}
	return f, nil
}

// maxBase64Size is the largest size facet (in bytes) spelt out in a base64
// pattern; larger maxima are not checked.
const maxBase64Size = 768

// base64SizeRE matches base64 values (whitespace allowed, as CheckValue
// does) that decode to a number of bytes within sz: n = 3k bytes are k
// quads, n = 3k+1 and 3k+2 end in a padded quad.
func base64SizeRE(sz model.Size) string {
	lo, hi, bounded := uint64(0), uint64(0), true
	if sz.Min != nil {
		lo = *sz.Min
	}
	switch {
	case sz.Max != nil && *sz.Max <= maxBase64Size:
		hi = *sz.Max
	case sz.Min == nil || lo > maxBase64Size:
		return b64RE // nothing to check, or too large to spell out
	default:
		bounded = false // only a minimum within reach
	}
	var alts []string
	for r, tail := range []string{"", b64Pad1, b64Pad2} {
		r := uint64(r)
		var kmin uint64
		if lo > r {
			kmin = (lo - r + 2) / 3
		}
		if !bounded {
			alts = append(alts, fmt.Sprintf("%s{%d,}%s", b64Quad, kmin, tail))
			continue
		}
		if hi < r {
			continue
		}
		kmax := (hi - r) / 3
		if kmin > kmax {
			continue
		}
		alts = append(alts, fmt.Sprintf("%s{%d,%d}%s", b64Quad, kmin, kmax, tail))
	}
	if len(alts) == 0 {
		return `[^\s\S]`
	}
	return b64WS + "(?:" + strings.Join(alts, "|") + ")"
}

// sizes adds minLength/maxLength (×mul) for one size facet, or an anyOf of
// them for several.
func sizes(s obj, szs []model.Size, mul uint64) {
	switch len(szs) {
	case 0:
	case 1:
		sizeKeywords(s, szs[0], mul)
	default:
		var alts []any
		for _, sz := range szs {
			a := obj{}
			sizeKeywords(a, sz, mul)
			alts = append(alts, a)
		}
		s["anyOf"] = alts
	}
}

func sizeKeywords(s obj, sz model.Size, mul uint64) {
	if sz.Min != nil && *sz.Min > 0 {
		s["minLength"] = *sz.Min * mul
	}
	if sz.Max != nil {
		s["maxLength"] = *sz.Max * mul
	}
}

func enumForms(t model.BaseType, vals []string) forms {
	if len(vals) == 0 {
		return nothing
	}
	var lits []string
	switch t {
	case model.TypeInt, model.TypeLong, model.TypeUnsignedInt, model.TypeUnsignedLong:
		signed := t == model.TypeInt || t == model.TypeLong
		var nums []any
		seen := map[string]bool{}
		for _, v := range vals {
			n, ok := new(big.Int).SetString(strings.TrimPrefix(v, "+"), 10)
			if !ok || seen[n.String()] {
				continue
			}
			seen[n.String()] = true
			nums = append(nums, json.Number(n.String()))
			lits = append(lits, intLiteralRE(n, signed))
		}
		re := "(?:" + strings.Join(lits, "|") + ")"
		return forms{native: []obj{{"type": "integer", "enum": nums}}, str: obj{"type": "string", "pattern": anchored(re)}, re: re}
	case model.TypeDecimal:
		var nums, strs []any
		for _, v := range vals {
			if n, ok := jsonNumber(v); ok {
				nums = append(nums, n)
			}
			strs = append(strs, v)
			lits = append(lits, regexp.QuoteMeta(v))
		}
		return forms{native: []obj{{"type": "number", "enum": nums}}, str: obj{"type": "string", "enum": strs}, re: "(?:" + strings.Join(lits, "|") + ")"}
	}
	strs := make([]any, len(vals))
	for i, v := range vals {
		strs[i] = v
		lits = append(lits, regexp.QuoteMeta(v))
	}
	return forms{str: obj{"type": "string", "enum": strs}, re: "(?:" + strings.Join(lits, "|") + ")"}
}

// intLiteralRE matches every lexical form CheckValue reads as n.
func intLiteralRE(n *big.Int, signed bool) string {
	switch {
	case n.Sign() < 0:
		return "-0*" + new(big.Int).Neg(n).String()
	case n.Sign() == 0 && signed:
		return `[+-]?0+`
	case n.Sign() == 0:
		return `\+?0+`
	}
	return `\+?0*` + n.String()
}

var typeBounds = map[model.BaseType][2]string{
	model.TypeInt:          {"-2147483648", "2147483647"},
	model.TypeUnsignedInt:  {"0", "4294967295"},
	model.TypeLong:         {"-9223372036854775808", "9223372036854775807"},
	model.TypeUnsignedLong: {"0", "18446744073709551615"},
}

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad integer " + s)
	}
	return n
}

// ratBound parses a range bound (it may be a decimal) and rounds it
// inwards: up for a minimum, down for a maximum.
func ratBound(s string, up bool) (*big.Int, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	if up && m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q, true
}

func intForms(s *model.Syntax) (forms, error) {
	b := typeBounds[s.Type]
	tlo, thi := bigInt(b[0]), bigInt(b[1])
	signed := s.Type == model.TypeInt || s.Type == model.TypeLong
	type interval struct {
		lo, hi *big.Int
		step   *big.Int   // for multipleOf
		values []*big.Int // all the values on the step, when few
	}
	var ivs []interval
	ranges := s.Ranges
	if len(ranges) == 0 {
		ranges = []model.Range{{}}
	}
	for _, r := range ranges {
		lo, hi := new(big.Int).Set(tlo), new(big.Int).Set(thi)
		if r.Min != "" {
			v, ok := ratBound(r.Min, true)
			if !ok {
				return forms{}, fmt.Errorf("range minimum %q is not a number", r.Min)
			}
			if v.Cmp(lo) > 0 {
				lo = v
			}
		}
		if r.Max != "" {
			v, ok := ratBound(r.Max, false)
			if !ok {
				return forms{}, fmt.Errorf("range maximum %q is not a number", r.Max)
			}
			if v.Cmp(hi) < 0 {
				hi = v
			}
		}
		if lo.Cmp(hi) > 0 {
			continue
		}
		iv := interval{lo: lo, hi: hi}
		// A step is relative to the range's minimum. A JSON number gets
		// multipleOf when that minimum is itself a multiple of the step;
		// a string (and a number otherwise) an enumeration of the values
		// on the step when there are at most maxStepValues of them.
		if st, ok := new(big.Int).SetString(r.Step, 10); ok && st.Cmp(big.NewInt(1)) > 0 && (r.Min != "" || !signed) {
			base := big.NewInt(0)
			if r.Min != "" {
				base, _ = ratBound(r.Min, true)
			}
			if new(big.Int).Mod(base, st).Sign() == 0 {
				iv.step = st
			}
			first := new(big.Int).Sub(lo, base)
			first.Mod(first, st)
			if first.Sign() != 0 { // lo was clamped off the step
				first.Sub(st, first)
			}
			first.Add(first, lo)
			if n := new(big.Int).Sub(hi, first); n.Sign() >= 0 && n.Div(n, st).Cmp(big.NewInt(maxStepValues)) < 0 {
				for v := first; v.Cmp(hi) <= 0; v = new(big.Int).Add(v, st) {
					iv.values = append(iv.values, v)
				}
			}
		}
		ivs = append(ivs, iv)
	}
	if len(ivs) == 0 {
		return nothing, nil
	}
	var native []obj
	var res []string
	for _, iv := range ivs {
		n := obj{"type": "integer", "minimum": json.Number(iv.lo.String()), "maximum": json.Number(iv.hi.String())}
		switch {
		case iv.step != nil:
			n["multipleOf"] = json.Number(iv.step.String())
		case iv.values != nil:
			var nums []any
			for _, v := range iv.values {
				nums = append(nums, json.Number(v.String()))
			}
			n = obj{"type": "integer", "enum": nums}
		}
		native = append(native, n)
		if iv.values == nil {
			res = append(res, intRangeRE(iv.lo, iv.hi, signed))
			continue
		}
		for _, v := range iv.values {
			res = append(res, intLiteralRE(v, signed))
		}
	}
	var nat obj
	if len(native) == 1 {
		nat = native[0]
	} else {
		alts := make([]any, len(native))
		for i, n := range native {
			alts[i] = n
		}
		nat = obj{"anyOf": alts}
	}
	re := strings.Join(res, "|")
	if len(res) > 1 {
		re = "(?:" + re + ")"
	}
	return forms{native: []obj{nat}, str: obj{"type": "string", "pattern": anchored(re)}, re: re}, nil
}

// intRangeRE matches the lexical forms CheckValue accepts for the integers
// in [lo, hi]: an optional sign ("+" always, "-" for signed types; "-0" is
// zero) and leading zeros.
func intRangeRE(lo, hi *big.Int, signed bool) string {
	var alts []string
	zero := big.NewInt(0)
	if hi.Sign() >= 0 {
		a := lo
		if a.Sign() < 0 {
			a = zero
		}
		alts = append(alts, `\+?0*`+digitRangeRE(a.String(), hi.String()))
		if signed && a.Sign() == 0 {
			alts = append(alts, `-0+`)
		}
	}
	if lo.Sign() < 0 {
		b := new(big.Int).Neg(hi)
		if b.Cmp(big.NewInt(1)) < 0 {
			b = big.NewInt(1)
		}
		alts = append(alts, `-0*`+digitRangeRE(b.String(), new(big.Int).Neg(lo).String()))
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// digitRangeRE matches the canonical decimal forms (no leading zeros) of
// the integers in [a, b], 0 ≤ a ≤ b, given as canonical decimal text.
func digitRangeRE(a, b string) string {
	var alts []string
	if len(a) == len(b) {
		alts = sameLenRE(a, b)
	} else {
		alts = append(alts, sameLenRE(a, strings.Repeat("9", len(a)))...)
		if lo, hi := len(a)+1, len(b)-1; lo <= hi {
			alts = append(alts, "[1-9]"+repeatDigits(lo-1, hi-1))
		}
		alts = append(alts, sameLenRE("1"+strings.Repeat("0", len(b)-1), b)...)
	}
	if len(alts) == 1 && !strings.Contains(alts[0], "|") {
		return alts[0]
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

func repeatDigits(lo, hi int) string {
	switch {
	case hi == 0:
		return ""
	case lo == hi && lo == 1:
		return "[0-9]"
	case lo == hi:
		return "[0-9]{" + strconv.Itoa(lo) + "}"
	}
	return "[0-9]{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}"
}

func digitClass(lo, hi byte) string {
	switch {
	case lo == hi:
		return string(lo)
	case lo == '0' && hi == '9':
		return "[0-9]"
	case hi == lo+1:
		return "[" + string(lo) + string(hi) + "]"
	}
	return "[" + string(lo) + "-" + string(hi) + "]"
}

// sameLenRE returns alternatives matching the digit strings in [a, b],
// which have the same length.
func sameLenRE(a, b string) []string {
	n := len(a)
	if a == b {
		return []string{a}
	}
	if a[0] == b[0] {
		subs := sameLenRE(a[1:], b[1:])
		if len(subs) == 1 {
			return []string{a[:1] + subs[0]}
		}
		return []string{a[:1] + "(?:" + strings.Join(subs, "|") + ")"}
	}
	if n == 1 {
		return []string{digitClass(a[0], b[0])}
	}
	rest := n - 1
	var alts []string
	lo, hi := a[0], b[0]
	if strings.Trim(a[1:], "0") != "" {
		for _, s := range sameLenRE(a[1:], strings.Repeat("9", rest)) {
			alts = append(alts, a[:1]+s)
		}
		lo++
	}
	last := []string(nil)
	if strings.Trim(b[1:], "9") != "" {
		for _, s := range sameLenRE(strings.Repeat("0", rest), b[1:]) {
			last = append(last, b[:1]+s)
		}
		hi--
	}
	if lo <= hi {
		alts = append(alts, digitClass(lo, hi)+repeatDigits(rest, rest))
	}
	return append(alts, last...)
}

func decimalForms(s *model.Syntax) forms {
	var native []any
	for _, r := range s.Ranges {
		n := obj{"type": "number"}
		if v, ok := jsonNumber(r.Min); ok {
			n["minimum"] = v
		}
		if v, ok := jsonNumber(r.Max); ok {
			n["maximum"] = v
		}
		if r.Step != "" && r.Step != "1" {
			st, ok1 := new(big.Rat).SetString(r.Step)
			base, ok2 := new(big.Rat).SetString(r.Min)
			if ok1 && ok2 && st.Sign() > 0 && new(big.Rat).Quo(base, st).IsInt() {
				if v, ok := jsonNumber(r.Step); ok {
					n["multipleOf"] = v
				}
			}
		}
		native = append(native, n)
	}
	f := forms{str: obj{"type": "string", "pattern": anchored(decimalRE)}, re: decimalRE}
	switch len(native) {
	case 0:
		f.native = []obj{{"type": "number"}}
	case 1:
		f.native = []obj{native[0].(obj)}
	default:
		f.native = []obj{{"anyOf": native}}
	}
	return f
}

// listSpace is what strings.TrimSpace removes around a list item.
const listSpace = `[\t-\r \x{85}\p{Z}]*`

// listRegexp returns the pattern of a comma-separated list of items that
// match itemRE, with the list's item count when it fits; "" when the
// pattern would check nothing.
func listRegexp(itemRE string, l *model.List) string {
	if itemRE == "" {
		return ""
	}
	anyItem := itemRE == `[^,]*`
	minItems, maxItems := uint64(0), uint64(0)
	hasMax := l.MaxItems != nil
	if l.MinItems != nil {
		minItems = *l.MinItems
	}
	if hasMax {
		maxItems = *l.MaxItems
	}
	if anyItem && minItems <= 1 && !hasMax {
		return ""
	}
	item := listSpace + itemRE + listSpace
	more := "*"
	if (minItems > 1 || hasMax) && len(item)*int(min(maxItems, 1000)) <= maxItemRegexp && maxItems <= 1000 && minItems <= 1000 {
		lo := uint64(0)
		if minItems > 1 {
			lo = minItems - 1
		}
		switch {
		case hasMax && maxItems == 0:
			return `^$`
		case hasMax:
			more = fmt.Sprintf("{%d,%d}", lo, maxItems-1)
		default:
			more = fmt.Sprintf("{%d,}", lo)
		}
	} else if anyItem {
		return ""
	}
	re := item + "(?:," + item + ")" + more
	if minItems == 0 {
		re = "^(?:" + re + ")?$"
	} else {
		re = "^(?:" + re + ")$"
	}
	if _, err := regexp.Compile(re); err != nil {
		return ""
	}
	return re
}

var jsonNumberRE = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$`)

// jsonNumber returns a decimal as a JSON number literal.
func jsonNumber(s string) (json.Number, bool) {
	if jsonNumberRE.MatchString(s) {
		return json.Number(s), true
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" {
		return "", false
	}
	frac := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = len(s) - i - 1
	}
	return json.Number(r.FloatString(frac)), true
}

// DocViolation is one violation of a parameter document.
type DocViolation struct {
	// Path is the parameter (or object) path the violation is about, as
	// the document names it ("Device.WiFi.SSID.1.SSID"; an item of a list
	// written as a JSON array gets "[n]"), "" for the document itself.
	Path string
	Msg  string

	unknown bool // Path is not in the data model
}

func (v DocViolation) String() string {
	if v.Path == "" {
		return v.Msg
	}
	return v.Path + ": " + v.Msg
}

// DocValidator validates parameter documents, in either shape, against a
// schema made by JSONSchema. It is safe for concurrent use.
type DocValidator struct {
	schema *gojsonschema.Schema
	model  *model.Schema // nil: messages come from the JSON Schema only
}

// NewDocValidator compiles schemaJSON. With m (the model the schema was
// made from) a value violation is explained by model.CheckValue's TR-106
// message; without it by gojsonschema's.
func NewDocValidator(schemaJSON []byte, m *model.Model) (*DocValidator, error) {
	s, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("compile JSON Schema: %w", err)
	}
	v := &DocValidator{schema: s}
	if m != nil {
		v.model = model.SchemaFromModel(m)
	}
	return v, nil
}

// Validate checks one JSON document and returns its violations sorted by
// path (none when it is valid). The error is for a document that is not
// JSON at all.
func (v *DocValidator) Validate(doc []byte) ([]DocViolation, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var d any
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not JSON: data after the document")
	}
	return v.validate(d, true)
}

// validate checks a decoded document; fold says whether a flat document
// is folded into the nested shape first (it always is but in tests that
// exercise the schema's flat branch).
func (v *DocValidator) validate(d any, fold bool) ([]DocViolation, error) {
	var out []DocViolation
	var flatKeys []string // sorted keys of a folded flat document
	if flat, ok := d.(map[string]any); ok && fold && isFlat(flat) {
		var vs []DocViolation
		d, vs = nestFlat(flat, v.modelName())
		out = append(out, vs...)
		for k := range flat {
			flatKeys = append(flatKeys, k)
		}
		sort.Strings(flatKeys)
	}
	res, err := v.schema.Validate(gojsonschema.NewGoLoader(d))
	if err != nil {
		return nil, err
	}
	for _, x := range v.violations(d, res.Errors()) {
		if !x.unknown || flatKeys == nil {
			out = append(out, x)
			continue
		}
		// An unknown name in a folded flat document: report the keys
		// that use it, as the user wrote them.
		n := len(out)
		i := sort.SearchStrings(flatKeys, x.Path)
		for ; i < len(flatKeys) && strings.HasPrefix(flatKeys[i], x.Path); i++ {
			if k := flatKeys[i]; k == x.Path || strings.HasPrefix(k[len(x.Path):], ".") {
				out = append(out, DocViolation{Path: k, Msg: x.Msg})
			}
		}
		if len(out) == n {
			out = append(out, x)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Msg < out[j].Msg
	})
	return out, nil
}

func (v *DocValidator) modelName() string {
	if v.model == nil {
		return "the data model"
	}
	return v.model.Model
}

// isFlat reports whether a document is in the flat shape: no top-level
// value is an object (in the nested shape the root objects are; a service
// model's top-level parameters have the same key in both shapes).
func isFlat(d map[string]any) bool {
	dotted := false
	for k, v := range d {
		if _, isObj := v.(map[string]any); isObj {
			return false
		}
		dotted = dotted || strings.Contains(k, ".")
	}
	return dotted
}

// splitPath splits a path on dots outside [alias] brackets.
func splitPath(p string) []string {
	var segs []string
	start, depth := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '.':
			if depth == 0 {
				segs = append(segs, p[start:i])
				start = i + 1
			}
		}
	}
	return append(segs, p[start:])
}

// nestFlat folds a flat document (no value is an object) into the nested
// shape. Keys that cannot be folded (an object path, a path that runs
// through a parameter) are violations of the flat shape too, reported here.
func nestFlat(flat map[string]any, modelName string) (map[string]any, []DocViolation) {
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	root := map[string]any{}
	var vs []DocViolation
	unknown := "not a parameter of " + modelName
keys:
	for _, k := range keys {
		val := flat[k]
		segs := splitPath(k)
		for _, s := range segs {
			if s == "" {
				vs = append(vs, DocViolation{Path: k, Msg: unknown})
				continue keys
			}
		}
		cur := root
		for i, s := range segs[:len(segs)-1] {
			switch next := cur[s].(type) {
			case nil:
				m := map[string]any{}
				cur[s] = m
				cur = m
			case map[string]any:
				cur = next
			default:
				vs = append(vs, DocViolation{Path: k, Msg: unknown + " (" + strings.Join(segs[:i+1], ".") + " is a parameter)"})
				continue keys
			}
		}
		last := segs[len(segs)-1]
		if _, taken := cur[last]; taken {
			vs = append(vs, DocViolation{Path: k, Msg: unknown + " (other keys use it as an object)"})
			continue
		}
		cur[last] = val
	}
	return root, vs
}

// Error types that only say that a combinator failed; the errors merged
// from its branches say why.
var genericErrors = map[string]bool{
	"number_any_of": true, "number_one_of": true, "number_all_of": true,
	"condition_then": true, "condition_else": true,
}

func (v *DocValidator) violations(doc any, errs []gojsonschema.ResultError) []DocViolation {
	type found struct {
		msgs     []string
		generic  []string
		explains bool
		unknown  bool
	}
	byPath := map[string]*found{}
	var order []string
	for _, e := range errs {
		segs := contextSegments(e.Field())
		if e.Type() == "additional_property_not_allowed" {
			if p, ok := e.Details()["property"].(string); ok {
				segs = append(segs, p)
			}
		}
		path, param, val := locate(doc, segs)
		f := byPath[path]
		if f == nil {
			f = &found{}
			byPath[path] = f
			order = append(order, path)
		}
		msg := e.Description()
		switch {
		case e.Type() == "additional_property_not_allowed":
			msg = "not a parameter or object of " + v.modelName()
			if v.isTable(segs[:len(segs)-1]) {
				msg = "not an instance number (1, 2, …) or [alias]"
			}
			f.unknown = true
		case e.Type() == "array_max_properties":
			msg = fmt.Sprintf("more than %v instances (the table's maxEntries)", e.Details()["max"])
		case genericErrors[e.Type()]:
			f.generic = append(f.generic, msg)
			continue
		case f.explains:
			continue
		}
		if v.model != nil && param != "" {
			if why := v.checkValue(param, val); why != "" {
				f.msgs, f.explains = []string{why}, true
				continue
			}
		}
		if e.Type() != "additional_property_not_allowed" {
			switch val := e.Value(); val.(type) {
			case string, json.Number, bool:
				if b, err := json.Marshal(val); err == nil {
					msg = truncate(string(b), 64) + ": " + msg
				}
			}
		}
		f.msgs = append(f.msgs, truncate(msg, 240))
	}
	specific := false
	for _, f := range byPath {
		specific = specific || len(f.msgs) > 0
	}
	var out []DocViolation
	for _, path := range order {
		f := byPath[path]
		msgs := f.msgs
		if !specific {
			// Only combinators failed (not expected of our schemas):
			// report those rather than nothing.
			msgs = f.generic
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			if !seen[m] {
				seen[m] = true
				out = append(out, DocViolation{Path: path, Msg: m, unknown: f.unknown})
			}
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// contextSegments splits gojsonschema's error context ("(root).Device.WiFi")
// into keys. Keys with dots (flat documents, aliases) are rejoined by
// locate.
func contextSegments(field string) []string {
	if field == gojsonschema.STRING_CONTEXT_ROOT || field == "" {
		return nil
	}
	return strings.Split(field, ".")
}

// locate walks doc along the context segments and returns the path to
// report, the parameter path without list indices ("" unless it ends at a
// value), and that value.
func locate(doc any, segs []string) (path, param string, val any) {
	var b, pb strings.Builder
	cur := doc
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		switch c := cur.(type) {
		case map[string]any:
			// A key may itself contain dots (a flat key, an alias):
			// take the longest run of segments that is a key.
			key, j := s, i
			for k := len(segs); k > i+1; k-- {
				if cand := strings.Join(segs[i:k], "."); c[cand] != nil {
					key, j = cand, k-1
					break
				}
			}
			if b.Len() > 0 {
				b.WriteByte('.')
				pb.WriteByte('.')
			}
			b.WriteString(key)
			pb.WriteString(key)
			cur, i = c[key], j
		case []any:
			b.WriteString("[" + s + "]")
			cur = nil // the whole list is the parameter's value
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strings.Join(segs[i:], "."))
			return b.String(), "", nil
		}
	}
	if cur == nil {
		// An item of a JSON array: the list value is the parameter's.
		if v, ok := lookupValue(doc, pb.String()); ok {
			return b.String(), pb.String(), v
		}
		return b.String(), "", nil
	}
	if _, isObj := cur.(map[string]any); isObj {
		return b.String(), "", nil
	}
	return b.String(), pb.String(), cur
}

func lookupValue(doc any, path string) (any, bool) {
	cur := doc
	for _, s := range splitPath(path) {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[s]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// isTable reports whether the context segments name a table of the model.
func (v *DocValidator) isTable(segs []string) bool {
	if v.model == nil || len(segs) == 0 {
		return false
	}
	sp, ok := model.SchemaPath(strings.Join(segs, "."))
	if !ok {
		return false
	}
	e, ok := v.model.Lookup(sp + ".{i}.")
	return ok && e.IsTable()
}

// checkValue explains a value violation with model.CheckValue, or "".
func (v *DocValidator) checkValue(path string, val any) string {
	e, ok := v.model.Lookup(path)
	if !ok || e.Object {
		return ""
	}
	s, ok := wireValue(val)
	if !ok {
		return ""
	}
	if err := model.CheckValue(e.Syntax, s); err != nil {
		return err.Error()
	}
	return ""
}

// wireValue is the CWMP string form of a JSON value.
func wireValue(val any) (string, bool) {
	switch x := val.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			s, ok := wireValue(it)
			if !ok {
				return "", false
			}
			if _, isList := it.([]any); isList {
				return "", false
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}
