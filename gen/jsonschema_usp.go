package gen

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// USP commands and events in the JSON Schema. They are operations and
// notifications, not values a parameter document holds, so the document
// shapes leave them out; their arguments are described in definitions of
// their own:
//
//	"usp-commands": {"Device.IP.Diagnostics.TraceRoute()": {"input": {...}, "output": {...}}}
//	"usp-events":   {"Device.Boot!": {"Cause": "LocalReboot", ...}}
//
// keyed by the command's or event's instance path ({i} → instance number
// or [alias]), each referencing the definition of one command (named after
// its path, "Device.IP.Interface.i.Reset()", with a description saying
// whether it is synchronous or asynchronous) or event ("Device.Boot!").
// Arguments are objects in the shape of the JSON of gen go's argument
// structs: parameters by name, with the same value schemas as parameters
// (so the CWMP string and the JSON-native form are both accepted),
// argument tables as arrays of objects, single argument objects as
// objects; "additionalProperties": false, and mandatory arguments
// "required".

const (
	defCommands = "usp-commands"
	defEvents   = "usp-events"
)

// uspDefinitions adds the commands' and events' definitions; it reports
// whether the model has any.
func (g *schemaGen) uspDefinitions() (bool, error) {
	cmds, evs := obj{}, obj{}
	for _, o := range g.m.LiveObjects() {
		for _, c := range sortedCommands(o.Commands) {
			path := c.Path(o)
			s := obj{"type": "object", "additionalProperties": false,
				"description": fmt.Sprintf("%s command %s: its input and output arguments", syncWord(c.Async), path)}
			props := obj{}
			for _, side := range []struct {
				name string
				args *model.Args
			}{{"input", &c.Input}, {"output", &c.Output}} {
				as, err := g.argsSchema(side.args, path+" "+side.name)
				if err != nil {
					return false, err
				}
				props[side.name] = as
			}
			s["properties"] = props
			def := instanceDef(path)
			g.defs[def] = s
			cmds[instancePathRE(path)] = ref(def)
		}
		for _, e := range sortedEvents(o.Events) {
			path := o.Path + e.Name
			s, err := g.argsSchema(&e.Args, path)
			if err != nil {
				return false, err
			}
			s["description"] = "arguments of the event " + path
			def := instanceDef(path)
			g.defs[def] = s
			evs[instancePathRE(path)] = ref(def)
		}
	}
	if len(cmds)+len(evs) == 0 {
		return false, nil
	}
	index := func(what string, pats obj) obj {
		s := obj{"type": "object", "additionalProperties": false,
			"description": "the " + what + " of " + g.m.Name + ", by instance path (not part of a parameter document)"}
		if len(pats) > 0 {
			s["patternProperties"] = pats
		}
		return s
	}
	g.defs[defCommands] = index("input and output arguments of the USP commands", cmds)
	g.defs[defEvents] = index("arguments of the USP events", evs)
	return true, nil
}

func sortedCommands(cs []*model.Command) []*model.Command {
	var out []*model.Command
	for _, c := range cs {
		if c.Status != model.Deleted {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedEvents(es []*model.Event) []*model.Event {
	var out []*model.Event
	for _, e := range es {
		if e.Status != model.Deleted {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// instancePathRE is the anchored regex of the instance paths of a schema
// path, like the flat shape's.
func instancePathRE(path string) string {
	parts := strings.Split(path, "{i}")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return "^" + strings.Join(parts, flatInstance) + "$"
}

// argsSchema is the schema of a set of arguments (deleted ones left out).
func (g *schemaGen) argsSchema(a *model.Args, where string) (obj, error) {
	type argNode struct {
		o        *model.Object
		params   []*model.Parameter
		children []string
	}
	nodes := map[string]*argNode{"": {}}
	var get func(rel string) *argNode
	get = func(rel string) *argNode {
		if n, ok := nodes[rel]; ok {
			return n
		}
		n := &argNode{}
		nodes[rel] = n
		p := get(model.ParentPath(rel))
		p.children = append(p.children, rel)
		return n
	}
	var gone []string
	objs := append([]*model.Object(nil), a.Objects...)
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].Path < objs[j].Path })
	for _, o := range objs {
		dead := o.Status == model.Deleted
		for _, pre := range gone {
			dead = dead || strings.HasPrefix(o.Path, pre)
		}
		if dead {
			gone = append(gone, o.Path)
			continue
		}
		n := get(o.Path)
		n.o = o
		n.params = o.LiveParams()
	}
	for _, p := range a.Params {
		if p.Status != model.Deleted {
			nodes[""].params = append(nodes[""].params, p)
		}
	}
	var build func(rel string) (obj, error)
	build = func(rel string) (obj, error) {
		n := nodes[rel]
		props := obj{}
		var required []string
		for _, p := range n.params {
			r, err := g.valueRef(&p.Syntax, where+" "+rel+p.Name)
			if err != nil {
				return nil, err
			}
			props[p.Name] = r
			if p.Mandatory {
				required = append(required, p.Name)
			}
		}
		sort.Strings(n.children)
		for _, c := range n.children {
			name := objectName(c)
			if _, dup := props[name]; dup {
				return nil, fmt.Errorf("gen schema: %s %s%s is both an argument and an argument object", where, rel, name)
			}
			cs, err := build(c)
			if err != nil {
				return nil, err
			}
			if !isTablePath(c) {
				props[name] = cs
				continue
			}
			arr := obj{"type": "array", "items": cs}
			if o := nodes[c].o; o != nil && o.MaxEntries >= 0 {
				arr["maxItems"] = o.MaxEntries
			}
			props[name] = arr
		}
		s := obj{"type": "object", "additionalProperties": false}
		if len(props) > 0 {
			s["properties"] = props
		}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		return s, nil
	}
	return build("")
}
