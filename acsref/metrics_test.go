package acsref_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the ACS's metrics from url (with the NBI's credentials
// when tok is set) and returns each sample by name{labels}: counters,
// gauges, and histograms as name_count{labels}.
func scrape(t *testing.T, url, tok string) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the metrics: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.Counter.GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.Gauge.GetValue()
			case dto.MetricType_HISTOGRAM:
				out[name+"_count{"+strings.Join(labels, ",")+"}"] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return out
}

// lockedBuffer is a log destination sessions write to concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMetricsAfterSessions: after real sessions of cwmp/cpe agents (a
// task answered, a task the CPE faults, a policy write, connection
// requests that work and fail), /metrics on the NBI (with its
// credentials) moved each counter by exactly what happened, as the
// agents saw it; the session log lines and the NBI access log name them.
func TestMetricsAfterSessions(t *testing.T) {
	logs := &lockedBuffer{}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	var kicks atomic.Int32
	cr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kicks.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer cr.Close()
	newAgent := func(sn, crURL string) *cpe.Agent {
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "MetricBox", SerialNumber: sn, ConnReqURL: crURL})
		if err != nil {
			t.Fatal(err)
		}
		return ag
	}
	ag1, ag2 := newAgent("M1", cr.URL+"/cr"), newAgent("M2", "")
	id1, id2 := acsref.DeviceID("00D09E", "MetricBox", "M1"), acsref.DeviceID("00D09E", "MetricBox", "M2")

	// Unauthenticated scrapes are refused on the NBI.
	if resp, err := http.Get(a.srv.MetricsURL()); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /metrics without credentials: %v %v", resp, err)
	}
	before := scrape(t, a.srv.MetricsURL(), a.tok)

	requests, sessions := 0, 0
	faults := map[string]int{}
	run := func(ag *cpe.Agent) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := ag.RunSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sessions++
		requests += res.Requests
		for code, n := range res.Faults {
			faults[strconv.Itoa(int(code))] += n
		}
	}
	run(ag1)
	run(ag2)
	if code := a.do("POST", "/policies", "name: fast\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 120\n", nil); code != http.StatusOK {
		t.Fatalf("policy: %d", code)
	}
	var kicked, failed acsref.TaskResponse
	if code := a.do("POST", devPath(id1)+"/tasks?connection_request", `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`, &kicked); code != http.StatusAccepted || kicked.ConnectionRequest != "ok" {
		t.Fatalf("task with connection request: %d %+v", code, kicked)
	}
	if code := a.do("POST", devPath(id1)+"/tasks", `{"name":"getParameterValues","parameterNames":["Device.NoSuchObject."],"expectFault":[9005]}`, nil); code != http.StatusAccepted {
		t.Fatalf("negative task: %d", code)
	}
	if code := a.do("POST", devPath(id2)+"/tasks?connection_request", `{"name":"reboot"}`, &failed); code != http.StatusAccepted || failed.ConnectionRequest == "ok" {
		t.Fatalf("task to a device without ConnectionRequestURL: %d %+v", code, failed)
	}
	run(ag1)
	run(ag1) // the policy converged: an empty session
	run(ag2) // the reboot
	if faults["9005"] != 1 || requests < 4 {
		t.Fatalf("the agents saw %d requests and faults %v", requests, faults)
	}

	after := scrape(t, a.srv.MetricsURL(), a.tok)
	delta := func(key string) int { return int(after[key] - before[key]) }
	sumDelta := func(prefix string) int {
		n := 0
		for k := range after {
			if strings.HasPrefix(k, prefix) {
				n += delta(k)
			}
		}
		return n
	}
	checks := []struct {
		key  string
		got  int
		want int
	}{
		{"sessions ok", delta("acs_sessions_total{outcome=ok}"), sessions},
		{"sessions (all outcomes)", sumDelta("acs_sessions_total{"), sessions},
		{"session latency observations", delta("acs_session_duration_seconds_count{}"), sessions},
		{"RPCs (all)", sumDelta("acs_rpcs_total{"), requests},
		{"RPCs faulted", sumDelta("acs_rpcs_total{method=GetParameterValues,outcome=fault}"), 1},
		// The task's, and the policy's read of each device.
		{"GetParameterValues answered", delta("acs_rpcs_total{method=GetParameterValues,outcome=ok}"), 3},
		{"SetParameterValues answered (the policy's, one per device)", delta("acs_rpcs_total{method=SetParameterValues,outcome=ok}"), 2},
		{"Reboot answered", delta("acs_rpcs_total{method=Reboot,outcome=ok}"), 1},
		{"RPCs without answer", sumDelta("acs_rpcs_total{method=GetParameterValues,outcome=no-answer}"), 0},
		{"RPC latency observations", sumDelta("acs_rpc_duration_seconds_count{"), requests},
		{"fault 9005", delta("acs_cpe_faults_total{code=9005}"), faults["9005"]},
		{"faults (all codes)", sumDelta("acs_cpe_faults_total{"), 1},
		{"tasks queued: getParameterValues", delta("acs_tasks_queued_total{name=getParameterValues}"), 2},
		{"tasks queued: reboot", delta("acs_tasks_queued_total{name=reboot}"), 1},
		{"connection requests ok", delta("acs_connection_requests_total{outcome=ok}"), 1},
		{"connection requests failed", delta("acs_connection_requests_total{outcome=error}"), 1},
		{"connection requests the CPE got", int(kicks.Load()), 1},
		{"policy RPCs (a read and a write per device)", delta("acs_policy_rpcs_total{outcome=ok,policy=fast}"), 4},
		{"policy state changes to converged", delta("acs_policy_state_changes_total{policy=fast,status=converged}"), 2},
		{"sessions in flight", int(after["acs_sessions_in_flight{}"]), 0},
		{"tasks pending", int(after["acs_tasks_queued{status=pending}"]), 0},
		{"policy devices converged", int(after["acs_policy_devices{policy=fast,status=converged}"]), 2},
		{"store commits measured", delta("acs_store_duration_seconds_count{op=commit}"), sessions},
		{"store up", int(after["acs_store_up{}"]), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: moved by %d, want %d", c.key, c.got, c.want)
		}
	}
	if t.Failed() {
		var keys []string
		for k := range after {
			if strings.HasPrefix(k, "acs_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%s %v (before %v)", k, after[k], before[k])
		}
	}

	// One info line per session, naming device, events, RPCs, faults,
	// duration and outcome; one access-log line per NBI request.
	lines := logs.String()
	if n := strings.Count(lines, `"msg":"acs: session"`); n != sessions {
		t.Errorf("%d session log lines, want %d", n, sessions)
	}
	taskLine := regexp.MustCompile(`"msg":"acs: session","device":"` + regexp.QuoteMeta(id1) + `","events":\[\],"rpcs":4,"faults":1,"duration_ms":[0-9.]+,"outcome":"ok"`)
	bootLine := regexp.MustCompile(`"msg":"acs: session","device":"` + regexp.QuoteMeta(id2) + `","events":\["0 BOOTSTRAP"\],"rpcs":0,"faults":0,"duration_ms":[0-9.]+,"outcome":"ok"`)
	if !taskLine.MatchString(lines) || !bootLine.MatchString(lines) {
		t.Errorf("no session line with the task and the fault:\n%s", lines)
	}
	if !strings.Contains(lines, `"msg":"acs: nbi","method":"POST","path":"/devices/`+id1+`/tasks","operation":"postTask","status":202`) {
		t.Errorf("no access-log line of POST /devices/{id}/tasks:\n%s", lines)
	}
}

// TestMetricsAddr: with Config.MetricsAddr the metrics are on their own
// loopback address without credentials; an address beyond loopback is
// refused.
func TestMetricsAddr(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if !strings.HasPrefix(a.srv.MetricsURL(), "http://127.0.0.1:") || strings.HasPrefix(a.srv.MetricsURL(), a.nbi) {
		t.Fatalf("MetricsURL %s", a.srv.MetricsURL())
	}
	m := scrape(t, a.srv.MetricsURL(), "")
	if _, ok := m["acs_sessions_in_flight{}"]; !ok {
		t.Fatalf("no acs_sessions_in_flight in %v", m)
	}
	_, err := acsref.New(acsref.Config{Store: a.st, MetricsAddr: "0.0.0.0:9100", NBIAccess: acsref.NBIAccess{Open: true}})
	if err == nil || !strings.Contains(err.Error(), "beyond loopback") {
		t.Fatalf("metrics on 0.0.0.0: %v", err)
	}
}

// TestMetricsSessionOutcomes: a session whose CPE goes silent counts as
// timeout (its RPC as no-answer), one a new Inform replaces as replaced,
// and the new one, which gets the RPC again and answers it, as ok.
func TestMetricsSessionOutcomes(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.SessionTimeout = 200 * time.Millisecond
	})
	ctx := context.Background()
	session(t, newTestCPE(a.srv.CWMPURL(), "S1"))
	a.task(labID+"S1", `{"name":"getRPCMethods"}`)
	before := scrape(t, a.srv.MetricsURL(), a.tok)
	inf := &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: "S1"},
		Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}, MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}}

	silent := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := silent.Post(ctx, inf); err != nil {
		t.Fatal(err)
	}
	if req, err := silent.Post(ctx, &cwmp.Envelope{}); err != nil || req.Body.MethodName() != "GetRPCMethods" {
		t.Fatalf("silent session: %v %v", req, err)
	}
	var m map[string]float64
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		m = scrape(t, a.srv.MetricsURL(), a.tok)
		if m["acs_sessions_total{outcome=timeout}"]-before["acs_sessions_total{outcome=timeout}"] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the silent session did not time out")
		}
	}
	dropped := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := dropped.Post(ctx, inf); err != nil {
		t.Fatal(err)
	}
	again := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := again.Post(ctx, inf); err != nil {
		t.Fatal(err)
	}
	req, err := again.Post(ctx, &cwmp.Envelope{})
	if err != nil || req.Body.MethodName() != "GetRPCMethods" {
		t.Fatalf("new session: %v %v", req, err)
	}
	if end, err := again.Post(ctx, req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); err != nil || !end.IsEmpty() {
		t.Fatalf("end: %v %v", end, err)
	}
	after := scrape(t, a.srv.MetricsURL(), a.tok)
	for key, want := range map[string]int{
		"acs_sessions_total{outcome=timeout}":                    1,
		"acs_sessions_total{outcome=replaced}":                   1,
		"acs_sessions_total{outcome=ok}":                         1,
		"acs_rpcs_total{method=GetRPCMethods,outcome=no-answer}": 1,
		"acs_rpcs_total{method=GetRPCMethods,outcome=ok}":        1,
		"acs_rpc_duration_seconds_count{method=GetRPCMethods}":   1,
		"acs_session_duration_seconds_count{}":                   3,
		"acs_tasks_queued_total{name=getRPCMethods}":             0,
		"acs_nbi_requests_total{code=200,operation=getMetrics}":  1,
		"acs_sessions_total{outcome=refused}":                    0,
		"acs_sessions_total{outcome=closed}":                     0,
		"acs_rpcs_total{method=GetRPCMethods,outcome=fault}":     0,
	} {
		got := int(after[key] - before[key])
		if key == "acs_nbi_requests_total{code=200,operation=getMetrics}" {
			// A scrape is counted once answered: the one that read m
			// is in after, the one that read after is not.
			got = int(after[key] - m[key])
		}
		if got != want {
			t.Errorf("%s moved by %d, want %d", key, got, want)
		}
	}
	if after["acs_sessions_in_flight{}"] != 0 {
		t.Errorf("sessions in flight: %v", after["acs_sessions_in_flight{}"])
	}
}
