// Package conformance holds the conformance suite of the reference ACS:
// test plans as data (named, versioned lists of cases, each with the
// TR-069 / TR-106 / data-model reference it checks, a condition, and the
// steps the ACS drives across sessions), the runner that executes a plan
// against one device through a Driver (the ACS implements it), and the
// reports (JSON, JUnit XML, a self-contained HTML page).
//
// The package knows nothing of the ACS's store or sessions: everything a
// step does to the device goes through the Driver, so that a plan is
// judged the same way whichever ACS drives it.
package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dmforge/dmforge/model"
)

// Plan is a named, versioned suite of cases.
type Plan struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Title   string `json:"title,omitempty"`
	Cases   []Case `json:"cases"`
}

// Case is one test of a plan.
type Case struct {
	ID      string `json:"id"`
	Area    string `json:"area"` // module area: "events", "rpc", "probe", "profile", …
	Purpose string `json:"purpose"`
	// Refs are the clauses the case checks ("TR-069 Amendment 6 §3.2.2").
	Refs      []string  `json:"refs"`
	Condition Condition `json:"condition"`
	Steps     []Step    `json:"steps"`
}

// Condition kinds.
const (
	Mandatory   = "mandatory"  // every device
	IfRPC       = "rpc"        // the device lists Value in GetRPCMethods
	IfProfile   = "profile"    // the device declares profile Value, or the run selects it
	IfDataModel = "data-model" // the device's root model is Value ("Device:2", "InternetGatewayDevice:1")
	IfParameter = "parameter"  // the device reports parameter Value (relative to its root)
	IfOption    = "option"     // the run's options name Value in "cases" (opt-in cases)
	IfACS       = "acs"        // the ACS offers Value: "tls" (a certificate, which the device must trust, for https)
	nConditions = "mandatory, rpc, profile, data-model, parameter, option, acs"
)

// Condition says when a case applies to a device: always (mandatory), or
// on what the device declares.
type Condition struct {
	Kind  string `json:"kind"`
	Value string `json:"value,omitempty"`
}

func (c Condition) String() string {
	if c.Kind == Mandatory || c.Kind == "" {
		return Mandatory
	}
	return c.Kind + " " + c.Value
}

// Destructive steps a run must allow explicitly.
const (
	Reboot       = "reboot"
	FactoryReset = "factoryReset"
	Download     = "download"
)

// Step ops.
const (
	OpRPC               = "rpc"               // queue Task, send a connection request, wait for the answer; Judge it
	OpAwaitInform       = "awaitInform"       // wait for an Inform holding Events
	OpConnectionRequest = "connectionRequest" // send a connection request; then the Inform must carry "6 CONNECTION REQUEST"
	OpProbe             = "probe"             // the ACS's negative test Check (probe.go)
	OpPutFile           = "putFile"           // the ACS stores a file for Download ({file} in later tasks)
	OpPeriodic          = "periodic"          // set the periodic Inform interval to Interval and time the Informs
	OpForcedInform      = "forcedInform"      // the last Inform holds every forced-inform parameter the device has
	OpRPCMethods        = "rpcMethods"        // GetRPCMethods lists every method TR-069 requires of a CPE
	OpProfile           = "profile"           // the device's tree meets Requirements
	OpDiagnostic        = "diagnostic"        // run Diagnostic: Requested, 8 DIAGNOSTICS COMPLETE, Complete, results conform
	OpSession           = "session"           // the case's HTTP/SOAP exchange meets Check: "cookie" or "id"
	OpEndpoint          = "endpoint"          // point ManagementServer.URL at a second endpoint of the ACS that behaves as Check says (run_endpoint.go)
	nOps                = "rpc, awaitInform, connectionRequest, probe, putFile, periodic, forcedInform, rpcMethods, profile, diagnostic, session, endpoint"
)

// Judges of an rpc step: what the answer must show.
const (
	JudgeDone        = ""            // answered without fault (waiting for a later event counts)
	JudgeComplete    = "complete"    // the task completed: its later event (M Reboot, TransferComplete) came too
	JudgeSupported   = "supported"   // answered with anything but 9000 Method not supported
	JudgePartialPath = "partialPath" // GetParameterValues of an object: every parameter under it, none outside
	JudgeNextLevel   = "nextLevel"   // GetParameterNames with NextLevel true: the direct children only
	nJudges          = "\"\", complete, supported, partialPath, nextLevel"
)

// Step is one thing the ACS does or waits for. Fields apply by Op.
type Step struct {
	Op string `json:"op"`
	// Task is an NBI task body (POST /devices/{id}/tasks) for rpc;
	// "{root}" becomes the device's root object, "{file}" the file of
	// the last putFile step.
	Task  json.RawMessage `json:"task,omitempty"`
	Judge string          `json:"judge,omitempty"`
	// Events an awaitInform's Inform must hold; an "M <Method>" event
	// must carry the CommandKey of the case's last rpc step.
	Events []string `json:"events,omitempty"`
	// WithinSeconds bounds the wait (the run's StepTimeout if zero);
	// NotBeforeSeconds is the least time after the case's last rpc step
	// the Inform may come (ScheduleInform's DelaySeconds).
	WithinSeconds    int `json:"withinSeconds,omitempty"`
	NotBeforeSeconds int `json:"notBeforeSeconds,omitempty"`
	// Check names the probe check of a probe step.
	Check string `json:"check,omitempty"`
	// Size is the size of a putFile's file.
	Size int `json:"size,omitempty"`
	// IntervalSeconds is a periodic step's PeriodicInformInterval (the
	// run's PeriodicInterval option when zero).
	IntervalSeconds int `json:"intervalSeconds,omitempty"`
	// Destructive names what the step does that the run must allow
	// (reboot, factoryReset, download); the case is skipped otherwise.
	Destructive string `json:"destructive,omitempty"`
	// Requirements of a profile step.
	Requirements []Requirement `json:"requirements,omitempty"`
	// Diagnostic of a diagnostic step.
	Diagnostic *Diagnostic `json:"diagnostic,omitempty"`
}

// Diagnostic is a diagnostic a step runs: its object (relative to the
// root), the parameters it sets, and the results that must not be zero.
type Diagnostic struct {
	Object     string            `json:"object"`
	Parameters map[string]string `json:"parameters,omitempty"`
	NonZero    []string          `json:"nonZero,omitempty"`
}

// Requirement is one item a profile requires: an object or a parameter
// (schema path, "{i}" for instances) with the least access.
type Requirement struct {
	Path   string            `json:"path"`
	Object bool              `json:"object,omitempty"`
	Access model.Requirement `json:"access"`
}

// Validate checks a plan's shape: names, unique case ids, known
// conditions, ops, judges and destructive kinds, and task bodies that
// are JSON objects. The error names the case and step.
func (p *Plan) Validate() error {
	if p.Name == "" || p.Version == "" {
		return fmt.Errorf("plan: name and version are required")
	}
	if len(p.Cases) == 0 {
		return fmt.Errorf("plan %s: no cases", p.Name)
	}
	seen := map[string]bool{}
	for i, c := range p.Cases {
		where := fmt.Sprintf("plan %s case %d (%s)", p.Name, i, c.ID)
		if c.ID == "" || strings.ContainsAny(c.ID, " \t\n") {
			return fmt.Errorf("%s: an id is one word", where)
		}
		if seen[c.ID] {
			return fmt.Errorf("%s: id used twice", where)
		}
		seen[c.ID] = true
		switch c.Condition.Kind {
		case Mandatory, "":
		case IfRPC, IfProfile, IfDataModel, IfParameter, IfOption, IfACS:
			if c.Condition.Value == "" {
				return fmt.Errorf("%s: condition %s needs a value", where, c.Condition.Kind)
			}
		default:
			return fmt.Errorf("%s: condition kind %q (known: %s)", where, c.Condition.Kind, nConditions)
		}
		if len(c.Steps) == 0 {
			return fmt.Errorf("%s: no steps", where)
		}
		for j, s := range c.Steps {
			sw := fmt.Sprintf("%s step %d (%s)", where, j, s.Op)
			switch s.Op {
			case OpRPC:
				var body map[string]any
				if err := json.Unmarshal(s.Task, &body); err != nil || body["name"] == nil {
					return fmt.Errorf("%s: task is a JSON object with a name", sw)
				}
				switch s.Judge {
				case JudgeDone, JudgeComplete, JudgeSupported, JudgePartialPath, JudgeNextLevel:
				default:
					return fmt.Errorf("%s: judge %q (known: %s)", sw, s.Judge, nJudges)
				}
			case OpAwaitInform:
				if len(s.Events) == 0 {
					return fmt.Errorf("%s: events are required", sw)
				}
			case OpProbe:
				if s.Check == "" {
					return fmt.Errorf("%s: check is required", sw)
				}
			case OpProfile:
				if len(s.Requirements) == 0 {
					return fmt.Errorf("%s: requirements are required", sw)
				}
			case OpSession:
				if s.Check != "cookie" && s.Check != "id" {
					return fmt.Errorf("%s: check is cookie or id", sw)
				}
			case OpEndpoint:
				if !slices.Contains(EndpointChecks, s.Check) {
					return fmt.Errorf("%s: check is one of %s", sw, strings.Join(EndpointChecks, ", "))
				}
			case OpDiagnostic:
				if s.Diagnostic == nil || !strings.HasSuffix(s.Diagnostic.Object, ".") {
					return fmt.Errorf("%s: diagnostic.object (ending in \".\") is required", sw)
				}
			case OpConnectionRequest, OpPutFile, OpPeriodic, OpForcedInform, OpRPCMethods:
			default:
				return fmt.Errorf("%s: unknown op (known: %s)", sw, nOps)
			}
			switch s.Destructive {
			case "", Reboot, FactoryReset, Download:
			default:
				return fmt.Errorf("%s: destructive %q (known: reboot, factoryReset, download)", sw, s.Destructive)
			}
			if s.WithinSeconds < 0 || s.NotBeforeSeconds < 0 || s.IntervalSeconds < 0 || s.Size < 0 {
				return fmt.Errorf("%s: negative time or size", sw)
			}
		}
	}
	return nil
}

// destructive lists what a case's steps need allowed.
func (c *Case) destructive() []string {
	var out []string
	for _, s := range c.Steps {
		if s.Destructive != "" {
			out = append(out, s.Destructive)
		}
	}
	return out
}

// ParsePlan reads a plan from JSON (unknown fields refused) and
// validates it.
func ParsePlan(data []byte) (*Plan, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Merge returns a plan holding p's cases, then extra's (a plan generated
// from a model's profiles, say) under p's name and a version naming both.
func Merge(p, extra *Plan) *Plan {
	out := &Plan{Name: p.Name, Version: p.Version + "+" + extra.Name + "-" + extra.Version, Title: p.Title}
	out.Cases = append(append(out.Cases, p.Cases...), extra.Cases...)
	return out
}

// Options are a run's settings.
type Options struct {
	// Allow lists the destructive steps the run may take (reboot,
	// factoryReset, download); cases needing others are skipped.
	Allow []string `json:"allow,omitempty"`
	// Profiles the lab selects in addition to those the device declares.
	Profiles []string `json:"profiles,omitempty"`
	// Cases, when not empty, restricts the run to these case ids (and
	// enables the opt-in cases named).
	Cases []string `json:"cases,omitempty"`
	// StepTimeoutSeconds bounds each wait for the device (60 if zero).
	StepTimeoutSeconds int `json:"stepTimeoutSeconds,omitempty"`
	// PeriodicIntervalSeconds is the PeriodicInformInterval the periodic
	// case sets (10 if zero).
	PeriodicIntervalSeconds int `json:"periodicIntervalSeconds,omitempty"`
}

func (o *Options) stepTimeout() time.Duration {
	if o.StepTimeoutSeconds > 0 {
		return time.Duration(o.StepTimeoutSeconds) * time.Second
	}
	return 60 * time.Second
}

func (o *Options) allows(what string) bool {
	for _, a := range o.Allow {
		if a == what {
			return true
		}
	}
	return false
}

// Validate checks the options.
func (o *Options) Validate() error {
	for _, a := range o.Allow {
		switch a {
		case Reboot, FactoryReset, Download:
		default:
			return fmt.Errorf("options.allow: %q (known: reboot, factoryReset, download)", a)
		}
	}
	if o.StepTimeoutSeconds < 0 || o.StepTimeoutSeconds > 3600 {
		return fmt.Errorf("options.stepTimeoutSeconds: 0 to 3600")
	}
	if o.PeriodicIntervalSeconds < 0 || o.PeriodicIntervalSeconds > 3600 {
		return fmt.Errorf("options.periodicIntervalSeconds: 0 to 3600")
	}
	return nil
}

// Select returns the cases a run with o runs: those o.Cases names, or
// else every case but the opt-in ones.
func (p *Plan) Select(o Options) []Case {
	var out []Case
	for _, c := range p.Cases {
		if len(o.Cases) == 0 && c.Condition.Kind != IfOption || slices.Contains(o.Cases, c.ID) {
			out = append(out, c)
		}
	}
	return out
}
