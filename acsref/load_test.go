package acsref_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// LoadParams are the 20 parameters the load test's ACS reads in every
// session (bench/acs.sh passes the same list with --inform-get).
var LoadParams = []string{
	"Device.DeviceInfo.Manufacturer", "Device.DeviceInfo.ManufacturerOUI", "Device.DeviceInfo.ModelName",
	"Device.DeviceInfo.Description", "Device.DeviceInfo.ProductClass", "Device.DeviceInfo.SerialNumber",
	"Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ProvisioningCode",
	"Device.DeviceInfo.UpTime", "Device.ManagementServer.URL", "Device.ManagementServer.Username",
	"Device.ManagementServer.PeriodicInformEnable", "Device.ManagementServer.PeriodicInformInterval",
	"Device.ManagementServer.PeriodicInformTime", "Device.ManagementServer.ParameterKey",
	"Device.ManagementServer.ConnectionRequestURL", "Device.ManagementServer.ConnectionRequestUsername",
	"Device.ManagementServer.UpgradesManaged", "Device.ManagementServer.DefaultActiveNotificationThrottle",
}

// TestLoad is the load benchmark, run by bench/acs.sh (skipped unless
// DMFORGE_ACS_LOAD gives the number of CPEs). Each simulated CPE runs one
// session: Inform, empty POST, the ACS's GetParameterValues of 20
// parameters answered, 204. DMFORGE_ACS_URL points at an external ACS
// (started with --no-discovery --inform-get <LoadParams>); without it the
// ACS runs in this process on a SQLite file. DMFORGE_ACS_CONCURRENCY
// bounds the sessions in flight (default 200).
func TestLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DMFORGE_ACS_LOAD"))
	if n <= 0 {
		t.Skip("set DMFORGE_ACS_LOAD=<CPEs> to run the load benchmark (bench/acs.sh)")
	}
	conc := 200
	if c, _ := strconv.Atoi(os.Getenv("DMFORGE_ACS_CONCURRENCY")); c > 0 {
		conc = c
	}
	url := os.Getenv("DMFORGE_ACS_URL")
	var peak atomic.Uint64
	var st *store.SQLite
	if url == "" {
		var err error
		st, err = store.OpenSQLite(filepath.Join(t.TempDir(), "load.db"))
		if err != nil {
			t.Fatal(err)
		}
		srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NoDiscovery: true,
			InformGet: LoadParams, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		defer srv.Close()
		url = srv.CWMPURL()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			var ms runtime.MemStats
			tk := time.NewTicker(50 * time.Millisecond)
			defer tk.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-tk.C:
				}
			}
		}()
	}
	values := map[string]cwmp.ParameterValueStruct{}
	for _, e := range tr181.Schema.Entries() {
		if !e.Object && strings.HasPrefix(e.Path, "Device.") && !strings.Contains(e.Path, "{i}") {
			if v, ok := synth(e.Syntax); ok {
				values[e.Path] = cwmp.ParameterValueStruct{Name: e.Path, Value: v, Type: "xsd:" + string(e.Syntax.WireType())}
			}
		}
	}
	rt := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute}
	defer rt.CloseIdleConnections()

	durs := make([]time.Duration, n)
	var failed atomic.Int64
	var firstErr atomic.Value
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				if err := loadSession(url, rt, i, values); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				durs[i] = time.Since(t0)
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	wall := time.Since(start)
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	pct := func(p float64) time.Duration { return durs[min(n-1, int(float64(n)*p))] }
	report := fmt.Sprintf("CPEs %d, concurrency %d: %.0f sessions/s, wall %v, p50 %v, p99 %v, max %v, failed %d",
		n, conc, float64(n)/wall.Seconds(), wall.Round(time.Millisecond), pct(0.50).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), durs[n-1].Round(time.Microsecond), failed.Load())
	if p := peak.Load(); p > 0 {
		report += fmt.Sprintf(", peak heap in use (ACS and CPEs, one process) %.1f MiB", float64(p)/(1<<20))
	}
	fmt.Println("LOAD:", report)
	if failed.Load() > 0 {
		t.Fatalf("%d failed sessions; first: %v", failed.Load(), firstErr.Load())
	}
	if st != nil {
		// The sessions' values are in the store.
		ps, err := st.Parameters(context.Background(), acsref.DeviceID("00D09E", "Load", fmt.Sprintf("L%07d", n-1)), "")
		if err != nil || len(ps) < len(LoadParams) {
			t.Fatalf("stored parameters of the last CPE: %d, %v", len(ps), err)
		}
	}
}

func loadSession(url string, rt http.RoundTripper, i int, values map[string]cwmp.ParameterValueStruct) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sn := fmt.Sprintf("L%07d", i)
	sc := cwmp.NewSessionClient(url, rt)
	defer sc.End()
	inf := &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "Load", SerialNumber: sn},
		Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}, MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{
			{Name: "Device.RootDataModelVersion", Value: "2.19", Type: "xsd:string"},
			{Name: "Device.DeviceInfo.HardwareVersion", Value: "A", Type: "xsd:string"},
			{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1.0.0", Type: "xsd:string"},
			{Name: "Device.DeviceInfo.ProvisioningCode", Value: "", Type: "xsd:string"},
			{Name: "Device.ManagementServer.ConnectionRequestURL", Value: "http://127.0.0.1:9/" + sn, Type: "xsd:string"},
			{Name: "Device.ManagementServer.ParameterKey", Value: "", Type: "xsd:string"},
		}}
	reply, err := sc.Post(ctx, &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: inf})
	if err != nil {
		return err
	}
	if _, ok := reply.Body.(*cwmp.InformResponse); !ok {
		return fmt.Errorf("%s: Inform answered with %T", sn, reply.Body)
	}
	req, err := sc.Post(ctx, &cwmp.Envelope{})
	for err == nil && !req.IsEmpty() {
		gpv, ok := req.Body.(*cwmp.GetParameterValues)
		if !ok {
			return fmt.Errorf("%s: unexpected %T", sn, req.Body)
		}
		resp := &cwmp.GetParameterValuesResponse{}
		for _, name := range gpv.ParameterNames {
			v, ok := values[name]
			if !ok {
				v = cwmp.ParameterValueStruct{Name: name, Type: "xsd:string"}
			}
			if name == "Device.DeviceInfo.SerialNumber" {
				v.Value = sn
			}
			resp.ParameterList = append(resp.ParameterList, v)
		}
		req, err = sc.Post(ctx, req.Reply(resp))
	}
	return err
}
