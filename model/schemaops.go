package model

import (
	"errors"
	"sort"
	"strings"
)

// USP commands and events in a Schema: what an agent needs
// at run time to check the arguments of an Operate, or of an event it
// notifies, against their syntax. A CWMP model has none, and its schema
// and encoding are as before.

// USPEntry is a USP command or event of a Schema.
type USPEntry struct {
	Path    string // schema path: "Device.IP.Interface.{i}.Reset()", "Device.Boot!"
	Event   bool
	Async   bool // commands: the output comes later, in OperationComplete
	Status  Status
	Version string
	// Input and Output are a command's arguments, Args an event's, each
	// sorted by path.
	Input, Output, Args []*Argument
}

// Argument is one argument parameter of a command or event (argument
// objects are implied by the paths).
type Argument struct {
	Path      string // relative to the command or event: "Host", "RouteHops.{i}.Host"
	Syntax    *Syntax
	Mandatory bool
	Status    Status
	Version   string
}

// CommandUSPEntry is the schema entry of command c of object o,
// without deleted arguments.
func CommandUSPEntry(o *Object, c *Command) *USPEntry {
	return &USPEntry{Path: c.Path(o), Async: c.Async, Status: c.Status, Version: c.Version,
		Input: liveArguments(&c.Input), Output: liveArguments(&c.Output)}
}

// EventUSPEntry is the schema entry of event e of object o.
func EventUSPEntry(o *Object, e *Event) *USPEntry {
	return &USPEntry{Path: o.Path + e.Name, Event: true, Status: e.Status, Version: e.Version, Args: liveArguments(&e.Args)}
}

func liveArguments(a *Args) []*Argument {
	var out []*Argument
	var gone []string
	a.Each(func(rel string, o *Object, p *Parameter) {
		if o != nil {
			if o.Status == Deleted {
				gone = append(gone, o.Path)
			}
			return
		}
		if p.Status == Deleted {
			return
		}
		for _, g := range gone {
			if strings.HasPrefix(rel, g) {
				return
			}
		}
		syn := p.Syntax.Clone()
		out = append(out, &Argument{Path: rel, Syntax: &syn, Mandatory: p.Mandatory, Status: p.Status, Version: p.Version})
	})
	sortArguments(out)
	return out
}

func sortArguments(as []*Argument) {
	sort.Slice(as, func(i, j int) bool { return as[i].Path < as[j].Path })
}

// NewSchemaWithUSP is NewSchema with a USP model's commands and
// events.
func NewSchemaWithUSP(model, spec string, entries []*Entry, ops []*USPEntry) *Schema {
	s := NewSchema(model, spec, entries)
	s.indexOps(ops)
	return s
}

// modelUSPEntries are the live commands and events of m's live objects.
func modelUSPEntries(m *Model) []*USPEntry {
	var ops []*USPEntry
	for _, o := range m.LiveObjects() {
		for _, c := range o.Commands {
			if c.Status != Deleted {
				ops = append(ops, CommandUSPEntry(o, c))
			}
		}
		for _, e := range o.Events {
			if e.Status != Deleted {
				ops = append(ops, EventUSPEntry(o, e))
			}
		}
	}
	return ops
}

func (s *Schema) indexOps(ops []*USPEntry) {
	sorted := append([]*USPEntry(nil), ops...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	s.ops = sorted
	s.opByPath = make(map[string]*USPEntry, len(sorted))
	for _, op := range sorted {
		s.opByPath[op.Path] = op
	}
}

// USPEntries returns the USP commands and events sorted by path (none
// for a CWMP model).
func (s *Schema) USPEntries() []*USPEntry { s.load(); return s.ops }

// USPEntry finds the command or event at an instance path
// ("Device.IP.Interface.3.Reset()") or schema path.
func (s *Schema) USPEntry(path string) (*USPEntry, bool) {
	s.load()
	if op, ok := s.opByPath[path]; ok {
		return op, true
	}
	sp, ok := SchemaPath(path)
	if !ok {
		return nil, false
	}
	op, ok := s.opByPath[sp]
	return op, ok
}

// CheckArgs checks USP arguments (input_args, output_args or an event's
// params: "RouteHops.1.Host" → value) against their definitions: every
// name must be an argument (instance numbers in argument tables), every
// value must satisfy the argument's syntax (CheckValue), and the mandatory
// arguments outside tables must be there. It returns every problem as an
// *ArgError (joined, in path order), nil when there is none.
func CheckArgs(defs []*Argument, args map[string]string) error {
	byPath := make(map[string]*Argument, len(defs))
	for _, d := range defs {
		byPath[d.Path] = d
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		sp, ok := SchemaPath(k)
		d := byPath[sp]
		if !ok || d == nil || strings.Contains(k, "{i}") || strings.Contains(k, "[") {
			errs = append(errs, &ArgError{Arg: k, Msg: "no such argument"})
			continue
		}
		if err := CheckValue(d.Syntax, args[k]); err != nil {
			errs = append(errs, &ArgError{Arg: k, Msg: "invalid value", Err: err})
		}
	}
	for _, d := range defs {
		if _, ok := args[d.Path]; d.Mandatory && !ok && !strings.Contains(d.Path, "{i}") {
			errs = append(errs, &ArgError{Arg: d.Path, Msg: "mandatory argument missing"})
		}
	}
	return errors.Join(errs...)
}
