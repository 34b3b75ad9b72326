package lint

import (
	"math/big"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// syntaxFacets checks a named data type's own facets.
func (c *linter) syntaxFacets(s *model.Syntax, what string, pos model.Pos) {
	c.syntax(s, what, pos, true, nil)
}

// syntax checks a syntax's facets that the file gives (all of them when
// own, the item being defined by the file) and its default; obj is the
// object the parameter is in, for references (nil for data types and
// arguments).
func (c *linter) syntax(s *model.Syntax, path string, pos model.Pos, own bool, obj *model.Object) {
	mine := func(p model.Pos) bool { return c.mine(p) || (own && p.File == "") }
	at := func(p model.Pos) model.Pos {
		if p.File == "" {
			return pos
		}
		return p
	}
	t := s.Type
	for _, r := range s.Ranges {
		if mine(r.Pos) {
			c.rangeFacet(t, r, at(r.Pos), path)
		}
	}
	for _, sz := range s.Sizes {
		if !mine(sz.Pos) {
			continue
		}
		if t != "" && t != model.TypeString && !t.IsBinary() {
			c.add(at(sz.Pos), 0, RuleSizeInvalid, path, "%s: size facet on type %s (sizes apply to string, base64 and hexBinary)", path, t)
		}
		if sz.Min != nil && sz.Max != nil && *sz.Min > *sz.Max {
			c.add(at(sz.Pos), 0, RuleSizeInvalid, path, "%s: size minLength %d is greater than maxLength %d", path, *sz.Min, *sz.Max)
		}
	}
	if own && s.List != nil {
		l := s.List
		if l.MinItems != nil && l.MaxItems != nil && *l.MinItems > *l.MaxItems {
			c.add(pos, 0, RuleSizeInvalid, path, "%s: list minItems %d is greater than maxItems %d", path, *l.MinItems, *l.MaxItems)
		}
		if l.Size != nil && l.Size.Min != nil && l.Size.Max != nil && *l.Size.Min > *l.Size.Max {
			c.add(pos, 0, RuleSizeInvalid, path, "%s: list size minLength %d is greater than maxLength %d", path, *l.Size.Min, *l.Size.Max)
		}
	}
	var firstAt map[string]model.Pos
	for _, e := range s.Enums {
		if e.Status == model.Deleted {
			continue
		}
		if firstAt == nil {
			firstAt = make(map[string]model.Pos, len(s.Enums))
		}
		if prev, dup := firstAt[e.Value]; dup {
			if mine(e.Pos) {
				c.add(at(e.Pos), 0, RuleEnumDuplicate, path, "%s: enumeration value %q is given twice (first at line %d)", path, e.Value, prev.Line)
			}
			continue
		}
		firstAt[e.Value] = e.Pos
		if mine(e.Pos) && t != "" && t != model.TypeString {
			if ve := model.CheckType(t, e.Value); ve != nil {
				c.add(at(e.Pos), 0, RuleEnumInvalid, path, "%s: enumeration value %q is not a valid %s", path, e.Value, t)
			}
		}
	}
	for _, p := range s.Patterns {
		if !mine(p.Pos) {
			continue
		}
		if _, err := model.CompilePattern(p.Value); err != nil {
			c.add(at(p.Pos), 0, RulePatternInvalid, path, "%s: %v", path, err)
		}
	}
	if d := s.Default; d != nil && d.Status != model.Deleted && (own || c.mine(d.Pos)) {
		c.defaultValue(s, d, at(d.Pos), path)
	}
	if s.Ref != nil && obj != nil && (own || c.mine(s.Ref.Pos)) {
		c.reference(s.Ref, at(s.Ref.Pos), path, obj)
	}
}

func (c *linter) rangeFacet(t model.BaseType, r model.Range, pos model.Pos, path string) {
	if t != "" && !t.IsNumeric() {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range facet on type %s (ranges apply to numeric types)", path, t)
		return
	}
	for _, b := range []struct{ name, v string }{{"minInclusive", r.Min}, {"maxInclusive", r.Max}} {
		if b.v == "" || t == "" {
			continue
		}
		if ve := model.CheckType(t, b.v); ve != nil {
			c.add(pos, 0, RuleRangeInvalid, path, "%s: range %s %q is not a valid %s", path, b.name, b.v, t)
			return
		}
	}
	if r.Min != "" && r.Max != "" && model.CompareDecimal(r.Min, r.Max) > 0 {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range minInclusive %s is greater than maxInclusive %s", path, r.Min, r.Max)
		return
	}
	if r.Step == "" {
		return
	}
	step, ok := new(big.Rat).SetString(r.Step)
	if !ok || step.Sign() <= 0 {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range step %s is not a positive number", path, r.Step)
		return
	}
	if t != model.TypeDecimal && !step.IsInt() {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range step %s is not an integer, but the type is %s", path, r.Step, t)
		return
	}
	if r.Min == "" || r.Max == "" {
		return
	}
	lo, ok1 := new(big.Rat).SetString(r.Min)
	hi, ok2 := new(big.Rat).SetString(r.Max)
	if !ok1 || !ok2 {
		return
	}
	span := new(big.Rat).Sub(hi, lo)
	if span.Sign() > 0 && span.Cmp(step) < 0 {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range step %s is larger than the range %s..%s", path, r.Step, r.Min, r.Max)
		return
	}
	if q := new(big.Rat).Quo(span, step); !q.IsInt() {
		c.add(pos, 0, RuleRangeInvalid, path, "%s: range step %s does not fit %s..%s (maxInclusive is not reachable from minInclusive)", path, r.Step, r.Min, r.Max)
	}
}

func (c *linter) defaultValue(s *model.Syntax, d *model.Default, pos model.Pos, path string) {
	v := d.Value
	if s.List != nil && len(v) >= 2 && v[0] == '[' && v[len(v)-1] == ']' {
		// List defaults may be written in brackets: "[]", "[0,1,2]".
		v = v[1 : len(v)-1]
	}
	ve := model.CheckValue(s, v)
	if ve == nil {
		return
	}
	rule := RuleDefaultInvalid
	typ := d.Type
	if typ == "" {
		typ = "object"
	}
	switch {
	case typ != "object" && typ != "factory":
		// implementation and parameter defaults describe what a CPE or a
		// command argument typically uses: not values an ACS relies on.
		rule = RuleDefaultImpl
	case v == "":
		rule = RuleDefaultEmpty
	}
	c.add(pos, 0, rule, path, "%s: %s default %q is not a valid value: %s (%s)", path, typ, trunc(d.Value, 64), ve.Msg, ve.Rule)
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// reference checks that a reference's targets exist in the model.
func (c *linter) reference(r *model.Reference, pos model.Pos, path string, obj *model.Object) {
	root := c.rootPath()
	base := obj.Path
	switch r.Kind {
	case model.PathRef, model.InstanceRef:
		for _, tp := range strings.Fields(r.TargetParent) {
			full := resolveRef(root, base, tp, r.TargetParentScope)
			if c.m.IsService && (strings.HasPrefix(tp, ".") || r.TargetParentScope == "model") && !c.pathExists(full) {
				// "." in a service model is the root object of whatever
				// model the service is mounted in: not decidable here.
				continue
			}
			if !c.pathExists(full) {
				c.add(pos, 0, RuleRefTarget, path, "%s: %s targetParent %s (%s) does not exist in %s", path, r.Kind, tp, full, c.m.Name)
			}
		}
	case model.EnumerationRef:
		if r.TargetParam == "" {
			return
		}
		full := resolveRef(root, base, r.TargetParam, r.TargetParamScope)
		if c.m.IsService && (strings.HasPrefix(r.TargetParam, ".") || r.TargetParamScope == "model") && c.m.Parameter(full) == nil {
			return
		}
		if c.m.Parameter(full) == nil {
			c.add(pos, 0, RuleRefTarget, path, "%s: enumerationRef targetParam %s (%s) does not exist in %s", path, r.TargetParam, full, c.m.Name)
		}
	}
}

// resolveRef resolves a reference path written in a model (TR-106
// A.2.3.4) against the object the parameter is in.
func resolveRef(root, base, ref, scope string) string {
	switch scope {
	case "model":
		if strings.HasPrefix(ref, root) {
			return ref
		}
		return root + strings.TrimPrefix(ref, ".")
	case "object":
		return base + strings.TrimPrefix(ref, ".")
	}
	return model.ResolveRelative(root, base, ref)
}

// rootPath is the path "." refers to: the root object ("Device.") or, for
// a service model, its service object ("VoiceService.{i}.").
func (c *linter) rootPath() string {
	m := c.m
	for _, o := range m.Objects {
		if o.Path == "" {
			continue
		}
		if m.IsService {
			return o.Path
		}
		// Test models are not named after their root object
		// ("WiFiBase:2.16" builds Device.WiFi.).
		return o.Path[:strings.IndexByte(o.Path, '.')+1]
	}
	return m.RootName() + "."
}

// pathExists reports whether path names an object, a table (given
// without its "{i}."), or an intermediate path of the model.
func (c *linter) pathExists(path string) bool {
	if c.paths == nil {
		c.paths = map[string]bool{}
		for _, o := range c.m.Objects {
			p := o.Path
			c.paths[p] = true
			for i := 0; i < len(p)-1; i++ {
				if p[i] == '.' {
					c.paths[p[:i+1]] = true
				}
			}
		}
	}
	return c.paths[path] || c.paths[path+"{i}."]
}
