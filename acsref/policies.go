package acsref

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr135 "github.com/dmforge/dmforge/generated/tr135/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// Auto-configuration in sessions: the ACS keeps the checked set of
// stored policies (recompiled when the store's policy version changes),
// and in each session, after the queued tasks, plans the device's
// policies, sends the plan's first RPC, records the answer and plans
// again until nothing is left; then it records each policy's state on
// the device.

// policyCatalog is the compiled models policies may target.
var policyCatalog = policy.NewCatalog(tr181.Schema, tr098.Schema, tr104.Schema, tr135.Schema)

// policyCommandKey is the CommandKey and ParameterKey of policy RPCs.
const policyCommandKey = "dmf-policy"

// policyEngine holds the compiled policy set of a server.
type policyEngine struct {
	mu      sync.Mutex
	version string // the store's version the set was compiled at
	set     *policy.Set
	empty   bool
	// checked: the set is trusted without asking the store (a store
	// not shared: only this process changes it).
	checked bool
}

// policySet returns the current compiled set (nil when there are no
// documents): compiled again when the store's version changed.
func (s *Server) policySet(ctx context.Context) (*policy.Set, error) {
	e := &s.policies
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.checked && s.shared == nil {
		if e.empty {
			return nil, nil
		}
		return e.set, nil
	}
	v, err := s.st.PoliciesVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v == e.version && (e.set != nil || e.empty) {
		e.checked = true
		if e.empty {
			return nil, nil
		}
		return e.set, nil
	}
	stored, err := s.st.PolicyDocs(ctx)
	if err != nil {
		return nil, err
	}
	docs, perrs := parseStored(stored)
	set, errs := policy.Check(docs, policyCatalog)
	if len(perrs)+len(errs) > 0 {
		// Stored documents were checked when applied; a newer model can
		// refuse one. The others still run.
		s.log.Warn("acs: stored policies no longer check", "errors", append(perrs, errs...).Error())
	}
	e.version, e.set, e.empty, e.checked = v, set, len(set.Policies) == 0 && len(set.Virtuals) == 0 && len(set.Groups) == 0, true
	if e.empty {
		return nil, nil
	}
	return set, nil
}

// invalidatePolicies makes the next session recompile.
func (s *Server) invalidatePolicies() {
	s.policies.mu.Lock()
	s.policies.checked, s.policies.version = false, ""
	s.policies.mu.Unlock()
}

func parseStored(stored []*store.PolicyDoc) ([]*policy.Document, policy.Errors) {
	var docs []*policy.Document
	var errs policy.Errors
	for _, sd := range stored {
		ds, err := policy.Parse([]byte(sd.Source))
		if err != nil {
			if es, ok := err.(policy.Errors); ok {
				errs = append(errs, es...)
			}
			continue
		}
		for _, d := range ds {
			d.Source = sd.Source
		}
		docs = append(docs, ds...)
	}
	return docs, errs
}

// policySession is a session's auto-configuration.
type policySession struct {
	set    *policy.Set
	st     *policy.MapState
	sess   *policy.Session
	states map[string]*policy.PolicyState
	final  *policy.Plan
	seq    int
	// campaigns: the policy campaigns the device runs in (campaign →
	// policy), judged when the session ends.
	campaigns map[string]string
}

// policyOpen prepares the session's auto-configuration once the Inform
// is handled: the device's known state (the store's values, or none
// after a BOOTSTRAP, and the Inform's), and its policy states.
func (s *Server) policyOpen(ctx context.Context, se *session, inf *cwmp.Inform) error {
	cp, err := s.campaignSession(ctx, se)
	if err != nil {
		return err
	}
	set, err := s.policySet(ctx)
	if err != nil || set == nil || len(set.Policies) == 0 {
		return err
	}
	ps, st, err := s.policyState(ctx, &se.dev, se.batch.Forget, set.UsesTags())
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, p := range inf.ParameterList {
		st.Set(p.Name, p.Value, now)
	}
	var events []string
	for _, ev := range inf.Event {
		events = append(events, ev.EventCode)
	}
	sess := policy.NewSession(events)
	if cp != nil {
		sess.Held, sess.Released, sess.Retry = cp.holds(), cp.released, cp.retries
	}
	se.pol = &policySession{set: set, st: st, sess: sess, states: ps}
	if cp != nil {
		se.pol.campaigns = cp.running
	}
	return nil
}

// policyState loads what the planner needs of a device from the store.
func (s *Server) policyState(ctx context.Context, d *store.Device, forget, tags bool) (map[string]*policy.PolicyState, *policy.MapState, error) {
	facts := policy.Facts{ID: d.ID, OUI: d.OUI, ProductClass: d.ProductClass, Serial: d.SerialNumber, Manufacturer: d.Manufacturer,
		SoftwareVersion: d.SoftwareVer, Model: d.Model, Tags: d.Tags}
	if d.Tags == nil && tags {
		if full, err := s.st.Device(ctx, d.ID); err == nil {
			facts.Tags = full.Tags
		}
	}
	st := policy.NewMapState(facts, d.Root)
	if !forget {
		params, err := s.st.Parameters(ctx, d.ID, d.Root)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range params {
			st.Set(p.Name, p.Value, p.Updated)
		}
		// A discovered device's tables are all known, empty ones too.
		st.AllTables = d.Discovered
	}
	stored, err := s.st.PolicyStates(ctx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	states := map[string]*policy.PolicyState{}
	for _, sp := range stored {
		var ps policy.PolicyState
		if json.Unmarshal(sp.Data, &ps) == nil {
			states[sp.Policy] = &ps
		}
	}
	return states, st, nil
}

// policyNext sends the next policy RPC of the session; false when the
// device has converged as far as this session can take it.
func (s *Server) policyNext(ctx context.Context, w http.ResponseWriter, se *session) bool {
	pol := se.pol
	if pol == nil || pol.final != nil {
		return false
	}
	plan := policy.Compute(pol.set, pol.st, pol.states, pol.sess, time.Now().UTC())
	if len(plan.RPCs) == 0 {
		pol.final = plan
		return false
	}
	rpc := plan.RPCs[0]
	msg, err := s.policyMessage(ctx, se, &rpc)
	if err != nil {
		pol.sess.Fault(&rpc, err.Error())
		return s.policyNext(ctx, w, se)
	}
	pol.sess.Sent()
	pol.seq++
	return s.send(w, se, &inflight{msg: msg, policy: &rpc, id: policyCommandKey + "-" + strconv.Itoa(pol.seq)})
}

// policyMessage builds the CWMP request of a planned RPC.
func (s *Server) policyMessage(ctx context.Context, se *session, rpc *policy.RPC) (cwmp.Message, error) {
	switch rpc.Method {
	case "GetParameterValues":
		return &cwmp.GetParameterValues{ParameterNames: rpc.Names}, nil
	case "SetParameterValues":
		return &cwmp.SetParameterValues{ParameterList: rpc.Values, ParameterKey: policyCommandKey}, nil
	case "AddObject":
		return &cwmp.AddObject{ObjectName: rpc.Object, ParameterKey: policyCommandKey}, nil
	case "DeleteObject":
		return &cwmp.DeleteObject{ObjectName: rpc.Object, ParameterKey: policyCommandKey}, nil
	case "SetParameterAttributes":
		return &cwmp.SetParameterAttributes{ParameterList: rpc.Attributes}, nil
	case "Download":
		url, size, ok := s.fileURL(ctx)(rpc.File)
		if !ok {
			return nil, fmt.Errorf("the ACS has no file %q", rpc.File)
		}
		if rerr := s.fileApplies(ctx, &se.dev, &TaskSpec{Name: "download", File: rpc.File}); rerr != nil {
			return nil, rerr
		}
		m := &cwmp.Download{CommandKey: policyCommandKey, FileType: rpc.FileType, URL: url, FileSize: size}
		s.fileCredentials(se, &prepared{spec: TaskSpec{File: rpc.File}}, m)
		return m, nil
	}
	return nil, fmt.Errorf("unknown planned method %s", rpc.Method)
}

// policyResponse records the CPE's answer to a policy RPC.
func (s *Server) policyResponse(se *session, in *inflight, m cwmp.Message) {
	pol, rpc, now := se.pol, in.policy, time.Now().UTC()
	s.observePolicyRPC(rpc, RPCOK)
	switch m := m.(type) {
	case *cwmp.GetParameterValuesResponse:
		se.storeValues(m.ParameterList)
		pol.sess.GotValues(rpc, pol.st, m.ParameterList, now)
	case *cwmp.SetParameterValuesResponse:
		for _, v := range rpc.Values {
			se.batch.Parameters = append(se.batch.Parameters, store.Parameter{Name: v.Name, Value: v.Value, Type: v.Type, HasValue: true, Updated: now})
			se.noteKnown(v.Name, v.Value)
		}
		pol.sess.SetDone(rpc, pol.st, now)
	case *cwmp.AddObjectResponse:
		inst := pol.sess.ObjectAdded(rpc, pol.st, m.InstanceNumber, now)
		se.batch.Parameters = append(se.batch.Parameters, store.Parameter{Name: inst, Object: true, Updated: now})
	case *cwmp.DeleteObjectResponse:
		pol.sess.Deleted(rpc, pol.st)
		se.batch.DeleteParameters = append(se.batch.DeleteParameters, rpc.Object)
	case *cwmp.SetParameterAttributesResponse:
		pol.sess.AttributesDone(rpc)
	case *cwmp.DownloadResponse:
		pol.sess.DownloadAccepted(rpc)
	}
}

// policyFault records a CPE's fault to a policy RPC.
func (s *Server) policyFault(se *session, in *inflight, f *cwmp.Fault) {
	reason := f.Error()
	if len(f.SetParameterValuesFaults) > 0 {
		var parts []string
		for _, pf := range f.SetParameterValuesFaults {
			parts = append(parts, fmt.Sprintf("%s: %d %s", pf.ParameterName, pf.FaultCode, pf.FaultString))
		}
		reason += " (" + strings.Join(parts, "; ") + ")"
	}
	se.pol.sess.Fault(in.policy, reason)
	s.observePolicyRPC(in.policy, RPCFault)
	var detail json.RawMessage
	if len(f.SetParameterValuesFaults) > 0 {
		detail, _ = json.Marshal(f.SetParameterValuesFaults)
	}
	se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: in.msg.MethodName(), Code: int(f.Code),
		String: "policy " + strings.Join(in.policy.Policies, ",") + ": " + f.Error(), Detail: detail, Time: time.Now().UTC()})
}

// policyNoAnswer faults the policies of an RPC that got no usable answer
// (none before the session ended, or one that could not be decoded), so
// that they back off instead of sending it in every session. ending: the
// session ends now, so its last plan is computed here for policyEnd.
func (s *Server) policyNoAnswer(se *session, in *inflight, reason string, ending bool) {
	pol := se.pol
	if pol == nil {
		return
	}
	s.log.Warn("acs: policy RPC without an answer", "device", se.dev.ID, "policies", strings.Join(in.policy.Policies, ","),
		"rpc", in.msg.MethodName(), "reason", reason)
	pol.sess.Fault(in.policy, reason)
	se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: in.msg.MethodName(),
		String: "policy " + strings.Join(in.policy.Policies, ",") + ": " + reason, Time: time.Now().UTC()})
	if ending && pol.final == nil {
		pol.final = policy.Compute(pol.set, pol.st, pol.states, pol.sess, time.Now().UTC())
	}
}

// policyTransfer handles the TransferComplete of a policy's firmware
// download: a failure faults the policies waiting for one; a success is
// not convergence yet (the device must report the new SoftwareVersion).
func (s *Server) policyTransfer(se *session, m *cwmp.TransferComplete) bool {
	if m.CommandKey != policyCommandKey {
		return false
	}
	if m.FaultStruct.FaultCode != 0 && se.pol != nil {
		for name, ps := range se.pol.states {
			if !ps.Download.IsZero() && ps.Status != policy.StatusConverged {
				se.pol.sess.Faults[name] = fmt.Sprintf("TransferComplete: %d %s", m.FaultStruct.FaultCode, m.FaultStruct.FaultString)
				ps.Download = time.Time{}
			}
		}
	}
	return true
}

// policyEnd records the policies' states on the device when the session
// ends; a session cut short changes nothing.
func (s *Server) policyEnd(se *session) {
	pol := se.pol
	if pol == nil || pol.final == nil {
		return
	}
	now := time.Now().UTC()
	changed := pol.sess.Finish(pol.final, pol.states, now)
	s.observePolicyStates(changed, pol.states)
	if len(pol.campaigns) > 0 {
		defer s.campaignPolicyEnd(se.dev.ID, pol.final, pol.st, pol.campaigns) // campaigns_policy.go
	}
	if len(changed) == 0 {
		return
	}
	out := make([]store.PolicyState, 0, len(changed))
	for _, ps := range changed {
		data, _ := json.Marshal(ps)
		out = append(out, store.PolicyState{DeviceID: se.dev.ID, Policy: ps.Policy, Status: ps.Status, Data: data, Updated: now})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.st.PutPolicyStates(ctx, out); err != nil {
		s.log.Error("acs: recording policy states", "device", se.dev.ID, "err", err)
	}
}

// policyNote gives the planner the values the session learnt outside
// policy RPCs (the discovery's, the tasks').
func (se *session) policyNote(list []cwmp.ParameterValueStruct, now time.Time) {
	if se.pol == nil {
		return
	}
	for _, pv := range list {
		se.pol.st.Set(pv.Name, pv.Value, now)
	}
}
