package diff

import (
	"strings"

	"github.com/dmforge/dmforge/model"
)

// Location is where a change stands in the newer model's files.
type Location struct {
	File string // as Report.Files maps it, else the defining file's name
	Line int    // 0 when unknown
}

// Locate returns where the item a change is about is written in the
// NEW model: its last base= refinement if it has one (what a vendor file
// changed), else its definition; for an item NEW no longer has, its
// closest surviving parent object; the model's own position as a last
// resort. files maps a defining file's name to the path to print
// ("acme-device.xml" → "vendor/acme-device.xml").
func Locate(m *model.Model, c Change, files map[string]string) Location {
	pos := locatePos(m, c)
	if pos.File == "" {
		pos = m.Pos
		if pos.File == "" {
			pos.File = m.File
		}
	}
	file := pos.File
	if p, ok := files[file]; ok {
		file = p
	}
	return Location{File: file, Line: pos.Line}
}

func lastPos(def model.Pos, refined []model.Refinement) model.Pos {
	if n := len(refined); n > 0 && refined[n-1].Pos.File != "" {
		return refined[n-1].Pos
	}
	return def
}

func locatePos(m *model.Model, c Change) model.Pos {
	switch c.Kind {
	case KindProfile:
		if p := m.Profile(c.Path); p != nil {
			return p.Pos
		}
		return model.Pos{}
	case KindObject:
		if o := m.Object(c.Path); o != nil {
			return lastPos(o.Pos, o.Refined)
		}
	case KindParameter:
		if p := m.Parameter(c.Path); p != nil {
			return lastPos(p.Pos, p.Refined)
		}
	case KindCommand, KindEvent:
		if o := m.Object(model.ParentPath(c.Path)); o != nil {
			name := strings.TrimPrefix(c.Path, o.Path)
			if cmd := o.Command(name); cmd != nil {
				return cmd.Pos
			}
			if ev := o.Event(name); ev != nil {
				return ev.Pos
			}
		}
	case KindArgument:
		if pos, ok := argumentPos(m, c.Path); ok {
			return pos
		}
		// The argument is gone: its command or event, if that is not.
		owner := commandOrEventPath(c.Path)
		if o := m.Object(model.ParentPath(owner)); o != nil {
			name := strings.TrimPrefix(owner, o.Path)
			if cmd := o.Command(name); cmd != nil {
				return cmd.Pos
			}
			if ev := o.Event(name); ev != nil {
				return ev.Pos
			}
		}
	}
	// Gone from NEW: the closest object that is not.
	for p := model.ParentPath(c.Path); p != ""; p = model.ParentPath(p) {
		if o := m.Object(p); o != nil {
			return lastPos(o.Pos, o.Refined)
		}
	}
	return model.Pos{}
}

// argumentPos finds a command or event argument by its full path
// ("X.Ping().Input.Host", "X.Boot!.Cause", "X.Ping().Output.Hops.{i}.").
func argumentPos(m *model.Model, path string) (model.Pos, bool) {
	owner := commandOrEventPath(path)
	o := m.Object(model.ParentPath(owner))
	if o == nil {
		return model.Pos{}, false
	}
	name := strings.TrimPrefix(owner, o.Path)
	rel := strings.TrimPrefix(path[len(owner):], ".")
	var args *model.Args
	if cmd := o.Command(name); cmd != nil {
		switch {
		case strings.HasPrefix(rel, "Input."):
			args, rel = &cmd.Input, strings.TrimPrefix(rel, "Input.")
		case strings.HasPrefix(rel, "Output."):
			args, rel = &cmd.Output, strings.TrimPrefix(rel, "Output.")
		}
	} else if ev := o.Event(name); ev != nil {
		args = &ev.Args
	}
	if args == nil {
		return model.Pos{}, false
	}
	if strings.HasSuffix(rel, ".") {
		if ao := args.Object(rel); ao != nil {
			return ao.Pos, true
		}
		return model.Pos{}, false
	}
	if p := args.Lookup(rel); p != nil {
		return p.Pos, true
	}
	return model.Pos{}, false
}
