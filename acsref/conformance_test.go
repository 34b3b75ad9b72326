package acsref_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// confLab is an ACS and one simulated CPE running on its own (periodic
// Informs, connection requests on 127.0.0.1), discovered by the ACS.
type confLab struct {
	a  *testACS
	ag *cpe.Agent
	id string
	db string // the ACS's SQLite file
}

func startConfLab(t *testing.T, schema *model.Schema, serial string, q cpe.Quirks) *confLab {
	t.Helper()
	return startConfLabWith(t, schema, serial, q, plainLab)
}

// How a lab's ACS does TLS.
type labTLS int

const (
	plainLab     labTLS = iota // no TLS
	httpsLab                   // the ACS serves CWMP over TLS
	endpointsTLS               // plain HTTP, with a certificate for the conformance endpoints
)

// startConfLabWith starts a lab; with TLS, the ACS has a certificate
// made now, and the CPE trusts it (its CA pool holds that certificate
// alone).
func startConfLabWith(t *testing.T, schema *model.Schema, serial string, q cpe.Quirks, mode labTLS, mods ...func(*acsref.Config)) *confLab {
	t.Helper()
	var acsTLS *tls.Config
	var transport http.RoundTripper
	if mode != plainLab {
		cfg, certPEM, err := acsref.SelfSignedTLS("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(certPEM)
		acsTLS = cfg
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		t.Cleanup(tr.CloseIdleConnections)
		transport = tr
	}
	db := filepath.Join(t.TempDir(), "acs.db")
	a := startACS(t, db, func(c *acsref.Config) {
		c.ConnReqPassword = "cpe"
		c.ConnReqAllowedNets = acsref.LoopbackNets
		if mode == httpsLab {
			c.TLS = acsTLS
		}
		for _, m := range mods {
			m(c)
		}
	})
	if mode == endpointsTLS {
		a.srv.SetEndpointTLS(acsTLS)
	}
	l := attachConfCPE(t, a, schema, serial, q, transport)
	l.db = db
	return l
}

// attachConfCPE runs a simulated CPE of the ACS a (connection requests on
// 127.0.0.1, through transport if not nil) until a has discovered it,
// and adds the instance of a writable table a lab adds.
func attachConfCPE(t *testing.T, a *testACS, schema *model.Schema, serial string, q cpe.Quirks, transport http.RoundTripper, mods ...func(*cpe.Config)) *confLab {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	crs := cpe.NewConnReqServer("http://" + ln.Addr().String())
	hs := &http.Server{Handler: crs, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	cfg := cpe.Config{Schema: schema, ACSURL: a.srv.CWMPURL(), SerialNumber: serial, OUI: "00D09E", ProductClass: "ConfBox",
		Manufacturer: "dmforge", ConnReqURL: crs.URL(serial), ConnReqUsername: serial, ConnReqPassword: "cpe", ConnReqInterval: -1, Quirks: q, Transport: transport}
	for _, m := range mods {
		m(&cfg)
	}
	ag, err := cpe.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	crs.Register(ag)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ag.Run(ctx, nil)
	}()
	// Stop the CPE before the ACS (cleanups run last-registered first).
	t.Cleanup(func() {
		cancel()
		<-done
		_ = hs.Close()
	})
	l := &confLab{a: a, ag: ag, id: "00D09E-ConfBox-" + serial}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var d store.Device
		if a.do("GET", devPath(l.id), nil, &d) == http.StatusOK && d.Discovered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("device %s not discovered within 60s", l.id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// As a lab sets its device up: one instance of a writable table,
	// which the delete-missing-instance probe needs.
	table := "Device.IP.Interface."
	if strings.HasPrefix(schema.Model, "InternetGatewayDevice:") {
		table = "InternetGatewayDevice.Layer3Forwarding.Forwarding."
	}
	add := a.task(l.id, `{"name":"addObject","objectName":"`+table+`"}`)
	a.do("POST", devPath(l.id)+"/tasks?connection_request", `{"name":"getRPCMethods"}`, nil)
	for deadline := time.Now().Add(20 * time.Second); a.getTask(add.ID).Status != store.TaskDone; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("addObject %s: %+v", table, a.getTask(add.ID))
		}
	}
	return l
}

// run starts a run through the NBI and waits for its report.
func (l *confLab) run(t *testing.T, req acsref.ConformanceRunRequest, wait time.Duration) conformance.Report {
	t.Helper()
	var rep conformance.Report
	if code := l.a.do("POST", devPath(l.id)+"/conformance-runs", req, &rep); code != http.StatusAccepted || rep.Run == "" {
		t.Fatalf("POST conformance-runs: HTTP %d %+v", code, rep)
	}
	run := devPath(l.id) + "/conformance-runs/" + rep.Run
	deadline := time.Now().Add(wait)
	for {
		var cur conformance.Report
		if code := l.a.do("GET", run, nil, &cur); code != http.StatusOK {
			t.Fatalf("GET run: HTTP %d", code)
		}
		if cur.State != conformance.Running {
			return cur
		}
		if time.Now().After(deadline) {
			l.a.do("DELETE", run, nil, nil)
			t.Fatalf("run still running after %v: done %d of %d, at %s", wait, cur.Done, cur.Total, cur.Current)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func resultOf(rep conformance.Report, id string) *conformance.Result {
	for i := range rep.Results {
		if rep.Results[i].Case == id {
			return &rep.Results[i]
		}
	}
	return nil
}

var allowAll = []string{conformance.Reboot, conformance.Download, conformance.FactoryReset}

// TestConformanceSimPasses: the simulated CPE of each root model
// (TR-181 Device:2, TR-098 InternetGatewayDevice:1) passes every case of
// the core plan that applies to it — mandatory ones included, with every
// destructive step allowed — and no case is skipped.
func TestConformanceSimPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole plan")
	}
	// Not parallel: like TestConformanceEndpointCasesPass, the whole plan
	// includes the cases whose failed sessions grow the device's retry
	// wait, past a step timeout under load.
	for _, tc := range []struct {
		name   string
		schema *model.Schema
	}{{"tr181", tr181.Schema}, {"tr098", tr098.Schema}} {
		t.Run(tc.name, func(t *testing.T) {
			l := startConfLab(t, tc.schema, "PASS"+tc.name, cpe.Quirks{})
			rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core",
				Options: conformance.Options{Allow: allowAll, StepTimeoutSeconds: 20 * min(raceSlowdown, 3), PeriodicIntervalSeconds: 2}}, 4*time.Minute)
			if rep.State != conformance.Finished || rep.Total != len(conformance.CorePlan().Cases) || len(rep.Results) != rep.Total {
				t.Fatalf("run %s (%s): %d results of %d", rep.State, rep.Error, len(rep.Results), rep.Total)
			}
			for _, r := range rep.Results {
				if r.Status != conformance.Pass && !(r.Status == conformance.NotApplicable && r.Condition != conformance.Mandatory) {
					t.Errorf("%s (%s): %s expected %q observed %q reason %q", r.Case, r.Condition, r.Status, r.Expected, r.Observed, r.Reason)
				}
			}
			if rep.Counts.Fail != 0 || rep.Counts.Skipped != 0 || rep.Counts.Pass < 15 {
				t.Errorf("counts %+v", rep.Counts)
			}
			if t.Failed() || testing.Verbose() { // the run's timeline, for a failure in CI
				for _, r := range rep.Results {
					t.Logf("%s %s: %s in %.1f s", r.Started.Format("15:04:05.000"), r.Case, r.Status, r.Seconds)
				}
			}
			if len(rep.Methods) == 0 || !strings.Contains(strings.Join(rep.Methods, ","), "ScheduleInform") {
				t.Errorf("methods %v", rep.Methods)
			}
		})
	}
}

// breakCases pairs each case of the core plan with a simulator switch
// that breaks exactly what the case checks.
var breakCases = []struct {
	id    string
	quirk string
	allow []string
	igd   bool // on the TR-098 simulator
	tls   bool // the ACS has a certificate for the endpoint cases
}{
	{"secure.tls-session", "no-tls", nil, false, true},
	{"secure.untrusted-certificate", "tls-skip-verify", nil, false, true},
	{"acs-url.bootstrap", "no-url-bootstrap", nil, false, false},
	{"http.digest-auth", "no-auth", nil, false, false},
	{"http.auth-refused", "auth-loop", nil, false, false},
	{"http.redirect", "no-redirect", nil, true, false},
	{"diagnostics.ipping", "no-diagnostics-complete", nil, false, false},
	{"http.session-cookie", "no-cookies", nil, false, false},
	{"soap.id-echo", "id-mismatch", nil, false, false},
	{"diagnostics.ipping-igd", "value=InternetGatewayDevice.IPPingDiagnostics.SuccessCount:0", nil, true, false},
	{"rpc.get-rpc-methods", "no-reboot", nil, false, false},
	{"events.connection-request", "cr-as-periodic", nil, false, false},
	{"inform.forced-parameters", "inform-omit=DeviceInfo.SoftwareVersion", nil, false, false},
	{"inform.periodic", "periodic-slow", nil, false, false},
	{"events.boot-after-reboot", "reboot-no-boot", []string{conformance.Reboot}, false, false},
	{"events.transfer-complete", "no-transfer-complete", []string{conformance.Download}, false, false},
	{"events.scheduled", "ignore-schedule-inform", nil, false, false},
	{"gpv.partial-path", "partial-gpv=fault", nil, false, false},
	{"gpn.next-level", "gpn-next-level-all", nil, false, false},
	{"rpc.optional.GetAllQueuedTransfers", "refuse=GetAllQueuedTransfers", nil, false, false},
	{"rpc.optional.Upload", "refuse=Upload", nil, false, false},
	{"rpc.optional.FactoryReset", "refuse=FactoryReset", []string{conformance.FactoryReset}, false, false},
	{"probe.unknown-parameter", "fault-code=9005:9002", nil, false, false},
	{"probe.unknown-object", "fault-code=9005:9003", nil, false, false},
	{"probe.next-level-on-parameter", "fault-code=9003:9005", nil, false, false},
	{"probe.set-read-only", "fault-code=9008:9007", nil, false, false},
	{"probe.wrong-type", "fault-code=9006:9007", nil, false, false},
	{"probe.out-of-range", "fault-code=9007:9006", nil, false, false},
	{"probe.not-enumerated", "fault-code=9007:9002", nil, false, false},
	{"probe.too-long", "fault-code=9007:9003", nil, false, false},
	{"probe.notification-denied", "fault-code=9009:9002", nil, false, false},
	{"probe.add-to-read-only-table", "fault-code=9001:9002", nil, false, false},
	{"probe.delete-missing-instance", "fault-code=9005:9002", nil, false, false},
}

// TestConformanceCaseFailsOnBreak: every case of the core plan fails
// against the simulated CPE with the switch that breaks what it checks,
// with expected, observed and the RPC exchange as evidence — so that no
// case can pass vacuously. (TestConformanceSimPasses shows the same
// cases pass without the switch.)
func TestConformanceCaseFailsOnBreak(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a lab per case")
	}
	covered := map[string]bool{}
	for _, bc := range breakCases {
		covered[bc.id] = true
	}
	for _, c := range conformance.CorePlan().Cases {
		if !covered[c.ID] {
			t.Errorf("case %s has no breaking switch in breakCases", c.ID)
		}
	}
	// Each case has its own lab and mostly waits on the device, so six
	// run at once: subtests started from goroutines, which -parallel
	// does not bound (on CI's two cores it would run them two by two).
	t.Parallel()
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, bc := range breakCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(bc.id, func(t *testing.T) {
				q, err := cpe.ParseQuirks([]string{bc.quirk})
				if err != nil {
					t.Fatal(err)
				}
				schema := tr181.Schema
				if bc.igd {
					schema = tr098.Schema
				}
				mode := plainLab
				if bc.tls {
					// The device reaches the ACS over HTTP: a device that
					// cannot do TLS is in the lab too.
					mode = endpointsTLS
				}
				l := startConfLabWith(t, schema, "BRK"+itoa(int64(i)), q, mode)
				rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core", Options: conformance.Options{Allow: bc.allow,
					Cases: []string{bc.id}, StepTimeoutSeconds: 8, PeriodicIntervalSeconds: 2}}, 2*time.Minute)
				r := resultOf(rep, bc.id)
				if rep.State != conformance.Finished || r == nil {
					t.Fatalf("run %s: %+v", rep.State, rep.Results)
				}
				if r.Status != conformance.Fail || r.Expected == "" || r.Observed == "" || len(r.Evidence) == 0 {
					t.Fatalf("%s with %s: %s expected %q observed %q reason %q, %d messages of evidence", bc.id, bc.quirk, r.Status, r.Expected, r.Observed, r.Reason, len(r.Evidence))
				}
				t.Logf("%s: expected %s; observed %s", bc.id, r.Expected, r.Observed)
			})
		}()
	}
}

// TestConformanceRunNBI: the NBI refuses bad run requests with the rule
// and a message, skips destructive cases the run does not allow, serves
// the report as JUnit XML and HTML, and lists the device's runs.
func TestConformanceRunNBI(t *testing.T) {
	l := startConfLab(t, tr181.Schema, "NBI1", cpe.Quirks{})
	var e acsref.RuleError
	for body, want := range map[string]string{
		`{}`:              "name a plan",
		`{"plan":"nope"}`: "no built-in plan",
		`{"plan":"cwmp-core","options":{"allow":["format"]}}`:                                          "options.allow",
		`{"planDocument":{"name":"x","version":"1","cases":[{"id":"a","steps":[{"op":"teleport"}]}]}}`: "unknown op",
	} {
		if code := l.a.do("POST", devPath(l.id)+"/conformance-runs", body, &e); code != http.StatusBadRequest || !strings.Contains(e.Msg, want) {
			t.Errorf("%s: HTTP %d %+v, want 400 with %q", body, code, e, want)
		}
	}
	if code := l.a.do("POST", devPath("00D09E-ConfBox-NONE")+"/conformance-runs", `{"plan":"cwmp-core"}`, nil); code != http.StatusNotFound {
		t.Errorf("unknown device: HTTP %d", code)
	}
	rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core", Options: conformance.Options{StepTimeoutSeconds: 10,
		Cases: []string{"events.boot-after-reboot", "rpc.get-rpc-methods", "events.transfer-complete"}}}, time.Minute)
	if r := resultOf(rep, "events.boot-after-reboot"); r == nil || r.Status != conformance.Skipped || !strings.Contains(r.Reason, "reboot") {
		t.Errorf("reboot not allowed: %+v", r)
	}
	if r := resultOf(rep, "rpc.get-rpc-methods"); r == nil || r.Status != conformance.Pass {
		t.Errorf("get-rpc-methods: %+v", r)
	}
	if rep.Total != 3 || rep.Done != 3 || rep.Counts.Skipped != 2 || rep.Counts.Pass != 1 {
		t.Errorf("report %+v", rep)
	}
	var runs []conformance.Report
	if code := l.a.do("GET", devPath(l.id)+"/conformance-runs", nil, &runs); code != http.StatusOK || len(runs) != 1 || runs[0].Run != rep.Run || runs[0].Results != nil {
		t.Errorf("runs: HTTP %d %+v", code, runs)
	}
	var plans []conformance.Plan
	if code := l.a.do("GET", "/conformance/plans", nil, &plans); code != http.StatusOK || len(plans) != 1 || plans[0].Name != "cwmp-core" {
		t.Errorf("plans: %d %+v", code, plans)
	}
	var plan conformance.Plan
	if code := l.a.do("GET", "/conformance/plans/cwmp-core", nil, &plan); code != http.StatusOK || plan.Validate() != nil || len(plan.Cases) != len(conformance.CorePlan().Cases) {
		t.Errorf("plan: %d %v", code, plan.Validate())
	}
	for _, f := range []struct{ suffix, ctype, start string }{{"/junit", "application/xml", "<?xml"}, {"/html", "text/html", "<!DOCTYPE html>"}} {
		req, _ := http.NewRequest("GET", l.a.nbi+devPath(l.id)+"/conformance-runs/"+rep.Run+f.suffix, nil)
		req.Header.Set("Authorization", "Bearer "+l.a.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		_, _ = io.Copy(&buf, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), f.ctype) || !strings.HasPrefix(buf.String(), f.start) || !strings.Contains(buf.String(), "rpc.get-rpc-methods") {
			t.Errorf("%s: HTTP %d %s %.80q", f.suffix, resp.StatusCode, resp.Header.Get("Content-Type"), buf.String())
		}
	}
	if code := l.a.do("GET", devPath(l.id)+"/conformance-runs/nope", nil, nil); code != http.StatusNotFound {
		t.Errorf("unknown run: HTTP %d", code)
	}
	// A run is cancelled through the NBI while it waits for the device;
	// a second run of the device is refused while one runs.
	var long conformance.Report
	if code := l.a.do("POST", devPath(l.id)+"/conformance-runs", acsref.ConformanceRunRequest{Plan: "cwmp-core",
		Options: conformance.Options{Cases: []string{"inform.periodic"}, PeriodicIntervalSeconds: 600}}, &long); code != http.StatusAccepted {
		t.Fatalf("long run: HTTP %d", code)
	}
	if code := l.a.do("POST", devPath(l.id)+"/conformance-runs", `{"plan":"cwmp-core"}`, &e); code != http.StatusConflict || !strings.Contains(e.Msg, "still running") {
		t.Errorf("second run: HTTP %d %+v", code, e)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var cur conformance.Report
		if l.a.do("GET", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &cur); cur.Current == "inform.periodic" {
			break // waiting for periodic Informs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run never reached its case")
		}
	}
	var cancelled conformance.Report
	if code := l.a.do("DELETE", devPath(l.id)+"/conformance-runs/"+long.Run, nil, &cancelled); code != http.StatusOK || cancelled.State != conformance.Cancelled || cancelled.Finished.IsZero() {
		t.Errorf("cancel: HTTP %d %s %+v", code, cancelled.State, cancelled.Results)
	}
	// The evidence of a JSON report round-trips.
	raw, _ := json.Marshal(rep)
	var back conformance.Report
	if err := json.Unmarshal(raw, &back); err != nil || back.Run != rep.Run {
		t.Errorf("report JSON: %v", err)
	}
}

// endpointCaseIDs are the cases that point the device at a second
// endpoint of the ACS.
var endpointCaseIDs = []string{"secure.tls-session", "secure.untrusted-certificate", "acs-url.bootstrap", "http.digest-auth", "http.auth-refused", "http.redirect"}

// TestConformanceEndpointCasesPass: over TLS (the ACS's certificate made
// at test time, the CPE trusting it alone) the simulated CPE of each root
// model passes the secure CWMP, ACS URL, authentication and redirect
// cases, and is back at the ACS's URL, rediscovered, after them.
func TestConformanceEndpointCasesPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs labs")
	}
	// Not parallel: the session retry waits its device goes through
	// (untrusted certificate, refused credentials) grow under load past
	// the step timeout of the next case.
	for _, tc := range []struct {
		name   string
		schema *model.Schema
	}{{"tr181", tr181.Schema}, {"tr098", tr098.Schema}} {
		t.Run(tc.name, func(t *testing.T) {
			l := startConfLabWith(t, tc.schema, "SEC"+tc.name, cpe.Quirks{}, httpsLab)
			if !strings.HasPrefix(l.a.srv.CWMPURL(), "https://") {
				t.Fatalf("the ACS is not on https: %s", l.a.srv.CWMPURL())
			}
			rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core",
				Options: conformance.Options{Cases: endpointCaseIDs, StepTimeoutSeconds: 20 * min(raceSlowdown, 3)}}, 5*time.Minute)
			if rep.State != conformance.Finished || len(rep.Results) != len(endpointCaseIDs) {
				t.Fatalf("run %s (%s): %d results", rep.State, rep.Error, len(rep.Results))
			}
			for _, r := range rep.Results {
				if r.Status != conformance.Pass {
					t.Errorf("%s: %s expected %q observed %q reason %q", r.Case, r.Status, r.Expected, r.Observed, r.Reason)
				}
			}
			var url []struct{ Name, Value string }
			root := "Device."
			if tc.name == "tr098" {
				root = "InternetGatewayDevice."
			}
			if code := l.a.do("GET", devPath(l.id)+"/parameters?prefix="+root+"ManagementServer.URL", nil, &url); code != http.StatusOK || len(url) != 1 || url[0].Value != l.a.srv.CWMPURL() {
				t.Errorf("the device's URL after the run: HTTP %d %+v, want %s", code, url, l.a.srv.CWMPURL())
			}
		})
	}
}

// TestConformanceAuthCasesWithCPEAuth: on an ACS that authenticates CPEs
// the Digest cases leave the device's credentials alone: the second
// endpoint challenges as the ACS does (the device's own credentials
// pass) or refuses them, and the device keeps working with the ACS after.
func TestConformanceAuthCasesWithCPEAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a lab")
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.ConnReqPassword = "cpe"
		c.ConnReqAllowedNets = acsref.LoopbackNets
		c.Auth = acsref.CPEAuth{Username: "lab-cpe", Password: "lab-secret"}
	})
	l := attachConfCPE(t, a, tr181.Schema, "AUTH1", cpe.Quirks{}, nil, func(c *cpe.Config) { c.Username, c.Password = "lab-cpe", "lab-secret" })
	rep := l.run(t, acsref.ConformanceRunRequest{Plan: "cwmp-core", Options: conformance.Options{StepTimeoutSeconds: 20,
		Cases: []string{"http.digest-auth", "http.auth-refused", "rpc.get-rpc-methods"}}}, 3*time.Minute)
	for _, r := range rep.Results {
		if r.Status != conformance.Pass {
			t.Errorf("%s: %s expected %q observed %q reason %q", r.Case, r.Status, r.Expected, r.Observed, r.Reason)
		}
	}
	if len(rep.Results) != 3 {
		t.Fatalf("run %s: %d results", rep.State, len(rep.Results))
	}
	var user []struct{ Name, Value string }
	if code := a.do("GET", devPath(l.id)+"/parameters?prefix=Device.ManagementServer.Username", nil, &user); code != http.StatusOK || len(user) != 1 || user[0].Value != "lab-cpe" {
		t.Errorf("the device's user name after the run: HTTP %d %+v", code, user)
	}
}
