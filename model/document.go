package model

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Operations on generated structs as documents: the generated packages
// declare the types (a Document of the model's roots, a struct per object
// with json tags naming the items, tables as map[uint32]*T) and call these
// with their Schema, so the code lives here once. They walk by reflection;
// validation, which is on the hot path, is generated straight-line code.

// OpKind is a CWMP RPC that Diff asks for.
type OpKind string

const (
	OpDeleteObject       OpKind = "DeleteObject"
	OpAddObject          OpKind = "AddObject"
	OpSetParameterValues OpKind = "SetParameterValues"
)

// Operation is one CWMP RPC turning one document into another.
type Operation struct {
	Kind OpKind
	// Object is the instance to delete ("Device.WiFi.SSID.3.") or the table
	// to add to ("Device.WiFi.SSID.").
	Object string
	// Instance is, for AddObject, the instance number the new document
	// has; the CPE may assign another, and the values under it then follow
	// (TR-069 alias-based addressing avoids that).
	Instance uint32
	// Values are, for SetParameterValues, the values with their wire types.
	Values []ParameterValue
}

func (op Operation) String() string {
	switch op.Kind {
	case OpAddObject:
		return fmt.Sprintf("AddObject %s (instance %d)", op.Object, op.Instance)
	case OpDeleteObject:
		return "DeleteObject " + op.Object
	}
	parts := make([]string, len(op.Values))
	for i, v := range op.Values {
		parts[i] = v.Name + "=" + v.Value
	}
	return "SetParameterValues " + strings.Join(parts, " ")
}

// docWalk is a document flattened: parameter fields by instance path, and
// the table instances it holds.
type docWalk struct {
	params    map[string]reflect.Value
	order     []string
	instances map[string]bool
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func walkDoc(v reflect.Value, prefix string, w *docWalk) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := jsonName(t.Field(i))
		if name == "" || name == "-" {
			continue
		}
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Map && f.Type().Key().Kind() == reflect.Uint32:
			keys := f.MapKeys()
			sort.Slice(keys, func(a, b int) bool { return keys[a].Uint() < keys[b].Uint() })
			for _, k := range keys {
				inst := prefix + name + "." + strconv.FormatUint(k.Uint(), 10) + "."
				w.instances[inst] = true
				if e := f.MapIndex(k); !e.IsNil() {
					walkDoc(e.Elem(), inst, w)
				}
			}
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if !f.IsNil() {
				walkDoc(f.Elem(), prefix+name+".", w)
			}
		default:
			w.params[prefix+name] = f
			w.order = append(w.order, prefix+name)
		}
	}
}

func flatten(doc any) (*docWalk, error) {
	v := reflect.ValueOf(doc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("want a non-nil pointer to a generated struct, not %T", doc)
	}
	w := &docWalk{params: map[string]reflect.Value{}, instances: map[string]bool{}}
	walkDoc(v.Elem(), "", w)
	return w, nil
}

// Diff returns the CWMP operations that turn old into new, two documents
// of schema s (generated Document values, or root structs of a model whose
// root is a single object, with prefix "Device." and so on), in
// dependency order: DeleteObject of the instances only old has (the
// outermost of them), AddObject of those only new has (parents first),
// then one SetParameterValues of the writable parameters whose values
// differ. A parameter of an object both have is set whenever its value
// differs, to its zero value too; in an object only new has, only the
// parameters that hold more than their zero value are set. Read-only
// parameters are never set.
func Diff(s *Schema, prefix string, old, new any) ([]Operation, error) {
	ow, err := flatten(old)
	if err != nil {
		return nil, fmt.Errorf("diff: old: %w", err)
	}
	nw, err := flatten(new)
	if err != nil {
		return nil, fmt.Errorf("diff: new: %w", err)
	}
	var ops []Operation
	gone := sortedPaths(ow.instances, nw.instances)
	for i, p := range gone {
		if i > 0 && outermost(gone[:i], p) {
			continue
		}
		ops = append(ops, Operation{Kind: OpDeleteObject, Object: prefix + p})
	}
	for _, p := range sortedPaths(nw.instances, ow.instances) {
		table, n, _ := SplitInstance(p)
		ops = append(ops, Operation{Kind: OpAddObject, Object: prefix + table, Instance: n})
	}
	var values []ParameterValue
	var errs []error
	for _, p := range nw.order {
		path := prefix + p
		e, ok := s.Lookup(path)
		if !ok || e.Object {
			errs = append(errs, fmt.Errorf("diff: %s is not a parameter of %s", path, s.Model))
			continue
		}
		if !e.Access.Writable() {
			continue
		}
		nv := nw.params[p]
		wire := formatAny(e.Syntax.Type, nv.Interface())
		if ov, inOld := ow.params[p]; inOld {
			if formatAny(e.Syntax.Type, ov.Interface()) == wire {
				continue
			}
		} else if nv.IsZero() {
			continue
		}
		values = append(values, ParameterValue{Name: path, Value: wire, Type: e.Syntax.WireType()})
	}
	if len(values) > 0 {
		ops = append(ops, Operation{Kind: OpSetParameterValues, Values: values})
	}
	return ops, errors.Join(errs...)
}

// sortedPaths returns the keys of a that b lacks, sorted.
func sortedPaths(a, b map[string]bool) []string {
	var out []string
	for p := range a {
		if !b[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// outermost reports whether p lies under one of the (sorted) paths before it.
func outermost(before []string, p string) bool {
	for _, q := range before {
		if strings.HasPrefix(p, q) {
			return true
		}
	}
	return false
}

// PopulateDefaults sets every parameter field of doc that holds its Go
// zero value, in the objects doc has, to the parameter's object or
// factory default from s (prefix as for Diff). It creates no objects.
func PopulateDefaults(s *Schema, prefix string, doc any) error {
	w, err := flatten(doc)
	if err != nil {
		return fmt.Errorf("populate defaults: %w", err)
	}
	var errs []error
	for _, p := range w.order {
		f := w.params[p]
		if !f.IsZero() {
			continue
		}
		e, ok := s.Lookup(prefix + p)
		if !ok || e.Object {
			errs = append(errs, fmt.Errorf("populate defaults: %s%s is not a parameter of %s", prefix, p, s.Model))
			continue
		}
		d := e.Syntax.Default
		if d == nil || d.Status == Deleted || d.Value == "" || (d.Type != "object" && d.Type != "factory") {
			continue
		}
		if err := parseInto(e.Syntax.Type, d.Value, f); err != nil {
			errs = append(errs, fmt.Errorf("populate defaults: %s%s: default %q: %w", prefix, p, d.Value, err))
		}
	}
	return errors.Join(errs...)
}

// Equal reports whether two generated structs of the same type hold the
// same objects, instances and values (times compare as instants, a nil
// and an empty slice as equal).
func Equal[T any](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return equalValue(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
}

var timeT = reflect.TypeOf(time.Time{})

func equalValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValue(a.Elem(), b.Elem())
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !equalValue(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if a.Type() == timeT {
			return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
		}
		for i := 0; i < a.NumField(); i++ {
			if !equalValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// Clone returns a deep copy of a generated struct.
func Clone[T any](v *T) *T {
	if v == nil {
		return nil
	}
	return cloneValue(reflect.ValueOf(v)).Interface().(*T)
}

func cloneValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(cloneValue(v.Elem()))
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			c.SetMapIndex(k, cloneValue(v.MapIndex(k)))
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(cloneValue(v.Index(i)))
		}
		return c
	case reflect.Struct:
		if v.Type() == timeT {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if c.Field(i).CanSet() {
				c.Field(i).Set(cloneValue(v.Field(i)))
			}
		}
		return c
	}
	return v
}
