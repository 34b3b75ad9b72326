package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

func writeDocs(t *testing.T, docs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func wantExit1(t *testing.T, err error) {
	t.Helper()
	var e exitError
	if !errors.As(err, &e) || e.code != 1 {
		t.Errorf("error %v, want exit status 1", err)
	}
}

func TestValidateCmd(t *testing.T) {
	dir := writeDocs(t, map[string]string{
		"nested.json": `{"Acme": {"Name": "box", "Host": {"1": {"Mode": "Auto", "VLANs": [1, 2]}}}}`,
		"flat.json":   `{"Acme.Name": "box", "Acme.Host.2.Channel": 36}`,
		"bad.json":    `{"Acme.Nmae": "box", "Acme.Host.1.Channel": 200, "Acme.Host.1.Mode": "Turbo"}`,
		"broken.json": `{"Acme": `,
	})
	doc := func(name string) string { return filepath.Join(dir, name) }
	out, err := run(t, "validate", "--model", acmeSchemaXML, doc("nested.json"), doc("flat.json"))
	if err != nil || out != "" {
		t.Fatalf("valid documents: %v\n%s", err, out)
	}
	out, err = run(t, "validate", "--model", acmeSchemaXML, doc("flat.json"), doc("bad.json"), doc("broken.json"))
	wantExit1(t, err)
	want := []string{
		doc("bad.json") + `: Acme.Host.1.Channel: "200": outside the range [1:13] or [36:165] step 4 [range]`,
		doc("bad.json") + `: Acme.Host.1.Mode: "Turbo": not one of the 3 enumeration values [enumeration]`,
		doc("bad.json") + `: Acme.Nmae: not a parameter or object of Acme:1.0`,
		doc("broken.json") + `: not JSON: unexpected EOF`,
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

	// Against a schema written by gen schema: the same paths.
	schema := filepath.Join(dir, "acme.schema.json")
	if _, err := runGen(t, "gen", "schema", acmeSchemaXML, "-o", schema); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "validate", "--schema", schema, doc("bad.json"))
	wantExit1(t, err)
	for _, p := range []string{"Acme.Host.1.Channel: 200: ", "Acme.Host.1.Mode: \"Turbo\": ", "Acme.Nmae: "} {
		if !strings.Contains(out, doc("bad.json")+": "+p) {
			t.Errorf("--schema: no %q in\n%s", p, out)
		}
	}
	// Standard input.
	rootCmd.SetIn(strings.NewReader(`{"Acme.Enable": "maybe"}`))
	out, err = run(t, "validate", "--model", acmeSchemaXML, "-")
	rootCmd.SetIn(nil)
	wantExit1(t, err)
	if !strings.HasPrefix(out, "-: Acme.Enable: ") {
		t.Errorf("stdin: %s", out)
	}
	if _, err := run(t, "validate", doc("flat.json")); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("no model or schema: %v", err)
	}
	if _, err := run(t, "validate", "--model", acmeSchemaXML, doc("missing.json")); err == nil || errors.As(err, new(exitError)) {
		t.Errorf("missing document: %v", err)
	}
}

func TestValidateCmdDevice(t *testing.T) {
	testbbf.Require(t)
	dir := writeDocs(t, map[string]string{
		"cpe.json": `{
		  "Device.ManagementServer.PeriodicInformInterval": 0,
		  "Device.WiFi.SSID.1.SSDI": "home",
		  "Device.WiFi.SSID.1.SSID": "home",
		  "Device.Ethernet.Interface.1.DuplexMode": "Fast"
		}`,
	})
	out, err := run(t, "validate", "--model", "Device:2.19", filepath.Join(dir, "cpe.json"))
	wantExit1(t, err)
	for _, p := range []string{"Device.ManagementServer.PeriodicInformInterval: ", "Device.WiFi.SSID.1.SSDI: ", "Device.Ethernet.Interface.1.DuplexMode: "} {
		if !strings.Contains(out, "cpe.json: "+p) {
			t.Errorf("no %q in\n%s", p, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d violations:\n%s", n, out)
	}
}
