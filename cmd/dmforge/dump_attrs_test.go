package main

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
)

// realWithAttributes writes the real Nokia export with the Notification
// and Access list cells of a few parameter rows filled in (the export has
// them all empty), and returns the file, the CSV line of each filled row
// by path, and the cells.
func realWithAttributes(t *testing.T, cells map[int][2]string) (string, map[string]int, map[string][2]string) {
	t.Helper()
	raw, err := os.ReadFile(realFile(t, "nokia-g1425ga-tr098.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	var recs [][]string
	lines := map[string]int{}
	for {
		r, err := cr.Read()
		if err != nil {
			break
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, r)
		lines[r[0]] = line
	}
	h := recs[0]
	ni, ai := slices.Index(h, "Notification"), slices.Index(h, "Access list")
	filled := map[string][2]string{}
	k := 0
	for _, r := range recs[1:] {
		if r[1] != "false" || r[0][:9] == "DeviceID." {
			continue
		}
		if c, ok := cells[k]; ok {
			r[ni], r[ai] = c[0], c[1]
			filled[r[0]] = c
		}
		k++
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "nokia-with-attributes.csv")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, lines, filled
}

// validate reads the Notification and Access list columns: a cell that is
// no attribute value is an error finding with its line; the others are
// counted.
func TestValidateGenieCSVAttributes(t *testing.T) {
	plain := validateJSON(t, realFile(t, "nokia-g1425ga-tr098.csv"))
	if plain.Documents[0].Attributes != 0 {
		t.Errorf("the real export records no attributes; %d counted", plain.Documents[0].Attributes)
	}
	file, lines, filled := realWithAttributes(t, map[int][2]string{3: {"2", ""}, 4: {"1", "Subscriber"}, 5: {"9", ""}, 6: {"", "Everyone"}})
	v := validateJSON(t, file)
	d := v.Documents[0]
	if d.Attributes != 2 {
		t.Errorf("%d parameters with attributes, want 2 (the bad cells count none)", d.Attributes)
	}
	got := map[string]vFinding{}
	for _, f := range d.Findings {
		if f.Rule == "attribute" {
			got[f.Path] = f
		}
	}
	for p, c := range filled {
		f, bad := got[p]
		wantBad := c[0] == "9" || c[1] == "Everyone"
		if bad != wantBad || bad && (f.Line != lines[p] || f.Class != classError) {
			t.Errorf("%s %q: finding %+v (line %d)", p, c, f, lines[p])
		}
	}
	if d.Errors != plain.Documents[0].Errors+2 {
		t.Errorf("%d errors, %d without the bad cells", d.Errors, plain.Documents[0].Errors)
	}
}

// cpe sim --profile serves the dump's attributes through
// GetParameterAttributes.
func TestCPESimProfileAttributes(t *testing.T) {
	file, _, filled := realWithAttributes(t, map[int][2]string{3: {"2", ""}, 4: {"1", "Subscriber"}, 7: {"0", "Subscriber"}})
	var names []string
	for p := range filled {
		names = append(names, p)
	}
	slices.Sort(names)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	acs.Enqueue("", &cwmp.GetParameterAttributes{ParameterNames: names})
	out, errOut, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "1", "--sessions", "1", "-q",
		"--model", "tr098", "--profile", file, "--serial-prefix", "ATTR")
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	s := acs.Last("ATTR0")
	if s == nil || len(s.Exchanges) != 1 {
		t.Fatalf("no session: %+v\n%s", s, errOut)
	}
	gpa, ok := s.Exchanges[0].Response.(*cwmp.GetParameterAttributesResponse)
	if !ok || len(gpa.ParameterList) != len(names) {
		t.Fatalf("%+v", s.Exchanges[0].Response)
	}
	for _, pa := range gpa.ParameterList {
		c := filled[pa.Name]
		var list string
		if len(pa.AccessList) > 0 {
			list = pa.AccessList[0]
		}
		if strconv.Itoa(pa.Notification) != c[0] || list != c[1] || len(pa.AccessList) > 1 {
			t.Errorf("%s: notification %d, access list %v; the dump has %q", pa.Name, pa.Notification, pa.AccessList, c)
		}
	}
}
