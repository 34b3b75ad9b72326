package acsref_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

type testACS struct {
	t   *testing.T
	srv *acsref.Server
	st  store.Store
	nbi string
	tok string
}

var (
	adminKeysMu sync.Mutex
	adminKeys   = map[string]string{} // database file → its NBI admin key
)

func startACS(t *testing.T, db string, mod func(*acsref.Config)) *testACS {
	t.Helper()
	st, err := store.OpenSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	cfg := acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := acsref.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := &testACS{t: t, srv: srv, st: st, nbi: srv.NBIURL(), tok: cfg.NBIToken}
	if a.tok == "" {
		// The NBI requires credentials by default: the key New made on
		// this database's first start, shown once and kept here for
		// the restarts of a test.
		adminKeysMu.Lock()
		if k := srv.NewAdminKey(); k != "" {
			adminKeys[db] = k
		}
		a.tok = adminKeys[db]
		adminKeysMu.Unlock()
	}
	t.Cleanup(a.close)
	return a
}

func (a *testACS) close() {
	if a.srv == nil {
		return
	}
	a.srv.Close()
	a.st.Close()
	a.srv = nil
}

// do calls the NBI and decodes the JSON answer into out (if not nil).
func (a *testACS) do(method, path string, body any, out any) int {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, a.nbi+path, rd)
	if a.tok != "" {
		req.Header.Set("Authorization", "Bearer "+a.tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func devPath(id string) string { return "/devices/" + url.PathEscape(id) }

func (a *testACS) task(id string, spec string) *store.Task {
	a.t.Helper()
	var t store.Task
	if code := a.do("POST", devPath(id)+"/tasks", spec, &t); code != http.StatusAccepted {
		a.t.Fatalf("POST task %s: HTTP %d", spec, code)
	}
	return &t
}

func (a *testACS) getTask(id int64) *store.Task {
	a.t.Helper()
	var t store.Task
	if code := a.do("GET", "/tasks/"+itoa(id), nil, &t); code != http.StatusOK {
		a.t.Fatalf("GET task %d: HTTP %d", id, code)
	}
	return &t
}

func itoa(n int64) string { return strings.TrimSpace(string(must(json.Marshal(n)))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func session(t *testing.T, c *testCPE) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Session(ctx); err != nil {
		t.Fatalf("session of %s: %v", c.SN, err)
	}
}

const labID = "00D09E-Lab%20Box-" // DeviceID prefix of testCPE devices

func TestDeviceID(t *testing.T) {
	for _, c := range []struct{ oui, pc, sn, want string }{
		{"00D09E", "Lab Box", "SN-1", "00D09E-Lab%20Box-SN%2D1"},
		{"00D09E", "", "SN_1", "00D09E-SN_1"},
		{"AABBCC", "Box/é", "1", "AABBCC-Box%2F%C3%A9-1"},
	} {
		if got := acsref.DeviceID(c.oui, c.pc, c.sn); got != c.want {
			t.Errorf("DeviceID(%q,%q,%q) = %q, want %q", c.oui, c.pc, c.sn, got, c.want)
		}
	}
}

// TestEveryTaskType bootstraps a device (discovery included), then runs
// every task type through the NBI and a session, and checks each
// completes with its effect on the device and the stored state.
func TestEveryTaskType(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "E2E1")
	session(t, cpe)
	id := labID + "E2E1"

	var dev store.Device
	if code := a.do("GET", devPath(id), nil, &dev); code != 200 {
		t.Fatalf("GET device: %d", code)
	}
	if dev.Model != "Device:2.19" || dev.Root != "Device." || !dev.Discovered || dev.SerialNumber != "E2E1" {
		t.Fatalf("device = %+v", dev)
	}
	// Discovery ran: GPN of the tree, then GPV.
	if strings.Join(cpe.Calls, ",") != "GetParameterNames,GetParameterValues" {
		t.Fatalf("discovery calls = %v", cpe.Calls)
	}
	var conf struct{ Findings []store.Finding }
	a.do("GET", devPath(id)+"/conformance", nil, &conf)
	if len(conf.Findings) != 0 {
		t.Fatalf("a conforming device has findings: %+v", conf.Findings)
	}

	if code := a.do("PUT", "/files/fw.bin", "firmware-bytes", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	specs := []string{
		`{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.SoftwareVersion","Device.ManagementServer."]}`,
		`{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval", 600, "xsd:unsignedInt"],["Device.DeviceInfo.ProvisioningCode","LAB.1"]]}`,
		`{"name":"getParameterNames","parameterPath":"Device.DeviceInfo.","nextLevel":true}`,
		`{"name":"getParameterAttributes","parameterNames":["Device.DeviceInfo.SoftwareVersion"]}`,
		`{"name":"setParameterAttributes","parameterAttributes":[{"name":"Device.DeviceInfo.ProvisioningCode","notification":2}]}`,
		`{"name":"addObject","objectName":"Device.IP.Interface."}`,
		`{"name":"deleteObject","objectName":"Device.IP.Interface.1."}`,
		`{"name":"getRPCMethods"}`,
		`{"name":"scheduleInform","delaySeconds":5}`,
		`{"name":"download","file":"fw.bin","fileType":"1 Firmware Upgrade Image"}`,
		`{"name":"upload","fileType":"1 Vendor Configuration File"}`,
		`{"name":"reboot"}`,
		`{"name":"factoryReset"}`,
	}
	var ids []int64
	for _, s := range specs {
		ids = append(ids, a.task(id, s).ID)
	}
	cpe.Calls = nil
	session(t, cpe)
	want := "GetParameterValues,SetParameterValues,GetParameterNames,GetParameterAttributes,SetParameterAttributes,AddObject,DeleteObject,GetRPCMethods,ScheduleInform,Download,Upload,Reboot,FactoryReset"
	if got := strings.Join(cpe.Calls, ","); got != want {
		t.Fatalf("RPCs sent:\n got %s\nwant %s", got, want)
	}
	// Reboot, Download and Upload wait for the next Inform's events.
	for i, tid := range ids {
		tk := a.getTask(tid)
		switch tk.Name {
		case "reboot", "download", "upload":
			if tk.Status != store.TaskWaiting {
				t.Errorf("%s: status %s, want waiting", specs[i], tk.Status)
			}
		default:
			if tk.Status != store.TaskDone {
				t.Errorf("%s: status %s (%s), want done", specs[i], tk.Status, tk.FaultString)
			}
		}
	}
	// The next session: M Reboot, TRANSFER COMPLETE (and BOOTSTRAP after the factory reset).
	cpe.Calls = nil
	session(t, cpe)
	for i, tid := range ids {
		if tk := a.getTask(tid); tk.Status != store.TaskDone {
			t.Errorf("%s: status %s (%d %s), want done", specs[i], tk.Status, tk.FaultCode, tk.FaultString)
		}
	}
	if string(cpe.Fetched) != "firmware-bytes" {
		t.Errorf("the CPE downloaded %q", cpe.Fetched)
	}
	var files []store.File
	a.do("GET", "/files", nil, &files)
	uploaded := false
	for _, f := range files {
		if strings.HasPrefix(f.Name, "uploads/") && f.Size == int64(len("config of E2E1")) {
			uploaded = true
		}
	}
	if !uploaded {
		t.Errorf("no upload stored: %+v", files)
	}
	// Results: GPV values, AddObject's instance, the SPV applied on the CPE.
	if tk := a.getTask(ids[0]); !strings.Contains(string(tk.Result), "1.0.0") {
		t.Errorf("GPV result %s", tk.Result)
	}
	if tk := a.getTask(ids[5]); !strings.Contains(string(tk.Result), `"instanceNumber": 1`) && !strings.Contains(string(tk.Result), `"instanceNumber":1`) {
		t.Errorf("AddObject result %s", tk.Result)
	}
	if v, _ := cpe.Get("Device.ManagementServer.PeriodicInformInterval"); v != "600" {
		t.Errorf("PeriodicInformInterval on the CPE = %q", v)
	}
	// Stored parameters with the model's type and access.
	var params []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.ManagementServer.PeriodicInformInterval", nil, &params)
	if len(params) != 1 || params[0].Value != "600" || params[0].Access != "readWrite" || params[0].Syntax != "xsd:unsignedInt" {
		t.Errorf("parameters = %+v", params)
	}
	// Tags and device filters.
	if code := a.do("POST", devPath(id)+"/tags/lab", nil, nil); code != http.StatusNoContent {
		t.Errorf("tag: %d", code)
	}
	var devs []store.Device
	a.do("GET", "/devices?tag=lab&model=Device:2&productClass=Lab%20Box", nil, &devs)
	if len(devs) != 1 || devs[0].ID != id || len(devs[0].Tags) != 1 {
		t.Errorf("filtered devices = %+v", devs)
	}
	a.do("GET", "/devices?tag=other", nil, &devs)
	if len(devs) != 0 {
		t.Errorf("tag=other gives %d devices", len(devs))
	}
}

// TestFaultsRecorded: a fault the CPE answers is recorded against its
// task and in /faults.
func TestFaultsRecorded(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	cpe := newTestCPE(a.srv.CWMPURL(), "F1")
	session(t, cpe)
	id := labID + "F1"
	// Valid for the model, but this CPE does not implement the object.
	tk := a.task(id, `{"name":"getParameterValues","parameterNames":["Device.WiFi.SSID.1.SSID"]}`)
	ok := a.task(id, `{"name":"getRPCMethods"}`)
	session(t, cpe)
	got := a.getTask(tk.ID)
	if got.Status != store.TaskFault || got.FaultCode != 9005 {
		t.Fatalf("task = %+v", got)
	}
	if a.getTask(ok.ID).Status != store.TaskDone {
		t.Fatalf("the task after the fault did not complete")
	}
	var faults []store.Fault
	a.do("GET", "/faults", nil, &faults)
	if len(faults) != 1 || faults[0].TaskID != tk.ID || faults[0].Code != 9005 || faults[0].DeviceID != id {
		t.Fatalf("faults = %+v", faults)
	}
}

// TestModelCheckRejections: tasks the data model says cannot be right
// are refused with the path and the rule.
func TestModelCheckRejections(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	session(t, newTestCPE(a.srv.CWMPURL(), "R1"))
	id := labID + "R1"
	for _, c := range []struct{ spec, path, rule string }{
		{`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.NoSuchThing","1"]]}`, "Device.DeviceInfo.NoSuchThing", "unknown-path"},
		{`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.SoftwareVersion","2.0"]]}`, "Device.DeviceInfo.SoftwareVersion", "read-only"},
		{`{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","60","xsd:string"]]}`, "Device.ManagementServer.PeriodicInformInterval", "type-mismatch"},
		{`{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","0"]]}`, "Device.ManagementServer.PeriodicInformInterval", "value-range"},
		{`{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","soon"]]}`, "Device.ManagementServer.PeriodicInformInterval", "value-type"},
		{`{"name":"setParameterValues","parameterValues":[["Device.WiFi.SSID.1.SSID","this SSID is far longer than thirty-two characters"]]}`, "Device.WiFi.SSID.1.SSID", "value-size"},
		{`{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.","x"]]}`, "Device.ManagementServer.", "not-parameter"},
		{`{"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.DeviceInfo.ProvisioningCode","x"]]}`, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "unknown-path"},
		{`{"name":"getParameterValues","parameterNames":["Device.Nope."]}`, "Device.Nope.", "unknown-path"},
		{`{"name":"getParameterValues","parameterNames":["Device.DeviceInfo"]}`, "Device.DeviceInfo", "not-parameter"},
		{`{"name":"addObject","objectName":"Device.DeviceInfo."}`, "Device.DeviceInfo.", "not-table"},
		{`{"name":"addObject","objectName":"Device.Ethernet.Interface."}`, "Device.Ethernet.Interface.", "table-read-only"},
		{`{"name":"deleteObject","objectName":"Device.IP.Interface."}`, "Device.IP.Interface.", "instance"},
		{`{"name":"setParameterAttributes","parameterAttributes":[{"name":"Device.DeviceInfo.SoftwareVersion","notification":0}]}`, "Device.DeviceInfo.SoftwareVersion", "notification"},
		{`{"name":"download","file":"missing.bin"}`, "", "file"},
		{`{"name":"frobnicate"}`, "", "unknown-task"},
	} {
		var e acsref.RuleError
		code := a.do("POST", devPath(id)+"/tasks", c.spec, &e)
		if code != http.StatusBadRequest || e.Rule != c.rule || e.Path != c.path || e.Msg == "" {
			t.Errorf("%s: HTTP %d %+v, want 400 rule %s path %s", c.spec, code, e, c.rule, c.path)
		}
	}
	// A vendor parameter is not judged; nothing was queued before it.
	a.task(id, `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.X_00D09E_Secret","v"]]}`)
	var ts []store.Task
	a.do("GET", devPath(id)+"/tasks", nil, &ts)
	if len(ts) != 1 {
		t.Fatalf("%d tasks queued, want 1", len(ts))
	}
	if code := a.do("POST", devPath("no-such-device")+"/tasks", `{"name":"reboot"}`, nil); code != http.StatusNotFound {
		t.Errorf("task for an unknown device: %d", code)
	}
}

// TestConformanceFindings: a CPE that reports out-of-model values, access
// flags and names gets the findings, and vendor extensions none.
func TestConformanceFindings(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "C1")
	cpe.Set("Device.ManagementServer.InstanceMode", "Sometimes", "xsd:string", true)        // not in the enumeration
	cpe.Set("Device.ManagementServer.PeriodicInformInterval", "0", "xsd:unsignedInt", true) // below the range 1..
	cpe.Set("Device.DeviceInfo.SoftwareVersion", "1.0", "xsd:string", true)                 // read-only in the standard
	cpe.Set("Device.DeviceInfo.ProvisioningCode", "", "xsd:string", false)                  // writable in the standard
	cpe.Set("Device.DeviceInfo.FirstUseDate", "2024-01-01T00:00:00Z", "xsd:string", false)  // a dateTime
	cpe.Set("Device.DeviceInfo.Colour", "blue", "xsd:string", false)                        // not in the standard
	cpe.Set("Device.DeviceInfo.X_00D09E_Colour", "blue", "xsd:string", false)               // vendor: fine
	cpe.mu.Lock()
	delete(cpe.params, "Device.DeviceInfo.ModelName") // required by the standard
	cpe.mu.Unlock()
	session(t, cpe)

	var conf struct {
		Model    string
		Findings []store.Finding
	}
	a.do("GET", devPath(labID+"C1")+"/conformance", nil, &conf)
	got := map[string]bool{}
	for _, f := range conf.Findings {
		got[f.Path+" "+f.Rule] = true
		if f.Message == "" {
			t.Errorf("finding without message: %+v", f)
		}
	}
	want := []string{
		"Device.ManagementServer.InstanceMode reported-value",
		"Device.ManagementServer.PeriodicInformInterval reported-value",
		"Device.DeviceInfo.SoftwareVersion access-mismatch",
		"Device.DeviceInfo.ProvisioningCode access-mismatch",
		"Device.DeviceInfo.FirstUseDate reported-type",
		"Device.DeviceInfo.Colour non-standard",
		"Device.DeviceInfo.ModelName missing",
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing finding %q", w)
		}
		delete(got, w)
	}
	for g := range got {
		t.Errorf("unexpected finding %q", g)
	}
	if conf.Model != "Device:2.19" {
		t.Errorf("model %q", conf.Model)
	}

	// The device fixes a value and reports it (VALUE CHANGE): that
	// finding goes, the others stay.
	cpe.Set("Device.ManagementServer.PeriodicInformInterval", "60", "xsd:unsignedInt", true)
	cpe.informed = append(cpe.informed, "Device.ManagementServer.PeriodicInformInterval")
	if err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventValueChange}); err != nil {
		t.Fatal(err)
	}
	a.do("GET", devPath(labID+"C1")+"/conformance", nil, &conf)
	for _, f := range conf.Findings {
		if f.Path == "Device.ManagementServer.PeriodicInformInterval" {
			t.Errorf("resolved finding kept: %+v", f)
		}
	}
	if len(conf.Findings) != len(want)-1 {
		t.Errorf("%d findings after the fix, want %d", len(conf.Findings), len(want)-1)
	}
}

// TestRestartDeliversQueuedTasks: tasks queued before the ACS stops are
// delivered by a new ACS on the same database file.
func TestRestartDeliversQueuedTasks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	a := startACS(t, db, nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "S1")
	session(t, cpe)
	id := labID + "S1"
	t1 := a.task(id, `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","AFTER.RESTART"]]}`)
	t2 := a.task(id, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.ProvisioningCode"]}`)
	a.close()

	b := startACS(t, db, nil)
	b.tok = a.tok // the admin API key made on first start still opens the NBI
	cpe.URL = b.srv.CWMPURL()
	cpe.Calls = nil
	session(t, cpe)
	if strings.Join(cpe.Calls, ",") != "SetParameterValues,GetParameterValues" {
		t.Fatalf("after restart the CPE got %v", cpe.Calls)
	}
	for _, id := range []int64{t1.ID, t2.ID} {
		if tk := b.getTask(id); tk.Status != store.TaskDone {
			t.Errorf("task %d: %s", id, tk.Status)
		}
	}
	if v, _ := cpe.Get("Device.DeviceInfo.ProvisioningCode"); v != "AFTER.RESTART" {
		t.Errorf("ProvisioningCode = %q", v)
	}
	var dev store.Device
	b.do("GET", devPath(id), nil, &dev)
	if !dev.Discovered || dev.Model != "Device:2.19" {
		t.Errorf("device state lost: %+v", dev)
	}
}

// TestCancelTask: a cancelled task is not sent; a finished one cannot be
// cancelled.
func TestCancelTask(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	cpe := newTestCPE(a.srv.CWMPURL(), "X1")
	session(t, cpe)
	id := labID + "X1"
	t1 := a.task(id, `{"name":"getRPCMethods"}`)
	t2 := a.task(id, `{"name":"factoryReset"}`)
	if code := a.do("DELETE", "/tasks/"+itoa(t2.ID), nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	cpe.Calls = nil
	session(t, cpe)
	if strings.Join(cpe.Calls, ",") != "GetRPCMethods" {
		t.Fatalf("calls %v", cpe.Calls)
	}
	if a.getTask(t2.ID).Status != store.TaskCancelled {
		t.Fatalf("not cancelled")
	}
	if code := a.do("DELETE", "/tasks/"+itoa(t1.ID), nil, nil); code != http.StatusConflict {
		t.Fatalf("cancel of a done task: %d", code)
	}
	if code := a.do("DELETE", "/tasks/999999", nil, nil); code != http.StatusNotFound {
		t.Fatalf("cancel of no task: %d", code)
	}
}

// TestRediscoveryDropsStaleParameters: a new complete name tree (a
// GetParameterNames of the root) drops the stored parameters the device
// no longer has, and keeps the values of those it still has.
func TestRediscoveryDropsStaleParameters(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "RD1")
	cpe.Set("Device.DeviceInfo.X_00D09E_Gone", "soon", "xsd:string", false)
	session(t, cpe) // bootstrap and discovery
	id := labID + "RD1"
	count := func(prefix string) int {
		var ps []acsref.ParameterView
		a.do("GET", devPath(id)+"/parameters?prefix="+prefix, nil, &ps)
		return len(ps)
	}
	if count("Device.DeviceInfo.X_00D09E_Gone") != 1 || count("Device.DeviceInfo.SoftwareVersion") != 1 {
		t.Fatal("discovery did not store the parameters")
	}
	cpe.Unset("Device.DeviceInfo.X_00D09E_Gone") // a new firmware without it
	a.task(id, `{"name":"getParameterNames","parameterPath":"Device.","nextLevel":false}`)
	session(t, cpe)
	if n := count("Device.DeviceInfo.X_00D09E_Gone"); n != 0 {
		t.Fatalf("a parameter the device no longer has is still stored (%d)", n)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.SoftwareVersion", nil, &ps)
	if len(ps) != 1 || ps[0].Value != "1.0.0" {
		t.Fatalf("a parameter the device still has lost its value: %+v", ps)
	}
}
