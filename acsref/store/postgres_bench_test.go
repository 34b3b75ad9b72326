package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// benchCommits is BenchmarkCommit (store_bench_test.go) for any store:
// 200 concurrent sessions, each committing a device and 26 parameters.
func benchCommits(b *testing.B, st store.Store) {
	var wg sync.WaitGroup
	ch := make(chan int)
	for w := 0; w < 200; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				d := &store.Device{ID: fmt.Sprintf("dev-%d", i), LastInform: time.Now()}
				bt := &store.Batch{Device: d}
				for j := 0; j < 26; j++ {
					bt.Parameters = append(bt.Parameters, store.Parameter{Name: fmt.Sprintf("Device.P%d", j), Value: "v", HasValue: true, Updated: time.Now()})
				}
				if err := st.Commit(context.Background(), bt); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ch <- i
	}
	close(ch)
	wg.Wait()
}

func openPostgres(b *testing.B) store.Store {
	st, err := store.OpenPostgres(context.Background(), storetest.PostgresDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func openSQLite(b *testing.B) store.Store {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkCommitPostgres: BenchmarkCommit on PostgreSQL.
func BenchmarkCommitPostgres(b *testing.B) {
	benchCommits(b, openPostgres(b))
}

// BenchmarkCommitDiscovery: one session at a time committing a
// discovery of 5000 parameters (names and values).
func BenchmarkCommitDiscovery(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(*testing.B) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(c.name, func(b *testing.B) {
			st := c.open(b)
			w := true
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now := time.Now()
				bt := &store.Batch{Device: &store.Device{ID: fmt.Sprintf("dev-%d", i%10), LastInform: now}}
				for j := 0; j < 5000; j++ {
					n := fmt.Sprintf("Device.Obj.%d.P%d", j/20, j%20)
					bt.Parameters = append(bt.Parameters, store.Parameter{Name: n, Writable: &w, Updated: now},
						store.Parameter{Name: n, Value: "v", Type: "xsd:string", HasValue: true, Updated: now})
				}
				if err := st.Commit(context.Background(), bt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
