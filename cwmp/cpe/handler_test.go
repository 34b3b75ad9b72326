package cpe_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// The Handler works without HTTP: what a vendor unit-tests against.
func TestHandlerDirect(t *testing.T) {
	h := &cpe.Handler{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema)}
	// A value without xsi:type is taken as the parameter's type; an
	// invalid lexical value is 9007.
	_, f := h.Handle(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "60"}}})
	if f != nil {
		t.Fatal(f)
	}
	_, f = h.Handle(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "soon", Type: "xsd:unsignedInt"}}})
	if f == nil || f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultInvalidParameterValue {
		t.Fatalf("%+v", f)
	}
	// No hooks: transfers are not supported.
	if _, f := h.Handle(&cwmp.Download{URL: "http://x/"}); f == nil || f.Code != cwmp.FaultMethodNotSupported {
		t.Fatalf("%+v", f)
	}
	if _, f := h.Handle(&cwmp.UnknownMethod{Name: "X_Vendor"}); f == nil || f.Code != cwmp.FaultMethodNotSupported {
		t.Fatalf("%+v", f)
	}
}

func TestLoadGenieCSV(t *testing.T) {
	csv := `Parameter,Object,Object timestamp,Writable,Writable timestamp,Value,Value type,Value timestamp,Notification
Device.,true,,false,,,,,
Device.DeviceInfo.Manufacturer,false,,false,,Acme,xsd:string,,
Device.DeviceInfo.SerialNumber,false,,false,,ACME123,xsd:string,,
Device.DeviceInfo.UpTime,false,,false,,12345,xsd:unsignedInt,,
Device.DeviceInfo.ProvisioningCode,false,,false,,PC,xsd:string,,
Device.ManagementServer.PeriodicInformInterval,false,,true,,0,xsd:unsignedInt,,
Device.ManagementServer.PeriodicInformEnable,false,,true,,true,xsd:string,,
Device.WiFi.SSID.1.,true,,true,,,,,
Device.WiFi.SSID.1.SSID,false,,true,,home,xsd:string,,
Device.WiFi.SSID.3.SSID,false,,true,,guest,xsd:string,,
Device.X_ACME_Thing,false,,true,,42,xsd:int,,
`
	p, fs, err := cpe.LoadGenieCSV(tr181.Schema, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, f := range fs {
		kinds[f.Path] = f.Kind
	}
	want := map[string]string{
		"Device.DeviceInfo.ProvisioningCode":             "writable",
		"Device.ManagementServer.PeriodicInformInterval": "value",
		"Device.ManagementServer.PeriodicInformEnable":   "type",
		"Device.X_ACME_Thing":                            "vendor",
	}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%s: finding %q, want %q (all: %v)", k, kinds[k], v, fs)
		}
	}
	s := cpe.NewMemStoreFrom(p)
	// The profile's schema: the model plus what the dump has beyond it.
	h := &cpe.Handler{Schema: p.Schema(), Store: s}
	resp, f := h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.", "Device.WiFi.SSID.3.SSID", "Device.X_ACME_Thing"}})
	if f != nil {
		t.Fatal(f)
	}
	got := map[string]string{}
	for _, pv := range resp.(*cwmp.GetParameterValuesResponse).ParameterList {
		got[pv.Name] = pv.Value
	}
	// Only what the device has, as it had it.
	if got["Device.DeviceInfo.Manufacturer"] != "Acme" || got["Device.DeviceInfo.UpTime"] != "12345" || got["Device.WiFi.SSID.3.SSID"] != "guest" ||
		got["Device.X_ACME_Thing"] != "42" {
		t.Fatalf("values %v", got)
	}
	// A count the dump does not list is not there: the device did not have it.
	if _, f := h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{"Device.WiFi.SSIDNumberOfEntries"}}); f == nil || f.Code != cwmp.FaultInvalidParameterName {
		t.Fatalf("SSIDNumberOfEntries: %v", f)
	}
	if _, ok := got["Device.DeviceInfo.ModelName"]; ok {
		t.Fatal("a parameter the dump does not have is present")
	}
	// A new instance gets the model's parameters, at their defaults.
	if _, f := h.Handle(&cwmp.AddObject{ObjectName: "Device.WiFi.SSID."}); f != nil {
		t.Fatal(f)
	}
	if v, ok := s.Get("Device.WiFi.SSID.4.Enable"); !ok || v != "false" {
		t.Fatalf("new instance: Enable %q %v", v, ok)
	}
	if _, ok := s.Get("Device.WiFi.SSID.1.Enable"); ok {
		t.Fatal("a parameter the dump does not list is present in an instance it lists")
	}
	// An object the dump does not have is not there: no AddObject on it.
	if _, f := h.Handle(&cwmp.AddObject{ObjectName: "Device.IP.Interface."}); f == nil || f.Code != cwmp.FaultInvalidParameterName {
		t.Fatalf("AddObject on an object the device lacks: %v", f)
	}
	if _, ok := s.Get("Device.Time.Enable"); ok {
		t.Fatal("a single-instance object the dump does not have is present")
	}
	// The device reported PeriodicInformEnable as a string: it stays so.
	resp, _ = h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{"Device.ManagementServer.PeriodicInformEnable"}})
	if pv := resp.(*cwmp.GetParameterValuesResponse).ParameterList[0]; pv.Type != "xsd:string" || pv.Value != "true" {
		t.Fatalf("%+v", pv)
	}
	// The device said ProvisioningCode is read-only: it stays so.
	_, f = h.Handle(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "x", Type: "xsd:string"}}})
	if f == nil || f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("%+v", f)
	}
}

func TestLoadJSON(t *testing.T) {
	doc := `{"Device.DeviceInfo.SerialNumber": "J1", "Device.DeviceInfo.UpTime": 7,
	"Device.WiFi.SSID.2.": {}, "Device.WiFi.SSID.2.Enable": {"value": true, "type": "xsd:boolean", "writable": true},
	"Device.DeviceInfo.Nope": "x"}`
	p, fs, err := cpe.LoadJSON(tr181.Schema, strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != "unknown-path" {
		t.Fatalf("findings %v", fs)
	}
	s := cpe.NewMemStoreFrom(p)
	if v, _ := s.Get("Device.DeviceInfo.UpTime"); v != "7" {
		t.Fatal(v)
	}
	if v, _ := s.Get("Device.WiFi.SSID.2.Enable"); v != "true" {
		t.Fatal(v)
	}
	if got := s.Instances("Device.WiFi.SSID."); len(got) != 1 || got[0] != 2 {
		t.Fatal(got)
	}
	// Parameters the document does not name keep the model's defaults.
	if v, ok := s.Get("Device.ManagementServer.CWMPRetryMinimumWaitInterval"); !ok || v != "5" {
		t.Fatal(v, ok)
	}
}

func TestMemStoreSharesProfile(t *testing.T) {
	p := cpe.NewDeviceProfile(tr181.Schema)
	a, b := cpe.NewMemStoreFrom(p), cpe.NewMemStoreFrom(p)
	if _, err := a.AddInstance("Device.WiFi.SSID."); err != nil {
		t.Fatal(err)
	}
	if len(b.Instances("Device.WiFi.SSID.")) != 0 {
		t.Fatal("instances leak between devices")
	}
	if _, err := a.AddInstance("Device.IP.Interface.4.IPv4Address."); err == nil {
		t.Fatal("instance under a missing parent")
	}
}

// strictStore is a vendor Store that refuses read-only parameters in Set,
// as generated stubs do.
type strictStore struct{ *cpe.MemStore }

func (s strictStore) Set(values []model.ParameterValue) error {
	for _, v := range values {
		if e, ok := tr181.Schema.Lookup(v.Name); !ok || !e.Access.Writable() {
			return cwmp.NewFault(cwmp.FaultNonWritableParameter, v.Name)
		}
	}
	return s.MemStore.Set(values)
}

func (s strictStore) SetParameterKey(string) error { return errors.New("not here") }

// The runtime keeps the read-only values a vendor Store will not take
// (identity, connection-request URL, ParameterKey).
func TestVendorStoreRefusingReadOnly(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	a, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: strictStore{cpe.NewMemStore(tr181.Schema)}, ACSURL: srv.URL,
		SerialNumber: "V1", OUI: "00D09E", ConnReqURL: "http://127.0.0.1:9/V1"})
	if err != nil {
		t.Fatal(err)
	}
	acs.Enqueue("V1", &cwmp.SetParameterValues{ParameterKey: "pk-1", ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "P", Type: "xsd:string"}}},
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.ManagementServer.ParameterKey", "Device.DeviceInfo.SerialNumber"}})
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last("V1")
	if _, ok := s.Exchanges[0].Response.(*cwmp.SetParameterValuesResponse); !ok {
		t.Fatalf("SPV: %+v", s.Exchanges[0].Response)
	}
	got := s.Exchanges[1].Response.(*cwmp.GetParameterValuesResponse).ParameterList
	if got[0].Value != "pk-1" || got[1].Value != "V1" {
		t.Fatalf("%+v", got)
	}
	if !slices.Contains(s.Inform.ParameterList, cwmp.ParameterValueStruct{Name: "Device.ManagementServer.ConnectionRequestURL", Value: "http://127.0.0.1:9/V1", Type: "xsd:string"}) {
		t.Fatalf("Inform %+v", s.Inform.ParameterList)
	}
}
