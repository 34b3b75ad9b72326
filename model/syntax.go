package model

import "strings"

// BaseType is a TR-106 primitive type: what a value travels as on the wire
// (without the "xsd:" prefix).
type BaseType string

const (
	TypeString       BaseType = "string"
	TypeInt          BaseType = "int"
	TypeUnsignedInt  BaseType = "unsignedInt"
	TypeLong         BaseType = "long"
	TypeUnsignedLong BaseType = "unsignedLong"
	TypeBoolean      BaseType = "boolean"
	TypeDateTime     BaseType = "dateTime"
	TypeBase64       BaseType = "base64"
	TypeHexBinary    BaseType = "hexBinary"
	TypeDecimal      BaseType = "decimal"
)

// BaseTypes lists every primitive type in TR-106 order.
var BaseTypes = []BaseType{TypeString, TypeInt, TypeUnsignedInt, TypeLong, TypeUnsignedLong,
	TypeBoolean, TypeDateTime, TypeBase64, TypeHexBinary, TypeDecimal}

// ParseBaseType returns the primitive type for an element or xsi:type name,
// with or without an "xsd:" prefix.
func ParseBaseType(s string) (BaseType, bool) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	if s == "base64Binary" { // the XML Schema name CWMP puts in xsi:type
		return TypeBase64, true
	}
	for _, t := range BaseTypes {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

// IsNumeric reports whether values of t are ordered numbers (ranges apply).
func (t BaseType) IsNumeric() bool {
	switch t {
	case TypeInt, TypeUnsignedInt, TypeLong, TypeUnsignedLong, TypeDecimal:
		return true
	}
	return false
}

// IsBinary reports whether t's size facets count decoded bytes.
func (t BaseType) IsBinary() bool { return t == TypeBase64 || t == TypeHexBinary }

// Syntax is the complete description of a parameter's value: its primitive
// type and every facet, already merged down the data-type chain so that
// checking a value never has to look anything up.
type Syntax struct {
	Type     BaseType   // primitive type of one value (of one item, for lists)
	DataType string     `json:",omitempty"` // named data type, if the value uses one
	List     *List      `json:",omitempty"` // non-nil for a comma-separated list
	Sizes    []Size     `json:",omitempty"`
	Ranges   []Range    `json:",omitempty"`
	Enums    []Enum     `json:",omitempty"`
	Patterns []Pattern  `json:",omitempty"`
	Units    string     `json:",omitempty"`
	Ref      *Reference `json:",omitempty"`
	Default  *Default   `json:",omitempty"`
	Hidden   bool       `json:",omitempty"` // value is always read back as empty
	Secured  bool       `json:",omitempty"` // value is a secret (passwords, keys)
	Command  bool       `json:",omitempty"` // setting the parameter triggers an action
}

// WireType is the type the value travels as: lists travel as strings.
func (s *Syntax) WireType() BaseType {
	if s.List != nil {
		return TypeString
	}
	return s.Type
}

// TypeName names the type as the document writes it: the named data type
// if there is one, else the primitive, with "list of " before a list
// ("list of dataType IPAddress", "unsignedInt").
func (s *Syntax) TypeName() string {
	t := string(s.Type)
	if s.DataType != "" {
		t = "dataType " + s.DataType
	}
	if s.List != nil {
		t = "list of " + t
	}
	return t
}

// Clone returns a deep copy.
func (s Syntax) Clone() Syntax {
	c := s
	if s.List != nil {
		l := *s.List
		c.List = &l
	}
	c.Sizes = append([]Size(nil), s.Sizes...)
	c.Ranges = append([]Range(nil), s.Ranges...)
	c.Enums = append([]Enum(nil), s.Enums...)
	c.Patterns = append([]Pattern(nil), s.Patterns...)
	if s.Ref != nil {
		r := *s.Ref
		c.Ref = &r
	}
	if s.Default != nil {
		d := *s.Default
		c.Default = &d
	}
	return c
}

// EnumValues returns the enumeration values that are not deleted.
func (s *Syntax) EnumValues() []string {
	out := make([]string, 0, len(s.Enums))
	for _, e := range s.Enums {
		if e.Status != Deleted {
			out = append(out, e.Value)
		}
	}
	return out
}

// Size is a size facet: length in characters for strings, in bytes for
// base64 and hexBinary. Nil bounds are open.
type Size struct {
	Min *uint64 `json:",omitempty"`
	Max *uint64 `json:",omitempty"`
	Pos Pos     `json:"-"`
}

// Range is a numeric range facet, inclusive, with an optional step. Bounds
// are kept as the decimal text the model gives, and compared exactly.
type Range struct {
	Min  string `json:",omitempty"`
	Max  string `json:",omitempty"`
	Step string `json:",omitempty"`
	Pos  Pos    `json:"-"`
}

// Enum is one enumeration value.
type Enum struct {
	Value    string
	Status   Status `json:",omitempty"`
	Access   Access `json:",omitempty"` // readOnly: the CPE reports it, an ACS may not set it
	Optional bool   `json:",omitempty"`
	// Description is the value's own description (kept only when the
	// loader keeps descriptions).
	Description string `json:",omitempty"`
	Pos         Pos    `json:"-"`
}

// Pattern is one pattern facet in the XML Schema regular-expression dialect
// that TR-106 uses (implicitly anchored). A value matches the syntax if it
// matches any of its patterns.
type Pattern struct {
	Value  string
	Status Status `json:",omitempty"`
	Pos    Pos    `json:"-"`
}

// List marks a comma-separated list value.
type List struct {
	MinItems *uint64 `json:",omitempty"`
	MaxItems *uint64 `json:",omitempty"`
	Size     *Size   `json:",omitempty"` // length of the whole list string
	Nested   bool    `json:",omitempty"` // list of lists (items are quoted, TR-106 3.2.3)
}

// RefKind is the kind of a reference facet.
type RefKind string

const (
	PathRef        RefKind = "pathRef"
	InstanceRef    RefKind = "instanceRef"
	EnumerationRef RefKind = "enumerationRef"
)

// Reference says that a value names other items of the model.
type Reference struct {
	Kind              RefKind
	RefType           string `json:",omitempty"` // weak or strong
	TargetParent      string `json:",omitempty"` // space-separated paths
	TargetParentScope string `json:",omitempty"` // normal, model or object
	TargetType        string `json:",omitempty"` // any, parameter, object, single, table, row
	TargetDataType    string `json:",omitempty"`
	TargetParam       string `json:",omitempty"` // enumerationRef: parameter whose values are the enumeration
	TargetParamScope  string `json:",omitempty"`
	NullValue         string `json:",omitempty"`
	Pos               Pos    `json:"-"`
}

// Default is a parameter's default value.
type Default struct {
	Type   string // factory, object, implementation or parameter
	Value  string
	Status Status `json:",omitempty"`
	Pos    Pos    `json:"-"`
}

// DataType is a named data type (TR-106 Annex B), e.g. "IPv4Address".
// Syntax holds the facets merged down its base chain; Type is the primitive.
type DataType struct {
	Name        string
	Base        string `json:",omitempty"` // the data type it derives from
	Status      Status `json:",omitempty"`
	Description string `json:",omitempty"`
	Syntax      Syntax
	Pos         Pos
}

// MergeFacets returns the facets of base restricted by over: each facet
// kind that over gives (sizes, ranges, enumerations, patterns, units,
// reference, default) replaces base's; the kinds it omits are inherited.
func MergeFacets(base, over Syntax) Syntax {
	out := base.Clone()
	if over.Type != "" {
		out.Type = over.Type
	}
	if over.DataType != "" {
		out.DataType = over.DataType
	}
	if over.List != nil {
		l := *over.List
		out.List = &l
	}
	if len(over.Sizes) > 0 {
		out.Sizes = append([]Size(nil), over.Sizes...)
	}
	if len(over.Ranges) > 0 {
		out.Ranges = append([]Range(nil), over.Ranges...)
	}
	if len(over.Patterns) > 0 {
		out.Patterns = append([]Pattern(nil), over.Patterns...)
	}
	if len(over.Enums) > 0 {
		out.Enums = append([]Enum(nil), over.Enums...)
	}
	if over.Units != "" {
		out.Units = over.Units
	}
	if over.Ref != nil {
		r := *over.Ref
		out.Ref = &r
	}
	if over.Default != nil {
		d := *over.Default
		out.Default = &d
	}
	out.Hidden = out.Hidden || over.Hidden
	out.Secured = out.Secured || over.Secured
	out.Command = out.Command || over.Command
	return out
}
