package acsref

import (
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

// TaskResult is the result of a task (store.Task.Result): the fields of
// its RPC's answer, the same Go type for every task so that the NBI
// documents one schema (a negative test's result is a NegativeResult).
type TaskResult struct {
	// getParameterValues: [name, value, xsd type] of each parameter.
	ParameterValues [][3]string `json:"parameterValues,omitempty"`
	// getParameterNames.
	Parameters []ParameterName `json:"parameters,omitempty"`
	// getParameterAttributes, as the CPE answered.
	ParameterAttributes []cwmp.ParameterAttributeStruct `json:"parameterAttributes,omitempty"`
	// setParameterValues, addObject, deleteObject, download, upload: 0
	// applied, 1 applied once the CPE reboots (or the transfer runs).
	Status *int `json:"status,omitempty"`
	// addObject: the new instance and its path.
	InstanceNumber uint32 `json:"instanceNumber,omitempty"`
	Object         string `json:"object,omitempty"`
	// getRPCMethods.
	Methods []string `json:"methods,omitempty"`
	// getAllQueuedTransfers.
	Transfers []cwmp.AllQueuedTransferStruct `json:"transfers,omitempty"`
	// A transfer task cancelled by a cancelTransfer: that task's id.
	CancelledBy int64 `json:"cancelledBy,omitempty"`
	// A task found applied by the Inform's ParameterKey after its session
	// was lost.
	AlreadyApplied bool   `json:"alreadyApplied,omitempty"`
	ParameterKey   string `json:"parameterKey,omitempty"`
	// download, upload, scheduleDownload: the TransferComplete's times.
	StartTime    time.Time `json:"startTime,omitzero"`
	CompleteTime time.Time `json:"completeTime,omitzero"`
	// changeDUState: each operation's outcome.
	Results []DUResult `json:"results,omitempty"`
	// The discovery's (internal tasks): names and values read, RPCs
	// used, names the CPE refused one by one.
	Names   *int     `json:"names,omitempty"`
	Values  *int     `json:"values,omitempty"`
	RPCs    *int     `json:"rpcs,omitempty"`
	Refused []string `json:"refused,omitempty"`
	// Unread counts the names whose values the discovery's scope
	// ("model", "lazy": Scope) left to be read on demand.
	Unread *int   `json:"unread,omitempty"`
	Scope  string `json:"scope,omitempty"`
}

// ParameterName is one entry of a getParameterNames result.
type ParameterName struct {
	Name     string `json:"name"`
	Writable bool   `json:"writable"`
}

// DUResult is one operation's outcome in a changeDUState result.
type DUResult struct {
	UUID                 string    `json:"uuid"`
	DeploymentUnitRef    string    `json:"deploymentUnitRef"`
	Version              string    `json:"version"`
	CurrentState         string    `json:"currentState"`
	Resolved             bool      `json:"resolved"`
	ExecutionUnitRefList string    `json:"executionUnitRefList"`
	StartTime            time.Time `json:"startTime"`
	CompleteTime         time.Time `json:"completeTime"`
	FaultCode            int       `json:"faultCode,omitempty"`
	FaultString          string    `json:"faultString,omitempty"`
}

func intPtr(n int) *int { return &n }
