package acsref

// Negative tests and conformance probes: tasks that deliberately break the
// data model, which a conforming CPE refuses with the fault code TR-069
// gives. The ACS knows the model, so it can make them for any device: a
// probe is a batch of such tasks chosen from what the device reported in
// its discovery, each followed, where it writes, by a task that restores
// the value the device had (in case it wrongly accepts).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// Conformance findings of negative tests.
const (
	RuleProbeAccepted = "probe-accepted"   // the CPE accepted a request TR-069 says it must refuse
	RuleProbeFault    = "probe-fault-code" // the CPE refused it with another fault code than TR-069 gives
)

// NegativeResult is the result of a negative test task.
type NegativeResult struct {
	Probe       string `json:"probe,omitempty"`
	ExpectFault []int  `json:"expectFault"`
	// Fault is the code the CPE answered (for setParameterValues, the
	// parameter's SetParameterValuesFault code when it gave one); 0 when
	// it accepted the request.
	Fault    int    `json:"fault"`
	String   string `json:"faultString,omitempty"`
	Conforms bool   `json:"conforms"`
}

// judgeNegative completes a negative test task with the CPE's answer: f
// is its fault, nil if it accepted the request.
func (s *Server) judgeNegative(se *session, in *inflight, f *cwmp.Fault) {
	spec := &in.prep.spec
	res := NegativeResult{Probe: spec.Probe, ExpectFault: spec.ExpectFault}
	if f != nil {
		res.Fault, res.String = int(f.Code), f.String
		if len(f.SetParameterValuesFaults) > 0 {
			res.Fault, res.String = int(f.SetParameterValuesFaults[0].FaultCode), f.SetParameterValuesFaults[0].FaultString
		}
		res.Conforms = slices.Contains(spec.ExpectFault, res.Fault)
	}
	path := negativePath(spec)
	if !res.Conforms {
		rule, msg := RuleProbeAccepted, fmt.Sprintf("%s accepted %s; TR-069 requires fault %s", in.msg.MethodName(), describeNegative(spec), codes(spec.ExpectFault))
		if f != nil {
			rule, msg = RuleProbeFault, fmt.Sprintf("%s of %s answered fault %d; TR-069 requires %s", in.msg.MethodName(), describeNegative(spec), res.Fault, codes(spec.ExpectFault))
		}
		se.addFinding(&store.Finding{Path: path, Rule: rule, Message: msg})
	}
	s.finishTask(se, in.task, store.TaskDone, res, 0, "")
}

func codes(cs []int) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, " or ")
}

// negativePath is the path a negative test is about.
func negativePath(spec *TaskSpec) string {
	switch {
	case len(spec.ParameterValues) > 0:
		if p, ok := spec.ParameterValues[0][0].(string); ok {
			return p
		}
	case len(spec.ParameterNames) > 0:
		return spec.ParameterNames[0]
	case len(spec.ParameterAttributes) > 0:
		return spec.ParameterAttributes[0].Name
	case spec.ParameterPath != nil:
		return *spec.ParameterPath
	}
	return spec.ObjectName
}

func describeNegative(spec *TaskSpec) string {
	if len(spec.ParameterValues) > 0 && len(spec.ParameterValues[0]) == 3 {
		v, _ := valueString(spec.ParameterValues[0][1])
		return fmt.Sprintf("%s = %q (%v)", negativePath(spec), v, spec.ParameterValues[0][2])
	}
	return negativePath(spec)
}

// probeLimit is how many parameters each check of a probe tries.
const probeLimit = 3

// probeUnsafe are the parameters a probe never writes, even with a value
// the CPE must refuse: a CPE that wrongly accepted it would lose its
// management (its ACS, credentials, CWMP itself).
func probeUnsafe(name string) bool {
	for _, s := range []string{"URL", "Username", "Password", "EnableCWMP", "STUN", "Key", "Certificate", "Interface", "Enable"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// probeSafeObjects are where a probe may try invalid writes: management,
// identity and time settings, which do not cut the device off the network
// if a non-conforming CPE accepts them (the value is restored right after).
var probeSafeObjects = []string{"ManagementServer.", "DeviceInfo.", "Time.", "UserInterface."}

// probeSpecs makes the tasks of a conformance probe for a device bound to b
// whose stored tree is params (from its discovery).
func probeSpecs(b *Binding, params []store.Parameter) []TaskSpec {
	var out []TaskSpec
	add := func(probe string, spec TaskSpec, expect ...int) {
		spec.Probe, spec.ExpectFault = probe, expect
		out = append(out, spec)
	}
	root := b.Root
	ptr := func(s string) *string { return &s }
	// Unknown names.
	add("unknown-parameter", TaskSpec{Name: "getParameterValues", ParameterNames: []string{root + "X_DMFORGE_NoSuchParameter"}}, int(cwmp.FaultInvalidParameterName))
	add("unknown-object", TaskSpec{Name: "getParameterNames", ParameterPath: ptr(root + "X_DMFORGE_NoSuchObject."), NextLevel: true}, int(cwmp.FaultInvalidParameterName))
	add("next-level-on-parameter", TaskSpec{Name: "getParameterNames", ParameterPath: ptr(root + "DeviceInfo.SoftwareVersion"), NextLevel: true},
		int(cwmp.FaultInvalidArguments))

	byName := map[string]store.Parameter{}
	var names []string
	for _, p := range params {
		byName[p.Name] = p
		names = append(names, p.Name)
	}
	sort.Strings(names)
	safe := func(name string) bool {
		for _, o := range probeSafeObjects {
			if strings.HasPrefix(name, root+o) {
				return !probeUnsafe(name[strings.LastIndexByte(name, '.')+1:])
			}
		}
		return false
	}
	counts := map[string]int{}
	try := func(check string) bool {
		if counts[check] >= probeLimit {
			return false
		}
		counts[check]++
		return true
	}
	restore := func(p store.Parameter, e *model.Entry) TaskSpec {
		return TaskSpec{Name: "setParameterValues", Probe: "restore", ParameterValues: [][]any{{p.Name, p.Value, "xsd:" + string(e.Syntax.WireType())}}}
	}
	write := func(check string, p store.Parameter, e *model.Entry, value, typ string, expect ...int) {
		add(check, TaskSpec{Name: "setParameterValues", ParameterValues: [][]any{{p.Name, value, typ}}}, expect...)
		out = append(out, restore(p, e))
	}
	var readOnlyTable, writableTable string
	for _, n := range names {
		p := byName[n]
		e, _, ok := b.Lookup(n)
		if !ok || IsVendor(n) {
			continue
		}
		if e.Object {
			if e.IsTable() && strings.HasSuffix(n, ".") && isInstance(n) {
				table := n[:strings.LastIndexByte(strings.TrimSuffix(n, "."), '.')+1]
				if e.Access == model.ReadWrite && writableTable == "" {
					writableTable = table
				} else if e.Access != model.ReadWrite && readOnlyTable == "" {
					readOnlyTable = table
				}
			}
			continue
		}
		if !p.HasValue && p.Value == "" && p.Type == "" {
			continue // no value known to restore
		}
		wire := e.Syntax.WireType()
		switch {
		case !e.Access.Writable():
			if try("set-read-only") {
				add("set-read-only", TaskSpec{Name: "setParameterValues", ParameterValues: [][]any{{n, p.Value, "xsd:" + string(wire)}}},
					int(cwmp.FaultNonWritableParameter))
			}
		case !safe(n):
		case (wire == model.TypeUnsignedInt || wire == model.TypeInt) && try("wrong-type"):
			write("wrong-type", p, e, "true", "xsd:boolean", int(cwmp.FaultInvalidParameterType))
		case len(e.Syntax.Ranges) > 0 && try("out-of-range"):
			if v, ok := outOfRange(e.Syntax); ok {
				write("out-of-range", p, e, v, "xsd:"+string(wire), int(cwmp.FaultInvalidParameterValue))
			}
		case wire == model.TypeString && len(e.Syntax.Enums) > 0 && e.Syntax.List == nil && try("not-enumerated"):
			write("not-enumerated", p, e, "X_DMFORGE_NotAValue", "xsd:string", int(cwmp.FaultInvalidParameterValue))
		case wire == model.TypeString && len(e.Syntax.Enums) == 0 && len(e.Syntax.Patterns) == 0 && maxLen(e.Syntax) > 0 && maxLen(e.Syntax) < 4096 && try("too-long"):
			write("too-long", p, e, strings.Repeat("x", int(maxLen(e.Syntax))+1), "xsd:string", int(cwmp.FaultInvalidParameterValue))
		}
		if e.ActiveNotify == model.NotifyCanDeny && try("notification-denied") {
			two := 2
			add("notification-denied", TaskSpec{Name: "setParameterAttributes", ParameterAttributes: []AttributeSpec{{Name: n, Notification: &two}}},
				int(cwmp.FaultNotificationRequestRejected))
		}
	}
	if readOnlyTable != "" {
		add("add-to-read-only-table", TaskSpec{Name: "addObject", ObjectName: readOnlyTable}, int(cwmp.FaultRequestDenied), int(cwmp.FaultInvalidParameterName))
	}
	if writableTable != "" {
		add("delete-missing-instance", TaskSpec{Name: "deleteObject", ObjectName: writableTable + "4294967295."}, int(cwmp.FaultInvalidParameterName))
	}
	return out
}

func isInstance(path string) bool {
	t := strings.TrimSuffix(path, ".")
	_, err := strconv.ParseUint(t[strings.LastIndexByte(t, '.')+1:], 10, 32)
	return err == nil
}

// outOfRange returns an integer just outside all of an integer syntax's
// ranges that its type still holds, if there is one.
func outOfRange(s *model.Syntax) (string, bool) {
	var lo, hi *big.Int
	for _, r := range s.Ranges {
		if v, ok := new(big.Int).SetString(r.Min, 10); ok && (lo == nil || v.Cmp(lo) < 0) {
			lo = v
		}
		if v, ok := new(big.Int).SetString(r.Max, 10); ok && (hi == nil || v.Cmp(hi) > 0) {
			hi = v
		}
	}
	var cands []*big.Int
	if hi != nil {
		cands = append(cands, new(big.Int).Add(hi, big.NewInt(1)))
	}
	if lo != nil {
		cands = append(cands, new(big.Int).Sub(lo, big.NewInt(1)))
	}
	for _, c := range cands {
		v := c.String()
		if model.CheckType(s.WireType(), v) == nil && model.CheckValue(s, v) != nil {
			return v, true
		}
	}
	return "", false
}

func maxLen(s *model.Syntax) uint64 {
	var m uint64
	for _, z := range s.Sizes {
		if z.Max == nil {
			return 0
		}
		m = max(m, *z.Max)
	}
	return m
}

// kick sends a connection request for a task just queued and says how it
// went: "ok", "in session" (the live session picks the task up), or the
// error.
func (s *Server) kick(ctx context.Context, id string) string {
	s.mu.Lock()
	_, live := s.byDevice[id]
	s.mu.Unlock()
	switch udp, err := s.connectionRequest(ctx, id); {
	case err == nil && udp:
		return "sent (UDP)" // no answer: delivery unknown
	case err == nil:
		return "ok"
	case live:
		return "in session"
	default:
		return err.Error()
	}
}

// ProbeResponse is the answer to POST /devices/{id}/probe.
type ProbeResponse struct {
	Run               string  `json:"run"`
	Tasks             []int64 `json:"tasks"`
	ConnectionRequest string  `json:"connectionRequest,omitempty"`
}

// postProbe queues a conformance probe of a discovered device.
func (s *Server) postProbe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	b := BindDevice(d)
	if b == nil {
		return apiErr(http.StatusConflict, RuleUnboundModel, "the device is bound to no known data model")
	}
	params, err := s.st.Parameters(ctx, d.ID, d.Root)
	if err != nil {
		return storeError(err, "parameters")
	}
	if !d.Discovered || len(params) == 0 {
		return apiErr(http.StatusConflict, RuleArgument, "the device has not been discovered yet: a probe picks its checks from the device's parameters")
	}
	resp := ProbeResponse{Run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	for _, spec := range probeSpecs(b, params) {
		spec.ProbeRun = resp.Run
		raw, _ := json.Marshal(spec)
		prep, rerr := prepareTask(raw, b, s.fileURL(ctx))
		if rerr != nil {
			continue // a restore of a value the model refuses, say
		}
		t := storedTask(d.ID, prep)
		if err := s.addTask(ctx, t); err != nil {
			return storeError(err, "task")
		}
		resp.Tasks = append(resp.Tasks, t.ID)
	}
	if _, ok := r.URL.Query()["connection_request"]; ok {
		resp.ConnectionRequest = s.kick(ctx, d.ID)
	}
	writeJSON(w, http.StatusAccepted, resp)
	return nil
}

// ProbeCheck is one check of a probe's report.
type ProbeCheck struct {
	Task   int64           `json:"task"`
	Probe  string          `json:"probe"`
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Status string          `json:"status"` // the task's
	Result *NegativeResult `json:"result,omitempty"`
}

// ProbeReport is the answer to GET /devices/{id}/probe: the checks of the
// latest probe run, and how many conform.
type ProbeReport struct {
	Run           string       `json:"run"`
	Checks        []ProbeCheck `json:"checks"`
	Conforming    int          `json:"conforming"`
	NonConforming int          `json:"nonConforming"`
	Pending       int          `json:"pending"`
}

func (s *Server) getProbe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.device(ctx, id); err != nil {
		return storeError(err, "device")
	}
	ts, err := s.st.Tasks(ctx, store.TaskFilter{DeviceID: id})
	if err != nil {
		return storeError(err, "tasks")
	}
	rep := ProbeReport{Checks: []ProbeCheck{}}
	type probeTask struct {
		t    *store.Task
		spec TaskSpec
	}
	var all []probeTask
	for _, t := range ts {
		var spec TaskSpec
		if json.Unmarshal(t.Spec, &spec) != nil || spec.ProbeRun == "" {
			continue
		}
		if spec.ProbeRun > rep.Run {
			rep.Run = spec.ProbeRun
		}
		all = append(all, probeTask{t, spec})
	}
	for _, pt := range all {
		if pt.spec.ProbeRun != rep.Run || len(pt.spec.ExpectFault) == 0 {
			continue // another run, or a restore
		}
		c := ProbeCheck{Task: pt.t.ID, Probe: pt.spec.Probe, Method: pt.spec.Name, Path: negativePath(&pt.spec), Status: pt.t.Status}
		var res NegativeResult
		if pt.t.Status == store.TaskDone && json.Unmarshal(pt.t.Result, &res) == nil {
			c.Result = &res
			if res.Conforms {
				rep.Conforming++
			} else {
				rep.NonConforming++
			}
		} else if pt.t.Status == store.TaskPending {
			rep.Pending++
		}
		rep.Checks = append(rep.Checks, c)
	}
	sort.Slice(rep.Checks, func(i, j int) bool { return rep.Checks[i].Task < rep.Checks[j].Task })
	writeJSON(w, http.StatusOK, rep)
	return nil
}
