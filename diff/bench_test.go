package diff_test

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/parser"
)

// BenchmarkDiffTR181 is `dmforge diff Device:2.18 Device:2.19` end to end,
// cold: a new loader (no document cache) resolves both models from their
// modular files every iteration, then Compare, then the default table
// rendering.
func BenchmarkDiffTR181(b *testing.B) {
	dir := testbbf.Require(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		oldDoc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, "tr-181-2-18-1-cwmp.xml"))
		if err != nil {
			b.Fatal(err)
		}
		newDoc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, "tr-181-2-19-1-cwmp.xml"))
		if err != nil {
			b.Fatal(err)
		}
		old, new := oldDoc.Model("Device:2.18"), newDoc.Model("Device:2.19")
		cs := diff.Compare(old, new, diff.Options{})
		if err := diff.WriteTable(io.Discard, &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiffTR181Concurrent is BenchmarkDiffTR181 with the two models
// resolved at the same time by two loaders, as `dmforge diff` does.
func BenchmarkDiffTR181Concurrent(b *testing.B) {
	dir := testbbf.Require(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var oldDoc *parser.Document
		var oldErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			oldDoc, oldErr = parser.NewLoader(dir).LoadFile(filepath.Join(dir, "tr-181-2-18-1-cwmp.xml"))
		}()
		newDoc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, "tr-181-2-19-1-cwmp.xml"))
		<-done
		if err != nil || oldErr != nil {
			b.Fatal(err, oldErr)
		}
		old, new := oldDoc.Model("Device:2.18"), newDoc.Model("Device:2.19")
		cs := diff.Compare(old, new, diff.Options{})
		if err := diff.WriteTable(io.Discard, &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareTR181 is Compare alone on Device:2.18 → Device:2.19.
func BenchmarkCompareTR181(b *testing.B) {
	old, new := loadBBF(b, "Device:2.18"), loadBBF(b, "Device:2.19")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		diff.Compare(old, new, diff.Options{})
	}
}

// BenchmarkRenderTR181 renders the Device:2.18 → Device:2.19 changes in
// each format.
func BenchmarkRenderTR181(b *testing.B) {
	old, new := loadBBF(b, "Device:2.18"), loadBBF(b, "Device:2.19")
	r := &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: diff.Compare(old, new, diff.Options{})}
	for _, f := range diff.Formats {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := diff.Write(io.Discard, f, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
