package policy

import (
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"github.com/robfig/cron/v3"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// Target is a compiled data model a document may name: a root model
// (Device:2, InternetGatewayDevice:1) or a service model (VoiceService:2,
// STBService:1), mounted under a root's Services object
// (Device.Services.VoiceService.1.…) or the root of a device of its own
// (VoiceService.1.…).
type Target struct {
	Name    string // as documents name it: "Device:2"
	Schema  *model.Schema
	Service bool // paths are Root.Services.<Name>.…, under either root
}

var rootNames = []string{"Device", "InternetGatewayDevice"}

// roots are the first path segments the target's paths start with.
func (t *Target) roots() []string {
	if t.Service {
		return append([]string{strings.TrimSuffix(t.topObject(), ".")}, rootNames...)
	}
	return []string{strings.TrimSuffix(t.topObject(), ".")}
}

func (t *Target) topObject() string {
	name, _, _ := strings.Cut(t.Schema.Model, ":")
	return name + "."
}

// schemaPath is the schema's own path for a device path, "" when the
// path is outside the target.
func (t *Target) schemaPath(path string) string {
	if !t.Service {
		if strings.HasPrefix(path, t.topObject()) {
			return path
		}
		return ""
	}
	if strings.HasPrefix(path, t.topObject()) {
		return path
	}
	for _, r := range rootNames {
		if rest, ok := strings.CutPrefix(path, r+".Services."); ok && strings.HasPrefix(rest, t.topObject()) {
			return rest
		}
	}
	return ""
}

// lookup finds a device path's entry; vendor is true for a path with a
// vendor (X_) segment, which no standard model defines.
func (t *Target) lookup(path string) (e *model.Entry, ok, vendor bool) {
	sp := t.schemaPath(path)
	if sp == "" {
		return nil, false, false
	}
	if isVendor(path) {
		return nil, false, true
	}
	e, ok = t.Schema.Lookup(sp)
	return e, ok, false
}

func isVendor(path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if strings.HasPrefix(seg, "X_") {
			return true
		}
	}
	return false
}

// declaredVendor reports whether every vendor segment of path starts
// with a prefix the policy declares ("X_00D09E_").
func declaredVendor(path string, declared []string) bool {
	for _, seg := range strings.Split(path, ".") {
		if !strings.HasPrefix(seg, "X_") {
			continue
		}
		ok := false
		for _, d := range declared {
			if strings.HasPrefix(seg, d) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Catalog finds the target of a model name ("Device:2").
type Catalog func(name string) (*Target, bool)

// NewCatalog builds a catalog over compiled schemas: a schema whose model
// is "Device:2.19" is the target "Device:2"; a schema whose top object
// is a table (VoiceService.{i}.) is a service model.
func NewCatalog(schemas ...*model.Schema) Catalog {
	byName := map[string]*Target{}
	for _, s := range schemas {
		name, ver, _ := strings.Cut(s.Model, ":")
		major, _, _ := strings.Cut(ver, ".")
		_, service := s.Lookup(name + ".{i}.")
		byName[name+":"+major] = &Target{Name: name + ":" + major, Schema: s, Service: service}
	}
	return func(n string) (*Target, bool) {
		t, ok := byName[n]
		return t, ok
	}
}

// root is the root object the paths of a service policy name ("" when
// it names none).
func (c *Compiled) root() string {
	first := ""
	for _, v := range c.values {
		first = v.path
		break
	}
	if first == "" && len(c.objects) > 0 {
		first = c.objects[0].table
	}
	if first == "" && len(c.attrs) > 0 {
		first = c.attrs[0].Path
	}
	if i := strings.IndexByte(first, '.'); i >= 0 {
		return first[:i+1]
	}
	return ""
}

// Compiled is a checked document, ready for planning.
type Compiled struct {
	Doc     *Document
	Target  *Target
	match   *program
	values  []cvalue
	objects []cobject
	attrs   []Attribute
	fresh   []Freshness
	virtual *compiledVirtual
	group   *compiledGroup
}

type compiledGroup struct {
	name    string
	match   *program
	devices map[string]bool
}

// Name is the document's name.
func (c *Compiled) Name() string { return c.Doc.Name }

type cvalue struct {
	path     string
	syntax   *model.Syntax // nil for vendor parameters
	wire     string        // "xsd:unsignedInt"
	constant string        // when prog is nil
	prog     *program
	line     int
}

type cobject struct {
	table  string // "Device.IP.Interface."
	key    []cvalue
	values []cvalue // relative paths
	del    bool
	line   int
}

type compiledVirtual struct {
	name string
	typ  model.BaseType
	out  *cel.Type
	prog *program
}

// Set is a checked set of documents: every policy and virtual parameter
// the ACS holds.
type Set struct {
	Policies []*Compiled                            // by descending priority, then name
	Virtuals map[string]map[string]*compiledVirtual // target name → name → virtual
	Groups   map[string]*Compiled                   // by name
	byName   map[string]*Compiled
	usesTags bool
}

// UsesTags reports whether an expression of the set reads device.tags
// (the ACS then loads a device's tags for its sessions).
func (s *Set) UsesTags() bool { return s.usesTags }

// Policy returns a checked document by name.
func (s *Set) Policy(name string) (*Compiled, bool) {
	c, ok := s.byName[name]
	return c, ok
}

// knownEvents are the trigger events a policy may name, with or without
// their number ("BOOTSTRAP" or "0 BOOTSTRAP").
var knownEvents = map[string]string{}

func init() {
	for _, e := range []string{cwmp.EventBootstrap, cwmp.EventBoot, cwmp.EventPeriodic, cwmp.EventScheduled, cwmp.EventValueChange,
		cwmp.EventKicked, cwmp.EventConnectionRequest, cwmp.EventTransferComplete, cwmp.EventDiagnosticsComplete,
		cwmp.EventRequestDownload, cwmp.EventAutonomousTransferComplete, cwmp.EventDUStateChangeComplete,
		cwmp.EventAutonomousDUStateChangeComplete, cwmp.EventWakeup} {
		knownEvents[e] = e
		_, name, _ := strings.Cut(e, " ")
		knownEvents[name] = e
	}
}

// CanonicalEvent returns the Inform event code of a trigger event.
func CanonicalEvent(e string) (string, bool) {
	c, ok := knownEvents[strings.ToUpper(strings.TrimSpace(e))]
	return c, ok
}

// cronParser reads standard five-field cron specs and descriptors
// (@daily).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Check checks documents against their models and against each other
// and compiles them. Virtual parameters are checked first, since
// policies may read them. Every problem is returned, each naming its
// policy, line, path and rule.
func Check(docs []*Document, cat Catalog) (*Set, Errors) {
	set := &Set{Virtuals: map[string]map[string]*compiledVirtual{}, Groups: map[string]*Compiled{}, byName: map[string]*Compiled{}}
	var errs Errors
	seen := map[string]int{}
	for _, d := range docs {
		if l, dup := seen[d.Name]; dup {
			errs = append(errs, &Error{Policy: d.Name, Line: d.Line, Rule: RuleDuplicate, Msg: fmt.Sprintf("a document of this name is already given (line %d)", l)})
		}
		seen[d.Name] = d.Line
	}
	for _, d := range docs {
		if d.Virtual == nil {
			continue
		}
		t, ok := cat(d.Model)
		if !ok {
			errs = append(errs, &Error{Policy: d.Name, Line: d.Line, Rule: RuleUnknownModel, Msg: fmt.Sprintf("no compiled model %q", d.Model)})
			continue
		}
		c, es := checkVirtual(d, t)
		errs = append(errs, es...)
		if c != nil {
			if set.Virtuals[t.Name] == nil {
				set.Virtuals[t.Name] = map[string]*compiledVirtual{}
			}
			set.Virtuals[t.Name][d.Name] = c.virtual
			set.byName[d.Name] = c
		}
	}
	for _, d := range docs {
		if d.Group == nil {
			continue
		}
		t, ok := cat(d.Model)
		if !ok {
			errs = append(errs, &Error{Policy: d.Name, Line: d.Line, Rule: RuleUnknownModel, Msg: fmt.Sprintf("no compiled model %q", d.Model)})
			continue
		}
		g := &compiledGroup{name: d.Name}
		if d.Group.Match != nil {
			p, e := compile(d.Group.Match, &exprScope{target: t, vendor: vendorPrefixes(d.Group.Match.Source), virtuals: set.Virtuals[t.Name]}, cel.BoolType, "", d.Name)
			if e != nil {
				errs = append(errs, e)
				continue
			}
			g.match = p
		} else {
			g.devices = map[string]bool{}
			for _, id := range d.Group.Devices {
				g.devices[id] = true
			}
		}
		c := &Compiled{Doc: d, Target: t, group: g}
		set.Groups[d.Name] = c
		set.byName[d.Name] = c
	}
	for _, d := range docs {
		if d.Policy == nil {
			continue
		}
		t, ok := cat(d.Model)
		if !ok {
			errs = append(errs, &Error{Policy: d.Name, Line: d.Line, Rule: RuleUnknownModel, Msg: fmt.Sprintf("no compiled model %q (Device:2, InternetGatewayDevice:1, VoiceService:2, STBService:1)", d.Model)})
			continue
		}
		c, es := checkPolicy(d, t, set.Virtuals[t.Name])
		for _, g := range d.Policy.Groups {
			gc, ok := set.Groups[g]
			switch {
			case !ok:
				es = append(es, &Error{Policy: d.Name, Line: d.Policy.Line, Rule: RuleUnknownGroup, Msg: fmt.Sprintf("no group %q", g)})
			case gc.Target.Name != t.Name:
				es = append(es, &Error{Policy: d.Name, Line: d.Policy.Line, Rule: RuleUnknownGroup, Msg: fmt.Sprintf("group %q is of model %s, the policy of %s", g, gc.Target.Name, t.Name)})
			}
		}
		if len(es) > 0 {
			c = nil
		}
		errs = append(errs, es...)
		if c != nil {
			set.Policies = append(set.Policies, c)
			set.byName[d.Name] = c
		}
	}
	sort.SliceStable(set.Policies, func(i, j int) bool {
		a, b := set.Policies[i], set.Policies[j]
		if a.Doc.Policy.Priority != b.Doc.Policy.Priority {
			return a.Doc.Policy.Priority > b.Doc.Policy.Priority
		}
		return a.Doc.Name < b.Doc.Name
	})
	errs = append(errs, conflicts(set.Policies)...)
	for _, c := range set.byName {
		if strings.Contains(c.Doc.Source, "device.tags") {
			set.usesTags = true
		}
	}
	return set, errs
}

func checkVirtual(d *Document, t *Target) (*Compiled, Errors) {
	bt, ok := model.ParseBaseType(d.Virtual.Type)
	if !ok {
		return nil, Errors{{Policy: d.Name, Line: d.Line, Rule: RuleSyntax, Msg: fmt.Sprintf("type %q is not a TR-106 type (string, int, unsignedInt, long, unsignedLong, boolean, dateTime, base64, hexBinary, decimal)", d.Virtual.Type)}}
	}
	out := celTypeOf(bt)
	p, e := compile(d.Virtual.Expr, &exprScope{target: t, vendor: vendorPrefixes(d.Virtual.Expr.Source)}, out, "", d.Name)
	if e != nil {
		return nil, Errors{e}
	}
	return &Compiled{Doc: d, Target: t, virtual: &compiledVirtual{name: d.Name, typ: bt, out: out, prog: p}}, nil
}

// vendorPrefixes: a virtual parameter exists to hide vendor paths, so
// the vendor prefixes it reads are declared by reading them.
func vendorPrefixes(src string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(src, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
	}) {
		if strings.HasPrefix(f, "X_") {
			out = append(out, f)
		}
	}
	return out
}

func checkPolicy(d *Document, t *Target, virtuals map[string]*compiledVirtual) (*Compiled, Errors) {
	pol := d.Policy
	c := &Compiled{Doc: d, Target: t, attrs: pol.Attributes, fresh: pol.Freshness}
	var errs Errors
	fail := func(line int, path, rule, format string, args ...any) {
		errs = append(errs, &Error{Policy: d.Name, Line: line, Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	sc := &exprScope{target: t, vendor: pol.Vendor, virtuals: virtuals}
	for _, v := range pol.Vendor {
		if !strings.HasPrefix(v, "X_") {
			fail(pol.Line, v, RuleVendor, "a vendor prefix starts with X_ (X_00D09E_)")
		}
	}
	if pol.Match != nil {
		p, e := compile(pol.Match, sc, cel.BoolType, "", d.Name)
		if e != nil {
			errs = append(errs, e)
		} else {
			c.match = p
		}
	}
	for _, ev := range pol.Triggers.Events {
		if _, ok := CanonicalEvent(ev); !ok {
			fail(pol.Triggers.Line, "", RuleEvent, "unknown event %q (BOOTSTRAP, BOOT, PERIODIC, SCHEDULED, VALUE CHANGE, CONNECTION REQUEST, ...)", ev)
		}
	}
	if s := pol.Triggers.Schedule; s != nil {
		switch {
		case (s.Every == 0) == (s.Cron == ""):
			fail(s.Line, "", RuleSchedule, "a schedule has every (an interval) or cron, not both")
		case s.Cron != "":
			if _, err := cronParser.Parse(s.Cron); err != nil {
				fail(s.Line, "", RuleSchedule, "cron %q: %v", s.Cron, err)
			}
		case s.Every < timeMinute:
			fail(s.Line, "", RuleSchedule, "every %v is shorter than a minute", s.Every)
		}
		if s.Every > 0 && s.Spread > s.Every {
			fail(s.Line, "", RuleSchedule, "spread %v is longer than the interval %v", s.Spread, s.Every)
		}
	}
	// Values.
	set := map[string]bool{}
	for _, v := range pol.Values {
		cv, e := checkValue(d.Name, t, sc, v.Path, v)
		if e != nil {
			errs = append(errs, e)
			continue
		}
		set[v.Path] = true
		c.values = append(c.values, cv)
	}
	// Objects.
	for _, o := range pol.Objects {
		co, es := checkObject(d.Name, t, sc, o)
		errs = append(errs, es...)
		if co != nil {
			c.objects = append(c.objects, *co)
		}
	}
	for _, a := range pol.Attributes {
		if a.Path == "" {
			fail(a.Line, "", RuleRequired, "an attribute needs a path")
			continue
		}
		e, ok, vendor := t.lookup(a.Path)
		if !ok && !vendor {
			if !strings.HasSuffix(a.Path, ".") || !tableExists(t, a.Path) {
				fail(a.Line, a.Path, RuleUnknownPath, "no such parameter or object in %s", t.Name)
				continue
			}
		}
		if vendor && !declaredVendor(a.Path, pol.Vendor) {
			fail(a.Line, a.Path, RuleVendor, "vendor path whose prefix is not declared in vendor:")
			continue
		}
		if a.Notification == nil && !a.HasAccess {
			fail(a.Line, a.Path, RuleRequired, "an attribute sets notification, accessList or both")
		}
		if a.Notification != nil {
			if n := *a.Notification; n < 0 || n > 2 {
				fail(a.Line, a.Path, RuleNotification, "notification is 0 (off), 1 (passive) or 2 (active), not %d", n)
			} else if e != nil && !e.Object && e.ActiveNotify == model.NotifyForceEnabled && n != 2 {
				fail(a.Line, a.Path, RuleNotification, "the model forces active notification on this parameter")
			}
		}
		for _, al := range a.AccessList {
			if al != "Subscriber" {
				fail(a.Line, a.Path, RuleSyntax, "access list entry %q: only \"Subscriber\" is defined", al)
			}
		}
	}
	for _, f := range pol.Freshness {
		_, ok, vendor := t.lookup(f.Path)
		if !ok && !vendor && !(strings.HasSuffix(f.Path, ".") && tableExists(t, f.Path)) {
			fail(f.Line, f.Path, RuleUnknownPath, "no such parameter or object in %s", t.Name)
		}
		if f.MaxAge <= 0 {
			fail(f.Line, f.Path, RuleRequired, "freshness needs maxAge (a duration)")
		}
	}
	if fw := pol.Firmware; fw != nil {
		if t.Service {
			fail(fw.Line, "", RuleOutsideModel, "firmware belongs to a root model (Device:2, InternetGatewayDevice:1)")
		}
		if fw.Version == "" || fw.File == "" {
			fail(fw.Line, "", RuleRequired, "firmware needs version and file")
		}
		if fw.FileType == "" {
			fw.FileType = "1 Firmware Upgrade Image"
		}
	}
	if t.Service && len(errs) == 0 {
		root := c.root()
		for _, p := range policyPaths(c) {
			if !strings.HasPrefix(p.path, root) {
				fail(p.line, p.path, RuleOutsideModel, "a service policy names one mount of the service: its paths start with %s", root)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

type lined struct {
	path string
	line int
}

func policyPaths(c *Compiled) []lined {
	var out []lined
	for _, v := range c.values {
		out = append(out, lined{v.path, v.line})
	}
	for _, o := range c.objects {
		out = append(out, lined{o.table, o.line})
	}
	for _, a := range c.attrs {
		out = append(out, lined{a.Path, a.Line})
	}
	return out
}

const timeMinute = 60 * 1e9

func tableExists(t *Target, path string) bool {
	_, ok, _ := t.lookup(path + "{i}.")
	return ok
}

// checkValue checks one desired value of the parameter at path (a
// complete device path).
func checkValue(policy string, t *Target, sc *exprScope, path string, v Value) (cvalue, *Error) {
	return checkValueIn(policy, t, sc, path, v, false)
}

// checkValueIn checks a desired value; inTable allows the {i} of an
// object's instance (objects: key and values).
func checkValueIn(policy string, t *Target, sc *exprScope, path string, v Value, inTable bool) (cvalue, *Error) {
	fail := func(rule, format string, args ...any) (cvalue, *Error) {
		return cvalue{}, &Error{Policy: policy, Line: v.Line, Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	}
	e, ok, vendor := t.lookup(path)
	cv := cvalue{path: path, line: v.Line, wire: "xsd:string"}
	switch {
	case vendor:
		if !declaredVendor(path, sc.vendor) {
			return fail(RuleVendor, "vendor parameter whose prefix is not declared in vendor: (X_<OUI>_)")
		}
	case t.schemaPath(path) == "":
		return fail(RuleOutsideModel, "outside %s (paths start with %s)", t.Name, strings.Join(t.roots(), ". or ")+".")
	case !ok:
		return fail(RuleUnknownPath, "no such parameter in %s", t.Schema.Model)
	case e.Object:
		return fail(RuleNotParameter, "is an object, not a parameter")
	case !inTable && strings.Contains(path, "{i}"):
		return fail(RuleUnknownPath, "name an instance (1, 2, ...) or use objects: with a key, not {i}")
	case !e.Access.Writable():
		return fail(RuleReadOnly, "is %s in %s", e.Access, t.Schema.Model)
	default:
		cv.syntax = e.Syntax
		cv.wire = "xsd:" + string(e.Syntax.WireType())
	}
	if v.Expr != nil {
		p, err := compile(v.Expr, sc, CELType(cv.syntax), path, policy)
		if err != nil {
			return cvalue{}, err
		}
		cv.prog = p
		return cv, nil
	}
	if cv.syntax != nil {
		if ve := model.CheckValue(cv.syntax, v.Constant); ve != nil {
			return fail(RuleValuePrefix+string(ve.Rule), "%s", ve.Error())
		}
	}
	cv.constant = v.Constant
	return cv, nil
}

func checkObject(policy string, t *Target, sc *exprScope, o Object) (*cobject, Errors) {
	var errs Errors
	fail := func(path, rule, format string, args ...any) {
		errs = append(errs, &Error{Policy: policy, Line: o.Line, Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	table := strings.TrimSuffix(o.Table, "{i}.")
	if !strings.HasSuffix(table, ".") {
		fail(o.Table, RuleSyntax, "a table path ends in \".\" (Device.IP.Interface.)")
		return nil, errs
	}
	e, ok, vendor := t.lookup(table + "{i}.")
	switch {
	case vendor:
		if !declaredVendor(table, sc.vendor) {
			fail(table, RuleVendor, "vendor table whose prefix is not declared in vendor:")
		}
	case t.schemaPath(table) == "":
		fail(table, RuleOutsideModel, "outside %s", t.Name)
	case !ok:
		if _, ok, _ := t.lookup(table); ok {
			fail(table, RuleNotTable, "is not a multi-instance object")
		} else {
			fail(table, RuleUnknownPath, "no such table in %s", t.Schema.Model)
		}
	case e.Access != model.ReadWrite:
		fail(table, RuleTableFixed, "the model does not let the ACS add instances (access %s)", e.Access)
	}
	if len(o.Key) == 0 {
		fail(table, RuleRequired, "an object needs a key (the values that identify its instance)")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	co := &cobject{table: table, del: o.DeleteOthers, line: o.Line}
	for _, k := range o.Key {
		if k.Expr != nil {
			errs = append(errs, &Error{Policy: policy, Line: k.Line, Path: table + "{i}." + k.Path, Rule: RuleSyntax, Msg: "a key value is a constant"})
			continue
		}
		cv, err := checkValueIn(policy, t, sc, table+"{i}."+k.Path, k, true)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cv.path = k.Path
		co.key = append(co.key, cv)
	}
	for _, v := range o.Values {
		cv, err := checkValueIn(policy, t, sc, table+"{i}."+v.Path, v, true)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cv.path = v.Path
		co.values = append(co.values, cv)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return co, nil
}

// conflicts reports parameters that two policies of one model set to
// different constants at equal priority.
func conflicts(ps []*Compiled) Errors {
	type setter struct {
		c *Compiled
		v cvalue
	}
	by := map[string][]setter{}
	for _, c := range ps {
		for _, v := range c.values {
			if v.prog == nil {
				key := c.Target.Name + "\x00" + v.path
				by[key] = append(by[key], setter{c, v})
			}
		}
	}
	var errs Errors
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ss := by[k]
		for i := 0; i < len(ss); i++ {
			for j := i + 1; j < len(ss); j++ {
				a, b := ss[i], ss[j]
				if a.c.Doc.Policy.Priority != b.c.Doc.Policy.Priority || Normalize(a.v.syntax, a.v.constant) == Normalize(b.v.syntax, b.v.constant) {
					continue
				}
				errs = append(errs, &Error{Policy: b.c.Doc.Name, Line: b.v.line, Path: b.v.path, Rule: RuleConflict,
					Msg: fmt.Sprintf("sets %q, policy %q (line %d) sets %q at the same priority %d", b.v.constant, a.c.Doc.Name, a.v.line, a.v.constant, a.c.Doc.Policy.Priority)})
			}
		}
	}
	return errs
}
