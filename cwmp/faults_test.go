package cwmp

import (
	"strings"
	"testing"
)

func TestFaultCatalogue(t *testing.T) {
	for c := FaultCode(8000); c <= 8006; c++ {
		if _, ok := faultCatalogue[c]; !ok {
			t.Errorf("ACS fault %d missing", c)
		}
	}
	for c := FaultCode(9000); c <= 9032; c++ {
		if _, ok := faultCatalogue[c]; !ok {
			t.Errorf("CPE fault %d missing", c)
		}
	}
	cases := map[FaultCode]string{
		9000: "Method not supported", 9005: "Invalid parameter name",
		9008: "Attempt to set a non-writable parameter", 8005: "Retry request",
		9032: "Invalid Deployment Unit Update - Version already exists",
		9850: "Vendor fault 9850", 8850: "Vendor fault 8850", 9100: "Fault 9100", 42: "Unknown fault 42",
	}
	for code, want := range cases {
		if got := DefaultFaultString(code); got != want {
			t.Errorf("DefaultFaultString(%d) = %q, want %q", code, got, want)
		}
	}
	if FaultInvalidArguments.SOAPFaultCode() != "Client" || FaultInternalError.SOAPFaultCode() != "Server" {
		t.Error("SOAP fault types wrong")
	}
	if !FaultACSRetryRequest.IsACS() || FaultACSRetryRequest.IsCPE() || !FaultRequestDenied.IsCPE() {
		t.Error("IsACS/IsCPE wrong")
	}
	f := &Fault{Code: 9003, SetParameterValuesFaults: []SetParameterValuesFault{{"A.b", 9007, ""}, {"A.c", 9008, "ro"}}}
	if got := f.Error(); !strings.Contains(got, "9003") || !strings.Contains(got, "A.b: 9007") || !strings.Contains(got, "A.c: 9008 ro") {
		t.Errorf("Error() = %q", got)
	}
}

func TestEvents(t *testing.T) {
	for code, want := range map[string]bool{
		"X 00D09E Button": true, "X ACME Thing happened": true, "X 00D09E": false, "M Download": false, "1 BOOT": false,
	} {
		if IsVendorEvent(code) != want {
			t.Errorf("IsVendorEvent(%q) = %v", code, !want)
		}
	}
	for code, want := range map[string]bool{
		EventMReboot: true, EventMChangeDUState: true, "M X_ACME_Go": true, "M ": false, "M Two words": false, EventBoot: false,
	} {
		if IsMethodEvent(code) != want {
			t.Errorf("IsMethodEvent(%q) = %v", code, !want)
		}
	}
}
