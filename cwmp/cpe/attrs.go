package cpe

import (
	"slices"
	"strings"
	"sync"
)

// Attributes are the attributes of one parameter that the ACS sets with
// SetParameterAttributes (TR-069 A.3.2.4).
type Attributes struct {
	// Notification is 0 (off), 1 (passive) or 2 (active).
	Notification int
	// AccessList lists who besides the ACS may write the parameter
	// ("Subscriber"); empty means the ACS only.
	AccessList []string
}

// AttributeStore is an optional Store interface: a Store that keeps the
// attributes the ACS has set, so that they survive a reboot as TR-069
// requires of a real device. Without it the handler keeps them in memory.
// Only attributes that differ from a parameter's defaults are stored.
type AttributeStore interface {
	// Attributes returns the attributes set for the parameter at path.
	Attributes(path string) (Attributes, bool)
	// SetAttributes applies all changes or none: a nil value restores the
	// parameter's default attributes.
	SetAttributes(changes map[string]*Attributes) error
	// RangeAttributes calls fn for every parameter with attributes set.
	RangeAttributes(fn func(path string, a Attributes))
	// ResetAttributes drops every attribute (factory reset), and those
	// under an object instance path prefix when prefix is not "" (the
	// instance was deleted).
	ResetAttributes(prefix string)
}

// attrMap is an AttributeStore in memory: the handler's own, for Stores
// that keep no attributes, and MemStore's.
type attrMap struct {
	mu sync.RWMutex
	m  map[string]Attributes
}

func (a *attrMap) Attributes(path string) (Attributes, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	v, ok := a.m[path]
	return v, ok
}

func (a *attrMap) SetAttributes(changes map[string]*Attributes) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for p, v := range changes {
		if v == nil {
			delete(a.m, p)
			continue
		}
		if a.m == nil {
			a.m = map[string]Attributes{}
		}
		a.m[p] = Attributes{Notification: v.Notification, AccessList: slices.Clone(v.AccessList)}
	}
	return nil
}

func (a *attrMap) RangeAttributes(fn func(path string, a Attributes)) {
	a.mu.RLock()
	snapshot := make(map[string]Attributes, len(a.m))
	for p, v := range a.m {
		snapshot[p] = v
	}
	a.mu.RUnlock()
	for p, v := range snapshot {
		fn(p, v)
	}
}

func (a *attrMap) ResetAttributes(prefix string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if prefix == "" {
		a.m = nil
		return
	}
	for p := range a.m {
		if strings.HasPrefix(p, prefix) {
			delete(a.m, p)
		}
	}
}
