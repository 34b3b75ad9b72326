package acsref

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// Discovery on first contact (and after BOOTSTRAP) is two internal tasks:
// the names of the device's tree, then their values. Real CPEs differ in
// what they survive, so each task runs as a series of RPCs chosen by the
// device's discovery strategy:
//
//   - names: one GetParameterNames of the root with NextLevel false; or,
//     for a device that failed it (or with SkipRootGPN), a walk of
//     GetParameterNames with NextLevel true, object by object;
//   - values: GetParameterValues of the leaf names in batches of
//     BatchSize; or one GetParameterValues of the root's partial path,
//     only for a device that has shown it answers partial paths (an NBI
//     getParameterValues of a partial path it answered, or PartialGPV).
//
// A CPE fault, no answer or an undecodable answer makes the strategy
// safer by itself (partial path → batches, batches halved down to single
// names, root GetParameterNames → NextLevel walk), and the device keeps
// what it learnt (store.Device.Discovery). Overrides come from the
// product class (Config.DiscoveryByProductClass) and the device
// (PUT /devices/{id}/discovery); learnt settings fill only what they leave
// open.

// DiscoveryStrategy is how the ACS discovers a device, and how it encodes
// some values for it. Zero fields mean "the default" (or, in an
// override, "not overridden").
type DiscoveryStrategy struct {
	// Disabled skips the discovery of the device.
	Disabled *bool `json:"disabled,omitempty"`
	// SkipRootGPN walks the tree with GetParameterNames NextLevel true
	// instead of one GetParameterNames of the root.
	SkipRootGPN *bool `json:"skipRootGPN,omitempty"`
	// PartialGPV reads all values with one GetParameterValues of the
	// root's partial path.
	PartialGPV *bool `json:"partialGPV,omitempty"`
	// BatchSize is the number of names in one GetParameterValues of the
	// values discovery (default 100).
	BatchSize int `json:"batchSize,omitempty"`
	// Booleans is how setParameterValues sends xsd:boolean values:
	// "true" (true/false, the default) or "1" (1/0).
	Booleans string `json:"booleans,omitempty"`
	// DateTimeMillis, when false, sends xsd:dateTime values without
	// fractional seconds.
	DateTimeMillis *bool `json:"dateTimeMilliseconds,omitempty"`
	// Values is which values first contact reads (discovery_scope.go):
	// "model" (the default) those of the parameters the bound model
	// defines and of vendor (X_) parameters; "standard" those the model
	// defines only; "all" every parameter's;
	// "lazy" only those something needs now, the rest on demand.
	Values string `json:"values,omitempty"`
}

// DefaultDiscoveryBatch is the default number of names per
// GetParameterValues of a discovery.
const DefaultDiscoveryBatch = 100

// maxDiscoveryBatch bounds BatchSize: larger requests are what breaks
// small CPEs.
const maxDiscoveryBatch = 1000

// Check refuses settings outside their domain.
func (d *DiscoveryStrategy) Check() error {
	if d.BatchSize < 0 || d.BatchSize > maxDiscoveryBatch {
		return fmt.Errorf("batchSize %d: between 1 and %d (0 for the default)", d.BatchSize, maxDiscoveryBatch)
	}
	switch d.Booleans {
	case "", "true", "1":
	default:
		return fmt.Errorf("booleans %q: \"true\" (true/false) or \"1\" (1/0)", d.Booleans)
	}
	switch d.Values {
	case "", ValuesModel, ValuesStandard, ValuesAll, ValuesLazy:
	default:
		return fmt.Errorf("values %q: %q, %q, %q or %q", d.Values, ValuesModel, ValuesStandard, ValuesAll, ValuesLazy)
	}
	return nil
}

// over returns d with the fields o sets replaced.
func (d DiscoveryStrategy) over(o DiscoveryStrategy) DiscoveryStrategy {
	if o.Disabled != nil {
		d.Disabled = o.Disabled
	}
	if o.SkipRootGPN != nil {
		d.SkipRootGPN = o.SkipRootGPN
	}
	if o.PartialGPV != nil {
		d.PartialGPV = o.PartialGPV
	}
	if o.BatchSize != 0 {
		d.BatchSize = o.BatchSize
	}
	if o.Booleans != "" {
		d.Booleans = o.Booleans
	}
	if o.DateTimeMillis != nil {
		d.DateTimeMillis = o.DateTimeMillis
	}
	if o.Values != "" {
		d.Values = o.Values
	}
	return d
}

// discoveryRecord is what store.Device.Discovery holds.
type discoveryRecord struct {
	// Override is the device's own override (NBI).
	Override DiscoveryStrategy `json:"override,omitzero"`
	// Learned is what the device's behaviour taught: it applies where no
	// override decides.
	Learned DiscoveryStrategy `json:"learned,omitzero"`
	// LastFallback says why the strategy last became safer.
	LastFallback string `json:"lastFallback,omitempty"`
	// Failures counts the discoveries that ended as a fault in a row;
	// the next is queued at RetryAt (or at BOOTSTRAP), so that a device
	// whose discovery keeps failing is not held up by it in every
	// session.
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retryAt,omitzero"`
}

// discoveryRetry is the wait after the n-th failed discovery: an hour,
// doubling, at most a day.
func discoveryRetry(n int) time.Duration {
	d := time.Hour
	for i := 1; i < n && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// wantsDiscovery reports whether the session's device is to be
// discovered.
func (s *Server) wantsDiscovery(se *session, bootstrap bool) bool {
	if se.bind == nil || se.dev.Discovered || s.cfg.NoDiscovery || isTrue(s.strategy(se).Disabled) {
		return false
	}
	return bootstrap || !time.Now().Before(se.rec.RetryAt)
}

// discoveryFailed records that a discovery task faulted (why): the other
// pending discovery task faults with it, and the next discovery waits.
func (s *Server) discoveryFailed(se *session, failed *store.Task, why string) {
	se.rec.Failures++
	se.rec.RetryAt = time.Now().UTC().Add(discoveryRetry(se.rec.Failures))
	se.dev.Discovery = se.rec.raw()
	ts, err := s.st.Tasks(context.Background(), store.TaskFilter{DeviceID: se.dev.ID, Status: []string{store.TaskPending}})
	if err != nil {
		return
	}
	for _, t := range ts {
		if t.Internal && t.ID != failed.ID {
			s.finishTask(se, t, store.TaskFault, nil, 0, "discovery abandoned: task "+strconv.FormatInt(failed.ID, 10)+" faulted: "+why)
		}
	}
}

func parseRecord(raw json.RawMessage) discoveryRecord {
	var r discoveryRecord
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &r) // a record that does not parse is forgotten
	}
	return r
}

func (r discoveryRecord) raw() json.RawMessage {
	if r == (discoveryRecord{}) {
		return nil
	}
	b, _ := json.Marshal(r)
	return b
}

// strategy is the effective strategy of the session's device: defaults,
// then what it learnt, then its product class's override, then its own.
func (s *Server) strategy(se *session) DiscoveryStrategy {
	st := DiscoveryStrategy{BatchSize: DefaultDiscoveryBatch, Values: ValuesModel}.over(se.rec.Learned)
	if o, ok := s.classOverride(context.Background(), se.dev.ProductClass); ok { // discovery_class.go
		st = st.over(o)
	}
	return st.over(se.rec.Override)
}

func isTrue(b *bool) bool { return b != nil && *b }

// learn makes the device's learnt strategy safer and says why.
func (se *session) learn(why string, change func(l *DiscoveryStrategy)) {
	change(&se.rec.Learned)
	se.rec.LastFallback = time.Now().UTC().Format(time.RFC3339) + " " + why
	se.dev.Discovery = se.rec.raw()
}

// discoveryJob runs one internal discovery task as a series of RPCs.
type discoveryJob struct {
	task *store.Task
	// root is the object discovered: the device's root, or the object of
	// a refreshObject task (which runs both phases).
	root    string
	refresh bool
	values  bool // the values phase (else the names phase)
	// names task
	walk  []string          // NextLevel walk: objects still to ask
	names []store.Parameter // names collected
	// values task
	partial bool       // one GetParameterValues of the root
	batches [][]string // leaf names still to ask
	batch   int        // batch size in use
	count   int        // values received
	leaves  []string   // refresh: the leaf names found
	skipped []string   // names the CPE refused one by one
	scope   string     // the strategy's Values
	unread  int        // names whose values the scope leaves to later
	rpcs    int
	failed  bool // the task ended in this session
}

// startDiscovery turns an internal task into a discovery job; nil when
// the task must wait.
func (s *Server) startDiscovery(ctx context.Context, se *session, t *store.Task) *discoveryJob {
	st := s.strategy(se)
	root := se.bind.Root
	j := &discoveryJob{task: t, root: root, batch: st.BatchSize}
	if t.Name == "refreshObject" {
		var spec TaskSpec
		_ = json.Unmarshal(t.Spec, &spec)
		if spec.ObjectName != "" {
			j.root = spec.ObjectName
		}
		j.refresh = true
		if isTrue(st.SkipRootGPN) {
			j.walk = []string{j.root}
		}
		return j
	}
	if t.Name == "getParameterNames" {
		if isTrue(st.SkipRootGPN) {
			j.walk = []string{root}
		}
		return j
	}
	j.values = true
	if se.leaves == nil && s.namesPending(ctx, se) {
		// The names task has not run yet (it waits for a retry): the
		// values wait for it.
		return nil
	}
	j.scope = st.Values
	if isTrue(st.PartialGPV) && j.scope != ValuesLazy {
		j.partial = true
		return j
	}
	j.batches = split(s.valueNames(ctx, se, j), j.batch)
	return j
}

// namesPending reports whether the device's discovery of names is still
// pending.
func (s *Server) namesPending(ctx context.Context, se *session) bool {
	ts, err := s.st.Tasks(ctx, store.TaskFilter{DeviceID: se.dev.ID, Status: []string{store.TaskPending}})
	if err != nil {
		return true
	}
	for _, t := range ts {
		if t.Internal && t.Name == "getParameterNames" {
			return true
		}
	}
	return false
}

// leafNames are the parameter names the device's tree holds: from this
// session's names task, or, when that ran in an earlier session, from the
// store.
func (s *Server) leafNames(ctx context.Context, se *session) []string {
	if se.leaves != nil {
		return se.leaves
	}
	ps, err := s.st.Parameters(ctx, se.dev.ID, se.bind.Root)
	if err != nil {
		s.log.Error("acs: reading names for discovery", "device", se.dev.ID, "err", err)
	}
	var leaves []string
	for _, p := range ps {
		if !p.Object && !strings.HasSuffix(p.Name, ".") {
			leaves = append(leaves, p.Name)
		}
	}
	se.leaves = leaves
	return leaves
}

func split(names []string, n int) [][]string {
	if n <= 0 {
		n = DefaultDiscoveryBatch
	}
	var out [][]string
	for len(names) > 0 {
		k := min(n, len(names))
		out = append(out, names[:k:k])
		names = names[k:]
	}
	return out
}

// message is the job's next RPC, nil when it is complete.
func (j *discoveryJob) message() cwmp.Message {
	root := j.root
	switch {
	case !j.values && j.walk == nil && j.rpcs == 0:
		return &cwmp.GetParameterNames{ParameterPath: root}
	case !j.values && len(j.walk) > 0:
		return &cwmp.GetParameterNames{ParameterPath: j.walk[0], NextLevel: true}
	case j.values && j.partial && j.rpcs == 0:
		return &cwmp.GetParameterValues{ParameterNames: []string{root}}
	case j.values && !j.partial && len(j.batches) > 0:
		return &cwmp.GetParameterValues{ParameterNames: j.batches[0]}
	}
	return nil
}

// sendJob sends the job's next RPC; false when it is complete (its task
// is then finished).
func (s *Server) sendJob(w http.ResponseWriter, se *session) bool {
	j := se.job
	for {
		msg := j.message()
		if msg == nil && j.refresh && !j.values {
			// A refresh has its names: now their values.
			j.values = true
			for _, p := range j.names {
				if !p.Object {
					j.leaves = append(j.leaves, p.Name)
				}
			}
			j.batches = split(j.leaves, j.batch)
			continue
		}
		if msg == nil {
			s.finishJob(se)
			return false
		}
		j.rpcs++
		se.rpcSeq++
		id := fmt.Sprintf("%s%d-%d", commandKeyPrefix, j.task.ID, j.rpcs)
		if s.send(w, se, &inflight{task: j.task, job: j, msg: msg, id: id}) {
			return true
		}
		// Does not encode (cannot happen with names from the wire, but
		// never loop): drop this step.
		s.jobStepDone(se, nil)
	}
}

// jobStepDone removes the step just answered (or abandoned).
func (s *Server) jobStepDone(se *session, _ cwmp.Message) {
	j := se.job
	switch {
	case !j.values && len(j.walk) > 0:
		j.walk = j.walk[1:]
	case j.values && !j.partial && len(j.batches) > 0:
		j.batches = j.batches[1:]
	}
}

// jobResponse takes the answer to a job's RPC.
func (s *Server) jobResponse(se *session, m cwmp.Message) {
	j := se.job
	now := time.Now().UTC()
	switch m := m.(type) {
	case *cwmp.GetParameterNamesResponse:
		walking := len(j.walk) > 0
		if j.names == nil {
			j.names = make([]store.Parameter, 0, len(m.ParameterList))
		}
		for _, p := range m.ParameterList {
			obj := strings.HasSuffix(p.Name, ".")
			// Cloned: the decoded names point into the whole message,
			// which is then freed.
			name := strings.Clone(p.Name)
			j.names = append(j.names, store.Parameter{Name: name, Writable: boolPtr(p.Writable), Object: obj, Updated: now})
			if walking && obj && p.Name != j.walk[0] && strings.HasPrefix(p.Name, j.walk[0]) {
				j.walk = append(j.walk, p.Name)
			}
		}
		if !walking {
			j.walk = nil
		}
	case *cwmp.GetParameterValuesResponse:
		se.storeValues(m.ParameterList)
		j.count += len(m.ParameterList)
	}
	s.jobStepDone(se, m)
}

// jobFallback takes a CPE fault, or no usable answer, to a job's RPC
// (why says which): the strategy becomes safer and the job goes on with
// it.
func (s *Server) jobFallback(se *session, why string) {
	j := se.job
	if j == nil {
		return
	}
	switch {
	case !j.values && j.walk == nil:
		// The root GetParameterNames: walk the tree level by level.
		se.learn("GetParameterNames of the root: "+why, func(l *DiscoveryStrategy) { l.SkipRootGPN = ptrTo(true) })
		j.names = nil
		j.walk = []string{j.root}
		return
	case !j.values:
		// One object of the walk: skip it.
		j.walk = j.walk[1:]
		return
	case j.partial:
		se.learn("GetParameterValues of a partial path: "+why, func(l *DiscoveryStrategy) { l.PartialGPV = ptrTo(false) })
		j.partial = false
		j.batches = split(s.valueNames(context.Background(), se, j), j.batch)
		return
	case len(j.batches) == 0:
		return
	}
	// A batch: split it; a single name the CPE refuses is skipped.
	b := j.batches[0]
	j.batches = j.batches[1:]
	if len(b) == 1 {
		j.skipped = append(j.skipped, b[0])
		return
	}
	half := (len(b) + 1) / 2
	if half < j.batch {
		j.batch = half
		se.learn(fmt.Sprintf("GetParameterValues of %d names: %s", len(b), why), func(l *DiscoveryStrategy) { l.BatchSize = half })
	}
	j.batches = append([][]string{b[:half:half], b[half:]}, j.batches...)
}

func ptrTo[T any](v T) *T { return &v }

// Shared values of Parameter.Writable (read only): a name report does not
// allocate one per name.
var (
	writableTrue, writableFalse = true, false
)

func boolPtr(b bool) *bool {
	if b {
		return &writableTrue
	}
	return &writableFalse
}

// finishJob ends the job's task: the names task stores the tree (judged
// when the session ends), the values task marks the device discovered.
// Results hold counts only: the parameters themselves are stored once, in
// the device's parameters.
func (s *Server) finishJob(se *session) {
	j := se.job
	se.job = nil
	if j.failed {
		return
	}
	if j.refresh {
		// What the refreshed object no longer names, the device no
		// longer has: the batch deletes it before it writes the names.
		se.batch.DeleteParameters = append(se.batch.DeleteParameters, j.root)
		se.batch.Parameters = append(se.batch.Parameters, j.names...)
		if j.root == se.bind.Root {
			se.noteTree(j.names)
			se.rebind()
		}
		res := &TaskResult{Names: intPtr(len(j.names)), Values: intPtr(j.count), RPCs: intPtr(j.rpcs), Refused: j.skipped}
		s.finishTask(se, j.task, store.TaskDone, res, 0, "")
		return
	}
	if !j.values {
		// The names go to the batch once; the tree to judge at the end
		// of the session is that part of it.
		start := len(se.batch.Parameters)
		se.batch.Parameters = append(se.batch.Parameters, j.names...)
		se.discoveredAt = [2]int{start, len(se.batch.Parameters)}
		se.noteTree(j.names)
		se.rebind()
		se.discovered = true
		se.leaves = make([]string, 0, len(j.names))
		for _, p := range j.names {
			if !p.Object {
				se.leaves = append(se.leaves, p.Name)
			}
		}
		sort.Strings(se.leaves)
		se.batch.ClearFindings = true
		se.batch.Complete = se.bind.Root
		s.finishTask(se, j.task, store.TaskDone, &TaskResult{Names: intPtr(len(j.names)), RPCs: intPtr(j.rpcs)}, 0, "")
		return
	}
	se.dev.Discovered = true
	se.rec.Failures, se.rec.RetryAt = 0, time.Time{}
	se.dev.Discovery = se.rec.raw()
	res := &TaskResult{Values: intPtr(j.count), RPCs: intPtr(j.rpcs), Refused: j.skipped, Unread: intPtr(j.unread), Scope: j.scope}
	s.finishTask(se, j.task, store.TaskDone, res, 0, "")
}

// DiscoveryView is GET /devices/{id}/discovery.
type DiscoveryView struct {
	Device string `json:"device"`
	// Override is the device's own (PUT /devices/{id}/discovery),
	// ProductClass its product class's (NBI, else flags), Learned what the device
	// taught, Effective what the next discovery uses.
	Override     DiscoveryStrategy `json:"override"`
	ProductClass DiscoveryStrategy `json:"productClass"`
	Learned      DiscoveryStrategy `json:"learned"`
	Effective    DiscoveryStrategy `json:"effective"`
	LastFallback string            `json:"lastFallback,omitempty"`
}

func (s *Server) getDiscovery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	se := &session{dev: *d, rec: parseRecord(d.Discovery)}
	pc, _ := s.classOverride(r.Context(), d.ProductClass)
	writeJSON(w, http.StatusOK, DiscoveryView{Device: d.ID, Override: se.rec.Override, ProductClass: pc,
		Learned: se.rec.Learned, Effective: s.strategy(se), LastFallback: se.rec.LastFallback})
	return nil
}

// putDiscovery sets (PUT, body a DiscoveryStrategy) or clears (DELETE) the
// device's override; DELETE also forgets what it learnt.
func (s *Server) putDiscovery(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	rec := parseRecord(d.Discovery)
	if r.Method == http.MethodDelete {
		rec = discoveryRecord{}
	} else {
		var o DiscoveryStrategy
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return badRequest("discovery override: " + err.Error())
		}
		if err := o.Check(); err != nil {
			return badRequest("discovery override: " + err.Error())
		}
		rec.Override = o
	}
	d.Discovery = rec.raw()
	if err := s.st.Commit(ctx, &store.Batch{Device: d}); err != nil {
		return storeError(err, "device")
	}
	if s.shared == nil {
		s.mu.Lock()
		s.devices.put(d)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ParseDiscoveryFlag parses a product-class override as the acs command
// takes it: "PRODUCTCLASS:key=value,…" with the keys of
// DiscoveryStrategy's JSON (disabled, skipRootGPN, partialGPV, batchSize,
// booleans, dateTimeMilliseconds, values).
func ParseDiscoveryFlag(s string) (string, DiscoveryStrategy, error) {
	var d DiscoveryStrategy
	pc, rest, ok := strings.Cut(s, ":")
	if !ok || pc == "" {
		return "", d, fmt.Errorf("discovery override %q: want PRODUCTCLASS:key=value,…", s)
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return "", d, fmt.Errorf("discovery override %q: %q is not key=value", s, kv)
		}
		b, berr := strconv.ParseBool(v)
		switch k {
		case "disabled":
			d.Disabled = &b
		case "skipRootGPN":
			d.SkipRootGPN = &b
		case "partialGPV":
			d.PartialGPV = &b
		case "dateTimeMilliseconds":
			d.DateTimeMillis = &b
		case "batchSize":
			n, err := strconv.Atoi(v)
			if err != nil {
				return "", d, fmt.Errorf("discovery override %q: batchSize %q is not a number", s, v)
			}
			d.BatchSize, berr = n, nil
		case "booleans":
			d.Booleans, berr = v, nil
		case "values":
			d.Values, berr = v, nil
		default:
			return "", d, fmt.Errorf("discovery override %q: unknown key %q (disabled, skipRootGPN, partialGPV, batchSize, booleans, dateTimeMilliseconds, values)", s, k)
		}
		if berr != nil {
			return "", d, fmt.Errorf("discovery override %q: %s=%q is not true or false", s, k, v)
		}
	}
	if err := d.Check(); err != nil {
		return "", d, fmt.Errorf("discovery override %q: %w", s, err)
	}
	return pc, d, nil
}

// xsdTypes are the type names values are reported with, shared by every
// stored value instead of a copy each.
var xsdTypes = map[string]string{}

func init() {
	for _, t := range []string{"string", "int", "unsignedInt", "long", "unsignedLong", "boolean", "dateTime", "base64", "hexBinary", "decimal"} {
		xsdTypes["xsd:"+t] = "xsd:" + t
	}
}

// internType returns the shared copy of a reported type name.
func internType(t string) string {
	if s, ok := xsdTypes[t]; ok {
		return s
	}
	return strings.Clone(t)
}

// notePartialPath learns from an answered GetParameterValues that named a
// partial path that the device handles them: its discoveries may read
// all values with one (unless that fails later).
func (se *session) notePartialPath(m cwmp.Message) {
	gpv, ok := m.(*cwmp.GetParameterValues)
	if !ok || se.rec.Learned.PartialGPV != nil {
		return
	}
	for _, n := range gpv.ParameterNames {
		if strings.HasSuffix(n, ".") {
			se.rec.Learned.PartialGPV = ptrTo(true)
			se.dev.Discovery = se.rec.raw()
			return
		}
	}
}
