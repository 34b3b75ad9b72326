package cpe_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/generated/tr098"
)

// withAttributes returns a real dump with the Notification and Access
// list cells of some parameter rows filled in (the real exports have them
// all empty: GenieACS fills them only when it has read attributes), and
// the paths it filled by value.
func withAttributes(t *testing.T, file string, cells map[int][2]string) ([]byte, map[string][2]string) {
	t.Helper()
	raw, err := os.ReadFile(sharedGlob(t, file))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h := recs[0]
	ni, ai, oi := slices.Index(h, "Notification"), slices.Index(h, "Access list"), slices.Index(h, "Object")
	if ni < 0 || ai < 0 || oi < 0 {
		t.Fatalf("header %v", h)
	}
	filled := map[string][2]string{}
	k := 0
	for _, r := range recs[1:] {
		if r[oi] != "false" || cpe.IsGenieVirtual(r[0]) {
			continue
		}
		if c, ok := cells[k]; ok {
			if r[ni] != "" || r[ai] != "" {
				t.Fatalf("%s has attributes already", r[0])
			}
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
	return b.Bytes(), filled
}

// The real exports record no attributes: the device serves the defaults.
// With the Notification and Access list cells filled, a profile loaded
// from the dump answers GetParameterAttributes with them (on the wire, in
// a session), a cell that is no attribute value is a finding naming its
// line, and the ACS's SetParameterAttributes still wins.
func TestProfileServesDumpAttributes(t *testing.T) {
	for _, tc := range realDumps[:2] {
		d := readDump(t, tc.file)
		for _, e := range d.Entries {
			if _, has, err := e.Attributes(); has || err != nil {
				t.Fatalf("%s line %d: attributes %v %v in a real export that has none", tc.file, e.Line, has, err)
			}
		}
	}
	file := realDumps[1].file
	data, filled := withAttributes(t, file, map[int][2]string{
		0: {"2", ""}, 5: {"1", "Subscriber"}, 40: {"0", "Subscriber"}, 41: {"7", ""}, 42: {"passive", ""}, 43: {"1", "Subscriber, X_ACME_Portal"},
	})
	p, fs, err := cpe.LoadGenieCSV(tr098.Schema, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{}
	for _, f := range fs {
		if f.Kind == "attribute" {
			bad[f.Path] = f.Msg
			if f.Line == 0 {
				t.Errorf("finding without a line: %+v", f)
			}
		}
	}
	if len(bad) != 3 {
		t.Errorf("attribute findings %v, want the rows with 7, passive and X_ACME_Portal", bad)
	}
	store := cpe.NewMemStoreFrom(p)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	a, err := cpe.New(cpe.Config{Schema: p.Schema(), Store: store, ACSURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range filled {
		names = append(names, n)
	}
	slices.Sort(names)
	acs.Enqueue(a.SerialNumber(), &cwmp.GetParameterAttributes{ParameterNames: names})
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	gpa, ok := acs.Last(a.SerialNumber()).Exchanges[0].Response.(*cwmp.GetParameterAttributesResponse)
	if !ok || len(gpa.ParameterList) != len(names) {
		t.Fatalf("GPA: %+v", acs.Last(a.SerialNumber()).Exchanges[0].Response)
	}
	for _, pa := range gpa.ParameterList {
		c := filled[pa.Name]
		if _, isBad := bad[pa.Name]; isBad && c[1] == "" {
			if pa.Notification != 0 && pa.Notification != 2 {
				t.Errorf("%s: a bad cell gave notification %d", pa.Name, pa.Notification)
			}
			continue
		}
		// What the dump holds; an access-list entry TR-069 does not
		// define is left out.
		wantList, _, _ := strings.Cut(c[1], ",")
		if got := strings.Join(pa.AccessList, ","); strconv.Itoa(pa.Notification) != c[0] || got != wantList {
			t.Errorf("%s: notification %d access %q, the dump has %q %q", pa.Name, pa.Notification, got, c[0], c[1])
		}
	}
	// The ACS changes one; a factory reset returns the dump's.
	h := a.Handler()
	if _, f := h.Handle(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: names[0], NotificationChange: true, Notification: 1}}}); f != nil {
		t.Fatal(f)
	}
	get := func() int {
		r, f := h.Handle(&cwmp.GetParameterAttributes{ParameterNames: names[:1]})
		if f != nil {
			t.Fatal(f)
		}
		return r.(*cwmp.GetParameterAttributesResponse).ParameterList[0].Notification
	}
	if n := get(); n != 1 {
		t.Errorf("after SetParameterAttributes: %d", n)
	}
	store.Reset()
	if n, want := get(), filled[names[0]][0]; strconv.Itoa(n) != want {
		t.Errorf("after a factory reset: %d, the dump has %s", n, want)
	}
}

// GenieACS's JSON carries the same attributes as _notification and
// _accessList.
func TestProfileJSONAttributes(t *testing.T) {
	doc := `{"_id":"x","InternetGatewayDevice":{"_object":true,"DeviceInfo":{"_object":true,
		"ProvisioningCode":{"_object":false,"_writable":true,"_value":"P","_type":"xsd:string","_notification":2,"_accessList":["Subscriber"]},
		"UpTime":{"_object":false,"_value":12,"_type":"xsd:unsignedInt","_notification":9}}}}`
	p, fs, err := cpe.LoadGenieJSON(tr098.Schema, strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.Kind == "attribute" {
			n++
			if f.Path != "InternetGatewayDevice.DeviceInfo.UpTime" || !strings.Contains(f.Msg, `"9" is not a notification level`) {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d attribute findings: %+v", n, fs)
	}
	h := &cpe.Handler{Schema: p.Schema(), Store: cpe.NewMemStoreFrom(p)}
	r, f := h.Handle(&cwmp.GetParameterAttributes{ParameterNames: []string{"InternetGatewayDevice.DeviceInfo.ProvisioningCode"}})
	if f != nil {
		t.Fatal(f)
	}
	pa := r.(*cwmp.GetParameterAttributesResponse).ParameterList[0]
	if pa.Notification != 2 || !slices.Equal(pa.AccessList, []string{"Subscriber"}) {
		t.Errorf("GPA %+v", pa)
	}
}
