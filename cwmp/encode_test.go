package cwmp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestEncodeRefusesSchemaViolations: the encoder is strict, each case
// below would be rejected by the BBF schema and must not be sent.
func TestEncodeRefusesSchemaViolations(t *testing.T) {
	long := strings.Repeat("x", 33)
	cases := []struct {
		name string
		env  *Envelope
		want string // in the error text
	}{
		{"CommandKey too long", &Envelope{Body: &Reboot{CommandKey: long}}, "CommandKey"},
		{"OUI lower case", &Envelope{Body: &Inform{DeviceID: DeviceIDStruct{OUI: "00d09e"}}}, "DeviceId.OUI"},
		{"bad event code", &Envelope{Body: &Inform{DeviceID: DeviceIDStruct{OUI: "00D09E"}, Event: []EventStruct{{EventCode: "BOOT"}}}}, "EventCode"},
		{"1.2 event in 1.0", &Envelope{Namespace: Namespace10, Body: &Inform{DeviceID: DeviceIDStruct{OUI: "00D09E"}, Event: []EventStruct{{EventCode: EventWakeup}}}}, "EventCode"},
		{"too many events", &Envelope{Body: &Inform{DeviceID: DeviceIDStruct{OUI: "00D09E"}, Event: make([]EventStruct, 65)}}, "at most 64"},
		{"object name without dot", &Envelope{Body: &AddObject{ObjectName: "Device.IP.Interface"}}, "ObjectName"},
		{"status 2", &Envelope{Body: &SetParameterValuesResponse{Status: 2}}, "Status"},
		{"instance 0", &Envelope{Body: &AddObjectResponse{InstanceNumber: 0}}, "InstanceNumber"},
		{"empty ParameterNames", &Envelope{Body: &GetParameterValues{}}, "at least 1"},
		{"bad int value", &Envelope{Body: &SetParameterValues{ParameterList: []ParameterValueStruct{{"A.b", "x", "xsd:int"}}}}, "not a valid xsd:int"},
		{"bad boolean value", &Envelope{Body: &SetParameterValues{ParameterList: []ParameterValueStruct{{"A.b", "yes", "xsd:boolean"}}}}, "xsd:boolean"},
		{"unknown xsi type", &Envelope{Body: &SetParameterValues{ParameterList: []ParameterValueStruct{{"A.b", "x", "xsd:base64"}}}}, "xsi:type"},
		{"control character", &Envelope{Body: &Reboot{CommandKey: "a\x00b"}}, "not allowed in XML"},
		{"invalid UTF-8", &Envelope{Body: &Reboot{CommandKey: "a\xffb"}}, "UTF-8"},
		{"notification 3 in 1.0", &Envelope{Namespace: Namespace10, Body: &GetParameterAttributesResponse{ParameterList: []ParameterAttributeStruct{{Name: "A.b", Notification: 3}}}}, "Notification"},
		{"bad access list", &Envelope{Body: &GetParameterAttributesResponse{ParameterList: []ParameterAttributeStruct{{Name: "A.b", AccessList: []string{"Admin"}}}}}, "AccessList"},
		{"ChangeDUState in 1.1", &Envelope{Namespace: Namespace11, Body: &ChangeDUState{Operations: []Operation{&UninstallOpStruct{UUID: "6ba7b811-9dad-11d1-80b4-00c04fd430c8"}}}}, "cwmp-1-2"},
		{"no operations", &Envelope{Body: &ChangeDUState{}}, "at least 1"},
		{"nil operation", &Envelope{Body: &ChangeDUState{Operations: []Operation{nil}}}, "nil operation"},
		{"bad UUID", &Envelope{Body: &ChangeDUState{Operations: []Operation{&UninstallOpStruct{UUID: "nope"}}}}, "UUID"},
		{"transfer fault 9003", &Envelope{Body: &TransferComplete{FaultStruct: FaultStruct{FaultCode: 9003}}}, "FaultCode"},
		{"fault code 7000", &Envelope{Body: NewFault(7000, "")}, "fault code 7000"},
		{"9020 in 1.0", &Envelope{Namespace: Namespace10, Body: NewFault(9020, "")}, "fault code 9020"},
		{"ACS code in SPV fault (1.2)", &Envelope{Body: &Fault{Code: 9003, SetParameterValuesFaults: []SetParameterValuesFault{{"A.b", 8003, ""}}}}, "8003"},
		{"year 10000", &Envelope{Body: &DownloadResponse{StartTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, "year"},
		{"session timeout in 1.0", &Envelope{Namespace: Namespace10, Header: Header{SessionTimeout: 30}, Body: &GetRPCMethods{}}, "cwmp-1-2"},
		{"bad version list", &Envelope{Header: Header{SupportedCWMPVersions: "1.0;1.4"}, Body: &GetRPCMethods{}}, "SupportedCWMPVersions"},
		{"unknown namespace", &Envelope{Namespace: "urn:dslforum-org:cwmp-1-9", Body: &GetRPCMethods{}}, "unsupported cwmp namespace"},
		{"three time windows", &Envelope{Body: &ScheduleDownload{FileType: "1 Firmware Upgrade Image", TimeWindowList: make([]TimeWindowStruct, 3)}}, "at most 2"},
		{"upload file type for download", &Envelope{Namespace: Namespace10, Body: &Download{FileType: "2 Vendor Log File"}}, "FileType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte("prefix")
			out, err := AppendEnvelope(dst, c.env)
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want an EncodeError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
			if string(out) != "prefix" {
				t.Errorf("output changed on error: %q", out)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, c.env); err == nil || buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes, err %v", buf.Len(), err)
			}
		})
	}
}

func TestEncodeDefaults(t *testing.T) {
	out, err := Marshal(&Envelope{Body: &SetParameterValues{
		ParameterList: []ParameterValueStruct{{Name: "A.b", Value: "v"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`,                  // DefaultNamespace
		`<Value xsi:type="xsd:string">v</Value>`,                  // empty Type
		`SOAP-ENC:arrayType="cwmp:ParameterValueStruct[1]"`,       // array count
		`<?xml version="1.0" encoding="UTF-8"?>`,                  // declaration
		`<ParameterKey></ParameterKey></cwmp:SetParameterValues>`, // required, empty
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s:\n%s", want, s)
		}
	}
	out, err = Marshal(&Envelope{Body: &DownloadResponse{Status: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "<StartTime>0001-01-01T00:00:00Z</StartTime>") {
		t.Errorf("unknown time not written as 0001-01-01T00:00:00Z:\n%s", out)
	}
	out, err = Marshal(&Envelope{Body: &GetParameterNames{ParameterPath: "Device.", NextLevel: true}})
	if err != nil || !strings.Contains(string(out), "<NextLevel>1</NextLevel>") {
		t.Errorf("boolean not written as 1: %s %v", out, err)
	}
	out, err = Marshal(&Envelope{Body: &GetOptionsResponse{OptionList: []OptionStruct{{OptionName: "o", IsTransferable: true}}}})
	if err != nil || !strings.Contains(string(out), "<IsTransferable>1</IsTransferable>") || strings.Contains(string(out), "ExpirationDate") {
		t.Errorf("OptionStruct encoding: %s %v", out, err)
	}
	// Faults: default strings and Client/Server by code.
	out, err = Marshal(&Envelope{Body: NewFault(FaultInvalidParameterName, "")})
	if err != nil || !strings.Contains(string(out), "<faultcode>Client</faultcode><faultstring>CWMP fault</faultstring>") ||
		!strings.Contains(string(out), "<FaultString>Invalid parameter name</FaultString>") {
		t.Errorf("fault encoding: %s %v", out, err)
	}
}
