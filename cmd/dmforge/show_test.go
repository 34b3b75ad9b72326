package main

import (
	"bytes"
	"flag"
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
				_ = f.Value.Set(f.DefValue)
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
	for _, format := range []string{"tree", "table", "paths", "json"} {
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
