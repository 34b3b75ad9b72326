package acsref_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr104"
	"github.com/dmforge/dmforge/generated/tr135"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

// policyFleets are the four standard models, each with the policy that
// provisions it at BOOTSTRAP (or, without triggers, in every session it
// is not converged), what the policy must leave on the device, and the
// table whose keyed instance must exist once.
var policyFleets = []struct {
	schema  *model.Schema
	class   string
	profile string // JSON profile (cwmp/cpe.LoadJSON): the starting state
	policy  string
	want    map[string]string
	table   string
}{
	{tr181.Schema, "PolicyGateway", `{}`, `name: tr181-bootstrap
model: Device:2
priority: 10
match: device.productClass == "PolicyGateway"
triggers: {events: [BOOTSTRAP]}
values:
  Device.ManagementServer.PeriodicInformInterval: 300
  Device.DeviceInfo.ProvisioningCode: {expr: '"pc-" + device.serial'}
objects:
  - table: Device.IP.Interface.
    key: {Alias: wan}
    values: {Enable: true, MaxMTUSize: 1492}
`, map[string]string{"Device.ManagementServer.PeriodicInformInterval": "300", "Device.IP.Interface.1.Alias": "wan", "Device.IP.Interface.1.MaxMTUSize": "1492"},
		"Device.IP.Interface."},
	{tr098.Schema, "PolicyIGD", `{}`, `name: tr098-bootstrap
model: InternetGatewayDevice:1
match: device.productClass == "PolicyIGD"
triggers: {events: [BOOTSTRAP]}
values:
  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 600
objects:
  - table: InternetGatewayDevice.Layer3Forwarding.Forwarding.
    key: {DestIPAddress: 10.0.0.0}
    values: {DestSubnetMask: 255.0.0.0, Enable: true}
`, map[string]string{"InternetGatewayDevice.ManagementServer.PeriodicInformInterval": "600", "InternetGatewayDevice.Layer3Forwarding.Forwarding.1.DestIPAddress": "10.0.0.0"},
		"InternetGatewayDevice.Layer3Forwarding.Forwarding."},
	{tr104.Schema, "PolicyVoice", `{"VoiceService.1.": null}`, `name: tr104-voice
model: VoiceService:2
match: device.productClass == "PolicyVoice"
values:
  VoiceService.1.Alias: voice-main
  VoiceService.1.ReservedPorts.WANPortRange: "5060-5070"
`, map[string]string{"VoiceService.1.Alias": "voice-main", "VoiceService.1.ReservedPorts.WANPortRange": "5060-5070"}, ""},
	{tr135.Schema, "PolicySTB", `{"STBService.1.": null}`, `name: tr135-stb
model: STBService:1
match: device.productClass == "PolicySTB"
triggers: {events: [BOOTSTRAP, BOOT]}
values:
  STBService.1.Enable: true
  STBService.1.ServiceMonitoring.SampleInterval: 900
`, map[string]string{"STBService.1.Enable": "true", "STBService.1.ServiceMonitoring.SampleInterval": "900"}, ""},
}

// TestPolicyConvergesFleet: BOOTSTRAP policies converge simulated CPEs
// (cwmp/cpe agents) of all four standard models in their first session;
// their next sessions get no RPC at all; keyed instances are created
// once; the ACS records every device converged; the NBI's dry runs agree.
// DMFORGE_POLICY_CPES sets the CPEs per model (default 25: 100 in all).
func TestPolicyConvergesFleet(t *testing.T) {
	perModel := 25
	if n, _ := strconv.Atoi(os.Getenv("DMFORGE_POLICY_CPES")); n > 0 {
		perModel = n
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true; c.NBIToken = "tok" })
	var docs []string
	for _, f := range policyFleets {
		docs = append(docs, f.policy)
	}
	var applied map[string][]string
	if code := a.do("POST", "/policies", strings.Join(docs, "---\n"), &applied); code != http.StatusOK {
		t.Fatalf("apply: HTTP %d", code)
	}
	rt := cpe.NewSimTransport(64)
	defer rt.CloseIdleConnections()
	type dev struct {
		agent *cpe.Agent
		fleet int
	}
	var devs []dev
	for fi, f := range policyFleets {
		prof, findings, err := cpe.LoadJSON(f.schema, strings.NewReader(f.profile))
		if err != nil || len(findings) > 0 {
			t.Fatalf("profile: %v %v", err, findings)
		}
		for i := 0; i < perModel; i++ {
			ag, err := cpe.New(cpe.Config{Schema: f.schema, Store: cpe.NewMemStoreFrom(prof), ACSURL: a.srv.CWMPURL(), Transport: rt,
				Manufacturer: "dmforge", OUI: "00D09E", ProductClass: f.class, SerialNumber: fmt.Sprintf("P%d-%04d", fi, i), SoftwareVersion: "1.0"})
			if err != nil {
				t.Fatal(err)
			}
			devs = append(devs, dev{ag, fi})
		}
	}
	// Sessions run 16 at a time; each CPE's result is checked.
	run := func(round string, check func(d dev, res cpe.SessionResult) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		sem := make(chan struct{}, 16)
		var mu sync.Mutex
		var errs []string
		var wg sync.WaitGroup
		for _, d := range devs {
			wg.Add(1)
			sem <- struct{}{}
			go func(d dev) {
				defer wg.Done()
				defer func() { <-sem }()
				res, err := d.agent.RunSession(ctx)
				if err == nil {
					err = check(d, res)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, d.agent.SerialNumber()+": "+err.Error())
					mu.Unlock()
				}
			}(d)
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%s: %d CPEs failed, first: %s", round, len(errs), errs[0])
		}
	}
	run("first session", func(d dev, res cpe.SessionResult) error {
		if len(res.Events) == 0 || res.Events[0] != "0 BOOTSTRAP" {
			return fmt.Errorf("first session events %v", res.Events)
		}
		if len(res.Faults) > 0 {
			return fmt.Errorf("faults %v", res.Faults)
		}
		f := policyFleets[d.fleet]
		for k, want := range f.want {
			if got, _ := d.agent.Store().Get(k); got != want {
				return fmt.Errorf("after the first session %s = %q, want %q", k, got, want)
			}
		}
		if f.schema == tr181.Schema {
			if got, _ := d.agent.Store().Get("Device.DeviceInfo.ProvisioningCode"); got != "pc-"+d.agent.SerialNumber() {
				return fmt.Errorf("ProvisioningCode %q", got)
			}
		}
		return nil
	})
	for round := 0; round < 2; round++ {
		run("next session", func(d dev, res cpe.SessionResult) error {
			if res.Requests != 0 {
				return fmt.Errorf("a converged CPE got %d requests (events %v)", res.Requests, res.Events)
			}
			return nil
		})
	}
	for _, d := range devs {
		if tb := policyFleets[d.fleet].table; tb != "" {
			if n := len(d.agent.Store().Instances(tb)); n != 1 {
				t.Fatalf("%s: %d instances of %s", d.agent.SerialNumber(), n, tb)
			}
		}
	}
	// The ACS recorded each device converged, and the dry runs plan
	// nothing more.
	for _, f := range policyFleets {
		name := strings.TrimPrefix(strings.SplitN(f.policy, "\n", 2)[0], "name: ")
		var view acsref.PolicyView
		if code := a.do("GET", "/policies/"+name, nil, &view); code != http.StatusOK || view.Counts[policy.StatusConverged] != perModel || len(view.Counts) != 1 {
			t.Fatalf("%s: HTTP %d, counts %v", name, code, view.Counts)
		}
		var pp acsref.PolicyPlan
		if code := a.do("GET", "/policies/"+name+"/plan?events=BOOTSTRAP", nil, &pp); code != http.StatusOK || pp.Matching != perModel || pp.WouldSend != 0 {
			t.Fatalf("%s plan: HTTP %d, %+v", name, code, pp)
		}
	}
	id := acsref.DeviceID("00D09E", "PolicyGateway", "P0-0000")
	var dp acsref.DevicePlan
	if code := a.do("GET", devPath(id)+"/plan", nil, &dp); code != http.StatusOK || len(dp.RPCs) != 0 || dp.Policy["tr181-bootstrap"].Status != policy.StatusConverged {
		t.Fatalf("device plan: HTTP %d, %+v", code, dp)
	}
}

// TestPolicyApplyRejections: the NBI refuses a wrong policy with 400 and
// errors naming the policy, line, path and rule, and stores nothing.
func TestPolicyApplyRejections(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	if code := a.do("POST", "/policies", "name: base\nmodel: Device:2\npriority: 1\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 300\n", nil); code != http.StatusOK {
		t.Fatalf("apply base: %d", code)
	}
	for _, c := range []struct {
		doc, rule, path string
		line            int
	}{
		{"name: p\nmodel: Device:2\nvalues:\n  Device.DeviceInfo.Nope: 1\n", "unknown-path", "Device.DeviceInfo.Nope", 4},
		{"name: p\nmodel: Device:2\nvalues:\n  Device.DeviceInfo.UpTime: 1\n", "read-only", "Device.DeviceInfo.UpTime", 4},
		{"name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformEnable: maybe\n", "value-type", "Device.ManagementServer.PeriodicInformEnable", 4},
		{"name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 0\n", "value-range", "Device.ManagementServer.PeriodicInformInterval", 4},
		{"name: p\nmodel: Device:2\nmatch: device.serial > 3\n", "cel-type", "", 3},
		{"name: p\nmodel: Device:2\npriority: 1\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 900\n", "conflict", "Device.ManagementServer.PeriodicInformInterval", 5},
		{"name: p\nmodel: Device:2\nfirmware: {version: '2.0', file: fw.bin}\n", "file", "", 3},
	} {
		var out acsref.PolicyErrors
		code := a.do("POST", "/policies", c.doc, &out)
		if code != http.StatusBadRequest || len(out.Errors) == 0 {
			t.Fatalf("%s: HTTP %d, %+v", c.rule, code, out)
		}
		e := out.Errors[0]
		if e.Policy != "p" || e.Rule != c.rule || e.Path != c.path || e.Line != c.line {
			t.Fatalf("%s: got %+v", c.rule, *e)
		}
	}
	var list []acsref.PolicyView
	if a.do("GET", "/policies", nil, &list); len(list) != 1 || list[0].Name != "base" {
		t.Fatalf("stored after rejections: %+v", list)
	}
	if code := a.do("DELETE", "/policies/base", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code := a.do("GET", "/policies/base", nil, nil); code != http.StatusNotFound {
		t.Fatalf("get deleted: %d", code)
	}
}

// TestPolicyGroups: a policy limited to groups reaches their members
// only: a static list, and a dynamic group of a tag set through the NBI
// after the device's first session; GET /groups counts them.
func TestPolicyGroups(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	pilot := acsref.DeviceID("00D09E", "GroupBox", "G1")
	doc := `kind: Group
name: gold
model: Device:2
match: '"gold" in device.tags'
---
kind: Group
name: pilot
model: Device:2
devices: ["` + pilot + `"]
---
name: fast-inform
model: Device:2
groups: [gold, pilot]
values:
  Device.ManagementServer.PeriodicInformInterval: 60
`
	if code := a.do("POST", "/policies", doc, nil); code != http.StatusOK {
		t.Fatalf("apply: %d", code)
	}
	var agents []*cpe.Agent
	for _, sn := range []string{"G1", "G2", "G3"} {
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "GroupBox", SerialNumber: sn})
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, ag)
	}
	sessions := func() {
		t.Helper()
		for _, ag := range agents {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := ag.RunSession(ctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	interval := func(ag *cpe.Agent) string {
		v, _ := ag.Store().Get("Device.ManagementServer.PeriodicInformInterval")
		return v
	}
	sessions()
	if interval(agents[0]) != "60" || interval(agents[1]) == "60" || interval(agents[2]) == "60" {
		t.Fatalf("after the first sessions: %s %s %s", interval(agents[0]), interval(agents[1]), interval(agents[2]))
	}
	if code := a.do("POST", devPath(acsref.DeviceID("00D09E", "GroupBox", "G2"))+"/tags/gold", nil, nil); code >= 300 {
		t.Fatalf("tag: %d", code)
	}
	sessions()
	if interval(agents[1]) != "60" || interval(agents[2]) == "60" {
		t.Fatalf("after tagging: %s %s", interval(agents[1]), interval(agents[2]))
	}
	var gold, pil acsref.GroupView
	a.do("GET", "/groups/gold", nil, &gold)
	a.do("GET", "/groups/pilot", nil, &pil)
	if gold.Members != 1 || gold.Devices != 3 || !gold.Dynamic || pil.Members != 1 || len(pil.MemberIDs) != 1 || pil.MemberIDs[0] != pilot {
		t.Fatalf("groups: %+v %+v", gold, pil)
	}
	// A group a policy names cannot be deleted.
	if code := a.do("DELETE", "/policies/gold", nil, nil); code != http.StatusConflict {
		t.Fatalf("delete of a used group: %d", code)
	}
}

// TestPolicySurvivesRestart: policies and device states are in the
// store: a new ACS process on the same database knows the device is
// converged and sends it nothing.
func TestPolicySurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	noDisc := func(c *acsref.Config) { c.NoDiscovery = true }
	a := startACS(t, db, nil) // with the discovery: policies run after it

	if code := a.do("POST", "/policies", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 120\n", nil); code != http.StatusOK {
		t.Fatalf("apply: %d", code)
	}
	c := newTestCPE(a.srv.CWMPURL(), "R1")
	session(t, c)
	if v, _ := c.Get("Device.ManagementServer.PeriodicInformInterval"); v != "120" {
		t.Fatalf("interval %q after the first session (calls %v)", v, c.Calls)
	}
	a.close()
	b := startACS(t, db, noDisc)
	var view acsref.PolicyView
	if code := b.do("GET", "/policies/p", nil, &view); code != http.StatusOK || view.Counts[policy.StatusConverged] != 1 {
		t.Fatalf("after restart: %d %+v", code, view)
	}
	c.URL = b.srv.CWMPURL()
	c.Calls = nil
	session(t, c)
	if len(c.Calls) != 0 {
		t.Fatalf("converged device got %v after the restart", c.Calls)
	}
}
