package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dmforge/dmforge/markup"
	"github.com/dmforge/dmforge/model"
)

// The whole-model rules that read descriptions. Each description is
// parsed once with the BBF markup parser (package markup): templates are
// found as templates, not as text that looks like one, and list and
// paragraph structure comes from the parser's reading of the indentation.

// described is one item with a description: what the markup rules need to
// know of it.
type described struct {
	pos  model.Pos
	path string // for findings ("Device.WiFi.Radio.{i}.Channel", "enumeration value X of P")
	kind string // object, parameter, command, event, enumeration value, profile
	// name is what messages call the item ("enumeration value X of
	// Device.P"); the kind and path when empty.
	name   string
	status model.Status
	// effective is the status with the containing objects' included: a
	// current parameter of a deprecated object is on its way out too.
	effective model.Status
	desc      string
	obj       string           // object path references are relative to
	param     *model.Parameter // the parameter {{enum}} and {{pattern}} without a parameter argument mean
}

func (d *described) what() string {
	if d.name != "" {
		return d.name
	}
	return d.kind + " " + d.path
}

// markupRules runs the description rules over every item of m.
func (c *linter) markupRules(m *model.Model) {
	// Deleted items are looked at too: they still carry a description,
	// which should say {{deleted}}.
	for _, o := range m.Objects {
		ost := model.Current
		if o.Path != "" {
			ost = objectStatus(m, o)
			c.describedItem(m, described{pos: o.Pos, path: o.Path, kind: "object", status: o.Status, effective: ost, desc: o.Description, obj: o.Path})
		}
		for _, p := range o.Params {
			c.paramDescriptions(m, p, o.Path, maxStatus(ost, p.Status))
		}
		for _, cmd := range o.Commands {
			c.describedItem(m, described{pos: cmd.Pos, path: o.Path + cmd.Name, kind: "command", status: cmd.Status, effective: maxStatus(ost, cmd.Status), desc: cmd.Description, obj: o.Path})
		}
		for _, ev := range o.Events {
			c.describedItem(m, described{pos: ev.Pos, path: o.Path + ev.Name, kind: "event", status: ev.Status, effective: maxStatus(ost, ev.Status), desc: ev.Description, obj: o.Path})
		}
	}
	names := make([]string, 0, len(m.DataTypes))
	for n := range m.DataTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dt := m.DataTypes[n]
		c.describedItem(m, described{pos: dt.Pos, path: "dataType " + dt.Name, name: "data type " + dt.Name, kind: "data type", status: dt.Status, effective: dt.Status.OrCurrent(), desc: dt.Description, obj: m.RootName() + "."})
	}
	for _, pr := range m.Profiles {
		c.describedItem(m, described{pos: pr.Pos, path: "profile " + pr.Name, name: "profile " + pr.Name, kind: "profile", status: pr.Status, effective: pr.Status.OrCurrent(), desc: pr.Description, obj: m.RootName() + "."})
	}
}

// paramDescriptions checks a parameter's description and those of its
// enumeration values.
func (c *linter) paramDescriptions(m *model.Model, p *model.Parameter, obj string, effective model.Status) {
	path := p.Path()
	d := described{pos: p.Pos, path: path, kind: "parameter", status: p.Status, effective: effective, desc: p.Description, obj: obj, param: p}
	doc := c.describedItem(m, d)
	if u := p.Syntax.Units; u != "" && doc != nil && p.Status != model.Deleted && !doc.HasTemplate("units") && !c.unitsFromDataType(m, p) {
		c.wadd(p.Pos, RuleUnitsMarkup, path, "%s has units %q but its description does not show them: add {{units}}", path, u)
	}
	for _, e := range p.Syntax.Enums {
		if e.Pos.File == "" {
			continue
		}
		ed := described{pos: e.Pos, path: path, name: "enumeration value " + e.Value + " of " + path, kind: "enumeration value", status: e.Status,
			effective: maxStatus(effective, e.Status), desc: e.Description, obj: obj, param: p}
		c.describedItem(m, ed)
	}
}

// unitsFromDataType reports whether a parameter's units are those of its
// named data type, whose own description is where {{units}} belongs.
func (c *linter) unitsFromDataType(m *model.Model, p *model.Parameter) bool {
	dt := m.DataTypes[p.Syntax.DataType]
	return dt != nil && dt.Syntax.Units == p.Syntax.Units
}

// describedItem parses an item's description and applies the rules that
// read it; it returns the parsed description (nil when there is none).
func (c *linter) describedItem(m *model.Model, d described) *markup.Doc {
	if !c.whole && !c.mine(d.pos) {
		return nil
	}
	if d.desc == "" {
		if tmpl := lifecycleTemplate(d.status); tmpl != "" {
			c.wadd(d.pos, RuleStatusMarkup, d.path, "%s is %s but has no description to say so: add one with {{%s|VERSION%s}}", d.what(), d.status, tmpl, reasonArg(tmpl))
		}
		return nil
	}
	doc := markup.Parse(d.desc)
	if tmpl := lifecycleTemplate(d.status); tmpl != "" && !doc.HasTemplate(tmpl) {
		c.wadd(d.pos, RuleStatusMarkup, d.path, "%s is %s but its description has no {{%s}}: add {{%s|VERSION%s}}", d.what(), d.status, tmpl, tmpl, reasonArg(tmpl))
	}
	if said := saidStatus(doc); statusRank(said) > statusRank(d.status) {
		c.wadd(d.pos, RuleStatusMarkup, d.path, "%s says {{%s}} in its description but its status is %s: set status=\"%s\"", d.what(), said, d.status.OrCurrent(), said)
	}
	var indent []markup.Problem
	for _, pr := range doc.Problems {
		if pr.Kind == markup.ProblemIndent || pr.Kind == markup.ProblemTab {
			indent = append(indent, pr)
		}
	}
	if len(indent) > 0 {
		more := ""
		if len(indent) > 1 {
			more = fmt.Sprintf(" (and %d more lines)", len(indent)-1)
		}
		c.wadd(d.pos, RuleMarkupIndent, d.path, "%s: description line %d: %s%s; indent continuation lines like the line they continue, and list items by their marker", d.what(), indent[0].Pos.Line, indent[0].Msg, more)
	}
	if statusRank(d.status) == 0 {
		c.deprecatedRefs(m, d, doc)
	}
	return doc
}

// saidStatus is the most retired status a description's lifecycle
// templates state ("" for none).
func saidStatus(doc *markup.Doc) model.Status {
	var said model.Status
	for _, t := range doc.Templates() {
		if st := model.Status(t.Text); lifecycleTemplate(st) != "" && statusRank(st) > statusRank(said) {
			said = st
		}
	}
	return said
}

// lifecycleTemplate is the template that documents a status ("" for
// current).
func lifecycleTemplate(s model.Status) string {
	switch s {
	case model.Deprecated, model.Obsoleted, model.Deleted:
		return string(s)
	}
	return ""
}

func reasonArg(tmpl string) string {
	if tmpl == "deprecated" {
		return "|REASON"
	}
	return ""
}

// deprecatedRefs reports the templates of a current item's description
// that point at deprecated, obsoleted or deleted parameters, objects,
// enumeration values and patterns. What the lifecycle templates
// themselves say ({{deprecated|2.17|because {{param|X}} replaces it}})
// is about the retirement, and not looked at.
func (c *linter) deprecatedRefs(m *model.Model, d described, doc *markup.Doc) {
	var walk func(ins []markup.Inline)
	walk = func(ins []markup.Inline) {
		for i := range ins {
			in := &ins[i]
			switch in.Kind {
			case markup.Italic, markup.Bold:
				walk(in.Children)
			case markup.Template:
				if lifecycleTemplate(model.Status(in.Text)) != "" {
					continue
				}
				c.templateRef(m, d, in)
				for _, a := range in.Args {
					walk(a)
				}
			}
		}
	}
	doc.Walk(func(b *markup.Block) { walk(b.Inlines) })
}

// templateRef checks one reference template.
func (c *linter) templateRef(m *model.Model, d described, t *markup.Inline) {
	switch t.Text {
	case "param":
		ref := t.Arg(0)
		if ref == "" {
			return // the item itself
		}
		p := lookupParam(m, markup.ResolvePath(d.obj, ref))
		if p == nil {
			return
		}
		if st := paramStatus(m, p); statusRank(st) > 0 {
			c.wadd(d.pos, RuleDeprecatedRef, d.path, "%s: description line %d refers to parameter %s, which is %s: refer to its replacement, or mark this item %s too", d.what(), t.Pos.Line, p.Path(), st, st)
		}
	case "object":
		ref := t.Arg(0)
		if ref == "" {
			return
		}
		o := lookupObject(m, markup.ResolvePath(d.obj, ref))
		if o == nil {
			return
		}
		if st := objectStatus(m, o); statusRank(st) > 0 {
			c.wadd(d.pos, RuleDeprecatedRef, d.path, "%s: description line %d refers to object %s, which is %s: refer to its replacement, or mark this item %s too", d.what(), t.Pos.Line, o.Path, st, st)
		}
	case "enum", "pattern":
		value := t.Arg(0)
		if value == "" {
			return
		}
		p := d.param
		if ref := t.Arg(1); ref != "" {
			p = lookupParam(m, markup.ResolvePath(d.obj, ref))
		}
		if p == nil {
			return
		}
		st := facetStatus(&p.Syntax, t.Text, value)
		if statusRank(st) == 0 {
			return
		}
		what := "enumeration value"
		if t.Text == "pattern" {
			what = "pattern"
		}
		c.wadd(d.pos, RuleDeprecatedRef, d.path, "%s: description line %d refers to %s %q of %s, which is %s: refer to its replacement, or mark this item %s too", d.what(), t.Pos.Line, what, value, p.Path(), st, st)
	}
}

// facetStatus returns the status of a parameter's enumeration value or
// pattern ("" when it has none of that value).
func facetStatus(s *model.Syntax, kind, value string) model.Status {
	if kind == "enum" {
		for _, e := range s.Enums {
			if e.Value == value {
				return e.Status
			}
		}
		return ""
	}
	for _, p := range s.Patterns {
		if p.Value == value {
			return p.Status
		}
	}
	return ""
}

// paramStatus is a parameter's status with its objects' included.
func paramStatus(m *model.Model, p *model.Parameter) model.Status {
	if p.Object == nil {
		return p.Status.OrCurrent()
	}
	return maxStatus(objectStatus(m, p.Object), p.Status)
}

// lookupParam finds the parameter at a resolved path.
func lookupParam(m *model.Model, path string) *model.Parameter {
	if strings.HasSuffix(path, ".") || !strings.Contains(path, ".") {
		return nil
	}
	return m.Parameter(path)
}

// lookupObject finds the object a resolved {{object}} path names: written
// with or without the final dot, and a table with or without its "{i}.".
func lookupObject(m *model.Model, path string) *model.Object {
	base := strings.TrimSuffix(path, ".")
	for _, p := range []string{base + ".", base + ".{i}.", strings.TrimSuffix(base, ".{i}") + ".{i}."} {
		if o := m.Object(p); o != nil {
			return o
		}
	}
	return nil
}
