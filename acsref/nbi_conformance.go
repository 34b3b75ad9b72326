package acsref

// Conformance runs through the NBI: a plan (acsref/conformance) run
// against one device, driven by the ACS across the device's sessions.
// Runs are kept in the store (conformance_records.go); the process
// running one holds its live copy until it ends.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/model"
)

// The NBI routes of conformance runs and diagnostics (in the route table,
// routes.go).
func init() {
	notFoundRun := fail(404, "no such run of this device")
	notFoundDiag := fail(404, "no such diagnostic of this device")
	nbiRoutes = append(nbiRoutes,
		Route{Method: "GET", Pattern: "/conformance/plans", OperationID: "listConformancePlans", Tag: "conformance",
			Summary: "The built-in conformance plans (without their cases)", Responses: []Response{ok(200, []conformance.Plan{})},
			Handle: (*Server).listConformancePlans},
		Route{Method: "GET", Pattern: "/conformance/plans/{name}", OperationID: "getConformancePlan", Tag: "conformance",
			Summary: "One built-in plan with its cases", Responses: []Response{ok(200, conformance.Plan{}), fail(404, "no such plan")},
			Handle: (*Server).getConformancePlan},
		Route{Method: "POST", Pattern: "/devices/{id}/conformance-runs", OperationID: "postConformanceRun", Tag: "conformance",
			Summary: "Start a run of a plan against the device (driven across its sessions)", Body: jsonBody(ConformanceRunRequest{}),
			Responses: []Response{ok(202, conformance.Report{}), fail(400, "no plan, or a bad plan document or option"), notFoundDevice,
				fail(409, "the device is bound to no known model, not discovered yet, or already running a run")},
			Handle: (*Server).postConformanceRun},
		Route{Method: "GET", Pattern: "/devices/{id}/conformance-runs", OperationID: "listConformanceRuns", Tag: "conformance",
			Summary: "The device's runs, newest first, without their results", Responses: []Response{ok(200, []conformance.Report{})},
			Handle: (*Server).listConformanceRuns},
		Route{Method: "GET", Pattern: "/devices/{id}/conformance-runs/{run}", OperationID: "getConformanceRun", Tag: "conformance",
			Summary: "A run's progress and results", Responses: []Response{ok(200, conformance.Report{}), notFoundRun},
			Handle: (*Server).getConformanceRun},
		Route{Method: "GET", Pattern: "/devices/{id}/conformance-runs/{run}/junit", OperationID: "getConformanceJUnit", Tag: "conformance",
			Summary:   "A run's report as JUnit XML",
			Responses: []Response{{Status: 200, Body: &Body{Type: "", ContentType: "application/xml"}}, notFoundRun},
			Handle:    (*Server).getConformanceJUnit},
		Route{Method: "GET", Pattern: "/devices/{id}/conformance-runs/{run}/html", OperationID: "getConformanceHTML", Tag: "conformance",
			Summary:   "A run's report as a self-contained HTML page",
			Responses: []Response{{Status: 200, Body: &Body{Type: "", ContentType: "text/html"}}, notFoundRun},
			Handle:    (*Server).getConformanceHTML},
		Route{Method: "DELETE", Pattern: "/devices/{id}/conformance-runs/{run}", OperationID: "cancelConformanceRun", Tag: "conformance",
			Summary:   "Cancel a run; answers its report",
			Responses: []Response{ok(200, conformance.Report{}), notFoundRun, fail(409, "the run runs in another ACS process on the shared store: cancel it there")},
			Handle:    (*Server).cancelConformanceRun},
		Route{Method: "POST", Pattern: "/devices/{id}/diagnostics", OperationID: "postDiagnostic", Tag: "diagnostics", Access: AccessOperate,
			Summary: "Run a TR-143 or Wi-Fi diagnostic (IPPing, TraceRoute, DownloadDiagnostics, UploadDiagnostics, UDPEcho, ServerSelection, NeighboringWiFiDiagnostic), parameters checked against the model",
			Body:    jsonBody(DiagnosticRequest{}),
			Responses: []Response{ok(202, Diagnostic{}), fail(400, "an unknown diagnostic, or a parameter the model refuses"), notFoundDevice,
				fail(409, "the device is bound to no known model, or runs this diagnostic already")},
			Handle: (*Server).postDiagnostic},
		Route{Method: "GET", Pattern: "/devices/{id}/diagnostics", OperationID: "listDiagnostics", Tag: "diagnostics",
			Summary: "The device's diagnostics, newest first", Responses: []Response{ok(200, []Diagnostic{})},
			Handle: (*Server).listDiagnostics},
		Route{Method: "GET", Pattern: "/devices/{id}/diagnostics/{diag}", OperationID: "getDiagnostic", Tag: "diagnostics",
			Summary: "A diagnostic's state and typed results", Responses: []Response{ok(200, Diagnostic{}), notFoundDiag},
			Handle: (*Server).getDiagnostic},
	)
}

// ConformanceRunRequest is the body of POST /devices/{id}/conformance-runs:
// a built-in plan by name, or a plan document (a generated profile plan,
// say), or both (the document's cases follow the named plan's).
type ConformanceRunRequest struct {
	Plan         string              `json:"plan,omitempty"`
	PlanDocument *conformance.Plan   `json:"planDocument,omitempty"`
	Options      conformance.Options `json:"options"`
}

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

func (s *Server) listConformancePlans(w http.ResponseWriter, r *http.Request) error {
	out := []conformance.Plan{}
	for _, n := range conformance.BuiltinNames() {
		p, _ := conformance.Builtin(n)
		out = append(out, conformance.Plan{Name: p.Name, Version: p.Version, Title: p.Title})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getConformancePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := conformance.Builtin(r.PathValue("name"))
	if err != nil {
		return apiErr(http.StatusNotFound, RuleNotFound, err.Error())
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) postConformanceRun(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	body, err := readBounded(r, 16<<20)
	if err != nil {
		return bodyError(err)
	}
	var req ConformanceRunRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("body: " + err.Error())
	}
	var plan *conformance.Plan
	if req.Plan != "" {
		if plan, err = conformance.Builtin(req.Plan); err != nil {
			return badRequest(err.Error())
		}
	}
	if req.PlanDocument != nil {
		if err := req.PlanDocument.Validate(); err != nil {
			return badRequest("planDocument: " + err.Error())
		}
		if plan == nil {
			plan = req.PlanDocument
		} else {
			plan = conformance.Merge(plan, req.PlanDocument)
		}
	}
	if plan == nil {
		return badRequest(fmt.Sprintf("name a plan (built-in: %v) or give a planDocument", conformance.BuiltinNames()))
	}
	if err := req.Options.Validate(); err != nil {
		return badRequest(err.Error())
	}
	if BindDevice(d) == nil {
		return apiErr(http.StatusConflict, RuleUnboundModel, "the device is bound to no known data model")
	}
	if !d.Discovered {
		return apiErr(http.StatusConflict, RuleArgument, "the device has not been discovered yet: the cases read the device's tree")
	}
	cs := s.confs
	cs.mu.Lock()
	for _, cr := range cs.runs {
		if cr.device == d.ID && cr.report().State == conformance.Running {
			cs.mu.Unlock()
			return apiErr(http.StatusConflict, RuleConflict, "run "+cr.id+" of this device is still running")
		}
	}
	runCtx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	cr := &confRun{id: strconv.FormatInt(time.Now().UnixNano(), 36), device: d.ID, cancel: cancel, done: make(chan struct{})}
	cr.rep = conformance.Report{Run: cr.id, Device: conformance.DeviceInfo{ID: d.ID, Root: d.Root, Model: d.Model},
		Plan: plan.Name, PlanVersion: plan.Version, Options: req.Options, State: conformance.Running, Started: time.Now().UTC(),
		Total: len(plan.Select(req.Options)), Results: []conformance.Result{}}
	cs.runs[cr.id] = cr
	cs.mu.Unlock()
	if err := s.saveRun(ctx, cr.rep); err != nil {
		cs.mu.Lock()
		delete(cs.runs, cr.id)
		cs.mu.Unlock()
		cancel()
		return storeError(err, "conformance run")
	}
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
				_ = s.saveRun(runCtx, rep)
			}}
		stopKeeping := s.keepRecord(func() { _ = s.saveRun(runCtx, cr.report()) })
		rep := runner.Run(runCtx, cr.id)
		stopKeeping()
		cr.mu.Lock()
		cr.rep = rep
		cr.mu.Unlock()
		// Stored, the run is no longer this process's to keep.
		_ = s.saveRun(runCtx, rep)
		s.pruneRecords(store.RecordConformance, d.ID)
		cs.mu.Lock()
		delete(cs.runs, cr.id)
		cs.mu.Unlock()
	}()
	writeJSON(w, http.StatusAccepted, cr.report())
	return nil
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

// localRun is the run this process runs, nil if none (or another device's).
func (s *Server) localRun(device, id string) *confRun {
	cs := s.confs
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cr := cs.runs[id]; cr != nil && cr.device == device {
		return cr
	}
	return nil
}

// findRun is a run of the request's device: the live copy of a run this
// process runs, else the stored one.
func (s *Server) findRun(r *http.Request) (conformance.Report, error) {
	if cr := s.localRun(r.PathValue("id"), r.PathValue("run")); cr != nil {
		return cr.report(), nil
	}
	rep, err := s.storedRun(r.Context(), r.PathValue("id"), r.PathValue("run"))
	if err != nil {
		return rep, storeError(err, "conformance run")
	}
	return rep, nil
}

func (s *Server) listConformanceRuns(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	out := []conformance.Report{}
	err := s.storedRecords(r.Context(), store.RecordConformance, id, func(rec *store.RunRecord) error {
		var rep conformance.Report
		if err := json.Unmarshal(rec.Data, &rep); err != nil {
			return err
		}
		if cr := s.localRun(id, rep.Run); cr != nil {
			rep = cr.report()
		} else if s.orphaned(rec) {
			rep.State, rep.Error = conformance.Errored, orphanedMsg
		}
		rep.Results = nil
		out = append(out, rep)
		return nil
	})
	if err != nil {
		return storeError(err, "conformance runs")
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getConformanceRun(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.findRun(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) getConformanceJUnit(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.findRun(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_ = rep.WriteJUnit(w) // the answer has begun: a failed write is a client gone
	return nil
}

func (s *Server) getConformanceHTML(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.findRun(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = rep.WriteHTML(w) // the answer has begun: a failed write is a client gone
	return nil
}

// cancelConformanceRun cancels a run of this process. A run another
// process on a shared store runs is refused (409); one left running by a
// process that stopped is marked so.
func (s *Server) cancelConformanceRun(w http.ResponseWriter, r *http.Request) error {
	cr := s.localRun(r.PathValue("id"), r.PathValue("run"))
	if cr == nil {
		rep, err := s.findRun(r)
		if err != nil {
			return err
		}
		if rep.State == conformance.Running {
			return apiErr(http.StatusConflict, RuleConflict, "run "+rep.Run+" runs in another ACS process: cancel it there")
		}
		if rep.Error == orphanedMsg {
			_ = s.saveRun(r.Context(), rep)
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	cr.cancel()
	select {
	case <-cr.done:
	case <-time.After(10 * time.Second):
	case <-r.Context().Done():
	}
	writeJSON(w, http.StatusOK, cr.report())
	return nil
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
	return conformance.DeviceInfo{ID: dev.ID, Root: b.Root, Model: b.ModelName(), ACSURL: d.s.baseURL() + "/", TLS: d.s.secureEndpoints() != nil,
		CPEAuth: d.s.cwmpAuth != nil}, nil
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
	t := storedTask(d.id, prep)
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
	return d.s.confs.informs(d.id, since)
}

func (d *acsDriver) Exchanges(since time.Time) []conformance.Exchange {
	return d.s.confs.exchanges(d.id, since)
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
		prep, rerr := prepareTask(raw, b, d.s.fileURL(ctx))
		if rerr != nil {
			continue
		}
		t := storedTask(d.id, prep)
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
