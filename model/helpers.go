package model

import (
	"errors"
	"strconv"
	"strings"
)

// U64 returns a pointer to v; generated syntax literals use it for
// optional bounds.
func U64(v int64) *uint64 {
	u := uint64(v)
	return &u
}

// ErrNotSupported is what generated CPE stubs return for an item the
// device does not implement.
var ErrNotSupported = errors.New("not supported by this device")

// Transactor makes a group of setter calls atomic: Begin before the first,
// Commit after the last, Rollback when one fails.
type Transactor interface {
	Begin() error
	Commit() error
	Rollback()
}

// ApplySetters calls set for every value in order, inside tx when there is
// one, stopping at the first failure.
func ApplySetters(tx Transactor, values []ParameterValue, set func(ParameterValue) error) error {
	if tx != nil {
		if err := tx.Begin(); err != nil {
			return err
		}
	}
	for _, v := range values {
		if err := set(v); err != nil {
			if tx != nil {
				tx.Rollback()
			}
			return err
		}
	}
	if tx != nil {
		return tx.Commit()
	}
	return nil
}

// SplitInstance splits an instance path "Device.WiFi.SSID.3." into its
// table path "Device.WiFi.SSID." and instance number 3.
func SplitInstance(object string) (table string, instance uint32, ok bool) {
	p := strings.TrimSuffix(object, ".")
	i := strings.LastIndexByte(p, '.')
	if i < 0 || p == object {
		return "", 0, false
	}
	n, err := strconv.ParseUint(p[i+1:], 10, 32)
	if err != nil {
		return "", 0, false
	}
	return p[:i+1], uint32(n), true
}
