// Package model is dmforge's typed graph of a resolved BBF CWMP data model
// and the runtime that checks values against it.
//
// It knows nothing of XML: the parser builds it, and everything downstream
// (lint, diff, generators, the ACS and the CPE stubs) reads it. Generated
// code imports it, so it stays small and stable.
package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pos is where an element was defined: file name (base name as the BBF
// publishes it) and 1-based line. A zero Pos means "synthesised".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

func (p Pos) String() string {
	if p.File == "" {
		return "-"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Access is the access mode of a parameter or object.
type Access string

const (
	ReadOnly          Access = "readOnly"
	ReadWrite         Access = "readWrite"
	WriteOnceReadOnly Access = "writeOnceReadOnly"
)

// Writable reports whether an ACS may set the item (writeOnceReadOnly is
// writable until it has been set once).
func (a Access) Writable() bool { return a == ReadWrite || a == WriteOnceReadOnly }

// Status is the lifecycle status of an item (TR-106 section 3.9).
type Status string

const (
	Current    Status = "current"
	Deprecated Status = "deprecated"
	Obsoleted  Status = "obsoleted"
	Deleted    Status = "deleted"
)

// StatusOrCurrent treats the empty status as current.
func (s Status) OrCurrent() Status {
	if s == "" {
		return Current
	}
	return s
}

// ActiveNotify is the parameter's activeNotify attribute.
type ActiveNotify string

const (
	NotifyNormal              ActiveNotify = "normal"
	NotifyForceEnabled        ActiveNotify = "forceEnabled"
	NotifyForceDefaultEnabled ActiveNotify = "forceDefaultEnabled"
	NotifyCanDeny             ActiveNotify = "canDeny"
)

// Unbounded is MaxEntries for a table without an upper limit.
const Unbounded = -1

// Model is one resolved data model: a root model (Device:2.19,
// InternetGatewayDevice:1.14) or a service model (VoiceService:2.0).
type Model struct {
	Name        string // "Device:2.19"
	Base        string // name of the model this one refines, as written
	IsService   bool
	Spec        string // spec URN of the defining document
	File        string // defining document
	Pos         Pos
	Description string `json:",omitempty"`

	Objects  []*Object // in definition order
	Profiles []*Profile
	// DataTypes are the named data types the model's parameters use, by
	// the name they are defined with.
	DataTypes map[string]*DataType `json:",omitempty"`
	objects   map[string]*Object
	profiles  map[string]*Profile
}

// NewModel returns an empty model.
func NewModel(name string) *Model {
	return &Model{Name: name, objects: map[string]*Object{}, profiles: map[string]*Profile{}}
}

// Version returns the model's "major.minor" version string ("2.19").
func (m *Model) Version() string {
	if i := strings.IndexByte(m.Name, ':'); i >= 0 {
		return m.Name[i+1:]
	}
	return ""
}

// RootName returns the model name without version ("Device").
func (m *Model) RootName() string {
	if i := strings.IndexByte(m.Name, ':'); i >= 0 {
		return m.Name[:i]
	}
	return m.Name
}

// Object returns the object with the given schema path ("Device.WiFi.Radio.{i}.").
func (m *Model) Object(path string) *Object { return m.objects[path] }

// Profile returns the named profile ("Baseline:1").
func (m *Model) Profile(name string) *Profile { return m.profiles[name] }

// AddObject appends a new object; it is an error to add a path twice.
func (m *Model) AddObject(o *Object) error {
	if m.objects == nil {
		m.objects = map[string]*Object{}
	}
	if old, ok := m.objects[o.Path]; ok {
		return fmt.Errorf("object %s already defined at %s", o.Path, old.Pos)
	}
	o.Model = m
	m.objects[o.Path] = o
	m.Objects = append(m.Objects, o)
	return nil
}

// AddProfile appends a profile, replacing a deleted one of the same name.
func (m *Model) AddProfile(p *Profile) error {
	if m.profiles == nil {
		m.profiles = map[string]*Profile{}
	}
	if old, ok := m.profiles[p.Name]; ok {
		return fmt.Errorf("profile %s already defined at %s", p.Name, old.Pos)
	}
	m.profiles[p.Name] = p
	m.Profiles = append(m.Profiles, p)
	return nil
}

// Parameter returns the parameter with the given schema path
// ("Device.WiFi.Radio.{i}.Channel").
func (m *Model) Parameter(path string) *Parameter {
	i := strings.LastIndexByte(path, '.')
	// A service model's top-level parameters live on the object "".
	o := m.objects[path[:i+1]]
	if o == nil {
		return nil
	}
	return o.Param(path[i+1:])
}

// WithoutDeleted returns a copy of m without the items whose status is
// deleted (see Prune). The parser keeps deleted items, with that status,
// because a deletion is a fact a diff or a report must show; code
// generators and runtimes want only what a device may implement.
func (m *Model) WithoutDeleted() *Model {
	c := m.Clone()
	c.Prune()
	return c
}

// RemoveObject removes the object at path (not its descendants), for a
// name= definition that replaces a deleted object.
func (m *Model) RemoveObject(path string) {
	if _, ok := m.objects[path]; !ok {
		return
	}
	delete(m.objects, path)
	m.Objects = slices.DeleteFunc(m.Objects, func(o *Object) bool { return o.Path == path })
}

// RemoveParam removes the named parameter, for a name= definition that
// replaces a deleted parameter.
func (o *Object) RemoveParam(name string) {
	if _, ok := o.params[name]; !ok {
		return
	}
	delete(o.params, name)
	o.Params = slices.DeleteFunc(o.Params, func(p *Parameter) bool { return p.Name == name })
}

// Prune removes every item whose status is deleted, and every object under
// a deleted object. It keeps definition order otherwise.
func (m *Model) Prune() {
	var deletedPrefixes []string
	kept := m.Objects[:0]
	for _, o := range m.Objects {
		gone := o.Status == Deleted
		for _, pre := range deletedPrefixes {
			if strings.HasPrefix(o.Path, pre) {
				gone = true
				break
			}
		}
		if gone {
			deletedPrefixes = append(deletedPrefixes, o.Path)
			delete(m.objects, o.Path)
			continue
		}
		o.pruneParams()
		kept = append(kept, o)
	}
	for i := len(kept); i < len(m.Objects); i++ {
		m.Objects[i] = nil
	}
	m.Objects = kept
	pk := m.Profiles[:0]
	for _, p := range m.Profiles {
		if p.Status == Deleted {
			delete(m.profiles, p.Name)
			continue
		}
		pk = append(pk, p)
	}
	m.Profiles = pk
}

// SortedObjects returns the objects sorted by path.
func (m *Model) SortedObjects() []*Object {
	out := append([]*Object(nil), m.Objects...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Parent returns the object that contains o, or nil for the root object.
func (m *Model) Parent(o *Object) *Object {
	p := ParentPath(o.Path)
	if p == "" {
		return nil
	}
	return m.objects[p]
}

// Clone returns a deep copy of m, for a model that refines it.
func (m *Model) Clone() *Model {
	c := *m
	c.objects = make(map[string]*Object, len(m.objects))
	c.Objects = make([]*Object, 0, len(m.Objects))
	for _, o := range m.Objects {
		oc := o.clone()
		oc.Model = &c
		c.objects[oc.Path] = oc
		c.Objects = append(c.Objects, oc)
	}
	c.DataTypes = make(map[string]*DataType, len(m.DataTypes))
	for k, v := range m.DataTypes {
		c.DataTypes[k] = v
	}
	c.profiles = make(map[string]*Profile, len(m.profiles))
	c.Profiles = make([]*Profile, 0, len(m.Profiles))
	for _, p := range m.Profiles {
		pc := p.clone()
		c.profiles[pc.Name] = pc
		c.Profiles = append(c.Profiles, pc)
	}
	return &c
}

// Counts returns the number of objects and parameters.
func (m *Model) Counts() (objects, params int) {
	for _, o := range m.Objects {
		params += len(o.Params)
	}
	return len(m.Objects), params
}

// Object is one object (or table, when its path ends in "{i}.").
type Object struct {
	Model               *Model `json:"-"`
	Path                string // full schema path, "Device.WiFi.Radio.{i}."
	Access              Access // readOnly, or readWrite for a table the ACS may add to and delete from
	MinEntries          int
	MaxEntries          int         // Unbounded (-1) for "unbounded"
	NumEntriesParameter string      `json:",omitempty"`
	EnableParameter     string      `json:",omitempty"`
	UniqueKeys          []UniqueKey `json:",omitempty"`
	// NoUniqueKeys is dmr:noUniqueKeys: the table deliberately has no keys.
	NoUniqueKeys bool `json:",omitempty"`
	// FixedObject is dmr:fixedObject: instances are created by the CPE
	// only and never deleted.
	FixedObject bool `json:",omitempty"`
	// MountType is USP's mountType ("mountable", "mountPoint"); empty for none.
	MountType string `json:",omitempty"`
	// DiscriminatorParameter names the parameter of the parent object
	// whose value says which of a union's objects (minEntries 0,
	// maxEntries 1) is present; NoDiscriminatorParameter is
	// dmr:noDiscriminatorParameter, saying there deliberately is none.
	DiscriminatorParameter   string `json:",omitempty"`
	NoDiscriminatorParameter bool   `json:",omitempty"`
	// Component is where the definition came from when a component's
	// expansion defined the object ("tr-106-types.xml#_AliasCWMP").
	Component      string `json:",omitempty"`
	Status         Status `json:",omitempty"`
	Version        string `json:",omitempty"`
	PreviousObject string `json:",omitempty"` // dmr:previousObject rename hint
	Description    string `json:",omitempty"`
	Pos            Pos
	// Refined lists the base= refinements of the object, in the order
	// they were applied (Pos is where it was defined).
	Refined []Refinement `json:"-"`

	Params   []*Parameter
	Commands []*Command `json:",omitempty"`
	Events   []*Event   `json:",omitempty"`
	params   map[string]*Parameter
}

// NewObject returns an empty object at path.
func NewObject(path string) *Object {
	return &Object{Path: path, Access: ReadOnly, MinEntries: 1, MaxEntries: 1}
}

// IsTable reports whether the object is multi-instance (path ends in "{i}.").
func (o *Object) IsTable() bool { return strings.HasSuffix(o.Path, ".{i}.") }

// Multi reports whether the object may have other than exactly one instance.
func (o *Object) Multi() bool { return o.MaxEntries != 1 || o.IsTable() }

// Name returns the last path segment ("Radio" for "Device.WiFi.Radio.{i}.").
func (o *Object) Name() string {
	p := strings.TrimSuffix(strings.TrimSuffix(o.Path, "."), ".{i}")
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Param returns the named parameter, or nil.
func (o *Object) Param(name string) *Parameter {
	if o.params == nil {
		return nil
	}
	return o.params[name]
}

// AddParam appends a new parameter; it is an error to add a name twice.
func (o *Object) AddParam(p *Parameter) error {
	if o.params == nil {
		o.params = map[string]*Parameter{}
	}
	if old, ok := o.params[p.Name]; ok {
		return fmt.Errorf("parameter %s%s already defined at %s", o.Path, p.Name, old.Pos)
	}
	p.Object = o
	o.params[p.Name] = p
	o.Params = append(o.Params, p)
	return nil
}

// Command returns the named command ("Reset()"), or nil.
func (o *Object) Command(name string) *Command {
	for _, c := range o.Commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Event returns the named event ("Boot!"), or nil.
func (o *Object) Event(name string) *Event {
	for _, e := range o.Events {
		if e.Name == name {
			return e
		}
	}
	return nil
}

func (o *Object) pruneParams() {
	kept := o.Params[:0]
	for _, p := range o.Params {
		if p.Status == Deleted {
			delete(o.params, p.Name)
			continue
		}
		kept = append(kept, p)
	}
	o.Params = kept
	ck := o.Commands[:0]
	for _, c := range o.Commands {
		if c.Status != Deleted {
			c.Input.prune()
			c.Output.prune()
			ck = append(ck, c)
		}
	}
	o.Commands = ck
	ek := o.Events[:0]
	for _, e := range o.Events {
		if e.Status != Deleted {
			e.Args.prune()
			ek = append(ek, e)
		}
	}
	o.Events = ek
}

func (a *Args) prune() {
	a.Params = slices.DeleteFunc(a.Params, func(p *Parameter) bool { return p.Status == Deleted })
	var gone []string
	a.Objects = slices.DeleteFunc(a.Objects, func(o *Object) bool {
		for _, g := range gone {
			if strings.HasPrefix(o.Path, g) {
				return true
			}
		}
		if o.Status == Deleted {
			gone = append(gone, o.Path)
			return true
		}
		o.pruneParams()
		return false
	})
}

func (o *Object) clone() *Object {
	c := *o
	c.Refined = slices.Clone(o.Refined)
	c.UniqueKeys = make([]UniqueKey, len(o.UniqueKeys))
	for i, k := range o.UniqueKeys {
		c.UniqueKeys[i] = UniqueKey{Functional: k.Functional, Params: append([]string(nil), k.Params...)}
	}
	c.Params = make([]*Parameter, 0, len(o.Params))
	c.params = make(map[string]*Parameter, len(o.Params))
	for _, p := range o.Params {
		pc := p.Clone()
		pc.Object = &c
		c.Params = append(c.Params, pc)
		c.params[pc.Name] = pc
	}
	c.Commands = make([]*Command, len(o.Commands))
	for i, cmd := range o.Commands {
		c.Commands[i] = cmd.clone()
	}
	c.Events = make([]*Event, len(o.Events))
	for i, e := range o.Events {
		c.Events[i] = e.clone()
	}
	return &c
}

// UniqueKey is one uniqueKey element: the parameters whose values together
// identify an instance. Functional keys are those the CPE itself enforces.
type UniqueKey struct {
	Functional bool
	Params     []string
}

// Parameter is one parameter of an object (or an argument of a command or
// event, where Object is nil).
type Parameter struct {
	Object            *Object `json:"-"`
	Name              string
	Access            Access
	ActiveNotify      ActiveNotify `json:",omitempty"`
	ForcedInform      bool         `json:",omitempty"`
	Mandatory         bool         `json:",omitempty"` // command/event arguments
	Status            Status       `json:",omitempty"`
	Version           string       `json:",omitempty"`
	PreviousParameter string       `json:",omitempty"` // dmr:previousParameter rename hint
	Description       string       `json:",omitempty"`
	Syntax            Syntax
	Pos               Pos
	// Component is where the definition came from when a component's
	// expansion defined the parameter ("tr-106-types.xml#_AliasCWMP"):
	// with a root document's rebinding of a component name (Alias →
	// _AliasCWMP) it says which binding won.
	Component string `json:",omitempty"`
	// Refined lists the base= refinements of the parameter, in the order
	// they were applied (Pos is where it was defined).
	Refined []Refinement `json:"-"`
}

// Refinement is one base= refinement of an object or parameter: where it
// is, and what it restates ("access", "status", "syntax", ... — attribute
// and element names as the document writes them).
type Refinement struct {
	Pos  Pos
	Sets []string
	// Type is, for a parameter refinement that restates the syntax, the
	// type the parameter had before it (Syntax.TypeName), so that a
	// refinement that changes the type can be told from one that only
	// adds facets.
	Type string `json:",omitempty"`
}

// Restates reports whether the refinement restates what (an attribute or
// element name).
func (r Refinement) Restates(what string) bool { return slices.Contains(r.Sets, what) }

// Path returns the parameter's full schema path.
func (p *Parameter) Path() string {
	if p.Object == nil {
		return p.Name
	}
	return p.Object.Path + p.Name
}

// Clone returns a deep copy of p, detached from its object.
func (p *Parameter) Clone() *Parameter {
	c := *p
	c.Object = nil
	c.Refined = slices.Clone(p.Refined)
	c.Syntax = p.Syntax.Clone()
	return &c
}

// Command is a USP-style command ("Reset()"). CWMP models may not define
// them (the BBF's rule); USP models have many.
type Command struct {
	Name        string
	Async       bool
	Status      Status `json:",omitempty"`
	Version     string `json:",omitempty"`
	Description string `json:",omitempty"`
	Input       Args
	Output      Args
	Pos         Pos
}

// Path returns the command's full path ("Device.IP.Diagnostics.IPPing()").
func (c *Command) Path(o *Object) string { return o.Path + c.Name }

func (c *Command) clone() *Command {
	cc := *c
	cc.Input = c.Input.clone()
	cc.Output = c.Output.clone()
	return &cc
}

// Event is a USP-style event ("Boot!").
type Event struct {
	Name        string
	Status      Status `json:",omitempty"`
	Version     string `json:",omitempty"`
	Description string `json:",omitempty"`
	Args        Args
	Pos         Pos
}

func (e *Event) clone() *Event {
	ec := *e
	ec.Args = e.Args.clone()
	return &ec
}

// Args are the input or output arguments of a command, or the arguments
// of an event: parameters directly under it, and argument objects whose
// paths are relative to the command or event ("RouteHops.{i}.",
// "ChangeSet.{i}.Parameter.{i}."), each holding its own parameters.
// A parameter directly under the command has a nil Object.
type Args struct {
	Params  []*Parameter `json:",omitempty"`
	Objects []*Object    `json:",omitempty"`
}

// Empty reports whether there are no arguments at all.
func (a *Args) Empty() bool { return len(a.Params) == 0 && len(a.Objects) == 0 }

// Param returns the top-level argument of that name, or nil.
func (a *Args) Param(name string) *Parameter {
	for _, p := range a.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Object returns the argument object at the relative path, or nil.
func (a *Args) Object(path string) *Object {
	for _, o := range a.Objects {
		if o.Path == path {
			return o
		}
	}
	return nil
}

// Lookup returns the argument parameter at a relative path
// ("Status", "RouteHops.{i}.Host"), or nil.
func (a *Args) Lookup(path string) *Parameter {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return a.Param(path)
	}
	if o := a.Object(path[:i+1]); o != nil {
		return o.Param(path[i+1:])
	}
	return nil
}

// Each calls f for every argument in definition order: top-level
// parameters first, then each object followed by its parameters. rel is
// the path relative to the command or event; exactly one of o and p is set.
func (a *Args) Each(f func(rel string, o *Object, p *Parameter)) {
	for _, p := range a.Params {
		f(p.Name, nil, p)
	}
	for _, o := range a.Objects {
		f(o.Path, o, nil)
		for _, p := range o.Params {
			f(o.Path+p.Name, nil, p)
		}
	}
}

// Count returns the number of argument parameters, in objects included.
func (a *Args) Count() int {
	n := len(a.Params)
	for _, o := range a.Objects {
		n += len(o.Params)
	}
	return n
}

func (a Args) clone() Args {
	out := Args{Params: cloneParams(a.Params)}
	if a.Objects != nil {
		out.Objects = make([]*Object, len(a.Objects))
		for i, o := range a.Objects {
			out.Objects[i] = o.clone()
		}
	}
	return out
}

// AddArgObject appends an argument object; it is an error to add a path twice.
func (a *Args) AddArgObject(o *Object) error {
	if old := a.Object(o.Path); old != nil {
		return fmt.Errorf("argument object %s already defined at %s", o.Path, old.Pos)
	}
	a.Objects = append(a.Objects, o)
	return nil
}

// AddArgParam appends a top-level argument; it is an error to add a name twice.
func (a *Args) AddArgParam(p *Parameter) error {
	if old := a.Param(p.Name); old != nil {
		return fmt.Errorf("argument %s already defined at %s", p.Name, old.Pos)
	}
	p.Object = nil
	a.Params = append(a.Params, p)
	return nil
}

func cloneParams(ps []*Parameter) []*Parameter {
	if ps == nil {
		return nil
	}
	out := make([]*Parameter, len(ps))
	for i, p := range ps {
		out[i] = p.Clone()
	}
	return out
}

// Requirement is what a profile requires of an object or parameter.
type Requirement string

const (
	ReqNotSpecified      Requirement = "notSpecified"
	ReqPresent           Requirement = "present"
	ReqCreate            Requirement = "create"
	ReqDelete            Requirement = "delete"
	ReqCreateDelete      Requirement = "createDelete"
	ReqReadOnly          Requirement = "readOnly"
	ReqReadWrite         Requirement = "readWrite"
	ReqWriteOnceReadOnly Requirement = "writeOnceReadOnly"
)

// Profile is a named set of requirements ("Baseline:1").
type Profile struct {
	Name        string
	Base        string   `json:",omitempty"`
	Extends     []string `json:",omitempty"`
	Status      Status   `json:",omitempty"`
	Version     string   `json:",omitempty"`
	Description string   `json:",omitempty"`
	Objects     []*ProfileObject
	Pos         Pos
}

// ProfileObject is a profile's requirement on one object and its parameters.
type ProfileObject struct {
	Path        string
	Requirement Requirement
	Status      Status `json:",omitempty"`
	Params      []ProfileItem
	Commands    []ProfileItem `json:",omitempty"`
	Events      []ProfileItem `json:",omitempty"`
	Pos         Pos
}

// ProfileItem is a profile's requirement on a parameter, command or event.
type ProfileItem struct {
	Name        string
	Requirement Requirement
	Status      Status `json:",omitempty"`
	Pos         Pos
}

func (p *Profile) clone() *Profile {
	c := *p
	c.Extends = append([]string(nil), p.Extends...)
	c.Objects = make([]*ProfileObject, len(p.Objects))
	for i, o := range p.Objects {
		oc := *o
		oc.Params = append([]ProfileItem(nil), o.Params...)
		oc.Commands = append([]ProfileItem(nil), o.Commands...)
		oc.Events = append([]ProfileItem(nil), o.Events...)
		c.Objects[i] = &oc
	}
	return &c
}

// ProfileObject returns the profile's own entry for path, or nil.
func (p *Profile) Object(path string) *ProfileObject {
	for _, o := range p.Objects {
		if o.Path == path {
			return o
		}
	}
	return nil
}

// Expand returns the profile's requirements including everything inherited
// through base and extends, keyed by object path. Later definitions win.
func (m *Model) ExpandProfile(name string) (map[string]*ProfileObject, error) {
	out := map[string]*ProfileObject{}
	seen := map[string]bool{}
	var visit func(n string) error
	visit = func(n string) error {
		if seen[n] {
			return nil
		}
		seen[n] = true
		p := m.Profile(n)
		if p == nil {
			return fmt.Errorf("profile %s not defined in %s", n, m.Name)
		}
		if p.Base != "" {
			if err := visit(p.Base); err != nil {
				return err
			}
		}
		for _, e := range p.Extends {
			if err := visit(e); err != nil {
				return err
			}
		}
		for _, o := range p.Objects {
			cur := out[o.Path]
			if cur == nil {
				cp := *o
				cp.Params = append([]ProfileItem(nil), o.Params...)
				out[o.Path] = &cp
				continue
			}
			if o.Requirement != "" && o.Requirement != ReqNotSpecified {
				cur.Requirement = o.Requirement
			}
		merge:
			for _, it := range o.Params {
				for i := range cur.Params {
					if cur.Params[i].Name == it.Name {
						cur.Params[i] = it
						continue merge
					}
				}
				cur.Params = append(cur.Params, it)
			}
		}
		return nil
	}
	return out, visit(name)
}
