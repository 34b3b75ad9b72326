package acsref

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// Policy campaigns, campaigns that follow their group, and device-local
// maintenance windows.
//
// A policy campaign rolls a stored policy out in waves: while the
// campaign is running, paused, stopped or aborted, the policy is held
// back from every device the campaign has not started (the planner does
// not look at it there); a device the campaign starts gets it in the
// same session, converged and read back by the policy engine, and the
// campaign judges it when the session ends: converged is success, a
// fault is failure, and still pending after the campaign's "within" is
// a timeout. Once the campaign has completed (or is deleted) the policy
// applies wherever its own match and groups say.

// campaignPolicies is what a session's policy planning must know of the
// policy campaigns.
type campaignPolicies struct {
	held     map[string]string // policy → why it is held back from the device
	released map[string]bool   // policies a campaign has started on the device
	running  map[string]string // campaign → policy: the device runs in it
	retries  map[string]bool   // policies a campaign (re)started in this session
}

// note records what a policy campaign says of device id.
func (cp *campaignPolicies) note(spec *CampaignSpec, st *policy.CampaignState, id string) {
	if spec.Policy == "" {
		return
	}
	if d := st.Devices[id]; d != nil && !d.Started.IsZero() {
		if cp.released == nil {
			cp.released = map[string]bool{}
		}
		cp.released[spec.Policy] = true
		if d.Status == policy.DeviceRunning {
			if cp.running == nil {
				cp.running = map[string]string{}
			}
			cp.running[spec.Name] = spec.Policy
		}
		return
	}
	if st.Status == policy.CampaignCompleted {
		return
	}
	if cp.held == nil {
		cp.held = map[string]string{}
	}
	cp.held[spec.Policy] = fmt.Sprintf("campaign %s has not reached the device", spec.Name)
}

func (cp *campaignPolicies) retry(p string) {
	if cp.retries == nil {
		cp.retries = map[string]bool{}
	}
	cp.retries[p] = true
}

// holds are the policies held back from the device: held by a campaign
// and started by none.
func (cp *campaignPolicies) holds() map[string]string {
	if cp == nil {
		return nil
	}
	out := map[string]string{}
	for p, why := range cp.held {
		if !cp.released[p] {
			out[p] = why
		}
	}
	return out
}

// policyVersion is a stored policy's version ("" when there is no such
// policy).
func (s *Server) policyVersion(ctx context.Context, name string) string {
	set, err := s.policySet(ctx)
	if err != nil || set == nil {
		return ""
	}
	c, ok := set.Policy(name)
	if !ok || c.Doc.Kind != policy.KindPolicy {
		return ""
	}
	return policy.PolicyVersionOf(c.Doc.Source)
}

// checkPolicyCampaign checks a policy campaign when it is created: the
// policy exists (at the version asked, if one is), and its model covers
// every target's.
func (s *Server) checkPolicyCampaign(ctx context.Context, set *policy.Set, spec *CampaignSpec, want string, targets []string) *RuleError {
	c, ok := set.Policy(spec.Policy)
	if !ok || c.Doc.Kind != policy.KindPolicy {
		return &RuleError{Rule: RulePolicy, Msg: fmt.Sprintf("no policy %q (apply it first)", spec.Policy)}
	}
	spec.PolicyVersion = policy.PolicyVersionOf(c.Doc.Source)
	if spec.Success != "" {
		if _, err := policy.CompileSuccess(spec.Success, c.Doc.Model, policyCatalog); err != nil {
			return &RuleError{Rule: RulePolicy, Msg: "success: " + err.Error()}
		}
	}
	if want != "" && want != spec.PolicyVersion {
		return &RuleError{Rule: RuleConflict, Msg: fmt.Sprintf("policy %s is at version %s, not %s", spec.Policy, spec.PolicyVersion, want)}
	}
	var wrong []string
	n := 0
	for _, id := range targets {
		d, err := s.st.Device(ctx, id)
		if err != nil {
			continue // gone since the group was counted
		}
		if !c.CoversRoot(d.Root) {
			n++
			if len(wrong) < 5 {
				wrong = append(wrong, fmt.Sprintf("%s (root %q)", id, d.Root))
			}
		}
	}
	if n > 0 {
		return &RuleError{Rule: RulePolicy, Msg: fmt.Sprintf("policy %s targets %s, which does not cover %d of group %s's devices: %s",
			spec.Policy, c.Doc.Model, n, spec.Group, strings.Join(wrong, ", "))}
	}
	return nil
}

// campaignPolicyEnd judges, once a session's policy states are known,
// the policy campaigns the device runs in: converged is success, a
// fault is failure; a policy that does not apply to the device (its
// model, match or groups) fails it at once rather than at the timeout.
func (s *Server) campaignPolicyEnd(id string, plan *policy.Plan, known *policy.MapState, running map[string]string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.campaignNow()
	for name, pname := range running {
		o, ok := plan.Outcomes[pname]
		if ok && o.Status == policy.StatusPending {
			continue
		}
		rec, err := s.st.Campaign(ctx, name)
		if err != nil {
			continue
		}
		var spec CampaignSpec
		if json.Unmarshal(rec.Spec, &spec) != nil {
			continue
		}
		if ok && o.Status == policy.StatusConverged && spec.Success != "" {
			// The policy converged; the campaign's own success
			// expression must hold too (until then the device runs,
			// and times out as any other).
			if !s.campaignSuccess(&spec, known, now) {
				continue
			}
		}
		var added []string
		if err := s.st.UpdateCampaign(ctx, name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
			var st policy.CampaignState
			if err := json.Unmarshal(cur.State, &st); err != nil {
				return nil, err
			}
			switch {
			case ok && o.Status == policy.StatusConverged:
				st.Succeed(id, now)
			case ok && o.Status == policy.StatusFault:
				st.Fail(id, "policy "+pname+": "+o.Reason, now)
			default:
				st.Fail(id, "policy "+pname+" does not apply to the device (its model, match or groups)", now)
			}
			added = st.Advance(&spec.Campaign, now)
			return json.Marshal(&st)
		}); err != nil {
			s.log.Warn("acs: recording a policy campaign's device", "campaign", name, "device", id, "err", err)
			continue
		}
		if spec.ConnectionRequests {
			s.campaignKick(added)
		}
	}
}

// followEvery bounds how often a campaign that follows its group, with
// every target reached, compares its targets with the whole group.
var followEvery = time.Minute

// followMembers is what a campaign that follows its group learnt of it.
type followMembers struct {
	ids      []string
	complete bool // the whole group (else only the informing device)
}

// campaignMembers returns the group's members for a campaign that
// follows its group, when its next wave is due (nil otherwise): all of
// them at a wave's boundary, or at most every followEvery once every
// target is reached; in between, the informing device alone when it is
// new to the campaign. (A wave of such a campaign starts in a device's
// session, since the group is compared then, not in the background.)
func (s *Server) campaignMembers(ctx context.Context, se *session, spec *CampaignSpec, rec *store.CampaignRecord, now time.Time) (*followMembers, error) {
	if !spec.FollowGroup {
		return nil, nil
	}
	var st policy.CampaignState
	if json.Unmarshal(rec.State, &st) != nil || !st.Ready(&spec.Campaign, now) {
		return nil, nil
	}
	set, err := s.policySet(ctx)
	if err != nil || set == nil || set.Groups[spec.Group] == nil {
		return nil, err // a group deleted under the campaign: the targets stay
	}
	out := &followMembers{}
	if st.Assigned < len(st.Targets) || st.FollowDue || now.Sub(st.Followed) >= followEvery {
		gv, err := s.groupView(ctx, set, spec.Group, maxPlanDevices)
		if err != nil {
			return nil, err
		}
		out.ids, out.complete = gv.MemberIDs, !gv.Truncated
	}
	id := se.dev.ID
	if st.Devices[id] == nil && !slices.Contains(st.Targets, id) {
		// The informing device may be new (its first Inform is not
		// stored yet): judged on what this session knows.
		_, pst, err := s.policyState(ctx, &se.dev, false, true)
		if err != nil {
			return nil, err
		}
		if in, _, err := policy.Membership(set, spec.Group, pst); err == nil && in && !slices.Contains(out.ids, id) {
			out.ids = append(out.ids, id)
		}
	}
	return out, nil
}

// deviceZone reads the time zone a device reports, from the values the
// ACS knows of it (its discovery, or a policy's freshness, reads them).
func (s *Server) deviceZone(ctx context.Context, d *store.Device) (policy.DeviceZone, error) {
	values := map[string]string{}
	if d.Root == "Device." || d.Root == "InternetGatewayDevice." {
		params, err := s.st.Parameters(ctx, d.ID, d.Root+"Time.")
		if err != nil {
			return policy.DeviceZone{}, err
		}
		for _, p := range params {
			if !p.Object {
				values[p.Name] = p.Value
			}
		}
	}
	return policy.DeviceTimeZone(values), nil
}

// planCampaigns are the policy campaigns as a dry run sees them: each
// one's spec and state, read once per request.
type planCampaigns []struct {
	spec CampaignSpec
	st   policy.CampaignState
}

type planCampaignsKey struct{}

// loadPlanCampaigns reads the policy campaigns.
func (s *Server) loadPlanCampaigns(ctx context.Context) (planCampaigns, error) {
	recs, err := s.st.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var out planCampaigns
	for _, rec := range recs {
		var c struct {
			spec CampaignSpec
			st   policy.CampaignState
		}
		if json.Unmarshal(rec.Spec, &c.spec) != nil || c.spec.Policy == "" || json.Unmarshal(rec.State, &c.st) != nil {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// withCampaignPlanHolds reads the policy campaigns once for the dry runs
// of many devices (a failed read is left to each device's own).
func (s *Server) withCampaignPlanHolds(ctx context.Context) context.Context {
	pc, err := s.loadPlanCampaigns(ctx)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, planCampaignsKey{}, pc)
}

// campaignPlanHolds gives a dry run's session what the device's next
// session would know of policy campaigns: the policies held back from it
// and those released to it (the campaign's own step, starting the device
// in that session, is not foreseen).
func (s *Server) campaignPlanHolds(ctx context.Context, id string, sess *policy.Session) error {
	pc, ok := ctx.Value(planCampaignsKey{}).(planCampaigns)
	if !ok {
		var err error
		if pc, err = s.loadPlanCampaigns(ctx); err != nil {
			return err
		}
	}
	cp := &campaignPolicies{}
	for i := range pc {
		cp.note(&pc[i].spec, &pc[i].st, id)
	}
	sess.Held, sess.Released = cp.holds(), cp.released
	return nil
}

// successSets caches compiled success expressions by model and source
// (a few per campaign; compiling CEL in every session would cost more).
var successSets sync.Map

// campaignSuccess evaluates a policy campaign's success expression on
// the device's state at the end of its session.
func (s *Server) campaignSuccess(spec *CampaignSpec, known *policy.MapState, now time.Time) bool {
	set, err := s.policySet(context.Background())
	if err != nil || set == nil {
		return false
	}
	c, ok := set.Policy(spec.Policy)
	if !ok {
		return false
	}
	key := c.Doc.Model + "\x00" + spec.Success
	v, ok := successSets.Load(key)
	if !ok {
		compiled, err := policy.CompileSuccess(spec.Success, c.Doc.Model, policyCatalog)
		if err != nil {
			return false // checked at creation; a newer model may refuse it
		}
		v, _ = successSets.LoadOrStore(key, compiled)
	}
	yes, _ := policy.SuccessOn(v.(*policy.Set), known, now)
	return yes
}
