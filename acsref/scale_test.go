package acsref_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// TestScaleRegistration is bench/scale.sh at a CI size: 600 (240 under
// the race detector) simulated
// CPEs, Device:2.19 and InternetGatewayDevice:1.14 mixed, register
// (--no-discovery) and inform again, 64 sessions at once, against an ACS
// whose device cache holds 100 per generation: every session succeeds,
// every device is listed once with its second Inform recorded, and the
// ACS holds at most 200 devices in memory.
func TestScaleRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("600 CPEs")
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true; c.DeviceCache = 100 })
	n, conc := 600, 64
	if raceSlowdown > 1 {
		n = 240 // still more than the cache holds
	}
	rt := cpe.NewSimTransport(conc)
	defer rt.CloseIdleConnections()
	agents := make([]*cpe.Agent, n)
	for i := range agents {
		schema, class := tr181.Schema, "ScaleGW"
		if i%2 == 1 {
			schema, class = tr098.Schema, "ScaleIGD"
		}
		var err error
		agents[i], err = cpe.New(cpe.Config{Schema: schema, Store: cpe.NewMemStoreFrom(profileOf(schema)), ACSURL: a.srv.CWMPURL(), Transport: rt,
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: class, SerialNumber: fmt.Sprintf("S%05d", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	var failed atomic.Int64
	var first atomic.Value
	round := func() {
		jobs := make(chan *cpe.Agent)
		var wg sync.WaitGroup
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ag := range jobs {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					if _, err := ag.RunSession(ctx); err != nil {
						failed.Add(1)
						first.CompareAndSwap(nil, ag.SerialNumber()+": "+err.Error())
					}
					cancel()
				}
			}()
		}
		for _, ag := range agents {
			jobs <- ag
		}
		close(jobs)
		wg.Wait()
	}
	round()
	between := time.Now().UTC()
	round()
	if failed.Load() > 0 {
		t.Fatalf("%d sessions failed, first: %v", failed.Load(), first.Load())
	}
	var devs []struct {
		ID         string    `json:"id"`
		LastInform time.Time `json:"lastInform"`
	}
	a.do("GET", "/devices?limit=10000", nil, &devs)
	if len(devs) != n {
		t.Fatalf("%d devices listed, want %d", len(devs), n)
	}
	for _, d := range devs {
		if d.LastInform.Before(between.Add(-time.Second)) {
			t.Fatalf("%s: last Inform %v, before the second round (%v)", d.ID, d.LastInform, between)
		}
	}
	if c := acsref.CachedDevices(a.srv); c > 200 || c < 100 {
		t.Fatalf("%d devices cached, want 100 to 200 (two generations of 100)", c)
	}
}

var (
	profilesMu sync.Mutex
	profiles   = map[*model.Schema]*cpe.DeviceProfile{}
)

// profileOf is the shared starting state of a model's simulated CPEs.
func profileOf(s *model.Schema) *cpe.DeviceProfile {
	profilesMu.Lock()
	defer profilesMu.Unlock()
	if p := profiles[s]; p != nil {
		return p
	}
	p := cpe.NewDeviceProfile(s)
	profiles[s] = p
	return p
}
