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

type validator interface {
	Validate() model.Violations
	ValidateSet() model.Violations
}

// generatedModels are the committed packages, with how to make their
// Document.
var generatedModels = []struct {
	name   string
	schema *model.Schema
	newDoc func() validator
}{
	{"tr181", tr181.Schema, func() validator { return &tr181.Document{} }},
	{"tr098", tr098.Schema, func() validator { return &tr098.Document{} }},
	{"tr104", tr104.Schema, func() validator { return &tr104.Document{} }},
	{"tr135", tr135.Schema, func() validator { return &tr135.Document{} }},
}

// TestValidatorsAgreeWithCheckValue: for every parameter of the four
// generated models, values on and around each facet's edges are set in a
// generated Document; its generated validator must report exactly those
// that model.CheckValue rejects, with the same rule, at the absolute path.
// ValidateSet must report the same for a field holding more than its zero
// value, and nothing for one holding its zero value.
func TestValidatorsAgreeWithCheckValue(t *testing.T) {
	for _, gm := range generatedModels {
		t.Run(gm.name, func(t *testing.T) {
			cases, invalid, params, setOnly := 0, 0, 0, 0
			for _, e := range gm.schema.Entries() {
				if e.Object {
					continue
				}
				params++
				for _, wire := range candidates(e.Syntax) {
					doc := gm.newDoc()
					field, ok := locate(reflect.ValueOf(doc), e.Path)
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
					find := func(vs model.Violations) *model.ValueError {
						for _, v := range vs {
							if v.Path == vpath {
								return v.Err
							}
						}
						return nil
					}
					got := find(doc.Validate())
					if (got == nil) != (want == nil) {
						t.Errorf("%s = %q: validator says %v, CheckValue says %v", e.Path, wire, got, want)
					} else if got != nil && got.Rule != want.Rule {
						t.Errorf("%s = %q: validator rule %s, CheckValue rule %s", e.Path, wire, got.Rule, want.Rule)
					}
					gotSet := find(doc.ValidateSet())
					if field.IsZero() || (field.Kind() == reflect.Slice && field.Len() == 0) { // unset, to ValidateSet
						if gotSet != nil {
							t.Errorf("%s = %q (zero): ValidateSet reports %v", e.Path, wire, gotSet)
						}
					} else {
						setOnly++
						if (gotSet == nil) != (want == nil) {
							t.Errorf("%s = %q: ValidateSet says %v, CheckValue says %v", e.Path, wire, gotSet, want)
						}
					}
					if want != nil {
						invalid++
					}
				}
			}
			if params < 300 || invalid < 100 {
				t.Fatalf("only %d parameters and %d invalid values tried", params, invalid)
			}
			t.Logf("%d parameters, %d values compared (%d invalid, %d set)", params, cases, invalid, setOnly)
		})
	}
}

// locate walks a generated Document by its json tags to the field of the
// parameter at schema path p, creating objects and instance 1 of tables
// on the way.
func locate(v reflect.Value, p string) (reflect.Value, bool) {
	segs := strings.Split(strings.TrimSuffix(p, "."), ".")
	for i := 0; i < len(segs); i++ {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		f, ok := fieldByTag(v, segs[i])
		if !ok {
			return f, false
		}
		if f.Kind() == reflect.Map {
			if i+1 >= len(segs) || segs[i+1] != "{i}" {
				return f, false
			}
			i++
			if f.IsNil() {
				f.Set(reflect.MakeMap(f.Type()))
			}
			inst := f.MapIndex(reflect.ValueOf(uint32(1)))
			if !inst.IsValid() {
				inst = reflect.New(f.Type().Elem().Elem())
				f.SetMapIndex(reflect.ValueOf(uint32(1)), inst)
			}
			v = inst
			continue
		}
		v = f
	}
	return v, true
}

func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n == name {
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
