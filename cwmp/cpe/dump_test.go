package cpe_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

// sharedFile returns a file of ../shared (real device data, peers) beside
// the module root, read at test time and never copied into the project;
// its absence fails the test.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), "shared", rel)
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("%s: %v (the shared test data belongs in ../shared)", rel, err)
			}
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test")
		}
	}
}

// sharedGlob is sharedFile for a pattern that matches one file.
func sharedGlob(t testing.TB, pattern string) string {
	t.Helper()
	dir := sharedFile(t, filepath.Dir(pattern))
	m, err := filepath.Glob(filepath.Join(dir, filepath.Base(pattern)))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s: %d files (%v)", pattern, len(m), err)
	}
	return m[0]
}

// realDumps are the GenieACS exports the profile tests load.
var realDumps = []struct {
	file   string
	schema *model.Schema
}{
	{"real/tplink-ex220-tr181.csv", tr181.Schema},
	{"real/nokia-g1425ga-tr098.csv", tr098.Schema},
	// genieacs-sim's default device, a Huawei BM632w (found by pattern:
	// its file name holds the device's serial number).
	{"peers/genieacs-sim/data_model_*.csv", tr098.Schema},
}

func readDump(t *testing.T, file string) *cpe.Dump {
	t.Helper()
	f, err := os.Open(sharedGlob(t, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := cpe.ReadGenieCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A CPE loaded from a real device's dump serves exactly what the dump
// holds: every object and parameter (vendor ones and values that break
// the model included) with the dump's value and type, and nothing more.
func TestProfileServesRealDumps(t *testing.T) {
	for _, tc := range realDumps {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			d := readDump(t, tc.file)
			p, fs := cpe.LoadGenieDump(tc.schema, d)
			vendor := 0
			for _, f := range fs {
				if f.Kind == "vendor" {
					vendor++
				}
			}
			h := &cpe.Handler{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p)}
			resp, f := h.Handle(&cwmp.GetParameterNames{ParameterPath: "", NextLevel: false})
			if f != nil {
				t.Fatal(f)
			}
			served := map[string]bool{}
			writable := map[string]bool{}
			for _, pi := range resp.(*cwmp.GetParameterNamesResponse).ParameterList {
				if served[pi.Name] {
					t.Errorf("GPN lists %s twice", pi.Name)
				}
				served[pi.Name] = true
				writable[pi.Name] = pi.Writable
			}
			want := map[string]cpe.DumpEntry{}
			params := 0
			for _, e := range d.Entries {
				want[e.Path] = e
				if !e.Object {
					params++
				}
				if !served[e.Path] {
					t.Errorf("line %d: %s is not served", e.Line, e.Path)
				}
				if e.Writable != nil && *e.Writable != writable[e.Path] {
					t.Errorf("line %d: %s writable %v, dump has %v", e.Line, e.Path, writable[e.Path], *e.Writable)
				}
			}
			for name := range served {
				if _, ok := want[name]; !ok {
					t.Errorf("%s is served but not in the dump", name)
				}
			}
			// GetParameterNames with NextLevel of every object: its children
			// in the dump, and only those.
			children := map[string][]string{}
			for _, e := range d.Entries {
				p := strings.TrimSuffix(e.Path, ".")
				if i := strings.LastIndexByte(p, '.'); i >= 0 {
					children[p[:i+1]] = append(children[p[:i+1]], e.Path)
				}
			}
			for _, e := range d.Entries {
				if !e.Object || strings.Count(e.Path, ".") == 1 {
					continue // the root's NextLevel is the root itself (TR-069 A.3.2.3)
				}
				resp, f := h.Handle(&cwmp.GetParameterNames{ParameterPath: e.Path, NextLevel: true})
				if f != nil {
					t.Fatalf("GPN %s: %v", e.Path, f)
				}
				var names []string
				for _, pi := range resp.(*cwmp.GetParameterNamesResponse).ParameterList {
					names = append(names, pi.Name)
				}
				want := children[e.Path]
				slices.Sort(names)
				slices.Sort(want)
				if !slices.Equal(names, want) {
					t.Errorf("GPN %s NextLevel: %v, dump has %v", e.Path, names, want)
				}
			}
			// GetParameterValues of the root: every parameter, as dumped.
			root := strings.SplitN(d.Entries[0].Path, ".", 2)[0] + "."
			resp, f = h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{root}})
			if f != nil {
				t.Fatal(f)
			}
			got := resp.(*cwmp.GetParameterValuesResponse).ParameterList
			if len(got) != params {
				t.Errorf("GPV %s: %d parameters, the dump has %d", root, len(got), params)
			}
			respelt := 0
			for _, pv := range got {
				e := want[pv.Name]
				if pv.Value != e.Value {
					t.Errorf("line %d: %s = %q, dump has %q", e.Line, pv.Name, pv.Value, e.Value)
				}
				if pv.Type == e.Type {
					continue
				}
				// Only what cannot go on the wire as dumped is respelt: a
				// type name XML Schema spells otherwise, or a value its
				// type does not allow (sent as xsd:string).
				respelt++
				bt, ok := model.ParseBaseType(e.Type)
				switch {
				case ok && model.CheckType(bt, e.Value) == nil && (e.Type != "xsd:base64" || pv.Type != "xsd:base64Binary"):
					t.Errorf("line %d: %s is %s, dump has %s", e.Line, pv.Name, pv.Type, e.Type)
				case !strings.EqualFold(pv.Type, e.Type) && pv.Type != "xsd:string" && pv.Type != "xsd:base64Binary":
					t.Errorf("line %d: %s is %s, dump has %s", e.Line, pv.Name, pv.Type, e.Type)
				}
			}
			t.Logf("%d types respelt for the wire", respelt)
			// GetParameterAttributes answers from the same tree.
			resp, f = h.Handle(&cwmp.GetParameterAttributes{ParameterNames: []string{root}})
			if f != nil {
				t.Fatal(f)
			}
			if n := len(resp.(*cwmp.GetParameterAttributesResponse).ParameterList); n != params {
				t.Errorf("GPA %s: %d parameters, the dump has %d", root, n, params)
			}
			t.Logf("%d objects, %d parameters served (%d vendor paths, %d GenieACS virtual rows left out)", len(d.Entries)-params, params, vendor, d.Virtual)
			if vendor == 0 {
				t.Error("no vendor path found")
			}
		})
	}
}

// The BM632w dump genieacs-sim ships: 1,002 entries of the device (and 4
// DeviceID rows), 792 of them parameters. All are served, vendor ones
// included, and no standard object it lacks.
func TestProfileBM632wCounts(t *testing.T) {
	d := readDump(t, realDumps[2].file)
	if len(d.Entries) != 1002 || d.Virtual != 4 {
		t.Fatalf("%d entries, %d virtual", len(d.Entries), d.Virtual)
	}
	p, _ := cpe.LoadGenieDump(tr098.Schema, d)
	h := &cpe.Handler{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p)}
	resp, f := h.Handle(&cwmp.GetParameterNames{ParameterPath: ""})
	if f != nil {
		t.Fatal(f)
	}
	if n := len(resp.(*cwmp.GetParameterNamesResponse).ParameterList); n != 1002 {
		t.Errorf("GPN: %d names, want 1002", n)
	}
	// A standard object the dump does not have is not there.
	if _, f := h.Handle(&cwmp.GetParameterNames{ParameterPath: "InternetGatewayDevice.CaptivePortal.", NextLevel: true}); f == nil || f.Code != cwmp.FaultInvalidParameterName {
		t.Errorf("GPN of an object the dump lacks: %v", f)
	}
}

// A whole session: the CPE informs the test ACS with the dump's identity
// and answers the ACS's GetParameterNames and GetParameterValues of the
// root with everything the dump holds. Only what the session itself
// writes (the ACS URL it was pointed at) differs.
func TestProfileSessionRealDump(t *testing.T) {
	d := readDump(t, realDumps[0].file)
	p, _ := cpe.LoadGenieDump(tr181.Schema, d)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	a, err := cpe.New(cpe.Config{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p), ACSURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	serial := a.SerialNumber()
	want := map[string]cpe.DumpEntry{}
	for _, e := range d.Entries {
		want[e.Path] = e
	}
	if serial == "" || serial != want["Device.DeviceInfo.SerialNumber"].Value {
		t.Fatalf("serial %q is not the dump's", serial)
	}
	acs.Enqueue(serial, &cwmp.GetParameterNames{ParameterPath: "Device.", NextLevel: false},
		&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last(serial)
	if len(s.Exchanges) != 2 {
		t.Fatalf("%d exchanges", len(s.Exchanges))
	}
	gpn, ok := s.Exchanges[0].Response.(*cwmp.GetParameterNamesResponse)
	if !ok {
		t.Fatalf("GPN: %+v", s.Exchanges[0].Response)
	}
	if len(gpn.ParameterList) != len(d.Entries) {
		t.Errorf("GPN: %d names, the dump has %d entries", len(gpn.ParameterList), len(d.Entries))
	}
	gpv, ok := s.Exchanges[1].Response.(*cwmp.GetParameterValuesResponse)
	if !ok {
		t.Fatalf("GPV: %+v", s.Exchanges[1].Response)
	}
	changed := map[string]bool{"Device.ManagementServer.URL": true}
	n := 0
	for _, pv := range gpv.ParameterList {
		e, ok := want[pv.Name]
		if !ok {
			t.Errorf("%s is served but not in the dump", pv.Name)
			continue
		}
		n++
		if (pv.Value != e.Value) != changed[pv.Name] {
			t.Errorf("line %d: %s = %q, dump has %q", e.Line, pv.Name, pv.Value, e.Value)
		}
	}
	params := 0
	for _, e := range d.Entries {
		if !e.Object {
			params++
		}
	}
	if n != params {
		t.Errorf("GPV: %d parameters, the dump has %d", n, params)
	}
}

// The dump's type names go on the wire as the dump spells them: the
// Nokia export's vendor rows typed "xsd:unsignedint" and "xsd:Int" arrive
// at the ACS spelt so, as do values their type does not allow; the rest
// of the message is what the encoder wrote.
func TestProfileSessionKeepsDumpSpelling(t *testing.T) {
	d := readDump(t, realDumps[1].file)
	p, _ := cpe.LoadGenieDump(tr098.Schema, d)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	a, err := cpe.New(cpe.Config{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p), ACSURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	serial := a.SerialNumber()
	acs.Enqueue(serial, &cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice."}})
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last(serial)
	gpv, ok := s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse)
	if !ok {
		t.Fatalf("GPV: %+v", s.Exchanges[0].Response)
	}
	want := map[string]cpe.DumpEntry{}
	for _, e := range d.Entries {
		want[e.Path] = e
	}
	odd := map[string]int{}
	for _, pv := range gpv.ParameterList {
		e := want[pv.Name]
		if e.Type == "" || pv.Name == "InternetGatewayDevice.ManagementServer.URL" {
			continue
		}
		if pv.Type != e.Type {
			t.Errorf("line %d: %s travels as %s, the dump has %s", e.Line, pv.Name, pv.Type, e.Type)
		}
		if bt, ok := cpe.ParseTypeName(e.Type); !ok || cpe.XSDTypeName(bt) != e.Type {
			odd[e.Type]++
		}
	}
	if odd["xsd:unsignedint"] == 0 || odd["xsd:Int"] == 0 {
		t.Errorf("wrong-case names seen on the wire: %v; the dump has xsd:unsignedint and xsd:Int rows", odd)
	}
	t.Logf("type names sent as the dump spells them, unlike XML Schema: %v", odd)
}

// RespellTypes changes only the xsi:type of the named parameters.
func TestRespellTypes(t *testing.T) {
	env := &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: &cwmp.GetParameterValuesResponse{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "A.B&C", Value: "1", Type: "xsd:unsignedInt"},
		{Name: "A.D", Value: "true", Type: "xsd:boolean"},
		{Name: "A.E", Value: "-1", Type: "xsd:string"},
	}}}
	msg, err := cwmp.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	got := string(cpe.RespellTypes(msg, map[string]string{"A.B&C": "xsd:unsignedint", "A.E": `xsd:"Odd"`, "A.F": "xsd:int"}))
	want := strings.NewReplacer(`<Name>A.B&amp;C</Name><Value xsi:type="xsd:unsignedInt">`, `<Name>A.B&amp;C</Name><Value xsi:type="xsd:unsignedint">`,
		`<Name>A.E</Name><Value xsi:type="xsd:string">`, `<Name>A.E</Name><Value xsi:type="xsd:&quot;Odd&quot;">`).Replace(string(msg))
	if got != want || got == string(msg) {
		t.Fatalf("respelt:\n%s\nwant:\n%s", got, want)
	}
	if same := cpe.RespellTypes(msg, map[string]string{"A.D": "xsd:boolean"}); string(same) != string(msg) {
		t.Fatal("a type already as recorded changed the message")
	}
}
