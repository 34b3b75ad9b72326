package cpe_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

const (
	sm = "Device.SoftwareModules."
	// helloUUID is the version 5 UUID of Name "hello" and Vendor
	// "127.0.0.1" (the file server's host) in the DNS name space, as
	// Python's uuid.uuid5(uuid.NAMESPACE_DNS, "hello127.0.0.1") gives it.
	helloUUID = "cefc27ef-586c-58ee-bc72-57318a4a034c"
	// acsUUID is a UUID the ACS chooses.
	acsUUID  = "6f2c1e3a-9b7d-5c4e-8a1f-2b3c4d5e6f70"
	nilUUID  = "00000000-0000-0000-0000-000000000000"
	unusedID = "0f0e0d0c-0b0a-5908-8706-050403020100"
)

// duFiles serves deployment units: /apps/NAME_VERSION.ipk for the names
// and versions below, /secret/... behind Digest authentication
// (fileuser/pw), an empty file, and 404 for everything else.
func duFiles(t *testing.T) *httptest.Server {
	t.Helper()
	serve := func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/apps"), "/secret") {
		case "/hello_1.0.ipk", "/hello_2.0.ipk", "/hello_0.9.ipk", "/other_1.0.ipk", "/blob.bin":
			_, _ = io.WriteString(w, "package "+r.URL.Path)
		case "/empty_1.0.ipk":
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/apps/", serve)
	mux.Handle("/secret/", (&auth.Server{Realm: "files", Lookup: func(u string) (string, bool) { return "pw", u == "fileuser" }}).
		Middleware(http.HandlerFunc(serve)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func cdu(key string, ops ...cwmp.Operation) *cwmp.ChangeDUState {
	return &cwmp.ChangeDUState{CommandKey: key, Operations: ops}
}

// change sends a ChangeDUState in a session (its operations run after
// it) and returns the DUStateChangeComplete of the next session, which
// must announce it with 11 DU STATE CHANGE COMPLETE and M ChangeDUState.
func (r *rig) change(c *cwmp.ChangeDUState) *cwmp.DUStateChangeComplete {
	r.t.Helper()
	if resp, ok := r.call(c).(*cwmp.ChangeDUStateResponse); !ok {
		r.t.Fatalf("ChangeDUState refused: %+v", resp)
	}
	return r.duComplete(c.CommandKey)
}

func (r *rig) duComplete(key string) *cwmp.DUStateChangeComplete {
	r.t.Helper()
	s := r.session(nil)
	return checkDUSession(r.t, s, key)
}

func checkDUSession(t *testing.T, s *testacs.Session, key string) *cwmp.DUStateChangeComplete {
	t.Helper()
	if !slices.Contains(s.Events(), cwmp.EventDUStateChangeComplete) ||
		!slices.Contains(s.Inform.Event, cwmp.EventStruct{EventCode: cwmp.EventMChangeDUState, CommandKey: key}) {
		t.Fatalf("events %+v, want 11 DU STATE CHANGE COMPLETE and M ChangeDUState %q", s.Inform.Event, key)
	}
	if len(s.CPERequests) != 1 {
		t.Fatalf("CPE requests %+v, want one DUStateChangeComplete", s.CPERequests)
	}
	dc, ok := s.CPERequests[0].(*cwmp.DUStateChangeComplete)
	if !ok || dc.CommandKey != key {
		t.Fatalf("got %+v, want a DUStateChangeComplete with CommandKey %q", s.CPERequests[0], key)
	}
	return dc
}

// want is what a test checks of an OpResultStruct.
type want struct {
	code    cwmp.FaultCode
	state   string
	uuid    string // "" skips
	version string // "" skips
	ref     string // DeploymentUnitRef, "-" for empty
	eus     string // ExecutionUnitRefList, "" skips
	started bool   // StartTime and CompleteTime known
}

func checkResults(t *testing.T, got []cwmp.OpResultStruct, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		bad := g.Fault.FaultCode != w.code || g.CurrentState != w.state ||
			(w.uuid != "" && g.UUID != w.uuid) || (w.version != "" && g.Version != w.version) ||
			(w.ref == "-" && g.DeploymentUnitRef != "") || (w.ref != "" && w.ref != "-" && g.DeploymentUnitRef != w.ref) ||
			(w.eus != "" && g.ExecutionUnitRefList != w.eus)
		if bad {
			t.Errorf("result %d: %+v, want %+v", i+1, g, w)
		}
		if w.code != 0 && g.Fault.FaultString == "" {
			t.Errorf("result %d: fault %d without a string", i+1, w.code)
		}
		if w.code == 0 && g.Resolved != (w.state == cwmp.DUStateInstalled) {
			t.Errorf("result %d: Resolved %v", i+1, g.Resolved)
		}
		if w.started {
			if g.StartTime.IsZero() || g.CompleteTime.Before(g.StartTime) {
				t.Errorf("result %d: times %v … %v", i+1, g.StartTime, g.CompleteTime)
			}
		} else if !g.StartTime.IsZero() || !g.CompleteTime.IsZero() {
			t.Errorf("result %d: an operation that never started has times %v … %v", i+1, g.StartTime, g.CompleteTime)
		}
	}
}

// values returns the parameters under path, by name.
func (r *rig) values(path string) map[string]string {
	r.t.Helper()
	out := map[string]string{}
	for _, p := range r.call(gpv(path)).(*cwmp.GetParameterValuesResponse).ParameterList {
		out[p.Name] = p.Value
	}
	return out
}

func expectValues(t *testing.T, got map[string]string, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		if v, ok := got[kv[i]]; !ok || v != kv[i+1] {
			t.Errorf("%s = %q (present %v), want %q", kv[i], v, ok, kv[i+1])
		}
	}
}

func TestChangeDUStateInstall(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	if m := r.call(&cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse).MethodList; !slices.Contains(m, "ChangeDUState") {
		t.Fatalf("ChangeDUState missing from %v", m)
	}
	// The simulated execution environment.
	expectValues(t, r.values(sm+"ExecEnv."), sm+"ExecEnv.1.Enable", "true", sm+"ExecEnv.1.Status", "Up",
		sm+"ExecEnv.1.Name", "dmforge-sim", sm+"ExecEnv.1.Vendor", "dmforge")

	dc := r.change(cdu("inst-1", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "1.0",
		ref: sm + "DeploymentUnit.1", eus: sm + "ExecutionUnit.1", started: true})
	v := r.values(sm)
	expectValues(t, v,
		sm+"DeploymentUnitNumberOfEntries", "1", sm+"ExecutionUnitNumberOfEntries", "1",
		sm+"DeploymentUnit.1.UUID", helloUUID, sm+"DeploymentUnit.1.Name", "hello", sm+"DeploymentUnit.1.Version", "1.0",
		sm+"DeploymentUnit.1.Status", "Installed", sm+"DeploymentUnit.1.Resolved", "true",
		sm+"DeploymentUnit.1.URL", files.URL+"/apps/hello_1.0.ipk", sm+"DeploymentUnit.1.Vendor", "127.0.0.1",
		sm+"DeploymentUnit.1.ExecutionEnvRef", sm+"ExecEnv.1", sm+"DeploymentUnit.1.ExecutionUnitList", sm+"ExecutionUnit.1",
		sm+"ExecutionUnit.1.Name", "hello", sm+"ExecutionUnit.1.Status", "Idle", sm+"ExecutionUnit.1.RequestedState", "Idle",
		sm+"ExecutionUnit.1.Version", "1.0", sm+"ExecutionUnit.1.ExecutionEnvRef", sm+"ExecEnv.1",
		sm+"ExecutionUnit.1.ExecutionFaultCode", "NoFault")
	if v[sm+"DeploymentUnit.1.DUID"] == "" || v[sm+"ExecutionUnit.1.EUID"] == "" || v[sm+"DeploymentUnit.1.Installed"] == model.UnknownTime {
		t.Errorf("DUID %q, EUID %q, Installed %q", v[sm+"DeploymentUnit.1.DUID"], v[sm+"ExecutionUnit.1.EUID"], v[sm+"DeploymentUnit.1.Installed"])
	}
	// Delivered once.
	if s := r.session([]string{cwmp.EventPeriodic}); len(s.CPERequests) != 0 || !slices.Equal(s.Events(), []string{cwmp.EventPeriodic}) {
		t.Fatalf("DUStateChangeComplete repeated: %+v / %+v", s.Inform.Event, s.CPERequests)
	}

	// The ACS's UUID is used as given; a file without a version in its
	// name gets one from its content. No CommandKey: M ChangeDUState
	// with an empty key.
	dc = r.change(cdu("", &cwmp.InstallOpStruct{URL: files.URL + "/apps/blob.bin", UUID: acsUUID, ExecutionEnvRef: sm + "ExecEnv.1."}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: acsUUID, ref: sm + "DeploymentUnit.2", eus: sm + "ExecutionUnit.2", started: true})
	if !strings.HasPrefix(dc.Results[0].Version, "sha256-") {
		t.Errorf("version of a file without one: %q", dc.Results[0].Version)
	}
	expectValues(t, r.values(sm+"DeploymentUnit.2."), sm+"DeploymentUnit.2.UUID", acsUUID, sm+"DeploymentUnit.2.Name", "blob",
		sm+"DeploymentUnit.2.Version", dc.Results[0].Version)
}

// Every operation of one request has its own result, in order; those that
// fail do not stop the others.
func TestChangeDUStateInstallFailures(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	r.session([]string{cwmp.EventBoot})
	dc := r.change(cdu("many",
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/none_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/secret/hello_1.0.ipk", Username: "fileuser", Password: "wrong"},
		&cwmp.InstallOpStruct{URL: files.URL + "/secret/hello_1.0.ipk", Username: "fileuser", Password: "pw"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/other_1.0.ipk", ExecutionEnvRef: sm + "ExecEnv.9"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/other_1.0.ipk", ExecutionEnvRef: ".SoftwareModules.ExecEnv.1."},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_2.0.ipk"},
		&cwmp.InstallOpStruct{URL: "ftp://127.0.0.1/hello_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: downURL + "/apps/hello_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/empty_1.0.ipk"},
	))
	checkResults(t, dc.Results,
		want{code: cwmp.FaultTransferAccessFile, state: cwmp.DUStateFailed, ref: "-", started: true},
		want{code: cwmp.FaultFileTransferAuthFailure, state: cwmp.DUStateFailed, ref: "-", started: true},
		want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "1.0", ref: sm + "DeploymentUnit.1", started: true},
		want{code: cwmp.FaultUnknownExecutionEnv, state: cwmp.DUStateFailed, uuid: nilUUID, ref: "-"},
		want{state: cwmp.DUStateInstalled, version: "1.0", ref: sm + "DeploymentUnit.2", started: true},
		// Same Name, Vendor (so UUID) and Version in the same execution
		// environment: the file's path does not matter.
		want{code: cwmp.FaultDuplicateDeploymentUnit, state: cwmp.DUStateFailed, uuid: helloUUID, version: "", ref: "-", started: true},
		// Another version of the same unit is another deployment unit.
		want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "2.0", ref: sm + "DeploymentUnit.3", started: true},
		want{code: cwmp.FaultUnsupportedTransferProtocol, state: cwmp.DUStateFailed, ref: "-"},
		want{code: cwmp.FaultTransferContactServer, state: cwmp.DUStateFailed, ref: "-", started: true},
		want{code: cwmp.FaultTransferFileCorrupted, state: cwmp.DUStateFailed, ref: "-", started: true},
	)
	if n := r.value(sm + "DeploymentUnitNumberOfEntries"); n != "3" {
		t.Fatalf("%s deployment units, want 3", n)
	}

	// Refused as a whole: an Install without URL (9003), too many
	// operations (9004).
	r.fault(cdu("bad", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}, &cwmp.InstallOpStruct{}), cwmp.FaultInvalidArguments)
	var ops []cwmp.Operation
	for range 33 {
		ops = append(ops, &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"})
	}
	r.fault(cdu("big", ops...), cwmp.FaultResourcesExceeded)
	if s := r.session(nil); len(s.CPERequests) != 0 {
		t.Fatalf("a refused ChangeDUState ran: %+v", s.CPERequests)
	}
}

// A UUID that is not one cannot come through the test ACS (the cwmp
// encoder refuses it); the handler gets it directly, as from a lax ACS.
func TestChangeDUStateInvalidUUID(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	if _, f := r.agent.Handler().Handle(cdu("uuid",
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk", UUID: "not-a-uuid"},
		&cwmp.UpdateOpStruct{UUID: "1234"},
		&cwmp.UninstallOpStruct{UUID: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"},
	)); f != nil {
		t.Fatal(f)
	}
	r.session(nil) // the operations run after it
	dc := r.duComplete("uuid")
	w := want{code: cwmp.FaultInvalidUUIDFormat, state: cwmp.DUStateFailed, uuid: nilUUID, ref: "-"}
	checkResults(t, dc.Results, w, w, w)
	if n := r.value(sm + "DeploymentUnitNumberOfEntries"); n != "0" {
		t.Fatalf("%s deployment units after an invalid UUID", n)
	}
}

func TestChangeDUStateUpdate(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	r.change(cdu("i", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	du, eu := sm+"DeploymentUnit.1", sm+"ExecutionUnit.1"

	dc := r.change(cdu("u1", &cwmp.UpdateOpStruct{UUID: helloUUID, URL: files.URL + "/apps/hello_2.0.ipk"}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "2.0", ref: du, eus: eu, started: true})
	expectValues(t, r.values(sm), du+".Version", "2.0", du+".URL", files.URL+"/apps/hello_2.0.ipk", du+".Status", "Installed",
		eu+".Version", "2.0", sm+"DeploymentUnitNumberOfEntries", "1", sm+"ExecutionUnitNumberOfEntries", "1")

	dc = r.change(cdu("u2",
		&cwmp.UpdateOpStruct{UUID: helloUUID, URL: files.URL + "/apps/hello_0.9.ipk"}, // downgrade
		&cwmp.UpdateOpStruct{UUID: helloUUID},                                         // refetch from the unit's URL: the same version
		&cwmp.UpdateOpStruct{UUID: unusedID, URL: files.URL + "/apps/hello_2.0.ipk"},  // unknown unit
		&cwmp.UpdateOpStruct{UUID: helloUUID, Version: "7.7"},                         // unknown version
		&cwmp.UpdateOpStruct{UUID: helloUUID, URL: files.URL + "/apps/none_3.0.ipk"},  // download fails
		&cwmp.UpdateOpStruct{URL: files.URL + "/apps/other_1.0.ipk"},                  // by URL: nothing installed from it
	))
	unchanged := want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "2.0", ref: du, eus: eu, started: true}
	checkResults(t, dc.Results,
		func() want { w := unchanged; w.code = cwmp.FaultDUUpdateDowngradeNotPermitted; return w }(),
		func() want { w := unchanged; w.code = cwmp.FaultDUUpdateVersionAlreadyExisting; return w }(),
		want{code: cwmp.FaultUnknownDeploymentUnit, state: cwmp.DUStateFailed, uuid: unusedID, ref: "-"},
		want{code: cwmp.FaultUnknownDeploymentUnit, state: cwmp.DUStateFailed, uuid: helloUUID, ref: "-"},
		func() want { w := unchanged; w.code = cwmp.FaultTransferAccessFile; return w }(),
		want{code: cwmp.FaultUnknownDeploymentUnit, state: cwmp.DUStateFailed, uuid: nilUUID, ref: "-"},
	)
	expectValues(t, r.values(du+"."), du+".Version", "2.0", du+".Status", "Installed", du+".URL", files.URL+"/apps/hello_2.0.ipk")

	// Two versions of the unit: an Update must name one (9031); by URL
	// it finds the one installed from there.
	r.change(cdu("i2", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	dc = r.change(cdu("u3", &cwmp.UpdateOpStruct{UUID: helloUUID, URL: files.URL + "/apps/hello_2.0.ipk"},
		&cwmp.UpdateOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	checkResults(t, dc.Results,
		want{code: cwmp.FaultDUUpdateVersionNotSpecified, state: cwmp.DUStateFailed, uuid: helloUUID, ref: "-"},
		// DeploymentUnit.2 (1.0) to 1.0: already its version.
		want{code: cwmp.FaultDUUpdateVersionAlreadyExisting, state: cwmp.DUStateInstalled, uuid: helloUUID, version: "1.0",
			ref: sm + "DeploymentUnit.2", started: true})
	// To 2.0, which DeploymentUnit.1 already is: 9032 too.
	dc = r.change(cdu("u4", &cwmp.UpdateOpStruct{UUID: helloUUID, Version: "1.0", URL: files.URL + "/apps/hello_2.0.ipk"}))
	checkResults(t, dc.Results, want{code: cwmp.FaultDUUpdateVersionAlreadyExisting, state: cwmp.DUStateInstalled, version: "1.0",
		ref: sm + "DeploymentUnit.2", started: true})
}

func TestChangeDUStateUninstall(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	dc := r.change(cdu("i",
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/other_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_2.0.ipk"}))
	other := dc.Results[1].UUID

	dc = r.change(cdu("un",
		&cwmp.UninstallOpStruct{UUID: helloUUID, Version: "1.0"},
		&cwmp.UninstallOpStruct{UUID: helloUUID, Version: "1.0"},
		&cwmp.UninstallOpStruct{UUID: other, ExecutionEnvRef: sm + "ExecEnv.5"},
		&cwmp.UninstallOpStruct{UUID: other, Version: "9.9"},
	))
	checkResults(t, dc.Results,
		want{state: cwmp.DUStateUninstalled, uuid: helloUUID, version: "1.0", ref: sm + "DeploymentUnit.1", eus: sm + "ExecutionUnit.1", started: true},
		want{code: cwmp.FaultUnknownDeploymentUnit, state: cwmp.DUStateFailed, uuid: helloUUID, ref: "-"},
		want{code: cwmp.FaultUnknownExecutionEnv, state: cwmp.DUStateFailed, uuid: other, ref: "-"},
		want{code: cwmp.FaultUnknownDeploymentUnit, state: cwmp.DUStateFailed, uuid: other, ref: "-"},
	)
	r.fault(gpv(sm+"DeploymentUnit.1."), cwmp.FaultInvalidParameterName)
	r.fault(gpv(sm+"ExecutionUnit.1."), cwmp.FaultInvalidParameterName)
	expectValues(t, r.values(sm), sm+"DeploymentUnitNumberOfEntries", "2", sm+"ExecutionUnitNumberOfEntries", "2",
		sm+"DeploymentUnit.2.UUID", other, sm+"DeploymentUnit.3.Version", "2.0", sm+"DeploymentUnit.3.ExecutionUnitList", sm+"ExecutionUnit.3")

	// Without Version: every version of the unit goes (one is left), each
	// with its result; the execution environment may be named.
	r.change(cdu("i2", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	dc = r.change(cdu("un2", &cwmp.UninstallOpStruct{UUID: strings.ToUpper(helloUUID), ExecutionEnvRef: sm + "ExecEnv.1"}))
	checkResults(t, dc.Results,
		want{state: cwmp.DUStateUninstalled, version: "2.0", ref: sm + "DeploymentUnit.3", started: true},
		want{state: cwmp.DUStateUninstalled, version: "1.0", ref: sm + "DeploymentUnit.4", eus: sm + "ExecutionUnit.4", started: true},
	)
	expectValues(t, r.values(sm), sm+"DeploymentUnitNumberOfEntries", "1", sm+"ExecutionUnitNumberOfEntries", "1")
	// Instance numbers are not reused.
	dc = r.change(cdu("i3", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, ref: sm + "DeploymentUnit.5", eus: sm + "ExecutionUnit.5", started: true})
}

// A unit in the middle of a change (here one a profile left Installing)
// is 9029; a disabled execution environment 9024.
func TestChangeDUStateStateChecks(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	n, err := r.store.AddInstance(sm + "DeploymentUnit.")
	if err != nil {
		t.Fatal(err)
	}
	du := sm + "DeploymentUnit." + itoa(n)
	_ = r.store.Set([]model.ParameterValue{{Name: du + ".UUID", Value: acsUUID}, {Name: du + ".Status", Value: "Installing"},
		{Name: du + ".Version", Value: "1"}, {Name: du + ".ExecutionEnvRef", Value: sm + "ExecEnv.1"}})
	dc := r.change(cdu("busy", &cwmp.UninstallOpStruct{UUID: acsUUID}, &cwmp.UpdateOpStruct{UUID: acsUUID}))
	busy := want{code: cwmp.FaultInvalidDeploymentUnitState, state: cwmp.DUStateInstalled, uuid: acsUUID, ref: du}
	checkResults(t, dc.Results, busy, busy)

	r.call(spv("", sm+"ExecEnv.1.Enable", "false", "xsd:boolean"))
	if st := r.value(sm + "ExecEnv.1.Status"); st != "Disabled" {
		t.Fatalf("disabled execution environment has Status %q", st)
	}
	dc = r.change(cdu("off", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"},
		&cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk", ExecutionEnvRef: sm + "ExecEnv.1"}))
	off := want{code: cwmp.FaultDisabledExecutionEnv, state: cwmp.DUStateFailed, ref: "-"}
	checkResults(t, dc.Results, off, off)
	r.call(spv("", sm+"ExecEnv.1.Enable", "true", "xsd:boolean"))
	dc = r.change(cdu("on", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, started: true})
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// The DUStateChangeComplete is sent again, with its events, in every
// session until the ACS acknowledges it; after a CWMP 1.1 session, which
// cannot carry it, too.
func TestDUStateChangeCompleteRetried(t *testing.T) {
	var fail atomic.Bool
	var acs atomic.Pointer[testacs.ACS]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if fail.Load() && bytes.Contains(body, []byte("DUStateChangeComplete")) {
			http.Error(w, "lost", http.StatusServiceUnavailable)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		acs.Load().ServeHTTP(w, req)
	}))
	t.Cleanup(front.Close)
	r := newRig(t, func(c *cpe.Config) { c.ACSURL = front.URL })
	acs.Store(r.acs)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	r.call(cdu("retry", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))

	fail.Store(true)
	if _, err := r.agent.RunSession(r.ctx()); err == nil {
		t.Fatal("the session whose DUStateChangeComplete failed succeeded")
	}
	fail.Store(false)
	r.acs.UseCWMPVersion = "1.1"
	s := r.session(nil)
	if len(s.CPERequests) != 0 || !slices.Contains(s.Events(), cwmp.EventDUStateChangeComplete) {
		t.Fatalf("CWMP 1.1 session: events %v, requests %+v", s.Events(), s.CPERequests)
	}
	r.acs.UseCWMPVersion = ""
	s = r.session(nil)
	dc := checkDUSession(t, s, "retry")
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: helloUUID, ref: sm + "DeploymentUnit.1", started: true})
	if s := r.session([]string{cwmp.EventPeriodic}); len(s.CPERequests) != 0 || len(s.Events()) != 1 {
		t.Fatalf("acknowledged DUStateChangeComplete sent again: %v %+v", s.Events(), s.CPERequests)
	}
}

// With HoldRequests the DUStateChangeComplete waits for the ACS's empty
// response, like a TransferComplete.
func TestDUStateChangeCompleteHoldRequests(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	r.call(cdu("held", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	r.acs.HoldRequests = true
	s := r.session(nil, gpv(sm+"DeploymentUnitNumberOfEntries"))
	if got := s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse).ParameterList[0].Value; got != "1" {
		t.Fatalf("DeploymentUnitNumberOfEntries %s", got)
	}
	checkDUSession(t, s, "held")
}

// Run wakes up for the DUStateChangeComplete as soon as the operations
// are done, as after a Download.
func TestChangeDUStateWakesRun(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.acs.Enqueue("SN0001", cdu("run", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	ctx, cancel := context.WithCancel(r.ctx())
	results := make(chan cpe.SessionResult, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.agent.Run(ctx, func(res cpe.SessionResult, err error) {
			if err == nil {
				results <- res
			}
		})
	}()
	defer func() { cancel(); <-done }()
	<-results // boot, with the ChangeDUState
	select {
	case res := <-results:
		if !slices.Contains(res.Events, cwmp.EventDUStateChangeComplete) || !slices.Contains(res.Events, cwmp.EventMChangeDUState) {
			t.Fatalf("events %v", res.Events)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no session for the DUStateChangeComplete")
	}
	if s := r.acs.Last("SN0001"); len(s.CPERequests) != 1 {
		t.Fatalf("requests %+v", s.CPERequests)
	}
}

// A factory reset drops deployment units and undelivered results; the
// execution environment comes back.
func TestChangeDUStateFactoryReset(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	r.change(cdu("i", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	r.session(nil, cdu("lost", &cwmp.InstallOpStruct{URL: files.URL + "/apps/other_1.0.ipk"}), &cwmp.FactoryReset{})
	s := r.session(nil)
	if slices.Contains(s.Events(), cwmp.EventDUStateChangeComplete) || len(s.CPERequests) != 0 || !slices.Contains(s.Events(), cwmp.EventBootstrap) {
		t.Fatalf("after factory reset: %v %+v", s.Events(), s.CPERequests)
	}
	expectValues(t, r.values(sm), sm+"DeploymentUnitNumberOfEntries", "0", sm+"ExecutionUnitNumberOfEntries", "0",
		sm+"ExecEnvNumberOfEntries", "1", sm+"ExecEnv.1.Status", "Up")
}

// RequestedState moves an execution unit through Starting to Active (the
// end of the transition is after the session), and back through Stopping
// to Idle; ActiveExecutionUnits follows.
func TestExecutionUnitRequestedState(t *testing.T) {
	r := newRig(t, nil)
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	r.change(cdu("i", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	eu := sm + "ExecutionUnit.1"
	s := r.session(nil, spv("", eu+".RequestedState", "Active", "xsd:string"), gpv(eu+".Status"))
	if st := s.Exchanges[1].Response.(*cwmp.GetParameterValuesResponse).ParameterList[0].Value; st != "Starting" {
		t.Fatalf("Status right after RequestedState Active: %q", st)
	}
	expectValues(t, r.values(sm), eu+".Status", "Active", eu+".RequestedState", "Active", sm+"ExecEnv.1.ActiveExecutionUnits", eu)
	s = r.session(nil, spv("", eu+".RequestedState", "Idle", "xsd:string"), gpv(eu+".Status"))
	if st := s.Exchanges[1].Response.(*cwmp.GetParameterValuesResponse).ParameterList[0].Value; st != "Stopping" {
		t.Fatalf("Status right after RequestedState Idle: %q", st)
	}
	expectValues(t, r.values(sm), eu+".Status", "Idle", sm+"ExecEnv.1.ActiveExecutionUnits", "")
	r.fault(spv("", eu+".RequestedState", "Running", "xsd:string"), cwmp.FaultInvalidArguments)
	// Uninstalling an active unit takes it out of ActiveExecutionUnits.
	r.call(spv("", eu+".RequestedState", "Active", "xsd:string"))
	r.change(cdu("un", &cwmp.UninstallOpStruct{UUID: helloUUID}))
	expectValues(t, r.values(sm+"ExecEnv.1."), sm+"ExecEnv.1.ActiveExecutionUnits", "")
}

func TestChangeDUStateTR098(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	files := duFiles(t)
	a, err := cpe.New(cpe.Config{Schema: tr098.Schema, ACSURL: srv.URL, OUI: "00D09E", SerialNumber: "IGD1", ProductClass: "IGD"})
	if err != nil {
		t.Fatal(err)
	}
	const igd = "InternetGatewayDevice.SoftwareModules."
	run := func(msgs ...cwmp.Message) *testacs.Session {
		t.Helper()
		acs.Enqueue("IGD1", msgs...)
		if _, err := a.RunSession(context.Background(), cwmp.EventPeriodic); err != nil {
			t.Fatal(err)
		}
		return acs.Last("IGD1")
	}
	run(cdu("igd", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	s := run(gpv(igd))
	dc := checkDUSession(t, s, "igd")
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "1.0",
		ref: igd + "DeploymentUnit.1", eus: igd + "ExecutionUnit.1", started: true})
	got := map[string]string{}
	for _, p := range s.Exchanges[0].Response.(*cwmp.GetParameterValuesResponse).ParameterList {
		got[p.Name] = p.Value
	}
	expectValues(t, got, igd+"ExecEnv.1.Status", "Up", igd+"DeploymentUnit.1.UUID", helloUUID,
		igd+"DeploymentUnit.1.ExecutionEnvRef", igd+"ExecEnv.1", igd+"DeploymentUnit.1.ExecutionUnitList", igd+"ExecutionUnit.1",
		igd+"ExecutionUnit.1.ExecutionEnvRef", igd+"ExecEnv.1", igd+"ExecutionUnit.1.Status", "Idle")
}

// A model without SoftwareModules answers ChangeDUState with 9000 and does
// not list it.
func TestChangeDUStateUnsupported(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	if _, ok := tr104.Schema.Lookup("Device.SoftwareModules."); ok {
		t.Skip("VoiceService:2 has SoftwareModules")
	}
	a, err := cpe.New(cpe.Config{Schema: tr104.Schema, ACSURL: srv.URL, SerialNumber: "V1"})
	if err != nil {
		t.Fatal(err)
	}
	acs.Enqueue("V1", &cwmp.GetRPCMethods{}, cdu("x", &cwmp.InstallOpStruct{URL: "http://127.0.0.1:1/a_1.ipk"}))
	if _, err := a.RunSession(context.Background(), cwmp.EventBoot); err != nil {
		t.Fatal(err)
	}
	s := acs.Last("V1")
	if m := s.Exchanges[0].Response.(*cwmp.GetRPCMethodsResponse).MethodList; slices.Contains(m, "ChangeDUState") {
		t.Fatalf("ChangeDUState listed: %v", m)
	}
	if f, ok := s.Exchanges[1].Response.(*cwmp.Fault); !ok || f.Code != cwmp.FaultMethodNotSupported {
		t.Fatalf("ChangeDUState answered %+v", s.Exchanges[1].Response)
	}
}

// The request is refused with 9004 while too many ChangeDUStates wait.
func TestChangeDUStatePendingLimit(t *testing.T) {
	r := newRig(t, nil)
	h := r.agent.Handler()
	for i := range 9 {
		_, f := h.Handle(cdu("p", &cwmp.InstallOpStruct{URL: "http://127.0.0.1:1/a_1.ipk"}))
		if (i < 8) != (f == nil) || (f != nil && f.Code != cwmp.FaultResourcesExceeded) {
			t.Fatalf("ChangeDUState %d: %v", i+1, f)
		}
	}
}

// TestChangeDUStateSimProfile: in a simulation the execution environment
// comes from the shared profile (SimProfile), not from each device, and
// installs into it work the same; the caller's profile is not changed.
func TestChangeDUStateSimProfile(t *testing.T) {
	base := cpe.NewDeviceProfile(tr181.Schema)
	prof := cpe.SimProfile(base)
	if cpe.NewMemStoreFrom(base).Instances(sm+"ExecEnv.") != nil {
		t.Fatal("SimProfile changed the profile it was given")
	}
	store := cpe.NewMemStoreFrom(prof)
	r := newRig(t, func(c *cpe.Config) { c.Store = store })
	r.store = store
	files := duFiles(t)
	r.session([]string{cwmp.EventBoot})
	if inst := store.Instances(sm + "ExecEnv."); !slices.Equal(inst, []uint32{1}) {
		t.Fatalf("execution environments %v, want the profile's one", inst)
	}
	dc := r.change(cdu("sim-1", &cwmp.InstallOpStruct{URL: files.URL + "/apps/hello_1.0.ipk"}))
	checkResults(t, dc.Results, want{state: cwmp.DUStateInstalled, uuid: helloUUID, version: "1.0",
		ref: sm + "DeploymentUnit.1", eus: sm + "ExecutionUnit.1", started: true})
	expectValues(t, r.values(sm+"DeploymentUnit.1."), sm+"DeploymentUnit.1.ExecutionEnvRef", sm+"ExecEnv.1")
}

// TestChangeDUStateVendorHook: a device with its own software-module
// management (Config.ChangeDUState) gets the requests, the simulated
// engine stays out of its Store, and the results it reports with
// CompleteDUStateChange reach the ACS.
func TestChangeDUStateVendorHook(t *testing.T) {
	var got []*cwmp.ChangeDUState
	r := newRig(t, func(c *cpe.Config) {
		c.ChangeDUState = func(m *cwmp.ChangeDUState) error {
			if len(m.Operations) > 1 {
				return cwmp.NewFault(cwmp.FaultResourcesExceeded, "one at a time")
			}
			got = append(got, m)
			return nil
		}
	})
	r.session([]string{cwmp.EventBoot})
	if n := r.store.Instances(sm + "ExecEnv."); len(n) != 0 {
		t.Fatalf("the simulated execution environment was created in a vendor's store: %v", n)
	}
	op := &cwmp.InstallOpStruct{URL: "http://127.0.0.1:1/app_1.0.ipk"}
	if _, ok := r.call(cdu("v-1", op)).(*cwmp.ChangeDUStateResponse); !ok || len(got) != 1 || got[0].CommandKey != "v-1" {
		t.Fatalf("the hook did not get the request: %+v", got)
	}
	r.fault(cdu("v-2", op, op), cwmp.FaultResourcesExceeded)
	r.agent.CompleteDUStateChange(&cwmp.DUStateChangeComplete{CommandKey: "v-1", Results: []cwmp.OpResultStruct{{
		UUID: acsUUID, DeploymentUnitRef: sm + "DeploymentUnit.7", Version: "1.0", CurrentState: cwmp.DUStateInstalled, Resolved: true,
		StartTime: time.Now().UTC().Truncate(time.Second), CompleteTime: time.Now().UTC().Truncate(time.Second)}}})
	dc := checkDUSession(t, r.session(nil), "v-1")
	if len(dc.Results) != 1 || dc.Results[0].DeploymentUnitRef != sm+"DeploymentUnit.7" {
		t.Fatalf("results %+v", dc.Results)
	}
}
