package acsref

// TR-143 and Wi-Fi diagnostics as typed NBI operations: the ACS finds the
// diagnostic's object in the device's model (TR-181 and TR-098 paths
// differ), checks the parameters against the model, sets them with
// DiagnosticsState Requested, waits for the device's 8 DIAGNOSTICS
// COMPLETE, reads the object and answers its results typed by the model
// (numbers, booleans, strings). Diagnostics are kept in the store, like
// conformance runs (conformance_records.go); the process running one holds
// it in Server.diags until it ends. Routes are registered with the
// conformance ones (nbi_conformance.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// DiagnosticObjects maps each diagnostic type to its object under the
// root, per root object ("" where the model has none).
var DiagnosticObjects = map[string]map[string]string{
	"IPPing":                    {"Device.": "IP.Diagnostics.IPPing.", "InternetGatewayDevice.": "IPPingDiagnostics."},
	"TraceRoute":                {"Device.": "IP.Diagnostics.TraceRoute.", "InternetGatewayDevice.": "TraceRouteDiagnostics."},
	"DownloadDiagnostics":       {"Device.": "IP.Diagnostics.DownloadDiagnostics.", "InternetGatewayDevice.": "DownloadDiagnostics."},
	"UploadDiagnostics":         {"Device.": "IP.Diagnostics.UploadDiagnostics.", "InternetGatewayDevice.": "UploadDiagnostics."},
	"UDPEcho":                   {"Device.": "IP.Diagnostics.UDPEchoDiagnostics."},
	"ServerSelection":           {"Device.": "IP.Diagnostics.ServerSelectionDiagnostics."},
	"NeighboringWiFiDiagnostic": {"Device.": "WiFi.NeighboringWiFiDiagnostic."},
}

// DiagnosticRequest is the body of POST /devices/{id}/diagnostics: the
// type and its parameters by their names in the model ("Host",
// "NumberOfRepetitions"), values as JSON strings, numbers or booleans.
type DiagnosticRequest struct {
	Type       string         `json:"type"`
	Parameters map[string]any `json:"parameters"`
	// TimeoutSeconds bounds the wait for 8 DIAGNOSTICS COMPLETE (120 if 0).
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// Diagnostic states (the ACS's, not the device's DiagnosticsState).
const (
	DiagRunning  = "running"  // set up, waiting for the device
	DiagComplete = "complete" // 8 DIAGNOSTICS COMPLETE came and the results were read
	DiagFailed   = "failed"   // refused, no answer, or no completion in time
)

// Diagnostic is a diagnostic's progress and typed results.
type Diagnostic struct {
	ID         string         `json:"id"`
	Device     string         `json:"device"`
	Type       string         `json:"type"`
	Object     string         `json:"object"`
	Parameters map[string]any `json:"parameters"`
	State      string         `json:"state"`
	Error      string         `json:"error,omitempty"`
	// DiagnosticsState is the device's: Complete, or an Error_ value.
	DiagnosticsState string         `json:"diagnosticsState,omitempty"`
	Results          map[string]any `json:"results,omitempty"`
	Requested        time.Time      `json:"requested"`
	Completed        time.Time      `json:"completed,omitzero"`
}

// diagState holds the diagnostics this process runs (Server.diags).
type diagState struct {
	mu      sync.Mutex
	running map[string]*Diagnostic // by id
}

// localDiagnostic is a copy of a diagnostic this process runs, nil if none.
func localDiagnostic(s *Server, id string) *Diagnostic {
	s.diags.mu.Lock()
	defer s.diags.mu.Unlock()
	if d, ok := s.diags.running[id]; ok {
		c := *d
		return &c
	}
	return nil
}

func (s *Server) postDiagnostic(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	body, err := readBounded(r, 1<<20)
	if err != nil {
		return bodyError(err)
	}
	var req DiagnosticRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("body: " + err.Error())
	}
	b := BindDevice(d)
	if b == nil {
		return apiErr(http.StatusConflict, RuleUnboundModel, "the device is bound to no known data model")
	}
	objs, ok := DiagnosticObjects[req.Type]
	if !ok {
		var known []string
		for k := range DiagnosticObjects {
			known = append(known, k)
		}
		slices.Sort(known)
		return badRequest(fmt.Sprintf("unknown diagnostic type %q (known: %s)", req.Type, strings.Join(known, ", ")))
	}
	obj := b.Root + objs[b.Root]
	if e, _, ok := b.Lookup(obj); objs[b.Root] == "" || !ok || !e.Object {
		return &RuleError{Path: obj, Rule: RuleUnknownPath, Msg: req.Type + " is not in " + b.ModelName()}
	}
	// The parameters, checked against the model: writable parameters of
	// the diagnostic's object, values its syntax allows (prepareTask).
	var values [][]any
	names := make([]string, 0, len(req.Parameters))
	for n := range req.Parameters {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		path := obj + n
		e, _, ok := b.Lookup(path)
		switch {
		case n == "DiagnosticsState":
			return &RuleError{Path: path, Rule: RuleArgument, Msg: "the ACS sets DiagnosticsState itself"}
		case strings.Contains(n, ".") || !ok || e.Object:
			return &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "no such parameter of " + req.Type + " in " + b.ModelName()}
		}
		values = append(values, []any{path, req.Parameters[n], "xsd:" + string(e.Syntax.WireType())})
	}
	values = append(values, []any{obj + "DiagnosticsState", "Requested", "xsd:string"})
	set, _ := json.Marshal(TaskSpec{Name: "setParameterValues", ParameterValues: values})
	if _, rerr := prepareTask(set, b, s.fileURL(ctx)); rerr != nil {
		return rerr
	}
	diag := &Diagnostic{ID: strconv.FormatInt(time.Now().UnixNano(), 36), Device: d.ID, Type: req.Type, Object: obj,
		Parameters: req.Parameters, State: DiagRunning, Requested: time.Now().UTC()}
	s.diags.mu.Lock()
	for _, o := range s.diags.running {
		if o.Device == d.ID && o.State == DiagRunning {
			s.diags.mu.Unlock()
			return apiErr(http.StatusConflict, RuleConflict, "diagnostic "+o.ID+" of this device is still running")
		}
	}
	s.diags.running[diag.ID] = diag
	view := *diag
	s.diags.mu.Unlock()
	if err := s.saveDiagnostic(ctx, view); err != nil {
		s.diags.mu.Lock()
		delete(s.diags.running, diag.ID)
		s.diags.mu.Unlock()
		return storeError(err, "diagnostic")
	}
	wait := time.Duration(req.TimeoutSeconds) * time.Second
	if wait <= 0 {
		wait = 2 * time.Minute
	}
	release := s.watch(d.ID)
	ctx, cancel := context.WithTimeout(context.Background(), wait+time.Minute)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer release()
		defer cancel()
		go func() {
			select {
			case <-s.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		s.runDiagnostic(ctx, diag, set, wait)
	}()
	writeJSON(w, http.StatusAccepted, view)
	return nil
}

// runDiagnostic sets the diagnostic up, waits for 8 DIAGNOSTICS COMPLETE
// and reads the results.
func (s *Server) runDiagnostic(ctx context.Context, diag *Diagnostic, set []byte, wait time.Duration) {
	drv := &acsDriver{s: s, id: diag.Device, run: diag.ID}
	stopKeeping := s.keepRecord(func() {
		s.diags.mu.Lock()
		view := *diag
		s.diags.mu.Unlock()
		_ = s.saveDiagnostic(ctx, view)
	})
	finish := func(state, msg string, results map[string]any, devState string) {
		stopKeeping()
		s.diags.mu.Lock()
		diag.State, diag.Error, diag.Results, diag.DiagnosticsState = state, msg, results, devState
		diag.Completed = time.Now().UTC()
		view := *diag
		s.diags.mu.Unlock()
		// Stored, the diagnostic is no longer this process's to keep.
		_ = s.saveDiagnostic(ctx, view)
		s.pruneRecords(store.RecordDiagnostic, diag.Device)
		s.diags.mu.Lock()
		delete(s.diags.running, diag.ID)
		s.diags.mu.Unlock()
	}
	start := time.Now()
	out, err := drv.Task(ctx, set, false, wait)
	switch {
	case err != nil:
		finish(DiagFailed, "setting the diagnostic up: "+err.Error(), nil, "")
		return
	case out.Status != "done":
		finish(DiagFailed, fmt.Sprintf("SetParameterValues: task %s, fault %d %s", out.Status, out.FaultCode, out.FaultString), nil, "")
		return
	}
	deadline := start.Add(wait)
	for {
		done := false
		for _, in := range drv.Informs(start) {
			done = done || in.Has(cwmp.EventDiagnosticsComplete, "")
		}
		if done {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			finish(DiagFailed, "no Inform with 8 DIAGNOSTICS COMPLETE within "+wait.String(), nil, "")
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	get, _ := json.Marshal(TaskSpec{Name: "getParameterValues", ParameterNames: []string{diag.Object}})
	out, err = drv.Task(ctx, get, false, wait)
	if err != nil || out.Status != "done" {
		finish(DiagFailed, fmt.Sprintf("reading the results: task %s, fault %d %s %v", out.Status, out.FaultCode, out.FaultString, err), nil, "")
		return
	}
	var res struct{ ParameterValues [][3]string }
	_ = json.Unmarshal(out.Result, &res)
	results, devState := map[string]any{}, ""
	for _, v := range res.ParameterValues {
		rel, ok := strings.CutPrefix(v[0], diag.Object)
		if !ok {
			continue
		}
		if rel == "DiagnosticsState" {
			devState = v[1]
			continue
		}
		e, ok := drv.Lookup(v[0])
		if !ok || e.Object {
			results[rel] = v[1]
			continue
		}
		results[rel] = typedValue(e.Syntax, v[1])
	}
	state := DiagComplete
	msg := ""
	if devState != "Complete" && devState != "Completed" {
		state, msg = DiagFailed, "the device's DiagnosticsState is "+devState
	}
	finish(state, msg, results, devState)
}

// typedValue is a reported value as the JSON type its syntax gives:
// integers as numbers, booleans as booleans, the rest as text.
func typedValue(sx *model.Syntax, v string) any {
	if sx == nil || sx.List != nil {
		return v
	}
	switch sx.WireType() {
	case model.TypeUnsignedInt, model.TypeUnsignedLong:
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return n
		}
	case model.TypeInt, model.TypeLong:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case model.TypeBoolean:
		if b, err := model.ParseBool(v); err == nil {
			return b
		}
	}
	return v
}

func (s *Server) listDiagnostics(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	out := []Diagnostic{}
	err := s.storedRecords(r.Context(), store.RecordDiagnostic, id, func(rec *store.RunRecord) error {
		var d Diagnostic
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return err
		}
		if live := localDiagnostic(s, d.ID); live != nil {
			d = *live
		} else if s.orphaned(rec) {
			d.State, d.Error = DiagFailed, orphanedMsg
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return storeError(err, "diagnostics")
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getDiagnostic(w http.ResponseWriter, r *http.Request) error {
	if live := localDiagnostic(s, r.PathValue("diag")); live != nil && live.Device == r.PathValue("id") {
		writeJSON(w, http.StatusOK, *live)
		return nil
	}
	d, err := s.storedDiagnostic(r.Context(), r.PathValue("id"), r.PathValue("diag"))
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(http.StatusNotFound, RuleNotFound, "diagnostic not found")
	}
	if err != nil {
		return storeError(err, "diagnostic")
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
