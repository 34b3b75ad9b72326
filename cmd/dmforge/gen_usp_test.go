package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

const uspGenXML = "../../gen/testdata/golden/usp.xml"

// TestGenGoAndCPEOnUSP: gen go writes a USP model's argument structs and
// typed command paths, gen cpe also the handlers and the dispatcher.
func TestGenGoAndCPEOnUSP(t *testing.T) {
	dir := t.TempDir()
	goOut, cpeOut := filepath.Join(dir, "go"), filepath.Join(dir, "cpe")
	if _, err := runGen(t, "gen", "go", uspGenXML, "--out", goOut, "--package", "lab", "--import-path", "example.com/lab"); err != nil {
		t.Fatal(err)
	}
	if _, err := runGen(t, "gen", "cpe", uspGenXML, "--out", cpeOut, "--package", "lab", "--import-path", "example.com/lab"); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	root := read(filepath.Join(goOut, "root.go"))
	for _, want := range []string{"type LabProbeInput struct", "model.CommandPath[LabProbeInput, LabProbeOutput]", "model.EventPath[LabBootEvent]"} {
		if !strings.Contains(root, want) {
			t.Errorf("gen go: root.go lacks %q", want)
		}
	}
	if strings.Contains(root, "LabProbeHandler") {
		t.Error("gen go wrote handler interfaces")
	}
	if _, err := os.Stat(filepath.Join(goOut, "cpe_commands.go")); err == nil {
		t.Error("gen go wrote cpe_commands.go")
	}
	if !strings.Contains(read(filepath.Join(cpeOut, "root.go")), "type LabProbeHandler interface") ||
		!strings.Contains(read(filepath.Join(cpeOut, "cpe_commands.go")), "func (c *Commands) Operate(") {
		t.Error("gen cpe: no handler interfaces or no Operate")
	}
	if !strings.Contains(read(filepath.Join(cpeOut, "schema", "schema.go")), "C0\tProbe()\t1") {
		t.Error("the schema data lacks the asynchronous command Probe()")
	}
}

// TestGenGoTR181USP: gen go Device:2.19-usp (the catalogue's USP variant).
func TestGenGoTR181USP(t *testing.T) {
	testbbf.Require(t)
	out := filepath.Join(t.TempDir(), "tr181usp")
	if _, err := runGen(t, "gen", "go", "Device:2.19-usp", "--out", out, "--package", "tr181usp", "--import-path", "example.com/tr181usp"); err != nil {
		t.Fatal(err)
	}
	ip, err := os.ReadFile(filepath.Join(out, "ip.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"func (x DeviceIPInterfacePath) Reset() model.CommandPath[model.NoArgs, model.NoArgs]",
		`model.NewCommandPath[DeviceIPDiagnosticsTraceRouteInput, DeviceIPDiagnosticsTraceRouteOutput](x.ObjectPath, "TraceRoute()", true)`,
		"RouteHops []DeviceIPDiagnosticsTraceRouteOutputRouteHops `json:\"RouteHops,omitzero\"`",
	} {
		if !strings.Contains(string(ip), want) {
			t.Errorf("ip.go lacks %q", want)
		}
	}
}
