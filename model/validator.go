package model

import (
	"encoding/hex"
	"sort"
	"strings"
)

// Checker is what generated Validate methods report into: one call per
// field that its Go type alone does not make valid, each naming the
// field's schema entry (its index in Schema.Entries) so that the rule
// comes from the schema, and each check from CheckValue's family: no
// reflection, and no second copy of a TR-106 rule.
type Checker struct {
	entries []*Entry
	// SetOnly skips fields that hold their Go zero value: for a partly
	// filled struct, only what was set is checked.
	SetOnly bool
	// Violations found so far, with absolute paths when the walk started
	// at a root.
	Violations Violations
}

// NewChecker returns a Checker for the entries of s.
func NewChecker(s *Schema, setOnly bool) *Checker {
	return &Checker{entries: s.Entries(), SetOnly: setOnly}
}

func (c *Checker) add(prefix, name string, err *ValueError) {
	c.Violations = append(c.Violations, Violation{Path: prefix + name, Err: err})
}

// String checks a string (or enumeration) field.
func (c *Checker) String(prefix, name string, entry int, v string) {
	if c.SetOnly && v == "" {
		return
	}
	if err := CheckString(c.entries[entry].Syntax, v); err != nil {
		c.add(prefix, name, err)
	}
}

// Int checks an int or long field.
func (c *Checker) Int(prefix, name string, entry int, v int64) {
	if c.SetOnly && v == 0 {
		return
	}
	if err := CheckInt(c.entries[entry].Syntax, v); err != nil {
		c.add(prefix, name, err)
	}
}

// Uint checks an unsignedInt or unsignedLong field.
func (c *Checker) Uint(prefix, name string, entry int, v uint64) {
	if c.SetOnly && v == 0 {
		return
	}
	if err := CheckUint(c.entries[entry].Syntax, v); err != nil {
		c.add(prefix, name, err)
	}
}

// Bytes checks a base64 or hexBinary field.
func (c *Checker) Bytes(prefix, name string, entry int, v []byte) {
	if c.SetOnly && len(v) == 0 {
		return
	}
	if err := CheckBytes(c.entries[entry].Syntax, v); err != nil {
		c.add(prefix, name, err)
	}
}

// Wire checks a field by its wire form (decimals, lists); set says
// whether the field holds more than its zero value.
func (c *Checker) Wire(prefix, name string, entry int, wire string, set bool) {
	if c.SetOnly && !set {
		return
	}
	if err := CheckValue(c.entries[entry].Syntax, wire); err != nil {
		c.add(prefix, name, err)
	}
}

// JoinStrings is the wire form of a list of strings or enumeration values.
func JoinStrings[S ~string](xs []S) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(x))
	}
	return b.String()
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

// HexBinary is the Go type of hexBinary values: bytes that travel, and
// marshal to JSON, as hex digits.
type HexBinary []byte

// String returns the hex digits.
func (h HexBinary) String() string { return hex.EncodeToString(h) }

// MarshalText renders the hex digits (so encoding/json writes a string).
func (h HexBinary) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText reads hex digits.
func (h *HexBinary) UnmarshalText(b []byte) error {
	out, err := hex.DecodeString(string(b))
	if err != nil {
		return err
	}
	*h = out
	return nil
}
