package acsref_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

// refusingStore is the simulator switch of these tests: while broken is
// on, the CPE refuses (9001) any SetParameterValues that sets path.
type refusingStore struct {
	cpe.Store
	path   string
	broken *atomic.Bool
}

func (s *refusingStore) Set(values []model.ParameterValue) error {
	if s.broken.Load() {
		for _, v := range values {
			if v.Name == s.path {
				return cwmp.NewFault(cwmp.FaultRequestDenied, "simulated: "+s.path+" is locked")
			}
		}
	}
	return s.Store.Set(values)
}

// campaignFleet is a set of simulated tr181 CPEs, each bound to one of
// several ACS processes.
type campaignFleet struct {
	t      *testing.T
	agents []*cpe.Agent
}

func newCampaignFleet(t *testing.T, pc string, n int, acsURL func(i int) string, mod func(i int, c *cpe.Config)) *campaignFleet {
	f := &campaignFleet{t: t}
	for i := 0; i < n; i++ {
		cfg := cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: acsURL(i),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: pc, SerialNumber: fmt.Sprintf("P%02d", i)}
		if mod != nil {
			mod(i, &cfg)
		}
		ag, err := cpe.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		f.agents = append(f.agents, ag)
	}
	return f
}

// round runs one session of every CPE, in serial-number order.
func (f *campaignFleet) round() {
	f.t.Helper()
	for _, ag := range f.agents {
		f.session(ag)
	}
}

func (f *campaignFleet) session(ag *cpe.Agent) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := ag.RunSession(ctx); err != nil {
		f.t.Fatalf("%s: %v", ag.SerialNumber(), err)
	}
}

func value(ag *cpe.Agent, path string) string {
	v, _ := ag.Store().Get(path)
	return v
}

const intervalPath = "Device.ManagementServer.PeriodicInformInterval"

// TestCampaignPolicy: a policy rolled out in waves to 50 simulated CPEs,
// 10% of which refuse it (the simulator switch): the policy reaches only
// the devices of the current wave; the campaign stops at its stop rule
// after wave 1; resumed after the fault is fixed, it completes; an ACS
// restart in the middle changes nothing. Success is the policy's
// convergence (set and read back) on each device.
func TestCampaignPolicy(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	noDisc := func(c *acsref.Config) { c.NoDiscovery = true }
	a := startACS(t, db, noDisc)
	cwmpAddr := mustHost(t, a.srv.CWMPURL())
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	clock := func() time.Time { return *now.Load() }
	a.srv.SetCampaignClock(clock)

	var broken atomic.Bool
	broken.Store(true)
	failing := map[int]bool{3: true, 7: true, 21: true, 38: true, 44: true} // 10%; 3 and 7 in wave 1
	f := newCampaignFleet(t, "PolicyBox", 50, func(int) string { return a.srv.CWMPURL() }, func(i int, c *cpe.Config) {
		if failing[i] {
			c.Store = &refusingStore{Store: c.Store, path: intervalPath, broken: &broken}
		}
	})
	runPolicyCampaign(t, f, []*testACS{a}, clock, setNow, &broken, func() *testACS {
		// The restart: a new process on the same database and address.
		a.close()
		a = startACS(t, db, func(c *acsref.Config) { noDisc(c); c.CWMPAddr = cwmpAddr })
		a.srv.SetCampaignClock(clock)
		return a
	})
}

// TestCampaignPolicyTwoACS: the same rollout through two ACS processes
// on one PostgreSQL database, the CPEs split between them, one of them
// restarted in the middle.
func TestCampaignPolicyTwoACS(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	start := func(addr string) *testACS {
		return startSharedACS(t, dsn, func(c *acsref.Config) {
			c.CWMPAddr, c.NBIToken, c.NoDiscovery = addr, "campaign-test", true
		})
	}
	a, b := start("127.0.0.1:0"), start("127.0.0.1:0")
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	clock := func() time.Time { return *now.Load() }
	a.srv.SetCampaignClock(clock)
	b.srv.SetCampaignClock(clock)
	var broken atomic.Bool
	broken.Store(true)
	failing := map[int]bool{3: true, 7: true, 21: true, 38: true, 44: true}
	bAddr := mustHost(t, b.srv.CWMPURL())
	bURL := b.srv.CWMPURL()
	f := newCampaignFleet(t, "PolicyBox", 50, func(i int) string {
		if i%2 == 1 {
			return bURL
		}
		return a.srv.CWMPURL()
	}, func(i int, c *cpe.Config) {
		if failing[i] {
			c.Store = &refusingStore{Store: c.Store, path: intervalPath, broken: &broken}
		}
	})
	runPolicyCampaign(t, f, []*testACS{a, b}, clock, setNow, &broken, func() *testACS {
		b.close()
		b = start(bAddr)
		b.srv.SetCampaignClock(clock)
		return a // the NBI used stays A's
	})
}

func mustHost(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// runPolicyCampaign is the scenario of the policy campaign tests; nbi[0]
// takes the NBI calls; restart restarts an ACS process and returns the
// one whose NBI to use.
func runPolicyCampaign(t *testing.T, f *campaignFleet, nbi []*testACS, clock func() time.Time, setNow func(time.Time),
	broken *atomic.Bool, restart func() *testACS) {
	a := nbi[0]
	if code := a.do("POST", "/policies", "kind: Group\nname: boxes\nmodel: Device:2\nmatch: device.productClass == 'PolicyBox'\n", nil); code != http.StatusOK {
		t.Fatalf("group: %d", code)
	}
	f.round() // the devices exist; the group has them
	for _, ag := range f.agents {
		if value(ag, intervalPath) == "600" {
			t.Fatal("the simulator's default is the policy's value")
		}
	}
	// rollout: campaign: applying the policy reaches no device; only its
	// campaign does.
	doc := "name: slow-inform\nmodel: Device:2\ngroups: [boxes]\nrollout: campaign\nvalues:\n  " + intervalPath + ": 600\n" +
		"---\nname: igd-inform\nmodel: InternetGatewayDevice:1\nvalues:\n  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 600\n"
	if code := a.do("POST", "/policies", doc, nil); code != http.StatusOK {
		t.Fatalf("policy: %d", code)
	}
	f.round()
	for _, ag := range f.agents {
		if value(ag, intervalPath) == "600" {
			t.Fatalf("%s got a rollout: campaign policy before its campaign", ag.SerialNumber())
		}
	}
	// Checked at creation: the policy exists, at the version asked, and
	// its model covers the group's devices.
	spec := func(policyName, extra string) string {
		return `{"name":"roll","group":"boxes","policy":"` + policyName + `","first":"20%","growth":2,"within":"1h","soak":"30m","failureFraction":0.1` + extra + `}`
	}
	for _, bad := range []struct{ body, want string }{
		{spec("nope", ""), `no policy "nope"`},
		{spec("igd-inform", ""), "does not cover 50 of group boxes's devices"},
		{spec("slow-inform", `,"policyVersion":"000000000000"`), "not 000000000000"},
		{spec("slow-inform", `,"firmware":{"version":"2","file":"f"}`), "one of firmware, a task and a policy"},
	} {
		var e struct {
			Error string `json:"error"`
		}
		if code := a.do("POST", "/campaigns", bad.body, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, bad.want) {
			t.Fatalf("%s: %d %q, want %q", bad.body, code, e.Error, bad.want)
		}
	}
	var created acsref.CampaignView
	if code := a.do("POST", "/campaigns", spec("slow-inform", ""), &created); code != http.StatusCreated || created.Progress["targets"] != 50 ||
		created.Wave != 1 || created.Spec.Policy != "slow-inform" || len(created.Spec.PolicyVersion) != 12 {
		t.Fatalf("create: %d %+v", code, created)
	}
	view := func() acsref.CampaignView {
		t.Helper()
		var v acsref.CampaignView
		if code := a.do("GET", "/campaigns/roll", nil, &v); code != http.StatusOK {
			t.Fatalf("GET campaign: %d", code)
		}
		return v
	}
	applied := func() (n int) {
		for _, ag := range f.agents {
			if value(ag, intervalPath) == "600" {
				n++
			}
		}
		return n
	}

	// Wave 1 (P00..P09) gets the policy in its sessions; P03 and P07
	// refuse it: the stop rule (10% of the wave) stops the campaign.
	f.round()
	v := view()
	if v.Status != policy.CampaignStopped || v.Wave != 1 || v.Progress[policy.DeviceFailed] != 2 || v.Progress[policy.DeviceSucceeded] != 8 ||
		!strings.Contains(v.Reason, "wave 1: 2 of 10 devices failed") {
		t.Fatalf("after wave 1: %s (%s) wave %d %v", v.Status, v.Reason, v.Wave, v.Progress)
	}
	if d := v.State.Devices[acsref.DeviceID("00D09E", "PolicyBox", "P03")]; d == nil || !strings.Contains(d.Reason, "9001") || !strings.Contains(d.Reason, "slow-inform") {
		t.Fatalf("P03's failure: %+v", d)
	}
	// Devices not reached do not get the policy, in any later session.
	f.round()
	if n := applied(); n != 8 {
		t.Fatalf("%d devices run the policy after wave 1 (8 converged)", n)
	}
	for i, ag := range f.agents[10:] {
		if value(ag, intervalPath) == "600" {
			t.Fatalf("P%02d got the policy of a stopped campaign", i+10)
		}
	}
	// The dry run knows it too: nothing for an unreached device.
	for sn, want := range map[string]string{"P15": "", "P00": policy.StatusConverged} {
		var dp acsref.DevicePlan
		if code := a.do("GET", devPath(acsref.DeviceID("00D09E", "PolicyBox", sn))+"/plan", nil, &dp); code != http.StatusOK ||
			dp.Policy["slow-inform"].Status != want || want == "" && len(dp.RPCs) != 0 {
			t.Fatalf("plan of %s: %d %+v", sn, code, dp)
		}
	}
	var pv acsref.PolicyView
	if code := a.do("GET", "/policies/slow-inform", nil, &pv); code != http.StatusOK || pv.Counts[policy.StatusConverged] != 8 || pv.Counts[policy.StatusFault] != 2 {
		t.Fatalf("policy counts: %d %v", code, pv.Counts)
	}

	// Fixed and resumed: the two failed devices are tried again at once
	// (the policy's fault backoff does not delay a campaign's retry).
	broken.Store(false)
	if code := a.do("POST", "/campaigns/roll/resume", nil, nil); code != http.StatusOK {
		t.Fatalf("resume: %d", code)
	}
	f.round()
	if v = view(); v.Status != policy.CampaignRunning || v.Wave != 1 || v.Progress[policy.DeviceSucceeded] != 10 || applied() != 10 {
		t.Fatalf("after the resume: %s (%s) wave %d %v, %d applied", v.Status, v.Reason, v.Wave, v.Progress, applied())
	}
	// The 30-minute soak: nothing moves before it ends.
	setNow(clock().Add(20 * time.Minute))
	f.round()
	if v = view(); v.Wave != 1 || applied() != 10 {
		t.Fatalf("during the soak: wave %d, %d applied", v.Wave, applied())
	}
	setNow(clock().Add(11 * time.Minute))
	f.round() // wave 2: 20 devices, P10..P29
	if v = view(); v.Status != policy.CampaignRunning || v.Wave != 2 || v.Progress[policy.DeviceSucceeded] != 30 || applied() != 30 {
		t.Fatalf("after wave 2: %s (%s) wave %d %v, %d applied", v.Status, v.Reason, v.Wave, v.Progress, applied())
	}

	// A restart in the middle changes nothing.
	before := view()
	a = restart()
	after := view()
	if fmt.Sprint(before.Status, before.Wave, before.Progress, len(before.State.Devices)) != fmt.Sprint(after.Status, after.Wave, after.Progress, len(after.State.Devices)) {
		t.Fatalf("restart changed the campaign: %+v → %+v", before.Progress, after.Progress)
	}
	for id, d := range before.State.Devices {
		if got := after.State.Devices[id]; got == nil || *got != *d {
			t.Fatalf("restart changed %s: %+v → %+v", id, d, got)
		}
	}
	f.round()
	if applied() != 30 {
		t.Fatalf("%d applied in the soak after the restart", applied())
	}
	// Paused: the soak ends, and nothing moves until the resume.
	if code := a.do("POST", "/campaigns/roll/pause", nil, nil); code != http.StatusOK {
		t.Fatalf("pause: %d", code)
	}
	setNow(clock().Add(31 * time.Minute))
	f.round()
	if v = view(); v.Status != policy.CampaignPaused || v.Wave != 2 || applied() != 30 {
		t.Fatalf("paused: %s wave %d, %d applied", v.Status, v.Wave, applied())
	}
	if code := a.do("POST", "/campaigns/roll/resume", nil, nil); code != http.StatusOK {
		t.Fatalf("resume: %d", code)
	}
	f.round() // wave 3: the last 20
	if v = view(); v.Status != policy.CampaignRunning || v.Wave != 3 || v.Progress[policy.DeviceSucceeded] != 50 {
		t.Fatalf("after wave 3: %s (%s) wave %d %v", v.Status, v.Reason, v.Wave, v.Progress)
	}
	// The last wave soaks too before the campaign completes.
	setNow(clock().Add(31 * time.Minute))
	f.session(f.agents[0])
	if v = view(); v.Status != policy.CampaignCompleted || v.Wave != 3 || v.Progress[policy.DeviceSucceeded] != 50 || applied() != 50 {
		t.Fatalf("end: %s (%s) wave %d %v, %d applied", v.Status, v.Reason, v.Wave, v.Progress, applied())
	}
	if code := a.do("GET", "/policies/slow-inform", nil, &pv); code != http.StatusOK || pv.Counts[policy.StatusConverged] != 50 {
		t.Fatalf("policy counts at the end: %v", pv.Counts)
	}
}
