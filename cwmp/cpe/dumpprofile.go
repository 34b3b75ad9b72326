package cpe

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/model"
)

// A profile loaded from a device dump (a GenieACS export) describes the
// device exactly: the device has the objects and parameters the dump
// lists, with the values, types and access it reported, and nothing else.
// Paths the model lacks (vendor X_ parameters, objects of another model
// version) are served too: the profile's schema is the model's plus an
// entry for each of them, typed as the dump reports. Only instances the
// ACS creates later (AddObject) get the model's parameters at their
// defaults.

// dumpTree is what a dump profile adds to a DeviceProfile.
type dumpTree struct {
	// objects holds the instance paths of the objects the dump has (every
	// ancestor of what it lists included), tables without instance number
	// too ("Device.IP.Interface.").
	objects map[string]bool
	// types holds the xsi:type each parameter was reported with.
	types map[string]string
	// writable holds the writable flag each object was reported with.
	writable map[string]bool
	// attrs holds the attributes the dump records (dumpattrs.go).
	attrs map[string]Attributes
	// respelt is what dumpwire.go puts back on the wire for the dump's
	// own values, computed once.
	respeltOnce sync.Once
	respelt     map[string]string
}

// ObjectWritability is an optional Store interface: a device that reports
// its objects' writable flags in GetParameterNames as it sees fit (a
// dump recorded them) rather than as the model's access says.
type ObjectWritability interface {
	ObjectWritable(object string) (writable, ok bool)
}

// ObjectPresence is an optional Store interface: a device that has only
// some of its model's objects (a device dump lists what it has). The
// handler neither lists an object the Store says it lacks nor accepts its
// path.
type ObjectPresence interface {
	HasObject(object string) bool
}

// ReportedTyper is an optional Store interface: a device that reports a
// parameter with a type of its own (as a dump recorded it) keeps doing so
// in GetParameterValues, whatever the model says (see wireTypeName).
type ReportedTyper interface {
	ReportedType(path string) (string, bool)
}

// hasObject reports whether the device has the object (or table) at an
// instance path; true for a Store that does not say.
func (h *Handler) hasObject(object string) bool {
	if p, ok := h.Store.(ObjectPresence); ok {
		return p.HasObject(object)
	}
	return true
}

// wireTypeName is the xsi:type a parameter reported as typ travels with:
// typ's standard spelling (a wrong-case name, or xsd:base64, is spelt as
// XML Schema has it) when the value fits it, else xsd:string, which any
// value fits. The value itself is sent as reported.
func wireTypeName(typ, value string) string {
	t, ok := parseTypeFold(typ)
	if !ok || model.CheckType(t, value) != nil {
		return "xsd:string"
	}
	return xsdType(t)
}

// isVendorPath reports whether a path has a vendor-specific segment
// ("X_<vendor>_…", TR-106 3.3).
func isVendorPath(path string) bool {
	for seg := range strings.SplitSeq(path, ".") {
		if strings.HasPrefix(seg, "X_") {
			return true
		}
	}
	return false
}

// ParseTypeName reads a reported xsi:type name without regard to case or
// namespace prefix ("xsd:unsignedint" is unsignedInt, "xsd:base64Binary"
// and "xsd:base64" are base64). Whether the name is spelt right is
// XSDTypeName(t) == name, or "xsd:base64".
func ParseTypeName(s string) (model.BaseType, bool) { return parseTypeFold(s) }

// XSDTypeName is the xsi:type values of type t travel with.
func XSDTypeName(t model.BaseType) string { return xsdType(t) }

func parseTypeFold(s string) (model.BaseType, bool) {
	name := s
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if strings.EqualFold(name, "base64Binary") {
		return model.TypeBase64, true
	}
	for _, t := range model.BaseTypes {
		if strings.EqualFold(string(t), name) {
			return t, true
		}
	}
	return "", false
}

// LoadGenieDump builds the profile of the device a dump describes (see
// above). The findings say where the dump contradicts the model; the
// device keeps what the dump says. A vendor path the model lacks is a
// finding of kind "vendor", another path it lacks "unknown-path".
func LoadGenieDump(schema *model.Schema, d *Dump) (*DeviceProfile, []Finding) {
	var fs []Finding
	report := func(pe DumpEntry, kind, format string, args ...any) {
		fs = append(fs, Finding{Line: pe.Line, Path: pe.Path, Kind: kind, Msg: fmt.Sprintf(format, args...)})
	}
	// The schema path of every entry, and which the model lacks.
	sps := make([]string, len(d.Entries))
	dumpSPs := map[string]bool{}
	for i, pe := range d.Entries {
		sp, ok := model.SchemaPath(pe.Path)
		if !ok {
			report(pe, "unknown-path", "not a well-formed path; left out")
			continue
		}
		sps[i] = sp
		dumpSPs[sp] = true
	}
	inModel := func(sp string) (*model.Entry, bool) {
		if e, ok := schema.Lookup(sp); ok {
			return e, true
		}
		if strings.HasSuffix(sp, ".") {
			if te, ok := schema.Lookup(sp + "{i}."); ok && te.IsTable() {
				return te, true
			}
		}
		return nil, false
	}
	extra := map[string]*model.Entry{}
	ensureObject := func(sp string) {
		for p := sp; p != ""; p = model.ParentPath(p) {
			if _, ok := inModel(p); ok {
				return
			}
			if _, ok := extra[p]; ok {
				return
			}
			extra[p] = &model.Entry{Path: p, Object: true, Access: model.ReadOnly, MaxEntries: 1}
			if strings.HasSuffix(p, ".{i}.") {
				extra[p].MaxEntries = model.Unbounded
			}
		}
	}
	access := func(pe DumpEntry) model.Access {
		if pe.Writable != nil && *pe.Writable {
			return model.ReadWrite
		}
		return model.ReadOnly
	}
	skip := make([]bool, len(d.Entries))
	for i, pe := range d.Entries {
		sp := sps[i]
		if sp == "" {
			skip[i] = true
			continue
		}
		if e, ok := inModel(sp); ok {
			if e.Object != pe.Object {
				report(pe, "unknown-path", "the model has it as %s; left out", map[bool]string{true: "an object", false: "a parameter"}[e.Object])
				skip[i] = true
			}
			continue
		}
		kind := "unknown-path"
		if isVendorPath(pe.Path) {
			kind = "vendor"
		}
		report(pe, kind, "not in %s; served as the dump has it", schema.Model)
		if !pe.Object {
			t, ok := parseTypeFold(pe.Type)
			if !ok {
				t = model.TypeString
			}
			ensureObject(model.ParentPath(sp))
			if _, dup := extra[sp]; !dup {
				extra[sp] = &model.Entry{Path: sp, Access: access(pe), Syntax: &model.Syntax{Type: t}}
			}
			continue
		}
		if dumpSPs[sp+"{i}."] {
			// "X_ACME_Hosts." of a table the dump has instances of.
			if te := extra[sp+"{i}."]; te != nil && pe.Writable != nil {
				te.Access = access(pe)
			} else if pe.Writable != nil {
				ensureObject(sp + "{i}.")
				extra[sp+"{i}."].Access = access(pe)
			}
			continue
		}
		ensureObject(sp)
		if strings.HasSuffix(sp, ".{i}.") && pe.Writable != nil && *pe.Writable {
			extra[sp].Access = model.ReadWrite
		}
	}
	dev := schema
	if len(extra) > 0 {
		entries := slices.Clone(schema.Entries())
		for _, e := range extra {
			entries = append(entries, e)
		}
		dev = model.NewSchema(schema.Model, schema.Spec, entries)
	}

	p := NewDeviceProfile(dev)
	tree := &dumpTree{objects: map[string]bool{}, types: map[string]string{}, writable: map[string]bool{}}
	p.dump = tree
	addObjects := func(path string) {
		// The object itself (for an object path) and every ancestor, the
		// tables without instance number included.
		for q := path; q != ""; {
			if !strings.HasSuffix(q, ".") {
				q = q[:strings.LastIndexByte(q, '.')+1]
				continue
			}
			if tree.objects[q] {
				return
			}
			tree.objects[q] = true
			t := strings.TrimSuffix(q, ".")
			i := strings.LastIndexByte(t, '.')
			if i < 0 {
				return
			}
			q = t[:i+1]
		}
	}
	for i, pe := range d.Entries {
		if skip[i] {
			continue
		}
		eachInstance(pe.Path, func(table string, inst uint32) bool {
			t := p.tables[table]
			if j, found := slices.BinarySearch(t, inst); !found {
				p.tables[table] = slices.Insert(t, j, inst)
			}
			return true
		})
		addObjects(pe.Path)
		if pe.Object {
			if pe.Writable != nil {
				tree.writable[pe.Path] = *pe.Writable
			}
			continue
		}
		e, ok := dev.Lookup(pe.Path)
		if !ok || e.Object {
			continue // cannot be: every parameter has an entry by now
		}
		p.values[pe.Path] = pe.Value
		a, has, err := pe.Attributes()
		if err != nil {
			report(pe, "attribute", "%v", err)
		}
		if has {
			if tree.attrs == nil {
				tree.attrs = map[string]Attributes{}
			}
			tree.attrs[pe.Path] = a
		}
		if pe.Type != "" {
			tree.types[pe.Path] = pe.Type
		}
		if _, own := extra[e.Path]; own {
			continue // typed and accessed as reported
		}
		wire := e.Syntax.WireType()
		if pe.Type != "" {
			if t, ok := parseTypeFold(pe.Type); !ok {
				report(pe, "type", "unknown value type %q", pe.Type)
			} else if t != wire {
				report(pe, "type", "device reports %s, model says %s", xsdType(t), xsdType(wire))
				if p.types == nil {
					p.types = map[string]model.BaseType{}
				}
				p.types[e.Path] = t
			}
		}
		if pe.Writable != nil && *pe.Writable != e.Access.Writable() {
			report(pe, "writable", "device says writable=%v, model access is %s", *pe.Writable, e.Access)
			if p.access == nil {
				p.access = map[string]model.Access{}
			}
			p.access[e.Path] = access(pe)
		}
		if _, counted := indexOf(dev).numEntries[e.Path]; !counted && pe.HasValue {
			if err := model.CheckValue(e.Syntax, pe.Value); err != nil {
				report(pe, "value", "%v", err)
			}
		}
	}
	return p, fs
}

// LoadGenieJSON reads one GenieACS device document (see ReadGenieJSON)
// and builds the profile of exactly that device (see LoadGenieDump).
func LoadGenieJSON(schema *model.Schema, r io.Reader) (*DeviceProfile, []Finding, error) {
	ds, err := ReadGenieJSON(r)
	if err != nil {
		return nil, nil, fmt.Errorf("profile: %w", err)
	}
	if len(ds) != 1 {
		return nil, nil, fmt.Errorf("profile: %d GenieACS devices in the document; a profile is one device", len(ds))
	}
	p, fs := LoadGenieDump(schema, ds[0])
	return p, fs, nil
}

// FromDump reports whether the profile is a device dump's: the device has
// exactly what the dump holds.
func (p *DeviceProfile) FromDump() bool { return p.dump != nil }

// inBase reports whether instance inst of table is one the profile has.
func (p *DeviceProfile) inBase(table string, inst uint32) bool {
	_, found := slices.BinarySearch(p.tables[table], inst)
	return found
}

// createdHere reports whether path lies in an instance the device created
// after it was loaded (AddObject): such objects have the model's
// parameters, not the dump's.
func (m *MemStore) createdHere(path string) bool {
	created := false
	eachInstance(path, func(table string, inst uint32) bool {
		if !m.base.inBase(table, inst) {
			created = true
			return false
		}
		return true
	})
	return created
}

// getDump is get for a device loaded from a dump; e is the entry of path.
func (m *MemStore) getDump(path string, e *model.Entry) (string, bool) {
	if e.Object || !m.instancesExist(path) {
		return "", false
	}
	// The device has what the dump lists and what is in instances created
	// since; a value set for anything else (the runtime writes its
	// identity and ACS) is not served.
	base, inDump := m.base.values[path]
	created := !inDump && m.createdHere(path)
	if !inDump && !created {
		return "", false
	}
	if v, ok := m.vals[path]; ok {
		return v, true
	}
	if t, ok := m.ix.numEntries[e.Path]; ok {
		// The device's count until the table changes on this device.
		table := strings.TrimSuffix(tableInstancePath(path, e.Path, t), "{i}.")
		if _, changed := m.tables[table]; changed || created {
			return strconv.Itoa(len(m.instances(table))), true
		}
	}
	if inDump {
		return base, true
	}
	return m.ix.defaultValue(e), true
}

// isDumpStore reports whether s is a MemStore loaded from a device dump:
// the device has what the dump says, and the runtime adds nothing to it.
func isDumpStore(s Store) bool {
	m, ok := s.(*MemStore)
	return ok && m.base.dump != nil
}

// HasObject implements ObjectPresence: a device loaded from a dump has
// the objects the dump lists and those the ACS has created since.
func (m *MemStore) HasObject(object string) bool {
	if m.base.dump == nil {
		return true
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.hasDumpObject(object)
}

func (m *MemStore) hasDumpObject(object string) bool {
	if m.base.dump == nil {
		return true
	}
	return m.base.dump.objects[object] || m.createdHere(object)
}

// ReportedType implements ReportedTyper: the xsi:type the dump recorded.
func (m *MemStore) ReportedType(path string) (string, bool) {
	if m.base.dump == nil {
		return "", false
	}
	t, ok := m.base.dump.types[path]
	return t, ok
}

// ObjectWritable implements ObjectWritability: the flag the dump recorded.
func (m *MemStore) ObjectWritable(object string) (bool, bool) {
	if m.base.dump == nil {
		return false, false
	}
	w, ok := m.base.dump.writable[object]
	return w, ok
}
