package parser_test

import (
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/parser"
)

// BenchmarkResolveTR181 resolves Device:2.19 from its ~90 modular files,
// cold: a new loader (no document cache) every iteration.
func BenchmarkResolveTR181(b *testing.B) { benchResolve(b, "tr-181-2-19-1-cwmp.xml") }

// BenchmarkResolveTR181USP resolves the USP Device:2.19 (commands, events
// and their arguments included) the same way.
func BenchmarkResolveTR181USP(b *testing.B) { benchResolve(b, "tr-181-2-19-1-usp.xml") }

func benchResolve(b *testing.B, file string) {
	dir := testbbf.Require(b)
	root := filepath.Join(dir, file)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := parser.NewLoader(dir).LoadFile(root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveStandardModels resolves the four standard models cold.
func BenchmarkResolveStandardModels(b *testing.B) {
	dir := testbbf.Require(b)
	roots := []string{"tr-181-2-19-1-cwmp.xml", "tr-098-1-8-0.xml", "tr-104-2-0-2-cwmp.xml", "tr-135-1-4-1-cwmp.xml"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, r := range roots {
			if _, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, r)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
