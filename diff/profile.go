package diff

import "github.com/dmforge/dmforge/model"

// profiles reports profiles added, removed and changed. A profile's
// requirements are compared expanded (with everything its base and
// extends bring), item by item.
func (c *comparer) profiles() {
	names := map[string]bool{}
	for _, p := range c.old.Profiles {
		names[p.Name] = true
	}
	for _, p := range c.new.Profiles {
		names[p.Name] = true
	}
	for _, name := range sortedKeys(names) {
		op, np := c.old.Profile(name), c.new.Profile(name)
		switch {
		case op == nil:
			c.add(name, KindProfile, ProfileAdded, "", name, "profile added")
			continue
		case np == nil:
			c.add(name, KindProfile, ProfileRemoved, name, "", "profile removed")
			continue
		}
		c.status(name, KindProfile, op.Status, np.Status, ProfileDeprecated, ProfileObsoleted, ProfileDeleted, ProfileStatusChanged)
		if c.opts.Descriptions && !sameText(op.Description, np.Description) {
			c.add(name, KindProfile, ProfileDescriptionChanged, op.Description, np.Description, "description changed")
		}
		oreq, nreq := c.requirements(c.old, name), c.requirements(c.new, name)
		items := map[string]bool{}
		for k := range oreq {
			items[k] = true
		}
		for k := range nreq {
			items[k] = true
		}
		for _, item := range sortedKeys(items) {
			o, n := oreq[item], nreq[item]
			switch {
			case o == n:
			case o == "":
				c.add(name, KindProfile, ProfileRequirementAdded, "", item+" "+n, "profile now requires "+item)
			case n == "":
				c.add(name, KindProfile, ProfileRequirementRemoved, item+" "+o, "", "profile no longer requires "+item)
			default:
				ro, rn := reqRank(model.Requirement(o)), reqRank(model.Requirement(n))
				if rn > ro && !(ro == 2 && rn == 2) {
					c.add(name, KindProfile, ProfileRequirementWiden, item+" "+o, item+" "+n, "profile requires more of "+item)
				} else {
					c.add(name, KindProfile, ProfileRequirementNarrow, item+" "+o, item+" "+n, "profile requires less of "+item)
				}
			}
		}
	}
}

// requirements returns the expanded requirements of a profile keyed by
// item path (objects end in ".", parameters do not, commands end in "()",
// events in "!"). Items a NEW model renamed are keyed by their NEW path so
// that a rename is not reported again here.
func (c *comparer) requirements(m *model.Model, name string) map[string]string {
	exp, err := m.ExpandProfile(name)
	if err != nil {
		exp = map[string]*model.ProfileObject{}
		if p := m.Profile(name); p != nil {
			for _, o := range p.Objects {
				exp[o.Path] = o
			}
		}
	}
	isOld := m == c.old
	out := map[string]string{}
	for path, po := range exp {
		op := path
		if isOld {
			if np, ok := c.mapOldObject(path); ok {
				op = np
			}
		}
		if po.Requirement != "" && po.Requirement != model.ReqNotSpecified || len(po.Params) == 0 {
			out[op] = string(orNotSpecified(po.Requirement))
		}
		for _, it := range po.Params {
			key := op + it.Name
			if isOld {
				if np, ok := c.paramRename[path+it.Name]; ok {
					key = np
				}
			}
			out[key] = string(it.Requirement)
		}
		for _, it := range po.Commands {
			out[op+it.Name] = string(it.Requirement)
		}
		for _, it := range po.Events {
			out[op+it.Name] = string(it.Requirement)
		}
	}
	return out
}

func orNotSpecified(r model.Requirement) model.Requirement {
	if r == "" {
		return model.ReqNotSpecified
	}
	return r
}

// reqRank orders requirements by how much they guarantee an ACS. create
// and delete are both rank 2: a change between them is neither wider nor
// narrower, and is reported as narrowed (something is taken away).
func reqRank(r model.Requirement) int {
	switch r {
	case model.ReqNotSpecified, "":
		return 0
	case model.ReqPresent, model.ReqReadOnly:
		return 1
	case model.ReqWriteOnceReadOnly:
		return 2
	case model.ReqCreate, model.ReqDelete:
		return 2
	case model.ReqCreateDelete, model.ReqReadWrite:
		return 3
	}
	return 0
}
