package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// testParameterTree: devices sharing most paths (the stores keep one
// dictionary of paths for all devices) answer prefix queries at every
// depth and delete subtrees exactly as a filter over what each committed
// would, without touching one another. Prefixes include ones whose last
// byte has no ASCII successor ('~', 'É').
func testParameterTree(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	names := func(instances []int) []string {
		out := []string{"Device.", "Device.DeviceInfo.", "Device.DeviceInfo.SoftwareVersion", "Device.X_~.", "Device.X_~.A~", "Device.X_É.B"}
		for _, i := range instances {
			for _, leaf := range []string{"", "Enable", "Name", "IPv4Address.", "IPv4Address.1.", "IPv4Address.1.IPAddress"} {
				out = append(out, fmt.Sprintf("Device.IP.Interface.%d.%s", i, leaf))
			}
		}
		return out
	}
	devices := map[string][]int{"A": {1, 2}, "B": {1, 2}, "C": {2, 3, 10}}
	model := map[string]map[string]store.Parameter{}
	for id, inst := range devices {
		model[id] = map[string]store.Parameter{}
		b := &store.Batch{Device: device(id, ts)}
		for i, n := range names(inst) {
			obj := strings.HasSuffix(n, ".")
			p := store.Parameter{Name: n, Writable: ptr(i%2 == 0), Object: obj, Updated: ts}
			b.Parameters = append(b.Parameters, p)
			if !obj {
				v := store.Parameter{Name: n, Value: id + ":" + n, Type: "xsd:string", HasValue: true, Updated: ts}
				b.Parameters = append(b.Parameters, v)
				p.Value, p.Type = v.Value, v.Type
			}
			model[id][n] = p
		}
		commit(t, st, b)
	}
	check := func(when string) {
		t.Helper()
		for id := range devices {
			for _, prefix := range []string{"", "Device.", "Device.IP.", "Device.IP.Interface.1", "Device.IP.Interface.1.", "Device.IP.Interface.10.",
				"Device.IP.Interface.2.IPv4Address.1.IPAddress", "Device.X_~", "Device.X_~.", "Device.X_É", "Device.Nothing.", "Device.IP.Interface.1.Enable"} {
				var want []store.Parameter
				for n, p := range model[id] {
					if strings.HasPrefix(n, prefix) {
						want = append(want, p)
					}
				}
				sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
				got, err := st.Parameters(bg, id, prefix)
				if err != nil {
					t.Fatalf("%s: Parameters(%s, %q): %v", when, id, prefix, err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s: Parameters(%s, %q): %d parameters, want %d", when, id, prefix, len(got), len(want))
				}
				for i := range want {
					g, w := got[i], want[i]
					if g.Name != w.Name || g.Value != w.Value || g.Type != w.Type || !reflect.DeepEqual(g.Writable, w.Writable) || g.Object != w.Object || !g.Updated.Equal(w.Updated) {
						t.Fatalf("%s: Parameters(%s, %q)[%d] = %+v (writable %s), want %+v (writable %s)", when, id, prefix, i, g, showBool(g.Writable), w, showBool(w.Writable))
					}
				}
			}
		}
	}
	check("after the discoveries")
	// Many findings in one batch (the stores write them several to a
	// statement), one of them twice: the last report wins.
	t1 := ts.Add(time.Second)
	var fs []store.Finding
	for i := range 40 {
		fs = append(fs, store.Finding{Path: fmt.Sprintf("Device.IP.Interface.%d.Name", i), Rule: "reported-value", Message: fmt.Sprintf("m%d", i%3), Value: fmt.Sprint(i), Model: "Device:2.19", FirstSeen: ts, LastSeen: ts})
	}
	fs = append(fs, store.Finding{Path: "Device.IP.Interface.7.Name", Rule: "reported-value", Message: "again", Value: "v", FirstSeen: ts, LastSeen: t1})
	commit(t, st, &store.Batch{Device: device("A", ts), Findings: fs})
	got, err := st.Findings(bg, "A")
	if err != nil || len(got) != 40 {
		t.Fatalf("Findings after 41 reports of 40: %d %v", len(got), err)
	}
	want := map[string]store.Finding{}
	for _, f := range fs {
		want[f.Path] = f
	}
	for i, g := range got {
		w := want[g.Path]
		if i > 0 && got[i-1].Path >= g.Path || g.Rule != w.Rule || g.Message != w.Message || g.Value != w.Value || g.Model != w.Model ||
			!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) {
			t.Fatalf("finding %d = %+v, want %+v (sorted by path)", i, g, w)
		}
	}
	del := map[string][]string{"A": {"Device.IP.Interface.1.", "Device.X_~"}, "C": {"Device.IP.Interface.1", "Device.X_É.B", "Device.IP.Interface.10.IPv4Address."}}
	for id, prefixes := range del {
		commit(t, st, &store.Batch{Device: device(id, ts), DeleteParameters: prefixes})
		for _, prefix := range prefixes {
			for n := range model[id] {
				if strings.HasPrefix(n, prefix) {
					delete(model[id], n)
				}
			}
		}
	}
	check("after deleting subtrees")
	if err := st.DeleteDevice(bg, "B"); err != nil {
		t.Fatal(err)
	}
	model["B"] = map[string]store.Parameter{}
	check("after deleting device B")
	// A device added anew after its deletion starts empty.
	commit(t, st, &store.Batch{Device: device("B", ts), Parameters: []store.Parameter{{Name: "Device.IP.Interface.1.Enable", Value: "1", HasValue: true, Updated: ts}}})
	model["B"]["Device.IP.Interface.1.Enable"] = store.Parameter{Name: "Device.IP.Interface.1.Enable", Value: "1", Updated: ts}
	check("after B came back")
}

// Legacy is a database with the schema from before the compact
// parameters (path dictionary), holding rows of the old tables, for
// RunMigration.
type Legacy struct {
	// Parameter and Finding insert one row into the old tables.
	Parameter func(device, name, value, typ string, writable *bool, object bool, updated int64) error
	Finding   func(device, path, rule, message, value, model string, firstSeen, lastSeen int64) error
	// Close closes the legacy connection.
	Close func()
	// Open opens the store there (which migrates it).
	Open func() (store.Store, error)
}

// RunMigration checks the migration to the compact parameter schema: rows
// written by the old schema read back the same from the new one, and the
// new code goes on from them (upserts keep what a report does not name,
// subtrees and devices are deleted).
func RunMigration(t *testing.T, legacy func(t *testing.T) Legacy) {
	lg := legacy(t)
	t0 := time.UnixMilli(1_780_000_000_000).UTC()
	t1 := t0.Add(90 * time.Second)
	ms := func(tm time.Time) int64 { return tm.UnixMilli() }
	params := map[string][]store.Parameter{
		"D1": {
			{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1.0", Type: "xsd:string", Writable: ptr(false), Updated: t0},
			{Name: "Device.IP.Interface.1.", Object: true, Writable: ptr(false), Updated: t0},
			{Name: "Device.IP.Interface.1.Enable", Value: "true", Type: "xsd:boolean", Writable: ptr(true), Updated: t1},
			{Name: "Device.IP.Interface.1.Name", Value: "wan é", Updated: t0},
			{Name: "Device.X_VENDOR.A%_", Value: "x", Type: "xsd:weird", Updated: t0},
		},
		"D2": {
			{Name: "Device.DeviceInfo.SoftwareVersion", Value: "2.0", Type: "xsd:string", Updated: t1},
		},
	}
	findings := []store.Finding{
		{DeviceID: "D1", Path: "Device.IP.Interface.1.Enable", Rule: "missing", Message: "", FirstSeen: t0, LastSeen: t0},
		{DeviceID: "D1", Path: "Device.IP.Interface.1.Enable", Rule: "reported-value", Message: "outside the range", Value: "true", Model: "Device:2.19", FirstSeen: t0, LastSeen: t1},
		{DeviceID: "D1", Path: "Device.X_VENDOR.A%_", Rule: "non-standard", Message: "no such parameter", Model: "Device:2.19", FirstSeen: t1, LastSeen: t1},
	}
	for id, ps := range params {
		for _, p := range ps {
			if err := lg.Parameter(id, p.Name, p.Value, p.Type, p.Writable, p.Object, ms(p.Updated)); err != nil {
				t.Fatalf("old parameter row %s %s: %v", id, p.Name, err)
			}
		}
	}
	for _, f := range findings {
		if err := lg.Finding(f.DeviceID, f.Path, f.Rule, f.Message, f.Value, f.Model, ms(f.FirstSeen), ms(f.LastSeen)); err != nil {
			t.Fatalf("old finding row %s %s: %v", f.DeviceID, f.Path, err)
		}
	}
	lg.Close()

	e := &env{t: t, open: lg.Open}
	st := e.store()
	checkParams := func(when, id, prefix string, want []store.Parameter) {
		t.Helper()
		got, err := st.Parameters(bg, id, prefix)
		if err != nil {
			t.Fatalf("%s: Parameters(%s, %q): %v", when, id, prefix, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: Parameters(%s, %q): %d parameters %+v, want %d", when, id, prefix, len(got), got, len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Name != w.Name || g.Value != w.Value || g.Type != w.Type || !reflect.DeepEqual(g.Writable, w.Writable) || g.Object != w.Object || !g.Updated.Equal(w.Updated) {
				t.Fatalf("%s: Parameters(%s, %q)[%d] = %+v (writable %s), want %+v (writable %s)", when, id, prefix, i, g, showBool(g.Writable), w, showBool(w.Writable))
			}
		}
	}
	checkFindings := func(when string, want []store.Finding) {
		t.Helper()
		got, err := st.Findings(bg, "D1")
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: Findings: %+v %v, want %d", when, got, err, len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Path != w.Path || g.Rule != w.Rule || g.Message != w.Message || g.Value != w.Value || g.Model != w.Model ||
				!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) {
				t.Fatalf("%s: finding %d = %+v, want %+v", when, i, g, w)
			}
		}
	}
	checkParams("migrated", "D1", "", params["D1"])
	checkParams("migrated", "D1", "Device.IP.Interface.1.", params["D1"][1:4])
	checkParams("migrated", "D2", "", params["D2"])
	checkFindings("migrated", findings)
	if ids, err := st.FindingDevices(bg); err != nil || !reflect.DeepEqual(ids, []string{"D1"}) {
		t.Fatalf("FindingDevices after the migration: %v %v", ids, err)
	}

	// The new code writes on top of the migrated rows: a name report
	// keeps the value, a value report keeps the flags, a finding seen
	// again keeps its first time.
	t2 := t1.Add(time.Minute)
	commit(t, st, &store.Batch{Device: device("D1", t2),
		Parameters: []store.Parameter{
			{Name: "Device.DeviceInfo.SoftwareVersion", Writable: ptr(true), Updated: t2},
			{Name: "Device.IP.Interface.1.Enable", Value: "false", Type: "xsd:boolean", HasValue: true, Updated: t2},
		},
		Findings: []store.Finding{{Path: "Device.IP.Interface.1.Enable", Rule: "reported-value", Message: "outside the range", Value: "false", Model: "Device:2.19", FirstSeen: t2, LastSeen: t2}},
	})
	want := append([]store.Parameter(nil), params["D1"]...)
	want[0].Writable = ptr(true)
	want[2].Value, want[2].Updated = "false", t2
	checkParams("updated", "D1", "", want)
	findings[1].Value, findings[1].LastSeen = "false", t2
	checkFindings("updated", findings)
	commit(t, st, &store.Batch{Device: device("D1", t2), DeleteParameters: []string{"Device.IP.Interface.1."}})
	checkParams("subtree deleted", "D1", "", []store.Parameter{want[0], want[4]})
	checkParams("subtree deleted", "D2", "", params["D2"])
	if err := st.DeleteDevice(bg, "D1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Device(bg, "D1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Device after DeleteDevice: %v", err)
	}
	checkParams("device deleted", "D1", "", nil)
	checkFindings("device deleted", nil)
	checkParams("device deleted", "D2", "", params["D2"])
	if ids, err := st.FindingDevices(bg); err != nil || len(ids) != 0 {
		t.Fatalf("FindingDevices after deleting the device: %v %v", ids, err)
	}
}

// showBool shows a *bool's value (nil: "unknown").
func showBool(b *bool) string {
	if b == nil {
		return "unknown"
	}
	return fmt.Sprint(*b)
}
