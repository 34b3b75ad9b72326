package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// ProfilePlan generates a plan from a model's profiles: one case per
// profile (with everything it inherits through base and extends), that
// applies when the device declares the profile or the run selects it, and
// checks that each object and parameter the profile requires exists with
// at least the access it requires, and that the values the device
// reports conform to the model (model.CheckValue). Deleted and obsoleted
// profiles are left out.
func ProfilePlan(m *model.Model) (*Plan, error) {
	p := &Plan{Name: "profiles-" + m.Name, Version: "1.0", Title: "Profiles of " + m.Name}
	for _, prof := range m.Profiles {
		if st := prof.Status.OrCurrent(); st == model.Deleted || st == model.Obsoleted {
			continue
		}
		objs, err := m.ExpandProfile(prof.Name)
		if err != nil {
			return nil, fmt.Errorf("profile %s of %s: %w", prof.Name, m.Name, err)
		}
		var reqs []Requirement
		paths := make([]string, 0, len(objs))
		for path := range objs {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		for _, path := range paths {
			o := objs[path]
			if st := o.Status.OrCurrent(); st == model.Deleted || st == model.Obsoleted {
				continue
			}
			if o.Requirement != model.ReqNotSpecified && o.Requirement != "" {
				reqs = append(reqs, Requirement{Path: path, Object: true, Access: o.Requirement})
			}
			for _, it := range o.Params {
				if st := it.Status.OrCurrent(); st == model.Deleted || st == model.Obsoleted {
					continue
				}
				reqs = append(reqs, Requirement{Path: path + strings.TrimSpace(it.Name), Access: it.Requirement})
			}
		}
		if len(reqs) == 0 {
			continue
		}
		// Some BBF files name a profile with a trailing space.
		name := strings.TrimSpace(prof.Name)
		p.Cases = append(p.Cases, Case{ID: "profile." + name, Area: "profile",
			Purpose:   fmt.Sprintf("The device meets profile %s of %s: every object and parameter it requires exists with at least the required access, and the values conform", name, m.Name),
			Refs:      []string{m.Name + " profile " + name, "TR-106 Amendment 8 §2.4 (profiles)", "TR-106 Amendment 8 §3.2 (data types and value rules)"},
			Condition: Condition{Kind: IfProfile, Value: name},
			Steps:     []Step{{Op: OpProfile, Requirements: reqs}}})
	}
	if len(p.Cases) == 0 {
		return nil, fmt.Errorf("%s defines no profiles", m.Name)
	}
	return p, p.Validate()
}

// tree is the stored view of a device, indexed for profile checks.
type tree struct {
	byName map[string]Parameter
	names  []string // sorted
}

func newTree(ps []Parameter) *tree {
	t := &tree{byName: make(map[string]Parameter, len(ps))}
	for _, p := range ps {
		t.byName[p.Name] = p
		t.names = append(t.names, p.Name)
	}
	slices.Sort(t.names)
	return t
}

// instances lists the instance objects ("X.3.") of a table prefix ("X.").
func (t *tree) instances(table string) []string {
	var out []string
	i, _ := slices.BinarySearch(t.names, table)
	for ; i < len(t.names) && strings.HasPrefix(t.names[i], table); i++ {
		rest := t.names[i][len(table):]
		seg, tail, ok := strings.Cut(rest, ".")
		if ok && tail == "" && seg != "" && strings.Trim(seg, "0123456789") == "" {
			out = append(out, t.names[i])
		}
	}
	return out
}

// expand turns a schema path into the concrete paths the device has
// instances for ("Device.IP.Interface.{i}.Enable" → one per stored
// interface); a table path ("….{i}.") stands for its table object.
func (t *tree) expand(path string) []string {
	path = strings.TrimSuffix(path, "{i}.")
	parts := strings.Split(path, "{i}.")
	prefixes := []string{parts[0]}
	for _, part := range parts[1:] {
		var next []string
		for _, p := range prefixes {
			for _, inst := range t.instances(p) {
				next = append(next, inst+part)
			}
		}
		prefixes = next
	}
	return prefixes
}

// hiddenValue reports whether a parameter's value is one a CPE returns
// empty (passwords and keys: TR-106 hidden parameters).
func hiddenValue(name string) bool {
	leaf := name[strings.LastIndexByte(name, '.')+1:]
	for _, s := range []string{"Password", "Key", "Passphrase", "PSK", "Secret"} {
		if strings.Contains(leaf, s) {
			return true
		}
	}
	return false
}

func (r *Runner) profileStep(ctx context.Context, s *Step) *failure {
	if !r.refreshed {
		// Once per run: the ACS reads the device's tree again (names,
		// then values), so that the checks see what the device has now.
		r.refreshed = true
		body, _ := json.Marshal(map[string]any{"name": "refreshObject", "objectName": r.dev.Root})
		out, err := r.Driver.Task(ctx, body, true, 4*r.Options.stepTimeout())
		if err != nil || out.Status != "done" {
			r.refreshErr = fmt.Sprintf("reading the device's tree again: task %s %d %s %v", out.Status, out.FaultCode, out.FaultString, err)
		}
	}
	if r.refreshErr != "" {
		return &failure{skip: r.refreshErr}
	}
	stored, err := r.Driver.Parameters(ctx, r.dev.Root)
	if err != nil {
		return &failure{skip: "the ACS's stored tree is unreadable: " + err.Error()}
	}
	if len(stored) == 0 {
		return &failure{skip: "the ACS has not discovered the device's tree"}
	}
	t := newTree(stored)
	var problems []string
	var firstParent string
	checked := 0
	note := func(parent, msg string) {
		if firstParent == "" {
			firstParent = parent
		}
		problems = append(problems, msg)
	}
	for _, req := range s.Requirements {
		path := req.Path
		if !strings.HasPrefix(path, r.dev.Root) {
			path = r.dev.Root + "Services." + path // a service model's profile
		}
		for _, c := range t.expand(path) {
			checked++
			p, ok := t.byName[c]
			if !ok {
				note(model.ParentPath(c), fmt.Sprintf("%s absent (required %s)", c, req.Access))
				continue
			}
			writable := p.Writable != nil && *p.Writable
			switch req.Access {
			case model.ReqReadWrite:
				if p.Writable != nil && !writable {
					note(model.ParentPath(c), c+" read-only (required readWrite)")
				}
			case model.ReqCreate, model.ReqCreateDelete:
				if req.Object && strings.HasSuffix(req.Path, "{i}.") && p.Writable != nil && !writable {
					note(model.ParentPath(c), c+" does not allow AddObject (required "+string(req.Access)+")")
				}
			}
			if req.Object || !p.HasValue {
				continue
			}
			e, ok := r.Driver.Lookup(c)
			if !ok || e.Object || e.Syntax == nil || p.Value == "" && hiddenValue(c) {
				continue
			}
			if err := model.CheckValue(e.Syntax, p.Value); err != nil {
				note(model.ParentPath(c), fmt.Sprintf("%s = %q: %s [%s]", c, p.Value, err.Msg, err.Rule))
			}
		}
	}
	if checked == 0 {
		return &failure{na: "the device has no instance of any object the profile requires"}
	}
	if len(problems) == 0 {
		return nil
	}
	// The evidence: the device's own answer for the first place found
	// wanting (the stored tree comes from the discovery's exchange).
	if firstParent != "" {
		for firstParent != r.dev.Root {
			if _, ok := t.byName[firstParent]; ok || firstParent == "" {
				break
			}
			firstParent = model.ParentPath(firstParent)
		}
		if firstParent == "" {
			firstParent = r.dev.Root
		}
		body, _ := json.Marshal(map[string]any{"name": "getParameterNames", "parameterPath": firstParent, "nextLevel": true})
		_, _ = r.Driver.Task(ctx, body, false, r.Options.stepTimeout())
	}
	obs := strings.Join(problems[:min(len(problems), 20)], "; ")
	if len(problems) > 20 {
		obs += fmt.Sprintf("; and %d more", len(problems)-20)
	}
	return &failure{expected: fmt.Sprintf("%d required items present with their access, values conforming", len(s.Requirements)), observed: obs}
}
