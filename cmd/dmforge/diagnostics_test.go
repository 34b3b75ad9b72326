package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
)

func runDiagnostics(args ...string) (string, string, error) {
	cmd := newDiagnosticsCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestDiagnosticsCommand: `dmforge diagnostics run` runs an IPPing and a
// traceroute on a simulated CPE through a real ACS's NBI and prints the
// typed results as a table or JSON; a diagnostic the device reports an
// error for exits 1, one the ACS refuses 2; `list` and `get` show what
// ran.
func TestDiagnosticsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a lab")
	}
	id, _ := startCLILab(t, "CLID")

	out, progress, err := runDiagnostics("run", "--device", id, "--type", "IPPing", "--param", "Host=127.0.0.1", "--param", "NumberOfRepetitions=3")
	if err != nil {
		t.Fatalf("run IPPing: %v\n%s%s", err, progress, out)
	}
	for _, want := range []string{"state", "complete", "SuccessCount", "Device.IP.Diagnostics.IPPing."} {
		if !strings.Contains(out, want) {
			t.Errorf("IPPing table lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^DiagnosticsState +Complete$`).MatchString(out) || !regexp.MustCompile(`(?m)^SuccessCount +3$`).MatchString(out) {
		t.Errorf("IPPing results:\n%s", out)
	}
	if !strings.Contains(progress, "IPPing of Device.IP.Diagnostics.IPPing.") {
		t.Errorf("progress: %s", progress)
	}
	var ping acsref.Diagnostic
	out, _, err = runDiagnostics("run", "--device", id, "--type", "TraceRoute", "--param", "Host=127.0.0.1", "--format", "json")
	var trace acsref.Diagnostic
	if jerr := json.Unmarshal([]byte(out), &trace); err != nil || jerr != nil || trace.State != acsref.DiagComplete || trace.Results["RouteHopsNumberOfEntries"] != float64(1) {
		t.Errorf("run TraceRoute --format json: %v %v %+v", err, jerr, trace)
	}

	// The device reports an error: a finding, exit status 1.
	out, _, err = runDiagnostics("run", "--device", id, "--type", "IPPing", "--param", "Host=no-such-host.invalid")
	if exitStatus(err) != exitFindings || !strings.Contains(out, "Error_CannotResolveHostName") {
		t.Errorf("unknown host: %v (exit %d)\n%s", err, exitStatus(err), out)
	}
	// The ACS refuses it (the model's range): cannot run, exit status 2.
	_, _, err = runDiagnostics("run", "--device", id, "--type", "IPPing", "--param", "NumberOfRepetitions=0")
	if exitStatus(err) != exitCannotRun || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "NumberOfRepetitions") {
		t.Errorf("out of range: %v (exit %d)", err, exitStatus(err))
	}
	for _, args := range [][]string{{"run", "--type", "IPPing"}, {"run", "--device", id}, {"run", "--device", id, "--type", "IPPing", "--param", "Host"},
		{"run", "--device", id, "--type", "IPPing", "--format", "xml"}, {"get", "--device", id, "nope"}, {"list", "--device", id, "--format", "yaml"}} {
		if _, _, err := runDiagnostics(args...); exitStatus(err) != exitCannotRun {
			t.Errorf("%v: %v (exit %d), want exit 2", args, err, exitStatus(err))
		}
	}

	out, _, err = runDiagnostics("list", "--device", id, "--format", "json")
	var list []acsref.Diagnostic
	if jerr := json.Unmarshal([]byte(out), &list); err != nil || jerr != nil || len(list) != 3 || list[1].ID != trace.ID {
		t.Fatalf("list --format json: %v %v %d\n%s", err, jerr, len(list), out)
	}
	ping = list[2]
	out, _, err = runDiagnostics("list", "--device", id)
	if err != nil || !strings.HasPrefix(out, "ID") || strings.Count(out, "\n") != 4 || !strings.Contains(out, ping.ID+"  IPPing") {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, _, err = runDiagnostics("get", "--device", id, ping.ID)
	if err != nil || !strings.Contains(out, "SuccessCount") || !strings.Contains(out, ping.ID) {
		t.Errorf("get: %v\n%s", err, out)
	}
}
