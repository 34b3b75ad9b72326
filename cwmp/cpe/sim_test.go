package cpe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

func TestSim(t *testing.T) {
	acs := &testacs.ACS{}
	acs.Enqueue("", &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.UpTime", Value: "1", Type: "xsd:unsignedInt"}}})
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stats cpe.SimStats
	if err := cpe.RunSim(ctx, cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.URL, Count: 50, Sessions: 2, Concurrency: 16}, &stats); err != nil {
		t.Fatal(err)
	}
	sum := stats.Summary(time.Second)
	if sum.OK != 100 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	// Each session answered the SetParameterValues on read-only UpTime with 9003/9008.
	if sum.Faults["9003 (CPE)"] != 100 {
		t.Fatalf("faults %v", sum.Faults)
	}
	if informs, completed := acs.Counts(); informs != 100 || completed != 100 {
		t.Fatalf("ACS saw %d informs, %d complete sessions", informs, completed)
	}
}

func TestSimFailuresCounted(t *testing.T) {
	acs := &testacs.ACS{Fault: cwmp.NewFault(cwmp.FaultACSRetryRequest, "")}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	var stats cpe.SimStats
	if err := cpe.RunSim(context.Background(), cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.URL, Count: 5, Sessions: 1}, &stats); err != nil {
		t.Fatal(err)
	}
	if s := stats.Summary(time.Second); s.Failed != 5 || s.OK != 0 {
		t.Fatalf("%+v", s)
	}
}

// BenchmarkSim runs b.N Device:2.19 CPEs, one session each, against the
// loopback test ACS, and reports sessions/s and heap per CPE.
func BenchmarkSim(b *testing.B) {
	acs := &testacs.ACS{}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	var stats cpe.SimStats
	b.ResetTimer()
	start := time.Now()
	if err := cpe.RunSim(context.Background(), cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.URL, Count: b.N, Sessions: 1}, &stats); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	s := stats.Summary(el)
	if s.Failed > 0 {
		b.Fatalf("%+v", s)
	}
	b.ReportMetric(float64(s.OK)/el.Seconds(), "sessions/s")
}

// BenchmarkAgentMemory reports the heap one idle Device:2.19 CPE holds
// (agent, handler, store with its identity values).
func BenchmarkAgentMemory(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	agents := make([]*cpe.Agent, b.N)
	tr := cpe.NewSimTransport(1)
	profile := cpe.SimProfile(cpe.NewDeviceProfile(tr181.Schema)) // as RunSim does
	for i := range agents {
		a, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: "http://127.0.0.1:1/", SerialNumber: fmt.Sprintf("M%08d", i),
			OUI: "00D09E", ProductClass: "X", Manufacturer: "Y", SoftwareVersion: "1.0", ConnReqURL: fmt.Sprintf("http://127.0.0.1:7547/M%08d", i),
			ConnReqPassword: "pw", Transport: tr, Store: cpe.NewMemStoreFrom(profile)})
		if err != nil {
			b.Fatal(err)
		}
		agents[i] = a
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-B/cpe")
	runtime.KeepAlive(agents)
}

// TestSimRetriesBusyACS: an ACS that answers an Inform with 503 and
// Retry-After (TR-069 3.7.1.5, the reference ACS at its session cap) gets
// the session again after that wait; the session counts once, as ok.
func TestSimRetriesBusyACS(t *testing.T) {
	acs := &testacs.ACS{}
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.Add(1) <= 3 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		acs.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var stats cpe.SimStats
	start := time.Now()
	if err := cpe.RunSim(context.Background(), cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.URL, Count: 3, Sessions: 1}, &stats); err != nil {
		t.Fatal(err)
	}
	if s := stats.Summary(time.Second); s.OK != 3 || s.Failed != 0 {
		t.Fatalf("%+v", s)
	}
	if informs, _ := acs.Counts(); informs != 3 {
		t.Fatalf("the ACS saw %d Informs after the 503s, want 3", informs)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("retried after %v, before the Retry-After of 1 s", el)
	}
}
