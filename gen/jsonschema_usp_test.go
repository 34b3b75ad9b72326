package gen

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/parser"
	"github.com/xeipuuv/gojsonschema"
)

const uspXML = "testdata/golden/usp.xml"

// uspValidator validates documents against one of a schema's
// definitions (usp-commands or usp-events).
func uspValidator(t *testing.T, schema []byte, def string) *gojsonschema.Schema {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(schema, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["definitions"].(map[string]any)
	if defs[def] == nil {
		t.Fatalf("the schema has no definition %s", def)
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(map[string]any{
		"$schema": draft07, "$ref": "#/definitions/" + def, "definitions": defs}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// violations returns the sorted "field: type" of what s finds in doc.
func violations(t *testing.T, s *gojsonschema.Schema, doc string) []string {
	t.Helper()
	res, err := s.Validate(gojsonschema.NewStringLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range res.Errors() {
		if e.Type() == "number_any_of" || e.Type() == "number_one_of" || e.Type() == "condition_then" {
			continue
		}
		out = append(out, e.Field()+": "+e.Type())
	}
	sort.Strings(out)
	return out
}

func TestJSONSchemaUSPGolden(t *testing.T) {
	m := loadFile(t, uspXML, "Lab:1.0")
	got, err := JSONSchema(m, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/jsonschema/usp.schema.json"
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
	if _, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(got)); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte(`"$comment"`)) || !bytes.Contains(got, []byte(`"description": "A parameter document holds values only`)) {
		t.Error("the root should point to the command and event definitions, not leave them out")
	}
	for _, gone := range []string{"OldReset()", "Gone!", `"Old"`} {
		if bytes.Contains(got, []byte(gone)) {
			t.Errorf("the deleted %s is in the schema", gone)
		}
	}
	var root struct {
		Definitions map[string]struct {
			Description string `json:"description"`
		} `json:"definitions"`
	}
	json.Unmarshal(got, &root)
	for def, want := range map[string]string{
		"Lab.Probe()":        "asynchronous command Lab.Probe()",
		"Lab.Rack.i.Reset()": "synchronous command Lab.Rack.{i}.Reset()",
		"Lab.Boot!":          "arguments of the event Lab.Boot!",
	} {
		if d := root.Definitions[def].Description; !strings.HasPrefix(d, want) {
			t.Errorf("definition %s: description %q, want it to start with %q", def, d, want)
		}
	}
	// A parameter document is still validated as before: a command's
	// arguments are not parameters.
	f := newFixture(t, m)
	check(t, f.v, "parameters", `{"Lab": {"Name": "x", "Rack": {"1": {"Alias": "a"}}}}`)
	check(t, f.v, "argument as parameter", `{"Lab.Host": "x"}`, "Lab.Host")
}

func TestJSONSchemaUSPCommandsAndEvents(t *testing.T) {
	got, err := JSONSchema(loadFile(t, uspXML, "Lab:1.0"), SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmds := uspValidator(t, got, defCommands)
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"valid", `{
		  "Lab.Probe()": {"input": {"Host": "h", "Count": 100, "Ports": [80, "443"], "Offset": "-3", "Key": "0aFF",
		                            "Options": {"Verbose": "true", "Payload": "aGk="}},
		                  "output": {"Status": "Error_Timeout", "Started": "2026-01-02T03:04:05Z", "Loss": 0.25, "Bytes": "18446744073709551615",
		                             "Replies": [{"RTT": 4, "Host": "a", "Hops": [{"Address": "x"}]}, {"RTT": "5"}]}},
		  "Lab.Rack.2.Reset()": {"output": {"Cleared": 3}},
		  "Lab.Rack.[r1].Reset()": {"input": {}},
		  "Lab.Clear()": {}
		}`, nil},
		{"mandatory input", `{"Lab.Probe()": {"input": {"Count": 1}}}`, []string{"Lab.Probe().input: required"}},
		{"facets", `{"Lab.Probe()": {"input": {"Host": "h", "Count": 0, "Ports": "80,70000"}, "output": {"Status": "Done"}}}`,
			[]string{"Lab.Probe().input.Count: number_gte", "Lab.Probe().input.Ports: pattern", "Lab.Probe().output.Status: enum"}},
		{"unknown arguments", `{"Lab.Reboot()": {"input": {"Cause": "User", "Why": 1}}, "Lab.Rack.1.Reset()": {"output": {"Cleared": 1, "Extra": 2}}}`,
			[]string{"Lab.Rack.1.Reset().output: additional_property_not_allowed", "Lab.Reboot().input: additional_property_not_allowed"}},
		{"argument table shape", `{"Lab.Probe()": {"output": {"Replies": {"1": {"RTT": 1}}}}}`, []string{"Lab.Probe().output.Replies: invalid_type"}},
		{"unknown command", `{"Lab.Reset()": {}, "Lab.Rack.0.Reset()": {}, "Lab.Probe": {}}`,
			[]string{"(root): additional_property_not_allowed", "(root): additional_property_not_allowed", "(root): additional_property_not_allowed"}},
	} {
		if got := violations(t, cmds, c.doc); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: violations %q, want %q", c.name, got, c.want)
		}
	}
	evs := uspValidator(t, got, defEvents)
	if v := violations(t, evs, `{"Lab.Boot!": {"Cause": "LocalReboot", "FirmwareUpdated": "1", "Params": [{"Path": "Lab.Name", "Value": "x"}]}, "Lab.Rack.3.Alarm!": {}}`); v != nil {
		t.Errorf("valid events: %q", v)
	}
	if v := violations(t, evs, `{"Lab.Boot!": {"Cause": "Power"}, "Lab.Rack.3.Alarm!": {"X": 1}}`); len(v) != 2 {
		t.Errorf("invalid events: %q, want the enumeration and the unknown argument", v)
	}
}

// TestJSONSchemaTR181USPDescribesCommands: every live command and event
// of TR-181 2.19.1 USP has its definition, and the TraceRoute output of a
// real diagnostic validates.
func TestJSONSchemaTR181USPDescribesCommands(t *testing.T) {
	dir := testbbf.Require(t)
	e, err := bbf.Lookup("Device:2.19-usp")
	if err != nil || e.File != "tr-181-2-19-1-usp.xml" {
		t.Fatalf("Device:2.19-usp: %+v %v", e, err)
	}
	doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model(e.Model)
	got, err := JSONSchema(m, SchemaOptions{Indent: "none"})
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		Definitions map[string]struct {
			Pattern map[string]any `json:"patternProperties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(got, &root); err != nil {
		t.Fatal(err)
	}
	commands, events := 0, 0
	for _, o := range m.LiveObjects() {
		commands += len(sortedCommands(o.Commands))
		events += len(sortedEvents(o.Events))
	}
	if n := len(root.Definitions[defCommands].Pattern); n != commands || n < 150 {
		t.Errorf("%d commands described, the model has %d", n, commands)
	}
	if n := len(root.Definitions[defEvents].Pattern); n != events || n < 40 {
		t.Errorf("%d events described, the model has %d", n, events)
	}
	cmds := uspValidator(t, got, defCommands)
	trace := `{"Device.IP.Diagnostics.TraceRoute()": {
	  "input": {"Host": "example.com", "ProtocolVersion": "IPv4", "NumberOfTries": 3, "Timeout": 5000, "MaxHopCount": 30},
	  "output": {"Status": "Complete", "IPAddressUsed": "192.0.2.1", "ResponseTime": 12,
	             "RouteHops": [{"Host": "gw", "HostAddress": "192.0.2.254", "ErrorCode": 0, "RTTimes": "1,2,3"}]}},
	  "Device.IP.Interface.3.Reset()": {"input": {}, "output": {}}}`
	if v := violations(t, cmds, trace); v != nil {
		t.Errorf("a valid TraceRoute: %q", v)
	}
	if v := violations(t, cmds, `{"Device.IP.Diagnostics.TraceRoute()": {"input": {"Host": "h", "ProtocolVersion": "IPv5"}}}`); len(v) != 1 || !strings.Contains(v[0], "ProtocolVersion: enum") {
		t.Errorf("ProtocolVersion IPv5: %q", v)
	}
	t.Logf("Device:2.19 USP: %d commands, %d events; schema %d bytes", commands, events, len(got))
}
