package lint

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// model lints what the linted file defines or refines in one of its models.
func (c *linter) model(m *model.Model) {
	c.m, c.paths, c.testModel = m, nil, ""
	if isTestModel(c.doc, m) {
		c.testModel = m.Name
	}
	defer func() { c.testModel = "" }()
	if c.mine(m.Pos) {
		c.status(m.Pos, "", "model "+m.Name, "")
	}
	cwmp := c.modelProtocol(m) == protocolCWMP
	for _, o := range m.Objects {
		if o.Path != "" && c.mine(o.Pos) {
			c.object(m, o)
		}
		c.refinedObject(o)
		for _, p := range o.Params {
			c.parameter(m, o, p)
			c.refinedParameter(p)
		}
		if cwmp {
			c.cwmpCommands(m, o)
		}
		for _, cmd := range o.Commands {
			for _, args := range []*model.Args{&cmd.Input, &cmd.Output} {
				c.argObjects(o.Path+cmd.Name, args)
			}
			if c.mine(cmd.Pos) {
				c.checkName(strings.TrimSuffix(cmd.Name, "()"), cmd.Pos, o.Path+cmd.Name, "command")
				c.version(m, cmd.Pos, o.Path+cmd.Name, cmd.Version)
				c.status(cmd.Pos, o.Path+cmd.Name, "command", cmd.Status)
			}
			for _, args := range []*model.Args{&cmd.Input, &cmd.Output} {
				args.Each(func(_ string, _ *model.Object, a *model.Parameter) {
					if a != nil {
						c.argument(o.Path+cmd.Name, a)
					}
				})
			}
		}
		for _, ev := range o.Events {
			c.argObjects(o.Path+ev.Name, &ev.Args)
			if c.mine(ev.Pos) {
				c.checkName(strings.TrimSuffix(ev.Name, "!"), ev.Pos, o.Path+ev.Name, "event")
				c.version(m, ev.Pos, o.Path+ev.Name, ev.Version)
				c.status(ev.Pos, o.Path+ev.Name, "event", ev.Status)
			}
			ev.Args.Each(func(_ string, _ *model.Object, a *model.Parameter) {
				if a != nil {
					c.argument(o.Path+ev.Name, a)
				}
			})
		}
	}
	for _, p := range m.Profiles {
		if c.mine(p.Pos) {
			c.version(m, p.Pos, "profile "+p.Name, p.Version)
			c.status(p.Pos, "", "profile "+p.Name, p.Status)
			c.profile(m, p)
		}
	}
}

func (c *linter) argument(where string, a *model.Parameter) {
	path := where + "." + a.Name
	c.syntax(&a.Syntax, path, a.Pos, c.mine(a.Pos), nil)
}

// object checks one object the file defines.
func (c *linter) object(m *model.Model, o *model.Object) {
	path := o.Path
	name := o.Name()
	c.checkName(name, o.Pos, path, "object")
	// Segment shape: "{i}" only right after a named segment.
	segs := strings.Split(strings.TrimSuffix(path, "."), ".")
	for i, s := range segs {
		if s == "{i}" && (i == 0 || segs[i-1] == "{i}") {
			c.add(o.Pos, 0, RuleTableName, path, "object %s: {i} must follow a named segment", path)
		}
	}
	// Parent.
	parentPath := model.ParentPath(path)
	var parent *model.Object
	if parentPath != "" {
		parent = m.Object(parentPath)
		if parent == nil {
			c.add(o.Pos, 0, RuleParentMissing, path, "object %s: parent object %s does not exist in %s", path, parentPath, m.Name)
		}
	} else if m.IsService {
		parent = m.Object("")
	}
	// Vendor prefix for additions to standard objects.
	if !c.standard && parent != nil && isStandardFile(parent.Pos.File) && !hasVendorPrefix(name) {
		c.add(o.Pos, 0, RuleVendorPrefixMissing, path, "object %s is not standard but is placed in standard object %s without a vendor prefix (X_<VENDOR>_%s)", path, parentPath, name)
	}
	// Table naming and entries.
	multi := o.MaxEntries == model.Unbounded || o.MaxEntries > 1
	switch {
	case multi && !o.IsTable():
		c.add(o.Pos, 0, RuleTableName, path, "object %s has maxEntries %s, so it is a table and its name must end in .{i}.", path, entries(o.MaxEntries))
	case !multi && o.IsTable() && o.MaxEntries == 1 && o.MinEntries == 1:
		c.add(o.Pos, 0, RuleTableName, path, "object %s is named as a table but has exactly one instance (minEntries=maxEntries=1); name it without .{i}.", path)
	}
	if o.MaxEntries != model.Unbounded && o.MinEntries > o.MaxEntries {
		c.add(o.Pos, 0, RuleEntries, path, "object %s: minEntries %d is greater than maxEntries %d", path, o.MinEntries, o.MaxEntries)
	}
	if !o.IsTable() && (o.MinEntries > 1 || o.MaxEntries == 0) {
		c.add(o.Pos, 0, RuleEntries, path, "single-instance object %s must have minEntries 0 or 1 and maxEntries 1 (has %d..%s)", path, o.MinEntries, entries(o.MaxEntries))
	}
	if o.Access == model.ReadWrite && !o.IsTable() {
		c.add(o.Pos, 0, RuleObjectAccess, path, "object %s is readWrite but is not a table: only table instances can be added and deleted", path)
	}
	if o.IsTable() {
		c.numEntries(m, o, parent)
		if o.EnableParameter != "" {
			p := o.Param(o.EnableParameter)
			switch {
			case p == nil:
				c.add(o.Pos, 0, RuleEnableParam, path, "enableParameter %s is not a parameter of %s", o.EnableParameter, path)
			case p.Syntax.WireType() != model.TypeBoolean:
				c.add(o.Pos, 0, RuleEnableParamType, path, "enableParameter %s%s has type %s, not boolean", path, p.Name, p.Syntax.WireType())
			}
		}
	} else if o.EnableParameter != "" {
		c.add(o.Pos, 0, RuleEnableParam, path, "enableParameter %s on %s, which is not a table", o.EnableParameter, path)
	}
	c.uniqueKeys(o, path)
	c.mountType(o, path)
	c.version(m, o.Pos, path, o.Version)
	c.status(o.Pos, path, "object", o.Status)
}

func entries(n int) string {
	if n == model.Unbounded {
		return "unbounded"
	}
	return strconv.Itoa(n)
}

func (c *linter) numEntries(m *model.Model, o, parent *model.Object) {
	path := o.Path
	if o.NumEntriesParameter == "" {
		if o.MaxEntries == model.Unbounded || o.MaxEntries > o.MinEntries {
			c.add(o.Pos, 0, RuleNumEntriesMissing, path, "table %s has a variable number of entries (%d..%s) but no numEntriesParameter", path, o.MinEntries, entries(o.MaxEntries))
		}
		return
	}
	if parent == nil {
		parent = m.Object("")
	}
	var p *model.Parameter
	if parent != nil {
		p = parent.Param(o.NumEntriesParameter)
	}
	if p == nil {
		where := model.ParentPath(path)
		if where == "" {
			where = "the model root"
		}
		c.add(o.Pos, 0, RuleNumEntriesParam, path, "numEntriesParameter %s of %s is not a parameter of its parent %s", o.NumEntriesParameter, path, where)
		return
	}
	if p.Syntax.WireType() != model.TypeUnsignedInt {
		c.add(o.Pos, 0, RuleNumEntriesParam, path, "numEntriesParameter %s of %s has type %s, not unsignedInt", p.Path(), path, p.Syntax.WireType())
	}
	if p.Access != model.ReadOnly {
		c.add(o.Pos, 0, RuleNumEntriesParam, path, "numEntriesParameter %s of %s is %s, not readOnly", p.Path(), path, p.Access)
	}
}

// parameter checks a parameter of the model: everything about it if the
// file defines it, and the facets the file gives it if it refines it.
func (c *linter) parameter(m *model.Model, o *model.Object, p *model.Parameter) {
	path := p.Path()
	own := c.mine(p.Pos)
	if own {
		c.checkName(p.Name, p.Pos, path, "parameter")
		if !c.standard && o.Path != "" && isStandardFile(o.Pos.File) && !hasVendorPrefix(p.Name) {
			c.add(p.Pos, 0, RuleVendorPrefixMissing, path, "parameter %s is not standard but is placed in standard object %s without a vendor prefix (X_<VENDOR>_%s)", path, o.Path, p.Name)
		}
		c.version(m, p.Pos, path, p.Version)
		c.status(p.Pos, path, "parameter", p.Status)
	}
	c.syntax(&p.Syntax, path, p.Pos, own, o)
	if !own && !c.standard && isStandardFile(p.Pos.File) {
		c.vendorEnums(p, path)
	}
}

// vendorEnums checks the enumeration values a vendor file adds to a
// standard parameter (TR-106 3.3): each carries a well-formed vendor
// prefix. Values the base model already has may be restated freely.
func (c *linter) vendorEnums(p *model.Parameter, path string) {
	var std map[string]bool
	for _, e := range p.Syntax.Enums {
		if !c.mine(e.Pos) || e.Status == model.Deleted {
			continue
		}
		if std == nil {
			std = map[string]bool{}
			if bp := c.baseParam(path); bp != nil {
				for _, v := range bp.Syntax.Enums {
					std[v.Value] = true
				}
			}
		}
		if std[e.Value] {
			continue
		}
		if !hasVendorPrefix(e.Value) {
			c.add(e.Pos, 0, RuleVendorPrefixMissing, path, "%s: enumeration value %q is added to a standard parameter without a vendor prefix (X_<VENDOR>_%s)", path, e.Value, e.Value)
		} else if _, _, ok := vendorSplit(e.Value); !ok {
			c.add(e.Pos, 0, RuleVendorPrefix, path, "%s: enumeration value %q: vendor prefix is not X_<OUI>_ or X_<DOMAIN>_", path, e.Value)
		}
	}
}

// baseParam returns the parameter at path in the model the current model
// is based on, as its imported document defines it, or nil.
func (c *linter) baseParam(path string) *model.Parameter {
	if c.base == nil {
		c.base = map[string]*model.Model{}
	}
	bm, ok := c.base[c.m.Name]
	if !ok {
		bm = c.baseModel(c.m)
		c.base[c.m.Name] = bm
	}
	if bm == nil {
		return nil
	}
	return bm.Parameter(path)
}

func (c *linter) baseModel(m *model.Model) *model.Model {
	if m.Base == "" {
		return nil
	}
	if bm := c.doc.Model(m.Base); bm != nil {
		return bm
	}
	if c.loader == nil {
		return nil
	}
	for _, imp := range c.doc.Imports {
		d, err := c.loader.LoadFile(imp.Resolved)
		if err != nil {
			continue
		}
		if bm := d.Model(m.Base); bm != nil {
			return bm
		}
	}
	return nil
}

// version reports an item version newer than its model's.
func (c *linter) version(m *model.Model, pos model.Pos, path, v string) {
	mv := m.Version()
	if v == "" || mv == "" {
		return
	}
	if cmpVersion(v, mv) > 0 {
		c.add(pos, 0, RuleVersionNewer, path, "%s has version %s, newer than its model %s", orName(path), v, m.Name)
	}
}

func orName(path string) string {
	if path == "" {
		return "item"
	}
	return path
}

// cmpVersion compares "major.minor[.patch]" versions numerically on major
// and minor.
func cmpVersion(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (c *linter) status(pos model.Pos, path, kind string, s model.Status) {
	switch s {
	case model.Deprecated, model.Obsoleted:
		what := kind
		if path != "" {
			what = kind + " " + path
		}
		c.add(pos, 0, RuleDeprecated, path, "%s is %s", what, s)
	}
}

// profile checks that a profile the file defines names only items its
// model has.
func (c *linter) profile(m *model.Model, p *model.Profile) {
	what := "profile " + p.Name
	for _, n := range append([]string{p.Base}, p.Extends...) {
		if n != "" && m.Profile(n) == nil {
			c.add(p.Pos, 0, RuleProfileRef, what, "%s: base or extended profile %s is not in %s", what, n, m.Name)
		}
	}
	for _, po := range p.Objects {
		pos := po.Pos
		if pos.File == "" {
			pos = p.Pos
		}
		o := m.Object(po.Path)
		if o == nil {
			c.add(pos, 0, RuleProfileRef, po.Path, "%s requires object %s, which is not in %s", what, po.Path, m.Name)
			continue
		}
		for _, it := range po.Params {
			if o.Param(it.Name) == nil {
				ipos := it.Pos
				if ipos.File == "" {
					ipos = pos
				}
				c.add(ipos, 0, RuleProfileRef, po.Path+it.Name, "%s requires parameter %s%s, which is not in %s", what, po.Path, it.Name, m.Name)
			}
		}
	}
}

// refinedBy returns the last of the file's own base= refinements of a
// standard item that restates what (an attribute or element name), or nil
// (also when the file is a BBF file or the item is not standard).
func (c *linter) refinedBy(def model.Pos, refined []model.Refinement, what string) *model.Pos {
	if c.standard || !isStandardFile(def.File) {
		return nil
	}
	for i := len(refined) - 1; i >= 0; i-- {
		if c.mine(refined[i].Pos) && refined[i].Restates(what) {
			return &refined[i].Pos
		}
	}
	return nil
}

// refinedObject reports what a vendor file's base= refinement changed in
// a standard object: its access (whether the ACS may add and delete
// instances) and its status.
func (c *linter) refinedObject(o *model.Object) {
	if len(o.Refined) == 0 {
		return
	}
	bo := c.baseObject(o.Path)
	if bo == nil {
		return
	}
	if at := c.refinedBy(o.Pos, o.Refined, "access"); at != nil && o.Access != bo.Access {
		c.add(*at, 0, RuleRefineAccess, o.Path, "%s: access changed from %s (the standard's) to %s", o.Path, bo.Access, o.Access)
	}
	if at := c.refinedBy(o.Pos, o.Refined, "status"); at != nil && o.Status.OrCurrent() != bo.Status.OrCurrent() {
		c.add(*at, 0, RuleRefineStatus, o.Path, "%s: status changed from %s (the standard's) to %s", o.Path, bo.Status.OrCurrent(), o.Status.OrCurrent())
	}
}

// refinedParameter reports what a vendor file's base= refinement changed
// in a standard parameter: access, status, base type or list-ness.
func (c *linter) refinedParameter(p *model.Parameter) {
	if len(p.Refined) == 0 {
		return
	}
	path := p.Path()
	bp := c.baseParam(path)
	if bp == nil {
		return
	}
	if at := c.refinedBy(p.Pos, p.Refined, "access"); at != nil && p.Access != bp.Access {
		c.add(*at, 0, RuleRefineAccess, path, "%s: access changed from %s (the standard's) to %s", path, bp.Access, p.Access)
	}
	if at := c.refinedBy(p.Pos, p.Refined, "status"); at != nil && p.Status.OrCurrent() != bp.Status.OrCurrent() {
		c.add(*at, 0, RuleRefineStatus, path, "%s: status changed from %s (the standard's) to %s", path, bp.Status.OrCurrent(), p.Status.OrCurrent())
	}
	if at := c.refinedBy(p.Pos, p.Refined, "syntax"); at != nil &&
		(p.Syntax.Type != bp.Syntax.Type || p.Syntax.WireType() != bp.Syntax.WireType() || (p.Syntax.List != nil) != (bp.Syntax.List != nil)) {
		c.add(*at, 0, RuleRefineType, path, "%s: type changed from %s (the standard's) to %s", path, typeText(&bp.Syntax), typeText(&p.Syntax))
	}
}

func typeText(s *model.Syntax) string {
	t := string(s.Type)
	if s.List != nil {
		t = "list of " + t
	}
	return t
}

// baseObject returns the object at path in the model the current model is
// based on, or nil.
func (c *linter) baseObject(path string) *model.Object {
	c.baseParam("") // loads the base model
	bm := c.base[c.m.Name]
	if bm == nil {
		return nil
	}
	return bm.Object(path)
}

// uniqueKeys checks that an object's (or argument object's) unique keys
// name its own parameters, and that only tables have them.
func (c *linter) uniqueKeys(o *model.Object, path string) {
	for _, k := range o.UniqueKeys {
		for _, name := range k.Params {
			if o.Param(name) == nil {
				c.add(o.Pos, 0, RuleUniqueKey, path, "uniqueKey parameter %s is not a parameter of %s", name, path)
			}
		}
	}
	if len(o.UniqueKeys) > 0 && !o.IsTable() {
		c.add(o.Pos, 0, RuleUniqueKey, path, "object %s has a uniqueKey but is not a table", path)
	}
}

// mountType checks the USP mountType attribute: "none" (which the parser
// leaves empty), "mountable" or "mountPoint".
func (c *linter) mountType(o *model.Object, path string) {
	switch o.MountType {
	case "", "mountable", "mountPoint":
	default:
		c.add(o.Pos, 0, RuleMountType, path, "object %s has mountType %q; the schema's values are none, mountable and mountPoint", path, o.MountType)
	}
}

// argObjects checks the argument objects of a command's input or output
// or of an event that the file defines: their unique keys.
func (c *linter) argObjects(where string, a *model.Args) {
	for _, o := range a.Objects {
		if c.mine(o.Pos) {
			c.uniqueKeys(o, where+"."+o.Path)
		}
	}
}

const (
	protocolCWMP = "cwmp"
	protocolUSP  = "usp"
)

// modelProtocol says whether m is a CWMP or a USP model, from the name of
// the file that defines it (tr-181-2-19-1-cwmp.xml, ...-usp.xml,
// tr-181-2-16-0-wifi-usp.xml) or else of the file that defines the model
// it is built on (a vendor model based on Device:2.19 from a -cwmp file
// is a CWMP model); "" when neither says.
func (c *linter) modelProtocol(m *model.Model) string {
	for depth := 0; m != nil && depth < 8; depth++ {
		if p := fileProtocol(m.File); p != "" {
			return p
		}
		m = c.baseModel(m)
	}
	return ""
}

// fileProtocol reads the protocol label of a BBF-style file name: a
// "-cwmp" or "-usp" segment ("" for neither).
func fileProtocol(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), ".xml")
	for _, seg := range strings.Split(name, "-") {
		switch seg {
		case protocolCWMP:
			return protocolCWMP
		case protocolUSP:
			return protocolUSP
		}
	}
	return ""
}

// cwmpCommands reports the commands and events of an object in a CWMP
// model that the linted file defines the model of, or defines itself.
// One the file only imported (from a component) is reported at the
// model, since it is the model's choice to include it.
func (c *linter) cwmpCommands(m *model.Model, o *model.Object) {
	if !c.mine(m.Pos) && !c.mine(o.Pos) {
		return
	}
	report := func(pos model.Pos, path, kind string) {
		at := pos
		if !c.mine(pos) {
			at = m.Pos
			if c.mine(o.Pos) {
				at = o.Pos
			}
		}
		c.add(at, 0, RuleCWMPCommand, path, "%s %s in CWMP model %s: commands and events exist only in USP models", kind, path, m.Name)
	}
	for _, cmd := range o.Commands {
		report(cmd.Pos, o.Path+cmd.Name, "command")
	}
	for _, ev := range o.Events {
		report(ev.Pos, o.Path+ev.Name, "event")
	}
}
