package lint

import (
	"github.com/dmforge/dmforge/model"
)

// deviceType checks a DT document's declarations against its model: the
// objects and parameters exist, and access and entry counts are no wider
// than the model's.
func (c *linter) deviceType(dt *model.DeviceType) {
	m := dt.Model
	if m == nil {
		return
	}
	c.m, c.paths = m, nil
	for _, d := range dt.Objects {
		o := m.Object(d.Path)
		if o == nil {
			// Tolerate a table declared without its "{i}.".
			o = m.Object(d.Path + "{i}.")
		}
		if o == nil {
			c.add(d.Pos, 0, RuleDTObjectUnknown, d.Path, "object %s is not in model %s", d.Path, m.Name)
			continue
		}
		c.status(d.Pos, o.Path, "object", o.Status)
		switch d.Access {
		case "", "readOnly", "notSpecified", "present":
		case "create", "delete", "createDelete", "readWrite":
			if !o.IsTable() || o.Access != model.ReadWrite {
				c.add(d.Pos, 0, RuleDTAccess, o.Path, "object %s: access %s, but the model's %s is %s (instances can be created or deleted only in a readWrite table)", o.Path, d.Access, tableOrObject(o), o.Access)
			}
		default:
			c.add(d.Pos, 0, RuleDTAccess, o.Path, "object %s: unknown access %q (readOnly, create, delete or createDelete)", o.Path, d.Access)
		}
		c.dtEntries(d, o)
		for _, dp := range d.Params {
			p := o.Param(dp.Name)
			path := o.Path + dp.Name
			if p == nil {
				c.add(dp.Pos, 0, RuleDTParamUnknown, path, "parameter %s is not in model %s", path, m.Name)
				continue
			}
			c.status(dp.Pos, path, "parameter", p.Status)
			switch dp.Access {
			case "", model.ReadOnly:
			case model.ReadWrite, model.WriteOnceReadOnly:
				if !p.Access.Writable() {
					c.add(dp.Pos, 0, RuleDTAccess, path, "parameter %s: access %s, but the model's parameter is %s", path, dp.Access, p.Access)
				} else if dp.Access == model.ReadWrite && p.Access == model.WriteOnceReadOnly {
					c.add(dp.Pos, 0, RuleDTAccess, path, "parameter %s: access readWrite, but the model's parameter is writeOnceReadOnly", path)
				}
			default:
				c.add(dp.Pos, 0, RuleDTAccess, path, "parameter %s: unknown access %q", path, dp.Access)
			}
			if dp.Syntax != nil {
				c.dtSyntax(dp, p, path)
			}
		}
	}
}

func tableOrObject(o *model.Object) string {
	if o.IsTable() {
		return "table"
	}
	return "single-instance object"
}

func (c *linter) dtEntries(d *model.DTObject, o *model.Object) {
	if d.MinEntries != nil && *d.MinEntries < o.MinEntries {
		c.add(d.Pos, 0, RuleDTEntries, o.Path, "object %s: minEntries %d is below the model's %d", o.Path, *d.MinEntries, o.MinEntries)
	}
	if d.MaxEntries != nil && o.MaxEntries != model.Unbounded &&
		(*d.MaxEntries == model.Unbounded || *d.MaxEntries > o.MaxEntries) {
		c.add(d.Pos, 0, RuleDTEntries, o.Path, "object %s: maxEntries %s is above the model's %d", o.Path, entries(*d.MaxEntries), o.MaxEntries)
	}
	if d.MinEntries != nil && d.MaxEntries != nil && *d.MaxEntries != model.Unbounded && *d.MinEntries > *d.MaxEntries {
		c.add(d.Pos, 0, RuleDTEntries, o.Path, "object %s: minEntries %d is greater than maxEntries %d", o.Path, *d.MinEntries, *d.MaxEntries)
	}
}

// dtSyntax checks that the values a DT narrows a parameter to are values
// of the model's parameter.
func (c *linter) dtSyntax(dp *model.DTParam, p *model.Parameter, path string) {
	item := p.Syntax.Clone()
	item.List = nil
	for _, e := range dp.Syntax.Enums {
		if ve := model.CheckValue(&item, e.Value); ve != nil {
			c.add(orPos(e.Pos, dp.Pos), 0, RuleDTSyntax, path, "parameter %s: enumeration value %q is not a value of the model's parameter: %s", path, e.Value, ve.Msg)
		}
	}
	for _, r := range dp.Syntax.Ranges {
		for _, b := range []string{r.Min, r.Max} {
			if b == "" {
				continue
			}
			if ve := model.CheckValue(&item, b); ve != nil {
				c.add(orPos(r.Pos, dp.Pos), 0, RuleDTSyntax, path, "parameter %s: range bound %s is not a value of the model's parameter: %s", path, b, ve.Msg)
			}
		}
	}
}

func orPos(p, fallback model.Pos) model.Pos {
	if p.File == "" {
		return fallback
	}
	return p
}
