package cwmp

import "time"

// ParameterValueStruct is a parameter name and value. Type is the value's
// xsi:type as "xsd:<type>" (for example "xsd:string", "xsd:unsignedInt",
// "xsd:boolean", "xsd:dateTime", "xsd:base64Binary"); a decoded value that
// had no xsi:type has Type "" and the caller decides. An empty Type encodes
// as "xsd:string". Value is the raw text as sent, untrimmed.
type ParameterValueStruct struct {
	Name  string
	Value string
	Type  string
}

// DeviceIDStruct identifies the CPE in an Inform (element DeviceId).
type DeviceIDStruct struct {
	Manufacturer string `cwmp:"Manufacturer,max=64"`
	OUI          string `cwmp:"OUI,check=oui,trim"`
	ProductClass string `cwmp:"ProductClass,max=64"`
	SerialNumber string `cwmp:"SerialNumber,max=64"`
}

// EventStruct is one event of an Inform.
type EventStruct struct {
	EventCode  string `cwmp:"EventCode,check=eventCode,trim"`
	CommandKey string `cwmp:"CommandKey,max=32"`
}

// ParameterInfoStruct is one entry of a GetParameterNamesResponse.
type ParameterInfoStruct struct {
	Name     string `cwmp:"Name,max=256,trim"`
	Writable bool   `cwmp:"Writable"`
}

// SetParameterAttributesStruct is one entry of a SetParameterAttributes.
type SetParameterAttributesStruct struct {
	Name               string   `cwmp:"Name,max=256,trim"`
	NotificationChange bool     `cwmp:"NotificationChange"`
	Notification       int      `cwmp:"Notification,check=notification"`
	AccessListChange   bool     `cwmp:"AccessListChange"`
	AccessList         []string `cwmp:"AccessList,array=xsd:string,check=accessList,trim"`
}

// ParameterAttributeStruct is one entry of a GetParameterAttributesResponse.
type ParameterAttributeStruct struct {
	Name         string   `cwmp:"Name,max=256,trim"`
	Notification int      `cwmp:"Notification,check=notification"`
	AccessList   []string `cwmp:"AccessList,array=xsd:string,check=accessList,trim"`
}

// TimeWindowStruct is one time window of a ScheduleDownload.
type TimeWindowStruct struct {
	WindowStart uint32 `cwmp:"WindowStart"`
	WindowEnd   uint32 `cwmp:"WindowEnd"`
	WindowMode  string `cwmp:"WindowMode,check=windowMode,trim"`
	UserMessage string `cwmp:"UserMessage,max=256"`
	MaxRetries  int    `cwmp:"MaxRetries,range=-2147483648..2147483647"`
}

// Transfer states of QueuedTransferStruct and AllQueuedTransferStruct.
const (
	TransferNotStarted = 1
	TransferInProgress = 2
	TransferCompleted  = 3
)

// QueuedTransferStruct is one entry of a GetQueuedTransfersResponse.
type QueuedTransferStruct struct {
	CommandKey string `cwmp:"CommandKey,max=32"`
	State      int    `cwmp:"State,range=1..3"`
}

// AllQueuedTransferStruct is one entry of a GetAllQueuedTransfersResponse.
type AllQueuedTransferStruct struct {
	CommandKey     string `cwmp:"CommandKey,max=32"`
	State          int    `cwmp:"State,range=1..3"`
	IsDownload     bool   `cwmp:"IsDownload"`
	FileType       string `cwmp:"FileType,check=transferFileType,trim"`
	FileSize       uint32 `cwmp:"FileSize"`
	TargetFileName string `cwmp:"TargetFileName,max=256"`
}

// OptionStruct is one entry of a GetOptionsResponse. ExpirationDate is
// optional: the zero time omits it.
type OptionStruct struct {
	OptionName     string    `cwmp:"OptionName,max=64"`
	VoucherSN      uint32    `cwmp:"VoucherSN"`
	State          int       `cwmp:"State,range=0..3"`
	Mode           int       `cwmp:"Mode,range=0..2"`
	StartDate      time.Time `cwmp:"StartDate"`
	ExpirationDate time.Time `cwmp:"ExpirationDate,omitempty"`
	IsTransferable bool      `cwmp:"IsTransferable"`
}

// ArgStruct is one argument of a RequestDownload.
type ArgStruct struct {
	Name  string `cwmp:"Name,max=64"`
	Value string `cwmp:"Value,max=256"`
}

// FaultStruct is the outcome of a file transfer in TransferComplete and
// AutonomousTransferComplete: FaultCode 0 for success.
type FaultStruct struct {
	FaultCode   FaultCode `cwmp:"FaultCode,check=transferFault"`
	FaultString string    `cwmp:"FaultString,max=256"`
}

// DUFaultStruct is the outcome of one deployment-unit operation
// (DeploymentUnitFaultStruct): FaultCode 0 for success.
type DUFaultStruct struct {
	FaultCode   FaultCode `cwmp:"FaultCode,check=duFault"`
	FaultString string    `cwmp:"FaultString,omitempty"`
}

// Deployment unit states of OpResultStruct.CurrentState.
const (
	DUStateInstalled   = "Installed"
	DUStateUninstalled = "Uninstalled"
	DUStateFailed      = "Failed"
)

// OpResultStruct is the result of one ChangeDUState operation.
type OpResultStruct struct {
	UUID                 string        `cwmp:"UUID,check=uuid,trim"`
	DeploymentUnitRef    string        `cwmp:"DeploymentUnitRef"`
	Version              string        `cwmp:"Version,max=32"`
	CurrentState         string        `cwmp:"CurrentState,check=duState,trim"`
	Resolved             bool          `cwmp:"Resolved"`
	ExecutionUnitRefList string        `cwmp:"ExecutionUnitRefList"`
	StartTime            time.Time     `cwmp:"StartTime"`
	CompleteTime         time.Time     `cwmp:"CompleteTime"`
	Fault                DUFaultStruct `cwmp:"Fault"`
}

// AutonOpResultStruct is the result of one autonomous deployment-unit
// operation.
type AutonOpResultStruct struct {
	OpResultStruct
	OperationPerformed string `cwmp:"OperationPerformed"`
}

// Operation is one operation of a ChangeDUState: *InstallOpStruct,
// *UpdateOpStruct or *UninstallOpStruct. On the wire it is an Operations
// element whose xsi:type names the operation.
type Operation interface {
	// OperationType is the xsi:type local name: "InstallOpStruct",
	// "UpdateOpStruct" or "UninstallOpStruct".
	OperationType() string
}

// InstallOpStruct installs a deployment unit. Optional fields are omitted
// when empty.
type InstallOpStruct struct {
	URL             string `cwmp:"URL,check=anyURI,max=1024"`
	UUID            string `cwmp:"UUID,omitempty,check=uuid,trim"`
	Username        string `cwmp:"Username,omitempty,max=256"`
	Password        string `cwmp:"Password,omitempty,max=256"`
	ExecutionEnvRef string `cwmp:"ExecutionEnvRef,omitempty,max=256"`
}

// UpdateOpStruct updates a deployment unit. Optional fields are omitted
// when empty.
type UpdateOpStruct struct {
	UUID     string `cwmp:"UUID,omitempty,check=uuid,trim"`
	Version  string `cwmp:"Version,omitempty,max=32"`
	URL      string `cwmp:"URL,omitempty,check=anyURI,max=1024"`
	Username string `cwmp:"Username,omitempty,max=256"`
	Password string `cwmp:"Password,omitempty,max=256"`
}

// UninstallOpStruct uninstalls a deployment unit. Optional fields are
// omitted when empty.
type UninstallOpStruct struct {
	UUID            string `cwmp:"UUID,check=uuid,trim"`
	Version         string `cwmp:"Version,omitempty,max=32"`
	ExecutionEnvRef string `cwmp:"ExecutionEnvRef,omitempty,max=256"`
}

// OperationType implements Operation.
func (*InstallOpStruct) OperationType() string { return "InstallOpStruct" }

// OperationType implements Operation.
func (*UpdateOpStruct) OperationType() string { return "UpdateOpStruct" }

// OperationType implements Operation.
func (*UninstallOpStruct) OperationType() string { return "UninstallOpStruct" }
