package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// syntax reads a parameter's <syntax> element into the effective syntax:
// the data type's merged facets restricted by the element's own.
func (r *resolver) syntax(c *ctx, n *node) (model.Syntax, error) {
	d := c.d
	var s model.Syntax
	for _, a := range n.Attr {
		switch a.Name.Local {
		case "hidden":
			s.Hidden = a.Value == "true"
		case "secured":
			s.Secured = a.Value == "true"
		case "command":
			s.Command = a.Value == "true"
		}
	}
	for _, ch := range n.Children {
		switch ch.Tag {
		case "list":
			l, err := listFacet(d, ch)
			if err != nil {
				return s, err
			}
			s.List = l
		case "default":
			s.Default = &model.Default{Type: ch.get("type"), Value: ch.get("value"), Status: model.Status(ch.get("status")), Pos: d.pos(ch)}
		case "dataType":
			ref := ch.get("ref")
			if ref == "" {
				ref = ch.get("base") // an anonymous type derived from a named one
			}
			if ref == "" {
				return s, d.errRule(ch, "attr-invalid", "<dataType> in a syntax needs ref or base")
			}
			var dt *model.DataType
			var err error
			if c.root != nil && c.root.rebound["dataType:"+ref] {
				dt, err = r.lookupDataType(c.root, ref)
			} else {
				dt, err = r.lookupDataType(d, ref)
			}
			for _, o := range c.outer {
				if err == nil {
					break
				}
				dt, err = r.lookupDataType(o, ref)
			}
			if err != nil {
				dt, err = r.globalDataType(d, ch, ref)
			}
			if err != nil {
				return s, d.errRule(ch, "datatype-unknown", "%v", err)
			}
			if c.m != nil && c.m.DataTypes != nil {
				c.m.DataTypes[dt.Name] = dt
			}
			own, err := r.facets(d, ch, "")
			if err != nil {
				return s, err
			}
			merged := model.MergeFacets(dt.Syntax, own)
			merged.DataType = dt.Name
			keepList, keepDefault := s.List, s.Default
			flags := s
			s = merged
			if keepList != nil {
				s.List = keepList
			}
			if keepDefault != nil {
				s.Default = keepDefault
			}
			s.Hidden, s.Secured, s.Command = flags.Hidden, flags.Secured, flags.Command
			if dt.Syntax.List != nil && s.List == nil {
				l := *dt.Syntax.List
				s.List = &l
			}
		case "description":
		default:
			t, ok := model.ParseBaseType(ch.Tag)
			if !ok || strings.Contains(ch.Tag, ":") {
				r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in <syntax> ignored", ch.Tag)
				continue
			}
			own, err := r.facets(d, ch, t)
			if err != nil {
				return s, err
			}
			own.List, own.Default = s.List, s.Default
			own.Hidden, own.Secured, own.Command = s.Hidden, s.Secured, s.Command
			s = own
		}
	}
	return s, nil
}

// globalDataType is the last resort for a data type that neither the
// document nor any including one imports: one defined by any document
// loaded so far, in load order. BBF files rely on this (several component
// files use "Alias" without importing it); it is reported as info.
func (r *resolver) globalDataType(d *doc, n *node, name string) (*model.DataType, error) {
	for _, o := range r.l.order {
		if _, ok := o.dtNodes[name]; ok {
			dt, err := r.lookupDataType(o, name)
			if err == nil {
				r.l.Diagnostics = append(r.l.Diagnostics, Diagnostic{Pos: d.pos(n), Col: n.Col, Severity: SevInfo, Rule: "import-missing",
					Msg: fmt.Sprintf("data type %s is used but not imported; using the one defined in %s", name, o.File)})
			}
			return dt, err
		}
	}
	return nil, fmt.Errorf("data type %s is not defined or imported in %s", name, d.File)
}

// syntaxBody reads the body of a <dataType name=...> definition: either a
// type element with facets, or (with base=) facets directly, plus an
// optional <list>.
func (r *resolver) syntaxBody(d *doc, n *node) (model.Syntax, error) {
	s, err := r.facets(d, n, "")
	if err != nil {
		return s, err
	}
	for _, ch := range n.Children {
		switch ch.Tag {
		case "list":
			l, err := listFacet(d, ch)
			if err != nil {
				return s, err
			}
			s.List = l
		default:
			if t, ok := model.ParseBaseType(ch.Tag); ok {
				own, err := r.facets(d, ch, t)
				if err != nil {
					return s, err
				}
				own.List = s.List
				s = model.MergeFacets(s, own)
				s.Type = t
			}
		}
	}
	return s, nil
}

func listFacet(d *doc, n *node) (*model.List, error) {
	l := &model.List{}
	var err error
	if l.MinItems, err = optUint(d, n, "minItems"); err != nil {
		return nil, err
	}
	if l.MaxItems, err = optUint(d, n, "maxItems"); err != nil {
		return nil, err
	}
	l.Nested = n.get("nestedBrackets") == "required" || n.get("nestedBrackets") == "permitted"
	for _, ch := range n.Children {
		if ch.Tag == "size" {
			sz, err := sizeFacet(d, ch)
			if err != nil {
				return nil, err
			}
			l.Size = &sz
		}
	}
	return l, nil
}

// facets reads the facet children of a type element (or of a dataType
// element with base=) into a syntax of type t.
func (r *resolver) facets(d *doc, n *node, t model.BaseType) (model.Syntax, error) {
	s := model.Syntax{Type: t}
	for _, ch := range n.Children {
		switch ch.Tag {
		case "size":
			sz, err := sizeFacet(d, ch)
			if err != nil {
				return s, err
			}
			s.Sizes = append(s.Sizes, sz)
		case "range":
			rg := model.Range{Min: ch.get("minInclusive"), Max: ch.get("maxInclusive"), Step: ch.get("step"), Pos: d.pos(ch)}
			for _, v := range []string{rg.Min, rg.Max, rg.Step} {
				if v != "" && !isNumber(v) {
					return s, d.errRule(ch, "attr-invalid", "range bound %q is not a number", v)
				}
			}
			s.Ranges = append(s.Ranges, rg)
		case "enumeration":
			e := model.Enum{Value: ch.get("value"), Status: model.Status(ch.get("status")), Access: model.Access(ch.get("access")),
				Optional: ch.get("optional") == "true", Pos: d.pos(ch)}
			if r.l.Descriptions {
				e.Description = description(ch, "")
			}
			s.Enums = append(s.Enums, e)
		case "pattern":
			s.Patterns = append(s.Patterns, model.Pattern{Value: ch.get("value"), Status: model.Status(ch.get("status")), Pos: d.pos(ch)})
		case "units":
			s.Units = ch.get("value")
		case "pathRef", "instanceRef", "enumerationRef":
			s.Ref = &model.Reference{Kind: model.RefKind(ch.Tag), RefType: ch.get("refType"), TargetParent: strings.Join(strings.Fields(ch.get("targetParent")), " "),
				TargetParentScope: ch.get("targetParentScope"), TargetType: ch.get("targetType"), TargetDataType: ch.get("targetDataType"),
				TargetParam: ch.get("targetParam"), TargetParamScope: ch.get("targetParamScope"), NullValue: ch.get("nullValue"), Pos: d.pos(ch)}
		}
	}
	return s, nil
}

func sizeFacet(d *doc, n *node) (model.Size, error) {
	sz := model.Size{Pos: d.pos(n)}
	var err error
	if sz.Min, err = optUint(d, n, "minLength"); err != nil {
		return sz, err
	}
	if sz.Max, err = optUint(d, n, "maxLength"); err != nil {
		return sz, err
	}
	return sz, nil
}

func optUint(d *doc, n *node, attr string) (*uint64, error) {
	v, ok := n.attr(attr)
	if !ok || v == "" {
		return nil, nil
	}
	x, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return nil, d.errRule(n, "attr-invalid", "%s=%q is not a non-negative integer", attr, v)
	}
	return &x, nil
}

func isNumber(v string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil
}
