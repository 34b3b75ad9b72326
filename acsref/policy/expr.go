package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/dmforge/dmforge/model"
)

// Facts are what the ACS knows of a device without reading a parameter.
type Facts struct {
	ID              string
	OUI             string
	ProductClass    string
	Serial          string
	Manufacturer    string
	SoftwareVersion string
	Model           string // "Device:2.19"
	Tags            []string
}

// factVars are the CEL variables of the facts, with their types.
var factVars = []struct {
	name string
	typ  *cel.Type
}{
	{"device.id", cel.StringType}, {"device.oui", cel.StringType}, {"device.productClass", cel.StringType},
	{"device.serial", cel.StringType}, {"device.manufacturer", cel.StringType},
	{"device.softwareVersion", cel.StringType}, {"device.model", cel.StringType},
	{"device.tags", cel.ListType(cel.StringType)},
}

func (f *Facts) activation(into map[string]any) {
	into["device.id"], into["device.oui"], into["device.productClass"] = f.ID, f.OUI, f.ProductClass
	into["device.serial"], into["device.manufacturer"] = f.Serial, f.Manufacturer
	into["device.softwareVersion"], into["device.model"] = f.SoftwareVersion, f.Model
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	into["device.tags"] = tags
}

// CELType is the CEL type of a TR-106 syntax: lists travel as strings,
// decimal is a double, base64 and hexBinary are bytes.
func CELType(s *model.Syntax) *cel.Type {
	if s == nil || s.List != nil {
		return cel.StringType
	}
	return celTypeOf(s.Type)
}

func celTypeOf(t model.BaseType) *cel.Type {
	switch t {
	case model.TypeBoolean:
		return cel.BoolType
	case model.TypeInt, model.TypeLong:
		return cel.IntType
	case model.TypeUnsignedInt, model.TypeUnsignedLong:
		return cel.UintType
	case model.TypeDateTime:
		return cel.TimestampType
	case model.TypeBase64, model.TypeHexBinary:
		return cel.BytesType
	case model.TypeDecimal:
		return cel.DoubleType
	}
	return cel.StringType
}

// param is a parameter an expression reads: its path and syntax (nil
// for a vendor parameter, read as a string).
type param struct {
	path   string
	syntax *model.Syntax
}

// program is a compiled expression.
type program struct {
	src      string
	line     int
	prg      cel.Program
	params   []param  // _p0, _p1, ... in order
	virtuals []string // names of the virtual parameters it reads
	out      *cel.Type
}

// scanPaths replaces every parameter path in a CEL expression (outside
// string literals) by a variable _pN and returns the rewritten source and
// the paths. A path starts with the root object's name and goes on while
// segments begin with an upper-case letter or a digit (TR-106 names do;
// CEL's methods such as startsWith do not).
func scanPaths(src string, roots []string) (string, []string) {
	var out strings.Builder
	var paths []string
	index := map[string]int{}
	i := 0
	for i < len(src) {
		c := src[i]
		if c == '"' || c == '\'' {
			j := skipString(src, i)
			out.WriteString(src[i:j])
			i = j
			continue
		}
		if isIdentStart(c) && (i == 0 || !isIdentChar(src[i-1]) && src[i-1] != '.') {
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			word := src[i:j]
			isRoot := false
			for _, r := range roots {
				if word == r {
					isRoot = true
				}
			}
			if !isRoot {
				out.WriteString(word)
				i = j
				continue
			}
			// Extend over ".Segment" while segments look like TR-106 names.
			for j < len(src) && src[j] == '.' && j+1 < len(src) && (src[j+1] >= 'A' && src[j+1] <= 'Z' || src[j+1] >= '0' && src[j+1] <= '9') {
				k := j + 1
				for k < len(src) && isIdentChar(src[k]) {
					k++
				}
				j = k
			}
			path := src[i:j]
			n, ok := index[path]
			if !ok {
				n = len(paths)
				index[path] = n
				paths = append(paths, path)
			}
			out.WriteString("_p" + strconv.Itoa(n))
			i = j
			continue
		}
		out.WriteByte(c)
		i++
	}
	return out.String(), paths
}

// skipString returns the index after the string literal starting at i
// (single, double or triple quoted; backslash escapes).
func skipString(s string, i int) int {
	q := s[i]
	if strings.HasPrefix(s[i:], strings.Repeat(string(q), 3)) {
		end := strings.Index(s[i+3:], strings.Repeat(string(q), 3))
		if end < 0 {
			return len(s)
		}
		return i + 3 + end + 3
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(s)
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// exprScope is what an expression may name: the target model's
// parameters and the virtual parameters of its model.
type exprScope struct {
	target   *Target
	vendor   []string
	virtuals map[string]*compiledVirtual // nil inside a virtual parameter
}

// compile parses and type-checks an expression. want, when not nil, is
// the type the result must have (int is accepted for uint and double:
// CEL's literals are ints).
func compile(e *Expr, sc *exprScope, want *cel.Type, path string, policy string) (*program, *Error) {
	fail := func(rule, format string, args ...any) *Error {
		return &Error{Policy: policy, Line: e.Line, Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	}
	src, paths := scanPaths(e.Source, sc.target.roots())
	p := &program{src: e.Source, line: e.Line}
	opts := []cel.EnvOption{}
	for _, f := range factVars {
		opts = append(opts, cel.Variable(f.name, f.typ))
	}
	for i, ref := range paths {
		ent, ok, vendor := sc.target.lookup(ref)
		switch {
		case vendor:
			if !declaredVendor(ref, sc.vendor) {
				return nil, fail(RuleVendor, "expression reads vendor parameter %s, whose vendor prefix is not declared in vendor:", ref)
			}
			p.params = append(p.params, param{path: ref})
		case !ok:
			return nil, fail(RuleUnknownPath, "expression reads %s, which %s does not define", ref, sc.target.Name)
		case ent.Object:
			return nil, fail(RuleNotParameter, "expression reads %s, an object", ref)
		case strings.Contains(ref, "{i}"):
			return nil, fail(RuleUnknownPath, "expression reads %s: name an instance (1, 2, ...), not {i}", ref)
		default:
			p.params = append(p.params, param{path: ref, syntax: ent.Syntax})
		}
		opts = append(opts, cel.Variable("_p"+strconv.Itoa(i), CELType(p.params[i].syntax)))
	}
	for name, v := range sc.virtuals {
		opts = append(opts, cel.Variable("v."+name, v.out))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fail(RuleCELSyntax, "%v", err)
	}
	ast, iss := env.Parse(src)
	if iss.Err() != nil {
		return nil, fail(RuleCELSyntax, "%s: %s", e.Source, firstIssue(iss.Err()))
	}
	checked, iss := env.Check(ast)
	if iss.Err() != nil {
		return nil, fail(RuleCELType, "%s: %s", e.Source, unmangle(firstIssue(iss.Err()), paths))
	}
	p.out = checked.OutputType()
	if want != nil && !assignable(p.out, want) {
		return nil, fail(RuleCELType, "%s: the expression is of type %s, the parameter needs %s", e.Source, p.out, want)
	}
	for name := range sc.virtuals {
		if strings.Contains(src, "v."+name) {
			p.virtuals = append(p.virtuals, name)
		}
	}
	prg, err := env.Program(checked, cel.CostLimit(100000), cel.EvalOptions(cel.OptPartialEval))
	if err != nil {
		return nil, fail(RuleCELType, "%v", err)
	}
	p.prg = prg
	return p, nil
}

func assignable(got, want *cel.Type) bool {
	if got.IsExactType(want) || got.IsExactType(cel.DynType) {
		return true
	}
	if got.IsExactType(cel.IntType) && (want.IsExactType(cel.UintType) || want.IsExactType(cel.DoubleType)) {
		return true
	}
	return false
}

func firstIssue(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "ERROR: ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "<input>:")
}

// unmangle puts the paths back in a checker message.
func unmangle(msg string, paths []string) string {
	for i := len(paths) - 1; i >= 0; i-- {
		msg = strings.ReplaceAll(msg, "_p"+strconv.Itoa(i), paths[i])
	}
	return msg
}

// typedValue converts a wire value to the CEL value of a parameter.
func typedValue(s *model.Syntax, v string) (any, error) {
	if s == nil || s.List != nil {
		return v, nil
	}
	switch s.Type {
	case model.TypeBoolean:
		return model.ParseBool(v)
	case model.TypeInt, model.TypeLong:
		return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	case model.TypeUnsignedInt, model.TypeUnsignedLong:
		return strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(v), "+"), 10, 64)
	case model.TypeDateTime:
		return model.ParseDateTime(v)
	case model.TypeDecimal:
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	case model.TypeBase64, model.TypeHexBinary:
		var b []byte
		err := model.ParseValueInto(s.Type, v, &b)
		return b, err
	}
	return v, nil
}

// wireValue formats a CEL result as the wire value of a parameter.
func wireValue(s *model.Syntax, v ref.Val) (string, error) {
	t := model.TypeString
	if s != nil && s.List == nil {
		t = s.Type
	}
	switch x := v.Value().(type) {
	case string:
		return x, nil
	case bool:
		return model.FormatBool(x), nil
	case int64:
		if (t == model.TypeUnsignedInt || t == model.TypeUnsignedLong) && x < 0 {
			return "", fmt.Errorf("%d is negative, the parameter is %s", x, t)
		}
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case []byte:
		return model.FormatValue(t, x), nil
	case time.Time:
		return model.FormatDateTime(x), nil
	}
	if v.Type() == types.TimestampType {
		return model.FormatDateTime(v.Value().(time.Time)), nil
	}
	return "", fmt.Errorf("a %s result cannot be a parameter value", v.Type().TypeName())
}

// Normalize is the canonical form of a wire value of a syntax, so that
// "1" and "true", "007" and "7" compare equal.
func Normalize(s *model.Syntax, v string) string {
	if s == nil || s.List != nil {
		return v
	}
	x, err := typedValue(s, v)
	if err != nil {
		return v
	}
	switch y := x.(type) {
	case bool:
		return model.FormatBool(y)
	case int64:
		return strconv.FormatInt(y, 10)
	case uint64:
		return strconv.FormatUint(y, 10)
	case float64:
		return strconv.FormatFloat(y, 'g', -1, 64)
	case time.Time:
		return y.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(y)
	}
	return v
}

func syntaxOf(t model.BaseType) *model.Syntax { return &model.Syntax{Type: t} }

func modelCheck(s *model.Syntax, v string) error {
	if ve := model.CheckValue(s, v); ve != nil {
		return ve
	}
	return nil
}
