package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/model"
)

// Driver is what the runner needs of an ACS and one device.
type Driver interface {
	// Device describes the device: its root object and bound model.
	Device(ctx context.Context) (DeviceInfo, error)
	// Lookup finds the bound model's entry for an instance path.
	Lookup(path string) (*model.Entry, bool)
	// Task queues an NBI task body, sends a connection request, and
	// waits up to wait for the device's answer (the task no longer
	// pending); with complete, until the task is done or failed (a
	// Download's TransferComplete, a Reboot's M Reboot Inform).
	Task(ctx context.Context, body []byte, complete bool, wait time.Duration) (TaskOutcome, error)
	// ConnectionRequest asks the device for a session.
	ConnectionRequest(ctx context.Context) error
	// Informs returns the Informs the device sent since t, oldest first.
	Informs(since time.Time) []Inform
	// Exchanges returns the SOAP messages exchanged with the device
	// since t, oldest first.
	Exchanges(since time.Time) []Exchange
	// Parameters returns the ACS's stored view of the device's tree
	// under prefix (names, values, writable flags).
	Parameters(ctx context.Context, prefix string) ([]Parameter, error)
	// Probe runs the ACS's negative tests and waits up to wait for them.
	Probe(ctx context.Context, wait time.Duration) ([]ProbeOutcome, error)
	// PutFile stores a file the ACS serves for Download.
	PutFile(ctx context.Context, name string, data []byte) error
}

// DeviceInfo is what the runner knows of the device at the start.
type DeviceInfo struct {
	ID    string `json:"id"`
	Root  string `json:"root"`  // "Device." or "InternetGatewayDevice."
	Model string `json:"model"` // "Device:2.19"
	// ACSURL is the ACS's CWMP URL (the device's ManagementServer.URL).
	ACSURL string `json:"acsURL,omitempty"`
	// TLS: the ACS can serve CWMP over TLS (its URL is https, or it has
	// a certificate for second endpoints).
	TLS bool `json:"tls,omitempty"`
	// CPEAuth: the ACS authenticates CPEs, so the device has credentials
	// of its own (the Digest cases leave them alone).
	CPEAuth bool `json:"cpeAuth,omitempty"`
}

// TaskOutcome is how a task ended.
type TaskOutcome struct {
	ID          int64           `json:"id"`
	Status      string          `json:"status"` // the ACS's: done, waiting, fault, pending (no answer), cancelled
	CommandKey  string          `json:"commandKey,omitempty"`
	Result      json.RawMessage `json:"result,omitempty"`
	FaultCode   int             `json:"faultCode,omitempty"`
	FaultString string          `json:"faultString,omitempty"`
	Answered    time.Time       `json:"answered"`
}

// Inform is an Inform the device sent.
type Inform struct {
	Time       time.Time         `json:"time"`
	Events     []Event           `json:"events"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Event is one EventStruct of an Inform.
type Event struct {
	Code       string `json:"code"`
	CommandKey string `json:"commandKey,omitempty"`
}

// Has reports whether the Inform holds event code (with key, for "M "
// events, when key is not "").
func (in *Inform) Has(code, key string) bool {
	for _, e := range in.Events {
		if e.Code == code && (key == "" || !strings.HasPrefix(code, "M ") || e.CommandKey == key) {
			return true
		}
	}
	return false
}

// answers reports whether the Inform holds an "M <Method>" event with key.
func (in *Inform) answers(key string) bool {
	for _, e := range in.Events {
		if strings.HasPrefix(e.Code, "M ") && e.CommandKey == key {
			return true
		}
	}
	return false
}

func (in *Inform) eventList() string {
	var parts []string
	for _, e := range in.Events {
		s := e.Code
		if e.CommandKey != "" {
			s += " (" + e.CommandKey + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// Exchange is one SOAP message between the ACS and the device.
type Exchange struct {
	Time      time.Time `json:"time"`
	Direction string    `json:"direction"` // "ACS→CPE" or "CPE→ACS"
	Method    string    `json:"method"`
	ID        string    `json:"id,omitempty"`     // the cwmp:ID header
	Cookie    *bool     `json:"cookie,omitempty"` // a CPE's request came with the ACS's session cookie
	SOAP      string    `json:"soap"`             // clipped
}

// Parameter is one stored parameter or object.
type Parameter struct {
	Name     string `json:"name"`
	Value    string `json:"value,omitempty"`
	HasValue bool   `json:"hasValue,omitempty"`
	Writable *bool  `json:"writable,omitempty"`
	Object   bool   `json:"object,omitempty"`
}

// ProbeOutcome is one negative test of a probe.
type ProbeOutcome struct {
	Check       string `json:"check"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	ExpectFault []int  `json:"expectFault"`
	Fault       int    `json:"fault"`
	FaultString string `json:"faultString,omitempty"`
	Answered    bool   `json:"answered"`
	// Sent: the RPC went to the device (answered or not); a check never
	// sent was not reached (an earlier one left the device silent).
	Sent     bool `json:"sent"`
	Conforms bool `json:"conforms"`
}

// Case outcomes.
const (
	Pass          = "pass"
	Fail          = "fail"
	Skipped       = "skipped"
	NotApplicable = "notApplicable"
)

// Result is one case's outcome.
type Result struct {
	Case      string    `json:"case"`
	Area      string    `json:"area"`
	Purpose   string    `json:"purpose"`
	Refs      []string  `json:"refs"`
	Condition string    `json:"condition"`
	Status    string    `json:"status"`
	Expected  string    `json:"expected,omitempty"`
	Observed  string    `json:"observed,omitempty"`
	Reason    string    `json:"reason,omitempty"` // why skipped or not applicable
	Started   time.Time `json:"started"`
	Seconds   float64   `json:"seconds"`
	// Evidence is the RPC exchange that shows a failure (clipped to the
	// last maxEvidence messages of the case).
	Evidence []Exchange `json:"evidence,omitempty"`
}

// Counts sums a report's results.
type Counts struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Skipped       int `json:"skipped"`
	NotApplicable int `json:"notApplicable"`
}

// Report is a run's progress and results.
type Report struct {
	Run         string     `json:"run"`
	Device      DeviceInfo `json:"device"`
	Plan        string     `json:"plan"`
	PlanVersion string     `json:"planVersion"`
	Options     Options    `json:"options"`
	State       string     `json:"state"` // running, finished, cancelled, error
	Error       string     `json:"error,omitempty"`
	Started     time.Time  `json:"started"`
	Finished    time.Time  `json:"finished,omitzero"`
	Total       int        `json:"total"`
	Done        int        `json:"done"`
	Current     string     `json:"current,omitempty"` // the case running
	Counts      Counts     `json:"counts"`
	Methods     []string   `json:"methods,omitempty"`  // GetRPCMethods' answer
	Profiles    []string   `json:"profiles,omitempty"` // declared or selected
	Results     []Result   `json:"results"`
}

// Run states.
const (
	Running   = "running"
	Finished  = "finished"
	Cancelled = "cancelled"
	Errored   = "error"
)

// maxEvidence bounds the messages kept as a failure's evidence.
const maxEvidence = 16

// Runner executes a plan against one device.
type Runner struct {
	Plan    *Plan
	Options Options
	Driver  Driver
	// Progress, if set, receives a copy of the report after each case.
	Progress func(Report)
	// Now replaces the clock (tests); time.Now if nil.
	Now func() time.Time

	rep      Report
	dev      DeviceInfo
	methods  []string
	rpcErr   string // why GetRPCMethods gave no list
	rpcEv    []Exchange
	profiles map[string]bool
	probes   []ProbeOutcome
	probeErr error
	probed   bool
	probeEv  []Exchange
	// refreshed: the profile cases had the ACS read the tree again.
	refreshed  bool
	refreshErr string
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run runs the plan and returns the report; ctx ends it early (state
// cancelled).
func (r *Runner) Run(ctx context.Context, runID string) Report {
	r.rep = Report{Run: runID, Plan: r.Plan.Name, PlanVersion: r.Plan.Version, Options: r.Options, State: Running,
		Started: r.now().UTC(), Results: []Result{}}
	cases := r.Plan.Select(r.Options)
	r.rep.Total = len(cases)
	dev, err := r.Driver.Device(ctx)
	if err != nil {
		return r.finish(Errored, err.Error())
	}
	r.dev, r.rep.Device = dev, dev
	r.learn(ctx)
	r.report()
	for _, c := range cases {
		if ctx.Err() != nil {
			return r.finish(Cancelled, "")
		}
		r.rep.Current = c.ID
		r.report()
		res := r.runCase(ctx, c)
		// A case the cancellation cut short has no verdict: whatever
		// it failed to read (a task's answer, the stored tree) says
		// nothing about the device. Only a pass is kept.
		if ctx.Err() != nil && res.Status != Pass {
			return r.finish(Cancelled, "")
		}
		r.rep.Results = append(r.rep.Results, res)
		r.rep.Done++
		switch res.Status {
		case Pass:
			r.rep.Counts.Pass++
		case Fail:
			r.rep.Counts.Fail++
		case Skipped:
			r.rep.Counts.Skipped++
		case NotApplicable:
			r.rep.Counts.NotApplicable++
		}
		r.report()
	}
	return r.finish(Finished, "")
}

func (r *Runner) finish(state, msg string) Report {
	r.rep.State, r.rep.Error, r.rep.Current = state, msg, ""
	r.rep.Finished = r.now().UTC()
	r.report()
	return r.rep
}

func (r *Runner) report() {
	if r.Progress != nil {
		c := r.rep
		c.Results = slices.Clone(r.rep.Results)
		r.Progress(c)
	}
}

// learn asks the device what it declares: its RPCs (GetRPCMethods) and
// profiles (DeviceSummary, for the models that have it, and the run's
// selection).
func (r *Runner) learn(ctx context.Context) {
	start := r.now()
	out, err := r.Driver.Task(ctx, []byte(`{"name":"getRPCMethods"}`), false, r.Options.stepTimeout())
	r.rpcEv = r.Driver.Exchanges(start)
	switch {
	case err != nil:
		r.rpcErr = err.Error()
	case out.Status == "fault":
		r.rpcErr = fmt.Sprintf("GetRPCMethods answered fault %d %s", out.FaultCode, out.FaultString)
	case out.Status != "done":
		r.rpcErr = "GetRPCMethods got no answer within " + r.Options.stepTimeout().String() + " (task " + out.Status + ")"
	default:
		var res struct{ Methods []string }
		if json.Unmarshal(out.Result, &res) != nil {
			r.rpcErr = "GetRPCMethods result unreadable"
		}
		r.methods = res.Methods
		r.rep.Methods = res.Methods
	}
	r.profiles = map[string]bool{}
	for _, p := range r.Options.Profiles {
		r.profiles[p] = true
	}
	if ps, err := r.Driver.Parameters(ctx, r.dev.Root+"DeviceSummary"); err == nil {
		for _, p := range ps {
			if p.Name == r.dev.Root+"DeviceSummary" {
				for _, name := range DeclaredProfiles(p.Value) {
					r.profiles[name] = true
				}
			}
		}
	}
	for p := range r.profiles {
		r.rep.Profiles = append(r.rep.Profiles, p)
	}
	slices.Sort(r.rep.Profiles)
}

// DeclaredProfiles reads the profiles a DeviceSummary declares
// ("InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1), VoiceService:1.0[1](Endpoint:1)").
func DeclaredProfiles(summary string) []string {
	var out []string
	for {
		i := strings.IndexByte(summary, '(')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(summary[i:], ')')
		if j < 0 {
			return out
		}
		for p := range strings.SplitSeq(summary[i+1:i+j], ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		summary = summary[i+j+1:]
	}
}

// applies says whether a case applies to the device, and why not.
func (r *Runner) applies(ctx context.Context, c *Case) (status, reason string) {
	v := c.Condition.Value
	switch c.Condition.Kind {
	case IfRPC:
		if r.methods == nil {
			return Skipped, "the condition needs GetRPCMethods, which failed: " + r.rpcErr
		}
		if !slices.Contains(r.methods, v) {
			return NotApplicable, "the device does not list " + v + " in GetRPCMethods"
		}
	case IfProfile:
		if !r.profiles[v] {
			return NotApplicable, "the device declares no profile " + v + " and the run selects none"
		}
	case IfDataModel:
		if !strings.HasPrefix(r.dev.Model, v) {
			return NotApplicable, "the device's model is " + r.dev.Model + ", not " + v
		}
	case IfACS:
		if v == "tls" && !r.dev.TLS {
			return NotApplicable, "the ACS has no TLS certificate (its CWMP URL is " + r.dev.ACSURL + "): give it one the device trusts"
		}
	case IfParameter:
		ps, err := r.Driver.Parameters(ctx, r.dev.Root+v)
		if err != nil || len(ps) == 0 {
			return NotApplicable, "the device does not report " + r.dev.Root + v
		}
	}
	for _, d := range c.destructive() {
		if !r.Options.allows(d) {
			return Skipped, "the case needs the destructive step " + d + ", which the run does not allow (options.allow)"
		}
	}
	return "", ""
}

// caseState is what the steps of one case share.
type caseState struct {
	start    time.Time
	lastTask *TaskOutcome
	taskSent time.Time
	// connReq is when the case's last connection request went out (zero
	// if it sent none): an Inform awaited after one asks again.
	connReq time.Time
	file    string
	inform  *Inform // the last awaited Inform
}

// failure is a step's failed expectation.
type failure struct {
	expected, observed string
	na                 string // the step found nothing to check: not applicable
	skip               string // the step could not run: skipped
}

func (f *failure) Error() string { return f.observed }

func (r *Runner) runCase(ctx context.Context, c Case) (res Result) {
	res = Result{Case: c.ID, Area: c.Area, Purpose: c.Purpose, Refs: c.Refs, Condition: c.Condition.String(), Started: r.now().UTC()}
	// (res is the named result: the deferred time lands in what is returned.)
	defer func() { res.Seconds = r.now().Sub(res.Started).Seconds() }()
	if st, why := r.applies(ctx, &c); st != "" {
		res.Status, res.Reason = st, why
		return res
	}
	cs := &caseState{start: r.now()}
	for i := range c.Steps {
		f := r.step(ctx, &c.Steps[i], cs)
		if f == nil {
			continue
		}
		switch {
		case f.na != "":
			res.Status, res.Reason = NotApplicable, f.na
		case f.skip != "":
			res.Status, res.Reason = Skipped, f.skip
		default:
			res.Status, res.Expected, res.Observed = Fail, f.expected, f.observed
			res.Evidence = clipEvidence(r.evidence(&c, cs))
		}
		return res
	}
	res.Status = Pass
	return res
}

// evidence is the exchange of a case: its own messages, or those of the
// shared GetRPCMethods and probe batches it judged.
func (r *Runner) evidence(c *Case, cs *caseState) []Exchange {
	if len(c.Steps) == 1 {
		switch c.Steps[0].Op {
		case OpRPCMethods:
			return r.rpcEv
		case OpProbe:
			return r.probeEv
		}
	}
	return r.Driver.Exchanges(cs.start)
}

func clipEvidence(ex []Exchange) []Exchange {
	if len(ex) > maxEvidence {
		ex = ex[len(ex)-maxEvidence:]
	}
	return ex
}

func (r *Runner) within(s *Step) time.Duration {
	if s.WithinSeconds > 0 {
		return time.Duration(s.WithinSeconds) * time.Second
	}
	return r.Options.stepTimeout()
}

func (r *Runner) step(ctx context.Context, s *Step, cs *caseState) *failure {
	switch s.Op {
	case OpRPCMethods:
		if r.methods == nil {
			return &failure{expected: "a GetRPCMethodsResponse listing the required CPE methods", observed: r.rpcErr}
		}
		var missing []string
		for _, m := range RequiredCPEMethods {
			if !slices.Contains(r.methods, m) {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			return &failure{expected: "every required CPE method: " + strings.Join(RequiredCPEMethods, ", "),
				observed: "missing " + strings.Join(missing, ", ") + " (listed: " + strings.Join(r.methods, ", ") + ")"}
		}
	case OpConnectionRequest:
		// The device may inform before the request's answer comes back.
		cs.taskSent, cs.lastTask, cs.connReq = r.now(), nil, r.now()
		if err := r.Driver.ConnectionRequest(ctx); err != nil {
			return &failure{expected: "the connection request accepted (HTTP 200 or 204)", observed: err.Error()}
		}
	case OpRPC:
		return r.rpcStep(ctx, s, cs)
	case OpAwaitInform:
		return r.awaitInform(ctx, s, cs)
	case OpPutFile:
		cs.file = "dmforge-conformance-" + strconv.FormatInt(r.now().UnixNano(), 36) + ".bin"
		data := make([]byte, max(s.Size, 1))
		for i := range data {
			data[i] = byte('a' + i%26)
		}
		if err := r.Driver.PutFile(ctx, cs.file, data); err != nil {
			return &failure{skip: "the ACS could not store the file to download: " + err.Error()}
		}
	case OpForcedInform:
		return r.forcedInform(ctx, cs)
	case OpProbe:
		return r.probeStep(ctx, s)
	case OpPeriodic:
		return r.periodic(ctx, s, cs)
	case OpProfile:
		return r.profileStep(ctx, s)
	case OpDiagnostic:
		return r.diagnosticStep(ctx, s, cs)
	case OpSession:
		return r.sessionStep(s, cs)
	case OpEndpoint:
		return r.endpointStep(ctx, s, cs)
	}
	return nil
}

// sessionStep judges the case's HTTP/SOAP exchange: every POST of the
// device after its Inform came with the session cookie (cookie), or
// every answer carried its request's cwmp:ID (id).
func (r *Runner) sessionStep(s *Step, cs *caseState) *failure {
	ex := r.Driver.Exchanges(cs.start)
	checked := 0
	for i, e := range ex {
		switch {
		case s.Check == "cookie" && e.Direction == "CPE→ACS" && e.Method != "Inform" && e.Cookie != nil:
			checked++
			if !*e.Cookie {
				return &failure{expected: "the session cookie with every POST after the Inform", observed: "the device's " + e.Method + " came without it"}
			}
		case s.Check == "id" && e.Direction == "ACS→CPE" && e.ID != "":
			// The device's next message answers it.
			for _, a := range ex[i+1:] {
				if a.Direction != "CPE→ACS" {
					continue
				}
				checked++
				if a.ID != e.ID {
					return &failure{expected: fmt.Sprintf("the answer to %s with cwmp:ID %q", e.Method, e.ID), observed: fmt.Sprintf("%s with cwmp:ID %q", a.Method, a.ID)}
				}
				break
			}
		}
	}
	if checked == 0 {
		return &failure{skip: "the case saw no exchange to judge"}
	}
	return nil
}

// diagnosticStep sets a diagnostic's parameters with DiagnosticsState
// Requested, waits for 8 DIAGNOSTICS COMPLETE, reads the object and
// judges its state and results.
func (r *Runner) diagnosticStep(ctx context.Context, s *Step, cs *caseState) *failure {
	d := s.Diagnostic
	obj := r.dev.Root + d.Object
	var values [][]any
	names := make([]string, 0, len(d.Parameters))
	for n := range d.Parameters {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		typ := "xsd:string"
		if e, ok := r.Driver.Lookup(obj + n); ok && e.Syntax != nil {
			typ = "xsd:" + string(e.Syntax.WireType())
		}
		values = append(values, []any{obj + n, d.Parameters[n], typ})
	}
	values = append(values, []any{obj + "DiagnosticsState", "Requested", "xsd:string"})
	set, _ := json.Marshal(map[string]any{"name": "setParameterValues", "parameterValues": values})
	step := Step{Op: OpRPC, Task: set}
	if f := r.rpcStep(ctx, &step, cs); f != nil {
		return f
	}
	cs.lastTask = nil // the event carries no CommandKey
	if f := r.awaitInform(ctx, &Step{Op: OpAwaitInform, Events: []string{"8 DIAGNOSTICS COMPLETE"}}, cs); f != nil {
		return f
	}
	get, _ := json.Marshal(map[string]any{"name": "getParameterValues", "parameterNames": []string{obj}})
	out, err := r.Driver.Task(ctx, get, false, r.Options.stepTimeout())
	if err != nil || out.Status != "done" {
		return &failure{expected: "the diagnostic's results read", observed: fmt.Sprintf("GetParameterValues: task %s, fault %d %s %v", out.Status, out.FaultCode, out.FaultString, err)}
	}
	var res struct{ ParameterValues [][3]string }
	_ = json.Unmarshal(out.Result, &res)
	got := map[string]string{}
	var bad []string
	for _, v := range res.ParameterValues {
		got[strings.TrimPrefix(v[0], obj)] = v[1]
		// The results (read-only); the inputs the device holds are the
		// profile cases' business.
		if e, ok := r.Driver.Lookup(v[0]); ok && !e.Object && e.Syntax != nil && !e.Access.Writable() {
			if err := model.CheckValue(e.Syntax, v[1]); err != nil && !(v[1] == "" && hiddenValue(v[0])) {
				bad = append(bad, fmt.Sprintf("%s = %q: %s", v[0], v[1], err.Msg))
			}
		}
	}
	if st := got["DiagnosticsState"]; st != "Complete" {
		return &failure{expected: obj + "DiagnosticsState Complete", observed: fmt.Sprintf("%q", st)}
	}
	for _, n := range d.NonZero {
		if v := got[n]; v == "" || v == "0" {
			return &failure{expected: obj + n + " above 0", observed: fmt.Sprintf("%q", v)}
		}
	}
	if len(bad) > 0 {
		return &failure{expected: "results the model allows", observed: strings.Join(bad[:min(len(bad), 10)], "; ")}
	}
	return nil
}

func (r *Runner) taskBody(s *Step, cs *caseState) []byte {
	b := strings.ReplaceAll(string(s.Task), "{root}", r.dev.Root)
	return []byte(strings.ReplaceAll(b, "{file}", cs.file))
}

func (r *Runner) rpcStep(ctx context.Context, s *Step, cs *caseState) *failure {
	cs.taskSent = r.now()
	var name struct{ Name string }
	_ = json.Unmarshal(s.Task, &name)
	out, err := r.Driver.Task(ctx, r.taskBody(s, cs), s.Judge == JudgeComplete, r.within(s))
	if err != nil {
		return &failure{expected: name.Name + " sent to the device", observed: "the ACS refused the task: " + err.Error()}
	}
	cs.lastTask = &out
	switch {
	case out.Status == "pending" || out.Status == "cancelled":
		return &failure{expected: "an answer to " + name.Name + " within " + r.within(s).String(), observed: "no answer (the device did not come, or dropped the session)"}
	case s.Judge == JudgeSupported:
		if out.Status == "fault" && out.FaultCode == 9000 {
			return &failure{expected: name.Name + " supported (the device lists it in GetRPCMethods)", observed: "fault 9000 " + out.FaultString}
		}
		return nil
	case out.Status == "fault":
		return &failure{expected: name.Name + " answered without fault", observed: fmt.Sprintf("fault %d %s", out.FaultCode, out.FaultString)}
	case s.Judge == JudgeComplete && out.Status != "done":
		return &failure{expected: name.Name + " completed within " + r.within(s).String(), observed: "the task is still " + out.Status + " (no completion from the device)"}
	case s.Judge == JudgePartialPath:
		return r.judgePartialPath(ctx, out)
	case s.Judge == JudgeNextLevel:
		return r.judgeNextLevel(ctx, out)
	}
	return nil
}

func (r *Runner) judgePartialPath(ctx context.Context, out TaskOutcome) *failure {
	var res struct{ ParameterValues [][3]string }
	if err := json.Unmarshal(out.Result, &res); err != nil {
		return &failure{expected: "a GetParameterValuesResponse", observed: "unreadable result: " + err.Error()}
	}
	prefix := r.dev.Root + "DeviceInfo."
	got := map[string]bool{}
	for _, v := range res.ParameterValues {
		if !strings.HasPrefix(v[0], prefix) {
			return &failure{expected: "parameters under " + prefix + " only", observed: "the answer holds " + v[0]}
		}
		got[v[0]] = true
	}
	stored, err := r.Driver.Parameters(ctx, prefix)
	if err != nil {
		return &failure{skip: "the ACS's stored tree is unreadable: " + err.Error()}
	}
	var missing []string
	n := 0
	for _, p := range stored {
		if p.Object || strings.HasSuffix(p.Name, ".") {
			continue
		}
		n++
		if !got[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	if len(got) == 0 {
		return &failure{expected: "every parameter under " + prefix, observed: "an empty ParameterList"}
	}
	if len(missing) > 0 {
		return &failure{expected: fmt.Sprintf("every parameter under %s (%d the device reported in GetParameterNames)", prefix, n),
			observed: fmt.Sprintf("%d missing, e.g. %s", len(missing), strings.Join(missing[:min(5, len(missing))], ", "))}
	}
	return nil
}

func (r *Runner) judgeNextLevel(ctx context.Context, out TaskOutcome) *failure {
	var res struct {
		Parameters []struct{ Name string }
	}
	if err := json.Unmarshal(out.Result, &res); err != nil {
		return &failure{expected: "a GetParameterNamesResponse", observed: "unreadable result: " + err.Error()}
	}
	if len(res.Parameters) == 0 {
		return &failure{expected: "the direct children of " + r.dev.Root, observed: "an empty ParameterList"}
	}
	for _, p := range res.Parameters {
		rest, ok := strings.CutPrefix(p.Name, r.dev.Root)
		if !ok || rest == "" || strings.Contains(strings.TrimSuffix(rest, "."), ".") {
			return &failure{expected: "the direct children of " + r.dev.Root + " only (NextLevel true)", observed: fmt.Sprintf("%d names, among them %s", len(res.Parameters), p.Name)}
		}
	}
	return nil
}

func (r *Runner) awaitInform(ctx context.Context, s *Step, cs *caseState) *failure {
	key := ""
	if cs.lastTask != nil {
		key = cs.lastTask.CommandKey
	}
	since := cs.start
	if !cs.taskSent.IsZero() {
		since = cs.taskSent
	}
	want := strings.Join(s.Events, " + ")
	if key != "" {
		want += " (CommandKey " + key + ")"
	}
	deadline := r.now().Add(r.within(s))
	for {
		informs := r.Driver.Informs(since)
		for i := range informs {
			in := &informs[i]
			ok := true
			for _, ev := range s.Events {
				ok = ok && in.Has(ev, key)
			}
			if !ok {
				if key != "" && in.answers(key) {
					// The device reported the method's outcome without
					// the events that must come with it: no later Inform
					// will.
					return &failure{expected: "an Inform with " + want, observed: "an Inform with " + in.eventList()}
				}
				continue
			}
			cs.inform = in
			if s.NotBeforeSeconds > 0 && cs.lastTask != nil && in.Time.Sub(cs.lastTask.Answered) < time.Duration(s.NotBeforeSeconds)*time.Second-250*time.Millisecond {
				return &failure{expected: fmt.Sprintf("an Inform with %s no earlier than %ds after the request", want, s.NotBeforeSeconds),
					observed: fmt.Sprintf("it came %.1fs after", in.Time.Sub(cs.lastTask.Answered).Seconds())}
			}
			return nil
		}
		if r.now().After(deadline) || ctx.Err() != nil {
			var seen []string
			for _, in := range informs {
				seen = append(seen, "["+in.eventList()+"]")
			}
			obs := "no Inform from the device"
			if len(seen) > 0 {
				obs = "Informs with " + strings.Join(seen, ", ")
			}
			return &failure{expected: "an Inform with " + want + " within " + r.within(s).String(), observed: obs}
		}
		if !cs.connReq.IsZero() && r.now().Sub(cs.connReq) >= connReqRetry {
			// A device still ending its last session may take a
			// connection request and start no new one: ask again, as
			// the ACS does for its tasks.
			cs.connReq = r.now()
			_ = r.Driver.ConnectionRequest(ctx)
		}
		if sleep(ctx, 100*time.Millisecond) != nil {
			return &failure{expected: "an Inform with " + want, observed: "the run was cancelled"}
		}
	}
}

// connReqRetry is how long an Inform awaited after a connection request
// may keep the runner waiting before it sends another.
const connReqRetry = 5 * time.Second

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *Runner) forcedInform(ctx context.Context, cs *caseState) *failure {
	if cs.inform == nil {
		return &failure{skip: "no Inform to check"}
	}
	stored, err := r.Driver.Parameters(ctx, r.dev.Root)
	if err != nil {
		return &failure{skip: "the ACS's stored tree is unreadable: " + err.Error()}
	}
	var want, missing []string
	for _, p := range stored {
		if p.Object {
			continue
		}
		e, ok := r.Driver.Lookup(p.Name)
		if !ok || e.Object || !e.ForcedInform {
			continue
		}
		want = append(want, p.Name)
		if _, ok := cs.inform.Parameters[p.Name]; !ok {
			missing = append(missing, p.Name)
		}
	}
	if len(want) == 0 {
		return &failure{na: "the ACS knows none of the device's forced-inform parameters (not discovered?)"}
	}
	if len(missing) > 0 {
		return &failure{expected: "the forced-inform parameters " + strings.Join(want, ", "), observed: "the Inform lacks " + strings.Join(missing, ", ")}
	}
	return nil
}

func (r *Runner) probeStep(ctx context.Context, s *Step) *failure {
	if !r.probed {
		r.probed = true
		start := r.now()
		r.probes, r.probeErr = r.Driver.Probe(ctx, 2*r.Options.stepTimeout())
		r.probeEv = r.Driver.Exchanges(start)
	}
	if r.probeErr != nil {
		return &failure{skip: "the probe could not run: " + r.probeErr.Error()}
	}
	var mine []ProbeOutcome
	for _, p := range r.probes {
		if p.Check == s.Check {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return &failure{na: "the device's tree offers no parameter or object this check applies to"}
	}
	for _, p := range mine {
		want := fmt.Sprintf("%s of %s refused with fault %s", p.Method, p.Path, codes(p.ExpectFault))
		switch {
		case !p.Answered && !p.Sent:
			return &failure{skip: "not reached: the device answered no earlier check of the probe in time"}
		case !p.Answered:
			return &failure{expected: want, observed: "no answer (the device dropped the session or stayed silent)"}
		case !p.Conforms && p.Fault == 0:
			return &failure{expected: want, observed: "accepted"}
		case !p.Conforms:
			return &failure{expected: want, observed: fmt.Sprintf("fault %d %s", p.Fault, p.FaultString)}
		}
	}
	return nil
}

func codes(cs []int) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, strconv.Itoa(c))
	}
	return strings.Join(parts, " or ")
}

// periodic sets PeriodicInformEnable true and PeriodicInformInterval to
// the step's interval, times three Informs with 2 PERIODIC, and puts the
// old values back.
func (r *Runner) periodic(ctx context.Context, s *Step, cs *caseState) (f *failure) {
	n := s.IntervalSeconds
	if n == 0 {
		n = r.Options.PeriodicIntervalSeconds
	}
	if n == 0 {
		n = 10
	}
	ms := r.dev.Root + "ManagementServer."
	old, err := r.Driver.Parameters(ctx, ms+"PeriodicInform")
	if err != nil {
		return &failure{skip: "the ACS's stored tree is unreadable: " + err.Error()}
	}
	var restore [][]any
	for _, p := range old {
		if (p.Name == ms+"PeriodicInformEnable" || p.Name == ms+"PeriodicInformInterval") && p.HasValue {
			typ := "xsd:unsignedInt"
			if strings.HasSuffix(p.Name, "Enable") {
				typ = "xsd:boolean"
			}
			restore = append(restore, []any{p.Name, p.Value, typ})
		}
	}
	set, _ := json.Marshal(map[string]any{"name": "setParameterValues", "parameterValues": [][]any{
		{ms + "PeriodicInformEnable", "true", "xsd:boolean"}, {ms + "PeriodicInformInterval", strconv.Itoa(n), "xsd:unsignedInt"}}})
	out, err := r.Driver.Task(ctx, set, false, r.Options.stepTimeout())
	if err != nil {
		return &failure{expected: "PeriodicInformInterval set", observed: "the ACS refused the task: " + err.Error()}
	}
	if out.Status != "done" {
		return &failure{expected: "SetParameterValues of PeriodicInformEnable and PeriodicInformInterval accepted", observed: fmt.Sprintf("task %s, fault %d %s", out.Status, out.FaultCode, out.FaultString)}
	}
	if len(restore) > 0 {
		defer func() {
			body, _ := json.Marshal(map[string]any{"name": "setParameterValues", "parameterValues": restore})
			// Best effort: the old interval may be long, so the
			// restore waits for the next Inform at most one step.
			_, _ = r.Driver.Task(context.WithoutCancel(ctx), body, false, r.Options.stepTimeout())
		}()
	}
	since := r.now()
	interval := time.Duration(n) * time.Second
	deadline := since.Add(3*interval + r.Options.stepTimeout())
	tolerance := max(time.Second, interval/5)
	for {
		var times []time.Time
		for _, in := range r.Driver.Informs(since) {
			if in.Has("2 PERIODIC", "") {
				times = append(times, in.Time)
			}
		}
		if len(times) >= 3 {
			// The first may be aligned to PeriodicInformTime; the gap
			// between the second and third is the interval.
			gap := times[2].Sub(times[1])
			if gap < interval-tolerance || gap > interval+tolerance {
				return &failure{expected: fmt.Sprintf("2 PERIODIC Informs %ds apart (±%.0fs)", n, tolerance.Seconds()),
					observed: fmt.Sprintf("%.1fs between the second and the third", gap.Seconds())}
			}
			return nil
		}
		if r.now().After(deadline) || ctx.Err() != nil {
			return &failure{expected: fmt.Sprintf("three 2 PERIODIC Informs within %s (interval %ds)", deadline.Sub(since).Round(time.Second), n),
				observed: fmt.Sprintf("%d", len(times))}
		}
		if sleep(ctx, 200*time.Millisecond) != nil {
			return &failure{expected: "periodic Informs", observed: "the run was cancelled"}
		}
	}
}

// ErrNoDevice is returned by a Driver for a device the ACS does not know.
var ErrNoDevice = errors.New("conformance: no such device")
