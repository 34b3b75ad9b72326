// Package policy is dmforge's auto-configuration: declarative provisioning
// policies and typed virtual parameters, checked against the BBF data
// models when they are applied, and a planner that computes, for one
// device's known state, the fewest CWMP RPCs that converge it.
//
// Groups (kind: Group) are named device sets, dynamic (a CEL match) or
// static (a list of ids), that policies may name; campaign.go is the
// engine of staged campaigns (firmware, task, policy), tz.go reads the
// time zones devices report for device-local maintenance windows.
//
// The package is pure: it parses documents, checks them against
// model.Schema lookups, compiles CEL expressions and plans over a
// DeviceState interface. It does no I/O; the ACS (package acsref) stores
// policies, feeds sessions' state in and sends the planned RPCs.
//
// A document is YAML or JSON (JSON is YAML: one parser, one format):
//
//	kind: Policy                 # or VirtualParameter, Group; Policy if absent
//	name: wan-defaults
//	model: Device:2              # InternetGatewayDevice:1, VoiceService:2, STBService:1
//	priority: 10                 # higher wins on the same parameter
//	match: device.productClass == "Lab Box" && Device.DeviceInfo.SoftwareVersion.startsWith("1.")
//	groups: [gold]               # and a member of one of these groups
//	rollout: campaign            # only where a campaign of it has started
//	triggers:
//	  events: [BOOTSTRAP, BOOT]  # no triggers: every session
//	  schedule: {every: 24h, spread: 1h}   # or {cron: "0 3 * * *", spread: 30m}
//	vendor: [X_00D09E_]          # vendor prefixes this policy may name
//	values:
//	  Device.ManagementServer.PeriodicInformInterval: 300
//	  Device.DeviceInfo.ProvisioningCode: {expr: '"pc-" + device.serial'}
//	objects:
//	  - table: Device.IP.Interface.
//	    key: {Alias: wan}
//	    values: {Enable: true}
//	    deleteOthers: false
//	attributes:
//	  - {path: Device.DeviceInfo.SoftwareVersion, notification: 2}
//	freshness:
//	  - {path: Device.DeviceInfo.UpTime, maxAge: 1h}
//	firmware: {version: "2.0.0", file: fw-2.0.0.bin}
//
// In expressions, device facts are device.id, device.oui,
// device.productClass, device.serial, device.manufacturer,
// device.softwareVersion, device.model and device.tags (a list); a
// parameter is named by its path (Device.IP.Interface.1.Enable) and has
// the CEL type of its TR-106 type; a virtual parameter is v.<name>.
package policy

import "time"

// Kinds of document.
const (
	KindPolicy  = "Policy"
	KindVirtual = "VirtualParameter"
	KindGroup   = "Group"
)

// Document is one parsed document: a policy or a virtual parameter.
type Document struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Model  string `json:"model"`
	Line   int    `json:"line"`
	Source string `json:"-"` // the text it was parsed from (stored as given)

	Policy  *Policy  `json:"policy,omitempty"`
	Virtual *Virtual `json:"virtual,omitempty"`
	Group   *Group   `json:"group,omitempty"`
}

// Group is a named set of devices: dynamic (a CEL match over the same
// facts, parameters and virtual parameters as a policy's match) or static
// (a list of device ids). Policies name groups in groups:.
type Group struct {
	Match   *Expr    `json:"match,omitempty"`
	Devices []string `json:"devices,omitempty"`
}

// Policy is a provisioning policy's desired state.
type Policy struct {
	Priority int      `json:"priority"`
	Match    *Expr    `json:"match,omitempty"`
	Groups   []string `json:"groups,omitempty"` // and the device is in one of them
	// Rollout "campaign": the policy reaches a device only once a
	// campaign of it has started there (applying it changes nothing).
	Rollout    string      `json:"rollout,omitempty"`
	Triggers   Triggers    `json:"triggers"`
	Vendor     []string    `json:"vendor,omitempty"`
	Values     []Value     `json:"values,omitempty"`
	Objects    []Object    `json:"objects,omitempty"`
	Attributes []Attribute `json:"attributes,omitempty"`
	Freshness  []Freshness `json:"freshness,omitempty"`
	Firmware   *Firmware   `json:"firmware,omitempty"`
	Line       int         `json:"-"`
}

// Virtual is a typed virtual parameter: a named CEL expression with a
// declared result type (a TR-106 type name).
type Virtual struct {
	Type string `json:"type"`
	Expr *Expr  `json:"expr"`
}

// Expr is a CEL expression as written, with its line.
type Expr struct {
	Source string `json:"source"`
	Line   int    `json:"line"`
}

// Value is one desired parameter value: a constant or an expression.
type Value struct {
	Path     string `json:"path"`
	Constant string `json:"constant,omitempty"`
	Expr     *Expr  `json:"expr,omitempty"`
	Line     int    `json:"line"`
}

// Object is an instance of a table identified by key values.
type Object struct {
	Table        string  `json:"table"` // "Device.IP.Interface."
	Key          []Value `json:"key"`   // relative paths
	Values       []Value `json:"values,omitempty"`
	DeleteOthers bool    `json:"deleteOthers,omitempty"`
	Line         int     `json:"line"`
}

// Attribute is a desired notification and access-list setting.
type Attribute struct {
	Path         string   `json:"path"`
	Notification *int     `json:"notification,omitempty"`
	AccessList   []string `json:"accessList,omitempty"`
	HasAccess    bool     `json:"-"`
	Line         int      `json:"line"`
}

// Freshness asks for a value to be re-read when older than MaxAge.
type Freshness struct {
	Path   string        `json:"path"`
	MaxAge time.Duration `json:"maxAge"`
	Line   int           `json:"line"`
}

// Firmware is the software version a device should run and the file (one
// the ACS serves) that provides it.
type Firmware struct {
	Version  string `json:"version"`
	File     string `json:"file"`
	FileType string `json:"fileType,omitempty"`
	Line     int    `json:"line"`
}

// Triggers say in which sessions a converged policy is looked at again.
// A policy that is not converged is looked at in every session.
type Triggers struct {
	Events   []string  `json:"events,omitempty"`
	Schedule *Schedule `json:"schedule,omitempty"`
	Line     int       `json:"-"`
}

// Schedule is an interval or a cron spec, with a per-device spread.
type Schedule struct {
	Every  time.Duration `json:"every,omitempty"`
	Cron   string        `json:"cron,omitempty"`
	Spread time.Duration `json:"spread,omitempty"`
	Line   int           `json:"line"`
}
