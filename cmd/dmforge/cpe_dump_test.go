package main

import (
	"context"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/internal/testbbf"
)

// cpe sim --profile DUMP.csv: the simulated CPEs inform with the dump's
// identity and serve every parameter of the dump with its value (all but
// the ones the simulation sets: serial number, ACS URL, connection
// request), vendor parameters included.
func TestCPESimRealDumps(t *testing.T) {
	shared := filepath.Dir(testbbf.Require(t))
	for _, tc := range []struct{ file, model string }{
		{"real/tplink-ex220-tr181.csv", "tr181"},
		{"real/nokia-g1425ga-tr098.csv", "tr098"},
		{"peers/genieacs-sim/data_model_*.csv", "tr098"}, // the file name holds a serial number

	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			m, _ := filepath.Glob(filepath.Join(shared, tc.file))
			if len(m) != 1 {
				t.Fatalf("%s: %d files", tc.file, len(m))
			}
			file := m[0]
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			wantType := map[string]string{}
			typeCol := slices.Index(recs[0], "Value type")
			root := ""
			for _, r := range recs[1:] {
				if r[1] == "false" && !strings.HasPrefix(r[0], "DeviceID.") && !strings.HasPrefix(r[0], "Events.") {
					want[r[0]] = r[5-map[bool]int{true: 0, false: 2}[len(recs[0]) > 5]]
					if typeCol >= 0 {
						wantType[r[0]] = r[typeCol]
					}
					root, _, _ = strings.Cut(r[0], ".")
				}
			}
			acs := &testacs.ACS{Record: true}
			srv := httptest.NewServer(acs)
			defer srv.Close()
			acs.Enqueue("", &cwmp.GetParameterValues{ParameterNames: []string{root + "."}})
			out, errOut, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "1", "--sessions", "1", "-q",
				"--model", tc.model, "--profile", file, "--serial-prefix", "DUMP")
			if err != nil {
				t.Fatalf("%v\n%s%s", err, out, errOut)
			}
			s := acs.Last("DUMP0")
			if s == nil || len(s.Exchanges) != 1 {
				t.Fatalf("no session: %+v\n%s", s, errOut)
			}
			if id := s.Inform.DeviceID; id.OUI != want[root+".DeviceInfo.ManufacturerOUI"] || id.ProductClass != want[root+".DeviceInfo.ProductClass"] {
				t.Errorf("Inform identity %+v is not the dump's", id)
			}
			gpv, ok := s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse)
			if !ok {
				t.Fatalf("%+v", s.Exchanges[0].Response)
			}
			simSets := map[string]bool{"DeviceInfo.SerialNumber": true, "ManagementServer.URL": true, "ManagementServer.ConnectionRequestURL": true,
				"ManagementServer.ConnectionRequestUsername": true, "ManagementServer.ConnectionRequestPassword": true}
			got := map[string]string{}
			for _, pv := range gpv.ParameterList {
				got[pv.Name] = pv.Value
				// The type as the dump spells it, wrong case included.
				if wt := wantType[pv.Name]; wt != "" && pv.Type != wt && !simSets[strings.TrimPrefix(pv.Name, root+".")] {
					t.Errorf("%s travels as %s, the dump has %s", pv.Name, pv.Type, wt)
				}
			}
			for p, v := range want {
				g, ok := got[p]
				if !ok {
					t.Errorf("%s is not served", p)
				} else if g != v && !simSets[strings.TrimPrefix(p, root+".")] {
					t.Errorf("%s = %q, dump has %q", p, g, v)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d parameters served, the dump has %d", len(got), len(want))
			}
			if strings.Contains(errOut, "X_") && !strings.Contains(errOut, "vendor objects and parameters") {
				t.Errorf("vendor paths listed one by one:\n%.400s", errOut)
			}
		})
	}
}

// --quirk reaches the CPEs: with no-reboot a Reboot is a 9000 fault in the
// summary; an unknown quirk is refused.
func TestCPESimQuirkFlag(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	acs.Enqueue("", &cwmp.Reboot{CommandKey: "x"})
	out, errOut, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "2", "--sessions", "1", "-q", "--quirk", "no-reboot,bool-int")
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "2  9000 (CPE)") {
		t.Errorf("summary:\n%s", out)
	}
	if _, _, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--quirk", "teleport"); err == nil || !strings.Contains(err.Error(), "unknown quirk") {
		t.Errorf("unknown quirk: %v", err)
	}
}

// A GenieACS JSON device document as --profile: that device, exactly.
func TestCPESimGenieJSONProfile(t *testing.T) {
	doc := `{"_id": "ACME-BOX-1", "_deviceId": {"_SerialNumber": "1"},
	  "InternetGatewayDevice": {"_object": true, "_writable": false,
	    "DeviceInfo": {"_object": true, "_writable": false,
	      "ManufacturerOUI": {"_object": false, "_writable": false, "_value": ["00ACE0", "xsd:string"]},
	      "ProductClass": {"_object": false, "_writable": false, "_value": ["Box", "xsd:string"]},
	      "X_ACME_Fan": {"_object": false, "_writable": true, "_value": [3, "xsd:unsignedInt"]}},
	    "ManagementServer": {"_object": true, "_writable": false,
	      "URL": {"_object": false, "_writable": true, "_value": ["http://old/", "xsd:string"]}}}}`
	file := filepath.Join(t.TempDir(), "box.json")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	acs.Enqueue("", &cwmp.GetParameterNames{ParameterPath: "InternetGatewayDevice."})
	out, errOut, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "1", "--sessions", "1", "-q", "--model", "tr098", "--profile", file, "--serial-prefix", "J")
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	s := acs.Last("J0")
	if s == nil || s.Inform.DeviceID.OUI != "00ACE0" || s.Inform.DeviceID.ProductClass != "Box" {
		t.Fatalf("session %+v", s)
	}
	gpn := s.Exchanges[0].Response.(*cwmp.GetParameterNamesResponse)
	var names []string
	for _, pi := range gpn.ParameterList {
		names = append(names, pi.Name)
	}
	want := "InternetGatewayDevice. InternetGatewayDevice.DeviceInfo. InternetGatewayDevice.DeviceInfo.ManufacturerOUI InternetGatewayDevice.DeviceInfo.ProductClass InternetGatewayDevice.DeviceInfo.X_ACME_Fan InternetGatewayDevice.ManagementServer. InternetGatewayDevice.ManagementServer.URL"
	slices.Sort(names)
	if strings.Join(names, " ") != want {
		t.Errorf("GPN:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
}

// cpe run --profile DUMP.csv is the dump's device: its serial number, OUI
// and product class in the Inform.
func TestCPERunRealDump(t *testing.T) {
	file := filepath.Join(filepath.Dir(testbbf.Require(t)), "real", "nokia-g1425ga-tr098.csv")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range recs[1:] {
		want[r[0]] = r[5]
	}
	serial := want["InternetGatewayDevice.DeviceInfo.SerialNumber"]
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuf
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs([]string{"cpe", "run", "--acs", srv.URL, "--model", "tr098", "--profile", file, "--conn-req-addr", ""})
	done := make(chan error)
	go func() { done <- rootCmd.ExecuteContext(ctx) }()
	for acs.Last(serial) == nil && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rootCmd.SetContext(context.Background())
	// Cobra keeps the context a subcommand ran with; let the next run's in.
	if c, _, err := rootCmd.Find([]string{"cpe", "run"}); err == nil {
		c.SetContext(nil) //nolint:staticcheck // nil: inherit the root's again
	}
	runCPE(t, "cpe", "--help") // reset the flags
	s := acs.Last(serial)
	if s == nil {
		t.Fatalf("no session of the dump's serial number; stderr:\n%.2000s", errOut.String())
	}
	if id := s.Inform.DeviceID; id.OUI != want["InternetGatewayDevice.DeviceInfo.ManufacturerOUI"] || id.ProductClass != want["InternetGatewayDevice.DeviceInfo.ProductClass"] {
		t.Errorf("Inform identity %+v", id)
	}
}
