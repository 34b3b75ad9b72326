// Package storetest is the conformance suite of acsref/store: one set of
// behaviour tests every Store implementation passes (the SQLite and the
// PostgreSQL store run it), and the helper that gives tests a real
// PostgreSQL database (PostgresDSN).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// Factory prepares a fresh, empty location for one test and returns the
// function that opens the store there; every call opens it anew, so a
// second call after closing the first store is a restart.
type Factory func(t *testing.T) (open func() (store.Store, error))

// Run runs the whole suite against the stores of f.
func Run(t *testing.T, f Factory) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"RoundTrip", testRoundTrip},
		{"Device", testDevice},
		{"Parameters", testParameters},
		{"ParameterTree", testParameterTree},
		{"Devices", testDevices},
		{"DeleteDevice", testDeleteDevice},
		{"Tasks", testTasks},
		{"CancelTask", testCancelTask},
		{"Faults", testFaults},
		{"Findings", testFindings},
		{"Tags", testTags},
		{"Files", testFiles},
		{"FileChunks", testFileChunks},
		{"FileRefused", testFileRefused},
		{"FileConcurrentReaders", testFileConcurrentReaders},
		{"FileDelete", testFileDelete},
		{"Credentials", testCredentials},
		{"Settings", testSettings},
		{"ConcurrentCommits", testConcurrentCommits},
		{"Restart", testRestart},
		{"BadInput", testBadInput},
		{"Atomic", testAtomic},
		{"Shared", testShared},
		{"TaskOutcome", testTaskOutcome},
		{"Policies", testPolicies},
		{"Users", testUsers},
		{"RunRecords", testRunRecords},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, &env{t: t, open: f(t)})
		})
	}
}

// env opens stores at one location and closes them when the test ends.
type env struct {
	t    *testing.T
	open func() (store.Store, error)
}

func (e *env) store() store.Store {
	e.t.Helper()
	st, err := e.open()
	if err != nil {
		e.t.Fatalf("opening the store: %v", err)
	}
	var once sync.Once
	closeIt := func() { once.Do(func() { st.Close() }) }
	e.t.Cleanup(closeIt)
	return &closing{Store: st, close: closeIt}
}

// closing makes Close idempotent for the cleanup.
type closing struct {
	store.Store
	close func()
}

func (c *closing) Close() error { c.close(); return nil }

// unwrap returns the store a closing wraps.
func unwrap(st store.Store) store.Store {
	if c, ok := st.(*closing); ok {
		return c.Store
	}
	return st
}

var bg = context.Background()

// now is a time as the stores keep it: UTC, milliseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func ptr[T any](v T) *T { return &v }

func commit(t *testing.T, st store.Store, b *store.Batch) {
	t.Helper()
	if err := st.Commit(bg, b); err != nil {
		t.Fatalf("Commit of device %s: %v", b.Device.ID, err)
	}
}

func device(id string, at time.Time) *store.Device {
	return &store.Device{ID: id, OUI: "00D09E", ProductClass: "Box", SerialNumber: id, Root: "Device.", Model: "Device:2.19",
		FirstSeen: at, LastInform: at}
}

func addTask(t *testing.T, st store.Store, dev, name string) *store.Task {
	t.Helper()
	task := &store.Task{DeviceID: dev, Name: name, Spec: json.RawMessage(`{"name":"` + name + `"}`)}
	if err := st.AddTask(bg, task); err != nil {
		t.Fatalf("AddTask: %v", err)
	}
	return task
}

// testRoundTrip: what a session commits, tasks, tags, files and
// credentials survive closing and reopening the store (migrations run
// once).
func testRoundTrip(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	w := true
	b := &store.Batch{
		Device:     &store.Device{ID: "D1", OUI: "00D09E", Model: "Device:2.19", Root: "Device.", FirstSeen: ts, LastInform: ts, Discovered: true},
		Parameters: []store.Parameter{{Name: "Device.A", Value: "1", Type: "xsd:int", HasValue: true, Updated: ts}, {Name: "Device.A", Writable: &w, Updated: ts}, {Name: "Device.O.", Object: true, Updated: ts}},
		Findings:   []store.Finding{{Path: "Device.A", Rule: "r", Message: "m", FirstSeen: ts, LastSeen: ts}},
	}
	commit(t, st, b)
	task := &store.Task{DeviceID: "D1", Name: "reboot"}
	if err := st.AddTask(bg, task); err != nil || task.ID == 0 || task.Status != store.TaskPending {
		t.Fatalf("AddTask: %v %+v", err, task)
	}
	if err := st.SetTag(bg, "D1", "lab", true); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(bg, &store.File{Name: "fw", Data: []byte("abc")}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCredential(bg, "u", "p", "D1"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = e.store()
	d, err := st.Device(bg, "D1")
	if err != nil || !d.Discovered || d.Model != "Device:2.19" || !d.LastInform.Equal(ts) || len(d.Tags) != 1 {
		t.Fatalf("device %+v %v", d, err)
	}
	ps, _ := st.Parameters(bg, "D1", "Device.")
	if len(ps) != 2 || ps[0].Value != "1" || ps[0].Writable == nil || !*ps[0].Writable || !ps[1].Object {
		t.Fatalf("parameters %+v", ps)
	}
	if fs, _ := st.Findings(bg, "D1"); len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	if ids, _ := st.PendingDevices(bg); len(ids) != 1 || ids[0] != "D1" {
		t.Fatalf("pending %v", ids)
	}
	if f, err := readFile(st, "fw"); err != nil || string(f.Data) != "abc" || f.Size != 3 {
		t.Fatalf("file %+v %v", f, err)
	}
	if pw, dev, err := st.Credential(bg, "u"); err != nil || pw != "p" || dev != "D1" {
		t.Fatalf("credential %q %q %v", pw, dev, err)
	}
	// Cancel: pending → cancelled, then conflict; a session's update
	// does not resurrect it.
	if _, err := st.CancelTask(bg, task.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CancelTask(bg, task.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	task.Status = store.TaskDone
	commit(t, st, &store.Batch{Device: d, Tasks: []*store.Task{task}})
	if got, _ := st.Task(bg, task.ID); got.Status != store.TaskCancelled {
		t.Fatalf("status %s", got.Status)
	}
	// BOOTSTRAP forgets parameters and findings.
	commit(t, st, &store.Batch{Device: d, Forget: true})
	if ps, _ := st.Parameters(bg, "D1", ""); len(ps) != 0 {
		t.Fatalf("parameters after Forget: %d", len(ps))
	}
	if fs, _ := st.Findings(bg, "D1"); len(fs) != 0 {
		t.Fatalf("findings after Forget: %+v", fs)
	}
	if err := st.DeleteDevice(bg, "D1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Device(bg, "D1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted device: %v", err)
	}
}

// testDevice: every field round-trips; a later commit updates all but
// FirstSeen and leaves tags alone.
func testDevice(t *testing.T, e *env) {
	st := e.store()
	if _, err := st.Device(bg, "none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Device of an unknown id: %v, want ErrNotFound", err)
	}
	t0 := now().Add(-time.Hour)
	d := &store.Device{ID: "00D09E-Box-1", OUI: "00D09E", ProductClass: "Box", SerialNumber: "1", Manufacturer: "dmforge",
		Root: "Device.", Model: "Device:2.19", DataModel: "2.19", SoftwareVer: "1.0", ConnReqURL: "http://10.0.0.1:7547/cr",
		RemoteAddr: "10.0.0.1", Discovered: true, FirstSeen: t0, LastInform: t0, LastBoot: t0.Add(-time.Minute), Tags: []string{"ignored"}}
	commit(t, st, &store.Batch{Device: d})
	got, err := st.Device(bg, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *d
	want.Tags = []string{}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("device\n got %+v\nwant %+v", got, &want)
	}
	if err := st.SetTag(bg, d.ID, "b", true); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTag(bg, d.ID, "a", true); err != nil {
		t.Fatal(err)
	}
	t1 := now()
	upd := &store.Device{ID: d.ID, OUI: "00D09F", ProductClass: "Box2", SerialNumber: "1", Root: "InternetGatewayDevice.",
		Model: "InternetGatewayDevice:1.14", FirstSeen: t1, LastInform: t1}
	commit(t, st, &store.Batch{Device: upd})
	got, err = st.Device(bg, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want = *upd
	want.FirstSeen = t0 // kept
	want.Tags = []string{"a", "b"}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("updated device\n got %+v\nwant %+v", got, &want)
	}
}

// byteOrder are names whose order differs between byte order and the
// usual locale collations (punctuation, case, accents, LIKE wildcards).
var byteOrder = []string{"Device.A B", "Device.A-B", "Device.A.B", "Device.AB", "Device.A_C", "Device.A%", "Device.Z", "Device.a", "Device.É"}

func testParameters(t *testing.T, e *env) {
	st := e.store()
	t0, t1 := now().Add(-time.Minute), now()
	b := &store.Batch{Device: device("D", t0)}
	for _, n := range byteOrder {
		b.Parameters = append(b.Parameters, store.Parameter{Name: n, Value: "v" + n, Type: "xsd:string", HasValue: true, Updated: t0})
	}
	commit(t, st, b)
	ps, err := st.Parameters(bg, "D", "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	want := append([]string(nil), byteOrder...)
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("parameters not in byte order:\n got %q\nwant %q", names, want)
	}
	// Prefixes match literally: "_" and "%" are no wildcards.
	for prefix, n := range map[string]int{"Device.A": 6, "Device.A_": 1, "Device.A%": 1, "Device.A.": 1, "%": 0, "Device.É": 1, "Device.b": 0} {
		ps, err := st.Parameters(bg, "D", prefix)
		if err != nil || len(ps) != n {
			t.Errorf("Parameters(%q): %d %v, want %d", prefix, len(ps), err, n)
		}
	}
	if ps, err := st.Parameters(bg, "other", ""); err != nil || len(ps) != 0 {
		t.Fatalf("parameters of an unknown device: %v %v", ps, err)
	}

	// Values and names: the last report of a name wins; a name report
	// keeps the value, a value report keeps the flags.
	b = &store.Batch{Device: device("D", t1), Parameters: []store.Parameter{
		{Name: "Device.X", Value: "1", Type: "xsd:int", HasValue: true, Updated: t0},
		{Name: "Device.X", Writable: ptr(false), Updated: t0},
		{Name: "Device.X", Value: "2", Type: "xsd:unsignedInt", HasValue: true, Updated: t1},
		{Name: "Device.X", Writable: ptr(true), Updated: t1},
		{Name: "Device.Y.", Object: true, Writable: ptr(false), Updated: t1},
		{Name: "Device.A.B", Writable: ptr(true), Updated: t1},
	}}
	commit(t, st, b)
	got := map[string]store.Parameter{}
	ps, _ = st.Parameters(bg, "D", "")
	for _, p := range ps {
		got[p.Name] = p
	}
	check := func(name, value, typ string, writable *bool, object bool, updated time.Time) {
		t.Helper()
		p, ok := got[name]
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if p.Value != value || p.Type != typ || !reflect.DeepEqual(p.Writable, writable) || p.Object != object || !p.Updated.Equal(updated) {
			t.Fatalf("%s = %+v (writable %v), want %q %q %v %v %v", name, p, p.Writable, value, typ, writable, object, updated)
		}
	}
	check("Device.X", "2", "xsd:unsignedInt", ptr(true), false, t1)
	check("Device.Y.", "", "", ptr(false), true, t1)
	check("Device.A.B", "vDevice.A.B", "xsd:string", ptr(true), false, t0)
	check("Device.Z", "vDevice.Z", "xsd:string", nil, false, t0)

	// DeleteParameters takes a name or a prefix, literally.
	commit(t, st, &store.Batch{Device: device("D", t1), DeleteParameters: []string{"Device.A_", "Device.Z"}})
	ps, _ = st.Parameters(bg, "D", "")
	names = names[:0]
	for _, p := range ps {
		names = append(names, p.Name)
	}
	want = []string{"Device.A B", "Device.A-B", "Device.A%", "Device.A.B", "Device.AB", "Device.X", "Device.Y.", "Device.a", "Device.É"}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("after DeleteParameters:\n got %q\nwant %q", names, want)
	}
	// Complete: the batch is the device's whole tree under a prefix; what
	// it does not name there goes, what is outside the prefix stays.
	commit(t, st, &store.Batch{Device: device("D", t1), Complete: "Device.A", Parameters: []store.Parameter{
		{Name: "Device.A.B", Writable: ptr(false), Updated: t1},
		{Name: "Device.AB", Value: "kept", HasValue: true, Updated: t1},
		{Name: "Device.A.New", Writable: ptr(true), Updated: t1},
	}})
	ps, _ = st.Parameters(bg, "D", "")
	names = names[:0]
	for _, p := range ps {
		names = append(names, p.Name)
	}
	want = []string{"Device.A.B", "Device.A.New", "Device.AB", "Device.X", "Device.Y.", "Device.a", "Device.É"}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("after a Complete batch:\n got %q\nwant %q", names, want)
	}
	if ps, _ := st.Parameters(bg, "D", "Device.A.B"); len(ps) != 1 || ps[0].Value != "vDevice.A.B" {
		t.Fatalf("a parameter the complete tree names lost its value: %+v", ps)
	}
	// Forget drops every parameter first; the batch's own reports stay.
	commit(t, st, &store.Batch{Device: device("D", t1), Forget: true,
		Parameters: []store.Parameter{{Name: "Device.New", Value: "n", HasValue: true, Updated: t1}}})
	if ps, _ := st.Parameters(bg, "D", ""); len(ps) != 1 || ps[0].Name != "Device.New" {
		t.Fatalf("after Forget: %+v", ps)
	}
}

func testDevices(t *testing.T, e *env) {
	st := e.store()
	if ds, err := st.Devices(bg, store.DeviceFilter{}); err != nil || len(ds) != 0 {
		t.Fatalf("Devices of an empty store: %v %v", ds, err)
	}
	base := now().Add(-10 * time.Hour)
	ids := []string{"b-1", "B-1", "a_1", "a-1", "a.1", "Z"}
	for i, id := range ids {
		d := device(id, base.Add(time.Duration(i)*time.Hour))
		d.ProductClass = []string{"P", "Q"}[i%2]
		d.OUI = []string{"O1", "O2", "O3"}[i%3]
		d.Model = []string{"Device:2.19", "InternetGatewayDevice:1.14", "Device:2.1"}[i%3]
		commit(t, st, &store.Batch{Device: d})
	}
	for _, tag := range []string{"y", "x"} {
		if err := st.SetTag(bg, "a-1", tag, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetTag(bg, "Z", "x", true); err != nil {
		t.Fatal(err)
	}
	list := func(f store.DeviceFilter) []string {
		t.Helper()
		ds, err := st.Devices(bg, f)
		if err != nil {
			t.Fatalf("Devices(%+v): %v", f, err)
		}
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	for _, c := range []struct {
		f    store.DeviceFilter
		want []string
	}{
		{store.DeviceFilter{}, sorted},
		{store.DeviceFilter{Limit: 2}, sorted[:2]},
		{store.DeviceFilter{Model: "Device:2"}, []string{"Z", "a-1", "a_1", "b-1"}},
		{store.DeviceFilter{Model: "Device:2.1"}, []string{"Z", "a-1", "a_1", "b-1"}},
		{store.DeviceFilter{Model: "Device:2.19"}, []string{"a-1", "b-1"}},
		{store.DeviceFilter{Model: "Device:2_"}, []string{}},
		{store.DeviceFilter{ProductClass: "Q"}, []string{"B-1", "Z", "a-1"}},
		{store.DeviceFilter{OUI: "O1"}, []string{"a-1", "b-1"}},
		{store.DeviceFilter{Tag: "x"}, []string{"Z", "a-1"}},
		{store.DeviceFilter{Tag: "none"}, []string{}},
		{store.DeviceFilter{InformSince: base.Add(4 * time.Hour)}, []string{"Z", "a.1"}},
		{store.DeviceFilter{InformBefore: base.Add(time.Hour)}, []string{"b-1"}},
		{store.DeviceFilter{InformSince: base.Add(time.Hour), InformBefore: base.Add(3 * time.Hour), ProductClass: "Q"}, []string{"B-1"}},
	} {
		if got := list(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Devices(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	ds, _ := st.Devices(bg, store.DeviceFilter{Tag: "x"})
	if len(ds) != 2 || !reflect.DeepEqual(ds[0].Tags, []string{"x"}) || !reflect.DeepEqual(ds[1].Tags, []string{"x", "y"}) {
		t.Fatalf("tags of listed devices: %+v", ds)
	}
	ds, _ = st.Devices(bg, store.DeviceFilter{OUI: "O2"})
	for _, d := range ds {
		if d.Tags == nil {
			t.Fatalf("device %s: nil tags, want empty", d.ID)
		}
	}
}

func testDeleteDevice(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	for _, id := range []string{"D1", "D2"} {
		commit(t, st, &store.Batch{Device: device(id, ts),
			Parameters: []store.Parameter{{Name: "Device.A", Value: "1", HasValue: true, Updated: ts}},
			Faults:     []store.Fault{{Code: 9002, String: "x", Time: ts}},
			Findings:   []store.Finding{{Path: "Device.A", Rule: "r", Message: "m", FirstSeen: ts, LastSeen: ts}}})
		addTask(t, st, id, "reboot")
		if err := st.SetTag(bg, id, "t", true); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteDevice(bg, "D1"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteDevice(bg, "D1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, err := st.Device(bg, "D1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted device: %v", err)
	}
	if ps, _ := st.Parameters(bg, "D1", ""); len(ps) != 0 {
		t.Fatalf("parameters left: %+v", ps)
	}
	if ts, _ := st.Tasks(bg, store.TaskFilter{DeviceID: "D1"}); len(ts) != 0 {
		t.Fatalf("tasks left: %+v", ts)
	}
	if fs, _ := st.Faults(bg, "D1", 0); len(fs) != 0 {
		t.Fatalf("faults left: %+v", fs)
	}
	if fs, _ := st.Findings(bg, "D1"); len(fs) != 0 {
		t.Fatalf("findings left: %+v", fs)
	}
	if ds, _ := st.Devices(bg, store.DeviceFilter{Tag: "t"}); len(ds) != 1 || ds[0].ID != "D2" {
		t.Fatalf("tagged devices: %+v", ds)
	}
	// The other device keeps everything.
	d, err := st.Device(bg, "D2")
	ps, _ := st.Parameters(bg, "D2", "")
	tasks, _ := st.Tasks(bg, store.TaskFilter{DeviceID: "D2"})
	faults, _ := st.Faults(bg, "D2", 0)
	findings, _ := st.Findings(bg, "D2")
	if err != nil || len(d.Tags) != 1 || len(ps) != 1 || len(tasks) != 1 || len(faults) != 1 || len(findings) != 1 {
		t.Fatalf("D2 after deleting D1: %v %+v %d %d %d %d", err, d, len(ps), len(tasks), len(faults), len(findings))
	}
}

func testTasks(t *testing.T, e *env) {
	st := e.store()
	if _, err := st.Task(bg, 12345); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Task of an unknown id: %v", err)
	}
	before := time.Now().Add(-time.Second)
	t1 := &store.Task{DeviceID: "D1", Name: "reboot"}
	if err := st.AddTask(bg, t1); err != nil {
		t.Fatal(err)
	}
	if t1.ID == 0 || t1.Status != store.TaskPending || string(t1.Spec) != "{}" || t1.Created.Before(before) || !t1.Updated.Equal(t1.Created) {
		t.Fatalf("AddTask filled %+v", t1)
	}
	t2 := &store.Task{DeviceID: "D2", Name: "getParameterValues", Spec: json.RawMessage(`{"name":"getParameterValues","parameterNames":["Device."]}`),
		Internal: true, CommandKey: "ck"}
	if err := st.AddTask(bg, t2); err != nil {
		t.Fatal(err)
	}
	t3 := addTask(t, st, "D1", "factoryReset")
	t4 := &store.Task{DeviceID: "D3", Name: "x", Status: store.TaskWaiting}
	if err := st.AddTask(bg, t4); err != nil {
		t.Fatal(err)
	}
	if !(t1.ID < t2.ID && t2.ID < t3.ID && t3.ID < t4.ID) {
		t.Fatalf("ids not increasing: %d %d %d %d", t1.ID, t2.ID, t3.ID, t4.ID)
	}
	got, err := st.Task(bg, t2.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *t2
	want.Created, want.Updated = t2.Created.Truncate(time.Millisecond), t2.Updated.Truncate(time.Millisecond)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("Task\n got %+v\nwant %+v", got, &want)
	}
	ids := func(f store.TaskFilter) []int64 {
		t.Helper()
		ts, err := st.Tasks(bg, f)
		if err != nil {
			t.Fatalf("Tasks(%+v): %v", f, err)
		}
		out := []int64{}
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    store.TaskFilter
		want []int64
	}{
		{store.TaskFilter{}, []int64{t1.ID, t2.ID, t3.ID, t4.ID}},
		{store.TaskFilter{Limit: 3}, []int64{t1.ID, t2.ID, t3.ID}},
		{store.TaskFilter{DeviceID: "D1"}, []int64{t1.ID, t3.ID}},
		{store.TaskFilter{DeviceID: "D1", Limit: 1}, []int64{t1.ID}},
		{store.TaskFilter{Status: []string{store.TaskWaiting}}, []int64{t4.ID}},
		{store.TaskFilter{Status: []string{store.TaskWaiting, store.TaskPending}}, []int64{t1.ID, t2.ID, t3.ID, t4.ID}},
		{store.TaskFilter{DeviceID: "D3", Status: []string{store.TaskPending}}, []int64{}},
		{store.TaskFilter{DeviceID: "none"}, []int64{}},
	} {
		if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tasks(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	if pd, err := st.PendingDevices(bg); err != nil || !reflect.DeepEqual(sorted(pd), []string{"D1", "D2"}) {
		t.Fatalf("PendingDevices: %v %v", pd, err)
	}

	// A session's updates: status, result, fault, command key and time;
	// the last update of a task in a batch wins.
	ts := now()
	u1 := *t1
	u1.Status, u1.CommandKey, u1.Updated = store.TaskWaiting, "dmf-1", ts
	u1b := u1
	u1b.Status, u1b.Result = store.TaskDone, json.RawMessage(`{"ok":true}`)
	u3 := *t3
	u3.Status, u3.FaultCode, u3.FaultString, u3.Updated = store.TaskFault, 9001, "Request denied", ts
	commit(t, st, &store.Batch{Device: device("D1", ts), Tasks: []*store.Task{&u1, &u3, &u1b}})
	g1, _ := st.Task(bg, t1.ID)
	if g1.Status != store.TaskDone || string(g1.Result) != `{"ok":true}` || g1.CommandKey != "dmf-1" || !g1.Updated.Equal(ts) || !g1.Created.Equal(t1.Created.Truncate(time.Millisecond)) {
		t.Fatalf("task 1 after commit: %+v", g1)
	}
	g3, _ := st.Task(bg, t3.ID)
	if g3.Status != store.TaskFault || g3.FaultCode != 9001 || g3.FaultString != "Request denied" || g3.Result != nil {
		t.Fatalf("task 3 after commit: %+v", g3)
	}
	if pd, _ := st.PendingDevices(bg); !reflect.DeepEqual(pd, []string{"D2"}) {
		t.Fatalf("PendingDevices after commit: %v", pd)
	}
	// An update of an unknown task changes nothing.
	commit(t, st, &store.Batch{Device: device("D1", ts), Tasks: []*store.Task{{ID: 999999, Status: store.TaskDone}}})
	if _, err := st.Task(bg, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown task after commit: %v", err)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func testCancelTask(t *testing.T, e *env) {
	st := e.store()
	pending := addTask(t, st, "D", "reboot")
	waiting := addTask(t, st, "D", "download")
	done := addTask(t, st, "D", "getRPCMethods")
	fault := addTask(t, st, "D", "factoryReset")
	ts := now()
	waiting.Status, done.Status, fault.Status = store.TaskWaiting, store.TaskDone, store.TaskFault
	commit(t, st, &store.Batch{Device: device("D", ts), Tasks: []*store.Task{waiting, done, fault}})

	for _, task := range []*store.Task{pending, waiting} {
		got, err := st.CancelTask(bg, task.ID)
		if err != nil || got.ID != task.ID || got.Status != store.TaskCancelled || got.Name != task.Name {
			t.Fatalf("cancel %s task: %+v %v", task.Name, got, err)
		}
		if got.Updated.Before(ts) {
			t.Fatalf("cancel did not update the time: %v < %v", got.Updated, ts)
		}
	}
	for _, c := range []struct {
		task   *store.Task
		status string
	}{{done, store.TaskDone}, {fault, store.TaskFault}, {pending, store.TaskCancelled}} {
		got, err := st.CancelTask(bg, c.task.ID)
		if !errors.Is(err, store.ErrConflict) || got == nil || got.ID != c.task.ID || got.Status != c.status {
			t.Fatalf("cancel of a %s task: %+v %v, want the task and ErrConflict", c.status, got, err)
		}
	}
	if got, err := st.CancelTask(bg, 987654); !errors.Is(err, store.ErrNotFound) || got != nil {
		t.Fatalf("cancel of an unknown task: %+v %v, want ErrNotFound", got, err)
	}
	// A session that answered the task meanwhile does not undo the
	// cancel.
	pending.Status, waiting.Status = store.TaskDone, store.TaskDone
	commit(t, st, &store.Batch{Device: device("D", now()), Tasks: []*store.Task{pending, waiting}})
	for _, task := range []*store.Task{pending, waiting} {
		if got, _ := st.Task(bg, task.ID); got.Status != store.TaskCancelled {
			t.Fatalf("cancelled task is %s after a commit", got.Status)
		}
	}
	if pd, _ := st.PendingDevices(bg); len(pd) != 0 {
		t.Fatalf("PendingDevices: %v", pd)
	}
}

func testFaults(t *testing.T, e *env) {
	st := e.store()
	if fs, err := st.Faults(bg, "", 0); err != nil || fs == nil || len(fs) != 0 {
		t.Fatalf("Faults of an empty store: %#v %v, want an empty list", fs, err)
	}
	ts := now()
	commit(t, st, &store.Batch{Device: device("D1", ts), Faults: []store.Fault{
		{TaskID: 7, Method: "SetParameterValues", Code: 9003, String: "Invalid arguments", Detail: json.RawMessage(`[{"ParameterName":"Device.X","FaultCode":9007}]`), Time: ts},
		{Code: 9002, String: "Internal error", Time: ts},
	}})
	commit(t, st, &store.Batch{Device: device("D2", ts), Faults: []store.Fault{{Method: "Reboot", Code: 9001, String: "Request denied", Time: ts}}})
	all, err := st.Faults(bg, "", 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("Faults: %+v %v", all, err)
	}
	if all[0].DeviceID != "D2" || all[1].Code != 9002 || all[2].Code != 9003 || !(all[0].ID > all[1].ID && all[1].ID > all[2].ID) {
		t.Fatalf("faults not newest first: %+v", all)
	}
	f := all[2]
	if f.DeviceID != "D1" || f.TaskID != 7 || f.Method != "SetParameterValues" || f.String != "Invalid arguments" ||
		string(f.Detail) != `[{"ParameterName":"Device.X","FaultCode":9007}]` || !f.Time.Equal(ts) {
		t.Fatalf("fault %+v", f)
	}
	if all[1].Detail != nil {
		t.Fatalf("fault without detail: %q", all[1].Detail)
	}
	if fs, _ := st.Faults(bg, "D1", 0); len(fs) != 2 || fs[0].Code != 9002 {
		t.Fatalf("faults of D1: %+v", fs)
	}
	if fs, _ := st.Faults(bg, "", 1); len(fs) != 1 || fs[0].DeviceID != "D2" {
		t.Fatalf("faults limit 1: %+v", fs)
	}
	if fs, _ := st.Faults(bg, "D1", 1); len(fs) != 1 || fs[0].Code != 9002 {
		t.Fatalf("faults of D1 limit 1: %+v", fs)
	}
	if fs, err := st.Faults(bg, "none", 0); err != nil || fs == nil || len(fs) != 0 {
		t.Fatalf("faults of an unknown device: %#v %v", fs, err)
	}
}

func testFindings(t *testing.T, e *env) {
	st := e.store()
	if fs, err := st.Findings(bg, "D"); err != nil || fs == nil || len(fs) != 0 {
		t.Fatalf("Findings of an unknown device: %#v %v, want an empty list", fs, err)
	}
	t0, t1 := now().Add(-time.Hour), now()
	f := func(path, rule, msg string, at time.Time) store.Finding {
		return store.Finding{Path: path, Rule: rule, Message: msg, Value: "v", Model: "Device:2.19", FirstSeen: at, LastSeen: at}
	}
	commit(t, st, &store.Batch{Device: device("D", t0), Findings: []store.Finding{
		f("Device.B", "reported-value", "m1", t0),
		f("Device.A", "reported-type", "m2", t0),
		f("Device.A", "access", "m3", t0),
		f("Device.a", "reported-value", "m4", t0),
		f("Device.C", "", "not written", t0),
		f("Device.B", "reported-value", "m1 again", t0), // the last wins
	}})
	got, err := st.Findings(bg, "D")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, g := range got {
		keys = append(keys, g.Path+" "+g.Rule+" "+g.Message)
		if g.DeviceID != "D" || g.Value != "v" || g.Model != "Device:2.19" || !g.FirstSeen.Equal(t0) || !g.LastSeen.Equal(t0) {
			t.Fatalf("finding %+v", g)
		}
	}
	if want := []string{"Device.A access m3", "Device.A reported-type m2", "Device.B reported-value m1 again", "Device.a reported-value m4"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("findings\n got %q\nwant %q", keys, want)
	}
	// Seen again: message and last-seen updated, first-seen kept.
	commit(t, st, &store.Batch{Device: device("D", t1), Findings: []store.Finding{f("Device.A", "access", "m3'", t1)}})
	got, _ = st.Findings(bg, "D")
	if g := got[0]; g.Message != "m3'" || !g.FirstSeen.Equal(t0) || !g.LastSeen.Equal(t1) {
		t.Fatalf("updated finding %+v", g)
	}
	// Resolved drops the value findings of a path (not the others); a
	// finding of the same batch is written after.
	commit(t, st, &store.Batch{Device: device("D", t1), Resolved: []string{"Device.A", "Device.B", "Device.a"},
		Findings: []store.Finding{f("Device.a", "not-parameter", "new", t1)}})
	got, _ = st.Findings(bg, "D")
	keys = keys[:0]
	for _, g := range got {
		keys = append(keys, g.Path+" "+g.Rule)
	}
	if want := []string{"Device.A access", "Device.a not-parameter"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("after Resolved\n got %q\nwant %q", keys, want)
	}
	commit(t, st, &store.Batch{Device: device("E", t1), Findings: []store.Finding{f("Device.", "unbound-model", "m", t1)}})
	if ids, err := st.FindingDevices(bg); err != nil || !reflect.DeepEqual(sorted(ids), []string{"D", "E"}) {
		t.Fatalf("FindingDevices: %v %v", ids, err)
	}
	// ClearFindings replaces the device's findings by the batch's.
	commit(t, st, &store.Batch{Device: device("D", t1), ClearFindings: true, Findings: []store.Finding{f("Device.Z", "required", "m", t1)}})
	got, _ = st.Findings(bg, "D")
	if len(got) != 1 || got[0].Path != "Device.Z" {
		t.Fatalf("after ClearFindings: %+v", got)
	}
	commit(t, st, &store.Batch{Device: device("D", t1), ClearFindings: true})
	if ids, _ := st.FindingDevices(bg); !reflect.DeepEqual(ids, []string{"E"}) {
		t.Fatalf("FindingDevices after clearing D: %v", ids)
	}
}

func testTags(t *testing.T, e *env) {
	st := e.store()
	commit(t, st, &store.Batch{Device: device("D", now())})
	for _, c := range []struct {
		tag string
		on  bool
	}{{"b", true}, {"a", true}, {"b", true}, {"c", true}, {"c", false}, {"c", false}, {"none", false}} {
		if err := st.SetTag(bg, "D", c.tag, c.on); err != nil {
			t.Fatalf("SetTag(%q, %v): %v", c.tag, c.on, err)
		}
	}
	d, err := st.Device(bg, "D")
	if err != nil || !reflect.DeepEqual(d.Tags, []string{"a", "b"}) {
		t.Fatalf("tags %v %v", d.Tags, err)
	}
	// A commit leaves tags alone.
	nd := device("D", now())
	nd.Tags = []string{"z"}
	commit(t, st, &store.Batch{Device: nd})
	if d, _ := st.Device(bg, "D"); !reflect.DeepEqual(d.Tags, []string{"a", "b"}) {
		t.Fatalf("tags after commit %v", d.Tags)
	}
}

func testFiles(t *testing.T, e *env) {
	st := e.store()
	if fs, err := st.Files(bg); err != nil || fs == nil || len(fs) != 0 {
		t.Fatalf("Files of an empty store: %#v %v", fs, err)
	}
	if _, err := readFile(st, "fw"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("File of an unknown name: %v", err)
	}
	data := []byte{0, 1, 2, 0xff, 0xfe, 'x', 0}
	created := now().Add(-time.Hour)
	f := &store.File{Name: "fw/b.bin", FileType: "1 Firmware Upgrade Image", OUI: "00D09E", ProductClass: "Box", Version: "2.0",
		ModelName: "B-1", FromVersions: []string{"1.0", "1.1"}, Data: data, Created: created}
	if err := st.PutFile(bg, f); err != nil {
		t.Fatal(err)
	}
	// The SHA-256 of the 7 bytes above.
	if f.Size != int64(len(data)) || !f.Created.Equal(created) || f.SHA256 != "a05455b50095475fdd7ba6787340a64060902e7ccd39220abfe875d016d16199" {
		t.Fatalf("PutFile filled %+v", f)
	}
	info, err := st.FileInfo(bg, "fw/b.bin")
	if err != nil || info.Data != nil || info.Size != f.Size || info.SHA256 != f.SHA256 || info.ModelName != "B-1" || !reflect.DeepEqual(info.FromVersions, f.FromVersions) {
		t.Fatalf("FileInfo %+v %v", info, err)
	}
	if _, err := st.FileInfo(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FileInfo of an unknown name: %v", err)
	}
	g := &store.File{Name: "a.cfg", Data: []byte("cfg")}
	if err := st.PutFile(bg, g); err != nil {
		t.Fatal(err)
	}
	if g.Created.IsZero() || g.Size != 3 {
		t.Fatalf("PutFile filled %+v", g)
	}
	empty := &store.File{Name: "empty", Data: []byte{}}
	if err := st.PutFile(bg, empty); err != nil {
		t.Fatalf("PutFile of an empty file: %v", err)
	}
	got, err := readFile(st, "fw/b.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("File\n got %+v\nwant %+v", got, f)
	}
	if got, err := readFile(st, "empty"); err != nil || len(got.Data) != 0 || got.Size != 0 {
		t.Fatalf("empty file %+v %v", got, err)
	}
	list, err := st.Files(bg)
	if err != nil || len(list) != 3 || list[0].Name != "a.cfg" || list[1].Name != "empty" || list[2].Name != "fw/b.bin" {
		t.Fatalf("Files %+v %v", list, err)
	}
	for _, l := range list {
		if l.Data != nil {
			t.Fatalf("Files returned data of %s", l.Name)
		}
	}
	if list[2].Size != int64(len(data)) || list[2].FileType != f.FileType || !list[2].Created.Equal(created) || list[2].SHA256 != f.SHA256 || list[2].ModelName != "B-1" {
		t.Fatalf("listed file %+v", list[2])
	}
	// Put again replaces the whole file.
	r := &store.File{Name: "fw/b.bin", Data: []byte("v3")}
	if err := st.PutFile(bg, r); err != nil {
		t.Fatal(err)
	}
	if got, _ := readFile(st, "fw/b.bin"); string(got.Data) != "v3" || got.Size != 2 || got.FileType != "" || got.Version != "" {
		t.Fatalf("replaced file %+v", got)
	}
	if err := st.DeleteFile(bg, "fw/b.bin"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteFile(bg, "fw/b.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := readFile(st, "fw/b.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted file: %v", err)
	}
}

func testCredentials(t *testing.T, e *env) {
	st := e.store()
	if _, _, err := st.Credential(bg, "u"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown credential: %v", err)
	}
	if err := st.PutCredential(bg, "u", "p1", ""); err != nil {
		t.Fatal(err)
	}
	if pw, dev, err := st.Credential(bg, "u"); err != nil || pw != "p1" || dev != "" {
		t.Fatalf("credential %q %q %v", pw, dev, err)
	}
	if err := st.PutCredential(bg, "u", "p2", "D1"); err != nil {
		t.Fatal(err)
	}
	if pw, dev, err := st.Credential(bg, "u"); err != nil || pw != "p2" || dev != "D1" {
		t.Fatalf("replaced credential %q %q %v", pw, dev, err)
	}
	if _, _, err := st.Credential(bg, "U"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("usernames are case-sensitive: %v", err)
	}
	if err := st.DeleteCredential(bg, "u"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteCredential(bg, "u"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, _, err := st.Credential(bg, "u"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted credential: %v", err)
	}
}

// testConcurrentCommits: many sessions commit at once, some for the same
// device, with task adds and reads in between; nothing is lost.
func testConcurrentCommits(t *testing.T, e *env) {
	st := e.store()
	const workers, perWorker, params = 16, 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*3)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				ts := now()
				id := fmt.Sprintf("dev-%02d", w)
				b := &store.Batch{Device: device(id, ts)}
				for j := 0; j < params; j++ {
					b.Parameters = append(b.Parameters, store.Parameter{Name: fmt.Sprintf("Device.P%02d", j), Value: fmt.Sprint(i), HasValue: true, Updated: ts})
				}
				b.Faults = []store.Fault{{Code: 9000 + i, String: id, Time: ts}}
				if err := st.Commit(bg, b); err != nil {
					errs <- err
				}
				// Everyone also writes the shared device.
				if err := st.Commit(bg, &store.Batch{Device: device("shared", ts),
					Parameters: []store.Parameter{{Name: fmt.Sprintf("Device.W%02d", w), Value: fmt.Sprint(i), HasValue: true, Updated: ts}}}); err != nil {
					errs <- err
				}
				if err := st.AddTask(bg, &store.Task{DeviceID: id, Name: "reboot"}); err != nil {
					errs <- err
				}
				if _, err := st.Parameters(bg, id, ""); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := 0; w < workers; w++ {
		id := fmt.Sprintf("dev-%02d", w)
		ps, err := st.Parameters(bg, id, "")
		if err != nil || len(ps) != params || ps[0].Value != fmt.Sprint(perWorker-1) {
			t.Fatalf("%s: %d parameters (first %+v), %v", id, len(ps), ps[0], err)
		}
		if fs, _ := st.Faults(bg, id, 0); len(fs) != perWorker || fs[0].Code != 9000+perWorker-1 {
			t.Fatalf("%s: faults %+v", id, fs)
		}
		if ts, _ := st.Tasks(bg, store.TaskFilter{DeviceID: id}); len(ts) != perWorker {
			t.Fatalf("%s: %d tasks", id, len(ts))
		}
	}
	if ps, _ := st.Parameters(bg, "shared", ""); len(ps) != workers {
		t.Fatalf("shared device: %d parameters", len(ps))
	}
	if ds, _ := st.Devices(bg, store.DeviceFilter{}); len(ds) != workers+1 {
		t.Fatalf("%d devices", len(ds))
	}
	all, _ := st.Tasks(bg, store.TaskFilter{})
	seen := map[int64]bool{}
	for _, task := range all {
		if seen[task.ID] {
			t.Fatalf("task id %d twice", task.ID)
		}
		seen[task.ID] = true
	}
}

// testRestart: everything written is there after closing and reopening;
// a reopen of an up-to-date store changes nothing.
func testRestart(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	commit(t, st, &store.Batch{Device: device("D", ts),
		Parameters: []store.Parameter{{Name: "Device.A", Value: "1", HasValue: true, Updated: ts}},
		Faults:     []store.Fault{{Code: 9002, Time: ts}},
		Findings:   []store.Finding{{Path: "Device.A", Rule: "r", Message: "m", FirstSeen: ts, LastSeen: ts}}})
	task := addTask(t, st, "D", "reboot")
	waiting := addTask(t, st, "D", "download")
	waiting.Status = store.TaskWaiting
	commit(t, st, &store.Batch{Device: device("D", ts), Tasks: []*store.Task{waiting}})
	if err := st.SetTag(bg, "D", "t", true); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(bg, &store.File{Name: "f", Data: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCredential(bg, "u", "p", "D"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	lastID := waiting.ID
	for round := 0; round < 2; round++ {
		st = e.store()
		d, err := st.Device(bg, "D")
		if err != nil || !d.LastInform.Equal(ts) || !reflect.DeepEqual(d.Tags, []string{"t"}) {
			t.Fatalf("round %d: device %+v %v", round, d, err)
		}
		if ps, _ := st.Parameters(bg, "D", ""); len(ps) != 1 {
			t.Fatalf("round %d: parameters %+v", round, ps)
		}
		if fs, _ := st.Faults(bg, "D", 0); len(fs) != 1 {
			t.Fatalf("round %d: faults %+v", round, fs)
		}
		if fs, _ := st.Findings(bg, "D"); len(fs) != 1 {
			t.Fatalf("round %d: findings %+v", round, fs)
		}
		if got, err := st.Task(bg, task.ID); err != nil || got.Status != store.TaskPending {
			t.Fatalf("round %d: task %+v %v", round, got, err)
		}
		if got, err := st.Task(bg, waiting.ID); err != nil || got.Status != store.TaskWaiting {
			t.Fatalf("round %d: waiting task %+v %v", round, got, err)
		}
		if pd, _ := st.PendingDevices(bg); !reflect.DeepEqual(pd, []string{"D"}) {
			t.Fatalf("round %d: pending %v", round, pd)
		}
		if f, err := readFile(st, "f"); err != nil || !reflect.DeepEqual(f.Data, []byte{1, 2, 3}) {
			t.Fatalf("round %d: file %+v %v", round, f, err)
		}
		if pw, _, err := st.Credential(bg, "u"); err != nil || pw != "p" {
			t.Fatalf("round %d: credential %q %v", round, pw, err)
		}
		// Ids go on after a restart.
		next := addTask(t, st, "D", "x")
		if next.ID <= lastID {
			t.Fatalf("round %d: task id %d after %d", round, next.ID, lastID)
		}
		lastID = next.ID
		st.Close()
	}
}

// testBadInput: what the stores refuse, and keys that name nothing.
func testBadInput(t *testing.T, e *env) {
	st := e.store()
	if err := st.Commit(bg, &store.Batch{}); err == nil {
		t.Fatal("Commit of a batch without device: no error")
	}
	if err := st.Commit(bg, &store.Batch{Parameters: []store.Parameter{{Name: "Device.A", HasValue: true}}}); err == nil {
		t.Fatal("Commit of parameters without device: no error")
	}
	if ds, _ := st.Devices(bg, store.DeviceFilter{}); len(ds) != 0 {
		t.Fatalf("a refused batch wrote %+v", ds)
	}
	// Keys no store can have written name nothing.
	for _, key := range []string{"", "a\x00b", "\xff\xfe", "%", "_"} {
		if _, err := st.Device(bg, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Device(%q): %v, want ErrNotFound", key, err)
		}
		if err := st.DeleteDevice(bg, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteDevice(%q): %v, want ErrNotFound", key, err)
		}
		if _, err := readFile(st, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("File(%q): %v, want ErrNotFound", key, err)
		}
		if err := st.DeleteFile(bg, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteFile(%q): %v, want ErrNotFound", key, err)
		}
		if _, _, err := st.Credential(bg, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Credential(%q): %v, want ErrNotFound", key, err)
		}
		if err := st.DeleteCredential(bg, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteCredential(%q): %v, want ErrNotFound", key, err)
		}
		if ps, err := st.Parameters(bg, key, key); err != nil || len(ps) != 0 {
			t.Errorf("Parameters(%q): %v %v", key, ps, err)
		}
		if ts, err := st.Tasks(bg, store.TaskFilter{DeviceID: key, Status: []string{key}}); err != nil || len(ts) != 0 {
			t.Errorf("Tasks(%q): %v %v", key, ts, err)
		}
		if fs, err := st.Faults(bg, key, 0); err != nil || len(fs) != 0 {
			t.Errorf("Faults(%q): %v %v", key, fs, err)
		}
		if fs, err := st.Findings(bg, key); err != nil || len(fs) != 0 {
			t.Errorf("Findings(%q): %v %v", key, fs, err)
		}
		if ds, err := st.Devices(bg, store.DeviceFilter{Model: key, Tag: key}); err != nil || (key != "" && len(ds) != 0) {
			t.Errorf("Devices(%q): %v %v", key, ds, err)
		}
		if err := st.SetTag(bg, key, key, false); err != nil {
			t.Errorf("SetTag(%q, off): %v", key, err)
		}
	}
	for _, id := range []int64{0, -1} {
		if _, err := st.Task(bg, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Task(%d): %v, want ErrNotFound", id, err)
		}
		if _, err := st.CancelTask(bg, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CancelTask(%d): %v, want ErrNotFound", id, err)
		}
	}
	// Text a store cannot hold is refused with ErrInvalid (PostgreSQL) or
	// kept exactly (SQLite); never stored altered.
	bad := "bad\x00value\xff"
	checkHeld := func(what string, err error, read func() (string, error)) {
		t.Helper()
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid or success", what, err)
			}
			return
		}
		got, err := read()
		if err != nil || got != bad {
			t.Errorf("%s: stored %q (%v), want %q", what, got, err, bad)
		}
	}
	err := st.Commit(bg, &store.Batch{Device: device("D", now()), Parameters: []store.Parameter{{Name: "Device.A", Value: bad, HasValue: true}}})
	checkHeld("parameter value", err, func() (string, error) {
		ps, err := st.Parameters(bg, "D", "Device.A")
		if len(ps) != 1 {
			return "", fmt.Errorf("%d parameters", len(ps))
		}
		return ps[0].Value, err
	})
	err = st.PutCredential(bg, "nul", bad, "")
	checkHeld("credential password", err, func() (string, error) {
		pw, _, err := st.Credential(bg, "nul")
		return pw, err
	})
	err = st.SetTag(bg, "D", bad, true)
	checkHeld("tag", err, func() (string, error) {
		d, err := st.Device(bg, "D")
		if err != nil || len(d.Tags) != 1 {
			return "", fmt.Errorf("device %+v: %v", d, err)
		}
		return d.Tags[0], nil
	})
}

// testAtomic: a Commit is all or nothing. A batch that fails (text the
// store cannot hold, if it has such) leaves no trace of its earlier
// statements; otherwise all of it is there.
func testAtomic(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	task := addTask(t, st, "D", "reboot")
	task.Status = store.TaskDone
	b := &store.Batch{Device: device("D", ts), Tasks: []*store.Task{task},
		Parameters: []store.Parameter{{Name: "Device.A", Value: "1", HasValue: true, Updated: ts}},
		Faults:     []store.Fault{{Code: 9002, Time: ts}},
		Findings:   []store.Finding{{Path: "Device.A", Rule: "r", Message: "bad\x00", FirstSeen: ts, LastSeen: ts}}}
	err := st.Commit(bg, b)
	ps, _ := st.Parameters(bg, "D", "")
	fs, _ := st.Faults(bg, "D", 0)
	got, _ := st.Task(bg, task.ID)
	_, derr := st.Device(bg, "D")
	if err != nil {
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Commit: %v, want ErrInvalid or success", err)
		}
		if len(ps) != 0 || len(fs) != 0 || got.Status != store.TaskPending || !errors.Is(derr, store.ErrNotFound) {
			t.Fatalf("a failed commit left %d parameters, %d faults, task %s, device %v", len(ps), len(fs), got.Status, derr)
		}
		return
	}
	if len(ps) != 1 || len(fs) != 1 || got.Status != store.TaskDone || derr != nil {
		t.Fatalf("a commit wrote %d parameters, %d faults, task %s, device %v", len(ps), len(fs), got.Status, derr)
	}
}

// testShared: stores that several processes share (store.Shared) lock a
// device's session across them; another store on the same location stands
// for another process. Migrations run once when many open at once.
func testShared(t *testing.T, e *env) {
	a := e.store()
	sa, ok := unwrap(a).(store.Shared)
	if !ok {
		t.Skip("not a shared store")
	}
	// Concurrent opens of the same (migrated) location.
	var wg sync.WaitGroup
	others := make([]store.Store, 4)
	errs := make([]error, len(others))
	for i := range others {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			others[i], errs[i] = e.open()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
		defer others[i].Close()
	}
	sb := others[0].(store.Shared)

	unlockA, err := sa.LockDevice(bg, "D1")
	if err != nil {
		t.Fatalf("LockDevice: %v", err)
	}
	if _, err := sb.LockDevice(bg, "D1"); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("LockDevice of a device locked by another store: %v, want ErrLocked", err)
	}
	unlockB2, err := sb.LockDevice(bg, "D2")
	if err != nil {
		t.Fatalf("LockDevice of another device: %v", err)
	}
	unlockA()
	unlockA() // a no-op
	unlockB, err := sb.LockDevice(bg, "D1")
	if err != nil {
		t.Fatalf("LockDevice after unlock: %v", err)
	}
	if _, err := sa.LockDevice(bg, "D1"); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("LockDevice after the other took it: %v, want ErrLocked", err)
	}
	unlockB()
	unlockB2()
	// A store that closes (a process that ends) releases its locks.
	if _, err := sb.LockDevice(bg, "D3"); err != nil {
		t.Fatal(err)
	}
	others[0].Close()
	unlock, err := sa.LockDevice(bg, "D3")
	if err != nil {
		t.Fatalf("LockDevice after the holder closed: %v", err)
	}
	unlock()
	// Many devices at once, across the lock connections.
	var unlocks []func()
	for i := 0; i < 64; i++ {
		u, err := sa.LockDevice(bg, fmt.Sprintf("dev-%d", i))
		if err != nil {
			t.Fatalf("lock %d: %v", i, err)
		}
		unlocks = append(unlocks, u)
	}
	sc := others[1].(store.Shared)
	for i := 0; i < 64; i++ {
		if _, err := sc.LockDevice(bg, fmt.Sprintf("dev-%d", i)); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("lock %d from another store: %v", i, err)
		}
	}
	for _, u := range unlocks {
		u()
	}
	for i := 0; i < 64; i++ {
		u, err := sc.LockDevice(bg, fmt.Sprintf("dev-%d", i))
		if err != nil {
			t.Fatalf("lock %d after unlock: %v", i, err)
		}
		u()
	}
}

func testSettings(t *testing.T, e *env) {
	st := e.store()
	if _, err := st.Setting(bg, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset setting: %v", err)
	}
	if v, err := st.PutSetting(bg, "k", "v1", true); err != nil || v != "v1" {
		t.Fatalf("first PutSetting: %q %v", v, err)
	}
	if v, err := st.PutSetting(bg, "k", "v2", true); err != nil || v != "v1" {
		t.Fatalf("PutSetting keep: %q %v, want the first value kept", v, err)
	}
	if v, err := st.PutSetting(bg, "k", "v3", false); err != nil || v != "v3" {
		t.Fatalf("PutSetting replace: %q %v", v, err)
	}
	if v, err := st.Setting(bg, "k"); err != nil || v != "v3" {
		t.Fatalf("Setting: %q %v", v, err)
	}
}

// testTaskOutcome: a task's no-answer count and retry time, and a
// device's discovery record, are committed and survive a restart; a later
// commit replaces them.
func testTaskOutcome(t *testing.T, e *env) {
	st := e.store()
	ts := now()
	task := addTask(t, st, "D", "getParameterValues")
	if task.Attempts != 0 || !task.RetryAfter.IsZero() {
		t.Fatalf("new task %+v", task)
	}
	d := device("D", ts)
	d.Discovery = json.RawMessage(`{"partialGPV":false,"batch":50}`)
	d.Services = []string{"STBService:1.4", "VoiceService:1.1"}
	task.Attempts, task.RetryAfter, task.Updated = 2, ts.Add(time.Minute), ts
	commit(t, st, &store.Batch{Device: d, Tasks: []*store.Task{task}})
	st.Close()
	st = e.store()
	got, err := st.Task(bg, task.ID)
	if err != nil || got.Attempts != 2 || !got.RetryAfter.Equal(ts.Add(time.Minute)) || got.Status != store.TaskPending {
		t.Fatalf("task after restart %+v %v", got, err)
	}
	gd, err := st.Device(bg, "D")
	if err != nil || string(gd.Discovery) != `{"partialGPV":false,"batch":50}` || !reflect.DeepEqual(gd.Services, d.Services) {
		t.Fatalf("device discovery %s services %v %v", gd.Discovery, gd.Services, err)
	}
	ds, err := st.Devices(bg, store.DeviceFilter{})
	if err != nil || len(ds) != 1 || string(ds[0].Discovery) != `{"partialGPV":false,"batch":50}` {
		t.Fatalf("devices %+v %v", ds, err)
	}
	got.Attempts, got.RetryAfter, got.Status, got.FaultString = 3, time.Time{}, store.TaskFault, "no answer"
	d.Discovery = nil
	commit(t, st, &store.Batch{Device: d, Tasks: []*store.Task{got}})
	got, _ = st.Task(bg, task.ID)
	if got.Attempts != 3 || !got.RetryAfter.IsZero() || got.Status != store.TaskFault {
		t.Fatalf("task after second commit %+v", got)
	}
	if gd, _ := st.Device(bg, "D"); gd.Discovery != nil {
		t.Fatalf("discovery not cleared: %s", gd.Discovery)
	}
}
