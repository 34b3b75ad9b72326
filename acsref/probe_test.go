package acsref_test

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// TestProbeConformingCPE: a conformance probe of the simulated CPE (which
// refuses what TR-069 says it must, with the right codes): every check
// conforms, no finding, and the device's values are what they were.
func TestProbeConformingCPE(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	ag := agentCPE(t, a, "PR1")
	runSession(t, ag) // bootstrap and discovery
	id := "00D09E-SimBox-PR1"
	before, _ := ag.Store().Get("Device.ManagementServer.PeriodicInformInterval")
	var pr acsref.ProbeResponse
	if code := a.do("POST", devPath(id)+"/probe", nil, &pr); code != http.StatusAccepted || len(pr.Tasks) < 8 {
		t.Fatalf("POST probe: %d %+v", code, pr)
	}
	runSession(t, ag)
	var rep acsref.ProbeReport
	a.do("GET", devPath(id)+"/probe", nil, &rep)
	if rep.Run != pr.Run || rep.Pending != 0 || rep.NonConforming != 0 || rep.Conforming != len(rep.Checks) {
		t.Fatalf("report %+v", rep)
	}
	var probes []string
	for _, c := range rep.Checks {
		probes = append(probes, c.Probe)
	}
	for _, want := range []string{"unknown-parameter", "unknown-object", "next-level-on-parameter", "set-read-only", "wrong-type", "out-of-range", "not-enumerated", "too-long"} {
		if !slices.Contains(probes, want) {
			t.Errorf("no %s check in %v", want, probes)
		}
	}
	if after, _ := ag.Store().Get("Device.ManagementServer.PeriodicInformInterval"); after != before {
		t.Errorf("PeriodicInformInterval changed from %s to %s", before, after)
	}
	var conf struct{ Findings []store.Finding }
	a.do("GET", devPath(id)+"/conformance", nil, &conf)
	for _, f := range conf.Findings {
		if f.Rule == acsref.RuleProbeAccepted || f.Rule == acsref.RuleProbeFault {
			t.Errorf("finding on a conforming CPE: %+v", f)
		}
	}
	// A hand-written negative test: the model check would refuse it; with
	// expectFault it goes to the CPE, which must answer 9008.
	neg := a.task(id, `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.Manufacturer","x","xsd:string"]],"expectFault":[9008]}`)
	runSession(t, ag)
	if tk := a.getTask(neg.ID); tk.Status != store.TaskDone || !strings.Contains(strings.ReplaceAll(string(tk.Result), " ", ""), `"conforms":true`) {
		t.Errorf("negative test: %s %s", tk.Status, tk.Result)
	}
	var e struct{ Rule string }
	if code := a.do("POST", devPath(id)+"/tasks", `{"name":"reboot","expectFault":[9001]}`, &e); code != http.StatusBadRequest || e.Rule != "argument" {
		t.Errorf("expectFault on a reboot: %d %+v", code, e)
	}
	// A device the ACS does not know cannot be probed.
	if code := a.do("POST", devPath("00D09E-SimBox-PR0")+"/probe", nil, nil); code != http.StatusNotFound {
		t.Errorf("probe of an unknown device: HTTP %d", code)
	}
}

// TestProbeNonConformingCPE: the scripted CPE of these tests answers a
// value of the wrong type with 9007 instead of 9006 and lists a parameter
// for GetParameterNames with NextLevel true instead of refusing it: the
// probe reports both, and they become conformance findings.
func TestProbeNonConformingCPE(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "PR2")
	session(t, cpe)
	id := labID + "PR2"
	var pr acsref.ProbeResponse
	if code := a.do("POST", devPath(id)+"/probe", nil, &pr); code != http.StatusAccepted {
		t.Fatalf("POST probe: %d", code)
	}
	session(t, cpe)
	var rep acsref.ProbeReport
	a.do("GET", devPath(id)+"/probe", nil, &rep)
	got := map[string]*acsref.NegativeResult{}
	bad := 0
	for _, c := range rep.Checks {
		if c.Result != nil && !c.Result.Conforms {
			got[c.Probe] = c.Result
			bad++
		}
	}
	if r := got["wrong-type"]; r == nil || r.Fault != 9007 {
		t.Errorf("wrong-type: %+v", r)
	}
	if r := got["next-level-on-parameter"]; r == nil || r.Fault != 0 {
		t.Errorf("next-level-on-parameter: %+v", r)
	}
	if rep.NonConforming != bad || rep.Conforming == 0 || rep.Pending != 0 {
		t.Errorf("report counts %+v", rep)
	}
	var conf struct{ Findings []store.Finding }
	a.do("GET", devPath(id)+"/conformance", nil, &conf)
	rules := map[string]bool{}
	for _, f := range conf.Findings {
		rules[f.Rule] = true
	}
	if !rules[acsref.RuleProbeFault] || !rules[acsref.RuleProbeAccepted] {
		t.Errorf("findings %+v", conf.Findings)
	}
}
