package gen_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// BenchmarkGenerateStandardModels resolves and generates all four
// standard models, end to end (no files written).
func BenchmarkGenerateStandardModels(b *testing.B) {
	dir := testbbf.Require(b)
	for i := 0; i < b.N; i++ {
		for pkg, name := range standardPackages {
			e, _ := bbf.Lookup(name)
			doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := gen.GoFiles(doc.Model(name), gen.Options{Package: pkg}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkValidate1000 validates a Device tree holding 1,000 parameter
// values (valid ones, so the figure is the cost of checking, not of
// reporting), with the generated straight-line validators.
func BenchmarkValidate1000(b *testing.B) {
	var d tr181.DeviceObject
	d.WiFi = &tr181.DeviceWiFi{}
	values := fillValid(b, reflect.ValueOf(&d).Elem(), "Device.", 1000)
	values += fillValid(b, reflect.ValueOf(d.WiFi).Elem(), "Device.WiFi.", 1000-values)
	for i := uint32(1); values < 1000; i++ {
		values += fillValid(b, reflect.ValueOf(d.WiFi.AddSSID(i)).Elem(), "Device.WiFi.SSID.{i}.", 1000-values)
	}
	if v := d.Validate(); len(v) != 0 {
		b.Fatalf("tree is not valid: %v", v[0])
	}
	b.ReportMetric(float64(values), "values/op")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := d.Validate(); v != nil {
			b.Fatal(v)
		}
	}
}

// fillValid sets up to max parameter fields of a generated struct to a
// value its syntax accepts and returns how many it set.
func fillValid(b *testing.B, v reflect.Value, schemaPath string, max int) int {
	n := 0
	t := v.Type()
	for i := 0; i < t.NumField() && n < max; i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if k := t.Field(i).Type.Kind(); tag == "" || k == reflect.Map || k == reflect.Pointer {
			continue
		}
		e, ok := tr181.Schema.Lookup(schemaPath + tag)
		if !ok {
			b.Fatalf("%s%s not in schema", schemaPath, tag)
		}
		for _, c := range candidates(e.Syntax) {
			if model.CheckValue(e.Syntax, c) == nil && model.ParseValueInto(e.Syntax.Type, c, v.Field(i).Addr().Interface()) == nil {
				n++
				break
			}
		}
	}
	return n
}
