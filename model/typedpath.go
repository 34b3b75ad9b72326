package model

import (
	"fmt"
	"strconv"
	"unsafe"
)

// Typed path handles: generated code declares a path struct per object
// whose fields are handles, so that a path carries the Go type of its value
// and its access mode, and code that sets a read-only parameter, or passes
// a string for an unsignedInt, does not compile.
//
// Every handle, and the object handle each path struct starts with, is one
// slot (the shared instance path of its object, a name, a wire type), so a
// path struct is an array of slots, nested single-instance objects
// included. FillPath fills such a struct from the schema instead of code
// per handle: the typed API costs the compiler one small function per
// table, not one generic call per parameter.

// pathNode is the instance path of one object, shared by its handles.
type pathNode struct{ path string }

type slot struct {
	n    *pathNode
	name string
	typ  BaseType
}

// Path returns the full instance path: the object's path for an object
// handle ("Device.WiFi.Radio.1."), the parameter's for a parameter handle.
func (s slot) Path() string {
	if s.n == nil {
		return s.name
	}
	return s.n.path + s.name
}

func (s slot) String() string { return s.Path() }

// WireType is the xsd type the value travels as (lists travel as string).
func (s slot) WireType() BaseType { return s.typ }

// ReadOnlyParam is a handle on a read-only parameter whose value has Go type T.
type ReadOnlyParam[T any] struct{ slot }

// ReadWriteParam is a handle on a writable parameter.
type ReadWriteParam[T any] struct{ slot }

// WriteOnceParam is a handle on a writeOnceReadOnly parameter: writable until
// it has been set once.
type WriteOnceParam[T any] struct{ slot }

func (ReadOnlyParam[T]) valueType() (zero T)  { return zero }
func (ReadWriteParam[T]) valueType() (zero T) { return zero }
func (WriteOnceParam[T]) valueType() (zero T) { return zero }
func (ReadWriteParam[T]) writable(T)          {}
func (WriteOnceParam[T]) writable(T)          {}

// Readable is any parameter handle.
type Readable[T any] interface {
	Path() string
	WireType() BaseType
	valueType() T
}

// Writable is a handle on a parameter an ACS may set. Only ReadWriteParam and
// WriteOnceParam implement it (the method is unexported), so a read-only
// handle cannot be passed where a Writable is wanted.
type Writable[T any] interface {
	Readable[T]
	writable(T)
}

// ParameterValue is a name, wire value and wire type, ready for a
// SetParameterValues or GetParameterValuesResponse.
type ParameterValue struct {
	Name  string
	Value string
	Type  BaseType
}

// Set builds the ParameterValue that sets p to v.
func Set[T any](p Writable[T], v T) ParameterValue {
	return ParameterValue{Name: p.Path(), Value: FormatValue(p.WireType(), v), Type: p.WireType()}
}

// Get parses a wire value reported for p.
func Get[T any](p Readable[T], wire string) (T, error) { return ParseValue[T](p.WireType(), wire) }

// ObjectPath is a handle on a single-instance object or a table instance;
// generated path structs embed it first.
type ObjectPath struct{ s slot }

// Path returns the object's instance path ("Device.WiFi.Radio.1.").
func (o ObjectPath) Path() string { return o.s.Path() }

// Table is a handle on a multi-instance object (its path ends in ".",
// without an instance number: "Device.WiFi.SSID.").
type Table struct{ path string }

// NewTable is called by generated code with the parent's instance path and
// the table's name ("SSID.").
func NewTable(parent ObjectPath, name string) Table { return Table{path: parent.Path() + name} }

// Path returns the path an AddObject names ("Device.WiFi.SSID.").
func (t Table) Path() string { return t.path }

// WritableTable is a table the ACS may add instances to and delete from.
type WritableTable struct{ Table }

// NewWritableTable is called by generated code, like NewTable.
func NewWritableTable(parent ObjectPath, name string) WritableTable {
	return WritableTable{NewTable(parent, name)}
}

// InstanceOf is the instance path of instance i of table name under
// parent: InstanceOf("Device.WiFi.", "SSID.", 3) = "Device.WiFi.SSID.3.".
func InstanceOf(parent, name string, i uint32) string {
	return parent + name + strconv.FormatUint(uint64(i), 10) + "."
}

// pathLayout is how a generated path struct is laid out: its object slot,
// its parameters' slots in path order, then the path structs of its
// single-instance children in path order. The generator writes the
// struct in that order; the Schema has the rest, so the layout is not
// written out at all.
type pathLayout struct {
	names  []string
	types  []BaseType
	nested []nestedLayout
	size   int // slots in the whole struct, nested ones included
}

type nestedLayout struct {
	name string // "Stats."
	l    *pathLayout
}

// layout returns (and caches) the layout of the path struct of the object
// at schema path obj.
func (s *Schema) layout(obj string) *pathLayout {
	if l, ok := s.layouts.Load(obj); ok {
		return l.(*pathLayout)
	}
	l := &pathLayout{size: 1}
	kids := s.Children(obj)
	for _, e := range kids {
		if !e.Object {
			l.names = append(l.names, e.Path[len(obj):])
			l.types = append(l.types, e.Syntax.WireType())
		}
	}
	l.size += len(l.names)
	for _, e := range kids {
		if e.Object && !e.IsTable() {
			c := s.layout(e.Path)
			l.nested = append(l.nested, nestedLayout{name: e.Path[len(obj):], l: c})
			l.size += c.size
		}
	}
	s.layouts.Store(obj, l)
	return l
}

var slotSize = unsafe.Sizeof(slot{})

// FillPath fills the generated path struct at dst (size bytes, as
// unsafe.Sizeof gives it) of the object at schema path obj of s, for the
// instance path base. It panics when the struct and the schema disagree,
// which only a hand-edited generated file can cause.
func FillPath(dst unsafe.Pointer, size uintptr, s *Schema, obj, base string) {
	l := s.layout(obj)
	if uintptr(l.size)*slotSize != size {
		panic(fmt.Sprintf("model: generated path struct of %s (%d bytes) does not match the schema's %d slots (regenerate it)", obj, size, l.size))
	}
	fill(unsafe.Slice((*slot)(dst), l.size), l, base)
}

func fill(slots []slot, l *pathLayout, base string) int {
	n := &pathNode{path: base}
	slots[0] = slot{n: n}
	for i, name := range l.names {
		slots[1+i] = slot{n: n, name: name, typ: l.types[i]}
	}
	k := 1 + len(l.names)
	for _, c := range l.nested {
		k += fill(slots[k:], c.l, base+c.name)
	}
	return k
}
