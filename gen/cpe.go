package gen

import (
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

// emitCPE adds the CPE stub declarations of the objects in one file.
func (g *goGen) emitCPE(f *jen.File, objs []*goObject) {
	for _, gobj := range objs {
		g.emitImplInterface(f, gobj)
	}
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

// emitCPEStore writes cpe.go: the Implementation struct and the Store that
// dispatches wire paths to it through tables keyed by schema path.
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

	// Getters.
	getType := jen.Func().Params(jen.Op("*").Id("Implementation"), jen.Index().Uint32()).Params(jen.String(), jen.Bool())
	f.Var().Id("cpeGetters").Op("=").Map(jen.String()).Add(getType.Clone()).Values(jen.DictFunc(func(d jen.Dict) {
		for _, gobj := range g.objs {
			for _, gp := range gobj.params {
				d[jen.Lit(gp.p.Path())] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), instParam()).Params(jen.String(), jen.Bool()).Block(
					jen.If(jen.Id("im").Dot(implName(gobj)).Op("==").Nil()).Block(jen.Return(jen.Lit(""), jen.False())),
					jen.List(jen.Id("v"), jen.Id("err")).Op(":=").Id("im").Dot(implName(gobj)).Dot(gp.field).Call(jen.Id("inst")),
					jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Lit(""), jen.False())),
					jen.Return(jen.Qual(modelPkg, "FormatValue").Call(jen.Qual(modelPkg, baseTypeConst[gp.p.Syntax.Type]), jen.Id("v")), jen.True()),
				)
			}
		}
	}))
	// Setters.
	setType := jen.Func().Params(jen.Op("*").Id("Implementation"), jen.Index().Uint32(), jen.String()).Error()
	f.Var().Id("cpeSetters").Op("=").Map(jen.String()).Add(setType.Clone()).Values(jen.DictFunc(func(d jen.Dict) {
		for _, gobj := range g.objs {
			for _, gp := range gobj.params {
				if !gp.p.Access.Writable() {
					continue
				}
				d[jen.Lit(gp.p.Path())] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), instParam(), jen.Id("wire").String()).Error().Block(
					jen.If(jen.Id("im").Dot(implName(gobj)).Op("==").Nil()).Block(jen.Return(jen.Qual(modelPkg, "ErrNotSupported"))),
					jen.List(jen.Id("v"), jen.Id("err")).Op(":=").Qual(modelPkg, "ParseValue").Types(g.goValueType(gp)).Call(jen.Qual(modelPkg, baseTypeConst[gp.p.Syntax.Type]), jen.Id("wire")),
					jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Id("err"))),
					jen.Return(jen.Id("im").Dot(implName(gobj)).Dot("Set"+gp.field).Call(jen.Id("inst"), jen.Id("v"))),
				)
			}
		}
	}))
	// Tables: listing, adding and deleting instances, by table path without "{i}.".
	instType := jen.Func().Params(jen.Op("*").Id("Implementation"), jen.Index().Uint32()).Index().Uint32()
	addType := jen.Func().Params(jen.Op("*").Id("Implementation"), jen.Index().Uint32()).Params(jen.Uint32(), jen.Error())
	delType := jen.Func().Params(jen.Op("*").Id("Implementation"), jen.Index().Uint32(), jen.Uint32()).Error()
	insts, adds, dels := jen.Dict{}, jen.Dict{}, jen.Dict{}
	for _, gobj := range g.objs {
		for _, ch := range gobj.children {
			if !ch.o.IsTable() {
				continue
			}
			key := jen.Lit(strings.TrimSuffix(ch.o.Path, "{i}."))
			pi := implName(gobj)
			insts[key] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), instParam()).Index().Uint32().Block(
				jen.If(jen.Id("im").Dot(pi).Op("==").Nil()).Block(jen.Return(jen.Nil())),
				jen.Return(jen.Id("im").Dot(pi).Dot(ch.member+"Instances").Call(jen.Id("inst"))))
			if ch.o.Access == model.ReadWrite {
				adds[key.Clone()] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), instParam()).Params(jen.Uint32(), jen.Error()).Block(
					jen.If(jen.Id("im").Dot(pi).Op("==").Nil()).Block(jen.Return(jen.Lit(0), jen.Qual(modelPkg, "ErrNotSupported"))),
					jen.Return(jen.Id("im").Dot(pi).Dot("Add"+ch.member).Call(jen.Id("inst"))))
				dels[key.Clone()] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), instParam(), jen.Id("i").Uint32()).Error().Block(
					jen.If(jen.Id("im").Dot(pi).Op("==").Nil()).Block(jen.Return(jen.Qual(modelPkg, "ErrNotSupported"))),
					jen.Return(jen.Id("im").Dot(pi).Dot("Delete"+ch.member).Call(jen.Id("inst"), jen.Id("i"))))
			}
		}
	}
	for _, r := range g.roots {
		if r.o.IsTable() {
			fn := goIdent(r.o.Name()) + "Instances"
			insts[jen.Lit(strings.TrimSuffix(r.o.Path, "{i}."))] = jen.Func().Params(jen.Id("im").Op("*").Id("Implementation"), jen.Id("_").Index().Uint32()).Index().Uint32().Block(
				jen.If(jen.Id("im").Dot(fn).Op("==").Nil()).Block(jen.Return(jen.Nil())),
				jen.Return(jen.Id("im").Dot(fn).Call()))
		}
	}
	f.Var().Id("cpeInstances").Op("=").Map(jen.String()).Add(instType).Values(insts)
	f.Var().Id("cpeAdders").Op("=").Map(jen.String()).Add(addType).Values(adds)
	f.Var().Id("cpeDeleters").Op("=").Map(jen.String()).Add(delType).Values(dels)

	f.Comment("Get returns the wire value of the parameter at a concrete path.")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Get").Params(jen.Id("path").String()).Params(jen.String(), jen.Bool()).Block(
		jen.List(jen.Id("sp"), jen.Id("ok")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("path")),
		jen.List(jen.Id("get"), jen.Id("found")).Op(":=").Id("cpeGetters").Index(jen.Id("sp")),
		jen.If(jen.Op("!").Id("ok").Op("||").Op("!").Id("found")).Block(jen.Return(jen.Lit(""), jen.False())),
		jen.Return(jen.Id("get").Call(jen.Id("s").Dot("Impl"), jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("path")))),
	)
	f.Comment("Set applies values through the setters: all of them, or none when the")
	f.Comment("Implementation has a Tx (without one, a failing setter leaves the earlier ones applied).")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Set").Params(jen.Id("values").Index().Qual(modelPkg, "ParameterValue")).Error().Block(
		jen.Return(jen.Qual(modelPkg, "ApplySetters").Call(jen.Id("s").Dot("Impl").Dot("Tx"), jen.Id("values"), jen.Func().Params(jen.Id("pv").Qual(modelPkg, "ParameterValue")).Error().Block(
			jen.List(jen.Id("sp"), jen.Id("_")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("pv").Dot("Name")),
			jen.List(jen.Id("set"), jen.Id("ok")).Op(":=").Id("cpeSetters").Index(jen.Id("sp")),
			jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("pv").Dot("Name"), jen.Qual(modelPkg, "ErrNotSupported")))),
			jen.Return(jen.Id("set").Call(jen.Id("s").Dot("Impl"), jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("pv").Dot("Name")), jen.Id("pv").Dot("Value"))),
		))),
	)
	f.Comment("Instances lists a table's instance numbers (table path without instance, \"Device.WiFi.SSID.\").")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("Instances").Params(jen.Id("table").String()).Index().Uint32().Block(
		jen.List(jen.Id("sp"), jen.Id("_")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("table")),
		jen.List(jen.Id("fn"), jen.Id("ok")).Op(":=").Id("cpeInstances").Index(jen.Id("sp")),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil())),
		jen.Return(jen.Id("fn").Call(jen.Id("s").Dot("Impl"), jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table")))),
	)
	f.Comment("AddInstance creates an instance of a writable table.")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("AddInstance").Params(jen.Id("table").String()).Params(jen.Uint32(), jen.Error()).Block(
		jen.List(jen.Id("sp"), jen.Id("_")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("table")),
		jen.List(jen.Id("fn"), jen.Id("ok")).Op(":=").Id("cpeAdders").Index(jen.Id("sp")),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("table"), jen.Qual(modelPkg, "ErrNotSupported")))),
		jen.Return(jen.Id("fn").Call(jen.Id("s").Dot("Impl"), jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table")))),
	)
	f.Comment("DeleteInstance removes an instance (\"Device.WiFi.SSID.3.\").")
	f.Func().Params(jen.Id("s").Op("*").Id("Store")).Id("DeleteInstance").Params(jen.Id("object").String()).Error().Block(
		jen.List(jen.Id("table"), jen.Id("i"), jen.Id("ok")).Op(":=").Qual(modelPkg, "SplitInstance").Call(jen.Id("object")),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s is not a table instance"), jen.Id("object")))),
		jen.List(jen.Id("sp"), jen.Id("_")).Op(":=").Qual(modelPkg, "SchemaPath").Call(jen.Id("table")),
		jen.List(jen.Id("fn"), jen.Id("found")).Op(":=").Id("cpeDeleters").Index(jen.Id("sp")),
		jen.If(jen.Op("!").Id("found")).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Id("object"), jen.Qual(modelPkg, "ErrNotSupported")))),
		jen.Return(jen.Id("fn").Call(jen.Id("s").Dot("Impl"), jen.Qual(modelPkg, "InstanceNumbers").Call(jen.Id("table")), jen.Id("i"))),
	)
}
