package cpe

// Software module management (TR-069 A.4.1.10 ChangeDUState and the
// DUStateChangeComplete it leads to; TR-181 Device.SoftwareModules. and
// the same object in InternetGatewayDevice:1): the simulated device has
// execution environments (one, ExecEnv.1, unless its Store already has
// some), and a ChangeDUState installs, updates and uninstalls deployment
// units in them.
//
// A ChangeDUState is checked when it arrives (a fault in the
// ChangeDUStateResponse refuses it as a whole); its operations run after
// the session, each on its own (one failing does not undo the others), and
// their results go to the ACS in one DUStateChangeComplete, in a later
// session with "11 DU STATE CHANGE COMPLETE" and "M ChangeDUState", sent
// again in every session until the ACS acknowledges it.
//
// What a deployment unit is, the simulator decides from its URL and file
// (a real execution environment reads the package's metadata):
//
//   - Name and Version come from the URL's last path element without its
//     extensions: "hello_1.2.ipk" is Name "hello", Version "1.2" (the part
//     after the last "_", when it starts with a digit). Without such a
//     version the Version is "sha256-" and 16 hex digits of the file's
//     SHA-256, so a changed file is a new version.
//   - Vendor, which TR-181 wants as a domain name, is the host name of the
//     URL.
//   - Each deployment unit has one execution unit, of the same Name, which
//     starts Idle.
//   - Dotted numeric versions are ordered ("1.10" > "1.9"); an Update to a
//     lower one is refused (9030, the simulator's policy). Other versions
//     have no order: only an equal one is refused (9032).

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

const (
	// maxDUOperations bounds the operations of one ChangeDUState, and
	// maxPendingDUStateChanges the ChangeDUStates accepted but not yet
	// acknowledged by the ACS; beyond either the request is refused with
	// 9004 (a simulator's limits: TR-069 sets none).
	maxDUOperations          = 32
	maxPendingDUStateChanges = 8

	// duNilUUID stands for the UUID of an operation that named no valid
	// one: OpResultStruct.UUID must match the UUID pattern.
	duNilUUID = "00000000-0000-0000-0000-000000000000"

	// The execution environment the simulator creates.
	simExecEnvName    = "dmforge-sim"
	simExecEnvType    = "dmforge simulated execution environment"
	simExecEnvVendor  = "dmforge"
	simExecEnvVersion = "1.0"
)

// Deployment and execution unit states (TR-181 DeploymentUnit.{i}.Status,
// ExecutionUnit.{i}.Status).
const (
	duInstalled    = "Installed"
	duUpdating     = "Updating"
	duUninstalling = "Uninstalling"
	euIdle         = "Idle"
	euStarting     = "Starting"
	euActive       = "Active"
	euStopping     = "Stopping"
)

var duUUIDPattern = regexp.MustCompile(`^[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)

// duEngine keeps the SoftwareModules tables of one agent's Store.
type duEngine struct {
	a    *Agent
	root string // "Device."
	base string // "Device.SoftwareModules."
	// queued counts the accepted ChangeDUStates whose operations have not
	// run yet (under a.mu).
	queued int
}

// newDUEngine returns the engine of an agent whose model has
// SoftwareModules with its three tables, nil otherwise. It creates the
// simulated execution environment when the Store has none.
func newDUEngine(a *Agent) *duEngine {
	if ns := a.ns(); ns == cwmp.Namespace10 || ns == cwmp.Namespace11 {
		return nil // ChangeDUState is CWMP 1.2 and later
	}
	d := &duEngine{a: a, root: a.ix.root, base: a.ix.root + "SoftwareModules."}
	for _, t := range []string{"DeploymentUnit", "ExecutionUnit", "ExecEnv"} {
		if e, ok := a.cfg.Schema.Lookup(d.base + t + ".{i}."); !ok || !e.IsTable() {
			return nil
		}
	}
	if err := d.ensureExecEnv(); err != nil {
		a.logf("no software module management: %v", err)
		return nil
	}
	return d
}

func (d *duEngine) store() Store { return d.a.cfg.Store }

// ref is the reference to an instance ("Device.SoftwareModules.ExecEnv.1"):
// an object path without the trailing dot, as TR-181 references are.
func (d *duEngine) ref(table string, n uint32) string {
	return d.base + table + "." + strconv.FormatUint(uint64(n), 10)
}

func (d *duEngine) get(ref, name string) string {
	v, _ := d.store().Get(ref + "." + name)
	return v
}

// set writes parameters of the instance ref, given as name, value pairs;
// names the model does not have are skipped, values are cut to the
// model's maximum length.
func (d *duEngine) set(ref string, kv ...string) error {
	var vals []model.ParameterValue
	for i := 0; i+1 < len(kv); i += 2 {
		p := ref + "." + kv[i]
		e, ok := d.a.cfg.Schema.Lookup(p)
		if !ok || e.Object {
			continue
		}
		vals = append(vals, model.ParameterValue{Name: p, Value: fitSize(e.Syntax, kv[i+1]), Type: e.Syntax.WireType()})
	}
	if len(vals) == 0 {
		return nil
	}
	return d.store().Set(vals)
}

// fitSize cuts v to the maximum length of its syntax.
func fitSize(s *model.Syntax, v string) string {
	if s == nil || s.List != nil {
		return v
	}
	for _, sz := range s.Sizes {
		if sz.Max != nil && uint64(utf8.RuneCountInString(v)) > *sz.Max {
			r := []rune(v)
			v = string(r[:*sz.Max])
		}
	}
	return v
}

func (d *duEngine) now() time.Time { return d.a.now().UTC() }

// ensureExecEnv creates ExecEnv.1, the simulated execution environment,
// when the Store has no execution environment (a new device, or after a
// factory reset).
func (d *duEngine) ensureExecEnv() error {
	table := d.base + "ExecEnv."
	if len(d.store().Instances(table)) > 0 || isDumpStore(d.store()) {
		return nil // a dump's device has the environments it had
	}
	n, err := d.store().AddInstance(table)
	if err != nil {
		return fmt.Errorf("cpe: creating %s instance: %w", table, err)
	}
	ee := d.ref("ExecEnv", n)
	if err := d.set(ee, simExecEnv(d.now())...); err != nil {
		return fmt.Errorf("cpe: setting up %s: %w", ee, err)
	}
	return nil
}

// simExecEnv lists the parameters (name, value, name, value...) of the
// simulated execution environment.
func simExecEnv(now time.Time) []string {
	return []string{"Enable", "true", "Status", "Up", "Name", simExecEnvName, "Type", simExecEnvType,
		"Vendor", simExecEnvVendor, "Version", simExecEnvVersion, "CreatedAt", model.FormatDateTime(now)}
}

// SimProfile is the profile RunSim gives its devices: p, or, when its
// schema has SoftwareModules and p no execution environment, a copy of p
// with the simulated one as instance 1. Every device of a simulation then
// shares it instead of creating its own (which would double the memory of
// an idle simulated CPE).
func SimProfile(p *DeviceProfile) *DeviceProfile {
	table := indexOf(p.schema).root + "SoftwareModules.ExecEnv."
	if e, ok := p.schema.Lookup(table + "{i}."); !ok || !e.IsTable() || len(p.tables[table]) > 0 || p.dump != nil {
		return p
	}
	q := *p
	q.tables = make(map[string][]uint32, len(p.tables)+1)
	for k, v := range p.tables {
		q.tables[k] = v
	}
	q.values = make(map[string]string, len(p.values)+8)
	for k, v := range p.values {
		q.values[k] = v
	}
	q.tables[table] = []uint32{1}
	kv := simExecEnv(time.Now())
	for i := 0; i+1 < len(kv); i += 2 {
		if e, ok := p.schema.Lookup(table + "1." + kv[i]); ok && !e.Object {
			q.values[table+"1."+kv[i]] = kv[i+1]
		}
	}
	return &q
}

// enabled reports whether the execution environment ee runs.
func (d *duEngine) enabled(ee string) bool {
	on, _ := model.ParseBool(d.get(ee, "Enable"))
	return on && d.get(ee, "Status") != "Disabled"
}

// execEnv resolves the ExecutionEnvRef of an operation to an execution
// environment: "" is the first enabled one. It accepts the reference with
// or without the trailing dot, and relative to the root object
// (".SoftwareModules.ExecEnv.1.", as the CWMP schema shows it). Unknown is
// 9023, disabled 9024.
func (d *duEngine) execEnv(ref string) (string, *cwmp.Fault) {
	table := d.base + "ExecEnv."
	if ref == "" {
		insts := d.store().Instances(table)
		for _, n := range insts {
			if ee := d.ref("ExecEnv", n); d.enabled(ee) {
				return ee, nil
			}
		}
		if len(insts) == 0 {
			return "", faultf(cwmp.FaultUnknownExecutionEnv, "the device has no execution environment")
		}
		return "", faultf(cwmp.FaultDisabledExecutionEnv, "every execution environment is disabled")
	}
	r := strings.TrimSuffix(strings.TrimSpace(ref), ".")
	if strings.HasPrefix(r, ".") {
		r = strings.TrimSuffix(d.root, ".") + r
	}
	num, ok := strings.CutPrefix(r, table)
	n, err := strconv.ParseUint(num, 10, 32)
	if !ok || err != nil || !isDigits(num) || !d.hasInstance(table, uint32(n)) {
		return "", faultf(cwmp.FaultUnknownExecutionEnv, "no execution environment %s", ref)
	}
	ee := d.ref("ExecEnv", uint32(n))
	if !d.enabled(ee) {
		return "", faultf(cwmp.FaultDisabledExecutionEnv, "%s is disabled", ee)
	}
	return ee, nil
}

func (d *duEngine) hasInstance(table string, n uint32) bool {
	for _, i := range d.store().Instances(table) {
		if i == n {
			return true
		}
	}
	return false
}

// deploymentUnit is what the engine reads of a DeploymentUnit instance.
type deploymentUnit struct {
	ref                                  string
	uuid, version, url, status, ee, name string
	resolved                             bool
	eus                                  []string // ExecutionUnitList
}

// busy reports a unit in the middle of an operation ("" is taken for
// Installed: a profile may leave Status out).
func (u *deploymentUnit) busy() bool { return u.status != "" && u.status != duInstalled }

func (d *duEngine) units() []deploymentUnit {
	var out []deploymentUnit
	for _, n := range d.store().Instances(d.base + "DeploymentUnit.") {
		r := d.ref("DeploymentUnit", n)
		u := deploymentUnit{ref: r, uuid: d.get(r, "UUID"), version: d.get(r, "Version"), url: d.get(r, "URL"),
			status: d.get(r, "Status"), ee: strings.TrimSuffix(d.get(r, "ExecutionEnvRef"), "."), name: d.get(r, "Name")}
		u.resolved, _ = model.ParseBool(d.get(r, "Resolved"))
		for _, eu := range strings.Split(d.get(r, "ExecutionUnitList"), ",") {
			if eu = strings.TrimSuffix(strings.TrimSpace(eu), "."); eu != "" {
				u.eus = append(u.eus, eu)
			}
		}
		out = append(out, u)
	}
	return out
}

// changeDUState is Handler.OnChangeDUState: it checks the request as a
// whole and queues its operations for after the session. The request is
// refused with 9003 when an operation lacks what the CWMP schema requires
// (an Install's URL, an Uninstall's UUID), and with 9004 beyond the
// simulator's limits. Everything else about an operation (its UUID's
// format, its execution environment, its deployment unit) is that
// operation's result.
func (d *duEngine) changeDUState(r *cwmp.ChangeDUState) error {
	if len(r.Operations) == 0 {
		return faultf(cwmp.FaultInvalidArguments, "ChangeDUState without operations")
	}
	if len(r.Operations) > maxDUOperations {
		return faultf(cwmp.FaultResourcesExceeded, "ChangeDUState with %d operations (at most %d)", len(r.Operations), maxDUOperations)
	}
	ops := make([]cwmp.Operation, 0, len(r.Operations))
	for i, op := range r.Operations {
		switch o := op.(type) {
		case *cwmp.InstallOpStruct:
			if o == nil || strings.TrimSpace(o.URL) == "" {
				return faultf(cwmp.FaultInvalidArguments, "operation %d: Install without URL", i+1)
			}
			c := *o
			ops = append(ops, &c)
		case *cwmp.UpdateOpStruct:
			if o == nil {
				return faultf(cwmp.FaultInvalidArguments, "operation %d: empty Update", i+1)
			}
			c := *o
			ops = append(ops, &c)
		case *cwmp.UninstallOpStruct:
			if o == nil || strings.TrimSpace(o.UUID) == "" {
				return faultf(cwmp.FaultInvalidArguments, "operation %d: Uninstall without UUID", i+1)
			}
			c := *o
			ops = append(ops, &c)
		default:
			return faultf(cwmp.FaultInvalidArguments, "operation %d: unknown operation %T", i+1, op)
		}
	}
	a := d.a
	a.mu.Lock()
	if d.queued+len(a.duResults) >= maxPendingDUStateChanges {
		a.mu.Unlock()
		return faultf(cwmp.FaultResourcesExceeded, "%d ChangeDUStates are not complete yet", maxPendingDUStateChanges)
	}
	d.queued++
	a.mu.Unlock()
	key := r.CommandKey
	a.defer1(func(ctx context.Context) {
		results := d.run(ctx, ops)
		a.mu.Lock()
		d.queued--
		a.mu.Unlock()
		a.finishDUStateChange(key, results)
	})
	return nil
}

// run performs the operations in order. An Update or Uninstall that
// concerns several deployment units (an Update of all of them, an
// Uninstall of every version) has a result for each, in instance order.
func (d *duEngine) run(ctx context.Context, ops []cwmp.Operation) []cwmp.OpResultStruct {
	var out []cwmp.OpResultStruct
	for _, op := range ops {
		switch o := op.(type) {
		case *cwmp.InstallOpStruct:
			out = append(out, d.install(ctx, o))
		case *cwmp.UpdateOpStruct:
			out = append(out, d.update(ctx, o)...)
		case *cwmp.UninstallOpStruct:
			out = append(out, d.uninstall(o)...)
		}
	}
	return out
}

// opFailed is the result of an operation that found no deployment unit to
// work on (or, for an Install, installed none): CurrentState Failed, and
// the unknown time for the times of an operation that never started.
func opFailed(uuid string, f *cwmp.Fault, start, end time.Time) cwmp.OpResultStruct {
	if !duUUIDPattern.MatchString(uuid) {
		uuid = duNilUUID
	}
	return cwmp.OpResultStruct{UUID: uuid, CurrentState: cwmp.DUStateFailed, StartTime: start, CompleteTime: end,
		Fault: cwmp.DUFaultStruct{FaultCode: f.Code, FaultString: truncate(f.String, 256)}}
}

// opUnchanged is the result of an operation on an existing deployment
// unit that failed: the unit stays installed as it was.
func opUnchanged(u deploymentUnit, f *cwmp.Fault, start, end time.Time) cwmp.OpResultStruct {
	return cwmp.OpResultStruct{UUID: u.uuid, DeploymentUnitRef: u.ref, Version: u.version, CurrentState: cwmp.DUStateInstalled,
		Resolved: u.resolved, ExecutionUnitRefList: strings.Join(u.eus, ","), StartTime: start, CompleteTime: end,
		Fault: cwmp.DUFaultStruct{FaultCode: f.Code, FaultString: truncate(f.String, 256)}}
}

// duStoreFault maps a Store error to a deployment-unit fault: resources
// exceeded is 9027, anything else 9001 (the DU fault codes have no
// internal error).
func duStoreFault(op string, err error) *cwmp.Fault {
	if f := asFault(err); f.Code == cwmp.FaultResourcesExceeded {
		return faultf(cwmp.FaultSystemResourcesExceeded, "%s: %v", op, err)
	}
	return faultf(cwmp.FaultRequestDenied, "%s: %v", op, err)
}

func (d *duEngine) install(ctx context.Context, op *cwmp.InstallOpStruct) cwmp.OpResultStruct {
	var zero time.Time
	what := "Install " + op.URL
	if op.UUID != "" && !duUUIDPattern.MatchString(op.UUID) {
		return opFailed("", faultf(cwmp.FaultInvalidUUIDFormat, "%s: invalid UUID %q", what, op.UUID), zero, zero)
	}
	ee, f := d.execEnv(op.ExecutionEnvRef)
	if f != nil {
		return opFailed(op.UUID, faultf(f.Code, "%s: %s", what, f.String), zero, zero)
	}
	if f := checkTransferURL(op.URL); f != nil {
		return opFailed(op.UUID, faultf(f.Code, "%s: %s", what, f.String), zero, zero)
	}
	start := d.now()
	body, f := d.fetch(ctx, op.URL, op.Username, op.Password)
	if f != nil {
		d.a.logf("%s failed: %v", what, f)
		return opFailed(op.UUID, faultf(f.Code, "%s: %s", what, f.String), start, d.now())
	}
	name, version := duNameVersion(op.URL, body)
	vendor := duVendor(op.URL)
	uuid := op.UUID
	if uuid == "" {
		uuid = duUUID(name, vendor)
	}
	for _, u := range d.units() {
		if strings.EqualFold(u.uuid, uuid) && u.version == version && u.ee == ee {
			return opFailed(uuid, faultf(cwmp.FaultDuplicateDeploymentUnit, "%s: %s version %s is already installed in %s as %s",
				what, uuid, version, ee, u.ref), start, d.now())
		}
	}
	du, eus, err := d.create(uuid, name, version, vendor, op.URL, ee)
	if err != nil {
		return opFailed(uuid, duStoreFault(what, err), start, d.now())
	}
	d.a.logf("%s: installed %s %s (%s) as %s", what, name, version, uuid, du)
	return cwmp.OpResultStruct{UUID: uuid, DeploymentUnitRef: du, Version: version, CurrentState: cwmp.DUStateInstalled,
		Resolved: true, ExecutionUnitRefList: strings.Join(eus, ","), StartTime: start, CompleteTime: d.now()}
}

// create adds the DeploymentUnit instance and its one ExecutionUnit, each
// referring to the other (DeploymentUnit.ExecutionUnitList) and to the
// execution environment.
func (d *duEngine) create(uuid, name, version, vendor, src, ee string) (string, []string, error) {
	st := d.store()
	n, err := st.AddInstance(d.base + "DeploymentUnit.")
	if err != nil {
		return "", nil, err
	}
	du := d.ref("DeploymentUnit", n)
	m, err := st.AddInstance(d.base + "ExecutionUnit.")
	if err != nil {
		_ = st.DeleteInstance(du + ".")
		return "", nil, err
	}
	eu := d.ref("ExecutionUnit", m)
	now := model.FormatDateTime(d.now())
	eeName := d.get(ee, "Name")
	if eeName == "" {
		eeName = simExecEnvName
	}
	err = d.set(du, "UUID", uuid, "DUID", fmt.Sprintf("%s-du%d", eeName, n), "Name", name, "Status", duInstalled,
		"Resolved", "true", "URL", src, "Vendor", vendor, "Version", version, "Description", "deployment unit "+name+" "+version,
		"ExecutionUnitList", eu, "ExecutionEnvRef", ee, "Installed", now, "LastUpdate", now)
	if err == nil {
		err = d.set(eu, "EUID", fmt.Sprintf("%s-eu%d", eeName, m), "Name", name, "ExecEnvLabel", name, "Status", euIdle,
			"RequestedState", euIdle, "ExecutionFaultCode", "NoFault", "Vendor", vendor, "Version", version,
			"Description", "execution unit of "+name, "ExecutionEnvRef", ee, "CreationTime", now)
	}
	if err != nil {
		_ = st.DeleteInstance(eu + ".")
		_ = st.DeleteInstance(du + ".")
		return "", nil, err
	}
	return du, []string{eu}, nil
}

// update follows UpdateOpStruct: by UUID (and Version, which must be given
// when several versions are installed: 9031), else by URL, else every
// installed deployment unit. The new file comes from the operation's URL,
// which then becomes the unit's URL, or from the unit's URL.
func (d *duEngine) update(ctx context.Context, op *cwmp.UpdateOpStruct) []cwmp.OpResultStruct {
	var zero time.Time
	var targets []deploymentUnit
	switch {
	case op.UUID != "":
		what := "Update " + op.UUID
		if !duUUIDPattern.MatchString(op.UUID) {
			return []cwmp.OpResultStruct{opFailed("", faultf(cwmp.FaultInvalidUUIDFormat, "Update: invalid UUID %q", op.UUID), zero, zero)}
		}
		for _, u := range d.units() {
			if strings.EqualFold(u.uuid, op.UUID) && (op.Version == "" || u.version == op.Version) {
				targets = append(targets, u)
			}
		}
		if len(targets) == 0 {
			msg := "no deployment unit has this UUID"
			if op.Version != "" {
				msg += " and version " + op.Version
			}
			return []cwmp.OpResultStruct{opFailed(op.UUID, faultf(cwmp.FaultUnknownDeploymentUnit, "%s: %s", what, msg), zero, zero)}
		}
		if len(targets) > 1 {
			return []cwmp.OpResultStruct{opFailed(op.UUID, faultf(cwmp.FaultDUUpdateVersionNotSpecified,
				"%s: %d versions are installed and the operation names none", what, len(targets)), zero, zero)}
		}
	case op.URL != "":
		what := "Update " + op.URL
		for _, u := range d.units() {
			if u.url == op.URL {
				targets = append(targets, u)
			}
		}
		if len(targets) == 0 {
			return []cwmp.OpResultStruct{opFailed("", faultf(cwmp.FaultUnknownDeploymentUnit, "%s: no deployment unit was installed from this URL", what), zero, zero)}
		}
		if len(targets) > 1 {
			return []cwmp.OpResultStruct{opFailed(targets[0].uuid, faultf(cwmp.FaultDUUpdateVersionNotSpecified,
				"%s: %d deployment units were installed from this URL", what, len(targets)), zero, zero)}
		}
	default:
		targets = d.units()
		if len(targets) == 0 {
			return []cwmp.OpResultStruct{opFailed("", faultf(cwmp.FaultUnknownDeploymentUnit, "Update of every deployment unit: none is installed"), zero, zero)}
		}
	}
	out := make([]cwmp.OpResultStruct, 0, len(targets))
	for _, u := range targets {
		out = append(out, d.update1(ctx, u, op))
	}
	return out
}

func (d *duEngine) update1(ctx context.Context, u deploymentUnit, op *cwmp.UpdateOpStruct) cwmp.OpResultStruct {
	var zero time.Time
	what := "Update " + u.uuid + " (" + u.ref + ")"
	if u.busy() {
		return opUnchanged(u, faultf(cwmp.FaultInvalidDeploymentUnitState, "%s: the deployment unit is %s", what, u.status), zero, zero)
	}
	if u.ee != "" && !d.enabled(u.ee) {
		return opUnchanged(u, faultf(cwmp.FaultDisabledExecutionEnv, "%s: %s is disabled", what, u.ee), zero, zero)
	}
	src := op.URL
	if src == "" {
		src = u.url
	}
	if f := checkTransferURL(src); f != nil {
		return opUnchanged(u, faultf(f.Code, "%s from %s: %s", what, src, f.String), zero, zero)
	}
	start := d.now()
	if err := d.set(u.ref, "Status", duUpdating); err != nil {
		return opUnchanged(u, duStoreFault(what, err), start, d.now())
	}
	fail := func(f *cwmp.Fault) cwmp.OpResultStruct {
		_ = d.set(u.ref, "Status", duInstalled)
		d.a.logf("%s failed: %v", what, f)
		return opUnchanged(u, f, start, d.now())
	}
	body, f := d.fetch(ctx, src, op.Username, op.Password)
	if f != nil {
		return fail(faultf(f.Code, "%s from %s: %s", what, src, f.String))
	}
	_, version := duNameVersion(src, body)
	if version == u.version {
		return fail(faultf(cwmp.FaultDUUpdateVersionAlreadyExisting, "%s: version %s is the installed one", what, version))
	}
	for _, o := range d.units() {
		if o.ref != u.ref && strings.EqualFold(o.uuid, u.uuid) && o.ee == u.ee && o.version == version {
			return fail(faultf(cwmp.FaultDUUpdateVersionAlreadyExisting, "%s: version %s is installed as %s", what, version, o.ref))
		}
	}
	if c, ok := compareDUVersions(version, u.version); ok && c < 0 {
		return fail(faultf(cwmp.FaultDUUpdateDowngradeNotPermitted, "%s: %s is older than %s", what, version, u.version))
	}
	now := model.FormatDateTime(d.now())
	err := d.set(u.ref, "Version", version, "URL", src, "LastUpdate", now, "Resolved", "true", "Status", duInstalled,
		"Description", "deployment unit "+u.name+" "+version)
	for _, eu := range u.eus {
		if err == nil {
			err = d.set(eu, "Version", version)
		}
	}
	if err != nil {
		return fail(duStoreFault(what, err))
	}
	d.a.logf("%s: %s → %s", what, u.version, version)
	return cwmp.OpResultStruct{UUID: u.uuid, DeploymentUnitRef: u.ref, Version: version, CurrentState: cwmp.DUStateInstalled,
		Resolved: true, ExecutionUnitRefList: strings.Join(u.eus, ","), StartTime: start, CompleteTime: d.now()}
}

// uninstall follows UninstallOpStruct: every deployment unit with the
// UUID, of the Version when given (all versions otherwise), in the
// execution environment when given.
func (d *duEngine) uninstall(op *cwmp.UninstallOpStruct) []cwmp.OpResultStruct {
	var zero time.Time
	what := "Uninstall " + op.UUID
	if !duUUIDPattern.MatchString(op.UUID) {
		return []cwmp.OpResultStruct{opFailed("", faultf(cwmp.FaultInvalidUUIDFormat, "Uninstall: invalid UUID %q", op.UUID), zero, zero)}
	}
	ee := ""
	if op.ExecutionEnvRef != "" {
		var f *cwmp.Fault
		if ee, f = d.execEnv(op.ExecutionEnvRef); f != nil {
			return []cwmp.OpResultStruct{opFailed(op.UUID, faultf(f.Code, "%s: %s", what, f.String), zero, zero)}
		}
	}
	var targets []deploymentUnit
	for _, u := range d.units() {
		if strings.EqualFold(u.uuid, op.UUID) && (op.Version == "" || u.version == op.Version) && (ee == "" || u.ee == ee) {
			targets = append(targets, u)
		}
	}
	if len(targets) == 0 {
		msg := "no deployment unit has this UUID"
		if op.Version != "" {
			msg += " and version " + op.Version
		}
		if ee != "" {
			msg += " in " + ee
		}
		return []cwmp.OpResultStruct{opFailed(op.UUID, faultf(cwmp.FaultUnknownDeploymentUnit, "%s: %s", what, msg), zero, zero)}
	}
	out := make([]cwmp.OpResultStruct, 0, len(targets))
	for _, u := range targets {
		out = append(out, d.uninstall1(u))
	}
	return out
}

func (d *duEngine) uninstall1(u deploymentUnit) cwmp.OpResultStruct {
	var zero time.Time
	what := "Uninstall " + u.uuid + " (" + u.ref + ")"
	if u.busy() {
		return opUnchanged(u, faultf(cwmp.FaultInvalidDeploymentUnitState, "%s: the deployment unit is %s", what, u.status), zero, zero)
	}
	if u.ee != "" && !d.enabled(u.ee) {
		return opUnchanged(u, faultf(cwmp.FaultDisabledExecutionEnv, "%s: %s is disabled", what, u.ee), zero, zero)
	}
	start := d.now()
	if err := d.set(u.ref, "Status", duUninstalling); err != nil {
		return opUnchanged(u, duStoreFault(what, err), start, d.now())
	}
	// Its execution units go first (TR-181: they are stopped and removed
	// with it), then the unit.
	for _, eu := range u.eus {
		if err := d.store().DeleteInstance(eu + "."); err != nil && d.exists(eu) {
			_ = d.set(u.ref, "Status", duInstalled)
			return opUnchanged(u, duStoreFault(what, err), start, d.now())
		}
	}
	if err := d.store().DeleteInstance(u.ref + "."); err != nil {
		_ = d.set(u.ref, "Status", duInstalled)
		return opUnchanged(u, duStoreFault(what, err), start, d.now())
	}
	d.refreshActive(u.ee)
	d.a.logf("%s: uninstalled %s %s", what, u.name, u.version)
	return cwmp.OpResultStruct{UUID: u.uuid, DeploymentUnitRef: u.ref, Version: u.version, CurrentState: cwmp.DUStateUninstalled,
		ExecutionUnitRefList: strings.Join(u.eus, ","), StartTime: start, CompleteTime: d.now()}
}

// exists reports whether the instance ref ("Device.SoftwareModules.ExecutionUnit.2") exists.
func (d *duEngine) exists(ref string) bool {
	i := strings.LastIndexByte(ref, '.')
	n, err := strconv.ParseUint(ref[i+1:], 10, 32)
	return err == nil && d.hasInstance(ref[:i+1], uint32(n))
}

// fetch downloads a deployment unit with the agent's transfer client
// (Digest or Basic with the operation's credentials). Its faults are those
// DUStateChangeComplete allows: 9012 authentication, 9015 server
// unreachable, 9016 file not accessible, 9017 download incomplete, 9018
// file unusable (empty), 9027 too large.
func (d *duEngine) fetch(ctx context.Context, src, user, pass string) ([]byte, *cwmp.Fault) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, faultf(cwmp.FaultInvalidArguments, "%v", err)
	}
	resp, err := d.a.transferClient(user, pass).Do(req)
	if err != nil {
		f := transferFault(err, true)
		if f.Code != cwmp.FaultTransferContactServer {
			f.Code = cwmp.FaultTransferCompleteDownload
		}
		return nil, f
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, faultf(cwmp.FaultFileTransferAuthFailure, "HTTP %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, faultf(cwmp.FaultTransferAccessFile, "HTTP %s", resp.Status)
	}
	limit := d.a.cfg.MaxDownload
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		return nil, faultf(cwmp.FaultTransferCompleteDownload, "%v", err)
	case int64(len(body)) > limit:
		return nil, faultf(cwmp.FaultSystemResourcesExceeded, "the file is larger than %d bytes", limit)
	case resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength:
		return nil, faultf(cwmp.FaultTransferCompleteDownload, "short body: %d of %d bytes", len(body), resp.ContentLength)
	case len(body) == 0:
		return nil, faultf(cwmp.FaultTransferFileCorrupted, "the file is empty")
	}
	return body, nil
}

// duNameVersion names a deployment unit after its URL and file (see the
// top of this file): "…/hello_1.2.ipk" is ("hello", "1.2").
func duNameVersion(src string, body []byte) (name, version string) {
	p := src
	if u, err := url.Parse(src); err == nil {
		p = u.Path
	}
	stem := path.Base(p)
	if stem == "." || stem == "/" {
		stem = ""
	}
	// Drop extensions: trailing ".xyz" parts that start with a letter, so
	// that "a_1.2.tar.gz" keeps "1.2".
	for {
		i := strings.LastIndexByte(stem, '.')
		if i <= 0 || i == len(stem)-1 || !isASCIILetter(stem[i+1]) {
			break
		}
		stem = stem[:i]
	}
	name = stem
	if i := strings.LastIndexByte(stem, '_'); i > 0 && i < len(stem)-1 && stem[i+1] >= '0' && stem[i+1] <= '9' {
		name, version = stem[:i], stem[i+1:]
	}
	if name == "" {
		name = "du"
	}
	if version == "" || len(version) > 32 {
		sum := sha256.Sum256(body)
		version = "sha256-" + hex.EncodeToString(sum[:8])
	}
	return name, version
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// duVendor is the author's domain the simulator assumes: the URL's host.
func duVendor(src string) string {
	if u, err := url.Parse(src); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return simExecEnvVendor
}

// dnsNamespace is the RFC 4122 name space ID for DNS names
// (6ba7b810-9dad-11d1-80b4-00c04fd430c8).
var dnsNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// duUUID is the UUID the CPE generates for a deployment unit the ACS gave
// none for: TR-069 (Annex H, now TR-181 Annex C) wants a name-based
// version 5 UUID (RFC 4122 4.3, SHA-1) so that every CPE and the ACS
// derive the same UUID for the same unit, whatever its version; the name
// is the unit's Name followed by its Vendor, in the DNS name space.
func duUUID(name, vendor string) string {
	h := sha1.New()
	h.Write(dnsNamespace[:])
	h.Write([]byte(name + vendor))
	s := h.Sum(nil)[:16]
	s[6] = s[6]&0x0f | 0x50 // version 5
	s[8] = s[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// compareDUVersions orders dotted numeric versions ("1.10" > "1.9", "1.0" ==
// "1"); ok is false when either is not numbers and dots.
func compareDUVersions(a, b string) (c int, ok bool) {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y uint64
		var err error
		if i < len(pa) {
			if x, err = strconv.ParseUint(pa[i], 10, 64); err != nil {
				return 0, false
			}
		}
		if i < len(pb) {
			if y, err = strconv.ParseUint(pb[i], 10, 64); err != nil {
				return 0, false
			}
		}
		if x != y {
			if x < y {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

// noteSet follows what a SetParameterValues of the ACS changed:
// ExecutionUnit.{i}.RequestedState moves the unit's Status through
// Starting to Active, or through Stopping to Idle (the transition ends
// after the session, as a real start or stop would take time), and
// ExecEnv.{i}.Enable sets the environment's Status to Up or Disabled.
func (d *duEngine) noteSet(values []cwmp.ParameterValueStruct) {
	for _, v := range values {
		i := strings.LastIndexByte(v.Name, '.')
		if i < 0 {
			continue
		}
		obj, name := v.Name[:i], v.Name[i+1:]
		switch {
		case name == "RequestedState" && strings.HasPrefix(obj, d.base+"ExecutionUnit."):
			d.requestState(obj, v.Value)
		case name == "Enable" && strings.HasPrefix(obj, d.base+"ExecEnv.") && !strings.Contains(obj[len(d.base+"ExecEnv."):], "."):
			status := "Disabled"
			if on, _ := model.ParseBool(v.Value); on {
				status = "Up"
			}
			_ = d.set(obj, "Status", status)
		}
	}
}

func (d *duEngine) requestState(eu, want string) {
	cur := d.get(eu, "Status")
	var mid, final string
	switch {
	case want == euActive && (cur == euIdle || cur == euStopping):
		mid, final = euStarting, euActive
	case want == euIdle && (cur == euActive || cur == euStarting):
		mid, final = euStopping, euIdle
	default:
		return
	}
	if d.set(eu, "Status", mid) != nil {
		return
	}
	d.a.defer1(func(context.Context) {
		if d.get(eu, "Status") != mid {
			return // uninstalled, or asked otherwise, meanwhile
		}
		if d.set(eu, "Status", final) != nil {
			return
		}
		d.refreshActive(d.get(eu, "ExecutionEnvRef"))
		d.a.logf("%s is %s", eu, final)
		d.a.ValueChanged()
	})
}

// refreshActive rewrites ExecEnv.{i}.ActiveExecutionUnits: the execution
// units of ee that are Active.
func (d *duEngine) refreshActive(ee string) {
	if ee == "" || !d.exists(ee) {
		return
	}
	var active []string
	for _, n := range d.store().Instances(d.base + "ExecutionUnit.") {
		eu := d.ref("ExecutionUnit", n)
		if d.get(eu, "ExecutionEnvRef") == ee && d.get(eu, "Status") == euActive {
			active = append(active, eu)
		}
	}
	_ = d.set(ee, "ActiveExecutionUnits", strings.Join(active, ","))
}

// finishDUStateChange queues the DUStateChangeComplete of a ChangeDUState
// whose operations have run, and wakes Run for a session.
func (a *Agent) finishDUStateChange(key string, results []cwmp.OpResultStruct) {
	a.CompleteDUStateChange(&cwmp.DUStateChangeComplete{Results: results, CommandKey: key})
}

// CompleteDUStateChange reports the results of a ChangeDUState's
// operations (with its CommandKey): the agent sends the
// DUStateChangeComplete in a new session, with "11 DU STATE CHANGE
// COMPLETE" and "M ChangeDUState", and again in every session until the
// ACS acknowledges it. A device with its own Config.ChangeDUState calls
// it when the operations are done.
func (a *Agent) CompleteDUStateChange(dc *cwmp.DUStateChangeComplete) {
	a.mu.Lock()
	a.duResults = append(a.duResults, dc)
	a.pending = mergeEvents(a.pending, duEvents(dc)...)
	a.mu.Unlock()
	a.wakeUp()
}

// duEvents are the Inform events of undelivered DUStateChangeCompletes:
// "11 DU STATE CHANGE COMPLETE" and "M ChangeDUState" with each one's
// CommandKey.
func duEvents(list ...*cwmp.DUStateChangeComplete) []cwmp.EventStruct {
	if len(list) == 0 {
		return nil
	}
	evs := []cwmp.EventStruct{{EventCode: cwmp.EventDUStateChangeComplete}}
	for _, dc := range list {
		evs = mergeEvents(evs, cwmp.EventStruct{EventCode: cwmp.EventMChangeDUState, CommandKey: dc.CommandKey})
	}
	return evs
}

// ackDUStateChange drops a DUStateChangeComplete the ACS acknowledged,
// and its events once no other undelivered one needs them.
func (a *Agent) ackDUStateChange(dc *cwmp.DUStateChangeComplete) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var rest []*cwmp.DUStateChangeComplete
	for _, x := range a.duResults {
		if x != dc {
			rest = append(rest, x)
		}
	}
	a.duResults = rest
	keep := duEvents(rest...)
	var done []cwmp.EventStruct
	for _, e := range duEvents(dc) {
		if len(mergeEvents(keep, e)) != len(keep) {
			done = append(done, e) // not among those still needed
		}
	}
	a.pending = removeEvents(a.pending, done)
}

// canCarryDU reports whether messages of namespace ns can carry
// DUStateChangeComplete (CWMP 1.2 and later).
func canCarryDU(ns cwmp.Namespace) bool {
	return ns != cwmp.Namespace10 && ns != cwmp.Namespace11
}
