package parser

import (
	"strconv"

	"github.com/dmforge/dmforge/model"
)

// deviceType reads a DT document: its imports (which give the model it
// declares support for) and its object and parameter declarations. The
// declarations are checked against the model by lint, not here.
func (r *resolver) deviceType(d *doc) error {
	dt := &model.DeviceType{File: d.File, Spec: d.root.get("deviceType"), Pos: d.pos(d.root)}
	if dt.Spec == "" {
		dt.Spec = d.Spec
	}
	d.DeviceType = dt
	for _, c := range d.root.Children {
		switch c.Tag {
		case "import":
			if err := r.importElem(d, c); err != nil {
				return err
			}
		case "model":
			if err := r.importModels(d); err != nil {
				return err
			}
			dt.ModelRef = c.get("ref")
			dt.Pos = d.pos(c)
			dt.Model = d.models[dt.ModelRef]
			if dt.Model == nil {
				return d.errf(c, "device type declares model %s, which no import provides", dt.ModelRef)
			}
			cx := &ctx{d: d}
			for _, oc := range c.Children {
				switch oc.Tag {
				case "object":
					o, err := r.dtObject(cx, oc)
					if err != nil {
						return err
					}
					dt.Objects = append(dt.Objects, o)
				case "parameter", "annotation", "description":
				default:
					r.l.warn(d.pos(oc), oc.Col, "unknown-element", "unknown element <%s> in device-type <model> ignored", oc.Tag)
				}
			}
		case "annotation", "description", "features", "feature", "dataType", "bibliography":
		default:
			r.l.warn(d.pos(c), c.Col, "unknown-element", "unknown element <%s> in device-type <document> ignored", c.Tag)
		}
	}
	return nil
}

func (r *resolver) dtObject(c *ctx, n *node) (*model.DTObject, error) {
	d := c.d
	o := &model.DTObject{Path: n.get("ref"), Access: n.get("access"), Pos: d.pos(n)}
	if o.Path == "" {
		return nil, d.errRule(n, "attr-invalid", "device-type object without ref")
	}
	for _, attr := range []string{"minEntries", "maxEntries"} {
		v, ok := n.attr(attr)
		if !ok {
			continue
		}
		x := model.Unbounded
		if v != "unbounded" {
			var err error
			if x, err = strconv.Atoi(v); err != nil || x < 0 {
				return nil, d.errRule(n, "attr-invalid", "object %s: %s %q is not a non-negative integer or unbounded", o.Path, attr, v)
			}
		}
		if attr == "minEntries" {
			o.MinEntries = &x
		} else {
			o.MaxEntries = &x
		}
	}
	for _, pc := range n.Children {
		if pc.Tag != "parameter" {
			continue
		}
		p := &model.DTParam{Name: pc.get("ref"), Access: model.Access(pc.get("access")), Pos: d.pos(pc)}
		for _, sc := range pc.Children {
			if sc.Tag == "syntax" {
				s, err := r.syntax(c, sc)
				if err != nil {
					return nil, err
				}
				p.Syntax = &s
			}
		}
		o.Params = append(o.Params, p)
	}
	return o, nil
}
