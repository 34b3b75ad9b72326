package acsref

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
)

// Which values first contact reads (DiscoveryStrategy.Values). Names and
// writability of the whole tree are always read: they are what the
// device has, and what the conformance findings judge. Values cost most
// (on the wire, in the CPE, in the store), so the discovery reads only
// those in its scope:
//
//   - "model" (the default): every parameter the bound model defines
//     (root model and service models), vendor (X_) parameters, which
//     TR-106 lets a device add anywhere, and parameters under a service no
//     compiled model covers. A name outside all that (a standard-looking
//     name the model does not have: "InternetGatewayDevice.IDLE.Enable")
//     is stored by name with its non-standard finding; its value is read
//     when asked (getParameterValues, refreshObject).
//   - "standard": as "model" without the vendor parameters: their values
//     are read when a policy (which reads what it uses) or the NBI asks.
//   - "all": every parameter's value.
//   - "lazy": only what the ACS needs now: the Inform's parameters (sent
//     anyway), the root's identity (DeviceInfo's own parameters, the
//     DeviceSummary and RootDataModelVersion that the model binding and
//     the findings read, SupportedDataModel's URNs). Policies, groups and
//     virtual parameters read the values they use themselves (the
//     policy planner's GetParameterValues of what is not known); a GET
//     of the device's parameters whose values are not read yet queues a
//     refreshObject of that subtree (refreshUnread), run at the device's
//     next session, or at once with ?connection_request. What is read
//     is kept.
//
// A device is "discovered" (store.Device.Discovered) when its names and
// the values of its scope are stored.
const (
	ValuesModel    = "model"
	ValuesStandard = "standard"
	ValuesAll      = "all"
	ValuesLazy     = "lazy"
)

// valueNames are the leaf names whose values the job reads, in its
// scope; the others are counted as unread.
func (s *Server) valueNames(ctx context.Context, se *session, j *discoveryJob) []string {
	leaves := s.leafNames(ctx, se)
	if j.scope == ValuesAll || se.bind == nil {
		j.unread = 0
		return leaves
	}
	in := inModelScope
	switch j.scope {
	case ValuesLazy:
		in = lazyNeeded
	case ValuesStandard:
		in = inStandardScope
	}
	out := make([]string, 0, len(leaves))
	for _, n := range leaves {
		if in(se.bind, n) {
			out = append(out, n)
		}
	}
	j.unread = len(leaves) - len(out)
	return out
}

// inModelScope reports whether the value of the parameter at name is in
// the "model" scope: the bound model defines it, or it is a vendor
// parameter, or it lies under a service no compiled model covers.
func inModelScope(b *Binding, name string) bool {
	if IsVendor(name) || b.underUnknownService(name) {
		return true
	}
	e, _, ok := b.Lookup(name)
	return ok && !e.Object
}

// inStandardScope is inModelScope without the vendor parameters.
func inStandardScope(b *Binding, name string) bool {
	return !IsVendor(name) && inModelScope(b, name)
}

// lazyNeeded reports whether a lazy discovery reads the value of the
// parameter at name: the root's identity and what binds its models.
func lazyNeeded(b *Binding, name string) bool {
	rel, ok := strings.CutPrefix(name, b.Root)
	if !ok {
		return false
	}
	switch rel {
	case "RootDataModelVersion", "DeviceSummary":
		return true
	}
	info, ok := strings.CutPrefix(rel, "DeviceInfo.")
	if !ok {
		return false
	}
	if !strings.Contains(info, ".") {
		return true // DeviceInfo's own: Manufacturer, ModelName, SoftwareVersion …
	}
	sdm, ok := strings.CutPrefix(info, "SupportedDataModel.")
	if !ok {
		return false
	}
	inst, leaf, _ := strings.Cut(sdm, ".")
	_, err := strconv.ParseUint(inst, 10, 32)
	return err == nil && leaf == "URN"
}

// unreadValue reports whether a stored parameter's value was never read:
// only its name is known. A value read always comes with its type (the
// CPE's xsi:type, or the ACS's xsd:string), a name alone with none.
func unreadValue(p *store.Parameter) bool {
	return !p.Object && p.Type == "" && p.Value == ""
}

// refreshUnread is what a GET of a lazily discovered device's parameters
// does when some of them have no value read yet: it queues (once) a
// refreshObject of the subtree asked for, so the values are there after
// the device's next session (or at once, with ?connection_request). It
// returns the task, nil when nothing is to be read, the device is not
// discovered lazily, or who (nil: no user, an open NBI) may only read:
// queueing a task is an operator's.
func (s *Server) refreshUnread(r *http.Request, who *Principal, d *store.Device, prefix string, ps []store.Parameter) *store.Task {
	ctx := r.Context()
	if !d.Discovered {
		return nil // its discovery runs
	}
	if who != nil && roleRank(who.Role) < roleRank(store.RoleOperator) {
		return nil
	}
	se := &session{dev: *d, rec: parseRecord(d.Discovery)}
	if s.strategy(se).Values != ValuesLazy {
		return nil
	}
	unread := false
	for i := range ps {
		if unreadValue(&ps[i]) {
			unread = true
			break
		}
	}
	if !unread {
		return nil
	}
	obj := d.Root
	if strings.HasPrefix(prefix, d.Root) {
		obj = prefix[:strings.LastIndexByte(prefix, '.')+1]
	}
	pending, err := s.st.Tasks(ctx, store.TaskFilter{DeviceID: d.ID, Status: []string{store.TaskPending}})
	if err != nil {
		return nil
	}
	for _, t := range pending {
		var spec TaskSpec
		if t.Name == "refreshObject" && json.Unmarshal(t.Spec, &spec) == nil && strings.HasPrefix(obj, spec.ObjectName) {
			return t // a refresh of it (or of an object above) is queued
		}
	}
	spec, _ := json.Marshal(TaskSpec{Name: "refreshObject", ObjectName: obj})
	t := &store.Task{DeviceID: d.ID, Name: "refreshObject", Spec: spec}
	if err := s.addTask(ctx, t); err != nil {
		s.log.Warn("acs: queueing the refresh of values not read", "device", d.ID, "object", obj, "err", err)
		return nil
	}
	if _, ok := r.URL.Query()["connection_request"]; ok {
		s.kick(ctx, d.ID)
	}
	return t
}

// HeaderRefreshTask names, in the answer to GET /devices/{id}/parameters,
// the refreshObject task queued for values not read yet.
const HeaderRefreshTask = "X-Dmforge-Refresh-Task"
