package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// A campaign rolls a firmware version, or a task (a configuration change,
// a reboot, any NBI task), out to a group in waves. This file
// is its engine: pure functions over a campaign's spec and its state,
// driven by the clock the caller passes (tests inject it; nothing here
// sleeps or reads the time). The state is a plain JSON value the ACS
// stores, so a restart resumes exactly where it stopped.

// Campaign is a staged rollout of a firmware version or of a task: one
// of Firmware and Task.
type Campaign struct {
	Name     string   `json:"name"`
	Firmware Firmware `json:"firmware,omitzero"`
	// Task is an NBI task (the body of POST /devices/{id}/tasks) queued
	// on each device; the device has succeeded when the task is done.
	Task json.RawMessage `json:"task,omitempty"`
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
// and stays open for Duration, in a time zone (UTC if empty).
type Window struct {
	Cron     string        `json:"cron"`
	Duration time.Duration `json:"duration"`
	TimeZone string        `json:"timeZone,omitempty"`
}

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
}

// CheckCampaign checks a campaign's spec.
func CheckCampaign(c *Campaign) error {
	var errs []string
	switch {
	case len(c.Task) > 0 && c.Firmware != (Firmware{}):
		errs = append(errs, "a campaign rolls out firmware or a task, not both")
	case len(c.Task) > 0:
		if !json.Valid(c.Task) || c.Task[0] != '{' {
			errs = append(errs, "task is a JSON object (a task as POST /devices/{id}/tasks takes it)")
		}
	case c.Firmware.Version == "" || c.Firmware.File == "":
		errs = append(errs, "firmware needs version and file (or give a task)")
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

func (w Window) parse() (cron.Schedule, *time.Location, error) {
	s, err := cronParser.Parse(w.Cron)
	if err != nil {
		return nil, nil, fmt.Errorf("cron %q: %v", w.Cron, err)
	}
	if w.Duration <= 0 {
		return nil, nil, fmt.Errorf("duration is required")
	}
	loc := time.UTC
	if w.TimeZone != "" {
		if loc, err = time.LoadLocation(w.TimeZone); err != nil {
			return nil, nil, fmt.Errorf("time zone %q: %v", w.TimeZone, err)
		}
	}
	return s, loc, nil
}

// Open reports whether a window is open at now: its last opening is at
// most Duration ago.
func (w Window) Open(now time.Time) bool {
	s, loc, err := w.parse()
	if err != nil {
		return false
	}
	t := now.In(loc)
	next := s.Next(t.Add(-w.Duration)) // strictly after: the window is [open, open+Duration)
	return !next.After(t)
}

// InWindow reports whether devices may start at now.
func (c *Campaign) InWindow(now time.Time) bool {
	if len(c.Windows) == 0 {
		return true
	}
	for _, w := range c.Windows {
		if w.Open(now) {
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
	d := st.Devices[id]
	if st.Status != CampaignRunning || d == nil || d.Status != DeviceRunning || !d.Started.IsZero() || !c.InWindow(now) {
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
		}
		if now.Before(st.SoakUntil) {
			return nil
		}
	}
	if st.Assigned >= total {
		st.Status = CampaignCompleted
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

// Progress counts devices by status.
func (st *CampaignState) Progress() map[string]int {
	out := map[string]int{"targets": len(st.Targets), "unassigned": len(st.Targets) - st.Assigned}
	for _, d := range st.Devices {
		out[d.Status]++
	}
	return out
}

func (c *Campaign) timeoutReason() string {
	if len(c.Task) > 0 {
		return fmt.Sprintf("task not done within %v", c.Within)
	}
	return fmt.Sprintf("did not run %s within %v", c.Firmware.Version, c.Within)
}
