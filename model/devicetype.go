package model

// DeviceType is a device-type (DT) document: what one kind of CPE declares
// it supports of a data model (TR-106 Annex B, cwmp-devicetype schema).
type DeviceType struct {
	File     string
	Spec     string
	ModelRef string // "Device:2.11"
	Model    *Model `json:"-"` // the resolved model ModelRef names, when found
	Objects  []*DTObject
	Pos      Pos
}

// DTObject is what a DT document declares of one object.
type DTObject struct {
	Path       string
	Access     string // readOnly, create, delete, createDelete (or readWrite in older documents)
	MinEntries *int   `json:",omitempty"`
	MaxEntries *int   `json:",omitempty"` // Unbounded for "unbounded"
	Params     []*DTParam
	Pos        Pos
}

// DTParam is what a DT document declares of one parameter.
type DTParam struct {
	Name   string
	Access Access
	Syntax *Syntax `json:",omitempty"` // facets the device narrows the value to, if any
	Pos    Pos
}
