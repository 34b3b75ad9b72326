package model

// Typed path handles: generated code builds values of these types so that
// a path carries the Go type of its value and its access mode, and code
// that sets a read-only parameter, or passes a string for an unsignedInt,
// does not compile.

// ParamPath is a concrete parameter path whose value has Go type T.
type ParamPath[T any] struct {
	prefix *string // the containing object's instance path, shared by its handles
	name   string
	typ    BaseType
}

// NewParamPath is called by generated code.
func NewParamPath[T any](prefix *string, name string, typ BaseType) ParamPath[T] {
	return ParamPath[T]{prefix: prefix, name: name, typ: typ}
}

// Path returns the parameter's full instance path.
func (p ParamPath[T]) Path() string {
	if p.prefix == nil {
		return p.name
	}
	return *p.prefix + p.name
}

func (p ParamPath[T]) String() string { return p.Path() }

// WireType is the xsd type the value travels as (lists travel as string).
func (p ParamPath[T]) WireType() BaseType { return p.typ }

// ReadOnlyParam is a handle on a read-only parameter.
type ReadOnlyParam[T any] struct{ ParamPath[T] }

// ReadWriteParam is a handle on a writable parameter.
type ReadWriteParam[T any] struct{ ParamPath[T] }

// WriteOnceParam is a handle on a writeOnceReadOnly parameter: writable until
// it has been set once.
type WriteOnceParam[T any] struct{ ParamPath[T] }

func (ReadWriteParam[T]) writable(T) {}
func (WriteOnceParam[T]) writable(T) {}

// valueType ties a handle to its value type, so that Go infers T from a
// handle alone (model.Get(h, wire)).
func (p ParamPath[T]) valueType() (zero T) { return zero }

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

// ObjectPath is a handle on a single-instance object or a table instance.
type ObjectPath struct{ prefix *string }

// NewObjectPath is called by generated code; prefix is the instance path.
func NewObjectPath(prefix *string) ObjectPath { return ObjectPath{prefix: prefix} }

// Path returns the object's instance path ("Device.WiFi.Radio.1.").
func (o ObjectPath) Path() string { return *o.prefix }

// Table is a handle on a multi-instance object (its path ends in ".",
// without an instance number: "Device.WiFi.SSID.").
type Table struct{ path string }

// NewTable is called by generated code.
func NewTable(path string) Table { return Table{path: path} }

// Path returns the path an AddObject names ("Device.WiFi.SSID.").
func (t Table) Path() string { return t.path }

// WritableTable is a table the ACS may add instances to and delete from.
type WritableTable struct{ Table }

// NewWritableTable is called by generated code.
func NewWritableTable(path string) WritableTable { return WritableTable{Table{path: path}} }

// NewReadOnly, NewReadWrite and NewWriteOnce build parameter handles;
// generated code calls them with the containing object's shared prefix.
func NewReadOnly[T any](prefix *string, name string, typ BaseType) ReadOnlyParam[T] {
	return ReadOnlyParam[T]{NewParamPath[T](prefix, name, typ)}
}

func NewReadWrite[T any](prefix *string, name string, typ BaseType) ReadWriteParam[T] {
	return ReadWriteParam[T]{NewParamPath[T](prefix, name, typ)}
}

func NewWriteOnce[T any](prefix *string, name string, typ BaseType) WriteOnceParam[T] {
	return WriteOnceParam[T]{NewParamPath[T](prefix, name, typ)}
}
