package model

import "strings"

// LiveObjects returns the objects of m that are not deleted and not under a
// deleted object, in definition order. Generators and SchemaFromModel use
// it: a model read without pruning still carries its deleted items (for
// diff and lint), but nothing generated for run time has them.
func (m *Model) LiveObjects() []*Object {
	var gone []string
	out := make([]*Object, 0, len(m.Objects))
	for _, o := range m.Objects {
		dead := o.Status == Deleted
		for _, pre := range gone {
			if strings.HasPrefix(o.Path, pre) {
				dead = true
				break
			}
		}
		if dead {
			gone = append(gone, o.Path)
			continue
		}
		out = append(out, o)
	}
	return out
}

// LiveParams returns the parameters of o whose status is not deleted.
func (o *Object) LiveParams() []*Parameter {
	out := make([]*Parameter, 0, len(o.Params))
	for _, p := range o.Params {
		if p.Status != Deleted {
			out = append(out, p)
		}
	}
	return out
}

// ObjectEntry is the schema entry of an object.
func ObjectEntry(o *Object) *Entry {
	return &Entry{Path: o.Path, Object: true, Access: o.Access, MinEntries: o.MinEntries, MaxEntries: o.MaxEntries,
		NumEntriesParameter: o.NumEntriesParameter, EnableParameter: o.EnableParameter, UniqueKeys: o.UniqueKeys, Status: o.Status, Version: o.Version}
}

// ParamEntry is the schema entry of a parameter (with its own copy of the
// syntax).
func ParamEntry(p *Parameter) *Entry {
	syn := p.Syntax.Clone()
	return &Entry{Path: p.Path(), Access: p.Access, Syntax: &syn, ActiveNotify: p.ActiveNotify,
		ForcedInform: p.ForcedInform, Status: p.Status, Version: p.Version}
}
