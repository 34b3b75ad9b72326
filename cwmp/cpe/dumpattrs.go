package cpe

import (
	"fmt"
	"strconv"
	"strings"
)

// The attributes a dump records for a parameter (GenieACS's Notification
// and "Access list" columns, or "_notification" and "_accessList" in its
// JSON) are the device's: a profile loaded from the dump answers
// GetParameterAttributes with them until the ACS sets others.

// maxNotification is the highest notification level TR-069 defines
// (A.3.2.4: 0 off, 1 passive, 2 active, 3–6 the lightweight and
// passive/active combinations of Amendment 5).
const maxNotification = 6

// Attributes reads the entry's attributes: has is false when the dump
// records none; an error names the cell that is not an attribute value
// (the attributes are then those it could read, which the profile
// serves).
func (e DumpEntry) Attributes() (a Attributes, has bool, err error) {
	if e.Notification != "" {
		n, perr := strconv.Atoi(e.Notification)
		if perr != nil || n < 0 || n > maxNotification {
			err = fmt.Errorf("notification %q is not a notification level (0 to %d)", truncateCell(e.Notification), maxNotification)
		} else {
			a.Notification, has = n, true
		}
	}
	if e.AccessList != "" {
		for _, name := range strings.FieldsFunc(e.AccessList, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			if name != "Subscriber" {
				// TR-069 A.3.2.4 defines one entry; the encoder sends
				// no other.
				if err == nil {
					err = fmt.Errorf("access list entry %q is not one TR-069 defines (Subscriber); left out", truncateCell(name))
				}
				continue
			}
			a.AccessList = append(a.AccessList, name)
		}
		has = has || len(a.AccessList) > 0
	}
	if e.Object && has {
		return Attributes{}, false, fmt.Errorf("an object has no attributes; GetParameterAttributes reports parameters")
	}
	return a, has, err
}

func truncateCell(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// seedAttributes gives a store loaded from a dump the attributes the dump
// records (at creation and after a factory reset, which returns the
// device to its dump).
func (m *MemStore) seedAttributes() {
	if m.base.dump == nil || len(m.base.dump.attrs) == 0 {
		return
	}
	changes := make(map[string]*Attributes, len(m.base.dump.attrs))
	for p, a := range m.base.dump.attrs {
		changes[p] = &a
	}
	_ = m.attrMap.SetAttributes(changes) // cannot fail in memory
}
