package acsref_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

var shortRun = acsref.ConformanceRunRequest{Plan: "cwmp-core", Options: conformance.Options{StepTimeoutSeconds: 20,
	Cases: []string{"rpc.get-rpc-methods", "gpn.next-level"}}}

// TestConformanceRecordsSurviveRestart: runs and diagnostics are in the
// store: after the ACS restarts on its database they are listed and read
// whole (results, evidence, JUnit), and the store keeps the newest
// RunRetention per device.
func TestConformanceRecordsSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a lab")
	}
	l := startConfLabWith(t, tr181.Schema, "REC1", cpe.Quirks{}, plainLab, func(c *acsref.Config) { c.RunRetention = 2 })
	var reps []conformance.Report
	for range 3 {
		reps = append(reps, l.run(t, shortRun, 2*time.Minute))
	}
	for _, rep := range reps {
		if rep.State != conformance.Finished || rep.Counts.Pass != 2 {
			t.Fatalf("run %s: %s %+v", rep.Run, rep.State, rep.Counts)
		}
	}
	ping := l.diagnose(t, acsref.DiagnosticRequest{Type: "IPPing", Parameters: map[string]any{"Host": "127.0.0.1", "NumberOfRepetitions": 2}})
	if ping.State != acsref.DiagComplete {
		t.Fatalf("IPPing: %+v", ping)
	}

	l.a.close()
	b := startACS(t, l.db, nil)
	var runs []conformance.Report
	if code := b.do("GET", devPath(l.id)+"/conformance-runs", nil, &runs); code != http.StatusOK || len(runs) != 2 || runs[0].Run != reps[2].Run || runs[1].Run != reps[1].Run {
		t.Fatalf("runs after the restart (retention 2): HTTP %d %+v", code, runs)
	}
	var got conformance.Report
	if code := b.do("GET", devPath(l.id)+"/conformance-runs/"+reps[2].Run, nil, &got); code != http.StatusOK || got.State != conformance.Finished ||
		len(got.Results) != 2 || got.Results[1].Case != "gpn.next-level" || got.Counts != reps[2].Counts || !got.Started.Equal(reps[2].Started) {
		t.Fatalf("run after the restart: HTTP %d %+v", code, got)
	}
	if code := b.do("GET", devPath(l.id)+"/conformance-runs/"+reps[0].Run, nil, nil); code != http.StatusNotFound {
		t.Errorf("the run beyond the retention: HTTP %d, want 404", code)
	}
	if code := b.do("GET", devPath(l.id)+"/conformance-runs/"+reps[2].Run+"/junit", nil, nil); code != http.StatusOK {
		t.Errorf("JUnit after the restart: HTTP %d", code)
	}
	if code := b.do("GET", devPath("00D09E-ConfBox-OTHER")+"/conformance-runs/"+reps[2].Run, nil, nil); code != http.StatusNotFound {
		t.Errorf("the run through another device: HTTP %d, want 404", code)
	}
	var d acsref.Diagnostic
	if code := b.do("GET", devPath(l.id)+"/diagnostics/"+ping.ID, nil, &d); code != http.StatusOK || d.State != acsref.DiagComplete || num(d.Results["SuccessCount"]) != 2 {
		t.Errorf("diagnostic after the restart: HTTP %d %+v", code, d)
	}
	var ds []acsref.Diagnostic
	if code := b.do("GET", devPath(l.id)+"/diagnostics", nil, &ds); code != http.StatusOK || len(ds) != 1 || ds[0].ID != ping.ID {
		t.Errorf("diagnostics after the restart: HTTP %d %+v", code, ds)
	}
}

// TestConformanceRecordsSharedPostgres: two ACS processes on one
// PostgreSQL database. A run and a diagnostic started through one are
// seen through the other while they run and when they end; the other
// cannot cancel a run it does not run (409), the one running it can.
func TestConformanceRecordsSharedPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a lab")
	}
	dsn := storetest.PostgresDSN(t)
	const lease = 2 * time.Second
	start := func() *testACS {
		return startSharedACS(t, dsn, func(c *acsref.Config) {
			c.ConnReqPassword, c.ConnReqAllowedNets = "cpe", acsref.LoopbackNets
			c.RecordLease = lease
		})
	}
	a, b := start(), start()
	l := attachConfCPE(t, a, tr181.Schema, "PGREC", cpe.Quirks{}, nil)

	// A long run through A: B sees it running, and may not cancel it.
	var long conformance.Report
	if code := a.do("POST", devPath(l.id)+"/conformance-runs", acsref.ConformanceRunRequest{Plan: "cwmp-core",
		Options: conformance.Options{Cases: []string{"rpc.get-rpc-methods", "inform.periodic"}, PeriodicIntervalSeconds: 600}}, &long); code != http.StatusAccepted {
		t.Fatalf("long run: HTTP %d", code)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var cur conformance.Report
		if b.do("GET", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &cur); cur.State == conformance.Running && cur.Done == 1 && cur.Current == "inform.periodic" {
			break // B sees A's progress
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never saw the run at its second case")
		}
	}
	// Waiting for periodic Informs, the run changes no more; A saves it
	// every quarter of the lease, so beyond the lease B still sees it
	// running, not orphaned.
	ctx := context.Background()
	sawAt := time.Now()
	for deadline := sawAt.Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rec, err := a.st.RunRecord(ctx, store.RecordConformance, long.Run)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Updated.After(sawAt.Add(lease + lease/2)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running record was not saved again beyond the lease: updated %v, seen running at %v", rec.Updated, sawAt)
		}
	}
	if code := b.do("GET", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &long); code != http.StatusOK || long.State != conformance.Running {
		t.Fatalf("B beyond the lease: HTTP %d %s %s", code, long.State, long.Error)
	}
	// (contractCall checks the answer against the OpenAPI document: this
	// is the route test's call of the documented 409.)
	b.contractCall(t, loadOpenAPI(t, b), routeSpec(t, "cancelConformanceRun"),
		contractCall{op: "cancelConformanceRun", path: devPath(l.id) + "/conformance-runs/" + long.Run, want: http.StatusConflict})
	var cancelled conformance.Report
	if code := a.do("DELETE", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &cancelled); code != http.StatusOK || cancelled.State != conformance.Cancelled {
		t.Fatalf("cancel through A: HTTP %d %s", code, cancelled.State)
	}
	var seen conformance.Report
	if code := b.do("GET", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &seen); code != http.StatusOK || seen.State != conformance.Cancelled || len(seen.Results) != 1 || seen.Results[0].Status != conformance.Pass {
		t.Errorf("the cancelled run through B: HTTP %d %s %+v", code, seen.State, seen.Results)
	}

	// A finished run and a diagnostic through A, read through B.
	l.a = a
	rep := l.run(t, shortRun, 2*time.Minute)
	ping := l.diagnose(t, acsref.DiagnosticRequest{Type: "IPPing", Parameters: map[string]any{"Host": "127.0.0.1"}})
	var runs []conformance.Report
	if code := b.do("GET", devPath(l.id)+"/conformance-runs", nil, &runs); code != http.StatusOK || len(runs) != 2 || runs[0].Run != rep.Run || runs[0].State != conformance.Finished {
		t.Errorf("runs through B: HTTP %d %+v", code, runs)
	}
	var d acsref.Diagnostic
	if code := b.do("GET", devPath(l.id)+"/diagnostics/"+ping.ID, nil, &d); code != http.StatusOK || d.State != ping.State || d.DiagnosticsState != "Complete" {
		t.Errorf("diagnostic through B: HTTP %d %+v", code, d)
	}

	// A run and a diagnostic left running by a process that stopped (no
	// save for longer than the lease) are orphaned for every process;
	// cancelling the run stores it so.
	stale := time.Now().Add(-10 * lease).UTC()
	orphanRun, _ := json.Marshal(conformance.Report{Run: "orphan-run", Device: rep.Device, Plan: "cwmp-core", State: conformance.Running, Started: stale})
	orphanDiag, _ := json.Marshal(acsref.Diagnostic{ID: "orphan-diag", Device: l.id, Type: "IPPing", State: acsref.DiagRunning, Requested: stale})
	for _, rec := range []*store.RunRecord{
		{Kind: store.RecordConformance, ID: "orphan-run", DeviceID: l.id, State: conformance.Running, Created: stale, Updated: stale, Data: orphanRun},
		{Kind: store.RecordDiagnostic, ID: "orphan-diag", DeviceID: l.id, State: acsref.DiagRunning, Created: stale, Updated: stale, Data: orphanDiag},
	} {
		if err := a.st.PutRunRecord(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*testACS{a, b} {
		var run conformance.Report
		if code := c.do("GET", devPath(l.id)+"/conformance-runs/orphan-run", nil, &run); code != http.StatusOK || run.State != conformance.Errored || !strings.Contains(run.Error, "stopped") {
			t.Errorf("orphaned run: HTTP %d %s %q", code, run.State, run.Error)
		}
		var diag acsref.Diagnostic
		if code := c.do("GET", devPath(l.id)+"/diagnostics/orphan-diag", nil, &diag); code != http.StatusOK || diag.State != acsref.DiagFailed || !strings.Contains(diag.Error, "stopped") {
			t.Errorf("orphaned diagnostic: HTTP %d %s %q", code, diag.State, diag.Error)
		}
	}
	var ended conformance.Report
	if code := b.do("DELETE", devPath(l.id)+"/conformance-runs/orphan-run", nil, &ended); code != http.StatusOK || ended.State != conformance.Errored {
		t.Errorf("cancelling the orphaned run: HTTP %d %s", code, ended.State)
	}
	if rec, err := a.st.RunRecord(ctx, store.RecordConformance, "orphan-run"); err != nil || rec.State != conformance.Errored {
		t.Errorf("the orphaned run as stored after the cancel: %v %+v", err, rec)
	}
}
