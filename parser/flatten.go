package parser

import (
	"bufio"
	"encoding/xml"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// Flattened document namespaces: the newest DM schema the BBF publishes
// and its report namespace (dmr:previousParameter and friends).
const (
	flatDMNamespace  = "urn:broadband-forum-org:cwmp:datamodel-1-15"
	flatDMRNamespace = "urn:broadband-forum-org:cwmp:datamodel-report-1-0"
)

// WriteFlattened writes m as one self-contained DM document, as the BBF's
// own *-full.xml files are: no imports, no components, no base= chains;
// every object, parameter, command, event and profile written out with
// its complete syntax, and the named data types it uses defined at the
// top. Reading the result back gives the same model (items, facets,
// versions, statuses, descriptions when the model has them), which a test
// checks for every BBF root. file is the name the document gives itself.
func WriteFlattened(w io.Writer, m *model.Model, file string) error {
	x := &xmlWriter{w: bufio.NewWriter(w)}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw(`<!-- Flattened by dmforge from ` + xmlEscape(m.File) + ` (` + xmlEscape(m.Name) + `). -->` + "\n")
	x.open("dm:document", "xmlns:dm", flatDMNamespace, "xmlns:dmr", flatDMRNamespace, "spec", m.Spec, "file", file)
	names := make([]string, 0, len(m.DataTypes))
	for n := range m.DataTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dt := m.DataTypes[n]
		x.open("dataType", "name", n, "status", status(dt.Status))
		x.description(dt.Description)
		s := dt.Syntax
		if s.List != nil {
			x.list(s.List)
		}
		x.typeElem(string(s.Type), &s)
		x.close("dataType")
	}
	x.open("model", "name", m.Name, "isService", boolAttr(m.IsService))
	x.description(m.Description)
	for _, o := range m.Objects {
		if o.Path == "" { // a service model's top-level parameters
			for _, p := range o.Params {
				x.parameter(p, false)
			}
			continue
		}
		x.object(o, o.Path, false)
	}
	for _, p := range m.Profiles {
		x.profile(p)
	}
	x.close("model")
	x.close("dm:document")
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}

type xmlWriter struct {
	w     *bufio.Writer
	depth int
	err   error
}

func (x *xmlWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// open writes a start tag with the attributes given as name, value pairs;
// empty values are left out.
func (x *xmlWriter) open(tag string, attrs ...string) { x.tag(tag, false, attrs) }

// empty writes an element with no content.
func (x *xmlWriter) empty(tag string, attrs ...string) { x.tag(tag, true, attrs) }

func (x *xmlWriter) tag(tag string, empty bool, attrs []string) {
	var b strings.Builder
	b.WriteString(strings.Repeat("  ", x.depth))
	b.WriteString("<" + tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		b.WriteString(" " + attrs[i] + `="` + xmlEscape(attrs[i+1]) + `"`)
	}
	if empty {
		b.WriteString("/>\n")
	} else {
		b.WriteString(">\n")
		x.depth++
	}
	x.raw(b.String())
}

// emptyKeep is empty() for an attribute whose empty value means something
// (a default value "").
func (x *xmlWriter) emptyKeep(tag string, keep string, attrs ...string) {
	var b strings.Builder
	b.WriteString(strings.Repeat("  ", x.depth) + "<" + tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" && attrs[i] != keep {
			continue
		}
		b.WriteString(" " + attrs[i] + `="` + xmlEscape(attrs[i+1]) + `"`)
	}
	x.raw(b.String() + "/>\n")
}

func (x *xmlWriter) close(tag string) {
	x.depth--
	x.raw(strings.Repeat("  ", x.depth) + "</" + tag + ">\n")
}

func (x *xmlWriter) description(text string) {
	if text == "" {
		return
	}
	x.raw(strings.Repeat("  ", x.depth) + "<description>" + xmlEscapeText(text) + "</description>\n")
}

func (x *xmlWriter) object(o *model.Object, name string, argument bool) {
	maxEntries := strconv.Itoa(o.MaxEntries)
	if o.MaxEntries == model.Unbounded {
		maxEntries = "unbounded"
	}
	access := string(o.Access)
	if argument {
		access = "" // arguments have no access
	}
	x.open("object", "name", name, "access", access, "minEntries", strconv.Itoa(o.MinEntries), "maxEntries", maxEntries,
		"numEntriesParameter", o.NumEntriesParameter, "enableParameter", o.EnableParameter,
		"status", status(o.Status), "version", o.Version, "mountType", o.MountType,
		"dmr:previousObject", o.PreviousObject, "dmr:fixedObject", boolAttr(o.FixedObject), "dmr:noUniqueKeys", boolAttr(o.NoUniqueKeys),
		"discriminatorParameter", o.DiscriminatorParameter, "dmr:noDiscriminatorParameter", boolAttr(o.NoDiscriminatorParameter))
	x.description(o.Description)
	for _, k := range o.UniqueKeys {
		functional := ""
		if !k.Functional {
			functional = "false"
		}
		x.open("uniqueKey", "functional", functional)
		for _, p := range k.Params {
			x.empty("parameter", "ref", p)
		}
		x.close("uniqueKey")
	}
	for _, p := range o.Params {
		x.parameter(p, argument)
	}
	for _, c := range o.Commands {
		x.open("command", "name", c.Name, "async", boolAttr(c.Async), "status", status(c.Status), "version", c.Version)
		x.description(c.Description)
		if !c.Input.Empty() {
			x.open("input")
			x.args(&c.Input)
			x.close("input")
		}
		if !c.Output.Empty() {
			x.open("output")
			x.args(&c.Output)
			x.close("output")
		}
		x.close("command")
	}
	for _, e := range o.Events {
		x.open("event", "name", e.Name, "status", status(e.Status), "version", e.Version)
		x.description(e.Description)
		x.args(&e.Args)
		x.close("event")
	}
	x.close("object")
}

// args writes arguments: the top-level ones, then every argument object
// with its full relative path (the parser reads nested and flat alike).
func (x *xmlWriter) args(a *model.Args) {
	for _, p := range a.Params {
		x.parameter(p, true)
	}
	for _, o := range a.Objects {
		x.object(o, o.Path, true)
	}
}

func (x *xmlWriter) parameter(p *model.Parameter, argument bool) {
	access := string(p.Access)
	if argument {
		access = ""
	}
	x.open("parameter", "name", p.Name, "access", access, "activeNotify", string(p.ActiveNotify),
		"forcedInform", boolAttr(p.ForcedInform), "mandatory", boolAttr(p.Mandatory),
		"status", status(p.Status), "version", p.Version, "dmr:previousParameter", p.PreviousParameter)
	x.description(p.Description)
	s := &p.Syntax
	x.open("syntax", "hidden", boolAttr(s.Hidden), "secured", boolAttr(s.Secured), "command", boolAttr(s.Command))
	if s.List != nil {
		x.list(s.List)
	}
	if s.DataType != "" {
		x.typeElem("dataType", s)
	} else {
		x.typeElem(string(s.Type), s)
	}
	if d := s.Default; d != nil {
		x.emptyKeep("default", "value", "type", d.Type, "value", d.Value, "status", status(d.Status))
	}
	x.close("syntax")
	x.close("parameter")
}

func (x *xmlWriter) list(l *model.List) {
	nested := ""
	if l.Nested {
		nested = "required"
	}
	attrs := []string{"minItems", uintAttr(l.MinItems), "maxItems", uintAttr(l.MaxItems), "nestedBrackets", nested}
	if l.Size == nil {
		x.empty("list", attrs...)
		return
	}
	x.open("list", attrs...)
	x.size(*l.Size)
	x.close("list")
}

func (x *xmlWriter) size(sz model.Size) {
	x.empty("size", "minLength", uintAttr(sz.Min), "maxLength", uintAttr(sz.Max))
}

// typeElem writes the type element (a primitive type name, or dataType
// with a ref) and every facet of s inside it.
func (x *xmlWriter) typeElem(tag string, s *model.Syntax) {
	attrs := []string{}
	if tag == "dataType" {
		attrs = append(attrs, "ref", s.DataType)
	}
	if len(s.Sizes)+len(s.Ranges)+len(s.Enums)+len(s.Patterns) == 0 && s.Units == "" && s.Ref == nil {
		x.empty(tag, attrs...)
		return
	}
	x.open(tag, attrs...)
	for _, sz := range s.Sizes {
		x.size(sz)
	}
	for _, r := range s.Ranges {
		x.empty("range", "minInclusive", r.Min, "maxInclusive", r.Max, "step", r.Step)
	}
	for _, e := range s.Enums {
		if e.Description == "" {
			x.emptyKeep("enumeration", "value", "value", e.Value, "status", status(e.Status), "access", string(e.Access), "optional", boolAttr(e.Optional))
			continue
		}
		x.open("enumeration", "value", e.Value, "status", status(e.Status), "access", string(e.Access), "optional", boolAttr(e.Optional))
		x.description(e.Description)
		x.close("enumeration")
	}
	for _, p := range s.Patterns {
		x.emptyKeep("pattern", "value", "value", p.Value, "status", status(p.Status))
	}
	if s.Units != "" {
		x.empty("units", "value", s.Units)
	}
	if r := s.Ref; r != nil {
		x.empty(string(r.Kind), "refType", r.RefType, "targetParent", r.TargetParent, "targetParentScope", r.TargetParentScope,
			"targetType", r.TargetType, "targetDataType", r.TargetDataType, "targetParam", r.TargetParam,
			"targetParamScope", r.TargetParamScope, "nullValue", r.NullValue)
	}
	x.close(tag)
}

func (x *xmlWriter) profile(p *model.Profile) {
	x.open("profile", "name", p.Name, "base", p.Base, "extends", strings.Join(p.Extends, " "), "status", status(p.Status), "version", p.Version)
	x.description(p.Description)
	for _, o := range p.Objects {
		x.open("object", "ref", o.Path, "requirement", string(o.Requirement), "status", status(o.Status))
		for _, kind := range []struct {
			tag   string
			items []model.ProfileItem
		}{{"parameter", o.Params}, {"command", o.Commands}, {"event", o.Events}} {
			for _, it := range kind.items {
				x.empty(kind.tag, "ref", it.Name, "requirement", string(it.Requirement), "status", status(it.Status))
			}
		}
		x.close("object")
	}
	x.close("profile")
}

func status(s model.Status) string {
	if s == model.Current {
		return ""
	}
	return string(s)
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func uintAttr(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

// xmlEscape escapes an attribute value, white space characters as
// character references so that attribute normalisation gives them back
// (a default of CR LF stays CR LF).
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// xmlEscapeText escapes element text, keeping line breaks as they are.
var xmlEscapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;").Replace
