package cpe

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// DeviceProfile is the starting state of a kind of device: values, table
// instances and what the device really supports, loaded once (from JSON or
// a GenieACS CSV dump) and shared, read-only, by every MemStore built on it.
type DeviceProfile struct {
	schema *model.Schema
	// values holds the values the profile gives, by instance path.
	values map[string]string
	// tables holds table instances by table path ("Device.WiFi.SSID.").
	tables map[string][]uint32
	// present, when not nil, is the set of parameter schema paths the
	// device has; nil means every parameter of the schema.
	present map[string]bool
	// objSeen is the set of object schema paths the profile lists a
	// parameter of. An instance of a table the profile has no parameter
	// of (created later by AddObject) gets the model's parameters.
	objSeen map[string]bool
	// access overrides the model's access mode where the device differs.
	access map[string]model.Access
	// types overrides the model's wire type where the device reported another.
	types map[string]model.BaseType
	// extra holds parameters the model does not know, as the device had them.
	extra map[string]string
	// dump, when not nil, makes the profile exact: the device has only
	// what the dump lists (dumpprofile.go).
	dump *dumpTree
}

// NewDeviceProfile returns an empty profile: every parameter of the schema
// at its default, every table empty.
func NewDeviceProfile(schema *model.Schema) *DeviceProfile {
	return &DeviceProfile{schema: schema, values: map[string]string{}, tables: map[string][]uint32{}}
}

// Schema returns the profile's schema.
func (p *DeviceProfile) Schema() *model.Schema { return p.schema }

// Len returns the number of values the profile sets.
func (p *DeviceProfile) Len() int { return len(p.values) }

// MemStore is an in-memory Store for simulation. The schema and the profile
// are shared; a MemStore holds only what differs on its device, so many
// thousands fit in one process. It is safe for concurrent use.
type MemStore struct {
	mu     sync.RWMutex
	ix     *schemaIndex
	base   *DeviceProfile
	vals   map[string]string   // values set on this device, by instance path
	tables map[string][]uint32 // tables changed on this device (shadow base)
	next   map[string]uint32   // next instance number per table
	// attrMap keeps the attributes the ACS set (AttributeStore).
	attrMap
}

var (
	_ Store          = (*MemStore)(nil)
	_ AttributeStore = (*MemStore)(nil)
)

// NewMemStore returns a store with every parameter of schema at its default
// value and every table empty.
func NewMemStore(schema *model.Schema) *MemStore {
	return NewMemStoreFrom(NewDeviceProfile(schema))
}

// NewMemStoreFrom returns a store that starts from profile p.
func NewMemStoreFrom(p *DeviceProfile) *MemStore {
	m := &MemStore{ix: indexOf(p.schema), base: p}
	m.seedAttributes() // dumpattrs.go
	return m
}

// Schema returns the store's schema.
func (m *MemStore) Schema() *model.Schema { return m.ix.schema }

// Reset returns the store to its profile: a factory reset.
func (m *MemStore) Reset() {
	m.mu.Lock()
	m.vals, m.tables, m.next = nil, nil, nil
	m.mu.Unlock()
	m.attrMap.ResetAttributes("")
	m.seedAttributes()
}

// Get implements Store.
func (m *MemStore) Get(path string) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.get(path)
}

func (m *MemStore) get(path string) (string, bool) {
	e, ok := m.ix.schema.Lookup(path)
	if !ok {
		v, ok := m.base.extra[path]
		return v, ok
	}
	if m.base.dump != nil {
		return m.getDump(path, e)
	}
	if e.Object || !m.instancesExist(path) {
		return "", false
	}
	if v, ok := m.vals[path]; ok {
		return v, true
	}
	if t, ok := m.ix.numEntries[e.Path]; ok {
		// The table path with the instance numbers of path. A count is
		// present when the profile lists it or the table has instances.
		table := strings.TrimSuffix(tableInstancePath(path, e.Path, t), "{i}.")
		n := len(m.instances(table))
		if m.base.present != nil && !m.base.present[e.Path] && n == 0 {
			return "", false
		}
		return strconv.Itoa(n), true
	}
	if m.base.present != nil && !m.base.present[e.Path] {
		parent := model.ParentPath(e.Path)
		if m.base.objSeen[parent] || !strings.HasSuffix(parent, "{i}.") {
			return "", false
		}
	}
	if v, ok := m.base.values[path]; ok {
		return v, true
	}
	return m.ix.defaultValue(e), true
}

// tableInstancePath maps the schema path of a table (counted by the
// parameter at instance path p with schema path sp) to an instance path:
// both share the parent object.
func tableInstancePath(p, sp, table string) string {
	// p and sp end with the same parameter name; the parent instance path
	// is p up to its last dot, and the table's name follows it.
	parent := p[:strings.LastIndexByte(p, '.')+1]
	sparent := sp[:strings.LastIndexByte(sp, '.')+1]
	return parent + strings.TrimPrefix(table, sparent)
}

// instancesExist reports whether every instance named in path exists.
func (m *MemStore) instancesExist(path string) bool {
	return eachInstance(path, func(table string, inst uint32) bool {
		_, found := slices.BinarySearch(m.instances(table), inst)
		return found
	})
}

// Exists reports whether the object instance path ("Device.WiFi.SSID.2.",
// or a single-instance object) exists on the device.
func (m *MemStore) Exists(object string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.instancesExist(object) && m.hasDumpObject(object)
}

// Instances implements Store.
func (m *MemStore) Instances(table string) []uint32 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.instances(table))
}

func (m *MemStore) instances(table string) []uint32 {
	if t, ok := m.tables[table]; ok {
		return t
	}
	return m.base.tables[table]
}

// Set implements Store: it applies every value (the handlers have checked
// them).
func (m *MemStore) Set(values []model.ParameterValue) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vals == nil {
		m.vals = make(map[string]string, len(values))
	}
	for _, v := range values {
		if e, ok := m.ix.schema.Lookup(v.Name); ok && !e.Object {
			if b, ok := m.base.values[v.Name]; ok && b == v.Value {
				// Share the profile's string rather than keep a copy.
				m.vals[v.Name] = b
				continue
			}
		}
		m.vals[v.Name] = strings.Clone(v.Value)
	}
	return nil
}

// AddInstance implements Store. Instance numbers are never reused.
func (m *MemStore) AddInstance(table string) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.instancesExist(table) {
		return 0, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no such object "+table)
	}
	cur := m.instances(table)
	n := uint32(1)
	if len(cur) > 0 {
		n = cur[len(cur)-1] + 1
	}
	if m.next[table] > n {
		n = m.next[table]
	}
	if n == 0 { // wrapped
		return 0, cwmp.NewFault(cwmp.FaultResourcesExceeded, "")
	}
	if m.tables == nil {
		m.tables = map[string][]uint32{}
	}
	if m.next == nil {
		m.next = map[string]uint32{}
	}
	m.tables[table] = append(slices.Clip(slices.Clone(cur)), n)
	m.next[table] = n + 1
	return n, nil
}

// DeleteInstance implements Store.
func (m *MemStore) DeleteInstance(object string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	object = strings.TrimSuffix(object, ".")
	dot := strings.LastIndexByte(object, '.')
	table, num := object[:dot+1], object[dot+1:]
	var inst uint32
	if _, err := fmt.Sscan(num, &inst); err != nil {
		return cwmp.NewFault(cwmp.FaultInvalidParameterName, "not an instance: "+object)
	}
	cur := m.instances(table)
	i, found := slices.BinarySearch(cur, inst)
	if !found {
		return cwmp.NewFault(cwmp.FaultInvalidParameterName, "no such instance "+object+".")
	}
	if m.tables == nil {
		m.tables = map[string][]uint32{}
	}
	if m.next == nil {
		m.next = map[string]uint32{}
	}
	if m.next[table] <= inst {
		m.next[table] = inst + 1
	}
	m.tables[table] = slices.Delete(slices.Clone(cur), i, i+1)
	prefix := object + "."
	for k := range m.vals {
		if strings.HasPrefix(k, prefix) {
			delete(m.vals, k)
		}
	}
	for k := range m.tables {
		if strings.HasPrefix(k, prefix) {
			delete(m.tables, k)
		}
	}
	m.attrMap.ResetAttributes(prefix)
	return nil
}

// SetParameterKey implements ParameterKeySetter.
func (m *MemStore) SetParameterKey(key string) error {
	p := m.ix.root + "ManagementServer.ParameterKey"
	if _, ok := m.ix.schema.Lookup(p); !ok {
		return cwmp.NewFault(cwmp.FaultInternalError, "no ParameterKey in "+m.ix.schema.Model)
	}
	return m.Set([]model.ParameterValue{{Name: p, Value: key, Type: model.TypeString}})
}

// Access returns the access mode the device really has for the parameter
// at path, when its profile says it differs from the model.
func (m *MemStore) Access(path string) (model.Access, bool) {
	if m.base.access == nil {
		return "", false
	}
	sp, ok := model.SchemaPath(path)
	if !ok {
		return "", false
	}
	a, ok := m.base.access[sp]
	return a, ok
}

// Type returns the wire type the device really uses for the parameter at
// path, when its profile says it differs from the model's.
func (m *MemStore) Type(path string) (model.BaseType, bool) {
	if m.base.types == nil {
		return "", false
	}
	sp, ok := model.SchemaPath(path)
	if !ok {
		return "", false
	}
	t, ok := m.base.types[sp]
	return t, ok
}

// Values returns every parameter value the device has, sorted by path: a
// dump for uploads and debugging.
func (m *MemStore) Values() []model.ParameterValue {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []model.ParameterValue
	var walk func(obj, sobj string)
	walk = func(obj, sobj string) {
		for _, c := range m.ix.schema.Children(sobj) {
			name := strings.TrimPrefix(c.Path, sobj)
			switch {
			case !c.Object:
				if v, ok := m.get(obj + name); ok {
					out = append(out, model.ParameterValue{Name: obj + name, Value: v, Type: c.Syntax.WireType()})
				}
			case c.IsTable():
				table := obj + strings.TrimSuffix(name, "{i}.")
				for _, i := range m.instances(table) {
					walk(fmt.Sprintf("%s%d.", table, i), c.Path)
				}
			default:
				walk(obj+name, c.Path)
			}
		}
	}
	walk(m.ix.root, m.ix.root)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
