package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func BenchmarkCommit(b *testing.B) {
	st, err := OpenSQLite(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var wg sync.WaitGroup
	ch := make(chan int)
	for w := 0; w < 200; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				d := &Device{ID: fmt.Sprintf("dev-%d", i), LastInform: time.Now()}
				bt := &Batch{Device: d}
				for j := 0; j < 26; j++ {
					bt.Parameters = append(bt.Parameters, Parameter{Name: fmt.Sprintf("Device.P%d", j), Value: "v", HasValue: true, Updated: time.Now()})
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
