package acsref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus metrics of the ACS, one registry per Server (tests run
// several). Counters move in the session's own steps (sessionObs); the
// gauges of tasks, campaigns and policies read the store when scraped.

// Session outcomes (acs_sessions_total{outcome}).
const (
	OutcomeOK       = "ok"       // the ACS ended it with an empty answer
	OutcomeTimeout  = "timeout"  // the CPE went silent
	OutcomeReplaced = "replaced" // the CPE started a new session
	OutcomeClosed   = "closed"   // the ACS shut down
	OutcomeRefused  = "refused"  // the Inform was refused (store outage)
)

// RPC outcomes (acs_rpcs_total{method,outcome}).
const (
	RPCOK       = "ok"
	RPCFault    = "fault"
	RPCNoAnswer = "no-answer"
)

type metrics struct {
	reg             *prometheus.Registry
	sessions        *prometheus.CounterVec
	sessionSeconds  prometheus.Histogram
	rpcs            *prometheus.CounterVec
	rpcSeconds      *prometheus.HistogramVec
	faults          *prometheus.CounterVec
	tasksQueued     *prometheus.CounterVec
	storeSeconds    *prometheus.HistogramVec
	connReqs        *prometheus.CounterVec
	policyRPCs      *prometheus.CounterVec
	policyChanges   *prometheus.CounterVec
	nbiRequests     *prometheus.CounterVec
	scrapeStoreWait time.Duration
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_sessions_total",
			Help: "CWMP sessions ended, by outcome: ok, timeout, replaced, closed, refused."}, []string{"outcome"}),
		sessionSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "acs_session_duration_seconds",
			Help: "Duration of CWMP sessions, Inform to end.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12)}),
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_rpcs_total",
			Help: "RPCs the ACS sent to CPEs, by method and outcome: ok, fault, no-answer."}, []string{"method", "outcome"}),
		rpcSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "acs_rpc_duration_seconds",
			Help: "Time from sending an RPC to the CPE's answer, by method.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 10)}, []string{"method"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_cpe_faults_total",
			Help: "CWMP faults CPEs answered RPCs with, by fault code."}, []string{"code"}),
		tasksQueued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_tasks_queued_total",
			Help: "Tasks queued, by task name (internal: discovery)."}, []string{"name"}),
		storeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "acs_store_duration_seconds",
			Help: "Latency of the store operations of sessions and tasks, by operation.", Buckets: prometheus.ExponentialBuckets(0.0001, 3, 12)}, []string{"op"}),
		connReqs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_connection_requests_total",
			Help: "Connection requests, by outcome: ok, udp (sent, no answer), error."}, []string{"outcome"}),
		policyRPCs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_policy_rpcs_total",
			Help: "RPCs sent for policies, by policy and outcome: ok, fault."}, []string{"policy", "outcome"}),
		policyChanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_policy_state_changes_total",
			Help: "Changes of a device's policy status (converged, pending, fault) at the end of sessions, by policy and new status."}, []string{"policy", "status"}),
		nbiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acs_nbi_requests_total",
			Help: "NBI requests, by operation (operationId, or unknown) and status code."}, []string{"operation", "code"}),
		scrapeStoreWait: 5 * time.Second,
	}
	m.reg.MustRegister(m.sessions, m.sessionSeconds, m.rpcs, m.rpcSeconds, m.faults, m.tasksQueued, m.storeSeconds,
		m.connReqs, m.policyRPCs, m.policyChanges, m.nbiRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "acs_sessions_in_flight", Help: "CWMP sessions open now."}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return float64(len(s.sessions))
		}),
		&storeGauges{s: s, m: m})
	return m
}

// storeGauges reads, at scrape time, what the store knows: the tasks
// waiting to be sent, the campaigns' devices by state and the policies'
// devices by state.
type storeGauges struct {
	s *Server
	m *metrics
}

var (
	descTasks = prometheus.NewDesc("acs_tasks_queued", "Tasks queued and not yet finished, by status (pending, waiting).", []string{"status"}, nil)
	descCamp  = prometheus.NewDesc("acs_campaign_devices", "Devices of each campaign by state (targets, unassigned, running, succeeded, failed, …).", []string{"campaign", "status", "campaign_status"}, nil)
	descPol   = prometheus.NewDesc("acs_policy_devices", "Devices by policy and state (converged, pending, fault).", []string{"policy", "status"}, nil)
	descUp    = prometheus.NewDesc("acs_store_up", "1 if the store answered the scrape's reads, 0 otherwise.", nil, nil)
)

func (g *storeGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- descTasks
	ch <- descCamp
	ch <- descPol
	ch <- descUp
}

func (g *storeGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), g.m.scrapeStoreWait)
	defer cancel()
	up := 1.0
	ts, err := g.s.st.Tasks(ctx, store.TaskFilter{Status: []string{store.TaskPending, store.TaskWaiting}})
	if err != nil {
		up = 0
	} else {
		n := map[string]int{store.TaskPending: 0, store.TaskWaiting: 0}
		for _, t := range ts {
			n[t.Status]++
		}
		for st, c := range n {
			ch <- prometheus.MustNewConstMetric(descTasks, prometheus.GaugeValue, float64(c), st)
		}
	}
	if recs, err := g.s.st.Campaigns(ctx); err != nil {
		up = 0
	} else {
		for _, rec := range recs {
			var st policy.CampaignState
			if json.Unmarshal(rec.State, &st) != nil {
				continue
			}
			for status, c := range st.Progress() {
				ch <- prometheus.MustNewConstMetric(descCamp, prometheus.GaugeValue, float64(c), rec.Name, status, rec.Status)
			}
		}
	}
	if docs, err := g.s.st.PolicyDocs(ctx); err != nil {
		up = 0
	} else {
		for _, d := range docs {
			if d.Kind != "" && !strings.EqualFold(d.Kind, "Policy") {
				continue
			}
			counts, err := g.s.st.PolicyStateCounts(ctx, d.Name)
			if err != nil {
				up = 0
				continue
			}
			for status, c := range counts {
				ch <- prometheus.MustNewConstMetric(descPol, prometheus.GaugeValue, float64(c), d.Name, status)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil}).ServeHTTP(w, r)
	return nil
}

// MetricsHandler serves the metrics without credentials (for
// Config.MetricsAddr).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// checkMetricsAddr refuses a metrics address beyond loopback: the
// metrics name devices and policies, and need no credentials there.
func checkMetricsAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("acsref: metrics address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return nil
	}
	return fmt.Errorf("acsref: the metrics address %s is beyond loopback: metrics served on their own address need no credentials, so it must be a loopback address (or leave it empty to serve /metrics on the NBI, with its credentials)", addr)
}

// sessionObs is what a session's metrics and log line need.
type sessionObs struct {
	start  time.Time
	events []string
	rpcs   int
	faults int
	// method and sent: the RPC in flight, sent at sent.
	method string
	sent   time.Time
}

// observeOpen starts the observation of a session whose Inform was
// accepted.
func (s *Server) observeOpen(se *session, inf *cwmp.Inform) {
	se.obs.start = time.Now()
	se.obs.events = []string{}
	for _, ev := range inf.Event {
		se.obs.events = append(se.obs.events, ev.EventCode)
	}
}

// observeRefused counts an Inform refused for a store outage.
func (s *Server) observeRefused() { s.metrics.sessions.WithLabelValues(OutcomeRefused).Inc() }

// observeSend notes an RPC sent.
func (s *Server) observeSend(se *session, msg cwmp.Message) {
	s.observeNoAnswer(se)
	se.obs.method, se.obs.sent = msg.MethodName(), time.Now()
	se.obs.rpcs++
}

// observeMessage judges the RPC in flight by the CPE's next message: its
// answer, a fault, or (an empty POST, anything else) no answer.
func (s *Server) observeMessage(se *session, body cwmp.Message) {
	if se.obs.method == "" {
		return
	}
	method := se.obs.method
	switch m := body.(type) {
	case *cwmp.Fault:
		se.obs.method = ""
		se.obs.faults++
		s.metrics.rpcs.WithLabelValues(method, RPCFault).Inc()
		s.metrics.faults.WithLabelValues(strconv.Itoa(int(m.Code))).Inc()
		s.metrics.rpcSeconds.WithLabelValues(method).Observe(time.Since(se.obs.sent).Seconds())
	case nil:
		s.observeNoAnswer(se)
	default:
		if m.MethodName() == method+"Response" {
			se.obs.method = ""
			s.metrics.rpcs.WithLabelValues(method, RPCOK).Inc()
			s.metrics.rpcSeconds.WithLabelValues(method).Observe(time.Since(se.obs.sent).Seconds())
		}
	}
}

func (s *Server) observeNoAnswer(se *session) {
	if se.obs.method != "" {
		s.metrics.rpcs.WithLabelValues(se.obs.method, RPCNoAnswer).Inc()
		se.obs.method = ""
	}
}

// observeEnd counts the session and writes its log line.
func (s *Server) observeEnd(se *session, reason string) {
	if se.obs.start.IsZero() {
		return // never opened
	}
	s.observeNoAnswer(se)
	outcome := OutcomeOK
	switch {
	case reason == "":
	case strings.Contains(reason, "timeout"):
		outcome = OutcomeTimeout
	case strings.Contains(reason, "new session"):
		outcome = OutcomeReplaced
	case strings.Contains(reason, "closing"):
		outcome = OutcomeClosed
	default:
		outcome = "ended"
	}
	d := time.Since(se.obs.start)
	s.metrics.sessions.WithLabelValues(outcome).Inc()
	s.metrics.sessionSeconds.Observe(d.Seconds())
	s.log.Info("acs: session", "device", se.dev.ID, "events", se.obs.events, "rpcs", se.obs.rpcs, "faults", se.obs.faults,
		"duration_ms", float64(d.Microseconds())/1000, "outcome", outcome)
	se.obs.start = time.Time{}
}

// observeConnReq counts a connection request.
func (s *Server) observeConnReq(udp bool, err error) {
	switch {
	case err != nil:
		s.metrics.connReqs.WithLabelValues("error").Inc()
	case udp:
		s.metrics.connReqs.WithLabelValues("udp").Inc()
	default:
		s.metrics.connReqs.WithLabelValues("ok").Inc()
	}
}

// observePolicyRPC counts a policy RPC's answer.
func (s *Server) observePolicyRPC(rpc *policy.RPC, outcome string) {
	for _, p := range rpc.Policies {
		s.metrics.policyRPCs.WithLabelValues(p, outcome).Inc()
	}
}

// observePolicyStates counts the policy statuses a session changed
// (old: the states before it).
func (s *Server) observePolicyStates(changed []*policy.PolicyState, old map[string]*policy.PolicyState) {
	for _, ps := range changed {
		if o := old[ps.Policy]; o == nil || o.Status != ps.Status {
			s.metrics.policyChanges.WithLabelValues(ps.Policy, ps.Status).Inc()
		}
	}
}

// timedStore measures the store operations sessions and the task queue
// use; the others pass through.
type timedStore struct {
	store.Store
	m *metrics
}

func (t *timedStore) observe(op string, start time.Time) {
	t.m.storeSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

func (t *timedStore) Device(ctx context.Context, id string) (*store.Device, error) {
	defer t.observe("device", time.Now())
	return t.Store.Device(ctx, id)
}

func (t *timedStore) Parameters(ctx context.Context, deviceID, prefix string) ([]store.Parameter, error) {
	defer t.observe("parameters", time.Now())
	return t.Store.Parameters(ctx, deviceID, prefix)
}

func (t *timedStore) Commit(ctx context.Context, b *store.Batch) error {
	defer t.observe("commit", time.Now())
	return t.Store.Commit(ctx, b)
}

func (t *timedStore) AddTask(ctx context.Context, task *store.Task) error {
	defer t.observe("add_task", time.Now())
	err := t.Store.AddTask(ctx, task)
	if err == nil {
		name := task.Name
		if task.Internal {
			name = "internal"
		}
		t.m.tasksQueued.WithLabelValues(name).Inc()
	}
	return err
}

func (t *timedStore) Tasks(ctx context.Context, f store.TaskFilter) ([]*store.Task, error) {
	defer t.observe("tasks", time.Now())
	return t.Store.Tasks(ctx, f)
}

// initObservability makes the server's metrics and measures its store.
func (s *Server) initObservability() error {
	s.metrics = newMetrics(s)
	s.st = &timedStore{Store: s.st, m: s.metrics}
	if s.cfg.MetricsAddr != "" {
		return checkMetricsAddr(s.cfg.MetricsAddr)
	}
	return nil
}

// startMetrics serves the metrics on Config.MetricsAddr, if set.
func (s *Server) startMetrics() error {
	if s.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("acsref: metrics listener: %w", err)
	}
	s.metricsLn = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("acs: serve metrics", "err", err)
		}
	}()
	return nil
}

// MetricsURL is the URL of the metrics: on their own address when
// Config.MetricsAddr is set, else on the NBI (with its credentials).
func (s *Server) MetricsURL() string {
	if s.metricsLn != nil {
		return "http://" + s.metricsLn.Addr().String() + "/metrics"
	}
	if u := s.NBIURL(); u != "" {
		return u + "/metrics"
	}
	return ""
}
