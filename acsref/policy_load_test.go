package acsref_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// TestPolicyLoad is the convergence benchmark, run by bench/policy.sh
// (skipped unless DMFORGE_POLICY_LOAD gives the number of CPEs): N
// TR-181 CPEs (cwmp/cpe agents) each run their BOOTSTRAP session against
// an ACS holding bench/policy-bench.yaml (20 parameters, one keyed
// object instance), then a second session that must get no request.
// DMFORGE_ACS_URL and DMFORGE_NBI point at an external ACS that already
// holds the policy; without them the ACS runs in this process on a
// SQLite file. DMFORGE_ACS_CONCURRENCY bounds the sessions in flight
// (default 200).
func TestPolicyLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DMFORGE_POLICY_LOAD"))
	if n <= 0 {
		t.Skip("set DMFORGE_POLICY_LOAD=<CPEs> to run the policy convergence benchmark (bench/policy.sh)")
	}
	conc := 200
	if c, _ := strconv.Atoi(os.Getenv("DMFORGE_ACS_CONCURRENCY")); c > 0 {
		conc = c
	}
	src, err := os.ReadFile("../bench/policy-bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	acsURL, nbi := os.Getenv("DMFORGE_ACS_URL"), os.Getenv("DMFORGE_NBI")
	if acsURL == "" {
		st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "load.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NoDiscovery: true,
			NBIToken: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		acsURL, nbi = srv.CWMPURL(), srv.NBIURL()
		req, _ := http.NewRequest("POST", nbi+"/policies", bytesReader(src))
		req.Header.Set("Content-Type", "application/yaml")
		req.Header.Set("Authorization", "Bearer bench")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("apply: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	prof := cpe.NewDeviceProfile(tr181.Schema)
	rt := cpe.NewSimTransport(conc)
	defer rt.CloseIdleConnections()
	agents := make([]*cpe.Agent, n)
	for i := range agents {
		agents[i], err = cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStoreFrom(prof), ACSURL: acsURL, Transport: rt,
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "Bench", SerialNumber: fmt.Sprintf("B%07d", i), SoftwareVersion: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
	}
	round := func(name string, check func(*cpe.Agent, cpe.SessionResult) error) (time.Duration, int64) {
		var failed, requests atomic.Int64
		var first atomic.Value
		jobs := make(chan *cpe.Agent)
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ag := range jobs {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					res, err := ag.RunSession(ctx)
					cancel()
					if err == nil {
						err = check(ag, res)
					}
					requests.Add(int64(res.Requests))
					if err != nil {
						failed.Add(1)
						first.CompareAndSwap(nil, ag.SerialNumber()+": "+err.Error())
					}
				}
			}()
		}
		for _, ag := range agents {
			jobs <- ag
		}
		close(jobs)
		wg.Wait()
		wall := time.Since(start)
		if failed.Load() > 0 {
			t.Fatalf("%s: %d failed, first: %v", name, failed.Load(), first.Load())
		}
		return wall, requests.Load()
	}
	wall1, req1 := round("converging sessions", func(ag *cpe.Agent, res cpe.SessionResult) error {
		for path, want := range map[string]string{"Device.UserInterface.ISPNewsServer": "news.example.net", "Device.IP.Interface.1.Alias": "wan",
			"Device.DeviceInfo.ProvisioningCode": "bench-" + ag.SerialNumber()} {
			if got, _ := ag.Store().Get(path); got != want {
				return fmt.Errorf("%s = %q, want %q", path, got, want)
			}
		}
		return nil
	})
	wall2, req2 := round("converged sessions", func(ag *cpe.Agent, res cpe.SessionResult) error {
		if res.Requests != 0 {
			return fmt.Errorf("converged CPE got %d requests", res.Requests)
		}
		return nil
	})
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("POLICY: CPEs %d, concurrency %d: full convergence in %v (%.0f sessions/s, %.1f RPCs per converging session); converged sessions %.0f/s with %d RPCs; test process heap %.0f MiB\n",
		n, conc, wall1.Round(time.Millisecond), float64(n)/wall1.Seconds(), float64(req1)/float64(n), float64(n)/wall2.Seconds(), req2, float64(ms.HeapInuse)/(1<<20))
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
