package gen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/dmforge/dmforge/model"
)

// USP commands and events in `gen go` (a CWMP model has none, so nothing
// here changes its output). For every command: an input and an output
// argument struct (model.NoArgs when there are no arguments), fields typed
// like parameter fields, argument tables as slices of structs and single
// argument objects as pointers; and a method on the object's path struct
// returning a model.CommandPath[In, Out] that carries the path and
// sync/async. For every event: an argument struct and a method returning a
// model.EventPath[T]. Turning the structs into USP's flat argument maps
// and back is model.EncodeArgs/DecodeArgs, from the struct types (data),
// not code per argument. `gen cpe` adds a handler interface per command and
// a dispatcher (cpe_commands.go).

// goArgs is one argument struct: the root of a command's input or output
// or of an event's arguments, or an argument object under it.
type goArgs struct {
	rel      string        // relative path of an argument object ("Result.{i}."); "" for the root
	o        *model.Object // nil for the root (and an intermediate object the model does not list)
	typeName string
	params   []*goParam
	children []*goArgs
	member   string // field name in the parent's struct
}

type goCommand struct {
	obj     *goObject
	c       *model.Command
	method  string // of the path struct
	base    string // DeviceIPInterfaceReset: the handler's method and the Commands field
	handler string // the CPE handler interface
	in, out *goArgs
}

type goEvent struct {
	obj    *goObject
	e      *model.Event
	method string
	args   *goArgs
}

// uspEntries are the schema entries of the commands and events generated
// (the schema carries their arguments' syntax for Operate to check).
func (g *goGen) uspEntries() []*model.USPEntry {
	var out []*model.USPEntry
	for _, gobj := range g.objs {
		for _, gc := range gobj.commands {
			out = append(out, model.CommandUSPEntry(gobj.o, gc.c))
		}
		for _, ge := range gobj.events {
			out = append(out, model.EventUSPEntry(gobj.o, ge.e))
		}
	}
	return out
}

// usesUSP reports whether anything generated is a command or event.
func (g *goGen) usesUSP() bool {
	for _, gobj := range g.objs {
		if len(gobj.commands) > 0 || len(gobj.events) > 0 {
			return true
		}
	}
	return false
}

// selectUSP chooses the live commands and events of the selected objects
// (under a profile, those it names) and settles their names after every
// other name, in path order.
func (g *goGen) selectUSP() {
	for _, gobj := range g.objs {
		o := gobj.o
		if !g.wantObj[o.Path] {
			continue
		}
		var po *model.ProfileObject
		if g.prof != nil {
			if po = g.prof[o.Path]; po == nil {
				continue
			}
		}
		// The handles are methods of the path struct: their names must be
		// free among its fields and methods (not the data struct's).
		members := map[string]bool{"Path": true, "ObjectPath": true}
		for _, gp := range gobj.params {
			members[gp.field] = true
		}
		for _, ch := range gobj.children {
			members[ch.member] = true
			if ch.o.IsTable() {
				members[ch.member+"Table"] = true
			}
		}
		cmds := append([]*model.Command(nil), o.Commands...)
		sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
		for _, c := range cmds {
			if c.Status == model.Deleted || (po != nil && !profileNames(po.Commands, c.Name)) {
				continue
			}
			name := goIdent(strings.TrimSuffix(c.Name, "()"))
			base := claimName(g.used, pathIdent(o.Path)+name)
			gc := &goCommand{obj: gobj, c: c, base: base, method: claimName(members, name)}
			gc.handler = claimName(g.used, base+"Handler")
			gc.in = g.settleArgs(&c.Input, base+"Input")
			gc.out = g.settleArgs(&c.Output, base+"Output")
			gobj.commands = append(gobj.commands, gc)
		}
		evs := append([]*model.Event(nil), o.Events...)
		sort.Slice(evs, func(i, j int) bool { return evs[i].Name < evs[j].Name })
		for _, e := range evs {
			if e.Status == model.Deleted || (po != nil && !profileNames(po.Events, e.Name)) {
				continue
			}
			name := goIdent(strings.TrimSuffix(e.Name, "!"))
			ge := &goEvent{obj: gobj, e: e, method: claimName(members, name)}
			ge.args = g.settleArgs(&e.Args, pathIdent(o.Path)+name+"Event")
			gobj.events = append(gobj.events, ge)
		}
	}
}

func profileNames(items []model.ProfileItem, name string) bool {
	for _, it := range items {
		if it.Name == name {
			return true
		}
	}
	return false
}

// settleArgs builds the argument structs of a (leaving out deleted
// arguments) and names them; nil when there are no arguments.
func (g *goGen) settleArgs(a *model.Args, typeName string) *goArgs {
	root := &goArgs{}
	nodes := map[string]*goArgs{"": root}
	var get func(rel string) *goArgs
	get = func(rel string) *goArgs {
		if n, ok := nodes[rel]; ok {
			return n
		}
		n := &goArgs{rel: rel}
		nodes[rel] = n
		p := get(model.ParentPath(rel))
		p.children = append(p.children, n)
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
		get(o.Path).o = o
	}
	for _, p := range a.Params {
		if p.Status != model.Deleted {
			root.params = append(root.params, &goParam{p: p})
		}
	}
	for rel, n := range nodes {
		if rel != "" && n.o != nil {
			for _, p := range n.o.LiveParams() {
				n.params = append(n.params, &goParam{p: p})
			}
		}
	}
	if len(root.params) == 0 && len(root.children) == 0 {
		return nil
	}
	g.nameArgs(root, typeName)
	return root
}

// nameArgs names an argument struct, its fields, its enumerations and its
// argument objects' structs, depth first in path order.
func (g *goGen) nameArgs(n *goArgs, typeName string) {
	n.typeName = claimName(g.used, typeName)
	fields := map[string]bool{}
	for _, gp := range n.params {
		gp.field = claimName(fields, goIdent(gp.p.Name))
		g.settleEnum(gp, n.typeName)
	}
	sort.Slice(n.children, func(i, j int) bool { return n.children[i].rel < n.children[j].rel })
	for _, ch := range n.children {
		ch.member = claimName(fields, goIdent(objectName(ch.rel)))
	}
	for _, ch := range n.children {
		g.nameArgs(ch, n.typeName+ch.member)
	}
}

// settleEnum names the enumeration type and constants of a string
// argument with enumerated values, like settleNames does for parameters.
func (g *goGen) settleEnum(gp *goParam, owner string) {
	s := &gp.p.Syntax
	if len(s.Enums) == 0 || s.Type != model.TypeString {
		return
	}
	gp.enumType = claimName(g.used, owner+gp.field)
	seen := map[string]bool{}
	for _, e := range s.Enums {
		if e.Status == model.Deleted {
			continue
		}
		c := gp.enumType + "_" + goIdent(e.Value)
		if e.Value == "" {
			c = gp.enumType + "_Empty"
		}
		for i := 2; seen[c] || g.used[c]; i++ {
			c = fmt.Sprintf("%s_%s_%d", gp.enumType, goIdent(e.Value), i)
		}
		seen[c], g.used[c] = true, true
		gp.enumVals = append(gp.enumVals, enumConst{name: c, value: e.Value})
	}
}

func syncWord(async bool) string {
	if async {
		return "asynchronous"
	}
	return "synchronous"
}

// argsType is the Go type of an argument struct (model.NoArgs for none).
func argsType(n *goArgs) *jen.Statement {
	if n == nil {
		return jen.Qual(modelPkg, "NoArgs")
	}
	return jen.Id(n.typeName)
}

// emitUSP writes the argument structs and typed paths of gobj's commands
// and events.
func (g *goGen) emitUSP(f *jen.File, gobj *goObject) {
	for _, gc := range gobj.commands {
		path := gc.c.Path(gobj.o)
		g.emitArgs(f, gc.in, path, fmt.Sprintf("input arguments of %s (%s)", path, syncWord(gc.c.Async)))
		g.emitArgs(f, gc.out, path, fmt.Sprintf("output arguments of %s (%s)", path, syncWord(gc.c.Async)))
		f.Comment(g.docFor(gc.c.Description, fmt.Sprintf("%s returns the typed path of %s (%s command%s).", gc.method, path, syncWord(gc.c.Async), sinceNote(gc.c.Version, gc.c.Status))))
		f.Func().Params(jen.Id("x").Id(gobj.pathName)).Id(gc.method).Params().Qual(modelPkg, "CommandPath").Types(argsType(gc.in), argsType(gc.out)).Block(
			jen.Return(jen.Qual(modelPkg, "NewCommandPath").Types(argsType(gc.in), argsType(gc.out)).Call(jen.Id("x").Dot("ObjectPath"), jen.Lit(gc.c.Name), jen.Lit(gc.c.Async))))
	}
	for _, ge := range gobj.events {
		path := gobj.o.Path + ge.e.Name
		g.emitArgs(f, ge.args, path, "arguments of the event "+path)
		f.Comment(g.docFor(ge.e.Description, fmt.Sprintf("%s returns the typed path of the event %s%s.", ge.method, path, sinceNote(ge.e.Version, ge.e.Status))))
		f.Func().Params(jen.Id("x").Id(gobj.pathName)).Id(ge.method).Params().Qual(modelPkg, "EventPath").Types(argsType(ge.args)).Block(
			jen.Return(jen.Qual(modelPkg, "NewEventPath").Types(argsType(ge.args)).Call(jen.Id("x").Dot("ObjectPath"), jen.Lit(ge.e.Name))))
	}
}

// emitArgs writes an argument struct and, depth first, its objects'.
func (g *goGen) emitArgs(f *jen.File, n *goArgs, path, what string) {
	if n == nil {
		return
	}
	for _, gp := range n.params {
		if gp.enumType == "" {
			continue
		}
		f.Commentf("%s enumerates the values of the argument %s.", gp.enumType, gp.p.Name)
		f.Type().Id(gp.enumType).String()
		f.Const().DefsFunc(func(d *jen.Group) {
			for _, c := range gp.enumVals {
				d.Id(c.name).Id(gp.enumType).Op("=").Lit(c.value)
				d.Line()
			}
		})
	}
	if n.rel == "" {
		f.Commentf("%s holds the %s.", n.typeName, what)
	} else {
		kind := "the argument object"
		if strings.HasSuffix(n.rel, ".{i}.") {
			kind = "an entry of the argument table"
		}
		f.Commentf("%s is %s %s of %s.", n.typeName, kind, n.rel, path)
	}
	f.Type().Id(n.typeName).StructFunc(func(s *jen.Group) {
		for _, gp := range n.params {
			p := gp.p
			if g.opts.Descriptions && p.Description != "" {
				s.Comment(g.docFor(p.Description, fmt.Sprintf("%s: %s%s.", p.Name, p.Syntax.String(), sinceNote(p.Version, p.Status))))
			}
			tags := map[string]string{"json": p.Name + ",omitzero"}
			if p.Mandatory {
				tags["dm"] = "mandatory"
			}
			s.Id(gp.field).Add(g.goValueType(gp)).Tag(tags)
			s.Line()
		}
		for _, ch := range n.children {
			name := objectName(ch.rel)
			if strings.HasSuffix(ch.rel, ".{i}.") {
				s.Id(ch.member).Index().Id(ch.typeName).Tag(map[string]string{"json": name + ",omitzero"})
			} else {
				s.Id(ch.member).Op("*").Id(ch.typeName).Tag(map[string]string{"json": name + ",omitzero"})
			}
		}
	})
	for _, ch := range n.children {
		g.emitArgs(f, ch, path, what)
	}
}

const cpeCommandsFile = "cpe_commands.go"

// emitCommandHandlers writes, in gen cpe, the handler interface of each of
// gobj's commands: a synchronous one returns its output, an asynchronous
// one returns once started and reports its output through done.
func (g *goGen) emitCommandHandlers(f *jen.File, gobj *goObject) {
	for _, gc := range gobj.commands {
		path := gc.c.Path(gobj.o)
		ctx := jen.Id("ctx").Qual("context", "Context")
		in := jen.Id("in").Add(argsType(gc.in))
		if gc.c.Async {
			f.Commentf("%s runs %s, an asynchronous command:", gc.handler, path)
			f.Comment("it returns once the command is under way (an error: it did not start), and")
			f.Comment("calls done exactly once, later and from any goroutine, with the output or the")
			f.Comment("command's failure. inst holds the instance numbers on the path, outermost first.")
			f.Type().Id(gc.handler).Interface(
				jen.Id(gc.base).Params(ctx, instParam(), in, jen.Id("done").Func().Params(argsType(gc.out), jen.Error())).Error())
			continue
		}
		f.Commentf("%s runs %s, a synchronous command: it returns the", gc.handler, path)
		f.Comment("output, or the command's failure. inst holds the instance numbers on the path,")
		f.Comment("outermost first.")
		f.Type().Id(gc.handler).Interface(
			jen.Id(gc.base).Params(ctx, instParam(), in).Params(argsType(gc.out), jen.Error()))
	}
}

// emitCommands writes cpe_commands.go: Commands, one handler field per
// command, and its Operate, which dispatches a USP Operate on a concrete
// path to the handler with typed arguments.
func (g *goGen) emitCommands(f *jen.File) {
	var cmds []*goCommand
	for _, gobj := range g.objs {
		cmds = append(cmds, gobj.commands...)
	}
	f.Comment("Commands binds a USP agent's code to the model's commands: one handler per")
	f.Comment("command. A nil handler means the device does not support that command.")
	f.Type().Id("Commands").StructFunc(func(s *jen.Group) {
		for _, gc := range cmds {
			s.Id(gc.base).Id(gc.handler)
		}
	})
	recv := jen.Id("c").Op("*").Id("Commands")
	f.Comment("Supported lists the schema paths of the commands that have a handler, in path order.")
	f.Func().Params(recv.Clone()).Id("Supported").Params().Index().String().BlockFunc(func(b *jen.Group) {
		b.Var().Id("out").Index().String()
		for _, gc := range cmds {
			b.If(jen.Id("c").Dot(gc.base).Op("!=").Nil()).Block(
				jen.Id("out").Op("=").Append(jen.Id("out"), jen.Lit(gc.c.Path(gc.obj.o))))
		}
		b.Return(jen.Id("out"))
	})
	f.Comment("Operate runs the command at a concrete path (\"Device.IP.Interface.3.Reset()\",")
	f.Comment("instance numbers, not aliases) with USP input arguments, checked against their")
	f.Comment("syntax in the schema (model.CheckArgs) and decoded strictly into the command's")
	f.Comment("input struct (model.DecodeArgs). A synchronous command returns its output")
	f.Comment("arguments; an asynchronous one returns async once started, and done (required")
	f.Comment("for those) receives the output arguments or the failure later. A command")
	f.Comment("without a handler fails with model.ErrNotSupported.")
	f.Func().Params(recv.Clone()).Id("Operate").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("path").String(), jen.Id("input").Map(jen.String()).String(),
		jen.Id("done").Func().Params(jen.Map(jen.String()).String(), jen.Error()),
	).Params(jen.Id("output").Map(jen.String()).String(), jen.Id("async").Bool(), jen.Err().Error()).BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("sp"), jen.Id("ok")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("path"))
		b.Id("inst").Op(":=").Qual(modelPkg, "InstanceNumbers").Call(jen.Id("path"))
		b.If(jen.Op("!").Id("ok").Op("||").Len(jen.Id("inst")).Op("!=").Qual("strings", "Count").Call(jen.Id("sp"), jen.Lit("{i}"))).Block(
			jen.Return(jen.Nil(), jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: not a command's instance path"), jen.Id("path"))))
		// The input's values are checked against the arguments' syntax in
		// the schema (model.CheckArgs) before any handler sees them.
		b.If(jen.List(jen.Id("cmd"), jen.Id("ok")).Op(":=").Id("Schema").Dot("USPEntry").Call(jen.Id("sp")), jen.Id("ok").Op("&&").Op("!").Id("cmd").Dot("Event")).Block(
			jen.If(jen.Err().Op(":=").Qual(modelPkg, "CheckArgs").Call(jen.Id("cmd").Dot("Input"), jen.Id("input")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("path"), jen.Err()))))
		b.Switch(jen.Id("sp")).BlockFunc(func(sw *jen.Group) {
			for _, gc := range cmds {
				h := jen.Id("c").Dot(gc.base)
				var run []jen.Code
				if gc.c.Async {
					run = []jen.Code{jen.Return(jen.Nil(), jen.True(), jen.Qual(modelPkg, "OperateAsync").Call(jen.Id("ctx"), h.Clone().Dot(gc.base), jen.Id("inst"), jen.Id("input"), jen.Id("done")))}
				} else {
					run = []jen.Code{
						jen.List(jen.Id("output"), jen.Err()).Op("=").Qual(modelPkg, "OperateSync").Call(jen.Id("ctx"), h.Clone().Dot(gc.base), jen.Id("inst"), jen.Id("input")),
						jen.Return(jen.Id("output"), jen.False(), jen.Err())}
				}
				sw.Case(jen.Lit(gc.c.Path(gc.obj.o))).Block(jen.If(h.Clone().Op("!=").Nil()).Block(run...))
			}
		})
		b.Return(jen.Nil(), jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("path"), jen.Qual(modelPkg, "ErrNotSupported")))
	})
}
