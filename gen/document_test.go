package gen_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/generated/tr104"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
)

// fillDocument sets every parameter of doc (instance 1 of every table) to
// a value CheckValue accepts, and returns how many it set.
func fillDocument(t *testing.T, doc any, s *model.Schema) int {
	n := 0
	for _, e := range s.Entries() {
		if e.Object {
			continue
		}
		f, ok := locate(reflect.ValueOf(doc), e.Path)
		if !ok {
			t.Fatalf("%s: no field", e.Path)
		}
		for _, c := range candidates(e.Syntax) {
			if c != "" && model.CheckValue(e.Syntax, c) == nil && model.ParseValueInto(e.Syntax.Type, c, f.Addr().Interface()) == nil {
				n++
				break
			}
		}
	}
	return n
}

// TestDocumentJSONValidates: a generated Document with a value in every
// parameter marshals to JSON that dmforge validate's DocValidator accepts
// (hexBinary as hex, base64, dateTime, lists, decimals and all), reads
// back equal, and a bad value is reported at its path by both.
func TestDocumentJSONValidates(t *testing.T) {
	dir := testbbf.Require(t)
	for _, tc := range []struct {
		name string
		doc  interface {
			ValidateSet() model.Violations
		}
		schema *model.Schema
	}{{"Device:2.19", &tr181.Document{}, tr181.Schema}, {"VoiceService:2.0", &tr104.Document{}, tr104.Schema}} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := bbf.Lookup(tc.name)
			m := loadModel(t, dir, filepath.Join(dir, e.File))
			js, err := gen.JSONSchema(m, gen.SchemaOptions{Indent: "none"})
			if err != nil {
				t.Fatal(err)
			}
			dv, err := gen.NewDocValidator(js, m)
			if err != nil {
				t.Fatal(err)
			}
			set := fillDocument(t, tc.doc, tc.schema)
			// Parameters no candidate fits (some patterns) stay unset and
			// out of the JSON: ValidateSet, like validate, skips them.
			if v := tc.doc.ValidateSet(); len(v) != 0 {
				t.Fatalf("filled document invalid: %v", v[0])
			}
			data, err := json.Marshal(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			viol, err := dv.Validate(data)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range viol {
				if i < 10 {
					t.Errorf("validate rejects the generated JSON: %s: %s", v.Path, v.Msg)
				}
			}
			back := reflect.New(reflect.TypeOf(tc.doc).Elem()).Interface()
			if err := json.Unmarshal(data, back); err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(back)
			if string(again) != string(data) {
				t.Error("JSON does not read back to the same document")
			}
			t.Logf("%d parameters set, %d bytes of JSON", set, len(data))
		})
	}
	var d tr181.Document
	d.Device = &tr181.DeviceObject{WiFi: &tr181.DeviceWiFi{}}
	d.Device.WiFi.AddRadio(3).Channel = 300
	data, _ := json.Marshal(&d)
	dir2 := testbbf.Require(t)
	e, _ := bbf.Lookup("Device:2.19")
	m := loadModel(t, dir2, filepath.Join(dir2, e.File))
	js, _ := gen.JSONSchema(m, gen.SchemaOptions{Indent: "none"})
	dv, _ := gen.NewDocValidator(js, m)
	viol, _ := dv.Validate(data)
	vs := d.ValidateSet()
	if len(viol) != 1 || viol[0].Path != "Device.WiFi.Radio.3.Channel" || len(vs) != 1 || vs[0].Path != viol[0].Path {
		t.Errorf("a bad Channel: validate says %v, ValidateSet says %v", viol, vs)
	}
	if !strings.Contains(string(data), `"Channel":300`) {
		t.Errorf("JSON %s", data)
	}
}
