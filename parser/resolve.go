package parser

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

type resolver struct {
	l *Loader
}

// ctx is where the children of a model, object or component land.
type ctx struct {
	d      *doc         // document whose scope names are looked up in
	m      *model.Model // model being built
	prefix string       // object path that relative names are under
	obj    *model.Object
	comps  []string // components being expanded (cycle detection)
	// outer are the documents whose components include this one, innermost
	// first: BBF component files use data types and components that only
	// the including document imports (e.g. "Alias"), so names not visible
	// lexically are looked up there.
	outer []*doc
	// root is the document whose model is being resolved. Its imports
	// may rebind a component or data type name (<component name="Alias"
	// ref="_AliasCWMP"/>): that binding applies to everything resolved
	// under it, in whichever component file the name is used.
	root *doc
	// comp is the component being expanded ("file#name"), recorded on
	// the items it defines.
	comp string
	// version is what a new item that states no version gets: its
	// object's version, or for items added to an object by base= (or at
	// model level) the model's. clamp is the least version an item may
	// have: the version of the component reference it is expanded from
	// (TR-106: a component's items are clamped to it).
	version, clamp string
}

// itemVersion returns the version of a new item that states explicit
// (possibly empty).
func (c *ctx) itemVersion(explicit string) string {
	v := explicit
	if v == "" {
		v = c.version
	}
	return maxVersion(v, c.clamp)
}

// maxVersion returns the later of two "major.minor[.patch]" versions (an
// empty one is the earliest).
func maxVersion(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil || x == y {
			continue
		}
		if x > y {
			return a
		}
		return b
	}
	if len(bs) > len(as) {
		return b
	}
	return a
}

// rebound returns the root document's rebinding of a component name, if any.
func (c *ctx) reboundComponent(name string) (*component, bool) {
	if c.root == nil || !c.root.rebound["component:"+name] {
		return nil, false
	}
	comp, ok := c.root.components[name]
	return comp, ok
}

// lookupComponent finds a component by the name used in c.d, falling back
// to the including documents' scopes.
func (c *ctx) lookupComponent(name string) (*component, bool) {
	if comp, ok := c.reboundComponent(name); ok {
		return comp, true
	}
	if comp, ok := c.d.components[name]; ok {
		return comp, true
	}
	for _, o := range c.outer {
		if comp, ok := o.components[name]; ok {
			return comp, true
		}
	}
	return nil, false
}

var knownDocChildren = map[string]bool{
	"description": true, "import": true, "dataType": true, "bibliography": true, "template": true,
	"component": true, "model": true, "glossary": true, "abbreviations": true,
}

// document resolves a DM document: imports, then data types, then
// components (expanded lazily where they are used), then models in order.
func (r *resolver) document(d *doc) error {
	// Rebindings first: they hold for every model the document imports,
	// whichever import element comes first (TR-181 2.19 USP imports the
	// common model before rebinding InterfaceStatsReset).
	for _, c := range d.root.Children {
		if c.Tag != "import" {
			continue
		}
		for _, ch := range c.Children {
			if name, ref := ch.get("name"), ch.get("ref"); name != "" && ref != "" && ref != name {
				if d.rebound == nil {
					d.rebound = map[string]bool{}
				}
				d.rebound[ch.Tag+":"+name] = true
			}
		}
	}
	for _, c := range d.root.Children {
		switch c.Tag {
		case "import":
			if err := r.importElem(d, c); err != nil {
				return err
			}
		case "dataType":
			name := c.get("name")
			if name == "" {
				return d.errRule(c, "attr-invalid", "dataType without a name")
			}
			if _, dup := d.dtNodes[name]; dup {
				return d.errRule(c, "name-redefined", "dataType %s defined twice", name)
			}
			d.dtNodes[name] = c
		case "component":
			name := c.get("name")
			if name == "" {
				return d.errRule(c, "attr-invalid", "component definition without a name")
			}
			if old, ok := d.components[name]; ok && old.d == d {
				return d.errRule(c, "name-redefined", "component %s defined twice (first at line %d)", name, old.n.Line)
			}
			d.components[name] = &component{name: name, n: c, d: d}
			d.Components = append(d.Components, name)
		}
	}
	if err := r.l.soft(r.importModels(d)); err != nil {
		return err
	}
	for _, c := range d.root.Children {
		if c.Tag == "dataType" {
			dt, err := r.dataType(d, c.get("name"))
			if err != nil {
				return err
			}
			d.DataTypes = append(d.DataTypes, dt)
		}
	}
	for _, c := range d.root.Children {
		switch c.Tag {
		case "model":
			// Models are resolved when first needed: component files carry
			// small test models that need not resolve for the components
			// to be usable elsewhere.
			d.modelNodes = append(d.modelNodes, c)
		default:
			if !knownDocChildren[c.Tag] {
				r.l.warn(d.pos(c), c.Col, "unknown-element", "unknown element <%s> in <document> ignored", c.Tag)
			}
		}
	}
	return nil
}

func (r *resolver) importElem(d *doc, n *node) error {
	file, spec := n.get("file"), n.get("spec")
	path, err := r.l.findImport(filepath.Dir(d.Path), file, spec)
	if err != nil {
		return d.errf(n, "%v", err)
	}
	imp, err := r.l.load(path)
	if err != nil {
		return fmt.Errorf("%s:%d: in import of %s: %w", d.File, n.Line, filepath.Base(path), err)
	}
	d.Imports = append(d.Imports, &Import{File: file, Spec: spec, Resolved: path, Pos: d.pos(n)})
	for _, c := range n.Children {
		name, ref := c.get("name"), c.get("ref")
		if ref == "" {
			ref = name
		}
		if name == "" {
			return d.errRule(c, "attr-invalid", "imported <%s> without a name", c.Tag)
		}
		switch c.Tag {
		case "dataType":
			dt, err := r.lookupDataType(imp, ref)
			if err != nil {
				return d.errRule(c, "datatype-unknown", "import of dataType %s from %s: %v", ref, imp.File, err)
			}
			d.dataTypes[name] = dt
		case "component":
			comp, ok := imp.components[ref]
			if !ok {
				return d.errRule(c, "component-unknown", "component %s is not defined in %s", ref, imp.File)
			}
			d.components[name] = comp
		case "model":
			// Resolved once every import is read: the document's
			// rebindings apply to imported models, and a rebinding may
			// come in a later import element.
			d.pendingModels = append(d.pendingModels, pendingModel{imp: imp, n: c})
		case "description":
		default:
			r.l.warn(d.pos(c), c.Col, "unknown-element", "unknown element <%s> in <import> ignored", c.Tag)
		}
	}
	return nil
}

// importModels resolves the models d imports (see importElem).
func (r *resolver) importModels(d *doc) error {
	for _, pm := range d.pendingModels {
		imp, c := pm.imp, pm.n
		name, ref := c.get("name"), c.get("ref")
		if ref == "" {
			ref = name
		}
		// A model imported into a document that rebinds names is
		// resolved under that document's bindings (TR-181 2.18+
		// roots import the common model and rebind Alias).
		m, err := r.modelUnder(imp, ref, d)
		if err != nil {
			return fmt.Errorf("%s:%d: in import of model %s from %s: %w", d.File, c.Line, ref, imp.File, err)
		}
		if m == nil {
			// tr-196-2-1-1-cwmp.xml imports FAPService:2.1 from the
			// latest tr-196-2-1 common file, which names it
			// FAPService:2.1.3: accept a corrigendum-qualified name.
			for _, mn := range imp.modelNodes {
				if full := mn.get("name"); strings.HasPrefix(full, ref+".") {
					if m, err = r.modelUnder(imp, full, d); err != nil {
						return err
					}
					r.l.warn(d.pos(c), c.Col, "import-model-name", "model %s is not defined in %s; using %s", ref, imp.File, full)
					ref = full
					break
				}
			}
		}
		if m == nil {
			return d.errRule(c, "model-unknown", "model %s is not defined in %s", ref, imp.File)
		}
		d.models[name] = m
		if d.modelRefs == nil {
			d.modelRefs = map[string]modelRef{}
		}
		d.modelRefs[name] = modelRef{imp: imp, ref: ref}
	}
	d.pendingModels = nil
	return nil
}

// lookupDataType finds a data type visible in d, resolving d's own ones on
// first use (they may refer to each other in any order).
func (r *resolver) lookupDataType(d *doc, name string) (*model.DataType, error) {
	if _, ok := d.dtNodes[name]; ok {
		return r.dataType(d, name) // the document's own definition wins over an import
	}
	if dt, ok := d.dataTypes[name]; ok {
		return dt, nil
	}
	return nil, fmt.Errorf("data type %s is not defined or imported in %s", name, d.File)
}

func (r *resolver) dataType(d *doc, name string) (*model.DataType, error) {
	n := d.dtNodes[name]
	if dt, ok := d.dataTypes[name]; ok && dt.Pos.File == d.File && dt.Pos.Line == n.Line {
		return dt, nil // resolved already
	}
	if d.dtBusy[name] {
		return nil, d.errRule(n, "cycle", "dataType %s derives from itself", name)
	}
	d.dtBusy[name] = true
	defer delete(d.dtBusy, name)
	dt := &model.DataType{Name: name, Base: n.get("base"), Status: model.Status(n.get("status")), Pos: d.pos(n)}
	var base model.Syntax
	if dt.Base != "" {
		b, err := r.lookupDataType(d, dt.Base)
		if err != nil {
			return nil, d.errRule(n, "datatype-unknown", "dataType %s: base: %v", name, err)
		}
		base = b.Syntax
	}
	own, err := r.syntaxBody(d, n)
	if err != nil {
		return nil, err
	}
	dt.Syntax = model.MergeFacets(base, own)
	dt.Syntax.DataType = ""
	if dt.Syntax.Type == "" {
		return nil, d.errRule(n, "datatype-invalid", "dataType %s has no primitive type (no type element and no base)", name)
	}
	if r.l.Descriptions {
		dt.Description = description(n, "")
	}
	d.dataTypes[name] = dt
	return dt, nil
}

// modelUnder returns the model visible in d under name as resolved under
// root's rebindings of component and data type names: a model that a root
// document imports (and the models it is based on, through their own
// imports) expands its components with the root's bindings. With no root,
// or a root that rebinds nothing, it is modelByName. It returns nil, nil
// if there is no such model.
func (r *resolver) modelUnder(d *doc, name string, root *doc) (*model.Model, error) {
	if root == nil || root == d || len(root.rebound) == 0 {
		return r.modelByName(d, name)
	}
	key := underKey{d: d, name: name, root: root}
	if m, ok := r.l.under[key]; ok {
		if m == nil {
			return nil, fmt.Errorf("%s: model %s is based on itself", d.File, name)
		}
		return m, nil
	}
	if r.l.under == nil {
		r.l.under = map[underKey]*model.Model{}
	}
	var m *model.Model
	var err error
	if ref, ok := d.modelRefs[name]; ok {
		r.l.under[key] = nil // busy
		m, err = r.modelUnder(ref.imp, ref.ref, root)
	} else {
		for _, n := range d.modelNodes {
			if n.get("name") == name {
				r.l.under[key] = nil // busy
				m, err = r.model(d, n, root)
				break
			}
		}
	}
	if err != nil || m == nil {
		delete(r.l.under, key)
		return nil, err
	}
	r.l.under[key] = m
	return m, nil
}

// underKey names one model of a document resolved under a root's bindings.
type underKey struct {
	d, root *doc
	name    string
}

// modelRef is a model a document imports: the document and the name it
// has there.
type modelRef struct {
	imp *doc
	ref string
}

// modelByName returns the model visible in d under name, resolving d's own
// model of that name if it has not been yet. It returns nil, nil if there
// is none.
func (r *resolver) modelByName(d *doc, name string) (*model.Model, error) {
	if m, ok := d.models[name]; ok {
		return m, nil
	}
	for _, n := range d.modelNodes {
		if n.get("name") == name {
			return r.ownModel(d, n)
		}
	}
	return nil, nil
}

// ownModel resolves one of d's own model elements (once).
func (r *resolver) ownModel(d *doc, n *node) (*model.Model, error) {
	name := n.get("name")
	if m, ok := d.models[name]; ok && m.Pos.File == d.File && m.Pos.Line == n.Line {
		return m, nil
	}
	if d.modelBusy[name] {
		return nil, d.errRule(n, "cycle", "model %s is based on itself", name)
	}
	if d.modelBusy == nil {
		d.modelBusy = map[string]bool{}
	}
	d.modelBusy[name] = true
	defer delete(d.modelBusy, name)
	m, err := r.model(d, n, d)
	if err != nil {
		return nil, err
	}
	d.models[name] = m
	// Keep Models in document order whatever order they were resolved in.
	d.Models = d.Models[:0]
	for _, mn := range d.modelNodes {
		if x, ok := d.models[mn.get("name")]; ok && x.Pos.File == d.File && x.Pos.Line == mn.Line {
			d.Models = append(d.Models, x)
		}
	}
	return m, nil
}

// resolveAll resolves every model d defines.
func (r *resolver) resolveAll(d *doc) error {
	for _, n := range d.modelNodes {
		if _, err := r.ownModel(d, n); err != nil {
			return err
		}
	}
	return nil
}

// model resolves the model element n of d, expanding components with the
// bindings of root (d itself, or a document that imports the model).
func (r *resolver) model(d *doc, n *node, root *doc) (*model.Model, error) {
	name := n.get("name")
	if name == "" {
		return nil, d.errRule(n, "attr-invalid", "model without a name")
	}
	var m *model.Model
	if base := n.get("base"); base != "" {
		bm, err := r.modelUnder(d, base, root)
		if err != nil {
			return nil, err
		}
		if bm == nil {
			return nil, d.errRule(n, "base-missing", "model %s: base model %s is not defined or imported", name, base)
		}
		m = bm.Clone()
		m.Name, m.Base = name, base
	} else {
		m = model.NewModel(name)
	}
	m.IsService = n.get("isService") == "true"
	m.Spec, m.File, m.Pos = d.Spec, d.File, d.pos(n)
	if m.DataTypes == nil {
		m.DataTypes = map[string]*model.DataType{}
	}
	c := &ctx{d: d, m: m, root: root, version: m.Version()}
	for _, ch := range n.Children {
		var err error
		switch ch.Tag {
		case "description":
			if r.l.Descriptions {
				m.Description = applyDescription(m.Description, ch)
			}
		case "component":
			err = r.componentRef(c, ch)
		case "object":
			err = r.object(c, ch)
		case "profile":
			err = r.profile(c, ch)
		case "parameter":
			if !m.IsService {
				err = d.errRule(ch, "structure", "parameter %s directly inside <model> %s, which is not a service model", ch.get("name"), name)
				break
			}
			err = r.parameter(c, serviceRoot(m), ch)
		default:
			r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in <model> ignored", ch.Tag)
		}
		if err = r.l.soft(err); err != nil {
			return nil, err
		}
	}
	// Items with status deleted stay, with that status: consumers that
	// want only live items call Model.WithoutDeleted.
	return m, nil
}

// serviceRoot returns the pseudo-object with the empty path that holds a
// service model's top-level parameters (VoiceServiceNumberOfEntries),
// creating it on first use.
func serviceRoot(m *model.Model) *model.Object {
	if o := m.Object(""); o != nil {
		return o
	}
	o := model.NewObject("")
	o.Version = m.Version()
	_ = m.AddObject(o)
	return o
}

// enterComponent looks up the component a <component ref=…> names and
// returns it with the context its children resolve in.
func (r *resolver) enterComponent(c *ctx, n *node) (*component, *ctx, error) {
	ref := n.get("ref")
	if ref == "" {
		return nil, nil, c.d.errRule(n, "attr-invalid", "<component> inside a model or object needs ref")
	}
	comp, ok := c.lookupComponent(ref)
	if !ok {
		return nil, nil, c.d.errRule(n, "component-unknown", "unknown component %s (not defined or imported in %s)", ref, c.d.File)
	}
	id := comp.d.File + "#" + comp.name
	for _, busy := range c.comps {
		if busy == id {
			return nil, nil, c.d.errRule(n, "cycle", "component %s includes itself (%s)", ref, strings.Join(append(c.comps, comp.name), " → "))
		}
	}
	inner := &ctx{d: comp.d, m: c.m, prefix: c.prefix + n.get("path"), root: c.root, comp: id,
		comps: append(append([]string(nil), c.comps...), id), version: c.version, clamp: maxVersion(c.clamp, n.get("version"))}
	if comp.d != c.d {
		inner.outer = append([]*doc{c.d}, c.outer...)
	} else {
		inner.outer = c.outer
	}
	return comp, inner, nil
}

// componentRef expands <component ref="X" path="P"/> in place.
func (r *resolver) componentRef(c *ctx, n *node) error {
	comp, inner, err := r.enterComponent(c, n)
	if err != nil {
		return err
	}
	prefix := inner.prefix
	if c.obj != nil && n.get("path") == "" {
		inner.obj = c.obj
	}
	for _, ch := range comp.n.Children {
		var err error
		switch ch.Tag {
		case "description":
		case "component":
			err = r.componentRef(inner, ch)
		case "object":
			err = r.object(inner, ch)
		case "parameter", "command", "event":
			o := inner.obj
			if o == nil {
				o = c.m.Object(prefix)
			}
			if o == nil && prefix == "" && c.m.IsService {
				o = serviceRoot(c.m)
			}
			if o == nil {
				return comp.d.errRule(ch, "parent-missing", "component %s: %s %s has no object to go in (path %q does not exist in %s)", comp.name, ch.Tag, ch.get("name")+ch.get("base"), prefix, c.m.Name)
			}
			switch ch.Tag {
			case "parameter":
				err = r.parameter(inner, o, ch)
			case "command":
				err = r.command(inner, o, ch)
			case "event":
				err = r.event(inner, o, ch)
			}
		case "profile":
			err = r.profile(inner, ch)
		default:
			r.l.warn(comp.d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in component %s ignored", ch.Tag, comp.name)
		}
		if err = r.l.soft(err); err != nil {
			return fmt.Errorf("%w\n\tincluded from %s:%d", err, c.d.File, n.Line)
		}
	}
	return nil
}

func (r *resolver) object(c *ctx, n *node) error {
	d, m := c.d, c.m
	name, base := n.get("name"), n.get("base")
	var o *model.Object
	switch {
	case name != "" && base != "":
		return d.errRule(n, "attr-invalid", "object has both name=%q and base=%q", name, base)
	case name != "":
		path := c.prefix + name
		if !strings.HasSuffix(path, ".") {
			return d.errRule(n, "name-invalid", "object name %s must end with a dot", path)
		}
		if old := m.Object(path); old != nil {
			if old.Status != model.Deleted {
				return d.errRule(n, "name-redefined", "object %s is already defined at %s (use base= to refine it)", path, old.Pos)
			}
			m.RemoveObject(path) // a deleted object defined anew
		}
		o = model.NewObject(path)
		o.Pos, o.Component = d.pos(n), c.comp
		o.Version = c.itemVersion(n.get("version"))
		if err := m.AddObject(o); err != nil {
			return d.errf(n, "%v", err)
		}
	case base != "":
		path := c.prefix + base
		o = m.Object(path)
		if o == nil {
			return d.errRule(n, "base-missing", "object base=%s: no such object in %s to refine", path, m.Name)
		}
		o.Refined = append(o.Refined, refinement(d, n))
	default:
		return d.errRule(n, "attr-invalid", "object without name or base")
	}
	if err := r.l.soft(objectAttrs(d, n, o)); err != nil {
		return err
	}
	oc := &ctx{d: d, m: m, prefix: o.Path, obj: o, comps: c.comps, outer: c.outer, root: c.root, comp: c.comp,
		version: c.version, clamp: c.clamp}
	if name != "" {
		o.Version = c.itemVersion(o.Version) // objectAttrs read version= again
		oc.version = o.Version
	}
	for _, ch := range n.Children {
		var err error
		switch ch.Tag {
		case "description":
			if r.l.Descriptions {
				o.Description = applyDescription(o.Description, ch)
			}
		case "uniqueKey":
			o.UniqueKeys = append(o.UniqueKeys, uniqueKey(ch))
		case "parameter":
			err = r.parameter(oc, o, ch)
		case "component":
			err = r.componentRef(oc, ch)
		case "command":
			err = r.command(oc, o, ch)
		case "event":
			err = r.event(oc, o, ch)
		case "object":
			err = r.object(oc, ch)
		default:
			r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in object %s ignored", ch.Tag, o.Path)
		}
		if err = r.l.soft(err); err != nil {
			return err
		}
	}
	return nil
}

func objectAttrs(d *doc, n *node, o *model.Object) error {
	for _, a := range n.Attr {
		v := a.Value
		switch a.Name.Local {
		case "access":
			switch v {
			case "readOnly", "readWrite":
				o.Access = model.Access(v)
			default:
				return d.errRule(n, "attr-invalid", "object %s: access %q is not readOnly or readWrite", o.Path, v)
			}
		case "minEntries":
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return d.errRule(n, "attr-invalid", "object %s: minEntries %q is not a non-negative integer", o.Path, v)
			}
			o.MinEntries = x
		case "maxEntries":
			if v == "unbounded" {
				o.MaxEntries = model.Unbounded
				break
			}
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return d.errRule(n, "attr-invalid", "object %s: maxEntries %q is not a non-negative integer or unbounded", o.Path, v)
			}
			o.MaxEntries = x
		case "numEntriesParameter":
			o.NumEntriesParameter = v
		case "enableParameter":
			o.EnableParameter = v
		case "status":
			o.Status = model.Status(v)
		case "version":
			o.Version = v
		case "previousObject":
			o.PreviousObject = v
		case "mountType":
			if v != "none" {
				o.MountType = v
			}
		case "fixedObject": // dmr:fixedObject
			o.FixedObject = v == "true" || v == "1"
		case "noUniqueKeys": // dmr:noUniqueKeys
			o.NoUniqueKeys = v == "true" || v == "1"
		case "discriminatorParameter":
			o.DiscriminatorParameter = v
		case "noDiscriminatorParameter": // dmr:noDiscriminatorParameter
			o.NoDiscriminatorParameter = v == "true" || v == "1"
		}
	}
	return nil
}

func (r *resolver) parameter(c *ctx, o *model.Object, n *node) error {
	d := c.d
	p, err := r.paramDef(c, n, func(name string) *model.Parameter { return o.Param(name) }, o.Path)
	if err != nil || p == nil {
		return err
	}
	if p.Object == nil {
		p.Version = c.itemVersion(p.Version)
		p.Component = c.comp
		if old := o.Param(p.Name); old != nil && old.Status == model.Deleted {
			o.RemoveParam(p.Name) // a deleted parameter defined anew
		}
		if err := o.AddParam(p); err != nil {
			return d.errf(n, "%v", err)
		}
	}
	return nil
}

// refinement records a base= element: where it is and which attributes and
// child elements it gives (base= itself aside).
func refinement(d *doc, n *node) model.Refinement {
	r := model.Refinement{Pos: d.pos(n)}
	for _, a := range n.Attr {
		if a.Name.Local != "base" {
			r.Sets = append(r.Sets, a.Name.Local)
		}
	}
	for _, ch := range n.Children {
		r.Sets = append(r.Sets, ch.Tag)
	}
	return r
}

// paramDef defines (name=) or refines (base=) a parameter. It returns the
// parameter; a new one has a nil Object for the caller to attach.
func (r *resolver) paramDef(c *ctx, n *node, lookup func(string) *model.Parameter, where string) (*model.Parameter, error) {
	d := c.d
	name, base := n.get("name"), n.get("base")
	var p *model.Parameter
	switch {
	case name != "" && base != "":
		return nil, d.errRule(n, "attr-invalid", "parameter has both name=%q and base=%q", name, base)
	case name != "":
		if old := lookup(name); old != nil && old.Status != model.Deleted {
			return nil, d.errRule(n, "name-redefined", "parameter %s%s is already defined at %s (use base= to refine it)", where, name, old.Pos)
		}
		p = &model.Parameter{Name: name, Access: model.ReadOnly, Pos: d.pos(n)}
	case base != "":
		p = lookup(base)
		if p == nil {
			return nil, d.errRule(n, "base-missing", "parameter base=%s: no such parameter in %s to refine", base, where)
		}
		p.Refined = append(p.Refined, refinement(d, n))
	default:
		return nil, d.errRule(n, "attr-invalid", "parameter without name or base")
	}
	for _, a := range n.Attr {
		v := a.Value
		switch a.Name.Local {
		case "access":
			switch v {
			case "readOnly", "readWrite", "writeOnceReadOnly":
				p.Access = model.Access(v)
			default:
				return nil, d.errRule(n, "attr-invalid", "parameter %s%s: access %q is not readOnly, readWrite or writeOnceReadOnly", where, p.Name, v)
			}
		case "activeNotify":
			p.ActiveNotify = model.ActiveNotify(v)
		case "forcedInform":
			p.ForcedInform = v == "true" || v == "1"
		case "mandatory":
			p.Mandatory = v == "true" || v == "1"
		case "status":
			p.Status = model.Status(v)
		case "version":
			p.Version = v
		case "previousParameter":
			p.PreviousParameter = v
		}
	}
	for _, ch := range n.Children {
		switch ch.Tag {
		case "description":
			if r.l.Descriptions {
				p.Description = applyDescription(p.Description, ch)
			}
		case "syntax":
			s, err := r.syntax(c, ch)
			if err != nil {
				return nil, err
			}
			if base != "" && p.Syntax.Type != "" {
				p.Refined[len(p.Refined)-1].Type = p.Syntax.TypeName()
				s = refineSyntax(p.Syntax, s)
			}
			p.Syntax = s
		default:
			r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in parameter %s%s ignored", ch.Tag, where, p.Name)
		}
	}
	if p.Syntax.Type == "" && base == "" {
		return nil, d.errRule(n, "syntax-missing", "parameter %s%s has no syntax", where, p.Name)
	}
	return p, nil
}

// refineSyntax applies a base= parameter's syntax to the old one: facet
// kinds it restates replace the old ones (enumerations included: the BBF
// flattened files drop values a refinement does not restate), those it
// omits stay (a refinement often restates only the type to add a default).
func refineSyntax(old, upd model.Syntax) model.Syntax {
	out := model.MergeFacets(old, upd)
	if old.List != nil && upd.List != nil {
		// A bare <list/> restates that the value is a list, not its
		// bounds: the ones it omits stay (LowerLayers keeps maxLength
		// 1024 under tr-181-2-19-0-interface.xml's refinement).
		l := *upd.List
		if l.MinItems == nil {
			l.MinItems = old.List.MinItems
		}
		if l.MaxItems == nil {
			l.MaxItems = old.List.MaxItems
		}
		if l.Size == nil {
			l.Size = old.List.Size
		}
		l.Nested = l.Nested || old.List.Nested
		out.List = &l
	}
	if upd.Type != "" && upd.DataType == "" && old.DataType != "" && upd.Type != old.Type {
		out.DataType = ""
	}
	return out
}

func (r *resolver) command(c *ctx, o *model.Object, n *node) error {
	d := c.d
	name, base := n.get("name"), n.get("base")
	var cmd *model.Command
	switch {
	case name != "" && base != "":
		return d.errRule(n, "attr-invalid", "command has both name=%q and base=%q", name, base)
	case base != "":
		cmd = o.Command(base)
		if cmd == nil {
			return d.errRule(n, "base-missing", "command base=%s: no such command in %s to refine", base, o.Path)
		}
	case name != "":
		if old := o.Command(name); old != nil {
			if old.Status != model.Deleted {
				return d.errRule(n, "name-redefined", "command %s%s is already defined at %s (use base= to refine it)", o.Path, name, old.Pos)
			}
			o.Commands = slices.DeleteFunc(o.Commands, func(x *model.Command) bool { return x == old })
		}
		if !strings.HasSuffix(name, "()") {
			return d.errRule(n, "name-syntax", "command name %s%s must end with ()", o.Path, name)
		}
		cmd = &model.Command{Name: name, Pos: d.pos(n), Version: c.itemVersion(n.get("version"))}
		o.Commands = append(o.Commands, cmd)
	default:
		return d.errRule(n, "attr-invalid", "command without name or base")
	}
	if v, ok := n.attr("async"); ok {
		cmd.Async = v == "true" || v == "1"
	}
	if v, ok := n.attr("status"); ok {
		cmd.Status = model.Status(v)
	}
	if v, ok := n.attr("version"); ok && base != "" {
		cmd.Version = v
	}
	where := o.Path + cmd.Name
	for _, ch := range n.Children {
		var err error
		switch ch.Tag {
		case "description":
			if r.l.Descriptions {
				cmd.Description = applyDescription(cmd.Description, ch)
			}
		case "input":
			err = r.arguments(c, ch, &cmd.Input, where+".Input.", "", nil, cmd.Version)
		case "output":
			err = r.arguments(c, ch, &cmd.Output, where+".Output.", "", nil, cmd.Version)
		default:
			r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in command %s ignored", ch.Tag, where)
		}
		if err = r.l.soft(err); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) event(c *ctx, o *model.Object, n *node) error {
	d := c.d
	name, base := n.get("name"), n.get("base")
	var ev *model.Event
	switch {
	case name != "" && base != "":
		return d.errRule(n, "attr-invalid", "event has both name=%q and base=%q", name, base)
	case base != "":
		ev = o.Event(base)
		if ev == nil {
			return d.errRule(n, "base-missing", "event base=%s: no such event in %s to refine", base, o.Path)
		}
	case name != "":
		if old := o.Event(name); old != nil {
			if old.Status != model.Deleted {
				return d.errRule(n, "name-redefined", "event %s%s is already defined at %s (use base= to refine it)", o.Path, name, old.Pos)
			}
			o.Events = slices.DeleteFunc(o.Events, func(x *model.Event) bool { return x == old })
		}
		if !strings.HasSuffix(name, "!") {
			return d.errRule(n, "name-syntax", "event name %s%s must end with !", o.Path, name)
		}
		ev = &model.Event{Name: name, Pos: d.pos(n), Version: c.itemVersion(n.get("version"))}
		o.Events = append(o.Events, ev)
	default:
		return d.errRule(n, "attr-invalid", "event without name or base")
	}
	if v, ok := n.attr("status"); ok {
		ev.Status = model.Status(v)
	}
	if v, ok := n.attr("version"); ok && base != "" {
		ev.Version = v
	}
	for _, ch := range n.Children {
		if ch.Tag == "description" && r.l.Descriptions {
			ev.Description = applyDescription(ev.Description, ch)
		}
	}
	return r.arguments(c, n, &ev.Args, o.Path+ev.Name+".", "", nil, ev.Version)
}

// arguments resolves the children of a command's <input> or <output>, or
// of an <event>, into args exactly as an object's children are resolved:
// parameters and argument objects defined or refined (base=), and
// components expanded in place (their path= under prefix). prefix is the
// argument-object path the children belong to ("" for the top level,
// "RouteHops.{i}."), obj that object. where names the arguments' place in
// messages ("Device.IP.Diagnostics.IPPing().Input.").
func (r *resolver) arguments(c *ctx, n *node, args *model.Args, where, prefix string, obj *model.Object, version string) error {
	d := c.d
	for _, ch := range n.Children {
		var err error
		switch ch.Tag {
		case "description":
		case "parameter":
			lookup := args.Param
			if obj != nil {
				lookup = obj.Param
			}
			var p *model.Parameter
			p, err = r.paramDef(c, ch, lookup, where+prefix)
			if err != nil || p == nil {
				break
			}
			// Arguments have no access: a component written for an
			// object (Interface, access="readWrite") says nothing about
			// an argument, and the BBF's flattening drops it. They read
			// as readOnly, the default.
			p.Access = model.ReadOnly
			// Likewise a default of any type (factory, object,
			// implementation: when a device is reset, an instance created)
			// means, for an argument, the value used when the caller gives
			// none: a parameter default, as the BBF's flattening writes it.
			if df := p.Syntax.Default; df != nil {
				df.Type = "parameter"
			}
			if p.Object != nil || lookup(p.Name) == p {
				break
			}
			if p.Version == "" {
				p.Version = version
			}
			p.Version = maxVersion(p.Version, c.clamp)
			p.Component = c.comp
			if obj != nil {
				err = obj.AddParam(p)
			} else {
				err = args.AddArgParam(p)
			}
			if err != nil {
				err = d.errRule(ch, "name-redefined", "%s%v", where, err)
			}
		case "object":
			err = r.argObject(c, ch, args, where, prefix, version)
		case "component":
			err = r.argComponent(c, ch, args, where, prefix, obj, version)
		default:
			r.l.warn(d.pos(ch), ch.Col, "unknown-element", "unknown element <%s> in the arguments of %s ignored", ch.Tag, strings.TrimSuffix(where, "."))
		}
		if err = r.l.soft(err); err != nil {
			return err
		}
	}
	return nil
}

// argObject defines or refines an argument object. Its name is relative to
// the enclosing argument object (or the command) and may itself hold
// several levels ("ChangeSet.{i}.Parameter.{i}.").
func (r *resolver) argObject(c *ctx, n *node, args *model.Args, where, prefix, version string) error {
	d := c.d
	name, base := n.get("name"), n.get("base")
	var o *model.Object
	switch {
	case name != "" && base != "":
		return d.errRule(n, "attr-invalid", "argument object has both name=%q and base=%q", name, base)
	case base != "":
		o = args.Object(prefix + base)
		if o == nil {
			return d.errRule(n, "base-missing", "argument object base=%s: no such object in %s to refine", prefix+base, strings.TrimSuffix(where, "."))
		}
		o.Refined = append(o.Refined, refinement(d, n))
	case name != "":
		path := prefix + name
		if !strings.HasSuffix(path, ".") {
			return d.errRule(n, "name-invalid", "argument object name %s%s must end with a dot", where, path)
		}
		if old := args.Object(path); old != nil && old.Status == model.Deleted {
			args.Objects = slices.DeleteFunc(args.Objects, func(x *model.Object) bool { return x == old })
		}
		o = model.NewObject(path)
		o.Pos, o.Version, o.Component = d.pos(n), version, c.comp
		if err := args.AddArgObject(o); err != nil {
			return d.errRule(n, "name-redefined", "%s%v", where, err)
		}
	default:
		return d.errRule(n, "attr-invalid", "argument object without name or base")
	}
	if err := r.l.soft(objectAttrs(d, n, o)); err != nil {
		return err
	}
	o.Access = model.ReadOnly // see arguments: arguments have no access
	for _, ch := range n.Children {
		if ch.Tag == "uniqueKey" {
			o.UniqueKeys = append(o.UniqueKeys, uniqueKey(ch))
		}
	}
	return r.arguments(c, filterOut(n, "uniqueKey"), args, where, o.Path, o, o.Version)
}

// argComponent expands <component ref=… path=…/> among arguments.
func (r *resolver) argComponent(c *ctx, n *node, args *model.Args, where, prefix string, obj *model.Object, version string) error {
	comp, inner, err := r.enterComponent(c, n)
	if err != nil {
		return err
	}
	if p := n.get("path"); p != "" {
		prefix += p
		obj = args.Object(prefix)
		if obj == nil {
			return c.d.errRule(n, "parent-missing", "component %s: argument object %s%s does not exist", comp.name, where, prefix)
		}
	}
	if err := r.arguments(inner, comp.n, args, where, prefix, obj, version); err != nil {
		return fmt.Errorf("%w\n\tincluded from %s:%d", err, c.d.File, n.Line)
	}
	return nil
}

// filterOut returns n without its children of the given tag.
func filterOut(n *node, tag string) *node {
	c := *n
	c.Children = slices.DeleteFunc(slices.Clone(n.Children), func(ch *node) bool { return ch.Tag == tag })
	return &c
}

func uniqueKey(n *node) model.UniqueKey {
	k := model.UniqueKey{Functional: n.get("functional") != "false"}
	for _, p := range n.Children {
		if p.Tag == "parameter" {
			k.Params = append(k.Params, p.get("ref"))
		}
	}
	return k
}

func (r *resolver) profile(c *ctx, n *node) error {
	d, m := c.d, c.m
	name, base := n.get("name"), n.get("base")
	if name == "" && base == "" {
		return d.errRule(n, "attr-invalid", "profile without name or base")
	}
	if name == "" {
		// <profile base="X"> refines profile X in place.
		old := m.Profile(base)
		if old == nil {
			return d.errRule(n, "base-missing", "profile base=%s: no such profile in %s to refine", base, m.Name)
		}
		upd, err := r.profileBody(c, n, &model.Profile{Name: base})
		if err != nil {
			return err
		}
		if st := n.get("status"); st != "" {
			old.Status = model.Status(st)
		}
		for _, po := range upd.Objects {
			cur := old.Object(po.Path)
			if cur == nil {
				old.Objects = append(old.Objects, po)
				continue
			}
			if po.Requirement != "" {
				cur.Requirement = po.Requirement
			}
			if po.Status != "" {
				cur.Status = po.Status
			}
			cur.Params = mergeItems(cur.Params, po.Params)
			cur.Commands = mergeItems(cur.Commands, po.Commands)
			cur.Events = mergeItems(cur.Events, po.Events)
		}
		return nil
	}
	p := &model.Profile{Name: name, Base: base, Status: model.Status(n.get("status")), Version: n.get("version"), Pos: d.pos(n)}
	if ext := n.get("extends"); ext != "" {
		p.Extends = strings.Fields(ext)
	}
	if p.Version == "" {
		p.Version = m.Version()
	}
	p, err := r.profileBody(c, n, p)
	if err != nil {
		return err
	}
	if old := m.Profile(name); old != nil {
		if old.Status == model.Deleted || p.Status == model.Deleted {
			*old = *p
			return nil
		}
		return d.errRule(n, "name-redefined", "profile %s is already defined at %s", name, old.Pos)
	}
	return m.AddProfile(p)
}

func mergeItems(old, upd []model.ProfileItem) []model.ProfileItem {
next:
	for _, it := range upd {
		for i := range old {
			if old[i].Name == it.Name {
				if it.Requirement != "" {
					old[i].Requirement = it.Requirement
				}
				if it.Status != "" {
					old[i].Status = it.Status
				}
				continue next
			}
		}
		old = append(old, it)
	}
	return old
}

func (r *resolver) profileBody(c *ctx, n *node, p *model.Profile) (*model.Profile, error) {
	d := c.d
	for _, ch := range n.Children {
		switch ch.Tag {
		case "description":
			if r.l.Descriptions {
				p.Description = applyDescription(p.Description, ch)
			}
		case "object":
			po := &model.ProfileObject{Path: c.prefix + ch.get("ref"), Requirement: model.Requirement(ch.get("requirement")),
				Status: model.Status(ch.get("status")), Pos: d.pos(ch)}
			for _, it := range ch.Children {
				item := model.ProfileItem{Name: it.get("ref"), Requirement: model.Requirement(it.get("requirement")), Status: model.Status(it.get("status")), Pos: d.pos(it)}
				switch it.Tag {
				case "parameter":
					po.Params = append(po.Params, item)
				case "command":
					po.Commands = append(po.Commands, item)
				case "event":
					po.Events = append(po.Events, item)
				}
			}
			p.Objects = append(p.Objects, po)
		case "parameter":
			// A model-level parameter requirement (rare): keep it under its object.
			ref := c.prefix + ch.get("ref")
			op := model.ParentPath(ref)
			po := p.Object(op)
			if po == nil {
				po = &model.ProfileObject{Path: op, Requirement: model.ReqNotSpecified, Pos: d.pos(ch)}
				p.Objects = append(p.Objects, po)
			}
			po.Params = append(po.Params, model.ProfileItem{Name: strings.TrimPrefix(ref, op), Requirement: model.Requirement(ch.get("requirement")), Pos: d.pos(ch)})
		}
	}
	return p, nil
}

// description returns a description element's text with its indentation removed.
func description(parent *node, old string) string {
	for _, ch := range parent.Children {
		if ch.Tag == "description" {
			return applyDescription(old, ch)
		}
	}
	return old
}

func applyDescription(old string, n *node) string {
	text := dedent(n.Text)
	switch n.get("action") {
	case "append":
		// A paragraph of its own, as the BBF's flattening writes it.
		if old == "" || text == "" {
			return old + text
		}
		return old + "\n\n" + text
	case "prefix":
		if old == "" || text == "" {
			return text + old
		}
		return text + "\n\n" + old
	default:
		return text
	}
}

func dedent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if t == "" {
			continue
		}
		if n := len(l) - len(t); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
