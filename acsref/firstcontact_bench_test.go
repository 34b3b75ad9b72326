package acsref_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// BenchmarkFirstContact: b.N simulated Device:2.19 CPEs (cwmp/cpe's
// simulator, in process) make first contact with the ACS at its default
// settings: each is discovered in its one session. Reports the storage
// per device; bench/firstcontact.sh runs the ACS as its own process for
// its peak RSS.
func BenchmarkFirstContact(b *testing.B) {
	db := filepath.Join(b.TempDir(), "fc.db")
	st, err := store.OpenSQLite(db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	conc := 64
	if c, _ := strconv.Atoi(os.Getenv("DMFORGE_FC_CONCURRENCY")); c > 0 {
		conc = c
	}
	b.ResetTimer()
	var stats cpe.SimStats
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	err = cpe.RunSim(ctx, cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.CWMPURL(), Count: b.N, Sessions: 1, Concurrency: conc}, &stats)
	b.StopTimer()
	srv.Close()
	sum := stats.Summary(time.Second)
	if err != nil || sum.Failed > 0 {
		b.Fatalf("%v: %+v", err, sum)
	}
	ds, _ := st.Devices(context.Background(), store.DeviceFilter{})
	for _, d := range ds {
		if !d.Discovered {
			b.Fatalf("%s not discovered", d.ID)
		}
	}
	if fs, _ := st.Findings(context.Background(), ds[0].ID); len(fs) > 0 {
		rules := map[string]int{}
		for _, f := range fs {
			rules[f.Rule]++
		}
		b.Logf("findings of one device by rule: %v; e.g. %+v", rules, fs[0])
	}
	if len(ds) != b.N {
		b.Fatalf("%d devices stored of %d", len(ds), b.N)
	}
	st.Close()
	size := int64(0)
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db + suffix); err == nil {
			size += fi.Size()
		}
	}
	b.ReportMetric(float64(size)/float64(b.N), "storage-B/device")
	b.ReportMetric(float64(sum.P50.Milliseconds()), "p50-session-ms")
}

// BenchmarkFirstContactSession: the first-contact session of one
// simulated Device:2.19 CPE (cwmp/cpe, default profile) with the ACS, by
// the discovery's value scope (DiscoveryStrategy.Values, set for the
// CPE's product class): HTTP exchanges, bytes each way and wall time per
// session. One CPE at a time, so the time is the session's own.
func BenchmarkFirstContactSession(b *testing.B) {
	for _, values := range []string{acsref.ValuesAll, acsref.ValuesModel, acsref.ValuesLazy} {
		b.Run("values="+values, func(b *testing.B) {
			st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "fc.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st,
				Logger:                  slog.New(slog.NewTextHandler(io.Discard, nil)),
				DiscoveryByProductClass: map[string]acsref.DiscoveryStrategy{"FCBox": {Values: values}}})
			if err != nil {
				b.Fatal(err)
			}
			if err := srv.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			wc := &wireCount{base: http.DefaultTransport}
			agents := make([]*cpe.Agent, b.N)
			for i := range agents {
				agents[i], err = cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: srv.CWMPURL(),
					SerialNumber: "FC" + strconv.Itoa(i), OUI: "00D09E", ProductClass: "FCBox", Transport: wc})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for _, ag := range agents {
				if _, err := ag.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ds, _ := st.Devices(context.Background(), store.DeviceFilter{})
			for _, d := range ds {
				if !d.Discovered {
					b.Fatalf("%s not discovered", d.ID)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(wc.posts.Load())/n, "http-posts/op")
			b.ReportMetric(float64(wc.sent.Load())/n, "cpe-sent-B/op")
			b.ReportMetric(float64(wc.recvd.Load())/n, "acs-sent-B/op")
		})
	}
}
