package gen

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io"
	"sort"
	"strings"
	texttemplate "text/template"
	"unicode"

	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/markup"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/templates"
)

// ReportFormats are the formats WriteReport knows.
var ReportFormats = []string{"html", "markdown"}

// ReportOptions configure a model report.
type ReportOptions struct {
	// Format is "html" (one self-contained page) or "markdown"
	// (CommonMark with GitHub's heading anchors).
	Format string
	// Old, when set, is an older version of the model: every item that
	// changed since it is marked with its changes (diff rules), and the
	// items it had that are gone are listed.
	Old *model.Model
	// OldLabel names Old in the report (default: its name).
	OldLabel string
	// Changes, when set with Old, are the changes to mark instead of
	// diff.Compare(Old, model): a caller that leaves deleted items out
	// of the report compares the models with them.
	Changes []diff.Change
}

// WriteReport writes a report of the whole model: data types, every
// object, parameter, command and event with syntax, facets, access,
// status and version, the descriptions with the BBF markup rendered
// (references resolved to links to the items' anchors), profiles and a
// table of contents. The model must have been loaded with descriptions
// (parser.Loader.Descriptions); they are rendered here, at run time.
func WriteReport(w io.Writer, m *model.Model, opts ReportOptions) error {
	var html bool
	switch opts.Format {
	case "html":
		html = true
	case "markdown", "md":
	default:
		return fmt.Errorf("unknown report format %q (%s)", opts.Format, strings.Join(ReportFormats, ", "))
	}
	rb := newReportBuilder(m, html)
	if opts.Old != nil {
		label := opts.OldLabel
		if label == "" {
			label = opts.Old.Name
		}
		cs := opts.Changes
		if cs == nil {
			cs = diff.Compare(opts.Old, m, diff.Options{})
		}
		rb.setChanges(label, cs)
	}
	v := rb.build()
	var b bytes.Buffer
	if html {
		src, err := templates.Read("report.html.tmpl")
		if err != nil {
			return err
		}
		t, err := htmltemplate.New("report.html").Funcs(htmltemplate.FuncMap{
			"safe": func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) },
		}).Parse(src)
		if err != nil {
			return err
		}
		if err := t.Execute(&b, v); err != nil {
			return err
		}
	} else {
		src, err := templates.Read("report.md.tmpl")
		if err != nil {
			return err
		}
		t, err := texttemplate.New("report.md").Funcs(texttemplate.FuncMap{
			"md":      markup.EscapeMarkdown,
			"heading": markdownHeading,
			"code":    markup.CodeSpan,
			"indent":  indentMarkdown,
		}).Parse(src)
		if err != nil {
			return err
		}
		if err := t.Execute(&b, v); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// markdownHeading escapes a heading's text, ":" too: markdownlint
// (MD051) reads "Optical:1" as "Optical" and a directive ":1" and slugs
// the heading "profile-optical"; "Optical\:1" is "Optical:1" to both it
// and GitHub, whose slug "profile-optical1" the links use.
func markdownHeading(s string) string {
	return strings.ReplaceAll(markup.EscapeMarkdown(s), ":", `\:`)
}

// reportView is what the report templates render. Desc fields hold the
// description already rendered in the report's format (HTML fragments
// escaped by markup, or Markdown); Anchor fields are HTML ids or
// GitHub heading slugs.
type reportView struct {
	Model, File   string
	Objects       int
	Params        int
	Commands      int
	Events        int
	Desc          string
	TOC           []tocEntry
	DataTypes     []dtView
	Objs          []objView
	Profiles      []profView
	Diff          *diffView
	AnchorTypes   string
	AnchorObjects string
	AnchorProfs   string
	AnchorChanges string
}

type tocEntry struct {
	Anchor, Label string
	Depth         int
}

type dtView struct {
	Anchor, Name, Base, Syntax, Status string
	Desc                               string
}

type objView struct {
	Anchor, Path, Kind, Access, Entries, Status, Version string
	Keys, EnableParam, NumEntries                        string // rendered (links)
	Desc                                                 string
	Change                                               *changeNote
	Params                                               []paramView
	Commands                                             []cmdView
	Events                                               []cmdView
}

type paramView struct {
	Anchor, Name, Path, Syntax, Type, Access, Status, Version, Default string
	Flags                                                              string
	Enums                                                              []enumView
	Patterns                                                           []string
	Desc                                                               string
	Change                                                             *changeNote
}

type enumView struct {
	Value, Status, Desc string
}

type cmdView struct {
	Anchor, Name, Path, Kind, Status, Version string
	Desc                                      string
	Change                                    *changeNote
	Input, Output                             []argView // an event's arguments are Input
}

type argView struct {
	Anchor, Path, Rel, Kind, Syntax, Flags string
	Desc                                   string
	Change                                 *changeNote
}

type profView struct {
	Anchor, Name, Base, Extends, Status, Version string
	Desc                                         string
	Change                                       *changeNote
	Items                                        []profItem
}

type profItem struct {
	Path, Link, Requirement, Status string // Link: rendered reference to the item
}

type changeNote struct {
	Class   string // the most severe class of the item's changes
	Changes []diff.Change
}

type diffView struct {
	Old     string
	Counts  diff.Counts
	Changed int // items of this model with changes
	Removed []diff.Change
}

// reportBuilder turns the model into a reportView.
type reportBuilder struct {
	m       *model.Model
	html    bool
	anchors map[string]string // item key (path, "type:NAME", "profile:NAME") → anchor
	slugs   map[string]int    // GitHub slug → times used (Markdown)
	// numEntriesOf maps a NumberOfEntries parameter's path to its table.
	numEntriesOf map[string]string
	changes      map[string][]diff.Change
	diff         *diffView
}

func newReportBuilder(m *model.Model, html bool) *reportBuilder {
	rb := &reportBuilder{m: m, html: html, anchors: map[string]string{}, slugs: map[string]int{}, numEntriesOf: map[string]string{}}
	for _, o := range m.Objects {
		if o.NumEntriesParameter != "" {
			rb.numEntriesOf[model.ParentPath(o.Path)+o.NumEntriesParameter] = o.Path
		}
	}
	return rb
}

func (rb *reportBuilder) setChanges(oldLabel string, cs []diff.Change) {
	rb.changes = map[string][]diff.Change{}
	rb.diff = &diffView{Old: oldLabel, Counts: diff.Count(cs)}
	for _, c := range cs {
		key := c.Path
		if c.Kind == diff.KindProfile {
			key = "profile:" + c.Path
		}
		rb.changes[key] = append(rb.changes[key], c)
	}
}

// note returns the changes of an item (nil when none), and takes them
// from the map so that what is left at the end are the removed items.
func (rb *reportBuilder) note(key string) *changeNote {
	cs := rb.changes[key]
	if len(cs) == 0 {
		return nil
	}
	delete(rb.changes, key)
	rb.diff.Changed++
	n := &changeNote{Class: string(diff.Info), Changes: cs}
	for _, c := range cs {
		if c.Class == diff.Breaking {
			n.Class = string(diff.Breaking)
		} else if c.Class == diff.Compatible && n.Class == string(diff.Info) {
			n.Class = string(diff.Compatible)
		}
	}
	return n
}

// anchor assigns the anchor of an item: its path itself in HTML (ids may
// hold any character but white space; "type-NAME" and "profile-NAME" for
// data types and profiles), the slug GitHub gives a heading
// with that text in Markdown. Headings must be assigned in document
// order, as GitHub numbers repeated slugs in that order.
func (rb *reportBuilder) anchor(key, heading string) string {
	var a string
	if rb.html {
		a = key
		if strings.HasPrefix(key, "type:") || strings.HasPrefix(key, "profile:") {
			a = strings.Replace(key, ":", "-", 1) // "type-IPAddress", "profile-Baseline:1"
		}
	} else {
		a = rb.slug(heading)
	}
	rb.anchors[key] = a
	return a
}

// slug is GitHub's anchor for a heading with the plain text s: lower
// case, letters, digits, "-" and "_" kept, spaces turned into "-", all
// else dropped; a repeated slug gets "-1", "-2", ...
func (rb *reportBuilder) slug(s string) string {
	base := GitHubSlug(s)
	n, seen := rb.slugs[base]
	rb.slugs[base] = n + 1
	if !seen {
		return base
	}
	for {
		cand := fmt.Sprintf("%s-%d", base, n)
		if _, taken := rb.slugs[cand]; !taken {
			rb.slugs[cand] = 1
			return cand
		}
		n++
	}
}

// GitHubSlug is the anchor GitHub derives from a heading's plain text
// (before it numbers repeats).
func GitHubSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// build assigns every anchor first (references point forward and
// backward), then renders the descriptions.
func (rb *reportBuilder) build() *reportView {
	m := rb.m
	v := &reportView{Model: m.Name, File: m.File}
	v.Objects, v.Params = m.Counts()
	for _, o := range m.Objects {
		v.Commands += len(o.Commands)
		v.Events += len(o.Events)
	}
	// Anchors, in document order (see anchor).
	if !rb.html {
		rb.slug(m.Name + " data model")
		rb.slug("Contents")
		if rb.diff != nil {
			v.AnchorChanges = rb.slug("Changes since " + rb.diff.Old)
		}
		v.AnchorTypes = rb.slug("Data types")
	} else {
		v.AnchorChanges, v.AnchorTypes = "changes", "data-types"
		v.AnchorObjects, v.AnchorProfs = "objects", "profiles"
	}
	dtNames := make([]string, 0, len(m.DataTypes))
	for n := range m.DataTypes {
		dtNames = append(dtNames, n)
	}
	sort.Strings(dtNames)
	for _, n := range dtNames {
		rb.anchor("type:"+n, n)
	}
	if !rb.html {
		v.AnchorObjects = rb.slug("Objects")
	}
	objs := m.SortedObjects()
	for _, o := range objs {
		if o.Path != "" {
			rb.anchor(o.Path, o.Path)
		}
		for _, p := range o.Params {
			rb.anchor(p.Path(), p.Path())
		}
		for _, c := range o.Commands {
			path := c.Path(o)
			rb.anchor(path, path)
			rb.argAnchors(path+".Input.", &c.Input)
			rb.argAnchors(path+".Output.", &c.Output)
		}
		for _, e := range o.Events {
			path := o.Path + e.Name
			rb.anchor(path, path)
			rb.argAnchors(path+".", &e.Args)
		}
	}
	if !rb.html {
		v.AnchorProfs = rb.slug("Profiles")
	}
	for _, p := range m.Profiles {
		rb.anchor("profile:"+p.Name, "Profile "+p.Name)
	}

	// Content.
	v.Desc = rb.render(m.Description, &scope{})
	for _, n := range dtNames {
		dt := m.DataTypes[n]
		v.DataTypes = append(v.DataTypes, dtView{
			Anchor: rb.anchors["type:"+n], Name: n, Base: dt.Base, Syntax: dt.Syntax.String(),
			Status: statusText(dt.Status), Desc: rb.render(dt.Description, &scope{dataType: dt}),
		})
	}
	for _, o := range objs {
		ov := rb.object(o)
		v.Objs = append(v.Objs, ov)
		if o.Path != "" {
			v.TOC = append(v.TOC, tocEntry{Anchor: ov.Anchor, Label: o.Path, Depth: strings.Count(strings.ReplaceAll(o.Path, ".{i}.", "."), ".")})
		}
	}
	for _, p := range m.Profiles {
		v.Profiles = append(v.Profiles, rb.profile(p))
	}
	if rb.diff != nil {
		for _, cs := range rb.changes {
			rb.diff.Removed = append(rb.diff.Removed, cs...)
		}
		diff.Sort(rb.diff.Removed)
		v.Diff = rb.diff
	}
	return v
}

func (rb *reportBuilder) argAnchors(prefix string, a *model.Args) {
	a.Each(func(rel string, o *model.Object, p *model.Parameter) {
		rb.anchor(prefix+rel, prefix+rel)
	})
}

func (rb *reportBuilder) changeOf(key string) *changeNote {
	if rb.diff == nil {
		return nil
	}
	return rb.note(key)
}

func (rb *reportBuilder) object(o *model.Object) objView {
	sc := &scope{object: o.Path}
	kind := "object"
	if o.IsTable() {
		kind = "table"
	}
	ov := objView{
		Anchor: rb.anchors[o.Path], Path: o.Path, Kind: kind, Access: string(o.Access), Entries: o.EntriesString(),
		Status: statusText(o.Status), Version: o.Version, Desc: rb.render(o.Description, sc),
		Change: rb.changeOf(o.Path),
	}
	if o.Path == "" {
		ov.Path = "(top level)"
	}
	var keys []string
	for _, k := range o.UniqueKeys {
		var names []string
		for _, p := range k.Params {
			names = append(names, rb.link(o.Path+p, p))
		}
		s := strings.Join(names, " + ")
		if !k.Functional {
			s += " (non-functional)"
		}
		keys = append(keys, s)
	}
	ov.Keys = strings.Join(keys, "; ")
	if o.EnableParameter != "" {
		ov.EnableParam = rb.link(o.Path+o.EnableParameter, o.EnableParameter)
	}
	if o.NumEntriesParameter != "" {
		ov.NumEntries = rb.link(model.ParentPath(o.Path)+o.NumEntriesParameter, o.NumEntriesParameter)
	}
	for _, p := range o.Params {
		ov.Params = append(ov.Params, rb.param(p, p.Path(), sc))
	}
	for _, c := range o.Commands {
		path := c.Path(o)
		kind := "command (sync)"
		if c.Async {
			kind = "command (async)"
		}
		cv := cmdView{Anchor: rb.anchors[path], Name: c.Name, Path: path, Kind: kind, Status: statusText(c.Status), Version: c.Version,
			Desc: rb.render(c.Description, commandScope(o.Path, path, c.Name)), Change: rb.changeOf(path)}
		cv.Input = rb.args(path+".Input.", path, o.Path, &c.Input)
		cv.Output = rb.args(path+".Output.", path, o.Path, &c.Output)
		ov.Commands = append(ov.Commands, cv)
	}
	for _, e := range o.Events {
		path := o.Path + e.Name
		ev := cmdView{Anchor: rb.anchors[path], Name: e.Name, Path: path, Kind: "event", Status: statusText(e.Status), Version: e.Version,
			Desc: rb.render(e.Description, commandScope(o.Path, path, e.Name)), Change: rb.changeOf(path)}
		ev.Input = rb.args(path+".", path, o.Path, &e.Args)
		ov.Events = append(ov.Events, ev)
	}
	return ov
}

// commandScope is the scope of a command's or event's description: names
// are relative to the command or event as if it were an object (its
// arguments; "#." its object's items), as TR-106 reads them.
func commandScope(objPath, path, name string) *scope {
	return &scope{object: path + ".", fallback: objPath, item: name}
}

// args renders a command's input or output or an event's arguments.
// Their descriptions name items relative to the argument's object, where
// "Input." and "Output." are levels ("#.Input.Ref" from an output
// argument); some BBF descriptions leave those levels out ("Interface"
// for an input argument, from an output one), which are tried next.
func (rb *reportBuilder) args(prefix, cmdPath, objPath string, a *model.Args) []argView {
	var out []argView
	a.Each(func(rel string, o *model.Object, p *model.Parameter) {
		av := argView{Anchor: rb.anchors[prefix+rel], Path: prefix + rel, Rel: rel, Change: rb.changeOf(prefix + rel)}
		if o != nil {
			av.Kind = "object"
			if o.IsTable() {
				av.Kind = "table"
			}
			av.Syntax = o.EntriesString() + " entries"
			av.Desc = rb.render(o.Description, argScope(prefix, cmdPath, o.Path, objPath, nil))
		} else {
			av.Kind = "parameter"
			av.Syntax = p.Syntax.String()
			if p.Mandatory {
				av.Flags = "mandatory"
			}
			av.Desc = rb.render(p.Description, argScope(prefix, cmdPath, strings.TrimSuffix(rel, p.Name), objPath, p))
		}
		out = append(out, av)
	})
	return out
}

// argScope is the scope of an argument's description (see args).
func argScope(prefix, cmdPath, relObject, objPath string, p *model.Parameter) *scope {
	return &scope{object: prefix + relObject, alt: []string{cmdPath + "." + relObject}, fallback: objPath, param: p}
}

func (rb *reportBuilder) param(p *model.Parameter, path string, sc *scope) paramView {
	psc := &scope{object: sc.object, param: p}
	pv := paramView{
		Anchor: rb.anchors[path], Name: p.Name, Path: path, Syntax: p.Syntax.String(), Type: string(p.Syntax.WireType()),
		Access: string(p.Access), Status: statusText(p.Status), Version: p.Version,
		Desc: rb.render(p.Description, psc), Change: rb.changeOf(path),
	}
	if d := p.Syntax.Default; d != nil {
		pv.Default = d.Type + " " + fmt.Sprintf("%q", d.Value)
	}
	var flags []string
	if p.Syntax.DataType != "" {
		flags = append(flags, "data type "+rb.link("type:"+p.Syntax.DataType, p.Syntax.DataType))
	}
	if p.ForcedInform {
		flags = append(flags, "forced inform")
	}
	if p.ActiveNotify != "" && p.ActiveNotify != model.NotifyNormal {
		flags = append(flags, "notification "+string(p.ActiveNotify))
	}
	if p.Syntax.Hidden {
		flags = append(flags, "hidden")
	}
	if p.Syntax.Secured {
		flags = append(flags, "secured")
	}
	if p.Syntax.Units != "" {
		flags = append(flags, "units "+rb.esc(p.Syntax.Units))
	}
	if r := p.Syntax.Ref; r != nil {
		s := string(r.Kind)
		for _, t := range strings.Fields(r.TargetParent) {
			s += " " + rb.refLink(markup.ResolvePath(sc.object, t), t)
		}
		flags = append(flags, s)
	}
	pv.Flags = strings.Join(flags, "; ")
	for _, e := range p.Syntax.Enums {
		ev := enumView{Value: e.Value, Status: statusText(e.Status)}
		if e.Description != "" {
			ev.Desc = unwrapParagraph(rb.render(e.Description, psc))
		}
		pv.Enums = append(pv.Enums, ev)
	}
	for _, pt := range p.Syntax.Patterns {
		pv.Patterns = append(pv.Patterns, pt.Value)
	}
	return pv
}

func (rb *reportBuilder) profile(p *model.Profile) profView {
	pv := profView{Anchor: rb.anchors["profile:"+p.Name], Name: p.Name, Status: statusText(p.Status), Version: p.Version,
		Desc: rb.render(p.Description, &scope{profile: p.Name}), Change: rb.changeOf("profile:" + p.Name)}
	if p.Base != "" {
		pv.Base = rb.link("profile:"+p.Base, p.Base)
	}
	var ext []string
	for _, e := range p.Extends {
		ext = append(ext, rb.link("profile:"+e, e))
	}
	pv.Extends = strings.Join(ext, ", ")
	for _, o := range p.Objects {
		pv.Items = append(pv.Items, profItem{Path: o.Path, Link: rb.link(o.Path, o.Path), Requirement: string(o.Requirement), Status: statusText(o.Status)})
		for _, it := range o.Params {
			pv.Items = append(pv.Items, profItem{Path: o.Path + it.Name, Link: rb.link(o.Path+it.Name, o.Path+it.Name), Requirement: string(it.Requirement), Status: statusText(it.Status)})
		}
		for _, it := range o.Commands {
			pv.Items = append(pv.Items, profItem{Path: o.Path + it.Name, Link: rb.link(o.Path+it.Name, o.Path+it.Name), Requirement: string(it.Requirement), Status: statusText(it.Status)})
		}
		for _, it := range o.Events {
			pv.Items = append(pv.Items, profItem{Path: o.Path + it.Name, Link: rb.link(o.Path+it.Name, o.Path+it.Name), Requirement: string(it.Requirement), Status: statusText(it.Status)})
		}
	}
	return pv
}

func statusText(s model.Status) string {
	if s == "" || s == model.Current {
		return ""
	}
	return string(s)
}

// esc escapes text for the report's format.
func (rb *reportBuilder) esc(s string) string {
	if rb.html {
		return htmltemplate.HTMLEscapeString(s)
	}
	return markup.EscapeMarkdown(s)
}

// link renders text as code, linked to the item with that key when the
// report has it.
func (rb *reportBuilder) link(key, text string) string {
	a, ok := rb.anchors[key]
	if rb.html {
		c := "<code>" + htmltemplate.HTMLEscapeString(text) + "</code>"
		if !ok {
			return c
		}
		return `<a href="#` + htmltemplate.HTMLEscapeString(a) + `">` + c + `</a>`
	}
	c := markup.CodeSpan(text)
	if !ok {
		return c
	}
	return "[" + c + "](#" + a + ")"
}

// refLink links a path written in the model (a reference's target) to
// the object or parameter it names.
func (rb *reportBuilder) refLink(path, text string) string {
	if k, ok := rb.lookup(path); ok {
		return rb.link(k, text)
	}
	return rb.link("", text)
}

// lookup finds the item a resolved path names: as written, as an object
// ("X" → "X."), or as a table ("X." → "X.{i}.").
func (rb *reportBuilder) lookup(path string) (string, bool) {
	base := strings.TrimSuffix(path, ".")
	for _, k := range []string{path, base, base + ".", base + ".{i}.", strings.TrimSuffix(base, ".{i}") + "."} {
		if _, ok := rb.anchors[k]; ok {
			return k, true
		}
	}
	// "Ping().Result" names an output (or input) argument without saying
	// which.
	if i := strings.Index(path, "()."); i >= 0 && !strings.HasPrefix(path[i+3:], "Input.") && !strings.HasPrefix(path[i+3:], "Output.") {
		for _, dir := range []string{"Output.", "Input."} {
			if k, ok := rb.lookup(path[:i+3] + dir + path[i+3:]); ok {
				return k, true
			}
		}
	}
	return "", false
}

// scope is what a description is about, for the templates that refer to
// it ({{param}}, {{units}}, {{enum}}) and for resolving relative paths.
type scope struct {
	object   string   // object the description belongs to (for a parameter: its object)
	fallback string   // a command's or argument's: the command's object
	alt      []string // more bases to resolve names from, before fallback
	param    *model.Parameter
	item     string // command or event name
	profile  string
	dataType *model.DataType
}

func (rb *reportBuilder) render(desc string, sc *scope) string {
	if desc == "" {
		return ""
	}
	d := markup.Parse(desc)
	x := rb.expander(sc)
	if rb.html {
		return d.HTML(x)
	}
	return strings.TrimRight(d.Markdown(x), "\n")
}

// expander resolves the templates of one description.
func (rb *reportBuilder) expander(sc *scope) markup.Expander {
	return func(t *markup.Inline) (markup.Expansion, bool) {
		arg := t.ArgPlain(0)
		code := func(s, key string) (markup.Expansion, bool) {
			e := markup.Expansion{Text: s, Code: true}
			if a, ok := rb.anchors[key]; ok && key != "" {
				e.Href = "#" + a
			}
			return e, true
		}
		resolve := func(ref string) string {
			if k, ok := rb.lookup(markup.ResolvePath(sc.object, ref)); ok {
				return k
			}
			for _, a := range sc.alt {
				if k, ok := rb.lookup(markup.ResolvePath(a, ref)); ok {
					return k
				}
			}
			if sc.fallback != "" {
				if k, ok := rb.lookup(markup.ResolvePath(sc.fallback, ref)); ok {
					return k
				}
			}
			return ""
		}
		switch t.Text {
		case "param", "object", "command", "event":
			if arg == "" {
				switch {
				case t.Text == "param" && sc.param != nil:
					return code(sc.param.Name, "")
				case t.Text == "object" && sc.fallback != "":
					return code(sc.fallback, "")
				case t.Text == "object" && sc.object != "":
					return code(sc.object, "")
				case sc.item != "":
					return code(sc.item, "")
				}
				return markup.Expansion{Omit: true}, true
			}
			return code(arg, resolve(arg))
		case "enum", "pattern":
			if arg == "" {
				if sc.dataType != nil && t.Text == "enum" {
					// A data type's values are listed nowhere else.
					var ins []markup.Inline
					for i, v := range sc.dataType.Syntax.EnumValues() {
						if i > 0 {
							ins = append(ins, markup.Inline{Kind: markup.Text, Text: ", "})
						}
						ins = append(ins, markup.Inline{Kind: markup.Template, Text: "enum", Raw: "{{enum}}", ArgText: []string{v}, Args: [][]markup.Inline{{{Kind: markup.Text, Text: v}}}})
					}
					return markup.Expansion{Inlines: ins}, true
				}
				return markup.Expansion{Omit: true}, true // listed with the item's syntax
			}
			key := ""
			if p := t.ArgPlain(1); p != "" {
				key = resolve(p)
			}
			return code(arg, key)
		case "datatype":
			if sc.param == nil || sc.param.Syntax.DataType == "" {
				if arg != "" && arg != "expand" {
					return code(arg, "type:"+arg)
				}
				return markup.Expansion{Omit: true}, true
			}
			name := sc.param.Syntax.DataType
			e, _ := code(name, "type:"+name)
			if arg == "expand" {
				// The data type's description where the template stands
				// (the renderer bounds nested expansions).
				if dt := rb.m.DataTypes[name]; dt != nil && dt.Description != "" {
					ins := append([]markup.Inline{{Kind: markup.Template, Text: "datatype", Raw: "{{datatype}}"}, {Kind: markup.Text, Text: ": "}},
						flatten(markup.Parse(dt.Description))...)
					return markup.Expansion{Inlines: ins}, true
				}
			}
			return e, true
		case "profile":
			if arg == "" {
				return code(sc.profile, "")
			}
			return code(arg, "profile:"+arg)
		case "units":
			if arg != "" {
				return markup.Expansion{Text: arg}, true
			}
			if sc.param != nil && sc.param.Syntax.Units != "" {
				return markup.Expansion{Text: sc.param.Syntax.Units}, true
			}
			if sc.dataType != nil && sc.dataType.Syntax.Units != "" {
				return markup.Expansion{Text: sc.dataType.Syntax.Units}, true
			}
			return markup.Expansion{Omit: true}, true
		case "list":
			s := "Comma-separated list"
			if arg != "" {
				s += " of " + arg
			}
			return markup.Expansion{Text: s + "."}, true
		case "numentries":
			if sc.param != nil {
				if tbl, ok := rb.numEntriesOf[sc.object+sc.param.Name]; ok {
					return markup.Expansion{Inlines: []markup.Inline{
						{Kind: markup.Text, Text: "The number of entries in the "},
						{Kind: markup.Template, Text: "object", Raw: "{{object}}", ArgText: []string{tbl}, Args: [][]markup.Inline{{{Kind: markup.Text, Text: tbl}}}},
						{Kind: markup.Text, Text: " table."},
					}}, true
				}
			}
			return markup.Expansion{Omit: true}, true
		case "reference":
			if sc.param == nil || sc.param.Syntax.Ref == nil {
				if arg != "" {
					return markup.Expansion{Text: "The value MUST be the path name of " + arg + "."}, true
				}
				return markup.Expansion{Omit: true}, true
			}
			r := sc.param.Syntax.Ref
			ins := []markup.Inline{{Kind: markup.Text, Text: "The value MUST be the path name of "}}
			what := arg
			if what == "" {
				what = "an item"
			}
			ins = append(ins, markup.Inline{Kind: markup.Text, Text: what})
			if r.TargetParent != "" {
				ins = append(ins, markup.Inline{Kind: markup.Text, Text: " in "})
				for i, tp := range strings.Fields(r.TargetParent) {
					if i > 0 {
						ins = append(ins, markup.Inline{Kind: markup.Text, Text: " or "})
					}
					ins = append(ins, markup.Inline{Kind: markup.Template, Text: "object", ArgText: []string{tp}, Args: [][]markup.Inline{{{Kind: markup.Text, Text: tp}}}})
				}
			}
			if sc.param.Syntax.List != nil {
				ins[0].Text = "Each list item MUST be the path name of "
			}
			ins = append(ins, markup.Inline{Kind: markup.Text, Text: "."})
			return markup.Expansion{Inlines: ins}, true
		}
		return markup.Expansion{}, false
	}
}

// unwrapParagraph returns a one-paragraph HTML description without its
// <p> (an enumeration value's description follows the value on its line).
func unwrapParagraph(s string) string {
	if strings.HasPrefix(s, "<p>") && strings.HasSuffix(s, "</p>\n") && strings.Count(s, "<p>") == 1 && !strings.Contains(s, "<ul") && !strings.Contains(s, "<ol") && !strings.Contains(s, "<pre") {
		return strings.TrimSuffix(strings.TrimPrefix(s, "<p>"), "</p>\n")
	}
	return s
}

// indentMarkdown indents the lines after the first by two spaces, so that
// a multi-paragraph description stays inside its list item.
func indentMarkdown(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = "  " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// flatten joins a description's blocks into one run of inlines (a data
// type's description expanded where {{datatype|expand}} stands).
func flatten(d *markup.Doc) []markup.Inline {
	var out []markup.Inline
	d.Walk(func(b *markup.Block) {
		if b.Kind == markup.List {
			return
		}
		if len(out) > 0 {
			out = append(out, markup.Inline{Kind: markup.Text, Text: " "})
		}
		out = append(out, b.Inlines...)
	})
	return out
}
