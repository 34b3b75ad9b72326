package gen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
	"github.com/xeipuuv/gojsonschema"
)

// updateGolden reports whether golden files are to be rewritten: by
// -update, which the package's external tests (golang_test.go) register
// (registering it here too would panic), or by DMFORGE_UPDATE_GOLDEN=1.
func updateGolden() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv("DMFORGE_UPDATE_GOLDEN") == "1"
}

const acmeXML = "testdata/jsonschema/acme.xml"

func loadFile(t testing.TB, path, name string) *model.Model {
	t.Helper()
	doc, err := parser.NewLoader().LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model(name)
	if m == nil {
		t.Fatalf("%s does not define %s", path, name)
	}
	return m
}

// loadModel loads a catalogue model from the BBF files.
func loadModel(t testing.TB, name string) *model.Model {
	t.Helper()
	dir := testbbf.Require(t)
	e, err := bbf.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model(name)
	if m == nil {
		t.Fatalf("%s does not define %s", e.File, name)
	}
	return m
}

type schemaFixture struct {
	m      *model.Model
	schema []byte
	v      *DocValidator
}

func newFixture(t testing.TB, m *model.Model) *schemaFixture {
	t.Helper()
	s, err := JSONSchema(m, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewDocValidator(s, m)
	if err != nil {
		t.Fatal(err)
	}
	// The schema is made from the whole model (deleted items included:
	// the generator leaves them out itself); valid documents are made
	// from what a device may have.
	return &schemaFixture{m: m.WithoutDeleted(), schema: s, v: v}
}

var device219 struct {
	once sync.Once
	f    *schemaFixture
}

// device returns the Device:2.19 model, schema and validator (built once).
func device(t testing.TB) *schemaFixture {
	t.Helper()
	testbbf.Require(t)
	device219.once.Do(func() { device219.f = newFixture(t, loadModel(t, "Device:2.19")) })
	if device219.f == nil {
		t.Fatal("Device:2.19 fixture failed")
	}
	return device219.f
}

func TestJSONSchemaGolden(t *testing.T) {
	m := loadFile(t, acmeXML, "Acme:1.0")
	got, err := JSONSchema(m, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := JSONSchema(m, SchemaOptions{})
	if !bytes.Equal(got, again) {
		t.Error("output is not deterministic")
	}
	golden := "testdata/jsonschema/acme.schema.json"
	if updateGolden() {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("schema differs from %s (rerun with -update if intended)", golden)
	}
	// It is a valid draft-07 schema, by the meta-schema and by gojsonschema.
	if _, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(got)); err != nil {
		t.Fatal(err)
	}
}

// paths returns the violation paths, sorted and deduplicated.
func paths(vs []DocViolation) []string {
	var out []string
	for _, v := range vs {
		if len(out) == 0 || out[len(out)-1] != v.Path {
			out = append(out, v.Path)
		}
	}
	sort.Strings(out)
	return out
}

func check(t *testing.T, v *DocValidator, name, doc string, wantPaths ...string) []DocViolation {
	t.Helper()
	vs, err := v.Validate([]byte(doc))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sort.Strings(wantPaths)
	if got := paths(vs); strings.Join(got, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("%s: violations at %q, want %q:\n%s", name, got, wantPaths, fmtViolations(vs))
	}
	return vs
}

func fmtViolations(vs []DocViolation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

const acmeValidNested = `{"Acme": {
  "Name": "box", "Enable": true, "Uptime": 4294967295, "Temperature": -40, "Ratio": 0.5,
  "LastBoot": "2024-02-29T23:59:60.5+14:00", "Offset": "-9223372036854775808", "HostNumberOfEntries": "2",
  "Host": {
    "1": {"Alias": "cpe-1", "MACAddress": "00:11:22:aa:BB:cc", "Mode": "Legacy", "VLANs": "1, 4094,+007",
          "Flags": ["Fast", "Safe"], "Load": 100, "Channel": 40, "Key": "00ff", "Cert": "QUJDREVG", "Code": "AB-123",
          "Stats": {"BytesSent": 18446744073709551615},
          "Port": {"1": {"Number": 65535}, "70000": {"Number": "1"}}},
    "[lan]": {"MACAddress": "", "VLANs": [1, "2"], "Flags": "", "Channel": "013", "Code": "none", "Load": "0"}
  }
}}`

const acmeValidFlat = `{
  "Acme.Name": "box", "Acme.Enable": "0", "Acme.Temperature": "+125", "Acme.Ratio": "1.0", "Acme.Offset": 42,
  "Acme.Host.1.Mode": "Auto", "Acme.Host.1.VLANs": "", "Acme.Host.1.Channel": 164, "Acme.Host.1.Stats.BytesSent": "0",
  "Acme.Host.2.Port.3.Number": 80, "Acme.Host.[lan].Flags": "Fast,Safe", "Acme.Host.[lan].Cert": "QQ==", "Acme.Host.2.Cert": "QUJD\r\nREVG"
}`

func TestJSONSchemaAcmeValid(t *testing.T) {
	f := newFixture(t, loadFile(t, acmeXML, "Acme:1.0"))
	check(t, f.v, "nested", acmeValidNested)
	check(t, f.v, "flat", acmeValidFlat)
	check(t, f.v, "empty", `{}`)
	// The schema's own flat branch (not folded) agrees.
	if vs, err := f.v.validate(useNumbers(t, acmeValidFlat), false); err != nil || len(vs) > 0 {
		t.Errorf("flat branch: %v\n%s", err, fmtViolations(vs))
	}
}

func useNumbers(t *testing.T, doc string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var d any
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// acmeInvalid maps each invalid parameter value to its path; every one is
// also invalid by model.CheckValue.
var acmeInvalid = []struct {
	path  string
	value any
}{
	{"Acme.Name", "toolongname"},                            // size
	{"Acme.Enable", "yes"},                                  // boolean
	{"Acme.Uptime", -1},                                     // range (type bounds), as a number
	{"Acme.Temperature", "126"},                             // range, as a string
	{"Acme.Temperature", json.Number("-41")},                // range, as a number
	{"Acme.Ratio", 1.5},                                     // decimal range
	{"Acme.LastBoot", "2024-13-01T00:00:00Z"},               // dateTime
	{"Acme.Offset", "9223372036854775808"},                  // long value space
	{"Acme.Host.1.Mode", "Gone"},                            // deleted enumeration value
	{"Acme.Host.1.MACAddress", "00:11:22:33:44"},            // pattern
	{"Acme.Host.1.VLANs", "1,2,3,4,5"},                      // list maxItems
	{"Acme.Host.1.VLANs", "0"},                              // list item range
	{"Acme.Host.1.VLANs", []any{1, 2, 3, 4, 5}},             // list maxItems, array form
	{"Acme.Host.1.Flags", "Fast,Slow"},                      // list item enumeration
	{"Acme.Host.1.Load", 101},                               // data type range
	{"Acme.Host.1.Channel", 14},                             // between ranges
	{"Acme.Host.1.Channel", 38},                             // off the step (multipleOf)
	{"Acme.Host.1.Channel", "038"},                          // off the step (values spelt out)
	{"Acme.Host.1.Key", "abc"},                              // hexBinary
	{"Acme.Host.1.Key", "00"},                               // hexBinary size
	{"Acme.Host.1.Cert", "QUJDREVGRw=="},                    // base64 size (7 bytes > 6)
	{"Acme.Host.1.Code", "ab-1"},                            // pattern
	{"Acme.Host.1.Code", "AB-1234"},                         // size with a pattern
	{"Acme.Host.1.Stats.BytesSent", "18446744073709551616"}, // unsignedLong value space
	{"Acme.Host.1.Port.1.Number", 0},                        // range
}

func TestJSONSchemaAcmeInvalid(t *testing.T) {
	f := newFixture(t, loadFile(t, acmeXML, "Acme:1.0"))
	sch := model.SchemaFromModel(f.m)
	for _, c := range acmeInvalid {
		wire, _ := wireValue(jsonRoundTrip(t, c.value))
		if err := sch.CheckValue(c.path, wire); err == nil {
			t.Errorf("%s = %v: CheckValue accepts it; fix the test", c.path, c.value)
		}
		flat := map[string]any{c.path: c.value}
		doc, _ := json.Marshal(flat)
		vs := check(t, f.v, "flat "+string(doc), string(doc), c.path)
		for _, v := range vs {
			if !strings.Contains(v.Msg, "[") { // CheckValue's message ends in [rule]
				t.Errorf("%s: message is not CheckValue's: %s", c.path, v.Msg)
			}
		}
		// The same in the nested shape.
		nested, errs := nestFlat(flat, "")
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		doc, _ = json.Marshal(nested)
		check(t, f.v, "nested "+string(doc), string(doc), c.path)
		// And by the schema's flat branch directly.
		vs, err := f.v.validate(useNumbers(t, string(mustJSON(t, flat))), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(vs); len(got) != 1 || got[0] != c.path {
			t.Errorf("flat branch %s: violations %v", doc, got)
		}
	}
	// Structure: unknown names (typos), instance keys, a table over
	// maxEntries, objects where values belong and the reverse.
	check(t, f.v, "typos", `{"Acme": {"Nmae": "x", "Host": {"1": {"Modee": "Auto"}, "one": {}}}}`,
		"Acme.Nmae", "Acme.Host.1.Modee", "Acme.Host.one")
	vs := check(t, f.v, "maxEntries", `{"Acme": {"Host": {"1": {}, "2": {}, "3": {}, "4": {}, "5": {}}}}`, "Acme.Host")
	if len(vs) != 1 || vs[0].Msg != "more than 4 instances (the table's maxEntries)" {
		t.Errorf("maxEntries: %v", vs)
	}
	vs = check(t, f.v, "instance numbers", `{"Acme.Host.0.Mode": "Auto", "Acme.Host.1.Port.x.Number": 1}`, "Acme.Host.0.Mode", "Acme.Host.1.Port.x.Number")
	for _, v := range vs {
		if v.Msg != "not an instance number (1, 2, …) or [alias]" {
			t.Errorf("instance number: %v", v)
		}
	}
	check(t, f.v, "object as value", `{"Acme": {"Name": {"x": 1}, "Host": "none"}}`, "Acme.Name", "Acme.Host")
	// A flat document's unknown names are reported as the keys written.
	check(t, f.v, "flat typos", `{"Acme.Nmae": "x", "Acme.Host.1.Modee": "Auto", "Acme.Host.01.Mode": "Auto", "Acme.Hots.1.Mode": "Auto", "Acme.Hots.2.Key": "00", "Acme.Host.1.": 1}`,
		"Acme.Nmae", "Acme.Host.1.Modee", "Acme.Host.01.Mode", "Acme.Hots.1.Mode", "Acme.Hots.2.Key", "Acme.Host.1.")
	// A flat key with an object value is not folded: the schema's flat
	// branch reports it.
	check(t, f.v, "flat object value", `{"Acme.Name": "x", "Acme.Host.1.Stats": {"BytesSent": 1}}`, "Acme.Host.1.Stats")
	check(t, f.v, "flat conflict", `{"Acme.Name": "x", "Acme.Name.Sub": "y"}`, "Acme.Name.Sub")
	check(t, f.v, "not an object", `[1, 2]`, "")
	if _, err := f.v.Validate([]byte(`{"Acme": `)); err == nil {
		t.Error("malformed JSON accepted")
	}
	// A list item in array form is reported with its index.
	vs = check(t, f.v, "array item", `{"Acme": {"Host": {"1": {"VLANs": [1, 5000]}}}}`, "Acme.Host.1.VLANs[1]")
	if !strings.Contains(vs[0].Msg, "list item 2") {
		t.Errorf("array item message: %s", vs[0].Msg)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonRoundTrip(t *testing.T, v any) any {
	return useNumbers(t, string(mustJSON(t, v)))
}

// Without the model, messages come from gojsonschema and still carry the path.
func TestDocValidatorWithoutModel(t *testing.T) {
	m := loadFile(t, acmeXML, "Acme:1.0")
	s, err := JSONSchema(m, SchemaOptions{Indent: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(s, []byte("\n")) != 1 {
		t.Error("Indent none is not one line")
	}
	v, err := NewDocValidator(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := check(t, v, "flat", `{"Acme.Host.1.Channel": 200, "Acme.Host.2.Mode": "x", "Acme.Nmae": 1}`,
		"Acme.Host.1.Channel", "Acme.Host.2.Mode", "Acme.Nmae")
	want := map[string]string{
		"Acme.Host.1.Channel": "less than or equal to",
		"Acme.Host.2.Mode":    "must be one of",
		"Acme.Nmae":           "not a parameter or object",
	}
	for _, v := range vs {
		if !strings.Contains(v.Msg, want[v.Path]) {
			t.Errorf("%s: message %q, want it to contain %q", v.Path, v.Msg, want[v.Path])
		}
	}
}

// Device:2.19 documents as users write them.
func TestJSONSchemaDeviceDocuments(t *testing.T) {
	f := device(t)
	if n := len(f.schema); n > 4<<20 {
		t.Errorf("Device:2.19 schema is %d bytes", n)
	}
	nested := `{"Device": {
	  "DeviceInfo": {"ProvisioningCode": "ABC.1"},
	  "ManagementServer": {"URL": "https://acs.example.com:7547/", "PeriodicInformEnable": true, "PeriodicInformInterval": 300},
	  "Time": {"Enable": "1", "LocalTimeZone": "CET-1CEST,M3.5.0/2,M10.5.0/3"},
	  "WiFi": {
	    "Radio": {"1": {"Enable": true, "Channel": 36, "AutoChannelEnable": false, "OperatingStandards": "n,ac"}},
	    "SSID": {"1": {"Enable": true, "SSID": "home", "LowerLayers": "Device.WiFi.Radio.1"}},
	    "AccessPoint": {"1": {"SSIDReference": "Device.WiFi.SSID.1", "Security": {"ModeEnabled": "WPA2-Personal", "KeyPassphrase": "correct horse"}}}
	  },
	  "IP": {"Interface": {"1": {"Enable": true, "IPv4Address": {"1": {"IPAddress": "192.168.1.1", "SubnetMask": "255.255.255.0"}}}}},
	  "Ethernet": {"Interface": {"1": {"DuplexMode": "Auto", "MaxBitRate": -1}}},
	  "DHCPv4": {"Server": {"Pool": {"1": {"AllowedDevices": "Known", "MinAddress": "192.168.1.100", "MaxAddress": "192.168.1.200", "DNSServers": ["192.168.1.1", "8.8.8.8"]}}}}
	}}`
	check(t, f.v, "nested", nested)
	flat := `{
	  "Device.ManagementServer.PeriodicInformInterval": 0,
	  "Device.WiFi.SSID.1.SSDI": "home",
	  "Device.WiFi.SSDI.2.SSID": "guest",
	  "Device.Ethernet.Interface.1.DuplexMode": "Fast",
	  "Device.WiFi.SSID.1.Enable": true,
	  "Device.IP.Interface.2.IPv4Address.1.IPAddress": "192.168.2.1"
	}`
	vs := check(t, f.v, "flat", flat,
		"Device.ManagementServer.PeriodicInformInterval", "Device.WiFi.SSID.1.SSDI", "Device.WiFi.SSDI.2.SSID", "Device.Ethernet.Interface.1.DuplexMode")
	for _, v := range vs {
		t.Log(v)
	}
}

// sampleValid returns values model.CheckValue accepts for s: its
// default, enumeration values, range bounds and typical values of the type.
func sampleValid(s *model.Syntax) []string {
	item := s.Clone()
	item.List = nil
	var cands []string
	if s.Default != nil {
		cands = append(cands, s.Default.Value)
	}
	itemCands := sampleItems(&item)
	if s.List != nil {
		cands = append(cands, "")
		for i, c := range itemCands {
			cands = append(cands, c)
			if i+1 < len(itemCands) {
				cands = append(cands, c+", "+itemCands[i+1])
			}
		}
	} else {
		cands = append(cands, itemCands...)
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range cands {
		if !seen[c] && model.CheckValue(s, c) == nil {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func sampleItems(s *model.Syntax) []string {
	cands := s.EnumValues()
	switch s.Type {
	case model.TypeBoolean:
		cands = append(cands, "true", "0")
	case model.TypeInt, model.TypeLong, model.TypeUnsignedInt, model.TypeUnsignedLong, model.TypeDecimal:
		cands = append(cands, "0", "1", "-1", "+5", "007", "4294967295", "2147483647", "-2147483648", "0.5")
		for _, r := range s.Ranges {
			cands = append(cands, r.Min, r.Max)
			if r.Min != "" && r.Max != "" {
				lo, _ := new(big.Int).SetString(r.Min, 10)
				hi, _ := new(big.Int).SetString(r.Max, 10)
				if lo != nil && hi != nil {
					mid := new(big.Int).Add(lo, hi)
					mid.Rsh(mid, 1)
					cands = append(cands, mid.String())
				}
			}
		}
	case model.TypeDateTime:
		cands = append(cands, "2024-02-29T12:34:56Z", "0001-01-01T00:00:00Z", "2024-01-02T03:04:05.123+01:00", "2024-06-30T24:00:00")
	case model.TypeHexBinary:
		cands = append(cands, "", "00", "aBcD")
		for _, sz := range s.Sizes {
			if sz.Min != nil && *sz.Min < 256 {
				cands = append(cands, strings.Repeat("a1", int(*sz.Min)))
			}
			if sz.Max != nil && *sz.Max < 256 {
				cands = append(cands, strings.Repeat("F0", int(*sz.Max)))
			}
		}
	case model.TypeBase64:
		cands = append(cands, "", "QQ==", "QUI=", "QUJD")
		for _, sz := range s.Sizes {
			if sz.Min != nil && *sz.Min < 256 {
				cands = append(cands, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, int(*sz.Min))))
			}
			if sz.Max != nil && *sz.Max < 256 {
				cands = append(cands, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, int(*sz.Max))))
			}
		}
	default:
		for _, n := range []int{6, 8, 14, 15, 20} {
			cands = append(cands, strings.Repeat("1", n))
		}
		cands = append(cands, "2.19", "230101", "", "x", "abc", "192.168.1.1", "fe80::1", "2001:db8::/32", "10.0.0.0/8",
			"00:11:22:33:44:55", "Device.IP.Interface.1", "Device.IP.Interface.1.", "urn:example:1", "1", "AB-12",
			"2024-01-02T03:04:05Z", "0123456789abcdef", "FF", "a.b", "1.2.3")
		for _, sz := range s.Sizes {
			if sz.Min != nil && *sz.Min < 300 {
				cands = append(cands, strings.Repeat("m", int(*sz.Min)))
			}
			if sz.Max != nil && *sz.Max < 300 {
				cands = append(cands, strings.Repeat("é", int(*sz.Max))) // counts characters, not bytes
			}
		}
	}
	return cands
}

// sampleInvalid returns values model.CheckValue rejects for s, each with
// the kind of fault it has: out of range, too long, not an enumeration
// value, not a boolean, too many list items (array form).
func sampleInvalid(s *model.Syntax) map[string]string {
	out := map[string]string{}
	add := func(kind, v string) {
		if model.CheckValue(s, v) != nil {
			out[v] = kind
		}
	}
	if l := s.List; l != nil {
		item := s.Clone()
		item.List = nil
		for v, kind := range sampleInvalid(&item) {
			if kind != "size" { // list items with patterns keep no sizes: a gap
				add("list item "+kind, "1,"+v)
			}
		}
		if l.Size != nil && l.Size.Max != nil && *l.Size.Max < 100000 {
			add("list size", strings.Repeat("1,", int(*l.Size.Max)/2+1)+"1")
		}
		return out // too many items: in array form, below
	}
	switch s.Type {
	case model.TypeDateTime:
		add("type", "2024-13-01T00:00:00Z")
		add("type", "2024-01-01 00:00:00")
	case model.TypeHexBinary:
		add("type", "xyz")
		add("type", "abc")
	case model.TypeBase64:
		add("type", "QUJ")
		add("type", "QUJD=")
		if len(s.Sizes) == 1 && s.Sizes[0].Max != nil && *s.Sizes[0].Max < maxBase64Size {
			add("size", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, int(*s.Sizes[0].Max)+1)))
		}
	case model.TypeDecimal:
		add("type", "1e3")
	}
	if len(s.Patterns) > 0 && len(s.Enums) == 0 {
		add("pattern", "\x01 not @ match")
	}
	switch s.Type {
	case model.TypeBoolean:
		add("boolean", "yes")
	case model.TypeInt, model.TypeLong, model.TypeUnsignedInt, model.TypeUnsignedLong:
		b := typeBounds[s.Type]
		lo, hi := bigInt(b[0]), bigInt(b[1])
		if len(s.Ranges) > 0 {
			var rlo, rhi *big.Int
			for _, r := range s.Ranges {
				a, b := new(big.Int).Set(lo), new(big.Int).Set(hi)
				if r.Min != "" {
					a, _ = new(big.Int).SetString(r.Min, 10)
				}
				if r.Max != "" {
					b, _ = new(big.Int).SetString(r.Max, 10)
				}
				if rlo == nil || a.Cmp(rlo) < 0 {
					rlo = a
				}
				if rhi == nil || b.Cmp(rhi) > 0 {
					rhi = b
				}
			}
			lo, hi = rlo, rhi
		}
		add("range", new(big.Int).Add(hi, big.NewInt(1)).String())
		add("range", new(big.Int).Sub(lo, big.NewInt(1)).String())
		add("type", "12abc")
		add("type", "1.5")
		for _, r := range s.Ranges {
			st, ok1 := new(big.Int).SetString(r.Step, 10)
			lo, ok2 := new(big.Int).SetString(r.Min, 10)
			hi, ok3 := new(big.Int).SetString(r.Max, 10)
			if !ok1 || !ok2 || !ok3 || st.Cmp(big.NewInt(1)) <= 0 {
				continue
			}
			kind := "step"
			if n := new(big.Int).Sub(hi, lo); n.Div(n, st).Cmp(big.NewInt(maxStepValues)) >= 0 {
				kind = "gap: step, string form, >256 values"
			}
			add(kind, new(big.Int).Add(lo, big.NewInt(1)).String())
		}
	case model.TypeString:
		max := -1
		for _, sz := range s.Sizes {
			if sz.Max == nil {
				max = -1
				break
			}
			if int(*sz.Max) > max {
				max = int(*sz.Max)
			}
		}
		if max >= 0 && max < 100000 {
			add("size", strings.Repeat("z", max+1))
		}
		if len(s.Enums) > 0 {
			add("enumeration", "NotAnEnumerationValue")
		}
	}
	return out
}

// TestJSONSchemaAgreesWithCheckValue checks, for every parameter of
// Device:2.19, that values model.CheckValue accepts pass the schema (as
// strings, and as JSON numbers, booleans and arrays where they apply) and
// that a sample of values it rejects are violations at the right path.
func TestJSONSchemaAgreesWithCheckValue(t *testing.T) {
	f := device(t)
	type probe struct {
		path, wire string
		value      any
		kind       string
	}
	var valid, invalid []probe
	noSample := 0
	for _, o := range f.m.Objects {
		for _, p := range o.Params {
			path := strings.ReplaceAll(p.Path(), "{i}", "1")
			vals := sampleValid(&p.Syntax)
			if len(vals) == 0 {
				noSample++
			}
			for _, v := range vals {
				valid = append(valid, probe{path, v, v, "string"})
				switch t := p.Syntax.WireType(); {
				case t == model.TypeBoolean:
					valid = append(valid, probe{path, v, v == "1" || v == "true", "boolean"})
				case t.IsNumeric() && jsonNumberRE.MatchString(v):
					valid = append(valid, probe{path, v, json.Number(v), "number"})
				case p.Syntax.List != nil && v != "":
					var items []any
					for _, it := range strings.Split(v, ",") {
						items = append(items, strings.TrimSpace(it))
					}
					valid = append(valid, probe{path, v, items, "array"})
				}
			}
			for v, kind := range sampleInvalid(&p.Syntax) {
				invalid = append(invalid, probe{path, v, v, kind})
				switch kind {
				case "range":
					invalid = append(invalid, probe{path, v, json.Number(v), "range (number)"})
				case "step", "gap: step, string form, >256 values":
					invalid = append(invalid, probe{path, v, json.Number(v), "step (number)"})
				}
			}
			if l := p.Syntax.List; l != nil && l.MaxItems != nil && *l.MaxItems < 100 && len(vals) > 0 {
				item := vals[len(vals)-1]
				if item != "" && !strings.Contains(item, ",") {
					items := make([]any, *l.MaxItems+1)
					for i := range items {
						items[i] = item
					}
					invalid = append(invalid, probe{path, strings.Repeat(item+",", len(items)), items, "maxItems (array)"})
				}
			}
		}
	}
	_, nParams := f.m.Counts()
	t.Logf("%d parameters; %d valid probes, %d invalid probes; %d parameters without a generated valid value", nParams, len(valid), len(invalid), noSample)
	if noSample > nParams/20 {
		t.Errorf("%d parameters have no sample value", noSample)
	}

	// One document per round, each parameter at most once per document.
	run := func(probes []probe) map[string][]DocViolation {
		byPath := map[string][]DocViolation{}
		for len(probes) > 0 {
			doc := map[string]any{}
			var rest []probe
			for _, p := range probes {
				if _, taken := doc[p.path]; taken {
					rest = append(rest, p)
					continue
				}
				doc[p.path] = p.value
			}
			vs, err := f.v.Validate(mustJSON(t, doc))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				p := v.Path
				if i := strings.LastIndexByte(p, '['); i > 0 && strings.HasSuffix(p, "]") {
					p = p[:i] // an item of a list in array form
				}
				key := p + "\x00" + fmt.Sprintf("%T %v", doc[p], doc[p])
				byPath[key] = append(byPath[key], v)
			}
			probes = rest
		}
		return byPath
	}
	start := time.Now()
	bad := run(valid)
	for _, p := range valid {
		if vs := bad[p.path+"\x00"+fmt.Sprintf("%T %v", p.value, p.value)]; len(vs) > 0 {
			t.Errorf("%s = %#v (%s) is valid by CheckValue but the schema says: %s", p.path, p.value, p.kind, vs[0].Msg)
		}
	}
	rejected := run(invalid)
	kinds := map[string][2]int{}
	for _, p := range invalid {
		k := kinds[p.kind]
		k[0]++
		switch {
		case len(rejected[p.path+"\x00"+fmt.Sprintf("%T %v", p.value, p.value)]) > 0:
			k[1]++
		case strings.HasPrefix(p.kind, "gap:"):
			// A documented gap: the schema is looser than CheckValue.
		default:
			t.Errorf("%s = %#v (%s) is invalid by CheckValue but the schema accepts it", p.path, p.value, p.kind)
		}
		kinds[p.kind] = k
	}
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("invalid %-30s %5d probes, %5d rejected", k, kinds[k][0], kinds[k][1])
	}
	t.Logf("validated in %v", time.Since(start))
}

// flatDocument returns a flat Device:2.19 document of n parameters with
// valid values, spread over the model (tables get instances 1 and 2).
func flatDocument(t testing.TB, m *model.Model, n int) []byte {
	doc := map[string]any{}
	for inst := 1; len(doc) < n && inst <= 9; inst++ {
		for _, o := range m.Objects {
			for _, p := range o.Params {
				vals := sampleValid(&p.Syntax)
				if len(vals) == 0 || len(doc) >= n {
					continue
				}
				doc[strings.ReplaceAll(p.Path(), "{i}", fmt.Sprint(inst))] = vals[len(vals)-1]
			}
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeviceFlatDocumentSpeed(t *testing.T) {
	f := device(t)
	doc := flatDocument(t, f.m, 1000)
	start := time.Now()
	vs, err := f.v.Validate(doc)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if len(vs) > 0 {
		t.Errorf("%d violations in a valid document:\n%s", len(vs), fmtViolations(vs[:min(len(vs), 10)]))
	}
	// Speed is BenchmarkValidateFlat1000's to measure, not a test's.
	t.Logf("1,000-parameter flat document: %v (schema %d bytes)", d, len(f.schema))
}

func BenchmarkValidateFlat1000(b *testing.B) {
	f := device(b)
	doc := flatDocument(b, f.m, 1000)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if vs, err := f.v.Validate(doc); err != nil || len(vs) > 0 {
			b.Fatal(err, vs)
		}
	}
}

// BenchmarkValidateFlat20Unfolded measures the schema's flat branch as
// other gojsonschema users would hit it (no folding): about 150 ms a key,
// see the comment at the top of jsonschema.go.
func BenchmarkValidateFlat20Unfolded(b *testing.B) {
	f := device(b)
	var d any
	dec := json.NewDecoder(bytes.NewReader(flatDocument(b, f.m, 20)))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if vs, err := f.v.validate(d, false); err != nil || len(vs) > 0 {
			b.Fatal(err, vs)
		}
	}
}

func BenchmarkJSONSchemaDevice(b *testing.B) {
	m := loadModel(b, "Device:2.19")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := JSONSchema(m, SchemaOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Every standard model yields a schema gojsonschema compiles, and a
// document of sample values for every parameter is valid.
func TestJSONSchemaStandardModels(t *testing.T) {
	testbbf.Require(t)
	for _, name := range bbf.Standard {
		if name == "Device:2.19" {
			continue // the other tests cover it
		}
		t.Run(name, func(t *testing.T) {
			e, err := bbf.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, loadModel(t, e.Model))
			objs, params := f.m.Counts()
			doc := flatDocument(t, f.m, params)
			vs, err := f.v.Validate(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) > 0 {
				t.Errorf("%d violations in a valid document:\n%s", len(vs), fmtViolations(vs[:min(len(vs), 10)]))
			}
			t.Logf("%s: %d objects, %d parameters, schema %d bytes", e.Model, objs, params, len(f.schema))
		})
	}
}

// TestJSONSchemaKnownGaps pins down where the schema is deliberately looser
// than model.CheckValue (see the comment at the top of jsonschema.go). If
// one of these starts failing, a gap was closed: update that comment.
func TestJSONSchemaKnownGaps(t *testing.T) {
	f := newFixture(t, loadFile(t, acmeXML, "Acme:1.0"))
	sch := model.SchemaFromModel(f.m)
	for _, c := range []struct{ path, value, why string }{
		{"Acme.Ratio", "1.5", "decimal ranges are not checked on strings"},
		{"Acme.LastBoot", "2023-02-29T00:00:00Z", "29 February is accepted in every year"},
	} {
		if sch.CheckValue(c.path, c.value) == nil {
			t.Errorf("%s = %q: CheckValue accepts it", c.path, c.value)
		}
		doc := mustJSON(t, map[string]any{c.path: c.value})
		if vs, err := f.v.Validate(doc); err != nil || len(vs) > 0 {
			t.Errorf("%s = %q (%s): the schema now rejects it: %v", c.path, c.value, c.why, vs)
		}
	}
}

// The generated integer range regexes match exactly the lexical forms
// CheckValue accepts for the range.
func TestIntRangeRE(t *testing.T) {
	bounds := []int64{-1000, -257, -100, -99, -10, -9, -1, 0, 1, 9, 10, 11, 99, 100, 101, 199, 200, 255, 256, 999, 1000, 1001}
	forms := func(v int64) []string {
		s := fmt.Sprint(v)
		if v < 0 {
			return []string{s, "-0" + s[1:], "-00" + s[1:]}
		}
		out := []string{s, "+" + s, "0" + s, "+00" + s}
		if v == 0 {
			out = append(out, "-0", "-00")
		}
		return out
	}
	for _, signed := range []bool{true, false} {
		typ := model.TypeInt
		if !signed {
			typ = model.TypeUnsignedInt
		}
		for _, lo := range bounds {
			for _, hi := range bounds {
				if lo > hi || (!signed && lo < 0) {
					continue
				}
				syn := &model.Syntax{Type: typ, Ranges: []model.Range{{Min: fmt.Sprint(lo), Max: fmt.Sprint(hi)}}}
				re := regexp.MustCompile(anchored(intRangeRE(big.NewInt(lo), big.NewInt(hi), signed)))
				for v := int64(-1010); v <= 1010; v++ {
					for _, s := range forms(v) {
						want := model.CheckValue(syn, s) == nil
						if got := re.MatchString(s); got != want {
							t.Fatalf("%s [%d:%d] %q: regex %v, CheckValue %v (%s)", typ, lo, hi, s, got, want, re)
						}
					}
				}
				for _, s := range []string{"", "+", "-", "1a", " 1", "1.0"} {
					if re.MatchString(s) {
						t.Fatalf("%s [%d:%d] matches %q", typ, lo, hi, s)
					}
				}
			}
		}
	}
	// The value spaces at their edges.
	for typ, b := range typeBounds {
		f, err := itemForms(&model.Syntax{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(f.str["pattern"].(string))
		lo, hi := bigInt(b[0]), bigInt(b[1])
		for _, c := range []struct {
			v    *big.Int
			want bool
		}{{lo, true}, {hi, true}, {new(big.Int).Sub(lo, big.NewInt(1)), false}, {new(big.Int).Add(hi, big.NewInt(1)), false}} {
			if got := re.MatchString(c.v.String()); got != c.want {
				t.Errorf("%s: %s matched %v", typ, c.v, got)
			}
		}
	}
}
