package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

func writeDocs(t *testing.T, docs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func wantExit1(t *testing.T, err error) {
	t.Helper()
	var e exitError
	if !errors.As(err, &e) || e.code != 1 {
		t.Errorf("error %v, want exit status 1", err)
	}
}

func TestValidateCmd(t *testing.T) {
	dir := writeDocs(t, map[string]string{
		"nested.json": `{"Acme": {"Name": "box", "Host": {"1": {"Mode": "Auto", "VLANs": [1, 2]}}}}`,
		"flat.json":   `{"Acme.Name": "box", "Acme.Host.2.Channel": 36}`,
		"bad.json":    `{"Acme.Nmae": "box", "Acme.Host.1.Channel": 200, "Acme.Host.1.Mode": "Turbo"}`,
		"broken.json": `{"Acme": `,
	})
	doc := func(name string) string { return filepath.Join(dir, name) }
	out, err := run(t, "validate", "--model", acmeSchemaXML, doc("nested.json"), doc("flat.json"))
	if err != nil || out != "" {
		t.Fatalf("valid documents: %v\n%s", err, out)
	}
	out, err = run(t, "validate", "--model", acmeSchemaXML, doc("flat.json"), doc("bad.json"), doc("broken.json"))
	wantExit1(t, err)
	want := []string{
		doc("bad.json") + `: Acme.Host.1.Channel: "200": outside the range [1:13] or [36:165] step 4 [range]`,
		doc("bad.json") + `: Acme.Host.1.Mode: "Turbo": not one of the 3 enumeration values [enumeration]`,
		doc("bad.json") + `: Acme.Nmae: not a parameter or object of Acme:1.0`,
		doc("broken.json") + `: not JSON: line 1, column 10: the document ends before it is complete`,
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

	// Against a schema written by gen schema: the same paths.
	schema := filepath.Join(dir, "acme.schema.json")
	if _, err := runGen(t, "gen", "schema", acmeSchemaXML, "-o", schema); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "validate", "--schema", schema, doc("bad.json"))
	wantExit1(t, err)
	for _, p := range []string{"Acme.Host.1.Channel: 200: greater than the maximum 13", "Acme.Host.1.Mode: \"Turbo\": not one of the allowed values", "Acme.Nmae: "} {
		if !strings.Contains(out, doc("bad.json")+": "+p) {
			t.Errorf("--schema: no %q in\n%s", p, out)
		}
	}
	// In dmforge's words, not the JSON Schema library's.
	for _, lib := range []string{"Must ", "must be", "Does not match", "Invalid type"} {
		if strings.Contains(out, lib) {
			t.Errorf("--schema: library text %q in\n%s", lib, out)
		}
	}
	// Standard input.
	rootCmd.SetIn(strings.NewReader(`{"Acme.Enable": "maybe"}`))
	out, err = run(t, "validate", "--model", acmeSchemaXML, "-")
	rootCmd.SetIn(nil)
	wantExit1(t, err)
	if !strings.HasPrefix(out, "-: Acme.Enable: ") {
		t.Errorf("stdin: %s", out)
	}
	if _, err := run(t, "validate", doc("flat.json")); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("no model or schema: %v", err)
	}
	if _, err := run(t, "validate", "--model", acmeSchemaXML, doc("missing.json")); err == nil || errors.As(err, new(exitError)) {
		t.Errorf("missing document: %v", err)
	}
}

func TestValidateCmdDevice(t *testing.T) {
	testbbf.Require(t)
	dir := writeDocs(t, map[string]string{
		"cpe.json": `{
		  "Device.ManagementServer.PeriodicInformInterval": 0,
		  "Device.WiFi.SSID.1.SSDI": "home",
		  "Device.WiFi.SSID.1.SSID": "home",
		  "Device.Ethernet.Interface.1.DuplexMode": "Fast"
		}`,
	})
	out, err := run(t, "validate", "--model", "Device:2.19", filepath.Join(dir, "cpe.json"))
	wantExit1(t, err)
	for _, p := range []string{"Device.ManagementServer.PeriodicInformInterval: ", "Device.WiFi.SSID.1.SSDI: ", "Device.Ethernet.Interface.1.DuplexMode: "} {
		if !strings.Contains(out, "cpe.json: "+p) {
			t.Errorf("no %q in\n%s", p, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d violations:\n%s", n, out)
	}
}

// realFile is a file of ../shared/real, read at test time (never copied
// into the project); its absence fails the test.
func realFile(t *testing.T, name string) string {
	t.Helper()
	dir := testbbf.Require(t)
	p := filepath.Join(filepath.Dir(dir), "real", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("real device data: %v", err)
	}
	return p
}

type validateOut struct {
	Documents []struct {
		File, Kind, Device, Model, ModelReason   string
		Services                                 map[string]string
		Objects, Parameters, Virtual, Attributes int
		Errors, Vendor                           int
		Findings                                 []vFinding
	}
	Errors, Vendor int
}

func validateJSON(t *testing.T, args ...string) validateOut {
	t.Helper()
	out, err := run(t, append([]string{"validate", "--format", "json"}, args...)...)
	var e exitError
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("validate %v: %v", args, err)
	}
	var v validateOut
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%.500s", err, out)
	}
	if (v.Errors > 0) != (err != nil) {
		t.Fatalf("%d errors, exit %v", v.Errors, err)
	}
	return v
}

// csvRows reads a GenieACS CSV with the standard library only, for the
// tests to compare validate's findings with: Parameter → Value type, and
// the parameters with a vendor segment that are not GenieACS's own.
func csvRows(t *testing.T, file string) (types map[string]string, vendor map[string]bool) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	types, vendor = map[string]string{}, map[string]bool{}
	for _, r := range recs[1:] {
		p := r[0]
		if strings.HasPrefix(p, "DeviceID.") || strings.HasPrefix(p, "Events.") {
			continue
		}
		if r[1] == "true" {
			p += "."
		}
		types[p] = r[6]
		if strings.Contains(p, ".X_") {
			vendor[p] = true
		}
	}
	return types, vendor
}

// Both real GenieACS exports: the model each declares, vendor paths in
// their own class, wrong-case type names and value faults with their
// paths and lines, in dmforge's own words.
func TestValidateGenieCSVReal(t *testing.T) {
	for _, tc := range []struct {
		file, model string
		services    map[string]string
		want        []vFinding // findings that must be there (class error)
	}{
		{"tplink-ex220-tr181.csv", "Device:2.4", nil, []vFinding{
			{Line: 1145, Path: "Device.Ethernet.VLANTermination.1.VLANID", Rule: "value-range"},
			{Line: 2216, Path: "Device.Time.DaylightSavingsEnd", Rule: "type-value"},
			{Line: 707, Path: "Device.DHCPv6.Client.1.DUID", Rule: "type-mismatch"},
			{Line: 1459, Path: "Device.IP.Interface.1.IPv6Address.1.PreferredLifetime", Rule: "value-type"},
		}},
		{"nokia-g1425ga-tr098.csv", "InternetGatewayDevice:1.14", map[string]string{"VoiceService": "VoiceService:1.1", "StorageService": "StorageService:1.3"}, []vFinding{
			{Line: 3750, Path: "InternetGatewayDevice.X_ALU_COM_BandSteering.RSSIHighUpSteer", Rule: "type-name"},
			{Line: 629, Path: "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.Stats.X_ALU-COM_RadioRetranscount", Rule: "type-name"},
			{Line: 114, Path: "InternetGatewayDevice.DeviceInfo.SupportedDataModel.2.URN", Rule: "supported-data-model"},
			{Line: 125, Path: "InternetGatewayDevice.DeviceInfo.VendorConfigFile.1.Date", Rule: "type-value"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			file := realFile(t, tc.file)
			types, vendorRows := csvRows(t, file)
			v := validateJSON(t, file)
			if len(v.Documents) != 1 {
				t.Fatalf("%d documents", len(v.Documents))
			}
			d := v.Documents[0]
			if d.Kind != "genieacs-csv" || d.Model != tc.model || d.Virtual != 8 || d.Objects+d.Parameters != len(types) {
				t.Errorf("kind %s, model %s (%s), %d virtual, %d+%d entries (CSV: %d)", d.Kind, d.Model, d.ModelReason, d.Virtual, d.Objects, d.Parameters, len(types))
			}
			for k, m := range tc.services {
				if d.Services[k] != m {
					t.Errorf("Services.%s judged against %q, want %s", k, d.Services[k], m)
				}
			}
			got := map[string]vFinding{}
			typeNames := map[string]bool{}
			vendor := 0
			for _, f := range d.Findings {
				got[f.Path+" "+f.Rule] = f
				switch {
				case f.Class == classVendor:
					vendor++
					if f.Rule != "vendor-path" || !vendorRows[f.Path] {
						t.Errorf("vendor class: %+v", f)
					}
				case f.Rule == "unknown-path" || f.Rule == "later-version":
					if vendorRows[f.Path] {
						t.Errorf("a vendor path reported as an error: %+v", f)
					}
				case f.Rule == "type-name":
					typeNames[f.Path] = true
				}
				for _, lib := range []string{"strconv", "invalid syntax", "gojsonschema", "parsing \""} {
					if strings.Contains(f.Message, lib) {
						t.Errorf("library text in %+v", f)
					}
				}
			}
			if vendor != d.Vendor || vendor != len(vendorRows) || d.Errors != len(d.Findings)-vendor {
				t.Errorf("%d vendor findings, %d counted, %d vendor rows in the CSV; %d errors of %d findings", vendor, d.Vendor, len(vendorRows), d.Errors, len(d.Findings))
			}
			// Every row whose type name is not XML Schema's spelling, and
			// no other, has a type-name finding.
			for p, typ := range types {
				wrong := typ != "" && typ != "xsd:base64" && !slices.Contains([]string{"xsd:string", "xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong", "xsd:boolean", "xsd:dateTime", "xsd:base64Binary", "xsd:hexBinary", "xsd:decimal"}, typ)
				if wrong != typeNames[p] {
					t.Errorf("%s typed %q: type-name finding %v", p, typ, typeNames[p])
				}
			}
			for _, w := range tc.want {
				f, ok := got[w.Path+" "+w.Rule]
				if !ok || f.Line != w.Line || f.Class != classError {
					t.Errorf("no %s finding for %s on line %d: %+v", w.Rule, w.Path, w.Line, f)
				}
			}
			// --strict-vendor: the same findings, the vendor ones errors.
			sv := validateJSON(t, "--strict-vendor", file)
			if sv.Errors != v.Errors+v.Vendor || sv.Vendor != v.Vendor {
				t.Errorf("--strict-vendor: %d errors, want %d", sv.Errors, v.Errors+v.Vendor)
			}
			// Text: one line per error finding, FILE:LINE: PATH: MESSAGE [rule].
			out, err := run(t, "validate", file)
			wantExit1(t, err)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != d.Errors {
				t.Errorf("text: %d lines, %d errors", len(lines), d.Errors)
			}
			w := tc.want[0]
			if !slices.ContainsFunc(lines, func(l string) bool {
				return strings.HasPrefix(l, fmt.Sprintf("%s:%d: %s: ", file, w.Line, w.Path)) && strings.HasSuffix(l, "["+w.Rule+"]")
			}) {
				t.Errorf("text: no line for %+v", w)
			}
		})
	}
}

// GenieACS's JSON device documents (its NBI's GET /devices answer): one
// or several devices, metadata and virtual roots left out.
func TestValidateGenieJSON(t *testing.T) {
	testbbf.Require(t)
	dev := func(id, uptime, vlan string) string {
		return `{"_id": "` + id + `", "_deviceId": {"_SerialNumber": "S"}, "_lastInform": "2024-01-01T00:00:00Z", "_tags": ["lab"],
		  "Events": {"Inform": {"_object": false, "_value": "2024-01-01T00:00:00Z", "_type": "xsd:dateTime"}},
		  "Device": {"_object": true, "_writable": false,
		    "RootDataModelVersion": {"_object": false, "_writable": false, "_value": "2.19", "_type": "xsd:string"},
		    "DeviceInfo": {"_object": true, "_writable": false,
		      "UpTime": {"_object": false, "_writable": false, "_value": ` + uptime + `},
		      "X_ACME_Fan": {"_object": false, "_writable": true, "_value": [3, "xsd:Int"]}},
		    "Ethernet": {"_object": true, "VLANTermination": {"_object": true, "_writable": true,
		      "1": {"_object": true, "_writable": true, "VLANID": {"_object": false, "_writable": true, "_value": ` + vlan + `, "_type": "xsd:unsignedInt"}}}}}}`
	}
	dir := writeDocs(t, map[string]string{
		"one.json": dev("ACME-1", `[12, "xsd:unsignedInt"]`, "5"),
		"two.json": "[" + dev("ACME-2", `[12, "xsd:unsignedInt"]`, "5") + "," + dev("ACME-3", `["soon", "xsd:unsignedInt"]`, "0") + "]",
	})
	v := validateJSON(t, filepath.Join(dir, "one.json"))
	if len(v.Documents) != 1 || v.Documents[0].Device != "ACME-1" || v.Documents[0].Model != "Device:2.19" || v.Documents[0].Kind != "genieacs-json" {
		t.Fatalf("%+v", v.Documents)
	}
	d := v.Documents[0]
	if d.Parameters != 4 || d.Objects != 5 || d.Virtual != 1 || d.Vendor != 1 {
		t.Errorf("%d parameters, %d objects, %d virtual, %d vendor", d.Parameters, d.Objects, d.Virtual, d.Vendor)
	}
	// The vendor parameter's wrong-case type name is still a finding.
	if len(d.Findings) != 2 || d.Findings[0].Path != "Device.DeviceInfo.X_ACME_Fan" || d.Findings[0].Rule+d.Findings[1].Rule != "vendor-pathtype-name" && d.Findings[0].Rule+d.Findings[1].Rule != "type-namevendor-path" {
		t.Errorf("findings %+v", d.Findings)
	}
	v = validateJSON(t, filepath.Join(dir, "two.json"))
	if len(v.Documents) != 2 || v.Documents[1].Device != "ACME-3" {
		t.Fatalf("%+v", v.Documents)
	}
	rules := map[string]string{}
	for _, f := range v.Documents[1].Findings {
		rules[f.Path] += f.Rule + " "
	}
	if rules["Device.DeviceInfo.UpTime"] != "type-value " || rules["Device.Ethernet.VLANTermination.1.VLANID"] != "value-range " {
		t.Errorf("findings %v", rules)
	}
}

// What validate cannot do is exit status 2, with the file and the reason.
func TestValidateCannotRun(t *testing.T) {
	dir := writeDocs(t, map[string]string{
		"nohead.csv": "Path,Value\nDevice.X,1\n",
		"empty.csv":  "",
		"odd.csv":    "Parameter,Object,Value\nFoo.Bar,false,1\n",
	})
	for name, want := range map[string]string{
		"nohead.csv":  "no Parameter column",
		"empty.csv":   "empty: no CSV header",
		"odd.csv":     "no standard model has the root object Foo",
		"missing.csv": "no such file",
	} {
		_, err := run(t, "validate", filepath.Join(dir, name))
		if err == nil || errors.As(err, new(exitError)) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming the file and %q", name, err, want)
		}
	}
	if _, err := run(t, "validate", "--format", "yaml", filepath.Join(dir, "odd.csv")); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("--format yaml: %v", err)
	}
}

// The model a dump declares in its DeviceSummary (TR-106 3.7), for the
// root and for a service; the VoiceService's major version from its shape.
func TestValidateDeviceSummary(t *testing.T) {
	testbbf.Require(t)
	dir := writeDocs(t, map[string]string{"igd.csv": "Parameter,Object,Writable,Value,Value type\n" +
		"InternetGatewayDevice.DeviceSummary,false,false,\"InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1), VoiceService:1.0[1](Endpoint:1)\",xsd:string\n" +
		"InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1.Enable,false,true,Enabled,xsd:string\n" +
		"InternetGatewayDevice.Time.NTPServer1,false,true,pool.ntp.org,xsd:string\n"})
	v := validateJSON(t, filepath.Join(dir, "igd.csv"))
	d := v.Documents[0]
	if d.Model != "InternetGatewayDevice:1.4" || d.Services["VoiceService"] != "VoiceService:1.0" || !strings.Contains(d.ModelReason, "DeviceSummary") {
		t.Errorf("model %s (%s), services %v", d.Model, d.ModelReason, d.Services)
	}
	if d.Errors != 0 {
		t.Errorf("findings %+v", d.Findings)
	}
}
