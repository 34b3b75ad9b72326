// Package diff compares two resolved data models and classifies every
// difference the way `buf breaking` does for protobuf: each change has a
// stable rule id and a class that says whether an ACS script or a
// provisioning profile that worked against the OLD model can break
// against the NEW one.
//
// The catalogue of rules is Rules(). Compare is pure: it reads the two
// models and never changes them. The classification policy, where it is a
// judgement call:
//
//   - Renames are breaking: the old path stops working. A rename is
//     detected only from a hint: a NEW object (parameter) that is not in
//     OLD whose dmr:previousObject (dmr:previousParameter) names an OLD
//     object (a parameter of the same object) that is not in NEW, with the
//     same table-ness (wire type). The descendants and parameters of a
//     renamed object that kept their names are renamed along with it.
//     The BBF writes these attributes as ordering hints ("goes after X"),
//     and X normally still exists, so the guards keep false renames out:
//     none occur in any consecutive pair of the BBF catalogue.
//   - The parser keeps deleted items with their status, so "status became
//     deleted" is a status change, *-deleted (breaking), not a removal;
//     an item that is gone from NEW is *-removed whatever its OLD status.
//     Obsoleted is breaking (CPEs of the NEW version need not implement
//     the item); deprecated is info.
//   - Descriptions that differ only in white space are the same.
//   - Ranges and sizes compare as sets of allowed values: several ranges
//     are a union, missing bounds are the type's bounds, steps are grids,
//     all exact (big.Rat). Narrowed (some OLD value is no longer allowed)
//     is breaking even if the NEW set also allows new values.
//   - Patterns cannot be compared in general: only adding patterns to a
//     non-empty set (or lifting all) is compatible; introducing patterns is
//     narrowed; any other change is conservatively breaking.
//   - Every primitive type change is breaking, numeric widening (int →
//     long) included: the xsi:type on the wire and what an ACS must parse
//     change. A named data type change with the same primitive is info;
//     facet changes it brings are reported by their own rules.
//   - Parameter access orders readOnly < writeOnceReadOnly < readWrite;
//     less writable is breaking (a second SetParameterValues of a
//     writeOnceReadOnly fails), more is compatible.
//   - Default changes and removals are breaking (provisioning that relied
//     on the default behaves differently), additions compatible; list
//     defaults compare without their "[...]" brackets. On a parameter that
//     is readOnly in both models any default change is info.
//   - Units: changed is breaking (the same number means something else);
//     stated or unstated is info.
//   - Unique keys: a new key is breaking unless an OLD key's parameters are
//     a subset of it (then the OLD key already implied it).
//   - References: on a parameter writable in NEW, another reference kind,
//     a dropped target parent or weak → strong is breaking; any other
//     reference change is info.
//   - Commands and events match by name; a command that changed between
//     sync and async is breaking (the controller's flow changes). Their
//     arguments (path relative to the command or event: "Input.Host",
//     "Output.RouteHops.{i}.", "Params.{i}.Path") match by path. A removed
//     argument, a new mandatory input argument, a changed wire type, an
//     input argument that became mandatory and an output or event
//     argument that stopped being mandatory are breaking; other facet
//     changes of an argument are info (what narrows an input widens an
//     output).
//   - dmr:fixedObject added is breaking (instances can no longer be
//     added or deleted), removed is info; a mountType change is info.
package diff

import (
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// Class says what a change means for an ACS or provisioning that worked
// against the OLD model.
type Class string

const (
	// Breaking changes can make something that worked fail: removals,
	// renames, narrowed value sets, less access, type changes.
	Breaking Class = "breaking"
	// Compatible changes add to what works and take nothing away.
	Compatible Class = "compatible"
	// Info changes do not change what works (deprecation, documentation).
	Info Class = "info"
)

// Classes lists the classes in report order.
var Classes = []Class{Breaking, Compatible, Info}

// Kind is the kind of item a change is about.
type Kind string

const (
	KindObject    Kind = "object"
	KindParameter Kind = "parameter"
	KindCommand   Kind = "command"
	KindEvent     Kind = "event"
	KindArgument  Kind = "argument"
	KindProfile   Kind = "profile"
)

// Change is one classified difference between two models.
type Change struct {
	// Path is the item's full path in the NEW model (in the OLD model for
	// removals): "Device.WiFi.Radio.{i}.Channel", "Device.WiFi.", a
	// command "Device.X.Reset()", or a profile name "Baseline:1".
	Path  string `json:"path"`
	Kind  Kind   `json:"kind"`
	Rule  string `json:"rule"`
	Class Class  `json:"class"`
	// Old and New are the values compared, rendered as text; "" means
	// absent (no range, no default, no such item).
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	Message string `json:"message"`
}

// Options tune Compare.
type Options struct {
	// Descriptions reports description changes (the models must have been
	// loaded with parser.Loader.Descriptions set).
	Descriptions bool
	// NoRenames turns off rename detection: every rename is reported as a
	// removal and an addition.
	NoRenames bool
}

// Compare returns every change from old to new, sorted by path, then rule
// id, then old and new value.
func Compare(old, new *model.Model, opts Options) []Change {
	c := &comparer{old: old, new: new, opts: opts}
	c.matchObjects()
	c.matchParams()
	c.objects()
	c.params()
	c.profiles()
	Sort(c.out)
	return c.out
}

// Sort sorts changes into the order Compare returns them in.
func Sort(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Old != b.Old {
			return a.Old < b.Old
		}
		return a.New < b.New
	})
}

type comparer struct {
	old, new *model.Model
	opts     Options
	out      []Change

	// objRename maps an OLD object path to the NEW path it was renamed to;
	// objRenamedFrom is its inverse.
	objRename, objRenamedFrom map[string]string
	// paramRename maps an OLD parameter path to its NEW path, and back.
	paramRename, paramRenamedFrom map[string]string
}

func (c *comparer) add(path string, kind Kind, rule, old, new, msg string) {
	c.out = append(c.out, Change{Path: path, Kind: kind, Rule: rule, Class: ClassOf(rule), Old: old, New: new, Message: msg})
}

// matchObjects finds renamed objects: a NEW object that is not in OLD and
// whose dmr:previousObject names an OLD object that is not in NEW, with
// the same table-ness; then the descendants of renamed objects that moved
// along with them.
func (c *comparer) matchObjects() {
	c.objRename, c.objRenamedFrom = map[string]string{}, map[string]string{}
	if c.opts.NoRenames {
		return
	}
	for _, no := range c.new.SortedObjects() {
		if no.PreviousObject == "" || no.Path == "" || c.old.Object(no.Path) != nil {
			continue
		}
		prev := no.PreviousObject
		if !strings.HasSuffix(prev, ".") {
			prev += "."
		}
		if !strings.HasPrefix(prev, c.new.RootName()) && c.old.Object(prev) == nil {
			prev = model.ParentPath(no.Path) + prev // relative to the parent
		}
		oo := c.old.Object(prev)
		if oo == nil || c.new.Object(prev) != nil || oo.IsTable() != no.IsTable() {
			continue
		}
		if _, taken := c.objRename[prev]; taken {
			continue
		}
		c.objRename[prev] = no.Path
		c.objRenamedFrom[no.Path] = prev
	}
	if len(c.objRename) == 0 {
		return
	}
	// Descendants: longest renamed ancestor wins.
	for _, oo := range c.old.SortedObjects() {
		if c.new.Object(oo.Path) != nil {
			continue
		}
		if _, ok := c.objRename[oo.Path]; ok {
			continue
		}
		np, ok := c.mapOldObject(oo.Path)
		if !ok || np == oo.Path {
			continue
		}
		if c.new.Object(np) != nil && c.old.Object(np) == nil {
			if _, taken := c.objRenamedFrom[np]; !taken {
				c.objRename[oo.Path] = np
				c.objRenamedFrom[np] = oo.Path
			}
		}
	}
}

// mapOldObject returns where an OLD object path lives in NEW following
// the explicit renames of it or its ancestors.
func (c *comparer) mapOldObject(p string) (string, bool) {
	if np, ok := c.objRename[p]; ok {
		return np, true
	}
	best := ""
	for from := range c.objRename {
		if strings.HasPrefix(p, from) && len(from) > len(best) {
			best = from
		}
	}
	if best == "" {
		return p, false
	}
	return c.objRename[best] + p[len(best):], true
}

// newObjectFor returns the NEW object an OLD object corresponds to (same
// path, or renamed), or nil.
func (c *comparer) newObjectFor(oldPath string) *model.Object {
	if np, ok := c.objRename[oldPath]; ok {
		return c.new.Object(np)
	}
	return c.new.Object(oldPath)
}

// matchParams finds renamed parameters: those of renamed objects that
// kept their name, and a NEW parameter whose dmr:previousParameter names
// an OLD parameter of the corresponding OLD object that is gone, with the
// same wire type.
func (c *comparer) matchParams() {
	c.paramRename, c.paramRenamedFrom = map[string]string{}, map[string]string{}
	if c.opts.NoRenames {
		return
	}
	link := func(op, np string) {
		c.paramRename[op] = np
		c.paramRenamedFrom[np] = op
	}
	// Parameters that moved with their renamed object.
	for from, to := range c.objRename {
		oo, no := c.old.Object(from), c.new.Object(to)
		for _, op := range oo.Params {
			if np := no.Param(op.Name); np != nil && parameter(c.old, np.Path()) == nil && parameter(c.new, op.Path()) == nil {
				link(op.Path(), np.Path())
			}
		}
	}
	for _, no := range c.new.SortedObjects() {
		oldObjPath := no.Path
		if op, ok := c.objRenamedFrom[no.Path]; ok {
			oldObjPath = op
		}
		oo := c.old.Object(oldObjPath)
		if oo == nil {
			continue
		}
		for _, np := range no.Params {
			if np.PreviousParameter == "" || parameter(c.old, np.Path()) != nil {
				continue
			}
			if _, done := c.paramRenamedFrom[np.Path()]; done {
				continue
			}
			prev := np.PreviousParameter
			if i := strings.LastIndexByte(prev, '.'); i >= 0 {
				prev = prev[i+1:]
			}
			op := oo.Param(prev)
			if op == nil || parameter(c.new, op.Path()) != nil || op.Syntax.WireType() != np.Syntax.WireType() {
				continue
			}
			if _, taken := c.paramRename[op.Path()]; taken {
				continue
			}
			link(op.Path(), np.Path())
		}
	}
}

// objects reports object additions, removals, renames and changes, and
// those of their commands and events.
func (c *comparer) objects() {
	for _, oo := range c.old.SortedObjects() {
		no := c.newObjectFor(oo.Path)
		if no == nil {
			if oo.Path != "" {
				c.add(oo.Path, KindObject, ObjectRemoved, objectText(oo), "", "object removed")
			}
			c.commandsEvents(oo, nil)
			continue
		}
		if no.Path != oo.Path {
			c.add(no.Path, KindObject, ObjectRenamed, oo.Path, no.Path, "object renamed from "+oo.Path)
		}
		c.objectChanges(oo, no)
		c.commandsEvents(oo, no)
	}
	for _, no := range c.new.SortedObjects() {
		if c.old.Object(no.Path) != nil {
			continue
		}
		if _, ok := c.objRenamedFrom[no.Path]; ok {
			continue
		}
		if no.Path != "" {
			c.add(no.Path, KindObject, ObjectAdded, "", objectText(no), "object added")
		}
		c.commandsEvents(nil, no)
	}
}

func (c *comparer) objectChanges(oo, no *model.Object) {
	p := no.Path
	if p != "" {
		c.status(p, KindObject, oo.Status, no.Status, ObjectDeprecated, ObjectObsoleted, ObjectDeleted, ObjectStatusChanged)
	}
	if oo.Access != no.Access {
		if oo.Access == model.ReadWrite {
			c.add(p, KindObject, ObjectAccessNarrowed, string(oo.Access), string(no.Access), "instances can no longer be added or deleted by the ACS")
		} else if no.Access == model.ReadWrite {
			c.add(p, KindObject, ObjectAccessWidened, string(oo.Access), string(no.Access), "the ACS may now add and delete instances")
		}
	}
	if !no.IsTable() && oo.MinEntries > 0 && no.MinEntries == 0 {
		c.add(p, KindObject, ObjectBecameOptional, entries(oo), entries(no), "object may now be absent")
	} else if oo.MinEntries != no.MinEntries || oo.MaxEntries != no.MaxEntries {
		narrowed := no.MinEntries > oo.MinEntries || maxLess(no.MaxEntries, oo.MaxEntries)
		rule, msg := ObjectEntriesWidened, "more instance counts allowed"
		if narrowed {
			rule, msg = ObjectEntriesNarrowed, "fewer instance counts allowed"
		}
		c.add(p, KindObject, rule, entries(oo), entries(no), msg)
	}
	ok, nk := keySet(oo.UniqueKeys), keySet(no.UniqueKeys)
	for _, k := range sortedKeys(nk) {
		if ok[k] {
			continue
		}
		if implied(k, oo.UniqueKeys) {
			c.add(p, KindObject, ObjectUniqueKeyImplied, "", k, "new unique key that an old key already implied")
		} else {
			c.add(p, KindObject, ObjectUniqueKeyAdded, "", k, "new unique key")
		}
	}
	for _, k := range sortedKeys(ok) {
		if !nk[k] {
			c.add(p, KindObject, ObjectUniqueKeyRemoved, k, "", "unique key dropped")
		}
	}
	if oo.EnableParameter != no.EnableParameter {
		c.add(p, KindObject, ObjectEnableParamChanged, oo.EnableParameter, no.EnableParameter, "enableParameter changed")
	}
	if oo.NumEntriesParameter != no.NumEntriesParameter {
		c.add(p, KindObject, ObjectNumEntriesChanged, oo.NumEntriesParameter, no.NumEntriesParameter, "numEntriesParameter changed")
	}
	if oo.FixedObject != no.FixedObject {
		if no.FixedObject {
			c.add(p, KindObject, ObjectFixedAdded, "", "dmr:fixedObject", "instances are now created by the CPE only and never deleted")
		} else {
			c.add(p, KindObject, ObjectFixedRemoved, "dmr:fixedObject", "", "instances are no longer fixed: the CPE may create and delete them")
		}
	}
	if oo.MountType != no.MountType {
		c.add(p, KindObject, ObjectMountTypeChanged, oo.MountType, no.MountType, "mountType changed")
	}
	if c.opts.Descriptions && !sameText(oo.Description, no.Description) {
		c.add(p, KindObject, ObjectDescriptionChanged, oo.Description, no.Description, "description changed")
	}
}

// maxLess reports a < b for maxEntries values where Unbounded is infinite.
func maxLess(a, b int) bool {
	if a == model.Unbounded {
		return false
	}
	return b == model.Unbounded || a < b
}

func entries(o *model.Object) string {
	return o.EntriesString()
}

// objectText describes an added or removed object: access and entries.
func objectText(o *model.Object) string {
	return string(o.Access) + " [" + o.EntriesString() + "]" + statusText(o.Status)
}

// paramText describes an added or removed parameter: syntax and access.
func paramText(p *model.Parameter) string {
	return p.Syntax.String() + " " + string(p.Access) + statusText(p.Status)
}

func statusText(s model.Status) string {
	if s.OrCurrent() == model.Current {
		return ""
	}
	return " (" + string(s) + ")"
}

// implied reports whether some old key's parameters are a subset of the
// key k (rendered by keySet): instances unique under the old key are then
// unique under k too.
func implied(k string, old []model.UniqueKey) bool {
	name, _, _ := strings.Cut(k, " ")
	have := map[string]bool{}
	for _, p := range strings.Split(name, "+") {
		have[p] = true
	}
	for _, ok := range old {
		all := len(ok.Params) > 0
		for _, p := range ok.Params {
			if !have[p] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func keySet(keys []model.UniqueKey) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		ps := append([]string(nil), k.Params...)
		sort.Strings(ps)
		s := strings.Join(ps, "+")
		if !k.Functional {
			s += " (non-functional)"
		}
		out[s] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// status reports a status change with the four rules of an item kind.
// The parser keeps deleted items (with that status), so an item that
// became deleted is a status change here, not a removal.
func (c *comparer) status(p string, kind Kind, os, ns model.Status, deprecated, obsoleted, deleted, other string) {
	o, n := os.OrCurrent(), ns.OrCurrent()
	if o == n {
		return
	}
	switch n {
	case model.Deprecated:
		c.add(p, kind, deprecated, string(o), string(n), string(kind)+" deprecated")
	case model.Obsoleted:
		c.add(p, kind, obsoleted, string(o), string(n), string(kind)+" obsoleted: NEW implementations need not support it")
	case model.Deleted:
		c.add(p, kind, deleted, string(o), string(n), string(kind)+" deleted: NEW implementations must not support it")
	default:
		c.add(p, kind, other, string(o), string(n), "status changed")
	}
}

// params reports parameter additions, removals, renames and changes.
func (c *comparer) params() {
	for _, oo := range c.old.SortedObjects() {
		no := c.newObjectFor(oo.Path)
		for _, op := range sortedParams(oo) {
			var np *model.Parameter
			if to, ok := c.paramRename[oo.Path+op.Name]; ok {
				np = parameter(c.new, to)
			} else if no != nil && no.Path == oo.Path {
				np = no.Param(op.Name)
			}
			if np == nil {
				c.add(op.Path(), KindParameter, ParamRemoved, paramText(op), "", "parameter removed")
				continue
			}
			if np.Name != op.Name || np.Object == nil || np.Object.Path != oo.Path {
				c.add(np.Path(), KindParameter, ParamRenamed, op.Path(), np.Path(), "parameter renamed from "+op.Path())
			}
			c.paramChanges(op, np)
		}
	}
	for _, no := range c.new.SortedObjects() {
		oo := c.old.Object(no.Path)
		for _, np := range sortedParams(no) {
			if oo != nil && oo.Param(np.Name) != nil {
				continue
			}
			if _, ok := c.paramRenamedFrom[np.Path()]; ok {
				continue
			}
			c.add(np.Path(), KindParameter, ParamAdded, "", paramText(np), "parameter added")
		}
	}
}

func sortedParams(o *model.Object) []*model.Parameter {
	ps := append([]*model.Parameter(nil), o.Params...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// accessRank orders parameter access by how much an ACS may write.
func accessRank(a model.Access) int {
	switch a {
	case model.ReadWrite:
		return 2
	case model.WriteOnceReadOnly:
		return 1
	}
	return 0
}

func (c *comparer) paramChanges(op, np *model.Parameter) {
	p := np.Path()
	c.status(p, KindParameter, op.Status, np.Status, ParamDeprecated, ParamObsoleted, ParamDeleted, ParamStatusChanged)
	if op.Access != np.Access {
		ro, rn := accessRank(op.Access), accessRank(np.Access)
		switch {
		case rn < ro:
			c.add(p, KindParameter, ParamAccessNarrowed, string(op.Access), string(np.Access), "less writable: SetParameterValues that worked may now fail")
		case rn > ro:
			c.add(p, KindParameter, ParamAccessWidened, string(op.Access), string(np.Access), "more writable")
		}
	}
	if op.ActiveNotify != np.ActiveNotify {
		o, n := notify(op.ActiveNotify), notify(np.ActiveNotify)
		if o != n {
			if n == model.NotifyCanDeny {
				c.add(p, KindParameter, ParamNotifyRestricted, string(o), string(n), "the CPE may refuse active notification")
			} else {
				c.add(p, KindParameter, ParamNotifyChanged, string(o), string(n), "activeNotify changed")
			}
		}
	}
	if op.ForcedInform != np.ForcedInform {
		c.add(p, KindParameter, ParamForcedInformChanged, boolText(op.ForcedInform), boolText(np.ForcedInform), "forcedInform changed")
	}
	c.syntax(p, &op.Syntax, &np.Syntax, op.Access == model.ReadOnly && np.Access == model.ReadOnly, np.Access.Writable())
	if c.opts.Descriptions && !sameText(op.Description, np.Description) {
		c.add(p, KindParameter, ParamDescriptionChanged, op.Description, np.Description, "description changed")
	}
}

func notify(a model.ActiveNotify) model.ActiveNotify {
	if a == "" {
		return model.NotifyNormal
	}
	return a
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// parameter looks a parameter up by full path, including a service
// model's top-level parameters (whose object has the empty path), which
// model.Model.Parameter does not find.
func parameter(m *model.Model, path string) *model.Parameter {
	if p := m.Parameter(path); p != nil {
		return p
	}
	if !strings.Contains(path, ".") {
		if o := m.Object(""); o != nil {
			return o.Param(path)
		}
	}
	return nil
}
