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
	m.Values[path] = Known{Value: value, Updated: t}
}

// Forget drops everything known under a prefix (a deleted instance).
func (m *MapState) Forget(prefix string) {
	for k := range m.Values {
		if strings.HasPrefix(k, prefix) {
			delete(m.Values, k)
		}
	}
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
	seen := map[uint32]bool{}
	for k := range m.Values {
		rest, ok := strings.CutPrefix(k, table)
		if !ok {
			continue
		}
		seg, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.ParseUint(seg, 10, 32); err == nil && n > 0 {
			seen[uint32(n)] = true
		}
	}
	nums := make([]uint32, 0, len(seen))
	for n := range seen {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums, len(nums) > 0 || m.Tables[table] || m.AllTables
}
