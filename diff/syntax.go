package diff

import (
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// syntax reports the changes of a parameter's value syntax.
// readOnly says the parameter is readOnly in both models, which makes
// default changes info: no ACS or provisioning sets it. writable says the
// ACS may set it in the NEW model, which makes narrowed references
// breaking.
func (c *comparer) syntax(p string, os, ns *model.Syntax, readOnly, writable bool) {
	const k = KindParameter
	typeChanged := os.Type != ns.Type
	if typeChanged {
		msg := "type changed"
		if numericWidening(os.Type, ns.Type) {
			msg = "type widened; the wire type (xsi:type) and the value range an ACS must parse change"
		}
		c.add(p, k, ParamTypeChanged, string(os.Type), string(ns.Type), msg)
	} else if os.DataType != ns.DataType {
		c.add(p, k, ParamDataTypeChanged, os.DataType, ns.DataType, "named data type changed")
	}
	switch {
	case (os.List == nil) != (ns.List == nil):
		c.add(p, k, ParamListChanged, listText(os), listText(ns), "list-ness changed: values travel differently")
	case os.List != nil:
		c.listBounds(p, os.List, ns.List)
	}
	if !typeChanged {
		c.ranges(p, ns.Type, os.Ranges, ns.Ranges)
		c.sizes(p, os.Sizes, ns.Sizes, ParamSizeNarrowed, ParamSizeWidened, "length")
	}
	c.patterns(p, os.Patterns, ns.Patterns)
	c.enums(p, os.Enums, ns.Enums)
	c.defaults(p, os.Default, ns.Default, os.List != nil, ns.List != nil, readOnly)
	switch {
	case os.Units == ns.Units:
	case os.Units == "":
		c.add(p, k, ParamUnitsAdded, "", ns.Units, "units stated")
	case ns.Units == "":
		c.add(p, k, ParamUnitsRemoved, os.Units, "", "units no longer stated")
	default:
		c.add(p, k, ParamUnitsChanged, os.Units, ns.Units, "units changed")
	}
	if os.Ref == nil && ns.Ref == nil {
		return
	}
	if o, n := refText(os.Ref), refText(ns.Ref); o != n {
		if writable && refNarrowed(os.Ref, ns.Ref) {
			c.add(p, k, ParamReferenceNarrowed, o, n, "some references the ACS could set before are refused now")
		} else {
			c.add(p, k, ParamReferenceChanged, o, n, "reference changed")
		}
	}
}

// refNarrowed reports whether a reference facet accepts fewer values:
// another kind, a target parent dropped (no parents means any), or a weak
// reference made strong.
func refNarrowed(o, n *model.Reference) bool {
	if o == nil {
		return true
	}
	if n == nil {
		return false
	}
	if o.Kind != n.Kind {
		return true
	}
	ot, nt := strings.Fields(o.TargetParent), strings.Fields(n.TargetParent)
	if len(nt) > 0 && (len(ot) == 0 || !subset(ot, nt)) {
		return true
	}
	return o.RefType != "strong" && n.RefType == "strong"
}

// numericWidening reports whether every value of a is a value of b.
func numericWidening(a, b model.BaseType) bool {
	switch a {
	case model.TypeInt:
		return b == model.TypeLong || b == model.TypeDecimal
	case model.TypeUnsignedInt:
		return b == model.TypeLong || b == model.TypeUnsignedLong || b == model.TypeDecimal
	case model.TypeLong, model.TypeUnsignedLong:
		return b == model.TypeDecimal
	}
	return false
}

func listText(s *model.Syntax) string {
	if s.List == nil {
		return string(s.Type)
	}
	return "list<" + string(s.Type) + ">"
}

func (c *comparer) listBounds(p string, ol, nl *model.List) {
	o, n := listBoundsText(ol), listBoundsText(nl)
	if o == n {
		return
	}
	items := cmpIntervals(uintIntervals([]model.Size{{Min: ol.MinItems, Max: ol.MaxItems}}), uintIntervals([]model.Size{{Min: nl.MinItems, Max: nl.MaxItems}}), true)
	var os, ns []model.Size
	if ol.Size != nil && (ol.Size.Min != nil || ol.Size.Max != nil) {
		os = []model.Size{*ol.Size}
	}
	if nl.Size != nil && (nl.Size.Min != nil || nl.Size.Max != nil) {
		ns = []model.Size{*nl.Size}
	}
	size := cmpIntervals(uintIntervals(os), uintIntervals(ns), true)
	if items.narrowed || size.narrowed {
		c.add(p, KindParameter, ParamListNarrowed, o, n, "list bounds narrowed")
	} else if items.widened || size.widened {
		c.add(p, KindParameter, ParamListWidened, o, n, "list bounds widened")
	}
}

func listBoundsText(l *model.List) string {
	var parts []string
	if l.MinItems != nil || l.MaxItems != nil {
		parts = append(parts, "items "+ptr(l.MinItems)+":"+ptr(l.MaxItems))
	}
	if l.Size != nil && (l.Size.Min != nil || l.Size.Max != nil) {
		parts = append(parts, "size "+ptr(l.Size.Min)+":"+ptr(l.Size.Max))
	}
	return strings.Join(parts, ", ")
}

func ptr(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

// interval is a closed interval of numbers; nil bounds are infinite.
// step, when non-nil, restricts it to lo + k*step.
type interval struct {
	lo, hi, step *big.Rat
}

type verdict struct{ narrowed, widened bool }

// typeBounds returns the value interval of an integer type.
func typeBounds(t model.BaseType) (lo, hi *big.Rat) {
	r := func(s string) *big.Rat { x, _ := new(big.Rat).SetString(s); return x }
	switch t {
	case model.TypeInt:
		return r("-2147483648"), r("2147483647")
	case model.TypeUnsignedInt:
		return r("0"), r("4294967295")
	case model.TypeLong:
		return r("-9223372036854775808"), r("9223372036854775807")
	case model.TypeUnsignedLong:
		return r("0"), r("18446744073709551615")
	}
	return nil, nil
}

func rangeIntervals(t model.BaseType, rs []model.Range) []interval {
	tlo, thi := typeBounds(t)
	if len(rs) == 0 {
		return []interval{{lo: tlo, hi: thi}}
	}
	out := make([]interval, 0, len(rs))
	for _, r := range rs {
		iv := interval{lo: tlo, hi: thi}
		if x, ok := new(big.Rat).SetString(r.Min); ok && r.Min != "" {
			iv.lo = x
		}
		if x, ok := new(big.Rat).SetString(r.Max); ok && r.Max != "" {
			iv.hi = x
		}
		if x, ok := new(big.Rat).SetString(r.Step); ok && r.Step != "" && x.Sign() > 0 && !(x.IsInt() && x.Num().IsInt64() && x.Num().Int64() == 1 && t != model.TypeDecimal) {
			iv.step = x
		}
		out = append(out, iv)
	}
	return out
}

func uintIntervals(ss []model.Size) []interval {
	zero := new(big.Rat)
	if len(ss) == 0 {
		return []interval{{lo: zero}}
	}
	out := make([]interval, 0, len(ss))
	for _, s := range ss {
		iv := interval{lo: zero}
		if s.Min != nil {
			iv.lo = new(big.Rat).SetUint64(*s.Min)
		}
		if s.Max != nil {
			iv.hi = new(big.Rat).SetUint64(*s.Max)
		}
		out = append(out, iv)
	}
	return out
}

func (c *comparer) ranges(p string, t model.BaseType, o, n []model.Range) {
	if len(o) == 0 && len(n) == 0 {
		return
	}
	ot, nt := rangesText(o), rangesText(n)
	if ot == nt || !t.IsNumeric() {
		return
	}
	v := cmpIntervals(rangeIntervals(t, o), rangeIntervals(t, n), t != model.TypeDecimal)
	if v.narrowed {
		c.add(p, KindParameter, ParamRangeNarrowed, ot, nt, "some values allowed before are no longer allowed")
	} else if v.widened {
		c.add(p, KindParameter, ParamRangeWidened, ot, nt, "more values allowed")
	}
}

func (c *comparer) sizes(p string, o, n []model.Size, narrowed, widened, what string) {
	if len(o) == 0 && len(n) == 0 {
		return
	}
	ot, nt := sizesText(o), sizesText(n)
	if ot == nt {
		return
	}
	v := cmpIntervals(uintIntervals(o), uintIntervals(n), true)
	if v.narrowed {
		c.add(p, KindParameter, narrowed, ot, nt, "some "+what+"s allowed before are no longer allowed")
	} else if v.widened {
		c.add(p, KindParameter, widened, ot, nt, "more "+what+"s allowed")
	}
}

// cmpIntervals compares two unions of intervals as sets: narrowed when
// some member of a is not in b, widened when some member of b is not in a.
func cmpIntervals(a, b []interval, integer bool) verdict {
	return verdict{narrowed: !covered(a, b, integer), widened: !covered(b, a, integer)}
}

// covered reports whether every member of the union xs is in the union
// ys. A stepped interval is covered only by one interval of ys whose step
// divides it and whose grid it lies on; an unstepped one by the merged
// unstepped intervals of ys (or by being a single point on a grid).
func covered(xs, ys []interval, integer bool) bool {
	merged := mergeIntervals(ys, integer)
	for _, x := range xs {
		if !coveredOne(x, ys, merged) {
			return false
		}
	}
	return true
}

func coveredOne(x interval, ys, merged []interval) bool {
	if x.lo != nil && x.hi != nil && x.lo.Cmp(x.hi) > 0 {
		return true // empty
	}
	if x.step == nil || (x.lo != nil && x.hi != nil && x.lo.Cmp(x.hi) == 0) {
		for _, m := range merged {
			if contains(m, x) {
				return true
			}
		}
		if x.lo != nil && x.hi != nil && x.lo.Cmp(x.hi) == 0 {
			for _, y := range ys {
				if contains(y, x) && onGrid(x.lo, y) {
					return true
				}
			}
		}
		return false
	}
	for _, y := range ys {
		if !contains(y, x) {
			continue
		}
		if y.step == nil {
			return true
		}
		q := new(big.Rat).Quo(x.step, y.step)
		if q.IsInt() && x.lo != nil && onGrid(x.lo, y) {
			return true
		}
	}
	return false
}

func onGrid(v *big.Rat, y interval) bool {
	if y.step == nil {
		return true
	}
	base := new(big.Rat)
	if y.lo != nil {
		base = y.lo
	}
	d := new(big.Rat).Sub(v, base)
	return d.Quo(d, y.step).IsInt()
}

// contains reports whether interval y's bounds enclose x's.
func contains(y, x interval) bool {
	if y.lo != nil && (x.lo == nil || x.lo.Cmp(y.lo) < 0) {
		return false
	}
	if y.hi != nil && (x.hi == nil || x.hi.Cmp(y.hi) > 0) {
		return false
	}
	return true
}

// mergeIntervals unions the unstepped intervals of ys into disjoint ones;
// for integers, [1:5] and [6:9] merge into [1:9].
func mergeIntervals(ys []interval, integer bool) []interval {
	var in []interval
	for _, y := range ys {
		if y.step == nil {
			in = append(in, y)
		}
	}
	sort.Slice(in, func(i, j int) bool {
		if in[i].lo == nil || in[j].lo == nil {
			return in[i].lo == nil && in[j].lo != nil
		}
		return in[i].lo.Cmp(in[j].lo) < 0
	})
	one := big.NewRat(1, 1)
	var out []interval
	for _, y := range in {
		if len(out) > 0 {
			last := &out[len(out)-1]
			if last.hi == nil {
				continue
			}
			reach := last.hi
			if integer {
				reach = new(big.Rat).Add(last.hi, one)
			}
			if y.lo == nil || y.lo.Cmp(reach) <= 0 {
				if y.hi == nil || y.hi.Cmp(last.hi) > 0 {
					last.hi = y.hi
				}
				continue
			}
		}
		out = append(out, y)
	}
	return out
}

func rangesText(rs []model.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = "[" + r.Min + ":" + r.Max
		if r.Step != "" && r.Step != "1" {
			parts[i] += " step " + r.Step
		}
		parts[i] += "]"
	}
	return strings.Join(parts, ",")
}

func sizesText(ss []model.Size) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = "(" + ptr(s.Min) + ":" + ptr(s.Max) + ")"
	}
	return strings.Join(parts, ",")
}

func (c *comparer) patterns(p string, o, n []model.Pattern) {
	if len(o) == 0 && len(n) == 0 {
		return
	}
	os, ns := patternSet(o), patternSet(n)
	ot, nt := strings.Join(os, " | "), strings.Join(ns, " | ")
	if ot == nt {
		return
	}
	switch {
	case len(os) == 0:
		c.add(p, KindParameter, ParamPatternNarrowed, "", nt, "patterns introduced")
	case len(ns) == 0 || subset(os, ns):
		c.add(p, KindParameter, ParamPatternWidened, ot, nt, "patterns added or lifted")
	default:
		c.add(p, KindParameter, ParamPatternChanged, ot, nt, "patterns removed or changed; not proven to accept every old value")
	}
}

func patternSet(ps []model.Pattern) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Status == model.Deleted || seen[p.Value] {
			continue
		}
		seen[p.Value] = true
		out = append(out, p.Value)
	}
	sort.Strings(out)
	return out
}

func subset(a, b []string) bool {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	for _, s := range a {
		if !in[s] {
			return false
		}
	}
	return true
}

func (c *comparer) enums(p string, o, n []model.Enum) {
	const k = KindParameter
	ov, nv := enumMap(o), enumMap(n)
	if len(ov) == 0 && len(nv) == 0 {
		return
	}
	if len(ov) == 0 {
		c.add(p, k, ParamEnumIntroduced, "", joinValues(n, nv), "values restricted to an enumeration")
		return
	}
	if len(nv) == 0 {
		c.add(p, k, ParamEnumLifted, joinValues(o, ov), "", "enumeration lifted")
		return
	}
	var added, removed, deprecated, obsoleted, other, described []string
	for _, e := range n {
		if _, ok := nv[e.Value]; !ok {
			continue
		}
		oe, ok := ov[e.Value]
		if !ok {
			added = append(added, e.Value)
			continue
		}
		if c.opts.Descriptions && !sameText(oe.Description, e.Description) {
			described = append(described, e.Value)
		}
		os, ns := oe.Status.OrCurrent(), e.Status.OrCurrent()
		switch {
		case os == ns:
		case ns == model.Deprecated:
			deprecated = append(deprecated, e.Value)
		case ns == model.Obsoleted:
			obsoleted = append(obsoleted, e.Value)
		default:
			other = append(other, e.Value+" ("+string(os)+"→"+string(ns)+")")
		}
	}
	for _, e := range o {
		if _, ok := ov[e.Value]; ok {
			if _, still := nv[e.Value]; !still {
				removed = append(removed, e.Value)
			}
		}
	}
	if len(added) > 0 {
		c.add(p, k, ParamEnumAdded, "", strings.Join(dedup(added), ", "), "enumeration values added")
	}
	if len(removed) > 0 {
		c.add(p, k, ParamEnumRemoved, strings.Join(dedup(removed), ", "), "", "enumeration values removed")
	}
	if len(deprecated) > 0 {
		c.add(p, k, ParamEnumDeprecated, "", strings.Join(dedup(deprecated), ", "), "enumeration values deprecated")
	}
	if len(obsoleted) > 0 {
		c.add(p, k, ParamEnumObsoleted, "", strings.Join(dedup(obsoleted), ", "), "enumeration values obsoleted")
	}
	if len(other) > 0 {
		c.add(p, k, ParamEnumStatusChanged, "", strings.Join(dedup(other), ", "), "enumeration value status changed")
	}
	if len(described) > 0 {
		c.add(p, k, ParamEnumDescChanged, "", strings.Join(dedup(described), ", "), "enumeration value description changed")
	}
}

// enumMap returns the values that are not deleted.
func enumMap(es []model.Enum) map[string]model.Enum {
	m := make(map[string]model.Enum, len(es))
	for _, e := range es {
		if e.Status != model.Deleted {
			m[e.Value] = e
		}
	}
	return m
}

func joinValues(es []model.Enum, keep map[string]model.Enum) string {
	var vs []string
	for _, e := range es {
		if _, ok := keep[e.Value]; ok {
			vs = append(vs, e.Value)
		}
	}
	return strings.Join(dedup(vs), ", ")
}

func dedup(vs []string) []string {
	seen := make(map[string]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// defaults compares default values. A list default is compared without
// the brackets newer BBF files wrap it in ("[]" is "", "[1,2]" is "1,2"):
// TR-181 2.18 rewrote its list defaults that way without changing any
// value.
func (c *comparer) defaults(p string, o, n *model.Default, oList, nList, readOnly bool) {
	if o != nil && o.Status == model.Deleted {
		o = nil
	}
	if n != nil && n.Status == model.Deleted {
		n = nil
	}
	if readOnly {
		if (o == nil) != (n == nil) || o != nil && (listDefault(o.Value, oList) != listDefault(n.Value, nList) || o.Type != n.Type) {
			ot, nt := "", ""
			if o != nil {
				ot = defaultText(o)
			}
			if n != nil {
				nt = defaultText(n)
			}
			c.add(p, KindParameter, ParamReadOnlyDefault, ot, nt, "default of a readOnly parameter changed")
		}
		return
	}
	switch {
	case o == nil && n == nil:
	case o == nil:
		c.add(p, KindParameter, ParamDefaultAdded, "", defaultText(n), "default added")
	case n == nil:
		c.add(p, KindParameter, ParamDefaultRemoved, defaultText(o), "", "default removed")
	case listDefault(o.Value, oList) != listDefault(n.Value, nList) || o.Type != n.Type:
		c.add(p, KindParameter, ParamDefaultChanged, defaultText(o), defaultText(n), "default changed")
	}
}

func listDefault(v string, list bool) string {
	if list && len(v) >= 2 && v[0] == '[' && v[len(v)-1] == ']' {
		return strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

func defaultText(d *model.Default) string {
	return strconv.Quote(d.Value) + " (" + d.Type + ")"
}

func refText(r *model.Reference) string {
	if r == nil {
		return ""
	}
	parts := []string{string(r.Kind)}
	if r.RefType != "" {
		parts = append(parts, r.RefType)
	}
	if tp := strings.Fields(r.TargetParent); len(tp) > 0 {
		// Whitespace in the list is layout (the BBF wraps long lists).
		parts = append(parts, "parent="+strings.Join(tp, " "))
	}
	if r.TargetType != "" && r.TargetType != "any" {
		parts = append(parts, "type="+r.TargetType)
	}
	if r.TargetDataType != "" && r.TargetDataType != "any" {
		parts = append(parts, "dataType="+r.TargetDataType)
	}
	if r.TargetParam != "" {
		parts = append(parts, "param="+r.TargetParam)
	}
	if r.NullValue != "" {
		parts = append(parts, "null="+r.NullValue)
	}
	return strings.Join(parts, " ")
}
