package acsref_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
)

// TestConformanceGenieACSSim: genieacs-sim runs the core plan with every
// destructive step allowed. The run finishes, and the report lists what
// genieacs-sim lacks as failures with the RPC exchange as evidence: no
// GetRPCMethods (9000; the RPC-conditional cases are then skipped, not
// guessed), no Reboot (9000), a partial-path GetParameterValues it does
// not answer, an IPPing diagnostic it never completes, a GetParameterValues
// of an unknown name it drops the session on.
func TestConformanceGenieACSSim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	t.Parallel() // waits on the peer, beside the other conformance labs
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.ConnReqAllowedNets = acsref.LoopbackNets })
	model, _ := filepath.Abs(filepath.Join(genieacsSimDir, "data_model_202BC1-BM632w-8KA8WA1151100043.csv"))
	serial := 100 + rand.IntN(800000)
	out := startGenieACSSim(t, a.srv.CWMPURL(), model, 1, serial)
	id := fmt.Sprintf("202BC1-BM632w-%06d", serial)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var d store.Device
		if a.do("GET", devPath(id), nil, &d) == http.StatusOK && d.Discovered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("genieacs-sim %s not discovered within 60s", id)
		}
	}
	l := &confLab{a: a, id: id}
	rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core", Options: conformance.Options{Allow: allowAll,
		StepTimeoutSeconds: 10, PeriodicIntervalSeconds: 2}}, 5*time.Minute)
	if rep.State != conformance.Finished || rep.Done != rep.Total {
		t.Fatalf("run %s (%s): %d of %d", rep.State, rep.Error, rep.Done, rep.Total)
	}
	for _, r := range rep.Results {
		t.Logf("%-40s %-13s %s%s", r.Case, r.Status, r.Reason, r.Observed)
	}
	for id, want := range map[string]string{
		"rpc.get-rpc-methods":      "9000",
		"events.boot-after-reboot": "fault 9000",
		"gpv.partial-path":         "",
		"diagnostics.ipping-igd":   "",
		"probe.unknown-parameter":  "no answer",
	} {
		r := resultOf(rep, id)
		if r == nil || r.Status != conformance.Fail || !strings.Contains(r.Observed, want) || len(r.Evidence) == 0 {
			t.Errorf("%s: %+v", id, r)
			continue
		}
		sent := false
		for _, ex := range r.Evidence {
			sent = sent || ex.Direction == "ACS→CPE" && strings.Contains(ex.SOAP, "cwmp:")
		}
		if !sent {
			t.Errorf("%s: the evidence holds no request of the ACS: %+v", id, r.Evidence)
		}
	}
	// It drops the session on an unknown name: the probe's later checks
	// never reach it, and say so rather than fail.
	if r := resultOf(rep, "probe.set-read-only"); r == nil || r.Status != conformance.Skipped || !strings.Contains(r.Reason, "not reached") {
		t.Errorf("set-read-only after the crash: %+v", r)
	}
	if r := resultOf(rep, "events.connection-request"); r == nil || r.Status != conformance.Pass {
		t.Errorf("connection request: %+v", r)
	}
	if r := resultOf(rep, "events.scheduled"); r == nil || r.Status != conformance.Skipped || !strings.Contains(r.Reason, "GetRPCMethods") {
		t.Errorf("scheduled (needs GetRPCMethods): %+v", r)
	}
	if rep.Counts.Fail < 3 || rep.Counts.Pass < 3 {
		t.Errorf("counts %+v", rep.Counts)
	}
	// The JUnit report of a real peer's failures, with its SOAP as
	// evidence, passes the JUnit schema check.
	req, _ := http.NewRequest("GET", a.nbi+devPath(id)+"/conformance-runs/"+rep.Run+"/junit", nil)
	req.Header.Set("Authorization", "Bearer "+a.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	junit, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(junit, []byte(`<failure message="expected`)) {
		t.Errorf("junit: HTTP %d %.200s", resp.StatusCode, junit)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		file := filepath.Join(t.TempDir(), "junit.xml")
		if err := os.WriteFile(file, junit, 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("conformance", "testdata", "junit.xsd"), file).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, msg)
		}
	}
	if t.Failed() {
		t.Logf("genieacs-sim:\n%s", out.String())
	}
}
