package acsref_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
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

// heldRead is a store whose next read of one device is held, after it
// read the store, until release closes.
type heldRead struct {
	store.Store
	id      string
	armed   atomic.Bool
	read    chan struct{}
	release chan struct{}
}

func (h *heldRead) Device(ctx context.Context, id string) (*store.Device, error) {
	d, err := h.Store.Device(ctx, id)
	if id == h.id && h.armed.CompareAndSwap(true, false) {
		close(h.read)
		<-h.release
	}
	return d, err
}

// TestCacheKeepsTheNewerDevice: an NBI read of a device evicted from the
// cache reads the store; meanwhile the device's discovery override is
// set (stored and cached). The read, ending after, must not cache its
// older copy over the newer one: the next answers and the device's next
// session (which starts from the cache and commits the device) would
// lose the override.
func TestCacheKeepsTheNewerDevice(t *testing.T) {
	held := &heldRead{id: "00D09E-SimBox-NC0", read: make(chan struct{}), release: make(chan struct{})}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery, c.DeviceCache = true, 1
		held.Store = c.Store
		c.Store = held
	})
	agents := []*cpe.Agent{agentCPE(t, a, "NC0"), agentCPE(t, a, "NC1"), agentCPE(t, a, "NC2")}
	for _, ag := range agents {
		runSession(t, ag) // NC0 is evicted by the two after it
	}
	path := "/devices/" + held.id + "/discovery"
	held.armed.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.do("GET", path, nil, nil)
	}()
	select {
	case <-held.read:
	case <-time.After(30 * time.Second):
		t.Fatal("the NBI never read the device from the store")
	}
	if code := a.do("PUT", path, `{"batchSize":7}`, nil); code != 204 {
		t.Fatalf("PUT discovery: HTTP %d", code)
	}
	close(held.release)
	<-done
	var v acsref.DiscoveryView
	if a.do("GET", path, nil, &v); v.Override.BatchSize != 7 {
		t.Errorf("override after the older read ended: %+v", v.Override)
	}
	runSession(t, agents[0])
	stored, err := held.Store.Device(context.Background(), held.id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(stored.Discovery), `"batchSize":7`) {
		t.Errorf("the device as stored after its next session: discovery %s", stored.Discovery)
	}
}
