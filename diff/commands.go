package diff

import (
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// commandsEvents compares the commands and events of an object in OLD
// (oo) and NEW (no); either may be nil when the object was added or
// removed, and then every command and event of the other is added or
// removed.
func (c *comparer) commandsEvents(oo, no *model.Object) {
	var ocmds, ncmds []*model.Command
	var oevs, nevs []*model.Event
	base, nbase := "", ""
	if oo != nil {
		base, ocmds, oevs = oo.Path, oo.Commands, oo.Events
	}
	if no != nil {
		nbase, ncmds, nevs = no.Path, no.Commands, no.Events
	}
	if oo == nil {
		base = nbase
	}
	if no == nil {
		nbase = base
	}
	for _, oc := range sortedByName(ocmds, func(x *model.Command) string { return x.Name }) {
		var nc *model.Command
		if no != nil {
			nc = no.Command(oc.Name)
		}
		if nc == nil {
			c.add(base+oc.Name, KindCommand, CommandRemoved, commandText(oc), "", "command removed")
			c.args(base+oc.Name+".Input.", argInput, &oc.Input, &model.Args{})
			c.args(base+oc.Name+".Output.", argOutput, &oc.Output, &model.Args{})
			continue
		}
		c.commandChanges(nbase+nc.Name, oc, nc)
	}
	for _, nc := range sortedByName(ncmds, func(x *model.Command) string { return x.Name }) {
		if oo == nil || oo.Command(nc.Name) == nil {
			c.add(nbase+nc.Name, KindCommand, CommandAdded, "", commandText(nc), "command added")
			// A new command's mandatory input is no burden on old calls.
			c.args(nbase+nc.Name+".Input.", argNew, &model.Args{}, &nc.Input)
			c.args(nbase+nc.Name+".Output.", argOutput, &model.Args{}, &nc.Output)
		}
	}
	for _, oe := range sortedByName(oevs, func(x *model.Event) string { return x.Name }) {
		var ne *model.Event
		if no != nil {
			ne = no.Event(oe.Name)
		}
		if ne == nil {
			c.add(base+oe.Name, KindEvent, EventRemoved, "event"+statusText(oe.Status), "", "event removed")
			c.args(base+oe.Name+".", argEvent, &oe.Args, &model.Args{})
			continue
		}
		p := nbase + ne.Name
		c.status(p, KindEvent, oe.Status, ne.Status, EventDeprecated, EventObsoleted, EventDeleted, EventStatusChanged)
		c.args(p+".", argEvent, &oe.Args, &ne.Args)
		if c.opts.Descriptions && !sameText(oe.Description, ne.Description) {
			c.add(p, KindEvent, EventDescriptionChanged, oe.Description, ne.Description, "description changed")
		}
	}
	for _, ne := range sortedByName(nevs, func(x *model.Event) string { return x.Name }) {
		if oo == nil || oo.Event(ne.Name) == nil {
			c.add(nbase+ne.Name, KindEvent, EventAdded, "", "event"+statusText(ne.Status), "event added")
			c.args(nbase+ne.Name+".", argEvent, &model.Args{}, &ne.Args)
		}
	}
}

func (c *comparer) commandChanges(p string, oc, nc *model.Command) {
	c.status(p, KindCommand, oc.Status, nc.Status, CommandDeprecated, CommandObsoleted, CommandDeleted, CommandStatusChanged)
	if oc.Async != nc.Async {
		c.add(p, KindCommand, CommandAsyncChanged, syncText(oc.Async), syncText(nc.Async), "command is now "+syncText(nc.Async))
	}
	c.args(p+".Input.", argInput, &oc.Input, &nc.Input)
	c.args(p+".Output.", argOutput, &oc.Output, &nc.Output)
	if c.opts.Descriptions && !sameText(oc.Description, nc.Description) {
		c.add(p, KindCommand, CommandDescriptionChanged, oc.Description, nc.Description, "description changed")
	}
}

// argDir says which arguments are compared: what narrows an input (the
// caller must send more) widens an output or event (the consumer gets more).
type argDir int

const (
	argInput argDir = iota
	argOutput
	argEvent
	argNew // the input of a command that is new as a whole
)

// argItem is one argument: an argument object or an argument parameter.
type argItem struct {
	o *model.Object
	p *model.Parameter
}

func argItems(a *model.Args) map[string]argItem {
	out := map[string]argItem{}
	a.Each(func(rel string, o *model.Object, p *model.Parameter) { out[rel] = argItem{o, p} })
	return out
}

// args compares the arguments of a command's input or output, or of an
// event; prefix is the path the relative argument paths are appended to.
func (c *comparer) args(prefix string, dir argDir, oa, na *model.Args) {
	olds, news := argItems(oa), argItems(na)
	for _, rel := range sortedKeys(keysOf(olds)) {
		oi := olds[rel]
		ni, ok := news[rel]
		if !ok {
			c.add(prefix+rel, KindArgument, ArgRemoved, argText(oi), "", "argument removed")
			continue
		}
		p := prefix + rel
		if oi.o != nil {
			c.status(p, KindArgument, oi.o.Status, ni.o.Status, ArgDeprecated, ArgObsoleted, ArgDeleted, ArgStatusChanged)
			if oi.o.EntriesString() != ni.o.EntriesString() {
				c.add(p, KindArgument, ArgSyntaxChanged, oi.o.EntriesString(), ni.o.EntriesString(), "argument object's instance counts changed")
			}
			continue
		}
		op, np := oi.p, ni.p
		c.status(p, KindArgument, op.Status, np.Status, ArgDeprecated, ArgObsoleted, ArgDeleted, ArgStatusChanged)
		switch {
		case op.Syntax.WireType() != np.Syntax.WireType() || (op.Syntax.List == nil) != (np.Syntax.List == nil):
			c.add(p, KindArgument, ArgTypeChanged, op.Syntax.String(), np.Syntax.String(), "argument type changed")
		case op.Syntax.String() != np.Syntax.String():
			c.add(p, KindArgument, ArgSyntaxChanged, op.Syntax.String(), np.Syntax.String(), "argument syntax changed")
		}
		if op.Mandatory != np.Mandatory {
			// An input argument that became mandatory, or an output one
			// that stopped being, takes something away.
			narrowed := np.Mandatory == (dir == argInput)
			rule, msg := ArgMandatoryWidened, "argument mandatory changed"
			if narrowed {
				rule = ArgMandatoryNarrowed
			}
			if np.Mandatory {
				msg = "argument became mandatory"
			} else {
				msg = "argument no longer mandatory"
			}
			c.add(p, KindArgument, rule, mandatoryText(op.Mandatory), mandatoryText(np.Mandatory), msg)
		}
	}
	for _, rel := range sortedKeys(keysOf(news)) {
		if _, ok := olds[rel]; ok {
			continue
		}
		ni := news[rel]
		if dir == argInput && ni.p != nil && ni.p.Mandatory {
			c.add(prefix+rel, KindArgument, ArgMandatoryAdded, "", argText(ni), "new mandatory input argument")
			continue
		}
		c.add(prefix+rel, KindArgument, ArgAdded, "", argText(ni), "argument added")
	}
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedByName[T any](xs []T, name func(T) string) []T {
	out := append([]T(nil), xs...)
	sort.SliceStable(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}

// argText describes an added or removed argument.
func argText(a argItem) string {
	if a.o != nil {
		return "object [" + a.o.EntriesString() + "]" + statusText(a.o.Status)
	}
	s := a.p.Syntax.String()
	if a.p.Mandatory {
		s += " mandatory"
	}
	return s + statusText(a.p.Status)
}

// commandText describes an added or removed command.
func commandText(c *model.Command) string {
	return syncText(c.Async) + statusText(c.Status)
}

func syncText(async bool) string {
	if async {
		return "async"
	}
	return "sync"
}

func mandatoryText(m bool) string {
	if m {
		return "mandatory"
	}
	return "optional"
}

// sameText reports whether two descriptions differ at most in white
// space: a refinement's appended text is joined by a blank line in one
// version and a newline in another, re-wrapped lines, trailing spaces.
func sameText(a, b string) bool {
	if a == b {
		return true
	}
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
