package model

import "sort"

// U64 returns a pointer to v; generated syntax literals use it for
// optional bounds.
func U64(v int64) *uint64 {
	u := uint64(v)
	return &u
}

// SortedKeys returns a table's instance numbers in ascending order, so
// that validators report violations in a stable order.
func SortedKeys[V any](m map[uint32]V) []uint32 {
	keys := make([]uint32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
