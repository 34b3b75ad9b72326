package policy_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
)

// campaignFleet simulates devices informing every tick: a device the
// campaign starts downloads; at its next inform it runs the new version,
// or (when broken) reports a failed download.
type campaignFleet struct {
	sw      map[string]string
	broken  map[string]bool
	started map[string]bool
}

func (f *campaignFleet) tick(t *testing.T, c *policy.Campaign, st *policy.CampaignState, now time.Time) {
	st.Advance(c, now)
	for _, id := range st.Targets {
		if f.started[id] {
			delete(f.started, id)
			if f.broken[id] {
				st.Fail(id, "TransferComplete: 9010 Download failure", now)
			} else {
				f.sw[id] = c.Firmware.Version
			}
		}
		st.Observe(c, id, f.sw[id], now)
		if st.ShouldStart(c, id, now) {
			f.started[id] = true
		}
	}
}

func TestCampaignStopResumeRestartWindow(t *testing.T) {
	c := &policy.Campaign{Name: "fw2", Firmware: policy.Firmware{Version: "2.0", File: "fw2.bin"}, First: "10%", Growth: 2,
		Soak: time.Hour, Within: 2 * time.Hour, FailureFraction: 0.05, Concurrency: 300,
		Windows: []policy.Window{{Cron: "0 1 * * *", Duration: 4 * time.Hour, TimeZone: "UTC"}}}
	if err := policy.CheckCampaign(c); err != nil {
		t.Fatal(err)
	}
	var ids []string
	f := &campaignFleet{sw: map[string]string{}, broken: map[string]bool{}, started: map[string]bool{}}
	for i := 0; i < 1000; i++ {
		id := fmt.Sprintf("dev-%04d", i)
		ids = append(ids, id)
		f.sw[id] = "1.0"
		if i%10 == 0 {
			f.broken[id] = true // 10% fail their download
		}
	}
	st := policy.StartCampaign(ids)
	// 22:00 UTC: outside the 01:00-05:00 window: the first wave is
	// assigned but nobody starts.
	now := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		f.tick(t, c, st, now)
		now = now.Add(15 * time.Minute)
	}
	if p := st.Progress(); p["running"] != 100 || p[policy.DeviceSucceeded] != 0 || st.Status != policy.CampaignRunning {
		t.Fatalf("before the window: %v %s", p, st.Status)
	}
	for _, d := range st.Devices {
		if !d.Started.IsZero() {
			t.Fatal("a device started outside the window")
		}
	}
	// Into the window: the first wave runs, 10 of its 100 fail: stop.
	for i := 0; i < 16 && st.Status == policy.CampaignRunning; i++ {
		f.tick(t, c, st, now)
		now = now.Add(15 * time.Minute)
	}
	p := st.Progress()
	if st.Status != policy.CampaignStopped || st.Wave != 1 || p[policy.DeviceFailed] != 10 || p[policy.DeviceSucceeded] != 90 {
		t.Fatalf("after wave 1: %s (%s), wave %d, %v", st.Status, st.Reason, st.Wave, p)
	}
	// Stopped: more ticks change nothing.
	f.tick(t, c, st, now)
	if st.Wave != 1 || st.Progress()[policy.DeviceFailed] != 10 {
		t.Fatal("a stopped campaign moved")
	}
	// The fault is fixed; resumed, it retries the failed devices and
	// goes on. Half-way it is saved and loaded again (an ACS restart).
	f.broken = map[string]bool{}
	if err := st.Resume(); err != nil {
		t.Fatal(err)
	}
	var waveStarts []time.Time
	lastWave := st.Wave
	for i := 0; i < 2000 && st.Status == policy.CampaignRunning; i++ {
		f.tick(t, c, st, now)
		if st.Wave != lastWave {
			lastWave = st.Wave
			waveStarts = append(waveStarts, now)
		}
		if i == 20 {
			b, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var reloaded policy.CampaignState
			if err := json.Unmarshal(b, &reloaded); err != nil {
				t.Fatal(err)
			}
			b2, _ := json.Marshal(&reloaded)
			if string(b) != string(b2) {
				t.Fatal("state does not survive a round trip")
			}
			st = &reloaded
		}
		now = now.Add(15 * time.Minute)
	}
	p = st.Progress()
	if st.Status != policy.CampaignCompleted || p[policy.DeviceSucceeded] != 1000 {
		t.Fatalf("end: %s %s %v", st.Status, st.Reason, p)
	}
	// Waves grow: 100, 200, 400, then the last 300; each one starts at
	// least the soak after the previous one ended.
	sizes := map[int]int{}
	for _, d := range st.Devices {
		sizes[d.Wave]++
		if h := d.Started.UTC().Hour(); h < 1 || h >= 5 {
			t.Fatalf("device started at %v, outside the window", d.Started)
		}
	}
	if sizes[1] != 100 || sizes[2] != 200 || sizes[3] != 400 || sizes[4] != 300 || len(sizes) != 4 {
		t.Fatalf("wave sizes %v", sizes)
	}
	if len(waveStarts) != 3 {
		t.Fatalf("wave starts %v", waveStarts)
	}
}

func TestCampaignControlsAndChecks(t *testing.T) {
	c := &policy.Campaign{Name: "x", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "2", Within: time.Hour, Failures: 1}
	st := policy.StartCampaign([]string{"b", "a", "c"})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := st.Advance(c, now); len(got) != 2 || got[0] != "a" {
		t.Fatalf("first wave %v", got)
	}
	if err := st.Pause(); err != nil || st.ShouldStart(c, "a", now) {
		t.Fatal("paused campaign starts devices")
	}
	if err := st.Resume(); err != nil || !st.ShouldStart(c, "a", now) {
		t.Fatal("resumed campaign does not start")
	}
	// A device that never reports the version fails at the timeout, and
	// one failure stops the campaign (Failures: 1).
	st.Advance(c, now.Add(2*time.Hour))
	st.ShouldStart(c, "b", now.Add(2*time.Hour))
	st.Observe(c, "b", "2", now.Add(2*time.Hour))
	st.Advance(c, now.Add(3*time.Hour))
	if st.Status != policy.CampaignStopped || st.Devices["a"].Status != policy.DeviceFailed {
		t.Fatalf("%s %+v", st.Status, st.Devices["a"])
	}
	if err := st.Abort(); err != nil || st.Resume() == nil {
		t.Fatal("an aborted campaign resumes")
	}
	for _, bad := range []*policy.Campaign{
		{Name: "b", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "0", Within: time.Hour},
		{Name: "b", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "150%", Within: time.Hour},
		{Name: "b", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "1", Within: time.Hour, Windows: []policy.Window{{Cron: "x", Duration: time.Hour}}},
		{Name: "b", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "1"},
	} {
		if policy.CheckCampaign(bad) == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	// A window in a device-local zone: 02:00 in Berlin is 01:00 UTC in
	// winter.
	w := policy.Window{Cron: "0 2 * * *", Duration: time.Hour, TimeZone: "Europe/Berlin"}
	if !w.Open(time.Date(2026, 1, 10, 1, 30, 0, 0, time.UTC)) || w.Open(time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC)) {
		t.Fatal("window in Europe/Berlin")
	}
}
