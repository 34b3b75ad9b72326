package model

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
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
// included. FillPath fills such a struct from its type's dm tags instead of
// code per handle: the typed API costs the compiler one small function per
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

// pathLayout is where FillPath writes in a generated path struct: one slot
// per handle, at its offset, each naming the object it belongs to by its
// path relative to the struct's (index into rel). It comes from the
// struct type itself (the dm tags the generator writes), read once per
// type: filling a path needs no schema, so the typed package's root paths
// cost no schema decoding at program start.
type pathLayout struct {
	rel   []string // relative object paths; 0 is the struct's own
	slots []slotSpec
}

type slotSpec struct {
	off  uintptr
	node int
	name string
	typ  BaseType
}

var (
	layouts        sync.Map // reflect.Type → *pathLayout
	objectPathType = reflect.TypeOf(ObjectPath{})
	slotType       = reflect.TypeOf(slot{})
)

func layoutOf(t reflect.Type) *pathLayout {
	if l, ok := layouts.Load(t); ok {
		return l.(*pathLayout)
	}
	l := &pathLayout{}
	l.walk(t, 0, "")
	layouts.Store(t, l)
	return l
}

func (l *pathLayout) walk(t reflect.Type, off uintptr, rel string) {
	node := len(l.rel)
	l.rel = append(l.rel, rel)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("dm")
		switch {
		case f.Type == objectPathType:
			l.slots = append(l.slots, slotSpec{off: off + f.Offset, node: node})
		case strings.HasSuffix(tag, "."): // a single-instance child's path struct
			l.walk(f.Type, off+f.Offset, rel+tag)
		case tag != "" && f.Type.Kind() == reflect.Struct && f.Type.NumField() == 1 && f.Type.Field(0).Type == slotType:
			// A handle: the wire-type letter, then the name when it is
			// not the field's.
			name := tag[1:]
			if name == "" {
				name = f.Name
			}
			l.slots = append(l.slots, slotSpec{off: off + f.Offset, node: node, name: name, typ: typeOfLetter(tag[0])})
		default:
			panic(fmt.Sprintf("model: field %s of generated path struct %s is not a handle (regenerate it)", f.Name, t))
		}
	}
}

// typeLetters are the wire-type letters of the dm tags.
var typeLetters = [...]struct {
	c byte
	t BaseType
}{{'s', TypeString}, {'i', TypeInt}, {'u', TypeUnsignedInt}, {'l', TypeLong}, {'U', TypeUnsignedLong},
	{'b', TypeBoolean}, {'t', TypeDateTime}, {'6', TypeBase64}, {'x', TypeHexBinary}, {'d', TypeDecimal}}

// TypeLetter is the letter of wire type t in a path struct's dm tag (the
// generator writes it).
func TypeLetter(t BaseType) byte {
	for _, l := range typeLetters {
		if l.t == t {
			return l.c
		}
	}
	return 's'
}

func typeOfLetter(c byte) BaseType {
	for _, l := range typeLetters {
		if l.c == c {
			return l.t
		}
	}
	return TypeString
}

// FillPath fills the generated path struct p points to for the object at
// instance path base. Generated code calls it; the handles' names and wire
// types come from the struct's dm tags.
func FillPath(p any, base string) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("model: FillPath wants a pointer to a generated path struct, not %T", p))
	}
	l := layoutOf(v.Elem().Type())
	nodes := make([]pathNode, len(l.rel))
	for i, r := range l.rel {
		nodes[i].path = base + r
	}
	dst := v.UnsafePointer()
	for _, s := range l.slots {
		*(*slot)(unsafe.Add(dst, s.off)) = slot{n: &nodes[s.node], name: s.name, typ: s.typ}
	}
}
