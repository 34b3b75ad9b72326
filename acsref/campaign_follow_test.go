package acsref_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/model"
)

// TestCampaignFollowGroup: a policy campaign with followGroup over a
// dynamic group takes in a device that informs for the first time after
// it started (in that first session), and skips, with the reason, a
// target that left the group (a tag) before its wave reached it; that
// device never gets the policy.
func TestCampaignFollowGroup(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	var now atomic.Pointer[time.Time]
	now.Store(new(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)))
	a.srv.SetCampaignClock(func() time.Time { return *now.Load() })
	f := newCampaignFleet(t, "FollowBox", 7, func(int) string { return a.srv.CWMPURL() }, nil)
	doc := "kind: Group\nname: fleet\nmodel: Device:2\nmatch: device.productClass == 'FollowBox' && !('out' in device.tags)\n" +
		"---\nname: follow-inform\nmodel: Device:2\ngroups: [fleet]\nvalues:\n  " + intervalPath + ": 600\n"
	if code := a.do("POST", "/policies", "kind: Group\nname: fleet\nmodel: Device:2\nmatch: device.productClass == 'FollowBox' && !('out' in device.tags)\n", nil); code != http.StatusOK {
		t.Fatalf("group: %d", code)
	}
	for _, ag := range f.agents[:5] { // P05 and P06 inform later
		f.session(ag)
	}
	if code := a.do("POST", "/policies", doc, nil); code != http.StatusOK {
		t.Fatalf("policy: %d", code)
	}
	var created acsref.CampaignView
	body := `{"name":"follow","group":"fleet","policy":"follow-inform","first":"2","growth":1,"within":"1h","followGroup":true}`
	if code := a.do("POST", "/campaigns", body, &created); code != http.StatusCreated || created.Progress["targets"] != 5 || !created.Spec.FollowGroup {
		t.Fatalf("create: %d %+v", code, created)
	}
	id := func(i int) string { return acsref.DeviceID("00D09E", "FollowBox", f.agents[i].SerialNumber()) }
	// P03 leaves the group before wave 2 reaches it.
	if code := a.do("POST", devPath(id(3))+"/tags/out", nil, nil); code >= 300 {
		t.Fatalf("tag: %d", code)
	}
	for _, ag := range f.agents[:5] {
		f.session(ag)
	}
	view := func() acsref.CampaignView {
		t.Helper()
		var v acsref.CampaignView
		if code := a.do("GET", "/campaigns/follow", nil, &v); code != http.StatusOK {
			t.Fatalf("GET campaign: %d", code)
		}
		return v
	}
	v := view()
	if v.Wave != 2 || v.Progress[policy.DeviceSucceeded] != 4 || v.Progress[policy.DeviceSkipped] != 1 || v.Progress["targets"] != 4 {
		t.Fatalf("after two waves: %s (%s) wave %d %v", v.Status, v.Reason, v.Wave, v.Progress)
	}
	if d := v.State.Devices[id(3)]; d == nil || d.Status != policy.DeviceSkipped || !strings.Contains(d.Reason, "left group fleet before a wave reached it") {
		t.Fatalf("P03: %+v", d)
	}
	if value(f.agents[3], intervalPath) == "600" {
		t.Fatal("the device that left the group got the policy")
	}
	// Every target reached, the campaign waits for new members.
	if v.Status != policy.CampaignRunning {
		t.Fatalf("following campaign is %s", v.Status)
	}
	// P05's first session: it joins the group, becomes a wave of its own
	// and converges in that same session.
	f.session(f.agents[5])
	v = view()
	if v.Wave != 3 || v.Progress[policy.DeviceSucceeded] != 5 || v.State.Devices[id(5)] == nil || value(f.agents[5], intervalPath) != "600" {
		t.Fatalf("after P05's first session: wave %d %v (P05: %+v, interval %q)", v.Wave, v.Progress, v.State.Devices[id(5)], value(f.agents[5], intervalPath))
	}
	if value(f.agents[3], intervalPath) == "600" {
		t.Fatal("P03 got the policy later")
	}
	// Aborted, it takes no one in, and the policy stays held back from
	// the devices it never reached.
	if code := a.do("POST", "/campaigns/follow/abort", nil, nil); code != http.StatusOK {
		t.Fatalf("abort: %d", code)
	}
	f.session(f.agents[6])
	f.session(f.agents[3])
	if v = view(); v.Status != policy.CampaignAborted || v.State.Devices[id(6)] != nil || value(f.agents[6], intervalPath) == "600" || value(f.agents[3], intervalPath) == "600" {
		t.Fatalf("after the abort: %s %v, P06 %q", v.Status, v.Progress, value(f.agents[6], intervalPath))
	}
}

// TestCampaignDeviceLocalWindow: a 02:00-04:00 window in device-local
// time, at one injected instant, lets the device whose zone is Paris
// (Device.Time.LocalTimeZone, a POSIX TZ string with its DST rules) start
// and holds the one in New York; each starts at 02:00 its own time. A
// device that reports garbage, and one that reports nothing, are judged
// in the campaign's fallback zone, and their records say why.
func TestCampaignDeviceLocalWindow(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil) // the discovery reads Device.Time.
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Date(2027, 1, 15, 1, 30, 0, 0, time.UTC)) // 02:30 Paris, 20:30 New York, 10:30 Tokyo
	a.srv.SetCampaignClock(func() time.Time { return *now.Load() })
	zones := []string{"CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "in the attic", ""}
	f := newCampaignFleet(t, "ZoneBox", 4, func(int) string { return a.srv.CWMPURL() }, nil)
	for i, z := range zones {
		if err := f.agents[i].Store().Set([]model.ParameterValue{{Name: "Device.Time.LocalTimeZone", Value: z, Type: model.TypeString}}); err != nil {
			t.Fatal(err)
		}
	}
	doc := "kind: Group\nname: zoned\nmodel: Device:2\nmatch: device.productClass == 'ZoneBox'\n" +
		"---\nname: zoned-inform\nmodel: Device:2\ngroups: [zoned]\nvalues:\n  " + intervalPath + ": 600\n"
	if code := a.do("POST", "/policies", doc[:strings.Index(doc, "---")], nil); code != http.StatusOK {
		t.Fatalf("group: %d", code)
	}
	f.round() // first contact and discovery
	if code := a.do("POST", "/policies", doc, nil); code != http.StatusOK {
		t.Fatalf("policy: %d", code)
	}
	body := `{"name":"local","group":"zoned","policy":"zoned-inform","first":"100%","within":"24h",
	  "windows":[{"cron":"0 2 * * *","duration":"2h","timeZone":"device","fallbackTimeZone":"Asia/Tokyo"}]}`
	if code := a.do("POST", "/campaigns", body, nil); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	applied := func() string {
		var b strings.Builder
		for _, ag := range f.agents {
			if value(ag, intervalPath) == "600" {
				b.WriteString("+")
			} else {
				b.WriteString("-")
			}
		}
		return b.String()
	}
	devices := func() map[string]*policy.CampaignDevice {
		var v acsref.CampaignView
		if code := a.do("GET", "/campaigns/local", nil, &v); code != http.StatusOK {
			t.Fatalf("GET campaign: %d", code)
		}
		out := map[string]*policy.CampaignDevice{}
		for i, ag := range f.agents {
			out[zones[i]] = v.State.Devices[acsref.DeviceID("00D09E", "ZoneBox", ag.SerialNumber())]
		}
		return out
	}
	f.round()
	if got := applied(); got != "+---" {
		t.Fatalf("at 01:30 UTC: %s, want only Paris", got)
	}
	d := devices()
	for z, want := range map[string]string{
		zones[0]: "device: Device.Time.LocalTimeZone = CET-1CEST,M3.5.0,M10.5.0/3",
		zones[1]: "device: Device.Time.LocalTimeZone = EST5EDT",
		zones[2]: `Asia/Tokyo (fallback: Device.Time.LocalTimeZone: POSIX TZ string "in the attic"`,
		zones[3]: "Asia/Tokyo (fallback: Device.Time.LocalTimeZone is empty)",
	} {
		if d[z] == nil || !strings.Contains(d[z].Zone, want) {
			t.Errorf("zone record of the %q device: %+v, want %q", z, d[z], want)
		}
	}
	setNow(time.Date(2027, 1, 15, 7, 30, 0, 0, time.UTC)) // 02:30 New York
	f.round()
	if got := applied(); got != "++--" {
		t.Fatalf("at 07:30 UTC: %s, want Paris and New York", got)
	}
	setNow(time.Date(2027, 1, 15, 17, 30, 0, 0, time.UTC)) // 02:30 Tokyo
	f.round()
	if got := applied(); got != "++++" {
		t.Fatalf("at 17:30 UTC: %s, want all", got)
	}
	if d := devices(); d[zones[0]].Status != policy.DeviceSucceeded || d[zones[3]].Status != policy.DeviceSucceeded {
		t.Fatalf("outcomes: %+v %+v", d[zones[0]], d[zones[3]])
	}
}

// TestCampaignPolicySuccess: a policy campaign's success expression
// (checked against the policy's model at creation) must hold as well as
// the policy's convergence: a converged device whose expression is false
// keeps running until it holds, or fails at the timeout.
func TestCampaignPolicySuccess(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	a.srv.SetCampaignClock(func() time.Time { return *now.Load() })
	f := newCampaignFleet(t, "SuccessBox", 2, func(int) string { return a.srv.CWMPURL() }, func(_ int, c *cpe.Config) { c.SoftwareVersion = "1.0" })
	doc := "kind: Group\nname: both\nmodel: Device:2\nmatch: device.productClass == 'SuccessBox'\n" +
		"---\nname: success-inform\nmodel: Device:2\ngroups: [both]\nrollout: campaign\nvalues:\n  " + intervalPath + ": 600\n"
	if code := a.do("POST", "/policies", doc, nil); code != http.StatusOK {
		t.Fatalf("policies: %d", code)
	}
	f.round()
	for body, want := range map[string]string{
		`{"name":"s","group":"both","policy":"success-inform","success":"Device.ManagementServer.Nope == 1u","first":"100%","within":"1h"}`: "Device.ManagementServer.Nope",
		`{"name":"s","group":"both","policy":"success-inform","success":"device.softwareVersion","first":"100%","within":"1h"}`:             "of type string",
		`{"name":"s","group":"both","task":{"name":"reboot"},"success":"true","first":"100%","within":"1h"}`:                                "success (an expression) is for policy campaigns",
	} {
		var e struct {
			Error string `json:"error"`
		}
		if code := a.do("POST", "/campaigns", body, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, want) {
			t.Fatalf("%s: %d %q", body, code, e.Error)
		}
	}
	body := `{"name":"s","group":"both","policy":"success-inform","first":"100%","within":"1h",
	  "success":"device.softwareVersion == '1.1' && ` + intervalPath + ` == 600u"}`
	if code := a.do("POST", "/campaigns", body, nil); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	view := func() acsref.CampaignView {
		var v acsref.CampaignView
		if code := a.do("GET", "/campaigns/s", nil, &v); code != http.StatusOK {
			t.Fatalf("GET: %d", code)
		}
		return v
	}
	f.round()
	if v := view(); v.Progress[policy.DeviceRunning] != 2 || value(f.agents[0], intervalPath) != "600" || value(f.agents[1], intervalPath) != "600" {
		t.Fatalf("converged, success false: %v", v.Progress)
	}
	if err := f.agents[0].Store().Set([]model.ParameterValue{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1.1", Type: model.TypeString}}); err != nil {
		t.Fatal(err)
	}
	f.round()
	if v := view(); v.Progress[policy.DeviceSucceeded] != 1 || v.Progress[policy.DeviceRunning] != 1 {
		t.Fatalf("one success: %v", v.Progress)
	}
	setNow(time.Date(2026, 12, 7, 11, 1, 0, 0, time.UTC))
	f.round()
	v := view()
	d := v.State.Devices[acsref.DeviceID("00D09E", "SuccessBox", "P01")]
	if v.Progress[policy.DeviceFailed] != 1 || d == nil || !strings.Contains(d.Reason, "did not converge with success") {
		t.Fatalf("timeout: %v %+v", v.Progress, d)
	}
}
