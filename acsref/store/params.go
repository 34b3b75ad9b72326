package store

import "strings"

// Helpers of the compact parameter schema (params_migration.go) both
// stores share.

// The flags column of a parameter row: the reported type's text id,
// shifted by flagTypeShift, the object bit and the writable state in the
// low bits (0: not reported, 1: false, 2: true). A row with no type and
// no name report has flags 0, which SQLite stores in no byte.
const (
	flagWritableMask = 3
	flagObject       = 4
	flagNameMask     = flagWritableMask | flagObject // what a name report sets
	flagTypeShift    = 3
)

// nameFlags are the low bits of a name report.
func nameFlags(writable *bool, object bool) int64 {
	var f int64
	if writable != nil {
		f = 1
		if *writable {
			f = 2
		}
	}
	if object {
		f |= flagObject
	}
	return f
}

// unpackFlags sets the parameter's writable and object fields from flags
// and returns the type's text id.
func unpackFlags(p *Parameter, flags int64) int64 {
	switch flags & flagWritableMask {
	case 1:
		p.Writable = new(bool)
	case 2:
		w := true
		p.Writable = &w
	}
	p.Object = flags&flagObject != 0
	return flags >> flagTypeShift
}

// prefixUpper returns the least string above every string starting with
// prefix, for an index range scan (path >= prefix AND path < upper), and
// false if there is none worth using (an empty prefix) or it is not
// ASCII-safe (PostgreSQL text must stay valid UTF-8): the callers then
// bound the scan from below only.
func prefixUpper(prefix string) (string, bool) {
	if prefix == "" {
		return "", false
	}
	last := prefix[len(prefix)-1]
	if last >= 0x7e {
		return "", false
	}
	return prefix[:len(prefix)-1] + string([]byte{last + 1}), true
}

// narrowPrefix reports whether a prefix query is best answered from the
// path dictionary (the paths under a second-level object or deeper, few
// for any fleet) rather than from the device's rows (all of them, for ""
// or the root object).
func narrowPrefix(prefix string) bool {
	_, ok := prefixUpper(prefix)
	return ok && strings.Count(prefix, ".") >= 2
}

// dictCache maps dictionary strings (paths, texts, device ids) to their
// ids for the SQLite writer, bounded: two generations of at most max
// entries each; a lookup in the old generation moves the entry to the new
// one, and a full new generation replaces the old. Entries written by a
// transaction that may still fail are staged and kept only on commit, so
// the cache never holds an id the database does not.
type dictCache struct {
	max      int
	cur, old map[string]int64
	staged   map[string]int64
}

func newDictCache(max int) *dictCache {
	return &dictCache{max: max, cur: map[string]int64{}, old: map[string]int64{}, staged: map[string]int64{}}
}

func (c *dictCache) get(s string) (int64, bool) {
	if id, ok := c.staged[s]; ok {
		return id, true
	}
	if id, ok := c.cur[s]; ok {
		return id, true
	}
	if id, ok := c.old[s]; ok {
		c.put(s, id)
		return id, true
	}
	return 0, false
}

func (c *dictCache) put(s string, id int64) {
	if len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[string]int64, c.max/4)
	}
	c.cur[s] = id
}

// stage records an id read or written inside the running transaction.
func (c *dictCache) stage(s string, id int64) { c.staged[s] = id }

// commit keeps the staged ids (the transaction committed); rollback drops
// them.
func (c *dictCache) commit() {
	for s, id := range c.staged {
		c.put(s, id)
	}
	clear(c.staged)
}

func (c *dictCache) rollback() { clear(c.staged) }
