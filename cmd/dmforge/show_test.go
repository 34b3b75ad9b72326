package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run executes the CLI in-process and returns stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := rootCmd
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	// Cobra keeps flag values between runs; reset the ones tests set.
	for _, c := range cmd.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Changed {
				if sv, ok := f.Value.(pflag.SliceValue); ok {
					_ = sv.Replace(nil) // Set("[]") would append "[]"
				} else {
					_ = f.Value.Set(f.DefValue)
				}
				f.Changed = false
			}
		})
	}
	return out.String(), err
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file (rerun with -update if intended):\n--- got ---\n%s", name, got)
	}
}

func TestShowFormatsGolden(t *testing.T) {
	for _, format := range []string{"tree", "table", "box", "paths", "json"} {
		out, err := run(t, "show", "--format", format, "testdata/acme-router.xml")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		golden(t, "acme-router."+format+".golden", out)
	}
	// --model picks the earlier model of the file.
	out, err := run(t, "show", "--format", "paths", "--model", "AcmeRouter:1.0", "testdata/acme-router.xml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "LastChange") || !strings.Contains(out, "AcmeRouter.Port.{i}.Mode\tparameter\tstring\treadWrite") {
		t.Errorf("--model AcmeRouter:1.0 printed the wrong model:\n%s", out)
	}
}

func TestShowPathsMatchesFlattenedFile(t *testing.T) {
	dir := testbbf.Require(t)
	for _, c := range [][2]string{
		{"VoiceService:2.0", "tr-104-2-0-2-cwmp-full.xml"},
		{"Device:2.17", "tr-181-2-17-0-cwmp-full.xml"},
	} {
		fromModel, err := run(t, "show", "--format", "paths", c[0])
		if err != nil {
			t.Fatal(err)
		}
		fromFull, err := run(t, "show", "--format", "paths", filepath.Join(dir, c[1]))
		if err != nil {
			t.Fatal(err)
		}
		if fromModel != fromFull {
			t.Errorf("%s: paths listing differs from %s", c[0], c[1])
		}
		if n := strings.Count(fromModel, "\n"); n < 900 {
			t.Errorf("%s: only %d lines", c[0], n)
		}
	}
}

func TestShowErrors(t *testing.T) {
	if _, err := run(t, "show", "Device:9.9"); err == nil || !strings.Contains(err.Error(), "not in the catalogue") {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := run(t, "show", "--model", "Nope:1.0", "testdata/acme-router.xml"); err == nil || !strings.Contains(err.Error(), "does not define model Nope:1.0") {
		t.Errorf("unknown --model: %v", err)
	}
	if _, err := run(t, "show", "--format", "yaml", "testdata/acme-router.xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestShowUSPGolden: commands, events and their arguments in every format,
// deleted items only with --all.
func TestShowUSPGolden(t *testing.T) {
	for _, format := range []string{"tree", "table", "paths", "json"} {
		out, err := run(t, "show", "--format", format, "testdata/acme-usp.xml")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		golden(t, "acme-usp."+format+".golden", out)
		for _, want := range []string{"Ping()", "Replies.{i}.", "Boot!", "LinkDown!", "RTT"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %s", format, want)
			}
		}
		if strings.Contains(out, "OldReset()") || strings.Contains(out, "Legacy") {
			t.Errorf("%s: deleted items shown without --all", format)
		}
	}
	paths, err := run(t, "show", "--format", "paths", "testdata/acme-usp.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"AcmeUSP.Ping()\tcommand\t-\tasync",
		"AcmeUSP.Reboot()\tcommand\t-\tsync",
		"AcmeUSP.Ping().Input.Count\tparameter\tunsignedInt\tinput", // from the component, refined by base=
		"AcmeUSP.Ping().Output.Replies.{i}.\tobject\t-\toutput",
		"AcmeUSP.Boot!\tevent\t-\t-",
		"AcmeUSP.Boot!.Params.{i}.Path\tparameter\tstring\targument",
	} {
		if !strings.Contains(paths, line+"\n") {
			t.Errorf("paths listing lacks %q", line)
		}
	}
	all, err := run(t, "show", "--all", "--format", "paths", "testdata/acme-usp.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all, "AcmeUSP.OldReset()\tcommand\t-\tsync\n") || !strings.Contains(all, "AcmeUSP.Port.{i}.Legacy\tparameter") {
		t.Errorf("--all leaves deleted items out:\n%s", all)
	}
	table, err := run(t, "show", "--format", "table", "testdata/acme-usp.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "string(:256) mandatory") {
		t.Errorf("table does not mark the mandatory Host argument:\n%s", table)
	}
}

// TestShowUSPVariant: the catalogue name alone is the CWMP variant, which
// has no commands; -usp is the USP variant of the same model name.
func TestShowUSPVariant(t *testing.T) {
	testbbf.Require(t)
	cwmp, err := run(t, "show", "--format", "paths", "Device:2.19")
	if err != nil {
		t.Fatal(err)
	}
	usp, err := run(t, "show", "--format", "paths", "Device:2.19-usp")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cwmp, "\tcommand\t") || strings.Contains(cwmp, "\tevent\t") {
		t.Error("Device:2.19 (CWMP) lists commands or events")
	}
	for _, line := range []string{"Device.Reboot()\tcommand\t-\tsync", "Device.IP.Diagnostics.IPPing()\tcommand\t-\tasync",
		"Device.Boot!\tevent\t-\t-", "Device.IP.Diagnostics.TraceRoute().Output.RouteHops.{i}.\tobject\t-\toutput"} {
		if !strings.Contains(usp, line+"\n") {
			t.Errorf("Device:2.19-usp lacks %q", line)
		}
	}
	if _, err := run(t, "show", "Device:2.11-usp"); err == nil || !strings.Contains(err.Error(), "no USP variant") {
		t.Errorf("Device:2.11-usp: %v", err)
	}
}

// TestShowPathsMatchesFlattenedUSP: for every USP root the BBF publishes a
// flattened -usp-full.xml of, the paths listing (commands, events and
// arguments included) of the root and of the flattened file are identical.
func TestShowPathsMatchesFlattenedUSP(t *testing.T) {
	dir := testbbf.Require(t)
	fulls, _ := filepath.Glob(filepath.Join(dir, "*-usp-full.xml"))
	compared := 0
	for _, full := range fulls {
		root := strings.TrimSuffix(full, "-full.xml") + ".xml"
		if _, err := os.Stat(root); err != nil {
			continue
		}
		// The BBF flattened this one before tr-196-2-1-3-common.xml was
		// published; the root imports the latest corrigendum, so it no
		// longer matches (parser's staleFlattenings resolves it as then).
		if filepath.Base(full) == "tr-196-2-1-1-usp-full.xml" {
			continue
		}
		fromRoot, err := run(t, "show", "--format", "paths", root)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(root), err)
			continue
		}
		fromFull, err := run(t, "show", "--format", "paths", full)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(full), err)
			continue
		}
		if fromRoot != fromFull {
			t.Errorf("%s: paths listing differs from %s:\n%s", filepath.Base(root), filepath.Base(full), firstDifference(fromRoot, fromFull))
		}
		// TR-140 and TR-196 define no commands; the others must list theirs.
		data, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		if want, got := strings.Count(string(data), "<command name="), strings.Count(fromRoot, "\tcommand\t"); got != want {
			t.Errorf("%s: %d commands listed, %s defines %d", filepath.Base(root), got, filepath.Base(full), want)
		}
		compared++
	}
	if compared < 10 {
		t.Fatalf("compared only %d USP root/-full.xml pairs", compared)
	}
	t.Logf("%d USP root/-full.xml pairs list identically", compared)
}

// firstDifference returns the first differing line of two listings.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  root %q\n  full %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(al), len(bl))
}

// TestShowXMLRoundTrip: show --format xml writes a flattened document that
// show reads back as the same model (every item, deleted ones included).
func TestShowXMLRoundTrip(t *testing.T) {
	testbbf.Require(t)
	for _, name := range []string{"Device:2.19-usp", "InternetGatewayDevice:1.14", "VoiceService:2.0"} {
		flat, err := run(t, "show", "--format", "xml", name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(flat, "<?xml") || !strings.Contains(flat, "<model name=") {
			t.Fatalf("%s: not a flattened document: %.200s", name, flat)
		}
		file := filepath.Join(t.TempDir(), "flat.xml")
		if err := os.WriteFile(file, []byte(flat), 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := run(t, "show", "--all", "--format", "paths", name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, "show", "--all", "--format", "paths", file)
		if err != nil {
			t.Fatalf("%s: reading the flattened document: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: flattened document lists differently: %s", name, firstDifference(want, got))
		}
	}
}
