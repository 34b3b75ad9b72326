package acsref_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp/cpe"
)

// TestDevicesBeyondTheCache: with a device cache of 2 per generation,
// 12 CPEs run sessions twice and queue and complete a task each: devices
// evicted from memory are read back from the store, keep their identity
// (no second device row) and their tasks.
func TestDevicesBeyondTheCache(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	a := startACS(t, db, func(c *acsref.Config) { c.NoDiscovery = true; c.DeviceCache = 2 })
	const n = 12
	agents := make([]*cpe.Agent, n)
	for i := range agents {
		agents[i] = agentCPE(t, a, fmt.Sprintf("DC%d", i))
	}
	firstSeen := map[string]any{}
	for round := 0; round < 2; round++ {
		if round == 1 {
			var devs []map[string]any
			a.do("GET", "/devices", nil, &devs)
			for _, d := range devs {
				firstSeen[d["id"].(string)] = d["firstSeen"]
			}
		}
		for i, ag := range agents {
			if round == 1 {
				a.task(fmt.Sprintf("00D09E-SimBox-DC%d", i), `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","pc"]]}`)
			}
			runSession(t, ag)
		}
	}
	var devs []map[string]any
	a.do("GET", "/devices", nil, &devs)
	if len(devs) != n || len(firstSeen) != n {
		t.Fatalf("%d devices listed (%d after the first round), want %d", len(devs), len(firstSeen), n)
	}
	for _, d := range devs {
		if d["firstSeen"] != firstSeen[d["id"].(string)] {
			t.Errorf("%s: firstSeen %v, was %v: the evicted device was taken for a new one", d["id"], d["firstSeen"], firstSeen[d["id"].(string)])
		}
	}
	var tasks []map[string]any
	a.do("GET", "/tasks", nil, &tasks)
	if len(tasks) != n {
		t.Fatalf("%d tasks, want %d", len(tasks), n)
	}
	for _, tk := range tasks {
		if tk["status"] != "done" {
			t.Fatalf("task %v", tk)
		}
	}
}
