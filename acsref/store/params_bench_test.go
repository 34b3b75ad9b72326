package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// discoveryBatch is the batch of a first contact of the simulated
// Device:2.19 CPE (cpe sim's default state), from its handler's answers:
// the names of GetParameterNames of the root (parameters and objects)
// and the values of GetParameterValues of the root, as the ACS commits
// them.
func discoveryBatch(b *testing.B) []store.Parameter {
	h := &cpe.Handler{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema)}
	now := time.Now().UTC()
	names, fault := h.Handle(&cwmp.GetParameterNames{ParameterPath: "Device."})
	if fault != nil {
		b.Fatal(fault)
	}
	values, fault := h.Handle(&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})
	if fault != nil {
		b.Fatal(fault)
	}
	var ps []store.Parameter
	for _, n := range names.(*cwmp.GetParameterNamesResponse).ParameterList {
		ps = append(ps, store.Parameter{Name: n.Name, Writable: ptr(n.Writable), Object: strings.HasSuffix(n.Name, "."), Updated: now})
	}
	for _, v := range values.(*cwmp.GetParameterValuesResponse).ParameterList {
		ps = append(ps, store.Parameter{Name: v.Name, Value: v.Value, Type: v.Type, HasValue: true, Updated: now})
	}
	return ps
}

func ptr[T any](v T) *T { return &v }

// BenchmarkParameterStorage: the bytes a first contact of a simulated
// Device:2.19 CPE (~1,600 parameters and objects, names and values) adds
// to each store, per device; each op commits one more device (run it with
// -benchtime 200x for a fleet). A figure, not an assertion.
func BenchmarkParameterStorage(b *testing.B) {
	ps := discoveryBatch(b)
	rows := map[string]bool{}
	for _, p := range ps {
		rows[p.Name] = true
	}
	commitAll := func(b *testing.B, st store.Store) {
		for i := 0; i < b.N; i++ {
			now := time.Now().UTC()
			bt := &store.Batch{Device: &store.Device{ID: fmt.Sprintf("00D09E-Box-%06d", i), Root: "Device.", Model: "Device:2.19", FirstSeen: now, LastInform: now, Discovered: true},
				Parameters: ps, Complete: "Device."}
			if err := st.Commit(context.Background(), bt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "p.db")
		st, err := store.OpenSQLite(path)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
		before := fileSize(path)
		st, err = store.OpenSQLite(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		commitAll(b, st)
		b.StopTimer()
		st.Close() // checkpoints the WAL into the file
		b.ReportMetric(float64(fileSize(path)-before)/float64(b.N), "B/device")
		b.ReportMetric(float64(len(rows)), "rows/device")
	})
	b.Run("postgres", func(b *testing.B) {
		st := openPostgres(b).(*store.Postgres)
		size := func() int64 {
			n, err := st.TableBytes(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
		before := size()
		b.ResetTimer()
		commitAll(b, st)
		b.StopTimer()
		b.ReportMetric(float64(size()-before)/float64(b.N), "B/device")
	})
}

func fileSize(path string) int64 {
	var n int64
	for _, s := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + s); err == nil {
			n += fi.Size()
		}
	}
	return n
}
