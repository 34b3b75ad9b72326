package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/internal/testbbf"
)

func runConformance(args ...string) (string, string, error) {
	cmd := newConformanceCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestConformanceCommand: `dmforge conformance run` starts a run of a
// simulated CPE through a real ACS's NBI, waits for it, prints every
// case and writes the JUnit, HTML and JSON reports; a failing case makes
// it fail. `dmforge conformance plan` prints the built-in plan and the
// profile plan of a BBF model.
func TestConformanceCommand(t *testing.T) {
	id, _ := startCLILab(t, "CLI1")

	dir := t.TempDir()
	junit, page, js := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	out, progress, err := runConformance("run", "--device", id, "--plan", "cwmp-core", "--cases", "rpc.get-rpc-methods,gpn.next-level,events.boot-after-reboot",
		"--step-timeout", "10", "--junit", junit, "--html", page, "--json", js)
	if err != nil {
		t.Fatalf("run: %v\n%s%s", err, progress, out)
	}
	for _, want := range []string{"pass           rpc.get-rpc-methods", "pass           gpn.next-level", "skipped        events.boot-after-reboot: the case needs the destructive step reboot",
		"finished: pass 2, fail 0, skipped 1, not applicable 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress, ": 3 cases") || !strings.Contains(progress, "[3/3] gpn.next-level pass") {
		t.Errorf("progress:\n%s", progress)
	}
	var rep conformance.Report
	if data, err := os.ReadFile(js); err != nil || json.Unmarshal(data, &rep) != nil || rep.Counts.Pass != 2 {
		t.Errorf("JSON report: %v %+v", err, rep.Counts)
	}
	if data, err := os.ReadFile(junit); err != nil || xml.Unmarshal(data, new(struct{})) != nil || !bytes.Contains(data, []byte(`<testcase name="gpn.next-level"`)) {
		t.Errorf("JUnit report: %v %.200s", err, data)
	}
	if data, err := os.ReadFile(page); err != nil || !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		t.Errorf("HTML report: %v", err)
	}
	// A failing case is a finding: exit status 1.
	out, _, err = runConformance("run", "--device", id, "--plan", "cwmp-core", "--cases", "events.scheduled", "--step-timeout", "1")
	if exitStatus(err) != exitFindings || !strings.Contains(out, "fail           events.scheduled: expected an Inform with 3 SCHEDULED") {
		t.Errorf("scheduled with a 1 s wait: %v (exit %d)\n%s", err, exitStatus(err), out)
	}
	// --format json: the report on stdout.
	out, _, err = runConformance("run", "--device", id, "--plan", "cwmp-core", "--cases", "gpn.next-level", "--format", "json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Counts.Pass != 1 {
		t.Errorf("--format json: %v %+v\n%.300s", err, rep.Counts, out)
	}
	if _, _, err := runConformance("run", "--device", id); err == nil || !strings.Contains(err.Error(), "--plan") {
		t.Errorf("no plan: %v", err)
	}
	if _, _, err := runConformance("run", "--device", "nope", "--plan", "cwmp-core"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("unknown device: %v", err)
	}

	out, _, err = runConformance("plan", "cwmp-core")
	if p, perr := conformance.ParsePlan([]byte(out)); err != nil || perr != nil || p.Name != "cwmp-core" {
		t.Errorf("plan: %v %v", err, perr)
	}
	out, _, err = runConformance("plan", "--profiles-from", "Device:2.19", "-I", testbbf.Require(t))
	if p, perr := conformance.ParsePlan([]byte(out)); err != nil || perr != nil || p.Name != "profiles-Device:2.19" || len(p.Cases) < 50 {
		t.Errorf("profile plan: %v %v", err, perr)
	}
}

// startCLILab starts a real ACS on 127.0.0.1 (SQLite store), points
// $DMFORGE_NBI and $DMFORGE_NBI_TOKEN at it, and runs one simulated
// TR-181 CPE with the serial number until the ACS has discovered it. It
// returns the device's id and the ACS.
func startCLILab(t *testing.T, serial string) (string, *acsref.Server) {
	t.Helper()
	srv, st := startCLIACS(t, func(c *acsref.Config) { c.ConnReqPassword, c.ConnReqAllowedNets = "cpe", acsref.LoopbackNets })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	crs := cpe.NewConnReqServer("http://" + ln.Addr().String())
	hs := &http.Server{Handler: crs, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: srv.CWMPURL(), SerialNumber: serial, OUI: "00D09E", ProductClass: "ConfBox",
		ConnReqURL: crs.URL(serial), ConnReqUsername: serial, ConnReqPassword: "cpe", ConnReqInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	crs.Register(ag)
	ctx, cancel := context.WithCancel(context.Background())
	agentDone := make(chan struct{})
	go func() { defer close(agentDone); _ = ag.Run(ctx, nil) }()
	// Stop the CPE before the ACS (cleanups run last-registered first).
	t.Cleanup(func() { cancel(); <-agentDone })
	id := "00D09E-ConfBox-" + serial
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if d, err := st.Device(context.Background(), id); err == nil && d.Discovered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("device not discovered")
		}
	}
	return id, srv
}
