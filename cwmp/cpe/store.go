// Package cpe runs the CPE side of TR-069: the session with the ACS, and
// handlers for every CPE method that check each path, value and access
// mode against the data model's schema before any vendor code runs.
//
// Vendor code (hand-written, or generated stubs from `dmforge gen cpe`)
// provides a Store: the device's values. The handlers only ever call it
// with paths, values and operations the schema allows.
package cpe

import "github.com/dmforge/dmforge/model"

// Store holds one device's parameter values, keyed by concrete instance
// path ("Device.WiFi.SSID.1.SSID"), as CWMP wire strings.
//
// Handlers check every request against the schema first (unknown path →
// 9005, wrong type → 9006, invalid value → 9007, not writable → 9008), so
// a Store sees only well-formed, writable paths and valid values. A Store
// may still refuse (return a *cwmp.Fault, e.g. 9001 or 9002, or any error,
// which becomes 9002 Internal error).
type Store interface {
	// Get returns the wire value of the parameter at path, and whether the
	// device has it (an instance that does not exist, or an optional
	// parameter the device does not support, is not present).
	Get(path string) (string, bool)
	// Set applies all values or none: SetParameterValues is atomic.
	Set(values []model.ParameterValue) error
	// Instances returns the instance numbers of a table, given its path
	// without instance ("Device.WiFi.SSID."), in ascending order.
	Instances(table string) []uint32
	// AddInstance creates a new instance of a writable table and returns
	// its number; its parameters take their defaults.
	AddInstance(table string) (uint32, error)
	// DeleteInstance removes an instance ("Device.WiFi.SSID.3.") and
	// everything under it.
	DeleteInstance(object string) error
}
