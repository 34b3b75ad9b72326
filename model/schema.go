package model

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Entry is one object or parameter of a Schema: the facts a server or a
// CPE needs at run time, without the rest of the graph.
type Entry struct {
	Path                string // schema path with {i}: "Device.WiFi.Radio.{i}.Channel"
	Object              bool
	Access              Access
	Syntax              *Syntax // parameters only
	ActiveNotify        ActiveNotify
	ForcedInform        bool
	MinEntries          int
	MaxEntries          int // Unbounded for "unbounded"
	NumEntriesParameter string
	EnableParameter     string
	UniqueKeys          []UniqueKey
	Status              Status
	Version             string
}

// IsTable reports whether the entry is a multi-instance object.
func (e *Entry) IsTable() bool { return e.Object && strings.HasSuffix(e.Path, ".{i}.") }

// Schema is a lookup table over a model's objects and parameters, built
// either from a resolved Model or, lazily, from the compact encoding in
// generated code (LazySchema). It is immutable and safe for concurrent use.
type Schema struct {
	Model   string // "Device:2.19"
	Spec    string // spec URN of the defining document
	raw     string // encoded entries not decoded yet (LazySchema)
	once    sync.Once
	entries []*Entry
	byPath  map[string]*Entry
	// children lists, for each object path, the entries directly under it
	// (parameters first, then objects), for GetParameterNames NextLevel.
	children     map[string][]*Entry
	childrenOnce sync.Once // children are built on the first Children call
	// ops are a USP model's commands and events (schemaops.go).
	ops      []*USPEntry
	opByPath map[string]*USPEntry
}

// NewSchema builds a schema from entries (in any order).
func NewSchema(model, spec string, entries []*Entry) *Schema {
	s := &Schema{Model: model, Spec: spec}
	sorted := append([]*Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	s.index(sorted)
	s.once.Do(func() {})
	return s
}

// index fills the lookup tables from entries sorted by path.
func (s *Schema) index(sorted []*Entry) {
	s.entries = sorted
	s.byPath = make(map[string]*Entry, len(sorted))
	for _, e := range sorted {
		s.byPath[e.Path] = e
	}
}

func (s *Schema) buildChildren() {
	n := map[string]int{}
	for _, e := range s.entries {
		n[ParentPath(e.Path)]++
	}
	s.children = make(map[string][]*Entry, len(n))
	for _, e := range s.entries {
		parent := ParentPath(e.Path)
		c := s.children[parent]
		if c == nil {
			c = make([]*Entry, 0, n[parent])
		}
		s.children[parent] = append(c, e)
	}
}

// LazySchema is what generated code declares its Schema with: data is
// the output of EncodeSchema, decoded once on first use, so that a program
// pays nothing at start for the models it links but does not use.
// Decoding panics if data is corrupt: it was written by the generator,
// and DecodeSchema checks the same data with an error.
func LazySchema(model, spec, data string) *Schema {
	return &Schema{Model: model, Spec: spec, raw: data}
}

// load decodes a lazy schema the first time it is used.
// (NewSchema marks its once done: then this is one atomic load.)
func (s *Schema) load() { s.once.Do(s.decodeRaw) }

func (s *Schema) decodeRaw() {
	entries, ops, err := decodeData(s.raw)
	if err != nil {
		panic(fmt.Sprintf("model: the generated schema of %s is corrupt (regenerate it): %v", s.Model, err))
	}
	s.raw = ""
	s.index(entries)
	s.indexOps(ops)
}

// SchemaFromModel builds a schema from a resolved model, leaving out
// deleted items.
func SchemaFromModel(m *Model) *Schema {
	var entries []*Entry
	for _, o := range m.LiveObjects() {
		if o.Path != "" {
			entries = append(entries, ObjectEntry(o))
		}
		for _, p := range o.LiveParams() {
			entries = append(entries, ParamEntry(p))
		}
	}
	return NewSchemaWithUSP(m.Name, m.Spec, entries, modelUSPEntries(m))
}

// Entries returns every entry sorted by path.
func (s *Schema) Entries() []*Entry { s.load(); return s.entries }

// Len returns the number of entries.
func (s *Schema) Len() int { s.load(); return len(s.entries) }

// Lookup finds the entry for a concrete instance path
// ("Device.WiFi.Radio.3.Channel") or a schema path; O(length of path).
func (s *Schema) Lookup(path string) (*Entry, bool) {
	s.load()
	if e, ok := s.byPath[path]; ok {
		return e, true
	}
	sp, ok := SchemaPath(path)
	if !ok {
		return nil, false
	}
	e, ok := s.byPath[sp]
	return e, ok
}

// Children returns the entries directly under the object at schema path
// (a table's instances are "{i}." children of the table's parent path).
func (s *Schema) Children(objectPath string) []*Entry {
	s.load()
	s.childrenOnce.Do(s.buildChildren)
	return s.children[objectPath]
}

// CheckValue checks a value for the parameter at path (instance or
// schema path): the path must name a parameter, and the value must satisfy
// its syntax. It does not check access.
func (s *Schema) CheckValue(path, value string) error {
	e, ok := s.Lookup(path)
	if !ok {
		return &PathError{Path: path, Msg: "no such parameter in " + s.Model}
	}
	if e.Object {
		return &PathError{Path: path, Msg: "is an object, not a parameter"}
	}
	if err := CheckValue(e.Syntax, value); err != nil {
		return &PathError{Path: path, Msg: err.Error(), Value: err}
	}
	return nil
}

// PathError is a problem with one path.
type PathError struct {
	Path  string
	Msg   string
	Value *ValueError // set when a value broke a rule
}

func (e *PathError) Error() string { return e.Path + ": " + e.Msg }

// Violation is one value that breaks its syntax, found by a validator.
type Violation struct {
	Path string
	Err  *ValueError
}

func (v Violation) Error() string { return fmt.Sprintf("%s: %v", v.Path, v.Err) }

// Violations is the list of violations a Validate method returns; a nil
// list means valid.
type Violations []Violation

func (vs Violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Error()
	}
	return strings.Join(parts, "; ")
}

// Err returns vs as an error, or nil when there is none.
func (vs Violations) Err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}
