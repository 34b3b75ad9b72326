package cpe_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr098"
)

// checkDump holds what any dump read must satisfy, and serves it: a
// CPE built on it answers GetParameterNames and GetParameterValues of its
// root with a response or a fault, never a panic.
func checkDump(t *testing.T, d *cpe.Dump) {
	for _, e := range d.Entries {
		if e.Path == "" || e.Object != strings.HasSuffix(e.Path, ".") {
			t.Fatalf("entry %+v", e)
		}
		if cpe.IsGenieVirtual(e.Path) {
			t.Fatalf("virtual row kept: %s", e.Path)
		}
	}
	p, _ := cpe.LoadGenieDump(tr098.Schema, d)
	h := &cpe.Handler{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p)}
	h.Handle(&cwmp.GetParameterNames{ParameterPath: ""})
	h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice."}})
	for _, e := range d.Entries {
		h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{e.Path}})
	}
}

// FuzzReadGenieCSV: whatever a CSV file holds, reading it gives entries
// or an error, and the profile built on the entries serves them.
func FuzzReadGenieCSV(f *testing.F) {
	for _, s := range []string{
		"Parameter,Object,Writable,Value,Value type\nInternetGatewayDevice.DeviceInfo.UpTime,false,false,12,xsd:unsignedInt\n",
		"Parameter,Object,Object timestamp,Writable,Writable timestamp,Value,Value type\nInternetGatewayDevice,true,,false,,\"\",\nInternetGatewayDevice.X_A.1.B,false,,true,,\"two\nlines\",xsd:Int\n",
		"\ufeffPARAMETER,VALUE\nDeviceID.ID,x\nEvents.Inform,y\nInternetGatewayDevice.LANDevice.1.,z\n",
		"Parameter\n..\n.a\nInternetGatewayDevice..X\nInternetGatewayDevice.1.2.3\n",
		"Parameter,Object\nInternetGatewayDevice.DeviceInfo,false\nInternetGatewayDevice.DeviceInfo.Manufacturer,true\n",
		"Parameter,Value\n\"unterminated,1\n",
		"Value,Parameter\n1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := cpe.ReadGenieCSV(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		checkDump(t, d)
	})
}

// FuzzReadGenieJSON: the same for GenieACS's JSON device documents.
func FuzzReadGenieJSON(f *testing.F) {
	for _, s := range []string{
		`{"_id":"x","InternetGatewayDevice":{"_object":true,"DeviceInfo":{"_object":true,"UpTime":{"_object":false,"_value":12,"_type":"xsd:unsignedInt"}}}}`,
		`[{"_id":"a"},{"InternetGatewayDevice":{"X_A":{"_value":["1","xsd:Int"],"_writable":true}}}]`,
		`{"InternetGatewayDevice":{"1":{"2":{"_value":null}}},"Tags":{"a":{"_value":true}}}`,
		`{"InternetGatewayDevice":"flat"}`, `[1,2]`, `"x"`, `{"a":{"b":{"c":{"d":{"e":{}}}}}}`, `{`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := cpe.ReadGenieJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, d := range ds {
			checkDump(t, d)
		}
	})
}
