package cwmp

import "time"

// Message is the body of an envelope: one RPC request or response, or a
// *Fault. Every message type is a pointer to one of the structs below.
type Message interface {
	// MethodName is the body element's local name, for example "Inform"
	// or "GetParameterValuesResponse" ("Fault" for a *Fault).
	MethodName() string
}

// UnknownMethod is what Decode returns for a body element it does not know,
// such as a vendor RPC: the CPE answers it with FaultMethodNotSupported,
// the ACS with FaultACSMethodNotSupported.
type UnknownMethod struct {
	Namespace string
	Name      string
}

// MethodName implements Message.
func (m *UnknownMethod) MethodName() string { return m.Name }

// Status values of the responses that carry one: 0 when the change has been
// applied, 1 when it will be applied later (after a reboot, for example).
const (
	StatusApplied   = 0
	StatusCommitted = 1
)

// ---- CPE methods: the ACS calls them, the CPE answers ----

// GetRPCMethods asks the peer for the RPCs it supports; both CPE and ACS
// implement it.
type GetRPCMethods struct{}

// GetRPCMethodsResponse lists the supported RPCs.
type GetRPCMethodsResponse struct {
	MethodList []string `cwmp:"MethodList,array=xsd:string,items=1..,max=64,trim"`
}

// SetParameterValues sets parameter values.
type SetParameterValues struct {
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=cwmp:ParameterValueStruct"`
	ParameterKey  string                 `cwmp:"ParameterKey,max=32"`
}

// SetParameterValuesResponse reports StatusApplied or StatusCommitted.
type SetParameterValuesResponse struct {
	Status int `cwmp:"Status,range=0..1"`
}

// GetParameterValues reads parameter values; a name ending in "." names a
// partial path (a whole subtree).
type GetParameterValues struct {
	ParameterNames []string `cwmp:"ParameterNames,array=xsd:string,items=1..,max=256,trim"`
}

// GetParameterValuesResponse carries the values read.
type GetParameterValuesResponse struct {
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=cwmp:ParameterValueStruct"`
}

// GetParameterNames discovers parameters under ParameterPath.
type GetParameterNames struct {
	ParameterPath string `cwmp:"ParameterPath,max=256,trim"`
	NextLevel     bool   `cwmp:"NextLevel"`
}

// GetParameterNamesResponse lists the parameters found.
type GetParameterNamesResponse struct {
	ParameterList []ParameterInfoStruct `cwmp:"ParameterList,array=cwmp:ParameterInfoStruct"`
}

// SetParameterAttributes changes notification and access-list attributes.
type SetParameterAttributes struct {
	ParameterList []SetParameterAttributesStruct `cwmp:"ParameterList,array=cwmp:SetParameterAttributesStruct,items=1.."`
}

// SetParameterAttributesResponse acknowledges a SetParameterAttributes.
type SetParameterAttributesResponse struct{}

// GetParameterAttributes reads notification and access-list attributes.
type GetParameterAttributes struct {
	ParameterNames []string `cwmp:"ParameterNames,array=xsd:string,items=1..,max=256,trim"`
}

// GetParameterAttributesResponse carries the attributes read.
type GetParameterAttributesResponse struct {
	ParameterList []ParameterAttributeStruct `cwmp:"ParameterList,array=cwmp:ParameterAttributeStruct"`
}

// AddObject creates an instance of the multi-instance object ObjectName
// (which ends in ".").
type AddObject struct {
	ObjectName   string `cwmp:"ObjectName,max=256,check=objectName,trim"`
	ParameterKey string `cwmp:"ParameterKey,max=32"`
}

// AddObjectResponse gives the new instance number.
type AddObjectResponse struct {
	InstanceNumber uint32 `cwmp:"InstanceNumber,range=1..4294967295"`
	Status         int    `cwmp:"Status,range=0..1"`
}

// DeleteObject deletes the object instance ObjectName (which ends in ".").
type DeleteObject struct {
	ObjectName   string `cwmp:"ObjectName,max=256,check=objectName,trim"`
	ParameterKey string `cwmp:"ParameterKey,max=32"`
}

// DeleteObjectResponse reports StatusApplied or StatusCommitted.
type DeleteObjectResponse struct {
	Status int `cwmp:"Status,range=0..1"`
}

// Reboot reboots the CPE.
type Reboot struct {
	CommandKey string `cwmp:"CommandKey,max=32"`
}

// RebootResponse acknowledges a Reboot.
type RebootResponse struct{}

// Download asks the CPE to download a file.
type Download struct {
	CommandKey     string `cwmp:"CommandKey,max=32"`
	FileType       string `cwmp:"FileType,check=downloadFileType,trim"`
	URL            string `cwmp:"URL,max=256"`
	Username       string `cwmp:"Username,max=256"`
	Password       string `cwmp:"Password,max=256"`
	FileSize       uint32 `cwmp:"FileSize"`
	TargetFileName string `cwmp:"TargetFileName,max=256"`
	DelaySeconds   uint32 `cwmp:"DelaySeconds"`
	SuccessURL     string `cwmp:"SuccessURL,max=256"`
	FailureURL     string `cwmp:"FailureURL,max=256"`
}

// DownloadResponse reports whether the download completed (Status 0, with
// its times) or will be reported by a TransferComplete (Status 1, times
// unknown: the zero time).
type DownloadResponse struct {
	Status       int       `cwmp:"Status,range=0..1"`
	StartTime    time.Time `cwmp:"StartTime"`
	CompleteTime time.Time `cwmp:"CompleteTime"`
}

// Upload asks the CPE to upload a file.
type Upload struct {
	CommandKey   string `cwmp:"CommandKey,max=32"`
	FileType     string `cwmp:"FileType,check=uploadFileType,trim"`
	URL          string `cwmp:"URL,max=256"`
	Username     string `cwmp:"Username,max=256"`
	Password     string `cwmp:"Password,max=256"`
	DelaySeconds uint32 `cwmp:"DelaySeconds"`
}

// UploadResponse is like DownloadResponse, for uploads.
type UploadResponse struct {
	Status       int       `cwmp:"Status,range=0..1"`
	StartTime    time.Time `cwmp:"StartTime"`
	CompleteTime time.Time `cwmp:"CompleteTime"`
}

// FactoryReset resets the CPE to its factory defaults.
type FactoryReset struct{}

// FactoryResetResponse acknowledges a FactoryReset.
type FactoryResetResponse struct{}

// GetQueuedTransfers lists the transfers the ACS queued (deprecated in
// favour of GetAllQueuedTransfers).
type GetQueuedTransfers struct{}

// GetQueuedTransfersResponse lists queued transfers, at most 16.
type GetQueuedTransfersResponse struct {
	TransferList []QueuedTransferStruct `cwmp:"TransferList,array=cwmp:QueuedTransferStruct,items=0..16"`
}

// GetAllQueuedTransfers lists all queued transfers (CWMP 1.1 and later).
type GetAllQueuedTransfers struct{}

// GetAllQueuedTransfersResponse lists queued transfers, at most 16.
type GetAllQueuedTransfersResponse struct {
	TransferList []AllQueuedTransferStruct `cwmp:"TransferList,array=cwmp:AllQueuedTransferStruct,items=0..16"`
}

// ScheduleInform asks the CPE for an Inform after DelaySeconds.
type ScheduleInform struct {
	DelaySeconds uint32 `cwmp:"DelaySeconds"`
	CommandKey   string `cwmp:"CommandKey,max=32"`
}

// ScheduleInformResponse acknowledges a ScheduleInform.
type ScheduleInformResponse struct{}

// SetVouchers sets option vouchers (each a signed XML document, carried as
// base64).
type SetVouchers struct {
	VoucherList [][]byte `cwmp:"VoucherList,array=SOAP-ENC:base64,items=1.."`
}

// SetVouchersResponse acknowledges a SetVouchers.
type SetVouchersResponse struct{}

// GetOptions reads option settings; OptionName "" reads all.
type GetOptions struct {
	OptionName string `cwmp:"OptionName,max=64"`
}

// GetOptionsResponse lists the options.
type GetOptionsResponse struct {
	OptionList []OptionStruct `cwmp:"OptionList,array=cwmp:OptionStruct"`
}

// ScheduleDownload asks the CPE to download a file within one or two time
// windows (CWMP 1.2 and later).
type ScheduleDownload struct {
	CommandKey     string             `cwmp:"CommandKey,max=32"`
	FileType       string             `cwmp:"FileType,check=downloadFileType,trim"`
	URL            string             `cwmp:"URL,max=256"`
	Username       string             `cwmp:"Username,max=256"`
	Password       string             `cwmp:"Password,max=256"`
	FileSize       uint32             `cwmp:"FileSize"`
	TargetFileName string             `cwmp:"TargetFileName,max=256"`
	TimeWindowList []TimeWindowStruct `cwmp:"TimeWindowList,array=cwmp:TimeWindowStruct,items=1..2"`
}

// ScheduleDownloadResponse acknowledges a ScheduleDownload.
type ScheduleDownloadResponse struct{}

// CancelTransfer cancels a queued transfer (CWMP 1.2 and later).
type CancelTransfer struct {
	CommandKey string `cwmp:"CommandKey,max=32"`
}

// CancelTransferResponse acknowledges a CancelTransfer.
type CancelTransferResponse struct{}

// ChangeDUState installs, updates and uninstalls deployment units (CWMP 1.2
// and later). CommandKey is optional in the schema: "" omits it.
type ChangeDUState struct {
	Operations []Operation `cwmp:"Operations,repeated,items=1.."`
	CommandKey string      `cwmp:"CommandKey,omitempty,max=32"`
}

// ChangeDUStateResponse acknowledges a ChangeDUState.
type ChangeDUStateResponse struct{}

// ---- ACS methods: the CPE calls them, the ACS answers ----

// Inform opens every session.
type Inform struct {
	DeviceID      DeviceIDStruct         `cwmp:"DeviceId"`
	Event         []EventStruct          `cwmp:"Event,array=cwmp:EventStruct,items=0..64"`
	MaxEnvelopes  uint32                 `cwmp:"MaxEnvelopes"`
	CurrentTime   time.Time              `cwmp:"CurrentTime"`
	RetryCount    uint32                 `cwmp:"RetryCount"`
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=cwmp:ParameterValueStruct"`
}

// InformResponse answers an Inform; MaxEnvelopes is 1.
type InformResponse struct {
	MaxEnvelopes uint32 `cwmp:"MaxEnvelopes"`
}

// TransferComplete reports the end of a transfer the ACS asked for.
type TransferComplete struct {
	CommandKey   string      `cwmp:"CommandKey,max=32"`
	FaultStruct  FaultStruct `cwmp:"FaultStruct"`
	StartTime    time.Time   `cwmp:"StartTime"`
	CompleteTime time.Time   `cwmp:"CompleteTime"`
}

// TransferCompleteResponse acknowledges a TransferComplete.
type TransferCompleteResponse struct{}

// AutonomousTransferComplete reports the end of a transfer the ACS did not
// ask for (CWMP 1.1 and later).
type AutonomousTransferComplete struct {
	AnnounceURL    string      `cwmp:"AnnounceURL,max=1024"`
	TransferURL    string      `cwmp:"TransferURL,max=1024"`
	IsDownload     bool        `cwmp:"IsDownload"`
	FileType       string      `cwmp:"FileType,check=transferFileType,trim"`
	FileSize       uint32      `cwmp:"FileSize"`
	TargetFileName string      `cwmp:"TargetFileName,max=256"`
	FaultStruct    FaultStruct `cwmp:"FaultStruct"`
	StartTime      time.Time   `cwmp:"StartTime"`
	CompleteTime   time.Time   `cwmp:"CompleteTime"`
}

// AutonomousTransferCompleteResponse acknowledges an
// AutonomousTransferComplete.
type AutonomousTransferCompleteResponse struct{}

// DUStateChangeComplete reports the results of a ChangeDUState (CWMP 1.2 and
// later). CommandKey is optional in the schema: "" omits it.
type DUStateChangeComplete struct {
	Results    []OpResultStruct `cwmp:"Results,repeated,items=1.."`
	CommandKey string           `cwmp:"CommandKey,omitempty,max=32"`
}

// DUStateChangeCompleteResponse acknowledges a DUStateChangeComplete.
type DUStateChangeCompleteResponse struct{}

// AutonomousDUStateChangeComplete reports deployment-unit changes the ACS
// did not ask for (CWMP 1.2 and later).
type AutonomousDUStateChangeComplete struct {
	Results []AutonOpResultStruct `cwmp:"Results,repeated,items=1.."`
}

// AutonomousDUStateChangeCompleteResponse acknowledges an
// AutonomousDUStateChangeComplete.
type AutonomousDUStateChangeCompleteResponse struct{}

// RequestDownload asks the ACS to start a Download.
type RequestDownload struct {
	FileType    string      `cwmp:"FileType,check=downloadFileType,trim"`
	FileTypeArg []ArgStruct `cwmp:"FileTypeArg,array=cwmp:ArgStruct,items=0..16"`
}

// RequestDownloadResponse acknowledges a RequestDownload.
type RequestDownloadResponse struct{}

// Kicked reports a web-browser "kick" of the CPE (deprecated).
type Kicked struct {
	Command string `cwmp:"Command,max=32"`
	Referer string `cwmp:"Referer,max=64"`
	Arg     string `cwmp:"Arg,max=256"`
	Next    string `cwmp:"Next,max=1024"`
}

// KickedResponse gives the URL to send the browser to.
type KickedResponse struct {
	NextURL string `cwmp:"NextURL,max=1024"`
}
