package cwmp

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The corpus in testdata/corpus holds messages shaped like what real CPEs
// and ACSs send (written for this package, not captured): assorted
// prefixes, default namespaces, undeclared prefixes, lying or missing
// arrayType, missing xsi:type, BOM, no XML declaration, CRLF and tabs,
// Latin-1, trailing NULs, and the unsafe documents that must be refused.
// Each file's decoded content is asserted.

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decodeCorpus(t *testing.T, name string) *Envelope {
	t.Helper()
	env, err := Decode(readCorpus(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return env
}

func body[T Message](t *testing.T, env *Envelope) T {
	t.Helper()
	m, ok := env.Body.(T)
	if !ok {
		t.Fatalf("body is %T, want %T", env.Body, *new(T))
	}
	return m
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestCorpusInformSoapenvCWMP10(t *testing.T) {
	env := decodeCorpus(t, "inform-soapenv-cwmp10.xml")
	eq(t, "namespace", env.Namespace, Namespace10)
	eq(t, "ID", env.Header.ID, "1804289383")
	in := body[*Inform](t, env)
	eq(t, "DeviceID", in.DeviceID, DeviceIDStruct{"ExampleCorp", "00D09E", "HG-1000", "00D09E-HG1000-0001"})
	if len(in.Event) != 2 || in.Event[0] != (EventStruct{EventBoot, ""}) || in.Event[1] != (EventStruct{EventMReboot, "reboot-42"}) {
		t.Errorf("events = %+v", in.Event)
	}
	eq(t, "MaxEnvelopes", in.MaxEnvelopes, 1)
	if want := time.Date(2024, 3, 1, 11, 34, 56, 0, time.UTC); !in.CurrentTime.Equal(want) {
		t.Errorf("CurrentTime = %v, want %v", in.CurrentTime, want)
	}
	_, off := in.CurrentTime.Zone()
	eq(t, "CurrentTime offset", off, 3600)
	want := []ParameterValueStruct{
		{"InternetGatewayDevice.DeviceSummary", "InternetGatewayDevice:1.1[](Baseline:1, EthernetLAN:1)", "xsd:string"},
		{"InternetGatewayDevice.DeviceInfo.HardwareVersion", "rev <B> & co", "xsd:string"},
		{"InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "86400", "xsd:unsignedInt"},
		{"InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://192.0.2.10:7547/cr", "xsd:string"},
	}
	if d := equalMessages(in.ParameterList, want); d != "" {
		t.Errorf("ParameterList differs: %s", d)
	}
}

func TestCorpusInformBOMNoDeclarationCWMP14(t *testing.T) {
	env := decodeCorpus(t, "inform-bom-nodecl-cwmp14.xml")
	eq(t, "namespace", env.Namespace, Namespace12)
	eq(t, "header", env.Header, Header{ID: "a1b2", SessionTimeout: 60, SupportedCWMPVersions: "1.0,1.1,1.2,1.3,1.4"})
	eq(t, "versions", len(ParseCWMPVersions(env.Header.SupportedCWMPVersions)), 5)
	in := body[*Inform](t, env)
	// arrayType says 1 event and 5 parameters; the elements say 2 and 3.
	if len(in.Event) != 2 || in.Event[0].EventCode != EventBootstrap || in.Event[1].EventCode != EventBoot {
		t.Errorf("events = %+v", in.Event)
	}
	eq(t, "RetryCount", in.RetryCount, 2)
	want := []ParameterValueStruct{
		{"Device.RootDataModelVersion", "2.15", "xsd:string"},
		{"Device.DeviceInfo.UpTime", "3600", ""}, // no xsi:type: the caller decides
		{"Device.ManagementServer.ParameterKey", "", "xsd:string"},
	}
	if d := equalMessages(in.ParameterList, want); d != "" {
		t.Errorf("ParameterList differs: %s", d)
	}
}

func TestCorpusInformSoapPrefixNamespace14NoArrayType(t *testing.T) {
	env := decodeCorpus(t, "inform-soap-prefix-ns14-no-arraytype.xml")
	eq(t, "namespace", env.Namespace, Namespace14)
	eq(t, "ID", env.Header.ID, "77") // vendor headers without mustUnderstand are ignored
	in := body[*Inform](t, env)
	eq(t, "OUI (trimmed)", in.DeviceID.OUI, "001122")
	if len(in.Event) != 2 || in.Event[1].EventCode != "X 001122 Button Pressed" || !IsVendorEvent(in.Event[1].EventCode) {
		t.Errorf("events = %+v", in.Event)
	}
	// No zone: read as UTC.
	if want := time.Date(2024, 1, 15, 8, 0, 0, 0, time.UTC); !in.CurrentTime.Equal(want) {
		t.Errorf("CurrentTime = %v", in.CurrentTime)
	}
	want := []ParameterValueStruct{
		{"Device.DeviceInfo.SoftwareVersion", "1.2.3", "xsd:string"},
		{"Device.ManagementServer.PeriodicInformEnable", "true", "xsd:boolean"},
	}
	if d := equalMessages(in.ParameterList, want); d != "" {
		t.Errorf("ParameterList differs: %s", d)
	}
	// The reply goes out in the namespace the CPE used.
	out, err := Marshal(env.Reply(&InformResponse{MaxEnvelopes: 1}))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(out)
	if err != nil || back.Namespace != Namespace14 || back.Header.ID != "77" {
		t.Errorf("reply decodes as %+v, %v", back, err)
	}
}

func TestCorpusInformDefaultNamespaces(t *testing.T) {
	env := decodeCorpus(t, "inform-default-namespaces.xml")
	eq(t, "namespace", env.Namespace, Namespace11)
	eq(t, "ID", env.Header.ID, "id-5")
	in := body[*Inform](t, env)
	eq(t, "Manufacturer", in.DeviceID.Manufacturer, "NoPrefix Inc")
	eq(t, "RetryCount (padded)", in.RetryCount, 3)
	if !in.CurrentTime.IsZero() {
		t.Errorf("the unknown time decodes as %v, want the zero time", in.CurrentTime)
	}
	if len(in.ParameterList) != 1 {
		t.Fatalf("ParameterList = %+v", in.ParameterList)
	}
	// Names are trimmed; values are kept as sent; an unprefixed xsi:type
	// naming an XML Schema type is normalised.
	eq(t, "param", in.ParameterList[0], ParameterValueStruct{"Device.WiFi.SSID.1.SSID", "  my net  ", "xsd:string"})
}

func TestCorpusSetParameterValuesFaultCRLF(t *testing.T) {
	env := decodeCorpus(t, "spv-fault-crlf.xml")
	eq(t, "ID", env.Header.ID, "spv-1")
	f := body[*Fault](t, env)
	eq(t, "SOAPCode", f.SOAPCode, SOAPFaultClient)
	eq(t, "SOAPString", f.SOAPString, CWMPFaultString)
	eq(t, "Code", f.Code, FaultInvalidArguments)
	eq(t, "String", f.String, "Invalid arguments")
	want := []SetParameterValuesFault{
		{"InternetGatewayDevice.Time.NTPServer1", FaultInvalidParameterValue, "Invalid parameter value"},
		{"InternetGatewayDevice.DeviceInfo.Manufacturer", FaultNonWritableParameter, "Attempt to set a non-writable parameter"},
	}
	if d := equalMessages(f.SetParameterValuesFaults, want); d != "" {
		t.Errorf("SetParameterValuesFaults differ: %s", d)
	}
	var err error = f
	var asFault *Fault
	if !errors.As(err, &asFault) || asFault.Code != 9003 {
		t.Error("a Fault is not usable as an error")
	}
}

func TestCorpusLatin1(t *testing.T) {
	env := decodeCorpus(t, "gpv-response-latin1.xml")
	r := body[*GetParameterValuesResponse](t, env)
	if len(r.ParameterList) != 2 {
		t.Fatalf("ParameterList = %+v", r.ParameterList)
	}
	eq(t, "value", r.ParameterList[0].Value, "Café router")
	eq(t, "dateTime value", r.ParameterList[1], ParameterValueStruct{"Device.Time.CurrentLocalTime", "2024-02-29T10:00:00+05:30", "xsd:dateTime"})
}

func TestCorpusUndeclaredPrefixes(t *testing.T) {
	env := decodeCorpus(t, "transfer-complete-undeclared-prefixes.xml")
	eq(t, "namespace (none declared)", env.Namespace, Namespace(""))
	eq(t, "ID", env.Header.ID, "tc-3")
	tc := body[*TransferComplete](t, env)
	eq(t, "CommandKey", tc.CommandKey, "fw-2024-05")
	eq(t, "FaultStruct", tc.FaultStruct, FaultStruct{FaultFileTransferFailure, "Download failed: timeout"})
	if want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC); !tc.StartTime.Equal(want) {
		t.Errorf("StartTime (space for T) = %v", tc.StartTime)
	}
	if !tc.CompleteTime.IsZero() {
		t.Errorf("unreadable CompleteTime = %v, want the unknown (zero) time", tc.CompleteTime)
	}
}

func TestCorpusGetParameterNamesFromACS(t *testing.T) {
	env := decodeCorpus(t, "getparameternames-acs.xml")
	eq(t, "header", env.Header, Header{ID: "5f2b", HoldRequests: true})
	eq(t, "body", *body[*GetParameterNames](t, env), GetParameterNames{ParameterPath: "", NextLevel: true})
}

func TestCorpusQualifiedChildrenAndComments(t *testing.T) {
	env := decodeCorpus(t, "getrpcmethods-response-qualified-children.xml")
	eq(t, "namespace", env.Namespace, Namespace12)
	r := body[*GetRPCMethodsResponse](t, env)
	want := []string{"GetRPCMethods", "SetParameterValues", "GetParameterValues", "X_ACME_Ping"}
	if d := equalMessages(r.MethodList, want); d != "" {
		t.Errorf("MethodList differs: %s (%q)", d, r.MethodList)
	}
}

func TestCorpusMustUnderstand(t *testing.T) {
	env, err := Decode(readCorpus(t, "mustunderstand-unknown-header.xml"))
	var mu *MustUnderstandError
	if !errors.As(err, &mu) {
		t.Fatalf("err = %v, want a MustUnderstandError", err)
	}
	if len(mu.Elements) != 1 || mu.Elements[0].Space != "urn:example:vendor" || mu.Elements[0].Local != "Secret" {
		t.Errorf("elements = %+v", mu.Elements)
	}
	if env == nil || env.Header.ID != "mu-1" {
		t.Fatalf("envelope = %+v; the ID is needed for the fault reply", env)
	}
	body[*GetRPCMethods](t, env)
	out, err := Marshal(env.Reply(mu.Fault()))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	f := body[*Fault](t, back)
	eq(t, "SOAPCode", f.SOAPCode, SOAPFaultMustUnderstand)
	eq(t, "Code", f.Code, 0)
}

func TestCorpusChangeDUStateWithoutXsiType(t *testing.T) {
	env := decodeCorpus(t, "change-du-state-no-xsitype.xml")
	c := body[*ChangeDUState](t, env)
	eq(t, "CommandKey", c.CommandKey, "du-7")
	if len(c.Operations) != 3 {
		t.Fatalf("operations = %+v", c.Operations)
	}
	in, ok := c.Operations[0].(*InstallOpStruct)
	if !ok || *in != (InstallOpStruct{URL: "http://files.example/app.ipk", ExecutionEnvRef: "Device.SoftwareModules.ExecEnv.1"}) {
		t.Errorf("op 0 = %#v", c.Operations[0])
	}
	up, ok := c.Operations[1].(*UpdateOpStruct)
	if !ok || *up != (UpdateOpStruct{UUID: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Version: "2.0", URL: "http://files.example/app-2.ipk"}) {
		t.Errorf("op 1 = %#v", c.Operations[1])
	}
	un, ok := c.Operations[2].(*UninstallOpStruct)
	if !ok || un.UUID != "6ba7b811-9dad-11d1-80b4-00c04fd430c8" {
		t.Errorf("op 2 = %#v", c.Operations[2])
	}
}

func TestCorpusTrailingNUL(t *testing.T) {
	env := decodeCorpus(t, "inform-response-trailing-nul.xml")
	eq(t, "MaxEnvelopes", body[*InformResponse](t, env).MaxEnvelopes, 1)
}

func TestCorpusEmptyPOST(t *testing.T) {
	for _, name := range []string{"empty-post.xml", "empty-post-whitespace.xml"} {
		if env := decodeCorpus(t, name); !env.IsEmpty() {
			t.Errorf("%s: %+v is not empty", name, env)
		}
	}
}

func TestCorpusDTDRejected(t *testing.T) {
	_, err := Decode(readCorpus(t, "dtd-entity-expansion.xml"))
	if !errors.Is(err, ErrDTD) {
		t.Fatalf("err = %v, want ErrDTD", err)
	}
}

// TestCorpusCovered makes sure every corpus file has a test above.
func TestCorpusCovered(t *testing.T) {
	tested := map[string]bool{
		"inform-soapenv-cwmp10.xml": true, "inform-bom-nodecl-cwmp14.xml": true,
		"inform-soap-prefix-ns14-no-arraytype.xml": true, "inform-default-namespaces.xml": true,
		"spv-fault-crlf.xml": true, "gpv-response-latin1.xml": true,
		"transfer-complete-undeclared-prefixes.xml": true, "getparameternames-acs.xml": true,
		"getrpcmethods-response-qualified-children.xml": true, "mustunderstand-unknown-header.xml": true,
		"change-du-state-no-xsitype.xml": true, "inform-response-trailing-nul.xml": true,
		"empty-post.xml": true, "empty-post-whitespace.xml": true, "dtd-entity-expansion.xml": true,
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !tested[e.Name()] {
			t.Errorf("corpus file %s has no assertions", e.Name())
		}
	}
}
