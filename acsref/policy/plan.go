package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/dmforge/dmforge/cwmp"
)

// Known is a parameter value the ACS knows, and when it was read or set.
type Known struct {
	Value   string
	Updated time.Time
}

// DeviceState is what the planner knows of one device.
type DeviceState interface {
	Facts() Facts
	// Root is the device's root object ("Device.").
	Root() string
	// Get returns a parameter's known value.
	Get(path string) (Known, bool)
	// Oldest returns the oldest update time of the parameters under an
	// object path ("Device.IP."), false when none is known.
	Oldest(prefix string) (time.Time, bool)
	// Instances returns the known instance numbers of a table
	// ("Device.IP.Interface."); known is false when the ACS has never
	// read the table (then it must read it before adding to it).
	Instances(table string) (numbers []uint32, known bool)
}

// Status of a policy on a device.
const (
	StatusConverged = "converged"
	StatusPending   = "pending"
	StatusFault     = "fault"
)

// PolicyState is what the ACS records per device and policy.
type PolicyState struct {
	Policy    string    `json:"policy"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	NextRetry time.Time `json:"nextRetry,omitzero"`
	LastRun   time.Time `json:"lastRun,omitzero"`
	// Attributes is the digest of the attributes last set successfully.
	Attributes string `json:"attributes,omitempty"`
	// Download is when the firmware download was last accepted.
	Download time.Time `json:"download,omitzero"`
	Updated  time.Time `json:"updated"`
}

// Session is what the current CWMP session has done so far; the ACS
// updates it as the CPE answers, and plans again.
type Session struct {
	Events     []string          // canonical Inform event codes
	Sets       map[string]string // path → value set in this session
	Unverified map[string]bool   // paths set, not yet read back
	Added      map[string]uint32 // object id (policy/index) → instance added
	Read       map[string]bool   // paths and tables read in this session
	Faults     map[string]string // policy → fault of an RPC in this session
	AttrsDone  map[string]string // policy → attribute digest set in this session
	Downloaded map[string]bool   // policy → download accepted in this session
	RPCs       int               // RPCs sent for policies in this session
	// Held are the policies a campaign holds back from this device (it
	// has not reached it yet), with the reason: they are not planned.
	Held map[string]string
	// Released are the policies a campaign has started on this device:
	// a policy with rollout "campaign" is planned only where released.
	Released map[string]bool
	// Retry are the policies a campaign (re)started on this device in
	// this session: a fault's backoff does not delay them.
	Retry map[string]bool
}

// NewSession starts the memory of a session with its events.
func NewSession(events []string) *Session {
	return &Session{Events: events, Sets: map[string]string{}, Unverified: map[string]bool{}, Added: map[string]uint32{},
		Read: map[string]bool{}, Faults: map[string]string{}, AttrsDone: map[string]string{}, Downloaded: map[string]bool{}}
}

// MaxSessionRPCs bounds the policy RPCs of one session: past it, the
// policies still pending are reported as a fault (a cycle), never looped.
const MaxSessionRPCs = 64

// Backoff is the wait before a policy that faulted on a device is tried
// again: a minute, doubling with each attempt, at most a day.
func Backoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// FirmwareWait is how long a download accepted by the CPE is waited for
// (the device reinforms with the new SoftwareVersion) before it is sent
// again.
const FirmwareWait = time.Hour

// RPC is one planned RPC.
type RPC struct {
	Method     string                              `json:"method"`
	Names      []string                            `json:"names,omitempty"`
	Values     []cwmp.ParameterValueStruct         `json:"values,omitempty"`
	Object     string                              `json:"object,omitempty"`
	Then       []cwmp.ParameterValueStruct         `json:"then,omitempty"` // AddObject: values of the new instance (relative names)
	Attributes []cwmp.SetParameterAttributesStruct `json:"attributes,omitempty"`
	File       string                              `json:"file,omitempty"`
	FileType   string                              `json:"fileType,omitempty"`
	Version    string                              `json:"version,omitempty"`
	Policies   []string                            `json:"policies"`
	// ObjectID identifies the policy object an AddObject creates
	// ("policy/index"): the ACS records the instance under it.
	ObjectID string `json:"objectId,omitempty"`
	Digest   string `json:"-"` // SetParameterAttributes: per policy digests, "name=digest;..."
}

// Outcome is what a plan says of one policy on the device.
type Outcome struct {
	Status string `json:"status"` // converged, pending, fault, or "" when not considered
	Reason string `json:"reason,omitempty"`
	Match  bool   `json:"match"`
	// Ran: the policy was triggered (or not yet converged) and planned
	// in full; a converged scheduled policy's last run is then now.
	Ran bool `json:"ran,omitempty"`
}

// Plan is the RPCs that converge a device, in order, and the outcome of
// each policy if they succeed.
type Plan struct {
	RPCs     []RPC              `json:"rpcs"`
	Outcomes map[string]Outcome `json:"outcomes"`
}

// planner accumulates one plan.
type planner struct {
	set      *Set
	st       DeviceState
	facts    Facts
	now      time.Time
	sess     *Session
	reads    []string
	readSet  map[string]bool
	sets     []cwmp.ParameterValueStruct
	setBy    map[string][]string // path → policies
	claimed  map[string]string   // path → policy that owns it (highest priority)
	adds     []RPC
	deletes  []RPC
	attrs    []RPC
	download *RPC
	out      map[string]Outcome
	vcache   map[string]virtualResult
}

type virtualResult struct {
	val     string
	missing bool
	err     error
}

// Compute plans one device's session step: for every policy of the set
// (with its stored state, by name), what differs from the known state.
// It is pure: the same inputs give the same plan.
func Compute(set *Set, st DeviceState, states map[string]*PolicyState, sess *Session, now time.Time) *Plan {
	p := &planner{set: set, st: st, facts: st.Facts(), now: now, sess: sess, readSet: map[string]bool{}, setBy: map[string][]string{},
		claimed: map[string]string{}, out: map[string]Outcome{}, vcache: map[string]virtualResult{}}
	if sess == nil {
		p.sess = NewSession(nil)
	}
	for _, c := range set.Policies {
		p.policy(c, states[c.Doc.Name])
	}
	plan := &Plan{Outcomes: p.out}
	if len(p.reads) > 0 {
		plan.RPCs = append(plan.RPCs, RPC{Method: "GetParameterValues", Names: p.reads, Policies: p.policiesOf(p.reads)})
	}
	plan.RPCs = append(plan.RPCs, p.adds...)
	plan.RPCs = append(plan.RPCs, p.deletes...)
	if len(p.sets) > 0 {
		var names []string
		for _, v := range p.sets {
			names = append(names, v.Name)
		}
		plan.RPCs = append(plan.RPCs, RPC{Method: "SetParameterValues", Values: p.sets, Policies: p.policiesOf(names)})
	}
	if len(p.attrs) > 0 {
		merged := RPC{Method: "SetParameterAttributes"}
		var digests []string
		for _, a := range p.attrs {
			merged.Attributes = append(merged.Attributes, a.Attributes...)
			merged.Policies = append(merged.Policies, a.Policies...)
			digests = append(digests, a.Policies[0]+"="+a.Digest)
		}
		merged.Digest = strings.Join(digests, ";")
		plan.RPCs = append(plan.RPCs, merged)
	}
	if p.download != nil {
		plan.RPCs = append(plan.RPCs, *p.download)
	}
	if p.sess.RPCs >= MaxSessionRPCs && len(plan.RPCs) > 0 {
		for name, o := range p.out {
			if o.Status == StatusPending {
				p.out[name] = Outcome{Status: StatusFault, Match: true, Reason: fmt.Sprintf("does not converge: %d RPCs in one session (cycle bound)", MaxSessionRPCs)}
			}
		}
		plan.RPCs = nil
	}
	return plan
}

func (p *planner) policiesOf(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range paths {
		for _, pol := range p.setBy[n] {
			if !seen[pol] {
				seen[pol] = true
				out = append(out, pol)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (p *planner) read(path, policy string) {
	p.setBy[path] = appendUnique(p.setBy[path], policy)
	if p.readSet[path] {
		return
	}
	p.readSet[path] = true
	p.reads = append(p.reads, path)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// applies reports whether a policy's target covers the device's root.
func (p *planner) applies(c *Compiled) bool { return c.CoversRoot(p.st.Root()) }

// CoversRoot reports whether a policy's target model covers a device
// whose root object is root ("Device.", "" for a standalone service
// CPE whose Inform names no parameter).
func (c *Compiled) CoversRoot(root string) bool {
	if root == "" {
		// A device whose Inform names no parameter (a standalone service
		// CPE: VoiceService.1.…) has no known root: a service policy
		// written for the standalone form applies when its match says so.
		return c.Target.Service && c.match != nil && c.root() == c.Target.topObject()
	}
	if !c.Target.Service {
		return c.Target.topObject() == root
	}
	// A service policy applies under the root its paths name (all of
	// them name one: Check requires it).
	if r := c.root(); r != "" {
		return r == root
	}
	return root == c.Target.topObject() || root == "Device." || root == "InternetGatewayDevice."
}

// triggered reports whether a converged policy is looked at in this
// session: a trigger event, a due schedule, or no triggers at all.
func (p *planner) triggered(c *Compiled, ps *PolicyState) bool {
	tr := c.Doc.Policy.Triggers
	if len(tr.Events) == 0 && tr.Schedule == nil {
		return true
	}
	for _, e := range tr.Events {
		want, _ := CanonicalEvent(e)
		for _, got := range p.sess.Events {
			if got == want {
				return true
			}
		}
	}
	if s := tr.Schedule; s != nil {
		return !p.now.Before(NextRun(s, c.Doc.Name, p.facts.ID, ps.LastRun))
	}
	return false
}

// NextRun is when a schedule next runs for a device after its last run:
// the interval or the cron time, shifted by the device's share of the
// spread (a hash of device and policy, so devices spread evenly and each
// keeps its slot).
func NextRun(s *Schedule, policy, device string, last time.Time) time.Time {
	var offset time.Duration
	if s.Spread > 0 {
		h := fnv.New64a()
		h.Write([]byte(policy + "\x00" + device))
		offset = time.Duration(h.Sum64() % uint64(s.Spread))
	}
	if last.IsZero() {
		return time.Time{}
	}
	if s.Cron != "" {
		sched, err := cronParser.Parse(s.Cron)
		if err != nil {
			return time.Time{}
		}
		return sched.Next(last.Add(-offset)).Add(offset)
	}
	return last.Add(s.Every)
}

func (p *planner) policy(c *Compiled, ps *PolicyState) {
	name := c.Doc.Name
	if !p.applies(c) {
		return
	}
	if ps == nil {
		ps = &PolicyState{Policy: name}
	}
	if _, held := p.sess.Held[name]; held || c.Doc.Policy.Rollout == RolloutCampaign && !p.sess.Released[name] {
		return // a campaign has not reached the device yet
	}
	if why, ok := p.sess.Faults[name]; ok {
		p.out[name] = Outcome{Status: StatusFault, Reason: why, Match: true}
		return
	}
	if gs := c.Doc.Policy.Groups; len(gs) > 0 {
		in, unknown := false, false
		for _, g := range gs {
			m, u, err := p.member(p.set.Groups[g], name)
			if err != nil {
				p.out[name] = Outcome{Status: StatusFault, Reason: "group " + g + ": " + err.Error(), Match: true}
				return
			}
			in, unknown = in || m, unknown || u
		}
		if !in && unknown {
			p.out[name] = Outcome{Status: StatusPending, Reason: "reading the parameters its groups need", Match: true}
			return
		}
		if !in {
			return
		}
	}
	if c.match != nil {
		v, missing, err := p.eval(c.match, name)
		if err != nil {
			p.out[name] = Outcome{Status: StatusFault, Reason: "match: " + err.Error(), Match: true}
			return
		}
		if missing {
			p.out[name] = Outcome{Status: StatusPending, Reason: "reading the parameters the match needs", Match: true}
			return
		}
		if v != "true" {
			return // not for this device
		}
	}
	// Freshness applies in every session of a matching device.
	for _, f := range c.fresh {
		var t time.Time
		var ok bool
		if strings.HasSuffix(f.Path, ".") {
			t, ok = p.st.Oldest(f.Path)
		} else {
			var k Known
			k, ok = p.st.Get(f.Path)
			t = k.Updated
		}
		if (!ok || p.now.Sub(t) >= f.MaxAge) && !p.sess.Read[f.Path] {
			p.read(f.Path, name)
		}
	}
	if ps.Status == StatusFault && p.now.Before(ps.NextRetry) && !p.sess.Retry[name] {
		p.out[name] = Outcome{Status: StatusFault, Reason: ps.Reason, Match: true}
		return
	}
	if ps.Status == StatusConverged && !p.triggered(c, ps) {
		p.out[name] = Outcome{Status: StatusConverged, Match: true}
		return
	}
	pending := []string{}
	fault := ""
	for _, v := range c.values {
		why, f := p.value(c, v, v.path)
		if f != "" && fault == "" {
			fault = f
		}
		if why != "" {
			pending = append(pending, why)
		}
	}
	for i, o := range c.objects {
		why, f := p.object(c, i, o)
		if f != "" && fault == "" {
			fault = f
		}
		pending = append(pending, why...)
	}
	if len(c.attrs) > 0 {
		d := attrDigest(c.attrs)
		if ps.Attributes != d && p.sess.AttrsDone[name] != d {
			rpc := RPC{Method: "SetParameterAttributes", Policies: []string{name}, Digest: d}
			for _, a := range c.attrs {
				st := cwmp.SetParameterAttributesStruct{Name: a.Path, AccessList: []string{}}
				if a.Notification != nil {
					st.Notification, st.NotificationChange = *a.Notification, true
				}
				if a.HasAccess {
					st.AccessList, st.AccessListChange = append([]string{}, a.AccessList...), true
				}
				rpc.Attributes = append(rpc.Attributes, st)
			}
			p.attrs = append(p.attrs, rpc)
			pending = append(pending, "attributes")
		}
	}
	if fw := c.Doc.Policy.Firmware; fw != nil && p.facts.SoftwareVersion != fw.Version {
		switch {
		case p.sess.Downloaded[name] || !ps.Download.IsZero() && p.now.Sub(ps.Download) < FirmwareWait:
			pending = append(pending, "waiting for the device to run "+fw.Version)
		case p.download == nil:
			p.download = &RPC{Method: "Download", File: fw.File, FileType: fw.FileType, Version: fw.Version, Policies: []string{name}}
			pending = append(pending, "firmware "+fw.Version)
		default:
			pending = append(pending, "firmware after "+strings.Join(p.download.Policies, ","))
		}
	}
	switch {
	case fault != "":
		p.out[name] = Outcome{Status: StatusFault, Reason: fault, Match: true, Ran: true}
	case len(pending) > 0:
		p.out[name] = Outcome{Status: StatusPending, Reason: strings.Join(pending, "; "), Match: true, Ran: true}
	default:
		p.out[name] = Outcome{Status: StatusConverged, Match: true, Ran: true}
	}
}

// value plans one desired value at a concrete path: it returns why it is
// pending ("" when converged) and a fault reason.
func (p *planner) value(c *Compiled, v cvalue, path string) (pending, fault string) {
	name := c.Doc.Name
	if owner, ok := p.claimed[path]; ok && owner != name {
		return "", "" // a policy of higher priority sets it
	}
	p.claimed[path] = name
	want := v.constant
	if v.prog != nil {
		val, missing, err := p.eval(v.prog, name)
		if err != nil {
			return "", fmt.Sprintf("%s: %v", path, err)
		}
		if missing {
			return path + ": reading its inputs", ""
		}
		want = val
	}
	if v.syntax != nil && v.prog != nil {
		if err := checkWire(v, want); err != nil {
			return "", fmt.Sprintf("%s: computed value %q: %v", path, want, err)
		}
	}
	if p.sess.Unverified[path] {
		p.read(path, name)
		return path + ": verifying", ""
	}
	k, ok := p.st.Get(path)
	if ok && Normalize(v.syntax, k.Value) == Normalize(v.syntax, want) {
		return "", ""
	}
	if set, done := p.sess.Sets[path]; done {
		// Set in this session, read back different: the device does not
		// keep it. Never set it again in this session.
		return "", fmt.Sprintf("%s: set to %q, the device reads back %q", path, set, k.Value)
	}
	p.setBy[path] = appendUnique(p.setBy[path], name)
	for _, s := range p.sets {
		if s.Name == path {
			return path, ""
		}
	}
	p.sets = append(p.sets, cwmp.ParameterValueStruct{Name: path, Value: want, Type: v.wire})
	return path, ""
}

func checkWire(v cvalue, wire string) error {
	if ve := modelCheck(v.syntax, wire); ve != nil {
		return ve
	}
	return nil
}

// object plans one object instance identified by key.
func (p *planner) object(c *Compiled, idx int, o cobject) (pending []string, fault string) {
	name := c.Doc.Name
	id := name + "/" + strconv.Itoa(idx)
	nums, known := p.st.Instances(o.table)
	if !known && !p.sess.Read[o.table] {
		p.read(o.table, name)
		return []string{o.table + ": reading its instances"}, ""
	}
	match := uint32(0)
	if n, ok := p.sess.Added[id]; ok {
		match = n
	}
	for _, n := range nums {
		if match != 0 {
			break
		}
		inst := o.table + strconv.FormatUint(uint64(n), 10) + "."
		all := true
		for _, k := range o.key {
			kv, ok := p.st.Get(inst + k.path)
			if !ok || Normalize(k.syntax, kv.Value) != Normalize(k.syntax, k.constant) {
				all = false
				break
			}
		}
		if all {
			match = n
		}
	}
	if o.del {
		for _, n := range nums {
			if n != match {
				p.deletes = append(p.deletes, RPC{Method: "DeleteObject", Object: o.table + strconv.FormatUint(uint64(n), 10) + ".", Policies: []string{name}})
				pending = append(pending, "deleting "+o.table+strconv.FormatUint(uint64(n), 10)+".")
			}
		}
	}
	if match == 0 {
		rpc := RPC{Method: "AddObject", Object: o.table, Policies: []string{name}, ObjectID: id}
		for _, v := range append(append([]cvalue{}, o.key...), o.values...) {
			val := v.constant
			if v.prog != nil {
				val = "(computed)"
			}
			rpc.Then = append(rpc.Then, cwmp.ParameterValueStruct{Name: v.path, Value: val, Type: v.wire})
		}
		p.adds = append(p.adds, rpc)
		return append(pending, "creating "+o.table+" instance"), ""
	}
	inst := o.table + strconv.FormatUint(uint64(match), 10) + "."
	for _, v := range append(append([]cvalue{}, o.key...), o.values...) {
		why, f := p.value(c, v, inst+v.path)
		if f != "" && fault == "" {
			fault = f
		}
		if why != "" {
			pending = append(pending, why)
		}
	}
	return pending, fault
}

// eval evaluates an expression on the known state; missing is true when
// an input is unknown (it is then queued for reading).
func (p *planner) eval(pr *program, policy string) (string, bool, error) {
	act := map[string]any{}
	p.facts.activation(act)
	var unknownVars []string  // CEL variables not known: partial evaluation
	var unknownPaths []string // and the parameters to read if they matter
	for i, par := range pr.params {
		k, ok := p.st.Get(par.path)
		if !ok {
			if !p.sess.Read[par.path] {
				unknownVars = append(unknownVars, "_p"+strconv.Itoa(i))
				unknownPaths = append(unknownPaths, par.path)
				continue
			}
			return "", false, fmt.Errorf("%s: the device does not have it", par.path)
		}
		x, err := typedValue(par.syntax, k.Value)
		if err != nil {
			return "", false, fmt.Errorf("%s: reported value %q: %v", par.path, k.Value, err)
		}
		act["_p"+strconv.Itoa(i)] = x
	}
	vs := p.set.Virtuals[p.targetOf(pr)]
	for _, name := range pr.virtuals {
		v, ok := vs[name]
		if !ok {
			continue
		}
		r := p.virtual(v, policy)
		if r.err != nil {
			return "", false, fmt.Errorf("v.%s: %w", name, r.err)
		}
		if r.missing {
			unknownVars = append(unknownVars, "v."+name)
			continue
		}
		x, err := typedValue(syntaxOf(v.typ), r.val)
		if err != nil {
			return "", false, err
		}
		act["v."+name] = x
	}
	var in any = act
	if len(unknownVars) > 0 {
		// An input that is not known matters only if the result depends
		// on it ("gold" in device.tags || X: no read when tagged).
		pats := make([]*cel.AttributePatternType, len(unknownVars))
		for i, u := range unknownVars {
			pats[i] = cel.AttributePattern(u)
		}
		pv, err := cel.PartialVars(act, pats...)
		if err != nil {
			return "", false, err
		}
		in = pv
	}
	out, _, err := pr.prg.Eval(in)
	if types.IsUnknown(out) {
		for _, path := range unknownPaths {
			p.read(path, policy)
		}
		return "", true, nil
	}
	if err != nil {
		return "", false, err
	}
	if out.Type() == types.BoolType {
		return strconv.FormatBool(out.Value().(bool)), false, nil
	}
	s, err := wireValue(nil, out)
	return s, false, err
}

// targetOf finds the target model of a program's virtuals: every
// virtual of a set is keyed by target; the planner looks in all.
func (p *planner) targetOf(pr *program) string {
	for t, vs := range p.set.Virtuals {
		for _, name := range pr.virtuals {
			if _, ok := vs[name]; ok {
				return t
			}
		}
	}
	return ""
}

func (p *planner) virtual(v *compiledVirtual, policy string) virtualResult {
	if r, ok := p.vcache[v.name]; ok {
		return r
	}
	val, missing, err := p.eval(v.prog, policy)
	r := virtualResult{val: val, missing: missing, err: err}
	p.vcache[v.name] = r
	return r
}

func attrDigest(as []Attribute) string {
	b, _ := json.Marshal(as)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// VirtualValues evaluates every virtual parameter of the device's models
// on its known state: name → value, or the reason it has none.
func VirtualValues(set *Set, st DeviceState) map[string]string {
	p := &planner{set: set, st: st, facts: st.Facts(), sess: NewSession(nil), readSet: map[string]bool{}, setBy: map[string][]string{},
		claimed: map[string]string{}, out: map[string]Outcome{}, vcache: map[string]virtualResult{}}
	out := map[string]string{}
	for _, vs := range set.Virtuals {
		for name, v := range vs {
			if !(&Compiled{Target: setTarget(set, name)}).appliesRoot(st.Root()) {
				continue
			}
			r := p.virtual(v, name)
			switch {
			case r.err != nil:
				out[name] = "error: " + r.err.Error()
			case r.missing:
				out[name] = "unknown: needs " + strings.Join(p.reads, ", ")
			default:
				out[name] = r.val
			}
		}
	}
	return out
}

func setTarget(set *Set, name string) *Target {
	if c, ok := set.byName[name]; ok {
		return c.Target
	}
	return nil
}

func (c *Compiled) appliesRoot(root string) bool {
	if c.Target == nil {
		return false
	}
	return c.Target.Service || c.Target.topObject() == root
}

// member reports whether the device is in a group; unknown when the
// group's match needs values not yet read (queued for reading).
func (p *planner) member(g *Compiled, policy string) (in, unknown bool, err error) {
	if g == nil || g.group == nil {
		return false, false, nil
	}
	if g.group.match == nil {
		return g.group.devices[p.facts.ID], false, nil
	}
	if !(&Compiled{Target: g.Target}).appliesRoot(p.st.Root()) {
		return false, false, nil
	}
	v, missing, err := p.eval(g.group.match, policy)
	if err != nil || missing {
		return false, missing, err
	}
	return v == "true", false, nil
}

// Membership reports whether a device is in a group on what is known of
// it: in, or unknown when the group's match reads values not known yet.
func Membership(set *Set, name string, st DeviceState) (in, unknown bool, err error) {
	g, ok := set.Groups[name]
	if !ok {
		return false, false, fmt.Errorf("no group %q", name)
	}
	p := &planner{set: set, st: st, facts: st.Facts(), sess: NewSession(nil), readSet: map[string]bool{}, setBy: map[string][]string{},
		claimed: map[string]string{}, out: map[string]Outcome{}, vcache: map[string]virtualResult{}}
	return p.member(g, name)
}
