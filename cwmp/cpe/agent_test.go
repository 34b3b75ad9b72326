package cpe_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

type rig struct {
	t     *testing.T
	acs   *testacs.ACS
	srv   *httptest.Server
	agent *cpe.Agent
	store *cpe.MemStore
}

func newRig(t *testing.T, mod func(*cpe.Config)) *rig {
	t.Helper()
	return newRigFor(t, tr181.Schema, mod)
}

// newRigFor is newRig for a device of another data model.
func newRigFor(t *testing.T, schema *model.Schema, mod func(*cpe.Config)) *rig {
	t.Helper()
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	t.Cleanup(srv.Close)
	store := cpe.NewMemStore(schema)
	cfg := cpe.Config{
		Schema: schema, Store: store, ACSURL: srv.URL + "/acs",
		Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "SimBox", SerialNumber: "SN0001", SoftwareVersion: "1.0.0",
		ConnReqURL: "http://127.0.0.1:1/SN0001", ConnReqPassword: "crpass",
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := cpe.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, acs: acs, srv: srv, agent: a, store: store}
}

func (r *rig) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	r.t.Cleanup(cancel)
	return ctx
}

// session queues msgs, runs one session and returns what the ACS saw.
func (r *rig) session(events []string, msgs ...cwmp.Message) *testacs.Session {
	r.t.Helper()
	r.acs.Enqueue("SN0001", msgs...)
	if _, err := r.agent.RunSession(r.ctx(), events...); err != nil {
		r.t.Fatalf("session: %v", err)
	}
	s := r.acs.Last("SN0001")
	if s == nil || !s.Complete {
		r.t.Fatalf("session not complete: %+v", s)
	}
	if len(s.Exchanges) != len(msgs) {
		r.t.Fatalf("%d exchanges for %d requests", len(s.Exchanges), len(msgs))
	}
	return s
}

// call runs one RPC in a session and returns the CPE's answer.
func (r *rig) call(msg cwmp.Message) cwmp.Message {
	r.t.Helper()
	return r.session(nil, msg).Exchanges[0].Response
}

func (r *rig) fault(msg cwmp.Message, code cwmp.FaultCode) *cwmp.Fault {
	r.t.Helper()
	resp := r.call(msg)
	f, ok := resp.(*cwmp.Fault)
	if !ok {
		r.t.Fatalf("%s: got %T %+v, want fault %d", msg.MethodName(), resp, resp, code)
	}
	if f.Code != code {
		r.t.Fatalf("%s: fault %d (%s), want %d", msg.MethodName(), f.Code, f.String, code)
	}
	return f
}

func gpv(names ...string) *cwmp.GetParameterValues {
	return &cwmp.GetParameterValues{ParameterNames: names}
}

func (r *rig) value(path string) string {
	r.t.Helper()
	resp, ok := r.call(gpv(path)).(*cwmp.GetParameterValuesResponse)
	if !ok || len(resp.ParameterList) != 1 {
		r.t.Fatalf("GPV %s: %+v", path, resp)
	}
	return resp.ParameterList[0].Value
}

func spv(key string, kv ...string) *cwmp.SetParameterValues {
	m := &cwmp.SetParameterValues{ParameterKey: key}
	for i := 0; i+2 < len(kv)+1; i += 3 {
		m.ParameterList = append(m.ParameterList, cwmp.ParameterValueStruct{Name: kv[i], Value: kv[i+1], Type: kv[i+2]})
	}
	return m
}

func TestInformBootstrapBootAndForcedParameters(t *testing.T) {
	r := newRig(t, nil)
	s := r.session([]string{cwmp.EventBoot})
	if got := s.Events(); !slices.Equal(got, []string{cwmp.EventBootstrap, cwmp.EventBoot}) {
		t.Fatalf("first events %v", got)
	}
	id := s.Inform.DeviceID
	if id.OUI != "00D09E" || id.SerialNumber != "SN0001" || id.ProductClass != "SimBox" || id.Manufacturer != "dmforge" {
		t.Fatalf("DeviceId %+v", id)
	}
	params := map[string]string{}
	for _, p := range s.Inform.ParameterList {
		params[p.Name] = p.Value
	}
	for _, want := range []string{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.ProvisioningCode",
		"Device.ManagementServer.ConnectionRequestURL", "Device.ManagementServer.ParameterKey", "Device.RootDataModelVersion"} {
		if _, ok := params[want]; !ok {
			t.Errorf("forced-inform %s missing from %v", want, params)
		}
	}
	if params["Device.DeviceInfo.SoftwareVersion"] != "1.0.0" || params["Device.ManagementServer.ConnectionRequestURL"] != "http://127.0.0.1:1/SN0001" {
		t.Errorf("identity values %v", params)
	}
	// Second contact: no bootstrap.
	s = r.session([]string{cwmp.EventPeriodic})
	if got := s.Events(); !slices.Equal(got, []string{cwmp.EventPeriodic}) {
		t.Fatalf("second events %v", got)
	}
	// A new ACS URL set by the ACS: bootstrap again, at the new URL.
	acs2 := &testacs.ACS{Record: true}
	srv2 := httptest.NewServer(acs2)
	defer srv2.Close()
	r.call(spv("k1", "Device.ManagementServer.URL", srv2.URL, "xsd:string"))
	if _, err := r.agent.RunSession(r.ctx(), cwmp.EventPeriodic); err != nil {
		t.Fatal(err)
	}
	if s := acs2.Last("SN0001"); s == nil || !slices.Contains(s.Events(), cwmp.EventBootstrap) {
		t.Fatalf("no bootstrap at the new ACS: %+v", s)
	}
}

func TestGetRPCMethodsAndUnknownMethod(t *testing.T) {
	r := newRig(t, nil)
	resp := r.call(&cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse)
	for _, m := range []string{"GetParameterValues", "SetParameterValues", "AddObject", "Download", "Reboot"} {
		if !slices.Contains(resp.MethodList, m) {
			t.Errorf("%s missing from %v", m, resp.MethodList)
		}
	}
	r.fault(&cwmp.GetOptions{}, cwmp.FaultMethodNotSupported)
}

func TestCWMPVersionNegotiation(t *testing.T) {
	r := newRig(t, nil)
	s := r.session([]string{cwmp.EventBoot})
	if s.InformHeader.SupportedCWMPVersions != "1.0,1.1,1.2,1.3,1.4" {
		t.Fatalf("Inform header SupportedCWMPVersions = %q", s.InformHeader.SupportedCWMPVersions)
	}
	// The ACS picks 1.1 for the session: the requests the CPE sends after
	// the Inform (here a TransferComplete) use cwmp-1-1.
	files := fileServer(t)
	r.call(&cwmp.Download{CommandKey: "v", FileType: "3 Vendor Configuration File", URL: files.URL + "/fw.bin"})
	r.acs.UseCWMPVersion = "1.1"
	s = r.session(nil)
	if len(s.CPERequests) != 1 || len(s.Namespaces) != 2 || s.Namespaces[0] != cwmp.Namespace12 || s.Namespaces[1] != cwmp.Namespace11 {
		t.Fatalf("namespaces of the session: %v (requests %v)", s.Namespaces, s.CPERequests)
	}
}

func TestScheduleDownload(t *testing.T) {
	r := newRig(t, nil)
	files := fileServer(t)
	r.session([]string{cwmp.EventBoot})
	sd := &cwmp.ScheduleDownload{CommandKey: "sd-1", FileType: "3 Vendor Configuration File", URL: files.URL + "/fw.bin", FileSize: 14,
		TimeWindowList: []cwmp.TimeWindowStruct{{WindowStart: 0, WindowEnd: 60, WindowMode: "1 At Any Time", MaxRetries: -1}}}
	if _, ok := r.call(sd).(*cwmp.ScheduleDownloadResponse); !ok {
		t.Fatal("ScheduleDownload refused")
	}
	s := r.session(nil)
	if len(s.CPERequests) != 1 || !slices.Contains(s.Inform.Event, cwmp.EventStruct{EventCode: cwmp.EventMScheduleDownload, CommandKey: "sd-1"}) {
		t.Fatalf("no TransferComplete with M ScheduleDownload: %+v / %+v", s.Inform.Event, s.CPERequests)
	}
	if tc := s.CPERequests[0].(*cwmp.TransferComplete); tc.CommandKey != "sd-1" || tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v", tc)
	}
	// Only windows that need a user's confirmation: 9020 in TransferComplete.
	sd2 := *sd
	sd2.CommandKey = "sd-2"
	sd2.TimeWindowList = []cwmp.TimeWindowStruct{{WindowStart: 0, WindowEnd: 60, WindowMode: "4 Confirmation Needed", UserMessage: "ok?", MaxRetries: 0}}
	r.call(&sd2)
	s = r.session(nil)
	if tc := s.CPERequests[0].(*cwmp.TransferComplete); tc.CommandKey != "sd-2" || tc.FaultStruct.FaultCode != cwmp.FaultTransferTimeWindows {
		t.Fatalf("TransferComplete %+v, want 9020", tc)
	}
	sd3 := *sd
	sd3.TimeWindowList = []cwmp.TimeWindowStruct{{WindowStart: 60, WindowEnd: 10, WindowMode: "1 At Any Time"}}
	r.fault(&sd3, cwmp.FaultInvalidArguments)
}

func TestQueuedTransfersAndCancel(t *testing.T) {
	r := newRig(t, nil)
	files := fileServer(t)
	r.session([]string{cwmp.EventBoot})
	// A delayed download stays queued (state 1) until it starts.
	r.call(&cwmp.Download{CommandKey: "later", FileType: "3 Vendor Configuration File", URL: files.URL + "/fw.bin", FileSize: 14, DelaySeconds: 3600})
	q := r.call(&cwmp.GetQueuedTransfers{}).(*cwmp.GetQueuedTransfersResponse)
	if len(q.TransferList) != 1 || q.TransferList[0].CommandKey != "later" || q.TransferList[0].State != 1 {
		t.Fatalf("GetQueuedTransfers %+v", q.TransferList)
	}
	all := r.call(&cwmp.GetAllQueuedTransfers{}).(*cwmp.GetAllQueuedTransfersResponse)
	if len(all.TransferList) != 1 || !all.TransferList[0].IsDownload || all.TransferList[0].FileType != "3 Vendor Configuration File" || all.TransferList[0].FileSize != 14 {
		t.Fatalf("GetAllQueuedTransfers %+v", all.TransferList)
	}
	if _, ok := r.call(&cwmp.CancelTransfer{CommandKey: "later"}).(*cwmp.CancelTransferResponse); !ok {
		t.Fatal("CancelTransfer of a queued transfer refused")
	}
	if q := r.call(&cwmp.GetQueuedTransfers{}).(*cwmp.GetQueuedTransfersResponse); len(q.TransferList) != 0 {
		t.Fatalf("canceled transfer still queued: %+v", q.TransferList)
	}
	r.fault(&cwmp.CancelTransfer{CommandKey: "later"}, cwmp.FaultCancelNotPermitted)
	r.fault(&cwmp.CancelTransfer{CommandKey: "never-queued"}, cwmp.FaultCancelNotPermitted)
	// An immediate download runs after its session and leaves the queue.
	r.call(&cwmp.Download{CommandKey: "now", FileType: "3 Vendor Configuration File", URL: files.URL + "/fw.bin"})
	if s := r.session(nil); len(s.CPERequests) != 1 {
		t.Fatalf("TransferComplete of the immediate download missing: %+v", s.CPERequests)
	}
	if q := r.call(&cwmp.GetQueuedTransfers{}).(*cwmp.GetQueuedTransfersResponse); len(q.TransferList) != 0 {
		t.Fatalf("completed transfer still queued: %+v", q.TransferList)
	}
	resp := r.call(&cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse)
	for _, m := range []string{"GetQueuedTransfers", "GetAllQueuedTransfers", "CancelTransfer"} {
		if !slices.Contains(resp.MethodList, m) {
			t.Errorf("%s missing from GetRPCMethods", m)
		}
	}
}

func TestGetParameterValues(t *testing.T) {
	r := newRig(t, nil)
	resp := r.call(gpv("Device.DeviceInfo.SerialNumber", "Device.ManagementServer.CWMPRetryMinimumWaitInterval")).(*cwmp.GetParameterValuesResponse)
	if len(resp.ParameterList) != 2 || resp.ParameterList[0].Value != "SN0001" || resp.ParameterList[0].Type != "xsd:string" ||
		resp.ParameterList[1].Value != "5" || resp.ParameterList[1].Type != "xsd:unsignedInt" {
		t.Fatalf("GPV %+v", resp.ParameterList)
	}
	// Partial path: the whole subtree, parameters only.
	resp = r.call(gpv("Device.ManagementServer.")).(*cwmp.GetParameterValuesResponse)
	if len(resp.ParameterList) < 40 {
		t.Fatalf("partial path gave %d values", len(resp.ParameterList))
	}
	for _, p := range resp.ParameterList {
		if !strings.HasPrefix(p.Name, "Device.ManagementServer.") || strings.HasSuffix(p.Name, ".") {
			t.Fatalf("partial path gave %s", p.Name)
		}
	}
	r.fault(gpv("Device.DeviceInfo.NoSuchThing"), cwmp.FaultInvalidParameterName)
	r.fault(gpv("Device.WiFi.SSID.1.SSID"), cwmp.FaultInvalidParameterName) // no such instance
	r.fault(gpv("Device.NoSuchObject."), cwmp.FaultInvalidParameterName)
}

func TestGetParameterNames(t *testing.T) {
	r := newRig(t, nil)
	names := func(m cwmp.Message) map[string]bool {
		out := map[string]bool{}
		for _, p := range r.call(m).(*cwmp.GetParameterNamesResponse).ParameterList {
			out[p.Name] = p.Writable
		}
		return out
	}
	root := names(&cwmp.GetParameterNames{ParameterPath: "", NextLevel: true})
	if len(root) != 1 || !mapHas(root, "Device.") {
		t.Fatalf("root %v", root)
	}
	next := names(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.", NextLevel: true})
	if !mapHas(next, "Device.WiFi.SSID.") || !next["Device.WiFi.SSID."] || !mapHas(next, "Device.WiFi.SSIDNumberOfEntries") || mapHas(next, "Device.WiFi.SSID.1.") {
		t.Fatalf("next level of Device.WiFi.: %v", next)
	}
	for n := range next {
		if strings.Count(strings.TrimSuffix(strings.TrimPrefix(n, "Device.WiFi."), "."), ".") > 0 {
			t.Fatalf("NextLevel went deeper: %s", n)
		}
	}
	add := r.call(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID."}).(*cwmp.AddObjectResponse)
	all := names(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.SSID.", NextLevel: false})
	if !mapHas(all, "Device.WiFi.SSID.") || !mapHas(all, "Device.WiFi.SSID.1.") || !all["Device.WiFi.SSID.1.SSID"] || all["Device.WiFi.SSID.1.Status"] {
		t.Fatalf("subtree of the table: %v (added %d)", all, add.InstanceNumber)
	}
	inst := names(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.SSID.", NextLevel: true})
	if len(inst) != 1 || !mapHas(inst, "Device.WiFi.SSID.1.") {
		t.Fatalf("instances of the table: %v", inst)
	}
	one := names(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.SSID.1.SSID"})
	if len(one) != 1 || !one["Device.WiFi.SSID.1.SSID"] {
		t.Fatalf("one parameter: %v", one)
	}
	r.fault(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.SSID.1.SSID", NextLevel: true}, cwmp.FaultInvalidArguments)
	r.fault(&cwmp.GetParameterNames{ParameterPath: "Device.WiFi.SSID.7."}, cwmp.FaultInvalidParameterName)
}

func mapHas(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

func TestSetParameterValuesFaults(t *testing.T) {
	r := newRig(t, nil)
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface.1.IPv4Address."})
	cases := []struct {
		name, path, value, typ string
		code                   cwmp.FaultCode
	}{
		{"unknown path", "Device.DeviceInfo.Nope", "x", "xsd:string", cwmp.FaultInvalidParameterName},
		{"missing instance", "Device.IP.Interface.9.MaxMTUSize", "1500", "xsd:unsignedInt", cwmp.FaultInvalidParameterName},
		{"object path", "Device.DeviceInfo.", "x", "xsd:string", cwmp.FaultInvalidParameterName},
		{"wrong type", "Device.IP.Interface.1.MaxMTUSize", "1500", "xsd:string", cwmp.FaultInvalidParameterType},
		{"out of range", "Device.IP.Interface.1.MaxMTUSize", "10", "xsd:unsignedInt", cwmp.FaultInvalidParameterValue},
		{"too long", "Device.DeviceInfo.ProvisioningCode", strings.Repeat("x", 65), "xsd:string", cwmp.FaultInvalidParameterValue},
		{"not in enumeration", "Device.ManagementServer.InstanceMode", "Sometimes", "xsd:string", cwmp.FaultInvalidParameterValue},
		{"pattern", "Device.IP.Interface.1.IPv4Address.1.IPAddress", "300.1.2.3.4", "xsd:string", cwmp.FaultInvalidParameterValue},
		{"list item", "Device.ManagementServer.DUStateChangeComplPolicy.OperationTypeFilter", "Install,Explode", "xsd:string", cwmp.FaultInvalidParameterValue},
		{"read-only", "Device.DeviceInfo.UpTime", "5", "xsd:unsignedInt", cwmp.FaultNonWritableParameter},
		{"read-only identity", "Device.DeviceInfo.SerialNumber", "X", "xsd:string", cwmp.FaultNonWritableParameter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.t = t
			f := r.fault(spv("k", c.path, c.value, c.typ), cwmp.FaultInvalidArguments)
			if len(f.SetParameterValuesFaults) != 1 || f.SetParameterValuesFaults[0].FaultCode != c.code || f.SetParameterValuesFaults[0].ParameterName != c.path {
				t.Fatalf("faults %+v, want %d", f.SetParameterValuesFaults, c.code)
			}
		})
	}
	r.t = t
	// Alias is readWrite from Device:2.18 on (the root rebinds it to
	// _AliasCWMP): it may be set again.
	r.call(spv("k", "Device.IP.Interface.1.Alias", "wan", "xsd:string"))
	r.call(spv("k", "Device.IP.Interface.1.Alias", "lan", "xsd:string"))
	if got := r.value("Device.IP.Interface.1.Alias"); got != "lan" {
		t.Fatalf("readWrite Alias after two sets: %q", got)
	}
}

// TestSetParameterValuesWriteOnce: a writeOnceReadOnly parameter (Alias
// in Device:2.17) takes its first set and refuses the second.
func TestSetParameterValuesWriteOnce(t *testing.T) {
	r := newRigFor(t, device217(t), nil)
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	r.call(spv("k", "Device.IP.Interface.1.Alias", "wan", "xsd:string"))
	f := r.fault(spv("k", "Device.IP.Interface.1.Alias", "lan", "xsd:string"), cwmp.FaultInvalidArguments)
	if f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("writeOnceReadOnly set twice: %+v", f.SetParameterValuesFaults)
	}
	if got := r.value("Device.IP.Interface.1.Alias"); got != "wan" {
		t.Fatalf("refused set changed the value: %q", got)
	}
}

func TestSetParameterValuesAtomic(t *testing.T) {
	r := newRig(t, nil)
	before := r.value("Device.DeviceInfo.ProvisioningCode")
	f := r.fault(spv("key-1",
		"Device.DeviceInfo.ProvisioningCode", "PC-1", "xsd:string",
		"Device.ManagementServer.PeriodicInformInterval", "0", "xsd:unsignedInt",
		"Device.DeviceInfo.UpTime", "1", "xsd:unsignedInt",
		"Device.ManagementServer.PeriodicInformEnable", "1", "xsd:unsignedInt",
	), cwmp.FaultInvalidArguments)
	codes := map[string]cwmp.FaultCode{}
	for _, pf := range f.SetParameterValuesFaults {
		codes[pf.ParameterName] = pf.FaultCode
	}
	want := map[string]cwmp.FaultCode{
		"Device.ManagementServer.PeriodicInformInterval": 9007,
		"Device.DeviceInfo.UpTime":                       9008,
		"Device.ManagementServer.PeriodicInformEnable":   9006,
	}
	if len(codes) != len(want) {
		t.Fatalf("faults %v, want %v", codes, want)
	}
	for k, v := range want {
		if codes[k] != v {
			t.Fatalf("faults %v, want %v", codes, want)
		}
	}
	if got := r.value("Device.DeviceInfo.ProvisioningCode"); got != before {
		t.Fatalf("a failed SetParameterValues changed ProvisioningCode to %q", got)
	}
	if got := r.value("Device.ManagementServer.ParameterKey"); got != "" {
		t.Fatalf("a failed SetParameterValues changed ParameterKey to %q", got)
	}
	// All valid: everything applies, ParameterKey too.
	resp := r.call(spv("key-2",
		"Device.DeviceInfo.ProvisioningCode", "PC-2", "xsd:string",
		"Device.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt",
	)).(*cwmp.SetParameterValuesResponse)
	if resp.Status != 0 || r.value("Device.DeviceInfo.ProvisioningCode") != "PC-2" || r.value("Device.ManagementServer.PeriodicInformInterval") != "300" ||
		r.value("Device.ManagementServer.ParameterKey") != "key-2" {
		t.Fatal("valid SetParameterValues not applied")
	}
	// The same name twice is an invalid argument.
	r.fault(spv("k", "Device.DeviceInfo.ProvisioningCode", "a", "xsd:string", "Device.DeviceInfo.ProvisioningCode", "b", "xsd:string"), cwmp.FaultInvalidArguments)
}

func TestAddDeleteObject(t *testing.T) {
	r := newRig(t, nil)
	a1 := r.call(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID.", ParameterKey: "add1"}).(*cwmp.AddObjectResponse)
	a2 := r.call(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID."}).(*cwmp.AddObjectResponse)
	if a1.InstanceNumber != 1 || a2.InstanceNumber != 2 {
		t.Fatalf("instances %d %d", a1.InstanceNumber, a2.InstanceNumber)
	}
	if r.value("Device.WiFi.SSIDNumberOfEntries") != "2" {
		t.Fatal("SSIDNumberOfEntries does not count the instances")
	}
	r.call(spv("", "Device.WiFi.SSID.2.SSID", "guest", "xsd:string"))
	if r.value("Device.WiFi.SSID.2.SSID") != "guest" {
		t.Fatal("set on a new instance")
	}
	r.fault(&cwmp.AddObject{ObjectName: "Device.WiFi.Radio."}, cwmp.FaultRequestDenied)                        // read-only table
	r.fault(&cwmp.AddObject{ObjectName: "Device.WiFi."}, cwmp.FaultInvalidParameterName)                       // not a table
	r.fault(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID.1."}, cwmp.FaultInvalidParameterName)                // an instance
	r.fault(&cwmp.AddObject{ObjectName: "Device.IP.Interface.5.IPv4Address."}, cwmp.FaultInvalidParameterName) // parent missing
	r.fault(&cwmp.AddObject{ObjectName: "Device.NoSuch.Table."}, cwmp.FaultInvalidParameterName)

	r.call(&cwmp.DeleteObject{ObjectName: "Device.WiFi.SSID.1.", ParameterKey: "del1"})
	if r.value("Device.WiFi.SSIDNumberOfEntries") != "1" || r.value("Device.ManagementServer.ParameterKey") != "del1" {
		t.Fatal("delete")
	}
	r.fault(gpv("Device.WiFi.SSID.1.SSID"), cwmp.FaultInvalidParameterName)
	r.fault(&cwmp.DeleteObject{ObjectName: "Device.WiFi.SSID.1."}, cwmp.FaultInvalidParameterName) // gone
	r.fault(&cwmp.DeleteObject{ObjectName: "Device.WiFi.SSID."}, cwmp.FaultInvalidParameterName)   // the table
	// Instance numbers are not reused.
	if a := r.call(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID."}).(*cwmp.AddObjectResponse); a.InstanceNumber != 3 {
		t.Fatalf("reused instance number %d", a.InstanceNumber)
	}
}

func TestParameterAttributes(t *testing.T) {
	r := newRig(t, nil)
	ga := r.call(&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ProvisioningCode"}}).(*cwmp.GetParameterAttributesResponse)
	if ga.ParameterList[0].Notification != 2 {
		t.Fatalf("forceEnabled SoftwareVersion has notification %d", ga.ParameterList[0].Notification)
	}
	set := func(path string, n int) *cwmp.SetParameterAttributes {
		return &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: path, NotificationChange: true, Notification: n, AccessListChange: true, AccessList: []string{"Subscriber"}}}}
	}
	r.fault(set("Device.DeviceInfo.SoftwareVersion", 0), cwmp.FaultNotificationRequestRejected)    // forced
	r.fault(set("Device.ManagementServer.ParameterKey", 2), cwmp.FaultNotificationRequestRejected) // canDeny: denied
	r.fault(set("Device.DeviceInfo.Nope", 1), cwmp.FaultInvalidParameterName)
	r.call(set("Device.ManagementServer.ParameterKey", 1)) // passive is fine
	r.call(set("Device.DeviceInfo.", 1))                   // partial path: the parameters that accept it
	ga = r.call(&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.ManagementServer.ParameterKey", "Device.DeviceInfo.HardwareVersion"}}).(*cwmp.GetParameterAttributesResponse)
	for _, p := range ga.ParameterList {
		if p.Notification != 1 || !slices.Equal(p.AccessList, []string{"Subscriber"}) {
			t.Fatalf("attributes %+v", p)
		}
	}
}

func TestValueChangeNotification(t *testing.T) {
	r := newRig(t, nil)
	r.session([]string{cwmp.EventBoot})
	r.call(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.ModelName", NotificationChange: true, Notification: 2}}})
	r.session([]string{cwmp.EventPeriodic}) // takes the snapshot
	// A change by the ACS is not a value change...
	r.call(spv("", "Device.DeviceInfo.ProvisioningCode", "PC-9", "xsd:string"))
	s := r.session([]string{cwmp.EventPeriodic})
	if slices.Contains(s.Events(), cwmp.EventValueChange) {
		t.Fatalf("ACS change reported as a value change: %v", s.Events())
	}
	// ...a change by the device is.
	_ = r.store.Set([]model.ParameterValue{{Name: "Device.DeviceInfo.ModelName", Value: "Model-77"}})
	s = r.session(nil)
	if !slices.Contains(s.Events(), cwmp.EventValueChange) {
		t.Fatalf("no 4 VALUE CHANGE: %v", s.Events())
	}
	found := false
	for _, p := range s.Inform.ParameterList {
		found = found || (p.Name == "Device.DeviceInfo.ModelName" && p.Value == "Model-77")
	}
	if !found {
		t.Fatalf("changed value not in the Inform: %+v", s.Inform.ParameterList)
	}
	// A change reported in a session that fails is reported again.
	_ = r.store.Set([]model.ParameterValue{{Name: "Device.DeviceInfo.ModelName", Value: "Model-78"}})
	r.acs.Fault = cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
	if _, err := r.agent.RunSession(r.ctx()); err == nil {
		t.Fatal("session did not fail")
	}
	r.acs.Fault = nil
	s = r.session(nil)
	if !slices.Contains(s.Events(), cwmp.EventValueChange) || !slices.Contains(s.Inform.ParameterList, cwmp.ParameterValueStruct{Name: "Device.DeviceInfo.ModelName", Value: "Model-78", Type: "xsd:string"}) {
		t.Fatalf("change lost with the failed session: %v %+v", s.Events(), s.Inform.ParameterList)
	}
}

func TestRebootCycle(t *testing.T) {
	rebooted := 0
	r := newRig(t, func(c *cpe.Config) { c.OnReboot = func() { rebooted++ } })
	r.session([]string{cwmp.EventBoot})
	r.call(&cwmp.Reboot{CommandKey: "rb-1"})
	if rebooted != 1 {
		t.Fatal("OnReboot not called after the session")
	}
	s := r.session(nil)
	ev := s.Inform.Event
	if !slices.Contains(s.Events(), cwmp.EventBoot) || !slices.Contains(ev, cwmp.EventStruct{EventCode: cwmp.EventMReboot, CommandKey: "rb-1"}) ||
		slices.Contains(s.Events(), cwmp.EventBootstrap) {
		t.Fatalf("after reboot: %+v", ev)
	}
	if s = r.session([]string{cwmp.EventPeriodic}); len(s.Events()) != 1 {
		t.Fatalf("reboot events delivered twice: %v", s.Events())
	}
}

func TestFactoryReset(t *testing.T) {
	r := newRig(t, nil)
	r.session([]string{cwmp.EventBoot})
	r.call(spv("", "Device.DeviceInfo.ProvisioningCode", "PC-9", "xsd:string"))
	r.call(&cwmp.FactoryReset{})
	s := r.session(nil)
	if !slices.Contains(s.Events(), cwmp.EventBootstrap) || !slices.Contains(s.Events(), cwmp.EventBoot) {
		t.Fatalf("after factory reset: %v", s.Events())
	}
	if r.value("Device.DeviceInfo.ProvisioningCode") != "" || r.value("Device.DeviceInfo.SerialNumber") != "SN0001" {
		t.Fatal("factory reset kept values or lost identity")
	}
}

func fileServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	uploads := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("/fw.bin", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "firmware-image") })
	mux.Handle("/secret.bin", (&auth.Server{Realm: "files", Lookup: func(u string) (string, bool) { return "pw", u == "fileuser" }}).
		Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secret") })))
	mux.HandleFunc("/upload/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			http.Error(w, "PUT only", http.StatusMethodNotAllowed)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		uploads[r.URL.Path] = string(b)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestDownloadTransferComplete(t *testing.T) {
	var got string
	r := newRig(t, func(c *cpe.Config) {
		c.OnFile = func(d *cwmp.Download, rd io.Reader) error { b, _ := io.ReadAll(rd); got = string(b); return nil }
	})
	files := fileServer(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	r.session([]string{cwmp.EventBoot})
	cases := []struct {
		name string
		d    cwmp.Download
		code cwmp.FaultCode
	}{
		{"ok", cwmp.Download{URL: files.URL + "/fw.bin", FileSize: 14}, 0},
		{"digest auth", cwmp.Download{URL: files.URL + "/secret.bin", Username: "fileuser", Password: "pw"}, 0},
		{"bad credentials", cwmp.Download{URL: files.URL + "/secret.bin", Username: "fileuser", Password: "wrong"}, cwmp.FaultFileTransferAuthFailure},
		{"not found", cwmp.Download{URL: files.URL + "/none.bin"}, cwmp.FaultTransferAccessFile},
		{"size mismatch", cwmp.Download{URL: files.URL + "/fw.bin", FileSize: 99}, cwmp.FaultTransferFileCorrupted},
		{"server down", cwmp.Download{URL: closedURL + "/fw.bin"}, cwmp.FaultTransferContactServer},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.t = t
			d := c.d
			d.CommandKey = "dl-" + c.name
			d.FileType = "3 Vendor Configuration File"
			resp, ok := r.call(&d).(*cwmp.DownloadResponse)
			if !ok || resp.Status != 1 {
				t.Fatalf("DownloadResponse %+v", resp)
			}
			s := r.session(nil)
			if !slices.Contains(s.Events(), cwmp.EventTransferComplete) || !slices.Contains(s.Inform.Event, cwmp.EventStruct{EventCode: cwmp.EventMDownload, CommandKey: d.CommandKey}) {
				t.Fatalf("events %+v", s.Inform.Event)
			}
			if len(s.CPERequests) != 1 {
				t.Fatalf("CPE requests %+v", s.CPERequests)
			}
			tc := s.CPERequests[0].(*cwmp.TransferComplete)
			if tc.CommandKey != d.CommandKey || tc.FaultStruct.FaultCode != c.code {
				t.Fatalf("TransferComplete %+v, want fault %d", tc, c.code)
			}
			if i == 0 && got != "firmware-image" {
				t.Fatalf("OnFile got %q", got)
			}
			// Delivered once.
			if s := r.session([]string{cwmp.EventPeriodic}); len(s.CPERequests) != 0 || len(s.Events()) != 1 {
				t.Fatalf("TransferComplete repeated: %+v", s.Inform.Event)
			}
		})
	}
	r.t = t
	r.fault(&cwmp.Download{CommandKey: "ftp", FileType: "1 Firmware Upgrade Image", URL: "ftp://example.com/fw.bin"}, cwmp.FaultUnsupportedTransferProtocol)
}

func TestUpload(t *testing.T) {
	r := newRig(t, nil)
	files := fileServer(t)
	r.session([]string{cwmp.EventBoot})
	resp := r.call(&cwmp.Upload{CommandKey: "up-1", FileType: "1 Vendor Configuration File", URL: files.URL + "/upload/cfg"}).(*cwmp.UploadResponse)
	if resp.Status != 1 {
		t.Fatalf("UploadResponse %+v", resp)
	}
	s := r.session(nil)
	tc := s.CPERequests[0].(*cwmp.TransferComplete)
	if tc.CommandKey != "up-1" || tc.FaultStruct.FaultCode != 0 || !slices.Contains(s.Inform.Event, cwmp.EventStruct{EventCode: cwmp.EventMUpload, CommandKey: "up-1"}) {
		t.Fatalf("upload TransferComplete %+v / %+v", tc, s.Inform.Event)
	}
	// Refused by the server: 9012 (authentication) in TransferComplete.
	r.call(&cwmp.Upload{CommandKey: "up-2", FileType: "2 Vendor Log File", URL: files.URL + "/secret.bin"})
	s = r.session(nil)
	if tc := s.CPERequests[0].(*cwmp.TransferComplete); tc.CommandKey != "up-2" || tc.FaultStruct.FaultCode != cwmp.FaultFileTransferAuthFailure {
		t.Fatalf("failed upload TransferComplete %+v", tc)
	}
	r.fault(&cwmp.Upload{CommandKey: "up-3", FileType: "1 Vendor Configuration File", URL: "tftp://x/cfg"}, cwmp.FaultUnsupportedTransferProtocol)
}

func TestHoldRequestsDelaysTransferComplete(t *testing.T) {
	r := newRig(t, nil)
	files := fileServer(t)
	r.session([]string{cwmp.EventBoot})
	r.call(&cwmp.Download{CommandKey: "dl", FileType: "3 Vendor Configuration File", URL: files.URL + "/fw.bin"})
	r.acs.HoldRequests = true
	// The ACS holds requests and sends a GetParameterValues first: the
	// TransferComplete must come after the ACS's requests, once its empty
	// response lifts the hold.
	s := r.session(nil, gpv("Device.DeviceInfo.SerialNumber"))
	if len(s.CPERequests) != 1 {
		t.Fatalf("TransferComplete not sent after the hold: %+v", s)
	}
}

func TestScheduleInform(t *testing.T) {
	r := newRig(t, nil)
	r.session([]string{cwmp.EventBoot})
	r.fault(&cwmp.ScheduleInform{DelaySeconds: 0, CommandKey: "s0"}, cwmp.FaultInvalidArguments)
	r.call(&cwmp.ScheduleInform{DelaySeconds: 1, CommandKey: "sched"})
	deadline := time.Now().Add(10 * time.Second)
	for len(r.agent.Pending()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	s := r.session(nil)
	if !slices.Contains(s.Events(), cwmp.EventScheduled) || !slices.Contains(s.Inform.Event, cwmp.EventStruct{EventCode: cwmp.EventMScheduleInform, CommandKey: "sched"}) {
		t.Fatalf("scheduled inform events %+v", s.Inform.Event)
	}
}

func TestRetryAfterFailedSession(t *testing.T) {
	r := newRig(t, nil)
	r.acs.Fault = cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
	if _, err := r.agent.RunSession(r.ctx(), cwmp.EventBoot); err == nil {
		t.Fatal("refused Inform did not fail the session")
	}
	r.acs.Fault = nil
	s := r.session(nil)
	if s.Inform.RetryCount != 1 || !slices.Contains(s.Events(), cwmp.EventBoot) || !slices.Contains(s.Events(), cwmp.EventBootstrap) {
		t.Fatalf("retried session: RetryCount %d events %v", s.Inform.RetryCount, s.Events())
	}
	if s = r.session([]string{cwmp.EventPeriodic}); s.Inform.RetryCount != 0 {
		t.Fatal("RetryCount not reset")
	}
}

func TestConnectionRequest(t *testing.T) {
	crs := cpe.NewConnReqServer("")
	crSrv := httptest.NewServer(crs)
	defer crSrv.Close()
	crs.BaseURL = crSrv.URL
	r := newRig(t, func(c *cpe.Config) {
		c.ConnReqURL = crs.URL("SN0001")
		c.ConnReqInterval = time.Hour
	})
	crs.Register(r.agent)
	ctx, cancel := context.WithCancel(r.ctx())
	results := make(chan cpe.SessionResult, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.agent.Run(ctx, func(res cpe.SessionResult, err error) {
			if err == nil {
				results <- res
			}
		})
	}()
	defer func() { cancel(); <-done }()
	if res := <-results; !slices.Contains(res.Events, cwmp.EventBoot) {
		t.Fatalf("first session %v", res.Events)
	}
	var retryAfter string
	get := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, crs.URL("SN0001"), nil)
		resp, err := (&http.Client{Transport: &auth.Transport{Username: user, Password: pass}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		retryAfter = resp.Header.Get("Retry-After")
		return resp.StatusCode
	}
	if code := get("SN0001", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("bad password: %d", code)
	}
	if code := get("SN0001", "crpass"); code != http.StatusOK {
		t.Fatalf("connection request: %d", code)
	}
	if res := <-results; !slices.Equal(res.Events, []string{cwmp.EventConnectionRequest}) {
		t.Fatalf("connection request session %v", res.Events)
	}
	if code := get("SN0001", "crpass"); code != http.StatusServiceUnavailable || retryAfter != "3600" {
		t.Fatalf("rate limit: %d, Retry-After %q (want 503 after the 1 h interval)", code, retryAfter)
	}
}

func TestTR098Agent(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	prof, fs, err := cpe.LoadJSON(tr098.Schema, strings.NewReader(`{
	"InternetGatewayDevice.DeviceInfo.SoftwareVersion": "2.0",
	"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress": "192.0.2.7"}`))
	if err != nil || len(fs) != 0 {
		t.Fatal(err, fs)
	}
	a, err := cpe.New(cpe.Config{Schema: tr098.Schema, Store: cpe.NewMemStoreFrom(prof), ACSURL: srv.URL, OUI: "00D09E", SerialNumber: "IGD1", ProductClass: "IGD"})
	if err != nil {
		t.Fatal(err)
	}
	acs.Enqueue("IGD1", gpv("InternetGatewayDevice.DeviceInfo.SerialNumber"))
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last("IGD1")
	resp := s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse)
	if resp.ParameterList[0].Value != "IGD1" {
		t.Fatalf("%+v", resp)
	}
	// Forced-inform parameters in tables are sent for every instance.
	inform := map[string]string{}
	for _, p := range s.Inform.ParameterList {
		inform[p.Name] = p.Value
	}
	if inform["InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress"] != "192.0.2.7" ||
		inform["InternetGatewayDevice.DeviceInfo.SoftwareVersion"] != "2.0" {
		t.Fatalf("Inform parameters %v", inform)
	}
}

// Run retries a failed session after the TR-069 wait (injected sleep,
// randomness 0: m·k^(n-1)), with RetryCount in the Inform.
func TestRunRetries(t *testing.T) {
	var refuse atomic.Int32
	refuse.Store(2)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 0 && refuse.Load() > 0 {
			refuse.Add(-1)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		acs.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var mu sync.Mutex
	var waits []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: srv.URL, SerialNumber: "R1", Rand: func() float64 { return 0 },
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		done <- a.Run(ctx, func(res cpe.SessionResult, err error) {
			if err == nil {
				cancel()
			}
		})
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(waits, []time.Duration{5 * time.Second, 10 * time.Second}) {
		t.Fatalf("waits %v", waits)
	}
	s := acs.Last("R1")
	if s == nil || s.Inform.RetryCount != 2 || !slices.Equal(s.Events(), []string{cwmp.EventBootstrap, cwmp.EventBoot}) {
		t.Fatalf("session after retries: %+v", s)
	}
}

// The whole tree of a default Device:2.19 encodes (every default value is
// valid for its type).
func TestWholeTree(t *testing.T) {
	r := newRig(t, nil)
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	resp := r.call(gpv("Device.")).(*cwmp.GetParameterValuesResponse)
	names := r.call(&cwmp.GetParameterNames{ParameterPath: "Device."}).(*cwmp.GetParameterNamesResponse)
	params := 0
	for _, p := range names.ParameterList {
		if !strings.HasSuffix(p.Name, ".") {
			params++
		}
	}
	if len(resp.ParameterList) < 1000 || params != len(resp.ParameterList) {
		t.Fatalf("%d values, %d parameter names", len(resp.ParameterList), params)
	}
}

// The CPE authenticates to an ACS that asks for Digest, and keeps the
// session cookie across the exchange.
func TestDigestToACS(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	guard := &auth.Server{Realm: "acs", Lookup: func(u string) (string, bool) { return "cpe-secret", u == "cpe-user" }}
	srv := httptest.NewServer(guard.Middleware(acs))
	defer srv.Close()
	a, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: srv.URL, SerialNumber: "D1", Username: "cpe-user", Password: "cpe-secret"})
	if err != nil {
		t.Fatal(err)
	}
	acs.Enqueue("D1", gpv("Device.ManagementServer.Username"))
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last("D1")
	if !s.Complete || s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse).ParameterList[0].Value != "cpe-user" {
		t.Fatalf("%+v", s)
	}
	bad, _ := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: srv.URL, SerialNumber: "D2", Username: "cpe-user", Password: "wrong"})
	if _, err := bad.RunSession(context.Background(), cwmp.EventBoot); err == nil {
		t.Fatal("wrong password accepted")
	}
}

// A value the device changes itself, with active notification, starts a
// session with 4 VALUE CHANGE (Run, woken by ValueChanged).
func TestActiveNotificationStartsSession(t *testing.T) {
	r := newRig(t, nil)
	h := r.agent.Handler()
	if _, f := h.Handle(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.ModelName", NotificationChange: true, Notification: 2}}}); f != nil {
		t.Fatal(f)
	}
	ctx, cancel := context.WithCancel(r.ctx())
	results := make(chan cpe.SessionResult, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.agent.Run(ctx, func(res cpe.SessionResult, err error) {
			if err == nil {
				results <- res
			}
		})
	}()
	defer func() { cancel(); <-done }()
	<-results // boot
	_ = r.store.Set([]model.ParameterValue{{Name: "Device.DeviceInfo.ModelName", Value: "M2"}})
	r.agent.ValueChanged()
	if res := <-results; !slices.Equal(res.Events, []string{cwmp.EventValueChange}) {
		t.Fatalf("events %v", res.Events)
	}
}

// TestSessionTimeout: the CPE proposes its session timeout in the Inform
// (CWMP 1.3), waits that long for each answer of the ACS, and takes the
// ACS's own SessionTimeout header when it sends one.
func TestSessionTimeout(t *testing.T) {
	r := newRig(t, func(c *cpe.Config) { c.SessionTimeout = 45 * time.Second })
	s := r.session([]string{cwmp.EventBoot})
	if s.InformHeader.SessionTimeout != 45 {
		t.Fatalf("Inform header SessionTimeout = %d, want 45", s.InformHeader.SessionTimeout)
	}
	// An ACS that says 1 s and then answers the empty POST after 2 s: the
	// CPE has given the session up.
	r.acs.SessionTimeout = 1
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := req.Cookie("testacs"); err == nil {
			time.Sleep(2 * time.Second)
		}
		r.acs.ServeHTTP(w, req)
	}))
	defer slow.Close()
	a, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: slow.URL, SerialNumber: "SN0002", OUI: "00D09E", ProductClass: "SimBox",
		SessionTimeout: 45 * time.Second, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = a.RunSession(r.ctx(), cwmp.EventBoot)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("session with a 1 s timeout and a 2 s answer: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("gave up after %v, not after the ACS's 1 s", d)
	}
	// Without the ACS's header the CPE waits out the slow answer.
	r.acs.SessionTimeout = 0
	if _, err := a.RunSession(r.ctx(), cwmp.EventBoot); err != nil {
		t.Fatalf("slow ACS within the proposed 45 s: %v", err)
	}
}

// TestConnectionRequestCredentialsFollowTheStore: the connection-request
// listener checks the credentials the device has now — the ACS may set new
// ones — and a CPE without configured ones reports its serial number as
// the user name (the ACS signs with what the device reports).
func TestConnectionRequestCredentialsFollowTheStore(t *testing.T) {
	crs := cpe.NewConnReqServer("")
	srv := httptest.NewServer(crs)
	defer srv.Close()
	crs.BaseURL = srv.URL
	r := newRig(t, func(c *cpe.Config) {
		c.ConnReqUsername = ""
		c.ConnReqURL = crs.URL("SN0001")
		c.ConnReqInterval = -1
	})
	crs.Register(r.agent)
	if v := r.value("Device.ManagementServer.ConnectionRequestUsername"); v != "SN0001" {
		t.Fatalf("reported user name %q, want the serial number", v)
	}
	get := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, crs.URL("SN0001"), nil)
		resp, err := (&http.Client{Transport: &auth.Transport{Username: user, Password: pass}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("SN0001", "crpass"); code != http.StatusOK {
		t.Fatalf("configured credentials: %d", code)
	}
	r.call(spv("k", "Device.ManagementServer.ConnectionRequestUsername", "cr-new", "xsd:string",
		"Device.ManagementServer.ConnectionRequestPassword", "pw-new", "xsd:string"))
	if code := get("SN0001", "crpass"); code != http.StatusUnauthorized {
		t.Fatalf("old credentials after the ACS changed them: %d", code)
	}
	if code := get("cr-new", "pw-new"); code != http.StatusOK {
		t.Fatalf("new credentials: %d", code)
	}
}
