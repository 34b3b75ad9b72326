package acsref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// Campaigns: a campaign rolls a firmware version, a task (any NBI
// task: a configuration change, a reboot) or a policy (campaigns_policy.go)
// out to a group in waves (the
// engine is policy/campaign.go). The ACS stores each campaign's spec and
// state; every session of a device looks at the running campaigns: it
// records what the device now runs (success is the new SoftwareVersion in
// an Inform, not a TransferComplete) or its task's outcome, moves the
// campaign on, and queues the device's download or task when its wave,
// the maintenance window and the concurrency cap allow. With
// connectionRequests, each new wave's devices get a connection request,
// and a background loop moves such campaigns on between sessions.
//
//	POST   /campaigns                      create and start
//	GET    /campaigns                      list with progress
//	GET    /campaigns/{name}               spec, state, per-device outcomes
//	POST   /campaigns/{name}/{pause|resume|abort}
//	DELETE /campaigns/{name}

// CampaignRequest is the body of POST /campaigns (durations as Go
// durations: "90m", "2h").
type CampaignRequest struct {
	Name     string          `json:"name"`
	Group    string          `json:"group"`
	Firmware policy.Firmware `json:"firmware,omitzero"`
	// Task is a task as POST /devices/{id}/tasks takes it, instead of
	// firmware; checked against the first target's data model.
	Task               json.RawMessage `json:"task,omitempty"`
	ConnectionRequests bool            `json:"connectionRequests,omitempty"`
	First              string          `json:"first"`
	Growth             float64         `json:"growth,omitempty"`
	MaxWave            int             `json:"maxWave,omitempty"`
	Soak               string          `json:"soak,omitempty"`
	Within             string          `json:"within"`
	FailureFraction    float64         `json:"failureFraction,omitempty"`
	Failures           int             `json:"failures,omitempty"`
	Concurrency        int             `json:"concurrency,omitempty"`
	Windows            []struct {
		Cron     string `json:"cron"`
		Duration string `json:"duration"`
		TimeZone string `json:"timeZone,omitempty"`
		// FallbackTimeZone: for timeZone "device", the zone of a device
		// that reports none (UTC if empty).
		FallbackTimeZone string `json:"fallbackTimeZone,omitempty"`
	} `json:"windows,omitempty"`

	// Policy names a stored policy to roll out instead of firmware or a
	// task; PolicyVersion, when given, must be its current version (GET
	// /campaigns/{name} shows the one rolled out). Success: a CEL
	// expression that must hold too on a policy campaign's device
	// (checked against the policy's model). FollowGroup: devices that
	// join the group later become targets, those that leave it before
	// their wave are skipped (campaigns_policy.go).
	Policy        string `json:"policy,omitempty"`
	PolicyVersion string `json:"policyVersion,omitempty"`
	Success       string `json:"success,omitempty"`
	FollowGroup   bool   `json:"followGroup,omitempty"`
}

// CampaignSpec is a stored campaign's spec.
type CampaignSpec struct {
	policy.Campaign
	Group string `json:"group"`
}

// CampaignView is the NBI's view of a campaign.
type CampaignView struct {
	Name     string                `json:"name"`
	Spec     CampaignSpec          `json:"spec"`
	State    *policy.CampaignState `json:"state,omitempty"`
	Status   string                `json:"status"`
	Reason   string                `json:"reason,omitempty"`
	Wave     int                   `json:"wave"`
	Progress map[string]int        `json:"progress"`
}

// campaignNow is the campaigns' clock: tests set Server.campaignClock.
func (s *Server) campaignNow() time.Time {
	if f := s.campaignClock.Load(); f != nil {
		return (*f)()
	}
	return time.Now().UTC()
}

// SetCampaignClock replaces the clock campaigns judge windows, soak and
// timeouts by (tests; nil restores the real one).
func (s *Server) SetCampaignClock(now func() time.Time) {
	if now == nil {
		s.campaignClock.Store(nil)
		return
	}
	s.campaignClock.Store(&now)
}

func parseDur(name, v string, required bool) (time.Duration, *RuleError) {
	if v == "" && !required {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("%s %q: a positive duration (90m, 2h)", name, v)}
	}
	return d, nil
}

func (s *Server) postCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req CampaignRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest("campaign: " + err.Error())
	}
	spec := CampaignSpec{Group: req.Group, Campaign: policy.Campaign{Name: req.Name, Firmware: req.Firmware, Task: req.Task,
		Policy: req.Policy, Success: req.Success, FollowGroup: req.FollowGroup, ConnectionRequests: req.ConnectionRequests, First: req.First, Growth: req.Growth,
		MaxWave: req.MaxWave, FailureFraction: req.FailureFraction, Failures: req.Failures, Concurrency: req.Concurrency}}
	var rerr *RuleError
	if spec.Soak, rerr = parseDur("soak", req.Soak, false); rerr == nil {
		spec.Within, rerr = parseDur("within", req.Within, true)
	}
	for _, win := range req.Windows {
		if rerr != nil {
			break
		}
		var d time.Duration
		d, rerr = parseDur("windows.duration", win.Duration, true)
		spec.Windows = append(spec.Windows, policy.Window{Cron: win.Cron, Duration: d, TimeZone: win.TimeZone, FallbackTimeZone: win.FallbackTimeZone})
	}
	if rerr != nil {
		return rerr
	}
	if len(spec.Task) == 0 && spec.Policy == "" && spec.Firmware.FileType == "" {
		spec.Firmware.FileType = "1 Firmware Upgrade Image"
	}
	if req.Name == "" || !validCampaignName(req.Name) {
		return badRequest("name: letters, digits, '-', '_' and '.'")
	}
	if err := policy.CheckCampaign(&spec.Campaign); err != nil {
		return badRequest(err.Error())
	}
	if len(spec.Task) > 0 || spec.Policy != "" {
		// A task is checked at each device too (its bound model); here
		// against the first target's, so that a wrong task is refused
		// now. A policy is checked against every target below.
	} else if _, err := s.st.FileInfo(ctx, spec.Firmware.File); err != nil {
		return apiErr(http.StatusBadRequest, RuleFile, fmt.Sprintf("the ACS has no file %q (PUT /files/%s first)", spec.Firmware.File, spec.Firmware.File))
	}
	set, err := s.policySet(ctx)
	if err != nil {
		return storeError(err, "policies")
	}
	if set == nil || set.Groups[req.Group] == nil {
		return apiErr(http.StatusBadRequest, policy.RuleUnknownGroup, fmt.Sprintf("no group %q (apply a Group document first)", req.Group))
	}
	// The targets are the group's members now.
	gv, err := s.groupView(ctx, set, req.Group, maxPlanDevices)
	if err != nil {
		return storeError(err, "group")
	}
	if len(spec.Task) > 0 && len(gv.MemberIDs) > 0 {
		if _, rerr := s.campaignTask(ctx, &spec, gv.MemberIDs[0]); rerr != nil {
			return rerr
		}
	}
	if spec.Policy != "" {
		if rerr := s.checkPolicyCampaign(ctx, set, &spec, req.PolicyVersion, gv.MemberIDs); rerr != nil {
			return rerr
		}
	}
	st := policy.StartCampaign(gv.MemberIDs)
	st.PolicyVersion = spec.PolicyVersion
	now := s.campaignNow()
	if spec.FollowGroup {
		st.Followed = now
	}
	added := st.Advance(&spec.Campaign, now)
	specJSON, _ := json.Marshal(spec)
	stateJSON, _ := json.Marshal(st)
	rec := &store.CampaignRecord{Name: req.Name, Spec: specJSON, State: stateJSON, Status: st.Status, Updated: time.Now().UTC()}
	if err := s.st.PutCampaign(ctx, rec); err != nil {
		return storeError(err, "campaign")
	}
	if spec.ConnectionRequests {
		s.campaignKick(added)
	}
	writeJSON(w, http.StatusCreated, campaignView(rec, false))
	return nil
}

func validCampaignName(n string) bool {
	if len(n) > 64 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func campaignView(rec *store.CampaignRecord, devices bool) *CampaignView {
	v := &CampaignView{Name: rec.Name, Status: rec.Status}
	_ = json.Unmarshal(rec.Spec, &v.Spec)
	var st policy.CampaignState
	if json.Unmarshal(rec.State, &st) == nil {
		v.Reason, v.Wave, v.Progress = st.Reason, st.Wave, st.Progress()
		if devices {
			v.State = &st
		}
	}
	return v
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.st.Campaigns(r.Context())
	if err != nil {
		return storeError(err, "campaigns")
	}
	out := []*CampaignView{}
	for _, rec := range recs {
		out = append(out, campaignView(rec, false))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.st.Campaign(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "campaign")
	}
	writeJSON(w, http.StatusOK, campaignView(rec, true))
	return nil
}

func (s *Server) controlCampaign(w http.ResponseWriter, r *http.Request) error {
	action := r.PathValue("action")
	var refused *APIError
	err := s.st.UpdateCampaign(r.Context(), r.PathValue("name"), func(rec *store.CampaignRecord) (json.RawMessage, error) {
		var st policy.CampaignState
		if err := json.Unmarshal(rec.State, &st); err != nil {
			return nil, err
		}
		var err error
		switch action {
		case "pause":
			err = st.Pause()
		case "resume":
			err = st.Resume()
		case "abort":
			err = st.Abort()
		default:
			refused = badRequest("action is pause, resume or abort")
			return nil, nil
		}
		if err != nil {
			refused = apiErr(http.StatusConflict, RuleConflict, err.Error())
			return nil, nil
		}
		return json.Marshal(&st)
	})
	if err != nil {
		return storeError(err, "campaign")
	}
	if refused != nil {
		return refused
	}
	rec, err := s.st.Campaign(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "campaign")
	}
	writeJSON(w, http.StatusOK, campaignView(rec, false))
	return nil
}

func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	if err := s.st.DeleteCampaign(r.Context(), r.PathValue("name")); err != nil {
		return storeError(err, "campaign")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// campaignSession runs the campaigns' step for a device whose Inform was
// just handled; a download or task it queues is sent in this session.
// It returns what the session's policy planning must know of policy
// campaigns (which policies are held back from the device, which it
// runs in).
func (s *Server) campaignSession(ctx context.Context, se *session) (*campaignPolicies, error) {
	recs, err := s.st.Campaigns(ctx)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	id := se.dev.ID
	now := s.campaignNow()
	cp := &campaignPolicies{}
	// The device's time zone, read once, when a device-local window is
	// about to judge it (a device of the current wave not started yet).
	var zone *policy.DeviceZone
	zoneOf := func(st *policy.CampaignState, c *policy.Campaign) (*policy.DeviceZone, error) {
		d := st.Devices[id]
		if zone != nil || !c.DeviceLocal() || d == nil || d.Status != policy.DeviceRunning || !d.Started.IsZero() {
			return zone, nil
		}
		z, err := s.deviceZone(ctx, &se.dev)
		if err != nil {
			return nil, err
		}
		zone = &z
		return zone, nil
	}
	for _, rec := range recs {
		var spec CampaignSpec
		if err := json.Unmarshal(rec.Spec, &spec); err != nil {
			continue
		}
		if rec.Status != policy.CampaignRunning {
			if spec.Policy != "" {
				var st policy.CampaignState
				if json.Unmarshal(rec.State, &st) == nil {
					cp.note(&spec, &st, id)
				}
			}
			continue
		}
		c := &spec.Campaign
		members, err := s.campaignMembers(ctx, se, &spec, rec, now)
		if err != nil {
			return nil, err
		}
		curVersion := ""
		if c.Policy != "" {
			curVersion = s.policyVersion(ctx, c.Policy)
		}
		start := false
		var added []string
		err = s.st.UpdateCampaign(ctx, rec.Name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
			var st policy.CampaignState
			if err := json.Unmarshal(cur.State, &st); err != nil {
				return nil, err
			}
			if c.Policy != "" && !st.CheckPolicyVersion(c, curVersion) {
				cp.note(&spec, &st, id)
				return json.Marshal(&st)
			}
			if d := st.Devices[id]; d != nil && d.Status == policy.DeviceRunning {
				if len(c.Task) == 0 && c.Policy == "" {
					st.Observe(c, id, se.dev.SoftwareVer, now)
				}
				if d.Status == policy.DeviceRunning && d.Task != 0 {
					if t, err := s.st.Task(ctx, d.Task); err == nil {
						switch {
						case t.Status == store.TaskFault:
							st.Fail(id, fmt.Sprintf("%s: %d %s", t.Name, t.FaultCode, t.FaultString), now)
						case t.Status == store.TaskDone && len(c.Task) > 0:
							st.Succeed(id, now)
						}
					}
				}
			}
			if members != nil && st.Ready(c, now) {
				st.Follow(members.ids, spec.Group, members.complete, now)
			}
			added = st.Advance(c, now)
			z, err := zoneOf(&st, c)
			if err != nil {
				return nil, err
			}
			start = st.ShouldStartIn(c, id, now, z)
			if c.Policy != "" {
				cp.note(&spec, &st, id)
				if start {
					cp.retry(c.Policy)
				}
			}
			return json.Marshal(&st)
		})
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			return nil, err
		}
		if spec.ConnectionRequests {
			s.campaignKick(added)
		}
		if !start || c.Policy != "" {
			// A policy campaign's device converges in this session's
			// policy planning (policies.go), judged when it ends.
			continue
		}
		var t *store.Task
		if len(spec.Task) > 0 {
			var rerr *RuleError
			if t, rerr = s.campaignTask(ctx, &spec, id); rerr != nil {
				// The device's model refuses the task: it fails.
				if err := s.campaignFail(ctx, rec.Name, id, "task refused: "+rerr.Error(), now); err != nil {
					return nil, err
				}
				continue
			}
		} else {
			ts := TaskSpec{Name: "download", File: spec.Firmware.File, FileType: spec.Firmware.FileType}
			raw, _ := json.Marshal(ts)
			prep, rerr := prepareTask(raw, se.bind, s.fileURL(ctx))
			if rerr == nil {
				// The firmware library may say the image is not for it.
				rerr = s.fileApplies(ctx, &se.dev, &prep.spec)
			}
			if rerr != nil {
				if err := s.campaignFail(ctx, rec.Name, id, rerr.Error(), now); err != nil {
					return nil, err
				}
				continue
			}
			t = storedTask(id, prep)
		}
		if err := s.addTask(ctx, t); err != nil {
			return nil, err
		}
		if len(spec.Task) > 0 {
			if se.campaignTasks == nil {
				se.campaignTasks = map[int64]string{}
			}
			se.campaignTasks[t.ID] = rec.Name
		}
		if err := s.st.UpdateCampaign(ctx, rec.Name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
			var st policy.CampaignState
			if err := json.Unmarshal(cur.State, &st); err != nil {
				return nil, err
			}
			if d := st.Devices[id]; d != nil {
				d.Task = t.ID
			}
			return json.Marshal(&st)
		}); err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// campaignTask prepares a task campaign's task for a device, checked
// against the device's bound data model as POST /devices/{id}/tasks
// checks it.
func (s *Server) campaignTask(ctx context.Context, spec *CampaignSpec, id string) (*store.Task, *RuleError) {
	d, err := s.device(ctx, id)
	if err != nil {
		return nil, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("device %s: %v", id, err)}
	}
	b := BindDevice(d)
	if b == nil {
		return nil, &RuleError{Rule: RuleUnboundModel, Msg: "device " + id + " is bound to no known data model"}
	}
	prep, rerr := prepareTask(spec.Task, b, s.fileURL(ctx))
	if rerr == nil {
		rerr = s.fileApplies(ctx, d, &prep.spec)
	}
	if rerr != nil {
		return nil, rerr
	}
	return storedTask(id, prep), nil
}

// campaignKick sends connection requests to the devices a campaign's new
// wave assigned, a few at a time, in the background (bounded by the
// server's life).
func (s *Server) campaignKick(ids []string) {
	if len(ids) == 0 {
		return
	}
	ids = append([]string(nil), ids...)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		sem := make(chan struct{}, 16)
		var wg sync.WaitGroup
		for _, id := range ids {
			select {
			case <-s.stop:
				wg.Wait()
				return
			case sem <- struct{}{}:
			}
			wg.Add(1)
			go func(id string) {
				defer func() { <-sem; wg.Done() }()
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				if got := s.kick(ctx, id); got != "ok" && got != "sent (UDP)" && got != "in session" {
					s.log.Warn("acs: campaign connection request", "device", id, "result", got)
				}
			}(id)
		}
		wg.Wait()
	}()
}

// campaignLoopPeriod is how often campaignLoop looks at the campaigns.
var campaignLoopPeriod = 5 * time.Second

// campaignLoop moves the running campaigns that send connection requests
// on between sessions (a soak that ended, devices that timed out), so a
// wave starts without waiting for some device to inform.
func (s *Server) campaignLoop(period time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		recs, err := s.st.Campaigns(ctx)
		for _, rec := range recs {
			if err != nil || rec.Status != policy.CampaignRunning {
				continue
			}
			var spec CampaignSpec
			if json.Unmarshal(rec.Spec, &spec) != nil || !spec.ConnectionRequests {
				continue
			}
			var added []string
			now := s.campaignNow()
			if err := s.st.UpdateCampaign(ctx, rec.Name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
				var st policy.CampaignState
				if err := json.Unmarshal(cur.State, &st); err != nil {
					return nil, err
				}
				added = st.Advance(&spec.Campaign, now)
				return json.Marshal(&st)
			}); err != nil {
				s.log.Warn("acs: moving a campaign on", "campaign", rec.Name, "err", err)
				continue
			}
			s.campaignKick(added)
		}
		cancel()
	}
}

// campaignEnd records, once the session is stored, the outcome of the
// campaign tasks it ran (done or faulted), so that a task campaign's
// device succeeds in the session that ran its task, not its next one; a
// wave this finishes starts at once.
func (s *Server) campaignEnd(se *session) {
	if len(se.campaignTasks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for tid, name := range se.campaignTasks {
		t, err := s.st.Task(ctx, tid)
		if err != nil || t.Status != store.TaskDone && t.Status != store.TaskFault {
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
		var added []string
		now := s.campaignNow()
		if err := s.st.UpdateCampaign(ctx, name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
			var st policy.CampaignState
			if err := json.Unmarshal(cur.State, &st); err != nil {
				return nil, err
			}
			if t.Status == store.TaskDone {
				st.Succeed(t.DeviceID, now)
			} else {
				st.Fail(t.DeviceID, fmt.Sprintf("%s: %d %s", t.Name, t.FaultCode, t.FaultString), now)
			}
			added = st.Advance(&spec.Campaign, now)
			return json.Marshal(&st)
		}); err != nil {
			s.log.Warn("acs: recording a campaign task", "campaign", name, "device", t.DeviceID, "err", err)
			continue
		}
		if spec.ConnectionRequests {
			s.campaignKick(added)
		}
	}
	se.campaignTasks = nil
}

// campaignFail records a device's failure in a campaign.
func (s *Server) campaignFail(ctx context.Context, name, id, reason string, now time.Time) error {
	return s.st.UpdateCampaign(ctx, name, func(cur *store.CampaignRecord) (json.RawMessage, error) {
		var st policy.CampaignState
		if err := json.Unmarshal(cur.State, &st); err != nil {
			return nil, err
		}
		st.Fail(id, reason, now)
		return json.Marshal(&st)
	})
}
