package gen_test

import (
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr104"
	"github.com/dmforge/dmforge/generated/tr135"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

type validator interface{ Validate() model.Violations }

// generatedModels are the committed packages, with how to make their root
// struct and the path their Validate paths start from.
var generatedModels = []struct {
	name    string
	schema  *model.Schema
	newRoot func() validator
	root    string // schema path of the root object
	rel     bool   // Validate paths are relative to the root instance
}{
	{"tr181", tr181.Schema, func() validator { return &tr181.DeviceObject{} }, "Device.", false},
	{"tr098", tr098.Schema, func() validator { return &tr098.InternetGatewayDeviceObject{} }, "InternetGatewayDevice.", false},
	{"tr104", tr104.Schema, func() validator { return &tr104.VoiceServiceObject{} }, "VoiceService.{i}.", true},
	{"tr135", tr135.Schema, func() validator { return &tr135.STBServiceObject{} }, "STBService.{i}.", true},
}

// TestValidatorsAgreeWithCheckValue: for every parameter of the four
// generated models, values on and around each facet's edges are set in a
// generated struct; its generated validator must report exactly those that
// model.CheckValue rejects.
func TestValidatorsAgreeWithCheckValue(t *testing.T) {
	for _, gm := range generatedModels {
		t.Run(gm.name, func(t *testing.T) {
			cases, invalid, params := 0, 0, 0
			for _, e := range gm.schema.Entries() {
				if e.Object || !strings.HasPrefix(e.Path, gm.root) {
					continue
				}
				params++
				for _, wire := range candidates(e.Syntax) {
					root := gm.newRoot()
					field, ok := locate(reflect.ValueOf(root), strings.TrimPrefix(e.Path, gm.root))
					if !ok {
						t.Fatalf("%s: no struct field found", e.Path)
					}
					want := model.CheckValue(e.Syntax, wire)
					if err := model.ParseValueInto(e.Syntax.Type, wire, field.Addr().Interface()); err != nil {
						if want == nil {
							t.Errorf("%s = %q: valid per CheckValue but the Go type cannot hold it: %v", e.Path, wire, err)
						}
						continue // the Go type itself rules the value out
					}
					cases++
					vpath := strings.ReplaceAll(e.Path, "{i}", "1")
					if gm.rel {
						vpath = strings.TrimPrefix(vpath, strings.ReplaceAll(gm.root, "{i}", "1"))
					}
					var got *model.ValueError
					for _, v := range root.Validate() {
						if v.Path == vpath {
							got = v.Err
						}
					}
					if (got == nil) != (want == nil) {
						t.Errorf("%s = %q: validator says %v, CheckValue says %v", e.Path, wire, got, want)
					} else if got != nil && got.Rule != want.Rule {
						t.Errorf("%s = %q: validator rule %s, CheckValue rule %s", e.Path, wire, got.Rule, want.Rule)
					}
					if want != nil {
						invalid++
					}
				}
			}
			if params < 300 || invalid < 100 {
				t.Fatalf("only %d parameters and %d invalid values tried", params, invalid)
			}
			t.Logf("%d parameters, %d values compared (%d invalid)", params, cases, invalid)
		})
	}
}

// locate walks a generated struct by its cwmp tags to the field of the
// parameter at rel (a schema path relative to the root), creating objects
// and instance 1 of tables on the way.
func locate(v reflect.Value, rel string) (reflect.Value, bool) {
	for {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		i := strings.IndexByte(rel, '.')
		if i < 0 {
			return fieldByTag(v, rel)
		}
		seg := rel[:i+1]
		rel = rel[i+1:]
		if strings.HasPrefix(rel, "{i}.") {
			seg += "{i}."
			rel = rel[4:]
		}
		f, ok := fieldByTag(v, seg)
		if !ok {
			return f, false
		}
		if f.Kind() == reflect.Map {
			if f.IsNil() {
				f.Set(reflect.MakeMap(f.Type()))
			}
			inst := reflect.New(f.Type().Elem().Elem())
			f.SetMapIndex(reflect.ValueOf(uint32(1)), inst)
			v = inst
			continue
		}
		v = f
	}
}

func fieldByTag(v reflect.Value, tag string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("cwmp") == tag {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// candidates returns wire values on and around the edges of every facet.
func candidates(s *model.Syntax) []string {
	var out []string
	if s.Default != nil && (s.Default.Type == "object" || s.Default.Type == "factory") {
		out = append(out, s.Default.Value)
	}
	items := itemCandidates(s)
	if s.List == nil {
		return append(out, items...)
	}
	out = append(out, "")
	for _, it := range items {
		out = append(out, it)
		if it != "" && !strings.Contains(it, ",") {
			out = append(out, it+","+it, strings.Repeat(it+",", 5)+it)
		}
	}
	return out
}

func itemCandidates(s *model.Syntax) []string {
	var out []string
	switch s.Type {
	case model.TypeString:
		out = append(out, "", "abc")
		for _, sz := range s.Sizes {
			for _, n := range sizeEdges(sz) {
				out = append(out, strings.Repeat("a", n))
			}
		}
		for _, e := range s.Enums {
			out = append(out, e.Value)
		}
		if len(s.Enums) > 0 {
			out = append(out, "NotAnEnumerationValue")
		}
		if len(s.Patterns) > 0 {
			// Values shaped like what common TR-181 patterns describe.
			out = append(out, "2.19", "00:11:22:aa:bb:cc", "00D09E", "192.168.1.1", "192.168.1.0/24", "2001:db8::1",
				"12345678-1234-1234-1234-123456789abc", "00:11:22:33:44:55:66:77")
		}
	case model.TypeInt, model.TypeLong, model.TypeUnsignedInt, model.TypeUnsignedLong, model.TypeDecimal:
		out = append(out, "0", "1", "-1")
		for _, r := range s.Ranges {
			for _, b := range []string{r.Min, r.Max} {
				if b == "" {
					continue
				}
				out = append(out, b)
				if n, err := strconv.ParseInt(b, 10, 64); err == nil {
					out = append(out, strconv.FormatInt(n-1, 10), strconv.FormatInt(n+1, 10))
				}
			}
			if r.Step != "" && r.Min != "" {
				if n, err := strconv.ParseInt(r.Min, 10, 64); err == nil {
					out = append(out, strconv.FormatInt(n+1, 10))
				}
			}
		}
		if s.Type == model.TypeDecimal {
			out = append(out, "0.5", "-0.25")
		}
	case model.TypeBoolean:
		out = append(out, "true", "false", "1", "0")
	case model.TypeDateTime:
		out = append(out, model.UnknownTime, "2024-02-29T12:00:00Z")
	case model.TypeBase64, model.TypeHexBinary:
		lens := []int{0, 1}
		for _, sz := range s.Sizes {
			lens = append(lens, sizeEdges(sz)...)
		}
		for _, n := range lens {
			b := make([]byte, n)
			if s.Type == model.TypeHexBinary {
				out = append(out, hex.EncodeToString(b))
			} else {
				out = append(out, base64.StdEncoding.EncodeToString(b))
			}
		}
	}
	return out
}

func sizeEdges(sz model.Size) []int {
	var out []int
	if sz.Min != nil {
		if *sz.Min > 0 {
			out = append(out, int(*sz.Min)-1)
		}
		out = append(out, int(*sz.Min))
	}
	if sz.Max != nil && *sz.Max < 1<<16 {
		out = append(out, int(*sz.Max), int(*sz.Max)+1)
	}
	return out
}
