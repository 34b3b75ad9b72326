package acsref_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

// TestCampaignFirmware: a firmware campaign over a group of 20 CPEs
// (cwmp/cpe agents whose OnFile installs the image, or fails it while
// the simulator switch is on) waits for its maintenance window (an
// injected clock), stops at its stop rule after the first wave (2 of 10
// downloads fail), is resumed after the fault is fixed, and completes;
// success is each device's reported SoftwareVersion.
func TestCampaignFirmware(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) // outside the 01:00-05:00 window
	a.srv.SetCampaignClock(func() time.Time { return *now.Load() })
	if code := a.do("PUT", "/files/fw-2.0.bin", []byte("firmware 2.0"), nil); code >= 300 {
		t.Fatalf("PUT file: %d", code)
	}
	if code := a.do("POST", "/policies", "kind: Group\nname: boxes\nmodel: Device:2\nmatch: device.productClass == 'CampaignBox'\n", nil); code != http.StatusOK {
		t.Fatalf("group: %d", code)
	}
	var broken atomic.Bool
	broken.Store(true)
	var agents []*cpe.Agent
	for i := 0; i < 20; i++ {
		var ag *cpe.Agent
		sn := fmt.Sprintf("C%02d", i)
		failing := i == 3 || i == 7 // in the first wave (ids sort as C00..C19)
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "CampaignBox", SerialNumber: sn, SoftwareVersion: "1.0",
			OnFile: func(d *cwmp.Download, r io.Reader) error {
				if failing && broken.Load() {
					return cwmp.NewFault(cwmp.FaultFileTransferFailure, "image rejected")
				}
				return ag.Store().Set([]model.ParameterValue{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "2.0", Type: model.TypeString}})
			}})
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, ag)
	}
	round := func() {
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
	view := func() acsref.CampaignView {
		var v acsref.CampaignView
		if code := a.do("GET", "/campaigns/fw2", nil, &v); code != http.StatusOK {
			t.Fatalf("GET campaign: %d", code)
		}
		return v
	}
	round() // the devices exist; the group has them
	body := `{"name":"fw2","group":"boxes","firmware":{"version":"2.0","file":"fw-2.0.bin"},"first":"50%","within":"6h",
	  "failureFraction":0.1,"windows":[{"cron":"0 1 * * *","duration":"4h"}]}`
	var created acsref.CampaignView
	if code := a.do("POST", "/campaigns", body, &created); code != http.StatusCreated || created.Progress["targets"] != 20 || created.Wave != 1 {
		t.Fatalf("create: %d %+v", code, created)
	}
	// Outside the window nothing is downloaded.
	round()
	round()
	for _, ag := range agents {
		if v, _ := ag.Store().Get("Device.DeviceInfo.SoftwareVersion"); v != "1.0" {
			t.Fatalf("%s upgraded outside the window", ag.SerialNumber())
		}
	}
	setNow(time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC))
	for i := 0; i < 4; i++ {
		round()
	}
	v := view()
	if v.Status != policy.CampaignStopped || v.Wave != 1 || v.Progress[policy.DeviceFailed] != 2 || v.Progress[policy.DeviceSucceeded] != 8 {
		t.Fatalf("after wave 1: %s (%s) wave %d %v", v.Status, v.Reason, v.Wave, v.Progress)
	}
	// Wave 2 never started.
	if v, _ := agents[15].Store().Get("Device.DeviceInfo.SoftwareVersion"); v != "1.0" {
		t.Fatal("a stopped campaign went on")
	}
	// Fixed and resumed, it completes.
	broken.Store(false)
	if code := a.do("POST", "/campaigns/fw2/resume", nil, nil); code != http.StatusOK {
		t.Fatalf("resume: %d", code)
	}
	for i := 0; i < 8 && view().Status == policy.CampaignRunning; i++ {
		round()
	}
	v = view()
	if v.Status != policy.CampaignCompleted || v.Progress[policy.DeviceSucceeded] != 20 {
		t.Fatalf("end: %s (%s) %v", v.Status, v.Reason, v.Progress)
	}
	for _, ag := range agents {
		if v, _ := ag.Store().Get("Device.DeviceInfo.SoftwareVersion"); v != "2.0" {
			t.Fatalf("%s runs %s", ag.SerialNumber(), v)
		}
	}
	if code := a.do("POST", "/campaigns/fw2/pause", nil, nil); code != http.StatusConflict {
		t.Fatalf("pause of a completed campaign: %d", code)
	}
}
