package acsref

// Conformance runs through the NBI: a plan (acsref/conformance) run
// against one device, driven by the ACS across the device's sessions.
// Runs live in the ACS process's memory (the last maxRunsPerDevice per
// device); they do not survive a restart.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/model"
)

// ConformanceRoute is one NBI route of conformance runs.
type ConformanceRoute struct {
	Method, Pattern, Summary string
	Request, Response        string // Go types of the bodies ("" for none)
	handler                  func(*Server, http.ResponseWriter, *http.Request)
}

// ConformanceRoutes are the NBI routes of conformance runs.
var ConformanceRoutes = []ConformanceRoute{
	{"GET", "/conformance/plans", "list the built-in plans", "", "[]conformance.Plan (cases omitted)", (*Server).listConformancePlans},
	{"GET", "/conformance/plans/{name}", "one built-in plan with its cases", "", "conformance.Plan", (*Server).getConformancePlan},
	{"POST", "/devices/{id}/conformance-runs", "start a run of a plan against the device", "ConformanceRunRequest", "conformance.Report (202)", (*Server).postConformanceRun},
	{"GET", "/devices/{id}/conformance-runs", "the device's runs, newest first, without results", "", "[]conformance.Report", (*Server).listConformanceRuns},
	{"GET", "/devices/{id}/conformance-runs/{run}", "a run's progress and results (JSON)", "", "conformance.Report", (*Server).getConformanceRun},
	{"GET", "/devices/{id}/conformance-runs/{run}/junit", "a run's report as JUnit XML", "", "application/xml", (*Server).getConformanceJUnit},
	{"GET", "/devices/{id}/conformance-runs/{run}/html", "a run's report as a self-contained HTML page", "", "text/html", (*Server).getConformanceHTML},
	{"DELETE", "/devices/{id}/conformance-runs/{run}", "cancel a running run", "", "conformance.Report", (*Server).cancelConformanceRun},
	{"POST", "/devices/{id}/diagnostics", "run a TR-143 / Wi-Fi diagnostic (nbi_diagnostics.go)", "DiagnosticRequest", "Diagnostic (202)", (*Server).postDiagnostic},
	{"GET", "/devices/{id}/diagnostics", "the device's diagnostics, newest first", "", "[]Diagnostic", (*Server).listDiagnostics},
	{"GET", "/devices/{id}/diagnostics/{diag}", "a diagnostic's state and typed results", "", "Diagnostic", (*Server).getDiagnostic},
}

func (s *Server) conformanceRoutes(api *http.ServeMux) {
	for _, rt := range ConformanceRoutes {
		h := rt.handler
		api.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	}
}

// ConformanceRunRequest is the body of POST /devices/{id}/conformance-runs:
// a built-in plan by name, or a plan document (a generated profile plan,
// say), or both (the document's cases follow the named plan's).
type ConformanceRunRequest struct {
	Plan         string              `json:"plan,omitempty"`
	PlanDocument *conformance.Plan   `json:"planDocument,omitempty"`
	Options      conformance.Options `json:"options"`
}

// maxRunsPerDevice is how many finished runs the ACS keeps per device.
const maxRunsPerDevice = 10

type confRun struct {
	id     string
	device string
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	rep conformance.Report
}

func (cr *confRun) report() conformance.Report {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.rep
}

func (s *Server) listConformancePlans(w http.ResponseWriter, r *http.Request) {
	out := []conformance.Plan{}
	for _, n := range conformance.BuiltinNames() {
		p, _ := conformance.Builtin(n)
		out = append(out, conformance.Plan{Name: p.Name, Version: p.Version, Title: p.Title})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getConformancePlan(w http.ResponseWriter, r *http.Request) {
	p, err := conformance.Builtin(r.PathValue("name"))
	if err != nil {
		writeErr(w, http.StatusNotFound, &RuleError{Rule: "not-found", Msg: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) postConformanceRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		s.storeErr(w, err, "device")
		return
	}
	body, err := readBounded(r, 16<<20)
	if err != nil {
		bodyErr(w, err)
		return
	}
	var req ConformanceRunRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: "body: " + err.Error()})
		return
	}
	var plan *conformance.Plan
	if req.Plan != "" {
		if plan, err = conformance.Builtin(req.Plan); err != nil {
			writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: err.Error()})
			return
		}
	}
	if req.PlanDocument != nil {
		if err := req.PlanDocument.Validate(); err != nil {
			writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: "planDocument: " + err.Error()})
			return
		}
		if plan == nil {
			plan = req.PlanDocument
		} else {
			plan = conformance.Merge(plan, req.PlanDocument)
		}
	}
	if plan == nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("name a plan (built-in: %v) or give a planDocument", conformance.BuiltinNames())})
		return
	}
	if err := req.Options.Validate(); err != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: err.Error()})
		return
	}
	if BindDevice(d) == nil {
		writeErr(w, http.StatusConflict, &RuleError{Rule: RuleUnboundModel, Msg: "the device is bound to no known data model"})
		return
	}
	if !d.Discovered {
		writeErr(w, http.StatusConflict, &RuleError{Rule: RuleArgument, Msg: "the device has not been discovered yet: the cases read the device's tree"})
		return
	}
	cs := s.conf()
	cs.mu.Lock()
	for _, cr := range cs.runs {
		if cr.device == d.ID && cr.report().State == conformance.Running {
			cs.mu.Unlock()
			writeErr(w, http.StatusConflict, &RuleError{Rule: "conflict", Msg: "run " + cr.id + " of this device is still running"})
			return
		}
	}
	runCtx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	cr := &confRun{id: strconv.FormatInt(time.Now().UnixNano(), 36), device: d.ID, cancel: cancel, done: make(chan struct{})}
	cr.rep = conformance.Report{Run: cr.id, Device: conformance.DeviceInfo{ID: d.ID, Root: d.Root, Model: d.Model},
		Plan: plan.Name, PlanVersion: plan.Version, Options: req.Options, State: conformance.Running, Started: time.Now().UTC(),
		Total: len(plan.Select(req.Options)), Results: []conformance.Result{}}
	cs.runs[cr.id] = cr
	s.pruneRunsLocked(cs, d.ID)
	cs.mu.Unlock()
	release := s.watch(d.ID)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(cr.done)
		defer release()
		defer cancel()
		go func() {
			select {
			case <-s.stop:
				cancel()
			case <-cr.done:
			}
		}()
		runner := &conformance.Runner{Plan: plan, Options: req.Options, Driver: &acsDriver{s: s, id: d.ID, run: cr.id},
			Progress: func(rep conformance.Report) {
				cr.mu.Lock()
				cr.rep = rep
				cr.mu.Unlock()
			}}
		rep := runner.Run(runCtx, cr.id)
		cr.mu.Lock()
		cr.rep = rep
		cr.mu.Unlock()
		select {
		case <-s.stop:
			confStates.Delete(s) // the server is closing: forget its runs
		default:
		}
	}()
	writeJSON(w, http.StatusAccepted, cr.report())
}

// pruneRunsLocked forgets a device's oldest finished runs beyond
// maxRunsPerDevice.
func (s *Server) pruneRunsLocked(cs *confState, device string) {
	var mine []*confRun
	for _, cr := range cs.runs {
		if cr.device == device {
			mine = append(mine, cr)
		}
	}
	slices.SortFunc(mine, func(a, b *confRun) int { return cmpStrings(b.id, a.id) })
	for i, cr := range mine {
		if i >= maxRunsPerDevice && cr.report().State != conformance.Running {
			delete(cs.runs, cr.id)
		}
	}
}

func cmpStrings(a, b string) int {
	switch {
	case len(a) != len(b):
		return len(a) - len(b)
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Server) findRun(w http.ResponseWriter, r *http.Request) *confRun {
	cs := s.conf()
	cs.mu.Lock()
	cr := cs.runs[r.PathValue("run")]
	cs.mu.Unlock()
	if cr == nil || cr.device != r.PathValue("id") {
		writeErr(w, http.StatusNotFound, &RuleError{Rule: "not-found", Msg: "conformance run not found"})
		return nil
	}
	return cr
}

func (s *Server) listConformanceRuns(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cs := s.conf()
	cs.mu.Lock()
	var runs []*confRun
	for _, cr := range cs.runs {
		if cr.device == id {
			runs = append(runs, cr)
		}
	}
	cs.mu.Unlock()
	slices.SortFunc(runs, func(a, b *confRun) int { return cmpStrings(b.id, a.id) })
	out := []conformance.Report{}
	for _, cr := range runs {
		rep := cr.report()
		rep.Results = nil
		out = append(out, rep)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getConformanceRun(w http.ResponseWriter, r *http.Request) {
	if cr := s.findRun(w, r); cr != nil {
		writeJSON(w, http.StatusOK, cr.report())
	}
}

func (s *Server) getConformanceJUnit(w http.ResponseWriter, r *http.Request) {
	if cr := s.findRun(w, r); cr != nil {
		rep := cr.report()
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_ = rep.WriteJUnit(w)
	}
}

func (s *Server) getConformanceHTML(w http.ResponseWriter, r *http.Request) {
	if cr := s.findRun(w, r); cr != nil {
		rep := cr.report()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = rep.WriteHTML(w)
	}
}

func (s *Server) cancelConformanceRun(w http.ResponseWriter, r *http.Request) {
	cr := s.findRun(w, r)
	if cr == nil {
		return
	}
	cr.cancel()
	select {
	case <-cr.done:
	case <-time.After(10 * time.Second):
	case <-r.Context().Done():
	}
	writeJSON(w, http.StatusOK, cr.report())
}

// acsDriver drives one device for a run (conformance.Driver).
type acsDriver struct {
	s   *Server
	id  string
	run string
}

func (d *acsDriver) binding(ctx context.Context) (*store.Device, *Binding, error) {
	dev, err := d.s.device(ctx, d.id)
	if err != nil {
		return nil, nil, err
	}
	b := BindDevice(dev)
	if b == nil {
		return nil, nil, errors.New("the device is bound to no known data model")
	}
	return dev, b, nil
}

func (d *acsDriver) Device(ctx context.Context) (conformance.DeviceInfo, error) {
	dev, b, err := d.binding(ctx)
	if err != nil {
		return conformance.DeviceInfo{}, err
	}
	return conformance.DeviceInfo{ID: dev.ID, Root: b.Root, Model: b.ModelName()}, nil
}

func (d *acsDriver) Lookup(path string) (*model.Entry, bool) {
	_, b, err := d.binding(context.Background())
	if err != nil {
		return nil, false
	}
	e, _, ok := b.Lookup(path)
	return e, ok
}

// rekick is how often a task still pending gets another connection
// request (the device may have ended its session as the task came).
const rekick = 5 * time.Second

func (d *acsDriver) Task(ctx context.Context, body []byte, complete bool, wait time.Duration) (conformance.TaskOutcome, error) {
	_, b, err := d.binding(ctx)
	if err != nil {
		return conformance.TaskOutcome{}, err
	}
	prep, rerr := prepareTask(body, b, d.s.fileURL(ctx))
	if rerr != nil {
		return conformance.TaskOutcome{}, rerr
	}
	spec, _ := json.Marshal(prep.spec)
	t := &store.Task{DeviceID: d.id, Name: prep.spec.Name, Spec: spec}
	if err := d.s.addTask(ctx, t); err != nil {
		return conformance.TaskOutcome{}, fmt.Errorf("storing the task: %w", err)
	}
	ids, err := d.await(ctx, []int64{t.ID}, complete, wait)
	if err != nil {
		return conformance.TaskOutcome{}, err
	}
	cur := ids[0]
	return conformance.TaskOutcome{ID: cur.ID, Status: cur.Status, CommandKey: commandKeyPrefix + strconv.FormatInt(cur.ID, 10),
		Result: cur.Result, FaultCode: cur.FaultCode, FaultString: cur.FaultString, Answered: cur.Updated}, nil
}

// await sends a connection request and waits for the tasks to be
// answered (with complete, done or failed); those still open at the
// deadline are cancelled.
func (d *acsDriver) await(ctx context.Context, ids []int64, complete bool, wait time.Duration) ([]*store.Task, error) {
	deadline := time.Now().Add(wait)
	d.s.kick(ctx, d.id)
	lastKick := time.Now()
	open := func(st string) bool {
		return st == store.TaskPending || complete && st == store.TaskWaiting
	}
	for {
		out := make([]*store.Task, len(ids))
		pending, waiting := false, false
		for i, id := range ids {
			t, err := d.s.st.Task(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("reading task %d: %w", id, err)
			}
			out[i] = t
			pending = pending || t.Status == store.TaskPending
			waiting = waiting || open(t.Status)
		}
		if !waiting || time.Now().After(deadline) || ctx.Err() != nil {
			for _, t := range out {
				if open(t.Status) {
					// Not left behind for a later session; the status
					// reported stays the one the deadline saw.
					_, _ = d.s.st.CancelTask(context.WithoutCancel(ctx), t.ID)
				}
			}
			return out, nil
		}
		if pending && time.Since(lastKick) > rekick {
			d.s.kick(ctx, d.id)
			lastKick = time.Now()
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func (d *acsDriver) ConnectionRequest(ctx context.Context) error {
	_, err := d.s.connectionRequest(ctx, d.id)
	return err
}

func (d *acsDriver) Informs(since time.Time) []conformance.Inform {
	return d.s.conf().informs(d.id, since)
}

func (d *acsDriver) Exchanges(since time.Time) []conformance.Exchange {
	return d.s.conf().exchanges(d.id, since)
}

func (d *acsDriver) Parameters(ctx context.Context, prefix string) ([]conformance.Parameter, error) {
	ps, err := d.s.st.Parameters(ctx, d.id, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]conformance.Parameter, len(ps))
	for i, p := range ps {
		out[i] = conformance.Parameter{Name: p.Name, Value: p.Value, HasValue: p.Type != "" || p.Value != "", Writable: p.Writable, Object: p.Object}
	}
	return out, nil
}

// Probe runs the ACS's probe (probe.go) as one batch of tasks.
func (d *acsDriver) Probe(ctx context.Context, wait time.Duration) ([]conformance.ProbeOutcome, error) {
	_, b, err := d.binding(ctx)
	if err != nil {
		return nil, err
	}
	params, err := d.s.st.Parameters(ctx, d.id, b.Root)
	if err != nil {
		return nil, err
	}
	if len(params) == 0 {
		return nil, errors.New("the device's tree is not discovered")
	}
	var ids []int64
	var specs []TaskSpec
	for _, spec := range probeSpecs(b, params) {
		spec.ProbeRun = "conformance-" + d.run
		raw, _ := json.Marshal(spec)
		if _, rerr := prepareTask(raw, b, d.s.fileURL(ctx)); rerr != nil {
			continue
		}
		t := &store.Task{DeviceID: d.id, Name: spec.Name, Spec: raw}
		if err := d.s.addTask(ctx, t); err != nil {
			return nil, fmt.Errorf("storing a probe task: %w", err)
		}
		ids = append(ids, t.ID)
		specs = append(specs, spec)
	}
	ts, err := d.await(ctx, ids, false, wait)
	if err != nil {
		return nil, err
	}
	var out []conformance.ProbeOutcome
	for i, t := range ts {
		spec := &specs[i]
		if len(spec.ExpectFault) == 0 {
			continue // a restore
		}
		po := conformance.ProbeOutcome{Check: spec.Probe, Method: spec.Name, Path: negativePath(spec), ExpectFault: spec.ExpectFault,
			Sent: t.Attempts > 0 || t.Status != store.TaskPending && t.Status != store.TaskCancelled}
		var res NegativeResult
		if t.Status == store.TaskDone && json.Unmarshal(t.Result, &res) == nil {
			po.Answered, po.Fault, po.FaultString, po.Conforms = true, res.Fault, res.String, res.Conforms
		}
		out = append(out, po)
	}
	return out, nil
}

func (d *acsDriver) PutFile(ctx context.Context, name string, data []byte) error {
	return d.s.st.PutFile(ctx, &store.File{Name: name, FileType: "3 Vendor Configuration File", Data: data})
}
