package acsref

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// PolicyErrors decodes the errors field of the APIError that refuses a
// policy document (400 on apply, 409 on a delete others depend on).
type PolicyErrors struct {
	Errors policy.Errors `json:"errors"`
}

// Applied is the answer of POST /policies: the names of the documents
// stored.
type Applied struct {
	Applied []string `json:"applied"`
}

// PolicyView is a stored document with its device counts.
type PolicyView struct {
	*store.PolicyDoc
	Priority int            `json:"priority"`
	Counts   map[string]int `json:"counts"`
}

func (s *Server) applyPolicies(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	body, err := io.ReadAll(io.LimitReader(r.Body, policy.MaxDocumentSize+1))
	if err != nil {
		return badRequest("reading the body: " + err.Error())
	}
	docs, err := policy.Parse(body)
	if err != nil {
		var es policy.Errors
		if !errors.As(err, &es) {
			es = policy.Errors{{Rule: policy.RuleSyntax, Msg: err.Error()}}
		}
		return es
	}
	stored, err := s.st.PolicyDocs(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	fresh := map[string]bool{}
	for _, d := range docs {
		fresh[d.Name] = true
	}
	var keep []*store.PolicyDoc
	for _, sd := range stored {
		if !fresh[sd.Name] {
			keep = append(keep, sd)
		}
	}
	old, _ := parseStored(keep)
	_, errs := policy.Check(append(old, docs...), policyCatalog)
	var mine policy.Errors
	for _, e := range errs {
		if fresh[e.Policy] || e.Rule == policy.RuleConflict && mentionsAny(e.Msg, fresh) {
			mine = append(mine, e)
		}
	}
	for _, d := range docs {
		if d.Policy != nil && d.Policy.Firmware != nil && d.Policy.Firmware.File != "" {
			if _, err := s.st.FileInfo(ctx, d.Policy.Firmware.File); err != nil {
				mine = append(mine, &policy.Error{Policy: d.Name, Line: d.Policy.Firmware.Line, Rule: RuleFile,
					Msg: "the ACS has no file " + strconv.Quote(d.Policy.Firmware.File) + " (PUT /files/" + d.Policy.Firmware.File + " first)"})
			}
		}
	}
	if len(mine) > 0 {
		return mine
	}
	now := time.Now().UTC()
	var put []*store.PolicyDoc
	var names []string
	for _, d := range docs {
		put = append(put, &store.PolicyDoc{Name: d.Name, Kind: d.Kind, Model: d.Model, Source: d.Source, Updated: now})
		names = append(names, d.Name)
	}
	if err := s.st.PutPolicies(ctx, put); err != nil {
		return storeError(err, "policies")
	}
	s.invalidatePolicies()
	writeJSON(w, http.StatusOK, Applied{Applied: names})
	return nil
}

func mentionsAny(msg string, names map[string]bool) bool {
	for n := range names {
		if strings.Contains(msg, strconv.Quote(n)) {
			return true
		}
	}
	return false
}

func (s *Server) policyView(ctx context.Context, d *store.PolicyDoc) (*PolicyView, error) {
	counts, err := s.st.PolicyStateCounts(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	v := &PolicyView{PolicyDoc: d, Counts: counts}
	if docs, err := policy.Parse([]byte(d.Source)); err == nil && len(docs) == 1 && docs[0].Policy != nil {
		v.Priority = docs[0].Policy.Priority
	}
	return v, nil
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.st.PolicyDocs(r.Context())
	if err != nil {
		return storeError(err, "policies")
	}
	out := []*PolicyView{}
	for _, d := range docs {
		v, err := s.policyView(r.Context(), d)
		if err != nil {
			return storeError(err, "policy counts")
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	d, err := s.st.Policy(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "policy")
	}
	v, err := s.policyView(r.Context(), d)
	if err != nil {
		return storeError(err, "policy counts")
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	name := r.PathValue("name")
	stored, err := s.st.PolicyDocs(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	var rest []*store.PolicyDoc
	for _, sd := range stored {
		if sd.Name != name {
			rest = append(rest, sd)
		}
	}
	// A virtual parameter other policies read, or a group they name,
	// cannot go first.
	if len(rest) < len(stored) {
		docs, _ := parseStored(rest)
		if _, errs := policy.Check(docs, policyCatalog); len(errs) > 0 {
			var broken policy.Errors
			for _, e := range errs {
				if strings.Contains(e.Msg, "v."+name) || e.Rule == policy.RuleUnknownGroup && strings.Contains(e.Msg, strconv.Quote(name)) {
					broken = append(broken, e)
				}
			}
			if len(broken) > 0 {
				return &APIError{Status: http.StatusConflict, Rule: RuleConflict, Msg: "other policies need this one: " + broken.Error(), Errors: broken}
			}
		}
	}
	if err := s.st.DeletePolicy(ctx, name); err != nil {
		return storeError(err, "policy")
	}
	s.invalidatePolicies()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// DevicePlan is the answer of GET /devices/{id}/plan.
type DevicePlan struct {
	Device string                         `json:"device"`
	Events []string                       `json:"events"`
	RPCs   []policy.RPC                   `json:"rpcs"`
	Policy map[string]policy.Outcome      `json:"outcomes"`
	States map[string]*policy.PolicyState `json:"states"`
}

// planEvents reads ?events=BOOTSTRAP,BOOT (default PERIODIC).
func planEvents(r *http.Request) ([]string, *RuleError) {
	q := r.URL.Query().Get("events")
	if q == "" {
		return []string{cwmp.EventPeriodic}, nil
	}
	var out []string
	for _, e := range strings.Split(q, ",") {
		c, ok := policy.CanonicalEvent(e)
		if !ok {
			return nil, &RuleError{Rule: RuleArgument, Msg: "events: unknown event " + strconv.Quote(e)}
		}
		out = append(out, c)
	}
	return out, nil
}

// planFor computes a device's plan as its next session would start it.
func (s *Server) planFor(ctx context.Context, set *policy.Set, d *store.Device, events []string) (*policy.Plan, map[string]*policy.PolicyState, error) {
	// A BOOTSTRAP session forgets the stored values; the dry run plans
	// on what is known now, as the session does before its first read.
	states, st, err := s.policyState(ctx, d, false, true)
	if err != nil {
		return nil, nil, err
	}
	sess := policy.NewSession(events)
	if err := s.campaignPlanHolds(ctx, d.ID, sess); err != nil { // campaigns_policy.go
		return nil, nil, err
	}
	return policy.Compute(set, st, states, sess, time.Now().UTC()), states, nil
}

func (s *Server) planDevice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	events, rerr := planEvents(r)
	if rerr != nil {
		return rerr
	}
	d, err := s.st.Device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	out := DevicePlan{Device: d.ID, Events: events, RPCs: []policy.RPC{}, Policy: map[string]policy.Outcome{}}
	set, err := s.policySet(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	if set != nil {
		plan, states, err := s.planFor(ctx, set, d, events)
		if err != nil {
			return storeError(err, "device state")
		}
		out.RPCs, out.Policy, out.States = plan.RPCs, plan.Outcomes, states
		if out.RPCs == nil {
			out.RPCs = []policy.RPC{}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// PolicyPlan is the answer of GET /policies/{name}/plan: over the
// devices of the policy's model, how many match, and what their next
// sessions would do for it.
type PolicyPlan struct {
	Policy    string         `json:"policy"`
	Devices   int            `json:"devices"`  // devices looked at
	Matching  int            `json:"matching"` // match true (or unknown until read)
	Outcomes  map[string]int `json:"outcomes"` // converged / pending / fault
	WouldSend int            `json:"wouldSend"`
	RPCs      map[string]int `json:"rpcs"` // method → devices whose next RPCs include it
	Truncated bool           `json:"truncated,omitempty"`
}

// maxPlanDevices bounds a policy's dry run.
const maxPlanDevices = 100000

func (s *Server) planPolicy(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	name := r.PathValue("name")
	events, rerr := planEvents(r)
	if rerr != nil {
		return rerr
	}
	set, err := s.policySet(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	var c *policy.Compiled
	if set != nil {
		c, _ = set.Policy(name)
	}
	if c == nil || c.Doc.Policy == nil {
		return apiErr(http.StatusNotFound, RuleNotFound, "policy not found")
	}
	root := c.Target.Name
	if i := strings.IndexByte(root, ':'); i >= 0 && !c.Target.Service {
		root = root[:i]
	} else {
		root = ""
	}
	devs, err := s.st.Devices(ctx, store.DeviceFilter{Model: root, Limit: maxPlanDevices + 1})
	if err != nil {
		return storeError(err, "devices")
	}
	out := PolicyPlan{Policy: name, Outcomes: map[string]int{}, RPCs: map[string]int{}}
	ctx = s.withCampaignPlanHolds(ctx) // the campaigns read once for all devices
	if len(devs) > maxPlanDevices {
		devs, out.Truncated = devs[:maxPlanDevices], true
	}
	for _, d := range devs {
		out.Devices++
		plan, _, err := s.planFor(ctx, set, d, events)
		if err != nil {
			return storeError(err, "device state")
		}
		o, ok := plan.Outcomes[name]
		if !ok {
			continue
		}
		out.Matching++
		out.Outcomes[o.Status]++
		seen := map[string]bool{}
		for _, rpc := range plan.RPCs {
			for _, p := range rpc.Policies {
				if p == name && !seen[rpc.Method] {
					seen[rpc.Method] = true
					out.RPCs[rpc.Method]++
				}
			}
		}
		if len(seen) > 0 {
			out.WouldSend++
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// DevicePolicies is the answer of GET /devices/{id}/policies.
type DevicePolicies struct {
	Device  string                `json:"device"`
	States  []*policy.PolicyState `json:"states"`
	Virtual map[string]string     `json:"virtualParameters"`
}

func (s *Server) devicePolicies(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.st.Device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	states, st, err := s.policyState(ctx, d, false, true)
	if err != nil {
		return storeError(err, "device state")
	}
	out := DevicePolicies{Device: d.ID, States: []*policy.PolicyState{}, Virtual: map[string]string{}}
	for _, ps := range states {
		out.States = append(out.States, ps)
	}
	sort.Slice(out.States, func(i, j int) bool { return out.States[i].Policy < out.States[j].Policy })
	set, err := s.policySet(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	if set != nil {
		out.Virtual = policy.VirtualValues(set, st)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GroupView is a group with its member counts over the devices of its
// model: members, and devices whose membership needs values not yet read.
type GroupView struct {
	Name      string   `json:"name"`
	Model     string   `json:"model"`
	Dynamic   bool     `json:"dynamic"`
	Devices   int      `json:"devices"` // devices looked at
	Members   int      `json:"members"`
	Unknown   int      `json:"unknown"`
	MemberIDs []string `json:"memberIds,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
}

// groupView counts a group's members; ids lists up to limit of them.
func (s *Server) groupView(ctx context.Context, set *policy.Set, name string, limit int) (*GroupView, error) {
	c := set.Groups[name]
	v := &GroupView{Name: name, Model: c.Doc.Model, Dynamic: c.Doc.Group.Match != nil}
	devs, err := s.st.Devices(ctx, store.DeviceFilter{Limit: maxPlanDevices + 1})
	if err != nil {
		return nil, err
	}
	if len(devs) > maxPlanDevices {
		devs, v.Truncated = devs[:maxPlanDevices], true
	}
	for _, d := range devs {
		v.Devices++
		_, st, err := s.policyState(ctx, d, false, true)
		if err != nil {
			return nil, err
		}
		in, unknown, err := policy.Membership(set, name, st)
		if err != nil {
			return nil, err
		}
		if in {
			v.Members++
			if len(v.MemberIDs) < limit {
				v.MemberIDs = append(v.MemberIDs, d.ID)
			}
		}
		if unknown {
			v.Unknown++
		}
	}
	return v, nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	set, err := s.policySet(r.Context())
	if err != nil {
		return storeError(err, "policies")
	}
	out := []*GroupView{}
	if set != nil {
		names := make([]string, 0, len(set.Groups))
		for n := range set.Groups {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v, err := s.groupView(r.Context(), set, n, 0)
			if err != nil {
				return storeError(err, "group")
			}
			out = append(out, v)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) error {
	set, err := s.policySet(r.Context())
	if err != nil {
		return storeError(err, "policies")
	}
	name := r.PathValue("name")
	if set == nil || set.Groups[name] == nil {
		return apiErr(http.StatusNotFound, RuleNotFound, "group not found")
	}
	limit := 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			limit = n
		}
	}
	v, err := s.groupView(r.Context(), set, name, limit)
	if err != nil {
		return storeError(err, "group")
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
