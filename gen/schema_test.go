package gen_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmforge/dmforge/bbf"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
)

// normalEntry is e with what a schema does not carry cleared: source
// positions, and empty slices that the encoding gives back as nil.
func normalEntry(e *model.Entry) model.Entry {
	c := *e
	if len(c.UniqueKeys) == 0 {
		c.UniqueKeys = nil
	}
	if e.Syntax != nil {
		s := e.Syntax.Clone()
		for i := range s.Sizes {
			s.Sizes[i].Pos = model.Pos{}
		}
		for i := range s.Ranges {
			s.Ranges[i].Pos = model.Pos{}
		}
		for i := range s.Enums {
			s.Enums[i].Pos = model.Pos{}
		}
		for i := range s.Patterns {
			s.Patterns[i].Pos = model.Pos{}
		}
		if s.List != nil && s.List.Size != nil {
			z := *s.List.Size
			z.Pos = model.Pos{}
			s.List.Size = &z
		}
		if s.Ref != nil {
			s.Ref.Pos = model.Pos{}
		}
		if s.Default != nil {
			s.Default.Pos = model.Pos{}
		}
		if len(s.Sizes) == 0 {
			s.Sizes = nil
		}
		if len(s.Ranges) == 0 {
			s.Ranges = nil
		}
		if len(s.Enums) == 0 {
			s.Enums = nil
		}
		if len(s.Patterns) == 0 {
			s.Patterns = nil
		}
		c.Syntax = &s
	}
	return c
}

// committedSchema decodes the schema data of generated/pkg/schema, as the
// compiled package would.
func committedSchema(t *testing.T, pkg string) *model.Schema {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "generated", pkg, "schema", "schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	name := regexp.MustCompile(`(?m)^const ModelName = "([^"]*)"`).FindStringSubmatch(text)
	spec := regexp.MustCompile(`model\.LazySchema\(ModelName, "([^"]*)"`).FindStringSubmatch(text)
	i := strings.Index(text, "const data = `")
	if name == nil || spec == nil || i < 0 {
		t.Fatalf("generated/%s/schema/schema.go is not what gen writes", pkg)
	}
	data := text[i+len("const data = `"):]
	data = data[:strings.IndexByte(data, '`')]
	s, err := model.DecodeSchema(name[1], spec[1], data)
	if err != nil {
		t.Fatalf("generated/%s/schema: %v", pkg, err)
	}
	return s
}

// TestGeneratedSchemaEqualsModel: the Schema of every package
// generated/generate.go lists equals, entry by entry and field by field,
// the schema of the model it was generated from (List.Nested, facets,
// defaults, statuses and all). The compiled tr181 Schema is the same data.
func TestGeneratedSchemaEqualsModel(t *testing.T) {
	dir := testbbf.Require(t)
	for _, cp := range committedPackages(t) {
		t.Run(cp.pkg, func(t *testing.T) {
			e, err := bbf.Lookup(cp.model)
			if err != nil {
				t.Fatal(err)
			}
			m := loadNamed(t, dir, e.File, cp.model)
			// A service model's own root parameters (VoiceServiceNumberOfEntries)
			// live in the host model (Device.Services.): the generated schema
			// has the objects and their parameters.
			var entries []*model.Entry
			for _, e := range model.SchemaFromModel(m).Entries() {
				if e.Object || model.ParentPath(e.Path) != "" {
					entries = append(entries, e)
				}
			}
			want := model.NewSchema(m.Name, m.Spec, entries)
			got := committedSchema(t, cp.pkg)
			if cp.pkg == "tr181" && got.Len() != tr181.Schema.Len() {
				t.Fatalf("the compiled tr181 schema has %d entries, its data %d", tr181.Schema.Len(), got.Len())
			}
			if got.Model != want.Model || got.Spec != want.Spec {
				t.Errorf("model %s %s, want %s %s", got.Model, got.Spec, want.Model, want.Spec)
			}
			if got.Len() != want.Len() {
				t.Fatalf("%d entries, want %d", got.Len(), want.Len())
			}
			nested := 0
			for i, we := range want.Entries() {
				ge := got.Entries()[i]
				if g, w := normalEntry(ge), normalEntry(we); !reflect.DeepEqual(g, w) {
					t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", we.Path, g, g.Syntax, w, w.Syntax)
				}
				if we.Syntax != nil && we.Syntax.List != nil && we.Syntax.List.Nested {
					nested++
				}
			}
			t.Logf("%d entries equal (%d nested lists)", got.Len(), nested)
		})
	}
}

// BenchmarkSchemaFirstUse is the cost of the first use of the TR-181
// schema: decoding its data and building the lookup tables.
func BenchmarkSchemaFirstUse(b *testing.B) {
	data := model.EncodeSchema(tr181.Schema)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var worst time.Duration
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := model.LazySchema("Device:2.19", "", data)
		if _, ok := s.Lookup("Device.WiFi.Radio.1.Channel"); !ok {
			b.Fatal("lookup failed")
		}
		if d := time.Since(start); d > worst {
			worst = d
		}
	}
	b.ReportMetric(float64(worst.Microseconds()), "worst-µs")
	// CPU time (GC included) is what to quote on a loaded machine, where
	// wall time mostly measures the wait for a core.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
