package lint_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dmforge/dmforge/lint"
	"github.com/dmforge/dmforge/parser"
)

// BenchmarkLintTR181WithVendorExtension lints the clean vendor extension
// of Device:2.19 cold: a fresh loader every iteration, so each one reads
// and resolves TR-181 2.19.1 (~60 files) and then lints the extension.
func BenchmarkLintTR181WithVendorExtension(b *testing.B) {
	o := opts(b)
	path := filepath.Join("testdata", "x-acme-clean.xml")
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if fs := lint.LintFile(path, o); len(fs) != 0 {
			b.Fatalf("unexpected findings: %v", fs)
		}
	}
	reportCPU(b, start)
}

// reportCPU adds the process CPU time per operation (user + system, all
// threads, GC included): on a loaded machine ns/op counts waiting too.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkLintTR181Faults is the same with the planted-fault extension
// (tolerant loading, every rule firing).
func BenchmarkLintTR181Faults(b *testing.B) {
	o := opts(b)
	path := filepath.Join("testdata", "x-acme-faults.xml")
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		lint.LintFile(path, o)
	}
	reportCPU(b, start)
}

// BenchmarkLintOnly lints an already loaded extension: the cost of the
// rules themselves, without reading and resolving TR-181.
func BenchmarkLintOnly(b *testing.B) {
	o := opts(b)
	l := parser.NewLoader(o.Includes...)
	l.Tolerant = true
	doc, err := l.LoadFile(filepath.Join("testdata", "x-acme-clean.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		lint.Lint(doc, l)
	}
	reportCPU(b, start)
}

// BenchmarkLintWholeTR181 is whole-model lint of TR-181 2.19.1 (CWMP),
// cold: each iteration reads and resolves the root and its ~60 imports
// with descriptions, runs the per-file rules over the root and the
// whole-model rules (description markup included) over Device:2.19.
func BenchmarkLintWholeTR181(b *testing.B) {
	o := opts(b)
	path := filepath.Join(o.Includes[0], "tr-181-2-19-1-cwmp.xml")
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if fs := lint.LintFile(path, o); len(fs) == 0 {
			b.Fatal("no findings: the whole model was not linted")
		}
	}
	reportCPU(b, start)
}

// BenchmarkWholeModelRules is the whole-model rules alone over an already
// loaded TR-181 2.19.1: the cost of the rules without reading XML.
func BenchmarkWholeModelRules(b *testing.B) {
	o := opts(b)
	l := parser.NewLoader(o.Includes...)
	l.Tolerant = true
	l.Descriptions = true
	doc, err := l.LoadFile(filepath.Join(o.Includes[0], "tr-181-2-19-1-cwmp.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		lint.Lint(doc, l)
	}
	reportCPU(b, start)
}
