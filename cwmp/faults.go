package cwmp

import (
	"fmt"
	"strconv"
	"strings"
)

// FaultCode is a CWMP fault code: 8000-8899 for faults the ACS returns,
// 9000-9899 for faults the CPE returns (TR-069 Amendment 6, A.5).
type FaultCode uint32

// ACS fault codes (the ACS answers a CPE request with these).
const (
	FaultACSMethodNotSupported FaultCode = 8000
	FaultACSRequestDenied      FaultCode = 8001
	FaultACSInternalError      FaultCode = 8002
	FaultACSInvalidArguments   FaultCode = 8003
	FaultACSResourcesExceeded  FaultCode = 8004
	FaultACSRetryRequest       FaultCode = 8005
	FaultACSVersionIncompat    FaultCode = 8006
)

// CPE fault codes (the CPE answers an ACS request with these).
const (
	FaultMethodNotSupported             FaultCode = 9000
	FaultRequestDenied                  FaultCode = 9001
	FaultInternalError                  FaultCode = 9002
	FaultInvalidArguments               FaultCode = 9003
	FaultResourcesExceeded              FaultCode = 9004
	FaultInvalidParameterName           FaultCode = 9005
	FaultInvalidParameterType           FaultCode = 9006
	FaultInvalidParameterValue          FaultCode = 9007
	FaultNonWritableParameter           FaultCode = 9008
	FaultNotificationRequestRejected    FaultCode = 9009
	FaultFileTransferFailure            FaultCode = 9010
	FaultUploadFailure                  FaultCode = 9011
	FaultFileTransferAuthFailure        FaultCode = 9012
	FaultUnsupportedTransferProtocol    FaultCode = 9013
	FaultTransferMulticastJoin          FaultCode = 9014
	FaultTransferContactServer          FaultCode = 9015
	FaultTransferAccessFile             FaultCode = 9016
	FaultTransferCompleteDownload       FaultCode = 9017
	FaultTransferFileCorrupted          FaultCode = 9018
	FaultTransferFileAuthentication     FaultCode = 9019
	FaultTransferTimeWindows            FaultCode = 9020
	FaultCancelNotPermitted             FaultCode = 9021
	FaultInvalidUUIDFormat              FaultCode = 9022
	FaultUnknownExecutionEnv            FaultCode = 9023
	FaultDisabledExecutionEnv           FaultCode = 9024
	FaultDUExecutionEnvMismatch         FaultCode = 9025
	FaultDuplicateDeploymentUnit        FaultCode = 9026
	FaultSystemResourcesExceeded        FaultCode = 9027
	FaultUnknownDeploymentUnit          FaultCode = 9028
	FaultInvalidDeploymentUnitState     FaultCode = 9029
	FaultDUUpdateDowngradeNotPermitted  FaultCode = 9030
	FaultDUUpdateVersionNotSpecified    FaultCode = 9031
	FaultDUUpdateVersionAlreadyExisting FaultCode = 9032
)

type faultInfo struct {
	text   string
	client bool // SOAP faultcode Client (the request was at fault) rather than Server
}

// faultCatalogue holds the standard fault strings and SOAP fault types of
// TR-069 Amendment 6 (tables of A.5.1 and A.5.2).
var faultCatalogue = map[FaultCode]faultInfo{
	8000: {"Method not supported", false},
	8001: {"Request denied (no reason specified)", false},
	8002: {"Internal error", false},
	8003: {"Invalid arguments", true},
	8004: {"Resources exceeded", false},
	8005: {"Retry request", false},
	8006: {"ACS version incompatible with CPE", false},

	9000: {"Method not supported", false},
	9001: {"Request denied (no reason specified)", false},
	9002: {"Internal error", false},
	9003: {"Invalid arguments", true},
	9004: {"Resources exceeded", false},
	9005: {"Invalid parameter name", true},
	9006: {"Invalid parameter type", true},
	9007: {"Invalid parameter value", true},
	9008: {"Attempt to set a non-writable parameter", true},
	9009: {"Notification request rejected", false},
	9010: {"File transfer failure", false},
	9011: {"Upload failure", false},
	9012: {"File transfer server authentication failure", false},
	9013: {"Unsupported protocol for file transfer", false},
	9014: {"File transfer failure: unable to join multicast group", false},
	9015: {"File transfer failure: unable to contact file server", false},
	9016: {"File transfer failure: unable to access file", false},
	9017: {"File transfer failure: unable to complete download", false},
	9018: {"File transfer failure: file corrupted or otherwise unusable", false},
	9019: {"File transfer failure: file authentication failure", false},
	9020: {"File transfer failure: unable to complete download within specified time windows", false},
	9021: {"Cancelation of file transfer not permitted in current transfer state", true},
	9022: {"Invalid UUID Format", true},
	9023: {"Unknown Execution Environment", true},
	9024: {"Disabled Execution Environment", true},
	9025: {"Deployment Unit to Execution Environment Mismatch", true},
	9026: {"Duplicate Deployment Unit", true},
	9027: {"System Resources Exceeded", true},
	9028: {"Unknown Deployment Unit", true},
	9029: {"Invalid Deployment Unit State", true},
	9030: {"Invalid Deployment Unit Update - Downgrade not permitted", true},
	9031: {"Invalid Deployment Unit Update - Version not specified", true},
	9032: {"Invalid Deployment Unit Update - Version already exists", true},
}

// DefaultFaultString returns the standard fault string for code, or a
// generic one for vendor and reserved codes.
func DefaultFaultString(code FaultCode) string {
	if fi, ok := faultCatalogue[code]; ok {
		return fi.text
	}
	switch {
	case code >= 8800 && code <= 8899, code >= 9800 && code <= 9899:
		return "Vendor fault " + strconv.Itoa(int(code))
	case code >= 8000 && code <= 8799, code >= 9000 && code <= 9799:
		return "Fault " + strconv.Itoa(int(code))
	}
	return "Unknown fault " + strconv.Itoa(int(code))
}

// SOAPFaultCode returns the SOAP faultcode that goes with code: "Client" when
// the fault lies in the request, "Server" otherwise (vendor codes are
// reported as Server faults).
func (c FaultCode) SOAPFaultCode() string {
	if fi, ok := faultCatalogue[c]; ok && fi.client {
		return SOAPFaultClient
	}
	return SOAPFaultServer
}

// IsACS reports whether c is in the ACS fault range 8000-8899.
func (c FaultCode) IsACS() bool { return c >= 8000 && c <= 8899 }

// IsCPE reports whether c is in the CPE fault range 9000-9899.
func (c FaultCode) IsCPE() bool { return c >= 9000 && c <= 9899 }

func (c FaultCode) String() string { return strconv.Itoa(int(c)) }

// SOAP faultcode values. CWMP faults use Client and Server, unqualified as
// TR-069 shows them; the other two are SOAP-level faults and are emitted
// qualified with the envelope prefix.
const (
	SOAPFaultClient          = "Client"
	SOAPFaultServer          = "Server"
	SOAPFaultMustUnderstand  = "MustUnderstand"
	SOAPFaultVersionMismatch = "VersionMismatch"

	// CWMPFaultString is the SOAP faultstring of every CWMP fault.
	CWMPFaultString = "CWMP fault"
)

// Fault is a SOAP fault, normally carrying a cwmp:Fault detail. It is both
// a Message (a fault response to an RPC) and an error.
type Fault struct {
	// SOAPCode is the local part of the SOAP faultcode. Empty encodes as
	// Code.SOAPFaultCode().
	SOAPCode string
	// SOAPString is the SOAP faultstring. Empty encodes as "CWMP fault".
	SOAPString string

	// Code is the CWMP fault code; zero means the fault has no cwmp:Fault
	// detail (a SOAP-level fault such as MustUnderstand).
	Code FaultCode
	// String is the CWMP FaultString; empty encodes as
	// DefaultFaultString(Code).
	String string
	// SetParameterValuesFaults lists the per-parameter faults of a
	// SetParameterValues fault response.
	SetParameterValuesFaults []SetParameterValuesFault
}

// SetParameterValuesFault is one parameter's fault within a
// SetParameterValues fault response.
type SetParameterValuesFault struct {
	ParameterName string
	FaultCode     FaultCode
	FaultString   string
}

// NewFault returns a CWMP fault with code and message (or the standard
// string when message is empty).
func NewFault(code FaultCode, message string) *Fault {
	if message == "" {
		message = DefaultFaultString(code)
	}
	return &Fault{Code: code, String: message}
}

// MethodName implements Message.
func (*Fault) MethodName() string { return "Fault" }

func (f *Fault) Error() string {
	var b strings.Builder
	if f.Code == 0 {
		fmt.Fprintf(&b, "SOAP fault %s: %s", f.soapCode(), f.soapString())
		return b.String()
	}
	s := f.String
	if s == "" {
		s = DefaultFaultString(f.Code)
	}
	fmt.Fprintf(&b, "CWMP fault %d: %s", f.Code, s)
	for i, p := range f.SetParameterValuesFaults {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %d", p.ParameterName, p.FaultCode)
		if p.FaultString != "" {
			b.WriteString(" " + p.FaultString)
		}
	}
	if len(f.SetParameterValuesFaults) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

func (f *Fault) soapCode() string {
	if f.SOAPCode != "" {
		return f.SOAPCode
	}
	if f.Code == 0 {
		return SOAPFaultServer
	}
	return f.Code.SOAPFaultCode()
}

func (f *Fault) soapString() string {
	if f.SOAPString != "" {
		return f.SOAPString
	}
	return CWMPFaultString
}
