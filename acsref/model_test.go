package acsref

import (
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
)

// TestBindingServicesAndIGD: service models mount under Services (TR-104,
// TR-135) for both roots; InternetGatewayDevice binds TR-098.
func TestBindingServicesAndIGD(t *testing.T) {
	dev := BindRoot("Device.")
	e, s, ok := dev.Lookup("Device.Services.VoiceService.1.Capabilities.MaxLineCount")
	if !ok || s.Model != "VoiceService:2.0" || e.Object {
		t.Fatalf("VoiceService lookup: %v %v", ok, s)
	}
	if _, s, ok := dev.Lookup("Device.Services.STBService.2.Enable"); !ok || s.Model != "STBService:1.4" {
		t.Fatalf("STBService lookup: %v", ok)
	}
	if _, rerr := dev.checkSetValue("Device.Services.VoiceService.1.Capabilities.MaxLineCount", "1", ""); rerr == nil || rerr.Rule != RuleReadOnly {
		t.Errorf("read-only service parameter accepted: %v", rerr)
	}
	igd := BindRoot("InternetGatewayDevice.")
	if igd.ModelName() != "InternetGatewayDevice:1.14" {
		t.Fatalf("IGD model %s", igd.ModelName())
	}
	if typ, rerr := igd.checkSetValue("InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt"); rerr != nil || typ != "xsd:unsignedInt" {
		t.Errorf("IGD set: %v %v", typ, rerr)
	}
	if _, rerr := igd.checkSetValue("Device.ManagementServer.PeriodicInformInterval", "300", ""); rerr == nil {
		t.Errorf("a Device: path accepted for an IGD")
	}
	if BindRoot("Foo.") != nil {
		t.Errorf("Foo. bound")
	}
	// Reported values in a service model are judged by it; unknown
	// services are not judged.
	if f := dev.checkReportedValue(store.Parameter{Name: "Device.Services.VoiceService.1.Capabilities.MaxLineCount", Value: "-1", Type: "xsd:unsignedInt"}); f == nil || f.Model != "VoiceService:2.0" {
		t.Errorf("service value finding: %+v", f)
	}
	if f := dev.checkReportedValue(store.Parameter{Name: "Device.Services.FooService.1.Bar", Value: "x"}); f != nil {
		t.Errorf("unknown service judged: %+v", f)
	}
	for _, c := range []struct {
		v, dev string
		svc    bool
		want   bool
	}{{"2.0", "", false, true}, {"2.4", "", false, false}, {"2.4", "2.12", false, true}, {"2.13", "2.12", false, false}, {"1.0", "2.12", false, true}, {"2.1", "", true, false}} {
		if got := versionCovered(c.v, c.dev, c.svc); got != c.want {
			t.Errorf("versionCovered(%s, %s, %v) = %v", c.v, c.dev, c.svc, got)
		}
	}
}

// TestParseDiscoveryFlag: the acs command's product-class overrides.
func TestParseDiscoveryFlag(t *testing.T) {
	pc, d, err := ParseDiscoveryFlag("BM632w:batchSize=20,partialGPV=false,booleans=1")
	if err != nil || pc != "BM632w" || d.BatchSize != 20 || d.PartialGPV == nil || *d.PartialGPV || d.Booleans != "1" {
		t.Fatalf("%q %+v %v", pc, d, err)
	}
	for _, bad := range []string{"batchSize=2", "X:batchSize=two", "X:size=2", "X:partialGPV=maybe", "X:booleans=yes", "X:batchSize=5000"} {
		if _, _, err := ParseDiscoveryFlag(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
