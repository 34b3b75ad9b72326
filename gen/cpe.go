package gen

import (
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/dmforge/dmforge/model"
)

// CPE stubs: for every object an interface a vendor implements (getters
// for every parameter, setters only for writable ones, instance listing
// for tables, add and delete only for writable tables), an Unimplemented
// struct to embed, and a Store that binds an Implementation to the schema
// table. The Store's methods match cwmp/cpe.Store, so the CPE handlers,
// which check every path, type, value and access mode first, call typed
// vendor code; the generated package does not import cwmp/cpe.

// emitCPE adds the CPE stub declarations of the objects in one file,
// and for each object the two switches that dispatch a parameter name to
// its getter and setter.
func (g *goGen) emitCPE(f *jen.File, objs []*goObject) {
	for _, gobj := range objs {
		g.emitImplInterface(f, gobj)
		g.emitDispatch(f, gobj)
	}
}

func getFunc(gobj *goObject) string { return "cpeGet" + strings.TrimSuffix(implName(gobj), "Impl") }
func setFunc(gobj *goObject) string { return "cpeSet" + strings.TrimSuffix(implName(gobj), "Impl") }

func hasWritable(gobj *goObject) bool {
	for _, gp := range gobj.params {
		if gp.p.Access.Writable() {
			return true
		}
	}
	return false
}

// emitDispatch writes the getter and setter switches of one object.
func (g *goGen) emitDispatch(f *jen.File, gobj *goObject) {
	if len(gobj.params) == 0 {
		return
	}
	inst := jen.Id("inst").Index().Uint32()
	f.Func().Id(getFunc(gobj)).Params(jen.Id("im").Id(implName(gobj)), jen.Id("name").String(), inst.Clone()).Params(jen.String(), jen.Bool()).Block(
		jen.Switch(jen.Id("name")).BlockFunc(func(sw *jen.Group) {
			for _, gp := range gobj.params {
				sw.Case(jen.Lit(gp.p.Name)).Block(
					jen.List(jen.Id("v"), jen.Id("err")).Op(":=").Id("im").Dot(gp.field).Call(jen.Id("inst")),
					jen.Return(jen.Qual(modelPkg, "FormatValue").Call(jen.Qual(modelPkg, baseTypeConst[gp.p.Syntax.Type]), jen.Id("v")), jen.Err().Op("==").Nil()),
				)
			}
		}),
		jen.Return(jen.Lit(""), jen.False()),
	)
	if !hasWritable(gobj) {
		return
	}
	f.Func().Id(setFunc(gobj)).Params(jen.Id("im").Id(implName(gobj)), jen.Id("name").String(), inst.Clone(), jen.Id("wire").String()).Error().Block(
		jen.Switch(jen.Id("name")).BlockFunc(func(sw *jen.Group) {
			for _, gp := range gobj.params {
				if !gp.p.Access.Writable() {
					continue
				}
				sw.Case(jen.Lit(gp.p.Name)).Block(
					jen.List(jen.Id("v"), jen.Id("err")).Op(":=").Qual(modelPkg, "ParseValue").Types(g.goValueType(gp)).Call(jen.Qual(modelPkg, baseTypeConst[gp.p.Syntax.Type]), jen.Id("wire")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
					jen.Return(jen.Id("im").Dot("Set"+gp.field).Call(jen.Id("inst"), jen.Id("v"))),
				)
			}
		}),
		jen.Return(jen.Qual(modelPkg, "ErrNotSupported")),
	)
}

func implName(gobj *goObject) string   { return strings.TrimSuffix(gobj.typeName, "Object") + "Impl" }
func unimplName(gobj *goObject) string { return "Unimplemented" + implName(gobj) }

// instParam is the instance-numbers argument every method takes.
func instParam() *jen.Statement { return jen.Id("inst").Index().Uint32() }

func (g *goGen) emitImplInterface(f *jen.File, gobj *goObject) {
	o := gobj.o
	name := implName(gobj)
	f.Commentf("%s is what a device implements for %s; inst holds the instance", name, strings.TrimSuffix(o.Path, "."))
	f.Comment("numbers of the tables on the path, outermost first. Embed")
	f.Commentf("%s to implement only some methods.", unimplName(gobj))
	var methods []jen.Code
	var unimpl []jen.Code
	recv := jen.Id(unimplName(gobj))
	for _, gp := range gobj.params {
		vt := g.goValueType(gp)
		methods = append(methods, jen.Id(gp.field).Params(instParam()).Params(vt, jen.Error()))
		unimpl = append(unimpl, jen.Func().Params(recv.Clone()).Id(gp.field).Params(instParam()).Params(g.goValueType(gp), jen.Error()).Block(
			jen.Var().Id("zero").Add(g.goValueType(gp)),
			jen.Return(jen.Id("zero"), jen.Qual(modelPkg, "ErrNotSupported")),
		))
		if gp.p.Access.Writable() {
			methods = append(methods, jen.Id("Set"+gp.field).Params(instParam(), jen.Id("v").Add(g.goValueType(gp))).Error())
			unimpl = append(unimpl, jen.Func().Params(recv.Clone()).Id("Set"+gp.field).Params(instParam(), jen.Id("v").Add(g.goValueType(gp))).Error().Block(
				jen.Return(jen.Qual(modelPkg, "ErrNotSupported")),
			))
		}
	}
	for _, ch := range gobj.children {
		if !ch.o.IsTable() {
			continue
		}
		methods = append(methods, jen.Id(ch.member+"Instances").Params(instParam()).Index().Uint32())
		unimpl = append(unimpl, jen.Func().Params(recv.Clone()).Id(ch.member+"Instances").Params(instParam()).Index().Uint32().Block(jen.Return(jen.Nil())))
		if ch.o.Access == model.ReadWrite {
			methods = append(methods,
				jen.Id("Add"+ch.member).Params(instParam()).Params(jen.Uint32(), jen.Error()),
				jen.Id("Delete"+ch.member).Params(instParam(), jen.Id("i").Uint32()).Error())
			unimpl = append(unimpl,
				jen.Func().Params(recv.Clone()).Id("Add"+ch.member).Params(instParam()).Params(jen.Uint32(), jen.Error()).Block(jen.Return(jen.Lit(0), jen.Qual(modelPkg, "ErrNotSupported"))),
				jen.Func().Params(recv.Clone()).Id("Delete"+ch.member).Params(instParam(), jen.Id("i").Uint32()).Error().Block(jen.Return(jen.Qual(modelPkg, "ErrNotSupported"))))
		}
	}
	f.Type().Id(name).Interface(methods...)
	f.Commentf("%s implements %s with every method failing with model.ErrNotSupported.", unimplName(gobj), name)
	f.Type().Id(unimplName(gobj)).Struct()
	for _, u := range unimpl {
		f.Add(u)
	}
}

// emitCPEStore writes cpe_store.go: the Implementation struct and the
// Store that dispatches wire paths to it, one switch over object paths
// per operation.
func (g *goGen) emitCPEStore(f *jen.File) {
	f.Comment("Implementation binds a device's code to the data model: one field per object.")
	f.Comment("A nil field means the device does not have that object.")
	f.Type().Id("Implementation").StructFunc(func(s *jen.Group) {
		for _, gobj := range g.objs {
			s.Id(implName(gobj)).Id(implName(gobj))
		}
		for _, r := range g.roots {
			if r.o.IsTable() {
				s.Commentf("%sInstances lists the instances of %s (a service model's root table).", goIdent(r.o.Name()), r.o.Path)
				s.Id(goIdent(r.o.Name()) + "Instances").Func().Params().Index().Uint32()
			}
		}
		s.Comment("Tx, if set, makes SetParameterValues atomic across setters.")
		s.Id("Tx").Qual(modelPkg, "Transactor")
	})

	f.Comment("Store adapts an Implementation to the CPE handlers (cwmp/cpe.Store): wire")
	f.Comment("paths and strings in, typed calls out.")
	f.Type().Id("Store").Struct(jen.Id("Impl").Op("*").Id("Implementation"))
	f.Comment("NewStore returns the Store for impl.")
	f.Func().Id("NewStore").Params(jen.Id("impl").Op("*").Id("Implementation")).Op("*").Id("Store").Block(
		jen.Return(jen.Op("&").Id("Store").Values(jen.Dict{jen.Id("Impl"): jen.Id("impl")})))

	// splitParam: schema path of the object, parameter name, instances.
	split := func(path string, fail ...jen.Code) []jen.Code {
		return []jen.Code{
			jen.List(jen.Id("sp"), jen.Id("ok")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id(path)),
			jen.Id("dot").Op(":=").Qual("strings", "LastIndexByte").Call(jen.Id("sp"), jen.LitRune('.')),
			jen.If(jen.Op("!").Id("ok").Op("||").Id("dot").Op("<").Lit(0)).Block(jen.Return(fail...)),
			jen.List(jen.Id("obj"), jen.Id("name"), jen.Id("inst")).Op(":=").Id("sp").Index(jen.Empty(), jen.Id("dot").Op("+").Lit(1)).Op(",").Id("sp").Index(jen.Id("dot").Op("+").Lit(1), jen.Empty()).Op(",").Qual(modelPkg, "InstanceNumbers").Call(jen.Id(path)),
		}
	}
	f.Comment("Get returns the wire value of the parameter at a concrete path.")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Get").Params(jen.Id("path").String()).Params(jen.String(), jen.Bool()).BlockFunc(func(b *jen.Group) {
		for _, c := range split("path", jen.Lit(""), jen.False()) {
			b.Add(c)
		}
		b.Switch(jen.Id("obj")).BlockFunc(func(sw *jen.Group) {
			for _, gobj := range g.objs {
				if len(gobj.params) == 0 {
					continue
				}
				sw.Case(jen.Lit(gobj.o.Path)).Block(
					jen.If(jen.Id("im").Op(":=").Id("s").Dot("Impl").Dot(implName(gobj)), jen.Id("im").Op("!=").Nil()).Block(
						jen.Return(jen.Id(getFunc(gobj)).Call(jen.Id("im"), jen.Id("name"), jen.Id("inst")))))
			}
		})
		b.Return(jen.Lit(""), jen.False())
	})
	f.Comment("Set applies values through the setters: all of them, or none when the")
	f.Comment("Implementation has a Tx (without one, a failing setter leaves the earlier ones applied).")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Set").Params(jen.Id("values").Index().Qual(modelPkg, "ParameterValue")).Error().Block(
		jen.Return(jen.Qual(modelPkg, "ApplySetters").Call(jen.Id("s").Dot("Impl").Dot("Tx"), jen.Id("values"), jen.Id("s").Dot("set"))))
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("set").Params(jen.Id("pv").Qual(modelPkg, "ParameterValue")).Error().BlockFunc(func(b *jen.Group) {
		unsupported := jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("pv").Dot("Name"), jen.Qual(modelPkg, "ErrNotSupported"))
		for _, c := range split("pv.Name", unsupported.Clone()) {
			b.Add(c)
		}
		b.Switch(jen.Id("obj")).BlockFunc(func(sw *jen.Group) {
			for _, gobj := range g.objs {
				if !hasWritable(gobj) {
					continue
				}
				sw.Case(jen.Lit(gobj.o.Path)).Block(
					jen.If(jen.Id("im").Op(":=").Id("s").Dot("Impl").Dot(implName(gobj)), jen.Id("im").Op("!=").Nil()).Block(
						jen.If(jen.Err().Op(":=").Id(setFunc(gobj)).Call(jen.Id("im"), jen.Id("name"), jen.Id("inst"), jen.Id("pv").Dot("Value")), jen.Err().Op("!=").Qual(modelPkg, "ErrNotSupported")).Block(jen.Return(jen.Err()))))
			}
		})
		b.Return(unsupported)
	})
	// Tables, by table path without "{i}.": the parent object's methods.
	type table struct {
		key    string
		parent *goObject // nil for a root table
		ch     *goObject
	}
	var tables []table
	for _, gobj := range g.objs {
		for _, ch := range gobj.children {
			if ch.o.IsTable() {
				tables = append(tables, table{strings.TrimSuffix(ch.o.Path, "{i}."), gobj, ch})
			}
		}
	}
	for _, r := range g.roots {
		if r.o.IsTable() {
			tables = append(tables, table{strings.TrimSuffix(r.o.Path, "{i}."), nil, r})
		}
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].key < tables[j].key })
	tableSplit := func(path string) jen.Code {
		return jen.List(jen.Id("sp"), jen.Id("_")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id(path))
	}
	f.Comment("Instances lists a table's instance numbers (table path without instance, \"Device.WiFi.SSID.\").")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Instances").Params(jen.Id("table").String()).Index().Uint32().Block(
		tableSplit("table"),
		jen.Switch(jen.Id("sp")).BlockFunc(func(sw *jen.Group) {
			for _, t := range tables {
				if t.parent == nil {
					fn := goIdent(t.ch.o.Name()) + "Instances"
					sw.Case(jen.Lit(t.key)).Block(jen.If(jen.Id("s").Dot("Impl").Dot(fn).Op("!=").Nil()).Block(jen.Return(jen.Id("s").Dot("Impl").Dot(fn).Call())))
					continue
				}
				sw.Case(jen.Lit(t.key)).Block(jen.If(jen.Id("im").Op(":=").Id("s").Dot("Impl").Dot(implName(t.parent)), jen.Id("im").Op("!=").Nil()).Block(
					jen.Return(jen.Id("im").Dot(t.ch.member + "Instances").Call(jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table"))))))
			}
		}),
		jen.Return(jen.Nil()),
	)
	f.Comment("AddInstance creates an instance of a writable table.")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("AddInstance").Params(jen.Id("table").String()).Params(jen.Uint32(), jen.Error()).Block(
		tableSplit("table"),
		jen.Switch(jen.Id("sp")).BlockFunc(func(sw *jen.Group) {
			for _, t := range tables {
				if t.parent == nil || t.ch.o.Access != model.ReadWrite {
					continue
				}
				sw.Case(jen.Lit(t.key)).Block(jen.If(jen.Id("im").Op(":=").Id("s").Dot("Impl").Dot(implName(t.parent)), jen.Id("im").Op("!=").Nil()).Block(
					jen.Return(jen.Id("im").Dot("Add" + t.ch.member).Call(jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table"))))))
			}
		}),
		jen.Return(jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("table"), jen.Qual(modelPkg, "ErrNotSupported"))),
	)
	f.Comment("DeleteInstance removes an instance (\"Device.WiFi.SSID.3.\").")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("DeleteInstance").Params(jen.Id("object").String()).Error().Block(
		jen.List(jen.Id("table"), jen.Id("i"), jen.Id("ok")).Op(":=").Qual(modelPkg, "SplitInstance").Call(jen.Id("object")),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s is not a table instance"), jen.Id("object")))),
		jen.Id("_").Op("=").Id("i"), // no writable table: no case uses it
		tableSplit("table"),
		jen.Switch(jen.Id("sp")).BlockFunc(func(sw *jen.Group) {
			for _, t := range tables {
				if t.parent == nil || t.ch.o.Access != model.ReadWrite {
					continue
				}
				sw.Case(jen.Lit(t.key)).Block(jen.If(jen.Id("im").Op(":=").Id("s").Dot("Impl").Dot(implName(t.parent)), jen.Id("im").Op("!=").Nil()).Block(
					jen.Return(jen.Id("im").Dot("Delete"+t.ch.member).Call(jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table")), jen.Id("i")))))
			}
		}),
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("object"), jen.Qual(modelPkg, "ErrNotSupported"))),
	)
}
