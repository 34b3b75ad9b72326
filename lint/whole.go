package lint

import (
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// Whole-model lint: the rules below check a resolved model as a whole, as
// the BBF's own tool (bbfreport) does, wherever in the imported files its
// items are defined. A BBF root file (tr-181-2-17-0-cwmp.xml) or a vendor
// model of its own is reported as a whole; a file that only extends
// others (a vendor model built on a standard one, a component file and its
// test model) gets the findings about what it defines itself, as the
// per-file rules do.

// wholeScope reports whether findings about m are reported wherever its
// items are defined (true) or only for the items the linted file defines.
func (c *linter) wholeScope(m *model.Model) bool {
	if isTestModel(c.doc, m) {
		return false
	}
	if c.standard {
		return true
	}
	// A vendor model built on a standard model extends it: the standard's
	// own faults are the BBF's to report, not the vendor's.
	bm := m
	for depth := 0; depth < 8; depth++ {
		bm = c.baseModel(bm)
		if bm == nil {
			return true
		}
		if isStandardFile(bm.File) {
			return false
		}
	}
	return true
}

// wadd reports a whole-model finding: anywhere when the model is linted
// as a whole, else only in the linted file.
func (c *linter) wadd(pos model.Pos, rule, path, format string, args ...any) {
	if !c.whole && !c.mine(pos) {
		return
	}
	if pos.File == "" {
		return // synthesised items have no place to fix
	}
	c.add(pos, 0, rule, path, format, args...)
}

// wholeModel runs the whole-model rules over m.
func (c *linter) wholeModel(m *model.Model) {
	c.m, c.paths = m, nil
	c.whole = c.wholeScope(m)
	defer func() { c.whole = false }()
	c.imports(m)
	c.dataTypeRules(m)
	for _, o := range m.Objects {
		if objectStatus(m, o) == model.Deleted {
			continue // with what is under it
		}
		if o.Path != "" {
			c.objectRules(m, o)
		}
		for _, p := range o.Params {
			if p.Status == model.Deleted {
				continue
			}
			c.paramRules(m, o, p)
		}
		for _, cmd := range o.Commands {
			if cmd.Status == model.Deleted {
				continue
			}
			for _, args := range []*model.Args{&cmd.Input, &cmd.Output} {
				c.argRules(o.Path+cmd.Name, args)
			}
		}
		for _, ev := range o.Events {
			if ev.Status != model.Deleted {
				c.argRules(o.Path+ev.Name, &ev.Args)
			}
		}
	}
	c.profileStatus(m)
	if c.loader != nil && c.loader.Descriptions {
		c.markupRules(m)
	}
}

// argRules applies the parameter rules that make sense for command and
// event arguments.
func (c *linter) argRules(where string, a *model.Args) {
	a.Each(func(rel string, o *model.Object, p *model.Parameter) {
		if p != nil && p.Status != model.Deleted {
			c.listDefault(where+"."+rel, &p.Syntax)
			c.signedMin(where+"."+rel, &p.Syntax, nil)
		}
	})
}

// imports reports the import elements without a spec, in the linted
// document and (for a whole model) in every document it reads.
func (c *linter) imports(m *model.Model) {
	seen := map[string]bool{}
	var walk func(d *parser.Document)
	walk = func(d *parser.Document) {
		if d == nil || seen[d.File] {
			return
		}
		seen[d.File] = true
		if c.docPaths == nil {
			c.docPaths = map[string]string{}
		}
		c.docPaths[d.File] = d.Path
		for _, imp := range d.Imports {
			if imp.Spec == "" {
				c.wadd(imp.Pos, RuleImportSpec, "", "import of %s has no spec: the file name alone does not say which version of the document is meant", imp.File)
			}
			if c.whole && c.loader != nil && imp.Resolved != "" {
				if id, err := c.loader.LoadFile(imp.Resolved); err == nil {
					walk(id)
				}
			}
		}
	}
	walk(c.doc)
}

// dataTypeRules checks the named data types the model uses.
func (c *linter) dataTypeRules(m *model.Model) {
	names := make([]string, 0, len(m.DataTypes))
	for n := range m.DataTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dt := m.DataTypes[n]
		if dt.Status == model.Deleted {
			continue
		}
		c.signedMin("dataType "+dt.Name, &dt.Syntax, nil)
		c.listDefault("dataType "+dt.Name, &dt.Syntax)
	}
}

// objectRules checks one object of the model.
func (c *linter) objectRules(m *model.Model, o *model.Object) {
	path := o.Path
	if o.NoUniqueKeys && len(o.UniqueKeys) > 0 {
		c.wadd(o.Pos, RuleNoUniqueKeys, path, "%s has dmr:noUniqueKeys but defines %d uniqueKey(s): drop the attribute or the keys", path, len(o.UniqueKeys))
	}
	// Reported at the object, where the fix goes: the Alias parameter
	// itself usually comes from a shared component (tr-106-types.xml).
	if p := o.Param("Alias"); p != nil && p.Status != model.Deleted {
		switch {
		case !o.IsTable():
			c.wadd(o.Pos, RuleAliasParam, path+"Alias", "%sAlias is in a single-instance object: Alias names table instances, so it belongs only in tables", path)
		case !inUniqueKey(o, "Alias"):
			c.wadd(o.Pos, RuleAliasParam, path+"Alias", "%sAlias is not a unique key of %s: add <uniqueKey functional=\"false\"><parameter ref=\"Alias\"/></uniqueKey>", path, path)
		}
	}
	if !o.IsTable() && o.MinEntries == 0 && o.MaxEntries == 1 {
		c.union(m, o)
	} else if o.DiscriminatorParameter != "" {
		c.wadd(o.Pos, RuleUnionDiscriminator, path, "%s has discriminatorParameter %s but is not a union object (minEntries 0, maxEntries 1)", path, o.DiscriminatorParameter)
	}
	if o.NumEntriesParameter != "" {
		c.numEntriesStyle(m, o)
	}
}

func inUniqueKey(o *model.Object, name string) bool {
	for _, k := range o.UniqueKeys {
		for _, p := range k.Params {
			if p == name {
				return true
			}
		}
	}
	return false
}

// union checks an optional single-instance object (minEntries 0,
// maxEntries 1): it is one of the alternatives of a union, and its parent
// says which is present with the discriminatorParameter it names.
func (c *linter) union(m *model.Model, o *model.Object) {
	path := o.Path
	if o.NoDiscriminatorParameter {
		return
	}
	if o.DiscriminatorParameter == "" {
		c.wadd(o.Pos, RuleUnionDiscriminator, path, "union object %s (minEntries 0, maxEntries 1) has no discriminatorParameter: name the parent's parameter that selects it, or set dmr:noDiscriminatorParameter=\"true\"", path)
		return
	}
	parent := m.Parent(o)
	if parent == nil {
		return
	}
	if p := parent.Param(o.DiscriminatorParameter); p == nil || p.Status == model.Deleted {
		c.wadd(o.Pos, RuleUnionDiscriminator, path, "union object %s: discriminatorParameter %s is not a parameter of %s", path, o.DiscriminatorParameter, parent.Path)
	}
}

// numEntriesStyle checks a numEntriesParameter beyond what the protocol
// needs (existence, type, access: num-entries-param): it is named after
// its table, has no default, came in with the table, and belongs to a
// table at all.
func (c *linter) numEntriesStyle(m *model.Model, o *model.Object) {
	path := o.Path
	if !o.IsTable() {
		c.wadd(o.Pos, RuleNumEntriesStyle, path, "%s is not a table but has numEntriesParameter %s: only tables count their entries", path, o.NumEntriesParameter)
		return
	}
	parent := m.Parent(o)
	if parent == nil {
		parent = m.Object("")
	}
	if parent == nil {
		return
	}
	p := parent.Param(o.NumEntriesParameter)
	if p == nil || p.Status == model.Deleted {
		return // num-entries-param's finding
	}
	if want := o.Name() + "NumberOfEntries"; p.Name != want {
		c.wadd(p.Pos, RuleNumEntriesStyle, p.Path(), "%s counts the entries of %s and so should be named %s", p.Path(), path, want)
	}
	if d := p.Syntax.Default; d != nil && d.Status != model.Deleted {
		c.wadd(orPos(d.Pos, p.Pos), RuleNumEntriesStyle, p.Path(), "%s counts the entries of %s and has a %s default %q: its value is always the number of entries, so drop the default", p.Path(), path, orDefault(d.Type), d.Value)
	}
	if p.Version != "" && o.Version != "" && cmpVersion(p.Version, o.Version) < 0 {
		// (A count newer than its table is what a base= refinement that
		// adds the count at model level looks like: not reported.)
		c.wadd(p.Pos, RuleNumEntriesStyle, p.Path(), "%s has version %s but its table %s has version %s: the count cannot predate its table; give it version=\"%s\"", p.Path(), p.Version, path, o.Version, o.Version)
	}
}

// nearestTable is the table at or above o, or nil.
func nearestTable(m *model.Model, o *model.Object) *model.Object {
	for ; o != nil; o = m.Parent(o) {
		if o.IsTable() {
			return o
		}
	}
	return nil
}

// creatable reports whether an ACS creates o's instances: the nearest
// table at or above o is writable (AddObject of an instance creates the
// single-instance objects under it too; the instances of a read-only
// table under it are the CPE's to create).
func creatable(m *model.Model, o *model.Object) bool {
	for ; o != nil; o = m.Parent(o) {
		if o.IsTable() {
			return o.Access == model.ReadWrite
		}
	}
	return false
}

func orDefault(t string) string {
	if t == "" {
		return "object"
	}
	return t
}

// paramRules checks one parameter of the model.
func (c *linter) paramRules(m *model.Model, o *model.Object, p *model.Parameter) {
	path := p.Path()
	c.listDefault(path, &p.Syntax)
	var dt *model.DataType
	if p.Syntax.DataType != "" {
		dt = m.DataTypes[p.Syntax.DataType]
	}
	c.signedMin(path, &p.Syntax, dt)
	if d := p.Syntax.Default; d != nil && d.Status != model.Deleted && d.Type == "object" && !creatable(m, o) {
		what := "is a read-only table"
		if !o.IsTable() {
			what = "is a static object in no writable table"
		}
		if t := nearestTable(m, o); t != nil && t != o {
			what = "is in read-only table " + t.Path
		}
		c.wadd(orPos(d.Pos, p.Pos), RuleObjectDefault, path, "%s has an object default %q, but %s %s: object defaults apply only when an ACS creates an instance, so use a factory default or none", path, d.Value, o.Path, what)
	}
	// The type is the primitive or named data type: making a string a
	// list of strings restates a facet of its value, not its wire type.
	now := strings.TrimPrefix(p.Syntax.TypeName(), "list of ")
	for _, r := range p.Refined {
		if !isStandardFile(r.Pos.File) && isStandardFile(p.Pos.File) {
			continue // a vendor's refinement of the standard: refine-type's finding
		}
		if was := strings.TrimPrefix(r.Type, "list of "); was != "" && was != now && r.Restates("syntax") {
			c.wadd(r.Pos, RuleTypeRedefined, path, "%s: this refinement changes the type from %s to %s; a redefinition may add facets but not change the type", path, was, now)
		}
	}
}

// listDefault reports a list-valued default not written in list syntax
// ("[]", "[a,b]").
func (c *linter) listDefault(path string, s *model.Syntax) {
	d := s.Default
	if s.List == nil || d == nil || d.Status == model.Deleted {
		return
	}
	if v := d.Value; strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		return
	}
	fix := "[" + d.Value + "]"
	c.wadd(d.Pos, RuleDefaultListSyntax, path, "%s: the %s default %q of a list-valued parameter is not in list syntax: write %q", path, orDefault(d.Type), trunc(d.Value, 64), trunc(fix, 66))
}

// signedMin reports a signed type (int, long) whose ranges exclude every
// negative value: it is an unsigned type in disguise. Ranges the syntax
// inherits from its data type dt are reported at the data type only.
func (c *linter) signedMin(path string, s *model.Syntax, dt *model.DataType) {
	if s.Type != model.TypeInt && s.Type != model.TypeLong || len(s.Ranges) == 0 {
		return
	}
	if dt != nil && sameRanges(s.Ranges, dt.Syntax.Ranges) {
		return
	}
	for _, r := range s.Ranges {
		if r.Min == "" || strings.HasPrefix(r.Min, "-") || r.Max != "" {
			return
		}
	}
	pos := s.Ranges[0].Pos
	unsigned := model.TypeUnsignedInt
	if s.Type == model.TypeLong {
		unsigned = model.TypeUnsignedLong
	}
	c.wadd(pos, RuleSignedMin, path, "%s is a %s with minInclusive %s and no maxInclusive: that is the range of %s, so use it", path, s.Type, s.Ranges[0].Min, unsigned)
}

func sameRanges(a, b []model.Range) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// profileStatus reports the profile requirements on deprecated,
// obsoleted or deleted items that are not themselves marked so, and the
// profiles all of whose requirements are.
func (c *linter) profileStatus(m *model.Model) {
	for _, pr := range m.Profiles {
		if pr.Status == model.Deleted {
			continue
		}
		what := "profile " + pr.Name
		items, retired := 0, 0
		least := model.Deleted // the least retired status among the items
		count := func(st model.Status) {
			items++
			if r := statusRank(st); r > 0 {
				retired++
				if r < statusRank(least) {
					least = st
				}
			} else {
				least = model.Current
			}
		}
		for _, po := range pr.Objects {
			o := m.Object(po.Path)
			if o == nil {
				continue // profile-ref's finding
			}
			// A requirement is at least as retired as what holds it.
			ost := maxStatus(po.Status, pr.Status)
			otarget := objectStatus(m, o)
			if len(po.Params)+len(po.Commands)+len(po.Events) == 0 || po.Requirement != model.ReqNotSpecified {
				c.profileItem(what, po.Path, orPos(po.Pos, pr.Pos), ost, otarget)
				count(maxStatus(ost, otarget))
			}
			for _, it := range po.Params {
				p := o.Param(it.Name)
				if p == nil {
					continue
				}
				ist := maxStatus(it.Status, ost)
				target := maxStatus(otarget, p.Status)
				c.profileItem(what, po.Path+it.Name, orPos(it.Pos, orPos(po.Pos, pr.Pos)), ist, target)
				count(maxStatus(ist, target))
			}
			// USP profiles require commands and events too.
			for _, items := range [][]model.ProfileItem{po.Commands, po.Events} {
				for _, it := range items {
					var st model.Status
					if cmd := o.Command(it.Name); cmd != nil {
						st = cmd.Status
					} else if ev := o.Event(it.Name); ev != nil {
						st = ev.Status
					} else {
						continue
					}
					ist := maxStatus(it.Status, ost)
					target := maxStatus(otarget, st)
					c.profileItem(what, po.Path+it.Name, orPos(it.Pos, orPos(po.Pos, pr.Pos)), ist, target)
					count(maxStatus(ist, target))
				}
			}
		}
		if items > 0 && retired == items && statusRank(pr.Status) < statusRank(least) {
			c.wadd(pr.Pos, RuleProfileStatus, what, "%s is %s but every item it requires is %s or later: mark the profile %s", what, pr.Status.OrCurrent(), least, least)
		}
	}
}

// profileItem reports a requirement with status st on an item whose own
// status is target, when the requirement is less retired than the item.
func (c *linter) profileItem(profile, path string, pos model.Pos, st, target model.Status) {
	if statusRank(target) > statusRank(st) {
		c.wadd(pos, RuleProfileStatus, path, "%s requires %s, which is %s, without marking the requirement %s", profile, path, target, target)
	}
}

// objectStatus is an object's status in the lifecycle, the status of the
// objects above it included (what holds a deprecated object goes with it).
func objectStatus(m *model.Model, o *model.Object) model.Status {
	st := o.Status.OrCurrent()
	for p := m.Parent(o); p != nil; p = m.Parent(p) {
		st = maxStatus(st, p.Status)
	}
	return st
}

// maxStatus is the more retired of two statuses (current for none).
func maxStatus(a, b model.Status) model.Status {
	if statusRank(b) > statusRank(a) {
		return b
	}
	return a.OrCurrent()
}

// statusRank orders the lifecycle: current, deprecated, obsoleted, deleted.
func statusRank(s model.Status) int {
	switch s {
	case model.Deprecated:
		return 1
	case model.Obsoleted:
		return 2
	case model.Deleted:
		return 3
	}
	return 0
}
