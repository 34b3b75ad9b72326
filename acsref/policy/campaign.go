package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// A campaign rolls a firmware version, a task (a configuration change,
// a reboot, any NBI task) or a policy out to a group in waves. This file
// is its engine: pure functions over a campaign's spec and its state,
// driven by the clock the caller passes (tests inject it; nothing here
// sleeps or reads the time). The state is a plain JSON value the ACS
// stores, so a restart resumes exactly where it stopped.

// Campaign is a staged rollout of a firmware version, of a task or of a
// policy: one of Firmware, Task and Policy.
type Campaign struct {
	Name     string   `json:"name"`
	Firmware Firmware `json:"firmware,omitzero"`
	// Task is an NBI task (the body of POST /devices/{id}/tasks) queued
	// on each device; the device has succeeded when the task is done.
	Task json.RawMessage `json:"task,omitempty"`
	// Policy is a stored policy rolled out in waves: it is held back
	// from every device the campaign has not started, and a device has
	// succeeded when the policy converged on it (read back), failed
	// when the policy faulted there.
	Policy string `json:"policy,omitempty"`
	// PolicyVersion is the policy's version when the campaign was
	// created (PolicyVersionOf its source).
	PolicyVersion string `json:"policyVersion,omitempty"`
	// Success is a CEL expression over the device's facts and
	// parameters (as a policy's match) that must also be true for a
	// policy campaign's device to succeed, once its policy converged.
	Success string `json:"success,omitempty"`
	// FollowGroup: devices that join the group after the campaign
	// started become targets of later waves, and targets that left the
	// group before a wave reached them are skipped (with the reason).
	// Off by default: a campaign's blast radius is the group as it was
	// when it started.
	FollowGroup bool `json:"followGroup,omitempty"`
	// ConnectionRequests: the ACS sends each device of a new wave a
	// connection request, instead of waiting for its next Inform.
	ConnectionRequests bool `json:"connectionRequests,omitempty"`
	// First is the first wave's size: a count ("10") or a share of the
	// devices ("5%"); each later wave is Growth times the previous one
	// (default 2), at most MaxWave (0: no bound).
	First   string  `json:"first"`
	Growth  float64 `json:"growth,omitempty"`
	MaxWave int     `json:"maxWave,omitempty"`
	// Soak is the wait after a wave has succeeded before the next starts.
	Soak time.Duration `json:"soak,omitempty"`
	// Within is how long a device has, once started, to inform with the
	// new SoftwareVersion (or to complete the task); past it the device
	// has failed (timeout).
	Within time.Duration `json:"within"`
	// Stop rules, judged when a wave has finished: the campaign stops
	// when the wave's failures reach FailureFraction of the wave or
	// Failures devices (0: that rule is off).
	FailureFraction float64 `json:"failureFraction,omitempty"`
	Failures        int     `json:"failures,omitempty"`
	// Concurrency caps the devices running at once (0: the wave size).
	Concurrency int `json:"concurrency,omitempty"`
	// Windows are the maintenance windows devices may start in; none:
	// any time.
	Windows []Window `json:"windows,omitempty"`
}

// Window is a maintenance window: it opens at each time of a cron spec
// and stays open for Duration, in a time zone (UTC if empty). TimeZone
// "device" judges the window in each device's own local time, read from
// what it reports (DeviceTimeZone); a device that reports none, or one
// that does not parse, is judged in FallbackTimeZone (UTC if empty), and
// its campaign record says why.
type Window struct {
	Cron             string        `json:"cron"`
	Duration         time.Duration `json:"duration"`
	TimeZone         string        `json:"timeZone,omitempty"`
	FallbackTimeZone string        `json:"fallbackTimeZone,omitempty"`
}

// RolloutCampaign is the Policy.Rollout of a policy that reaches devices
// only through its campaigns.
const RolloutCampaign = "campaign"

// TimeZoneDevice is the Window.TimeZone of device-local windows.
const TimeZoneDevice = "device"

// Campaign statuses.
const (
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignStopped   = "stopped" // a stop rule fired; resume to go on
	CampaignAborted   = "aborted"
	CampaignCompleted = "completed"
)

// Device outcomes in a campaign.
const (
	DeviceRunning   = "running"
	DeviceSucceeded = "succeeded"
	DeviceFailed    = "failed"
	// DeviceSkipped: the device left the group before a wave reached it
	// (FollowGroup campaigns).
	DeviceSkipped = "skipped"
)

// CampaignDevice is one device's progress.
type CampaignDevice struct {
	Wave    int       `json:"wave"`
	Status  string    `json:"status"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
	Reason  string    `json:"reason,omitempty"`
	// Task is the ACS task that carries the device's download.
	Task int64 `json:"task,omitempty"`
	// Zone is the time zone the device's windows were last judged in,
	// and where it came from (device-local windows).
	Zone string `json:"zone,omitempty"`
}

// CampaignState is a campaign's progress, stored by the ACS.
type CampaignState struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Targets are the devices of the group when the campaign started, in
	// rollout order; waves take them in turn.
	Targets []string `json:"targets"`
	Wave    int      `json:"wave"` // current wave, 1-based; 0 before the first
	// Assigned counts the targets given to waves so far.
	Assigned  int                        `json:"assigned"`
	SoakUntil time.Time                  `json:"soakUntil,omitzero"`
	Devices   map[string]*CampaignDevice `json:"devices"`
	// Followed is when the targets were last compared with the group
	// (FollowGroup campaigns).
	Followed time.Time `json:"followed,omitzero"`
	// FollowDue: a wave has finished since the targets were last
	// compared with the group; the next wave waits for that.
	FollowDue bool `json:"followDue,omitempty"`
	// PolicyVersion is the version of the policy being rolled out; a
	// policy changed under a running campaign stops it, and a resume
	// takes the new version on.
	PolicyVersion string `json:"policyVersion,omitempty"`
}

// CheckCampaign checks a campaign's spec.
func CheckCampaign(c *Campaign) error {
	var errs []string
	kinds := 0
	for _, set := range []bool{len(c.Task) > 0, c.Firmware != (Firmware{}), c.Policy != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		errs = append(errs, "a campaign rolls out one of firmware, a task and a policy")
	case c.Policy != "":
	case c.Success != "":
		errs = append(errs, "success (an expression) is for policy campaigns")
	case len(c.Task) > 0:
		if !json.Valid(c.Task) || c.Task[0] != '{' {
			errs = append(errs, "task is a JSON object (a task as POST /devices/{id}/tasks takes it)")
		}
	case c.Firmware.Version == "" || c.Firmware.File == "":
		errs = append(errs, "firmware needs version and file (or give a task or a policy)")
	}
	if _, err := firstWave(c.First, 100); err != nil {
		errs = append(errs, err.Error())
	}
	if c.Growth != 0 && c.Growth < 1 {
		errs = append(errs, "growth is at least 1")
	}
	if c.Within <= 0 {
		errs = append(errs, "within (the time a device has to run the new version) is required")
	}
	if c.FailureFraction < 0 || c.FailureFraction > 1 {
		errs = append(errs, "failureFraction is between 0 and 1")
	}
	for i, w := range c.Windows {
		if _, _, err := w.parse(); err != nil {
			errs = append(errs, fmt.Sprintf("windows[%d]: %v", i, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("campaign %q: %s", c.Name, strings.Join(errs, "; "))
	}
	return nil
}

// parse returns the window's schedule and its stated zone: for a
// device-local window, the fallback zone.
func (w Window) parse() (cron.Schedule, *time.Location, error) {
	s, err := cronParser.Parse(w.Cron)
	if err != nil {
		return nil, nil, fmt.Errorf("cron %q: %v", w.Cron, err)
	}
	if w.Duration <= 0 {
		return nil, nil, fmt.Errorf("duration is required")
	}
	zone := w.TimeZone
	if zone == TimeZoneDevice {
		zone = w.FallbackTimeZone
	} else if w.FallbackTimeZone != "" {
		return nil, nil, fmt.Errorf("fallbackTimeZone is for timeZone %q windows", TimeZoneDevice)
	}
	loc := time.UTC
	if zone != "" {
		if loc, err = time.LoadLocation(zone); err != nil {
			return nil, nil, fmt.Errorf("time zone %q: %v", zone, err)
		}
	}
	return s, loc, nil
}

// Open reports whether a window is open at now: its last opening is at
// most Duration ago.
func (w Window) Open(now time.Time) bool {
	open, _ := w.OpenFor(now, nil)
	return open
}

// OpenFor reports whether a window is open at now for a device in zone
// dev (nil: the device reports no usable zone), and the zone it was
// judged in, with where that came from.
func (w Window) OpenFor(now time.Time, dev *DeviceZone) (bool, string) {
	s, loc, err := w.parse()
	if err != nil {
		return false, ""
	}
	zone := loc.String()
	if w.TimeZone == TimeZoneDevice {
		switch {
		case dev != nil && dev.Loc != nil:
			loc, zone = dev.Loc, "device: "+dev.Source
		case dev != nil:
			zone = fmt.Sprintf("%s (fallback: %s)", loc, dev.Source)
		default:
			zone = fmt.Sprintf("%s (fallback: the device's zone is not known)", loc)
		}
	}
	t := now.In(loc)
	next := s.Next(t.Add(-w.Duration)) // strictly after: the window is [open, open+Duration)
	return !next.After(t), zone
}

// InWindow reports whether devices may start at now.
func (c *Campaign) InWindow(now time.Time) bool {
	open, _ := c.InWindowFor(now, nil)
	return open
}

// InWindowFor reports whether a device in zone dev may start at now, and
// the zone a device-local window was judged in ("" when none is).
func (c *Campaign) InWindowFor(now time.Time, dev *DeviceZone) (bool, string) {
	if len(c.Windows) == 0 {
		return true, ""
	}
	zones := ""
	for _, w := range c.Windows {
		open, zone := w.OpenFor(now, dev)
		if w.TimeZone == TimeZoneDevice {
			zones = zone
		}
		if open {
			return true, zones
		}
	}
	return false, zones
}

// DeviceLocal reports whether a window of the campaign is judged in
// device-local time (the ACS then reads each device's zone).
func (c *Campaign) DeviceLocal() bool {
	for _, w := range c.Windows {
		if w.TimeZone == TimeZoneDevice {
			return true
		}
	}
	return false
}

func firstWave(spec string, total int) (int, error) {
	if pct, ok := strings.CutSuffix(spec, "%"); ok {
		f, err := strconv.ParseFloat(pct, 64)
		if err != nil || f <= 0 || f > 100 {
			return 0, fmt.Errorf("first %q: a count or a percentage in (0, 100]", spec)
		}
		return max(1, int(math.Ceil(float64(total)*f/100))), nil
	}
	n, err := strconv.Atoi(spec)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("first %q: a count or a percentage in (0, 100]", spec)
	}
	return n, nil
}

// WaveSize is the size of wave w (1-based) for total targets.
func (c *Campaign) WaveSize(w, total int) int {
	n, _ := firstWave(c.First, total)
	g := c.Growth
	if g == 0 {
		g = 2
	}
	size := float64(n)
	for i := 1; i < w; i++ {
		size *= g
	}
	out := int(math.Ceil(size))
	if c.MaxWave > 0 && out > c.MaxWave {
		out = c.MaxWave
	}
	return out
}

// StartCampaign begins a campaign over its target devices (sorted, so
// that the rollout order does not depend on where they came from).
func StartCampaign(targets []string) *CampaignState {
	t := append([]string(nil), targets...)
	sort.Strings(t)
	return &CampaignState{Status: CampaignRunning, Targets: t, Devices: map[string]*CampaignDevice{}}
}

// Observe records what a device reported in a session: its software
// version. A running device that reports the campaign's version has
// succeeded.
func (st *CampaignState) Observe(c *Campaign, id, softwareVersion string, now time.Time) {
	d := st.Devices[id]
	if d == nil || d.Status != DeviceRunning {
		return
	}
	if softwareVersion == c.Firmware.Version {
		d.Status, d.Ended, d.Reason = DeviceSucceeded, now, ""
	}
}

// Succeed records a device's success (its task is done).
func (st *CampaignState) Succeed(id string, now time.Time) {
	if d := st.Devices[id]; d != nil && d.Status == DeviceRunning {
		d.Status, d.Ended, d.Reason = DeviceSucceeded, now, ""
	}
}

// Fail records a device's failure (a download fault, a refused RPC).
func (st *CampaignState) Fail(id, reason string, now time.Time) {
	if d := st.Devices[id]; d != nil && d.Status == DeviceRunning {
		d.Status, d.Ended, d.Reason = DeviceFailed, now, reason
	}
}

// Pause, Resume and Abort are the operator's controls. Resume after a
// stop retries the failed devices of the current wave.
func (st *CampaignState) Pause() error {
	if st.Status != CampaignRunning {
		return fmt.Errorf("campaign is %s, not running", st.Status)
	}
	st.Status = CampaignPaused
	return nil
}

func (st *CampaignState) Resume() error {
	switch st.Status {
	case CampaignPaused:
	case CampaignStopped:
		for _, d := range st.Devices {
			if d.Wave == st.Wave && d.Status == DeviceFailed {
				d.Status, d.Reason, d.Started, d.Ended, d.Task = DeviceRunning, "", time.Time{}, time.Time{}, 0
			}
		}
	default:
		return fmt.Errorf("campaign is %s: only a paused or stopped campaign resumes", st.Status)
	}
	st.Status, st.Reason = CampaignRunning, ""
	// A policy changed under the campaign stopped it: resuming takes
	// the new version on (the ACS records it at the next session).
	st.PolicyVersion = ""
	return nil
}

func (st *CampaignState) Abort() error {
	if st.Status == CampaignCompleted || st.Status == CampaignAborted {
		return fmt.Errorf("campaign is %s", st.Status)
	}
	st.Status = CampaignAborted
	return nil
}

// ShouldStart reports whether a device informing now should get the
// campaign's download: it is in the current wave, not started yet, the
// campaign runs, a window is open and the concurrency cap allows. It
// marks the device started.
func (st *CampaignState) ShouldStart(c *Campaign, id string, now time.Time) bool {
	return st.ShouldStartIn(c, id, now, nil)
}

// ShouldStartIn is ShouldStart for a device in zone dev (device-local
// windows; nil when its zone is not known); the zone a window was
// judged in is recorded on the device.
func (st *CampaignState) ShouldStartIn(c *Campaign, id string, now time.Time, dev *DeviceZone) bool {
	d := st.Devices[id]
	if st.Status != CampaignRunning || d == nil || d.Status != DeviceRunning || !d.Started.IsZero() {
		return false
	}
	open, zone := c.InWindowFor(now, dev)
	if zone != "" {
		d.Zone = zone
	}
	if !open {
		return false
	}
	if c.Concurrency > 0 {
		started := 0
		for _, o := range st.Devices {
			if o.Status == DeviceRunning && !o.Started.IsZero() {
				started++
			}
		}
		if started >= c.Concurrency {
			return false
		}
	}
	d.Started = now
	return true
}

// Advance moves the campaign on at now: devices past their time fail,
// a finished wave is judged against the stop rules, and after the soak
// the next wave's devices are assigned. It returns the devices newly
// assigned (the ACS may send them connection requests).
func (st *CampaignState) Advance(c *Campaign, now time.Time) []string {
	if st.Status != CampaignRunning {
		return nil
	}
	total := len(st.Targets)
	running, failed, size := 0, 0, 0
	for _, d := range st.Devices {
		if d.Status == DeviceRunning && !d.Started.IsZero() && now.Sub(d.Started) > c.Within {
			d.Status, d.Ended, d.Reason = DeviceFailed, now, c.timeoutReason()
		}
		if d.Wave != st.Wave {
			continue
		}
		size++
		switch d.Status {
		case DeviceRunning:
			running++
		case DeviceFailed:
			failed++
		}
	}
	if st.Wave > 0 && running > 0 {
		return nil
	}
	if st.Wave > 0 && size > 0 {
		frac := float64(failed) / float64(size)
		if c.FailureFraction > 0 && frac >= c.FailureFraction || c.Failures > 0 && failed >= c.Failures {
			st.Status = CampaignStopped
			st.Reason = fmt.Sprintf("wave %d: %d of %d devices failed (stop rule: fraction %.2f, count %d)", st.Wave, failed, size, c.FailureFraction, c.Failures)
			return nil
		}
		if st.SoakUntil.IsZero() {
			st.SoakUntil = now.Add(c.Soak)
			st.FollowDue = c.FollowGroup
		}
		if now.Before(st.SoakUntil) {
			return nil
		}
	}
	if c.FollowGroup && st.Wave > 0 && st.Assigned < total && st.FollowDue {
		// The targets are compared with the group (Follow) before the
		// next wave takes any of them.
		return nil
	}
	if st.Assigned >= total {
		if !c.FollowGroup {
			st.Status = CampaignCompleted
		}
		// A campaign that follows its group waits for new members.
		return nil
	}
	st.Wave++
	st.SoakUntil = time.Time{}
	n := min(c.WaveSize(st.Wave, total), total-st.Assigned)
	added := st.Targets[st.Assigned : st.Assigned+n]
	for _, id := range added {
		st.Devices[id] = &CampaignDevice{Wave: st.Wave, Status: DeviceRunning}
	}
	st.Assigned += n
	return added
}

// Ready reports whether the campaign would assign a new wave at now: it
// runs, its current wave has finished (none running), and the soak is
// over. The ACS compares the targets with the group (Follow) then.
func (st *CampaignState) Ready(c *Campaign, now time.Time) bool {
	if st.Status != CampaignRunning {
		return false
	}
	for _, d := range st.Devices {
		if d.Wave == st.Wave && st.Wave > 0 && d.Status == DeviceRunning {
			// A device past its time is judged by Advance first.
			if d.Started.IsZero() || now.Sub(d.Started) <= c.Within {
				return false
			}
		}
	}
	return st.SoakUntil.IsZero() || !now.Before(st.SoakUntil)
}

// Follow compares the targets with the group's members now: members
// that are not targets yet join the targets (after the others, sorted
// among themselves), and, when members is the complete list, targets no
// wave has reached that are no longer members are skipped with the
// reason. It returns the new targets.
func (st *CampaignState) Follow(members []string, group string, complete bool, now time.Time) []string {
	in := make(map[string]bool, len(members))
	for _, id := range members {
		in[id] = true
	}
	known := make(map[string]bool, len(st.Targets))
	for _, id := range st.Targets {
		known[id] = true
	}
	// Unreached targets that left the group.
	keep := st.Targets[:st.Assigned:st.Assigned]
	for _, id := range st.Targets[st.Assigned:] {
		if in[id] || !complete {
			keep = append(keep, id)
			continue
		}
		st.Devices[id] = &CampaignDevice{Status: DeviceSkipped, Ended: now,
			Reason: fmt.Sprintf("left group %s before a wave reached it", group)}
	}
	var added []string
	for _, id := range members {
		// A skipped device that came back is a target again.
		if d := st.Devices[id]; !known[id] && (d == nil || d.Status == DeviceSkipped) {
			delete(st.Devices, id)
			added = append(added, id)
		}
	}
	sort.Strings(added)
	st.Targets = append(keep, added...)
	if complete {
		st.Followed, st.FollowDue = now, false
	}
	return added
}

// CheckPolicyVersion compares the version of a policy campaign's policy
// now (cur; "" when it no longer exists) with the one being rolled out:
// the first one seen is adopted; another one stops the campaign (the
// devices reached would run a policy the earlier waves did not prove).
// It reports whether the campaign goes on.
func (st *CampaignState) CheckPolicyVersion(c *Campaign, cur string) bool {
	if st.Status != CampaignRunning {
		return true
	}
	switch {
	case cur == "":
		st.Status, st.Reason = CampaignStopped, fmt.Sprintf("policy %s no longer exists", c.Policy)
		return false
	case st.PolicyVersion == "":
		st.PolicyVersion = cur
	case st.PolicyVersion != cur:
		st.Status = CampaignStopped
		st.Reason = fmt.Sprintf("policy %s changed under the campaign (version %s, now %s): resume to roll the new version out", c.Policy, st.PolicyVersion, cur)
		return false
	}
	return true
}

// Progress counts devices by status.
func (st *CampaignState) Progress() map[string]int {
	out := map[string]int{"targets": len(st.Targets), "unassigned": len(st.Targets) - st.Assigned}
	for _, d := range st.Devices {
		out[d.Status]++
	}
	return out
}

func (c *Campaign) timeoutReason() string {
	if c.Policy != "" && c.Success != "" {
		return fmt.Sprintf("policy %s did not converge with success (%s) within %v", c.Policy, c.Success, c.Within)
	}
	if c.Policy != "" {
		return fmt.Sprintf("policy %s did not converge within %v", c.Policy, c.Within)
	}
	if len(c.Task) > 0 {
		return fmt.Sprintf("task not done within %v", c.Within)
	}
	return fmt.Sprintf("did not run %s within %v", c.Firmware.Version, c.Within)
}

// PolicyVersionOf is a policy's version as campaigns name it: the first
// 12 hex digits of the SHA-256 of the document's stored source.
func PolicyVersionOf(source string) string {
	h := sha256.Sum256([]byte(source))
	return hex.EncodeToString(h[:6])
}

// successName is the name a campaign's success expression is checked
// under (errors name it).
const successName = "campaign-success"

// CompileSuccess checks a campaign's success expression against the
// model of its policy, as a policy's match is checked (a bool; paths of
// the model, with their TR-106 types).
func CompileSuccess(expr, model string, cat Catalog) (*Set, error) {
	doc := &Document{Kind: KindPolicy, Name: successName, Model: model, Line: 1,
		Policy: &Policy{Match: &Expr{Source: expr, Line: 1}, Line: 1}}
	set, errs := Check([]*Document{doc}, cat)
	if len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

// SuccessOn evaluates a compiled success expression on what the ACS
// knows of a device: true, or false with the reason (false, or a
// parameter it names is not known yet).
func SuccessOn(set *Set, st DeviceState, now time.Time) (bool, string) {
	o, ok := Compute(set, st, nil, nil, now).Outcomes[successName]
	switch {
	case ok && o.Status == StatusConverged:
		return true, ""
	case ok:
		return false, o.Reason
	}
	return false, "the success expression is false"
}
