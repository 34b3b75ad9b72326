package model

import (
	"strconv"
	"strings"
)

// String renders a syntax compactly for people: "string(:64)",
// "unsignedInt[1:4094]", "list(:1024)<string{A,B,C}>", "IPAddress=string(:45)".
func (s *Syntax) String() string {
	var b strings.Builder
	if s.List != nil {
		b.WriteString("list")
		if s.List.MinItems != nil || s.List.MaxItems != nil {
			b.WriteString("[" + ptrText(s.List.MinItems) + ":" + ptrText(s.List.MaxItems) + " items]")
		}
		if s.List.Size != nil {
			b.WriteString("(" + ptrText(s.List.Size.Min) + ":" + ptrText(s.List.Size.Max) + ")")
		}
		b.WriteString("<")
	}
	if s.DataType != "" {
		b.WriteString(s.DataType + "=")
	}
	b.WriteString(string(s.Type))
	for i, sz := range s.Sizes {
		if i == 0 {
			b.WriteString("(")
		} else {
			b.WriteString(",")
		}
		b.WriteString(ptrText(sz.Min) + ":" + ptrText(sz.Max))
		if i == len(s.Sizes)-1 {
			b.WriteString(")")
		}
	}
	for i, r := range s.Ranges {
		if i == 0 {
			b.WriteString("[")
		} else {
			b.WriteString(",")
		}
		b.WriteString(r.Min + ":" + r.Max)
		if r.Step != "" && r.Step != "1" {
			b.WriteString(" step " + r.Step)
		}
		if i == len(s.Ranges)-1 {
			b.WriteString("]")
		}
	}
	if len(s.Enums) > 0 {
		vals := s.EnumValues()
		shown := vals
		if len(shown) > 6 {
			shown = shown[:6]
		}
		b.WriteString("{" + strings.Join(shown, ","))
		if len(vals) > len(shown) {
			b.WriteString(",… " + strconv.Itoa(len(vals)) + " values")
		}
		b.WriteString("}")
	}
	if len(s.Patterns) > 0 {
		b.WriteString(" ~" + strconv.Itoa(len(s.Patterns)) + " pattern")
		if len(s.Patterns) > 1 {
			b.WriteString("s")
		}
	}
	if s.List != nil {
		b.WriteString(">")
	}
	if s.Units != "" {
		b.WriteString(" " + s.Units)
	}
	if s.Ref != nil {
		b.WriteString(" " + string(s.Ref.Kind))
		if s.Ref.TargetParent != "" {
			b.WriteString("→" + s.Ref.TargetParent)
		}
	}
	return b.String()
}

// EntriesString renders min/max entries ("1", "0..unbounded", "0..4").
func (o *Object) EntriesString() string {
	max := "unbounded"
	if o.MaxEntries != Unbounded {
		max = strconv.Itoa(o.MaxEntries)
	}
	if strconv.Itoa(o.MinEntries) == max {
		return max
	}
	return strconv.Itoa(o.MinEntries) + ".." + max
}
