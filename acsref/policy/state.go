package policy

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// MapState is a DeviceState held in maps: the ACS fills it from its store
// and the session's answers; tests build it directly.
type MapState struct {
	DeviceFacts Facts
	DeviceRoot  string
	Values      map[string]Known
	// Tables lists the tables read completely (a GetParameterValues of
	// the table's path), so an empty one is known to be empty.
	Tables map[string]bool
	// AllTables: every table is known (the device's whole tree was
	// read), so a table without instances is empty.
	AllTables bool

	// instances indexes the instance numbers under each table path
	// ("Device.IP.Interface." → {1, 3}), kept by Set; nil when it must
	// be rebuilt (after Forget, or Values changed directly).
	instances map[string]map[uint32]bool
	indexed   int // len(Values) when the index was built
}

// NewMapState returns an empty state of a device.
func NewMapState(f Facts, root string) *MapState {
	return &MapState{DeviceFacts: f, DeviceRoot: root, Values: map[string]Known{}, Tables: map[string]bool{}}
}

func (m *MapState) Facts() Facts { return m.DeviceFacts }
func (m *MapState) Root() string { return m.DeviceRoot }

func (m *MapState) Get(path string) (Known, bool) {
	k, ok := m.Values[path]
	return k, ok
}

// Set records a value read or set at time t.
func (m *MapState) Set(path, value string, t time.Time) {
	_, had := m.Values[path]
	m.Values[path] = Known{Value: value, Updated: t}
	if m.instances != nil && !had {
		m.index(path)
		m.indexed = len(m.Values)
	}
}

// index adds the instance numbers a path names to the index: every
// numeric segment is an instance of the table before it.
func (m *MapState) index(path string) {
	for i := 0; i < len(path); {
		j := strings.IndexByte(path[i:], '.')
		if j < 0 {
			return
		}
		seg := path[i : i+j]
		if n, err := strconv.ParseUint(seg, 10, 32); err == nil && n > 0 && i > 0 {
			table := path[:i]
			if m.instances[table] == nil {
				m.instances[table] = map[uint32]bool{}
			}
			m.instances[table][uint32(n)] = true
		}
		i += j + 1
	}
}

// Forget drops everything known under a prefix (a deleted instance).
func (m *MapState) Forget(prefix string) {
	for k := range m.Values {
		if strings.HasPrefix(k, prefix) {
			delete(m.Values, k)
		}
	}
	m.instances = nil
}

func (m *MapState) Oldest(prefix string) (time.Time, bool) {
	var oldest time.Time
	found := false
	for k, v := range m.Values {
		if strings.HasPrefix(k, prefix) && (!found || v.Updated.Before(oldest)) {
			oldest, found = v.Updated, true
		}
	}
	return oldest, found
}

func (m *MapState) Instances(table string) ([]uint32, bool) {
	if m.instances == nil || m.indexed != len(m.Values) {
		m.instances = map[string]map[uint32]bool{}
		for k := range m.Values {
			m.index(k)
		}
		m.indexed = len(m.Values)
	}
	seen := m.instances[table]
	nums := make([]uint32, 0, len(seen))
	for n := range seen {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums, len(nums) > 0 || m.Tables[table] || m.AllTables
}
