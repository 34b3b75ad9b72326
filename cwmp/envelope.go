package cwmp

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// Envelope is one CWMP SOAP envelope: a header and one message. The zero
// Envelope (Body nil, empty Header) is the empty HTTP POST that ends a
// CWMP exchange direction.
type Envelope struct {
	// Namespace is the cwmp namespace: detected from what the peer sent
	// when decoding ("" if the document named none), and used for every
	// cwmp element when encoding (DefaultNamespace if "").
	Namespace Namespace
	Header    Header
	// Body is the RPC request or response, a *Fault, or an
	// *UnknownMethod; nil for an empty POST.
	Body Message
	// Issues lists what a decoder tolerated (Decoder.Tolerant): items of
	// a list dropped because they did not decode, and SOAP arrays whose
	// arrayType count disagrees with their items. Not encoded.
	Issues []DecodeIssue
}

// DecodeIssue is one fault of a message that did not stop its decoding.
type DecodeIssue struct {
	Line int    // line of the element
	Path string // the list ("GetParameterNamesResponse.ParameterList")
	Item int    // index of the item dropped; -1 for the list itself
	Name string // the item's Name, when it has one
	Msg  string
}

func (i DecodeIssue) String() string {
	where := i.Path
	if i.Item >= 0 {
		where = fmt.Sprintf("%s item %d", i.Path, i.Item)
		if i.Name != "" {
			where += " (" + i.Name + ")"
		}
	}
	return fmt.Sprintf("line %d: %s: %s", i.Line, where, i.Msg)
}

// IsEmpty reports whether env is an empty POST.
func (env *Envelope) IsEmpty() bool {
	return env == nil || (env.Body == nil && env.Header == Header{})
}

// Reply returns an envelope for answering env with msg: the same cwmp
// namespace and the same ID header, as TR-069 requires.
func (env *Envelope) Reply(msg Message) *Envelope {
	return &Envelope{Namespace: env.Namespace, Header: Header{ID: env.Header.ID}, Body: msg}
}

// Header holds the CWMP SOAP header elements. Zero values are absent
// elements.
type Header struct {
	// ID pairs a request with its response (mustUnderstand="1").
	ID string
	// HoldRequests, sent by the ACS, stops the CPE sending requests
	// (mustUnderstand="1").
	HoldRequests bool
	// NoMoreRequests is the deprecated CWMP 1.0 header by which a CPE said
	// it had no more requests to send.
	NoMoreRequests bool
	// SessionTimeout, sent by the CPE in its Inform (CWMP 1.3 and later),
	// is the session timeout in seconds it proposes.
	SessionTimeout uint32
	// SupportedCWMPVersions, sent by the CPE in its Inform (CWMP 1.4), lists
	// the protocol versions it supports, for example "1.0,1.1,1.2,1.3,1.4".
	SupportedCWMPVersions string
	// UseCWMPVersion, sent by the ACS in its InformResponse (CWMP 1.4),
	// names the protocol version of the session (mustUnderstand="1").
	UseCWMPVersion string
}

// ParseCWMPVersions splits a SupportedCWMPVersions value into its versions.
func ParseCWMPVersions(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

type messageType struct {
	since schemaGen
	new   func() Message
}

// NewMessage returns an empty message of the RPC named method, or nil if
// there is no such RPC.
func NewMessage(method string) Message {
	if mt, ok := messageTypes[method]; ok {
		return mt.new()
	}
	return nil
}

// MethodNames lists every RPC message name the package knows, requests
// and responses, in no particular order.
func MethodNames() []string {
	out := make([]string, 0, len(messageTypes))
	for name := range messageTypes {
		out = append(out, name)
	}
	return out
}

// MustUnderstandError reports header elements the decoder did not
// understand although they carried mustUnderstand="1". SOAP requires the
// receiver to answer with a MustUnderstand fault, which MustUnderstandFault
// builds; Decode returns the decoded envelope alongside this error so the
// reply can carry the request's ID.
type MustUnderstandError struct {
	Elements []xml.Name
}

func (e *MustUnderstandError) Error() string {
	names := make([]string, len(e.Elements))
	for i, n := range e.Elements {
		if n.Space != "" {
			names[i] = "{" + n.Space + "}" + n.Local
		} else {
			names[i] = n.Local
		}
	}
	return fmt.Sprintf("cwmp: header element(s) %s marked mustUnderstand are not understood", strings.Join(names, ", "))
}

// Fault returns the SOAP MustUnderstand fault that answers e.
func (e *MustUnderstandError) Fault() *Fault {
	return &Fault{SOAPCode: SOAPFaultMustUnderstand, SOAPString: e.Error()}
}

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }
