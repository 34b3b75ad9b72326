package diff_test

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/model"
)

// paths lists a model's objects, parameters, commands, events and their
// arguments, as `dmforge show --all --format paths` does (a service
// model's pseudo-object "" is not listed).
func paths(m *model.Model) map[string]bool {
	out := map[string]bool{}
	for _, o := range m.Objects {
		if o.Path != "" {
			out[o.Path] = true
		}
		for _, p := range o.Params {
			out[p.Path()] = true
		}
		for _, c := range o.Commands {
			out[c.Path(o)] = true
			argPaths(out, c.Path(o)+".Input.", &c.Input)
			argPaths(out, c.Path(o)+".Output.", &c.Output)
		}
		for _, e := range o.Events {
			out[o.Path+e.Name] = true
			argPaths(out, o.Path+e.Name+".", &e.Args)
		}
	}
	return out
}

func argPaths(out map[string]bool, prefix string, a *model.Args) {
	a.Each(func(rel string, _ *model.Object, _ *model.Parameter) { out[prefix+rel] = true })
}

// ownerObject returns the object path of a command, event or argument
// path ("X.Y." of "X.Y.Ping().Input.Host"), or "" for other paths.
func ownerObject(p string) string {
	i := strings.IndexAny(p, "(!")
	if i < 0 {
		return ""
	}
	return p[:strings.LastIndexByte(p[:i], '.')+1]
}

func minus(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// checkSets verifies the set property of diff(a, b):
//
//	removed ∪ renamed-from = paths(a) \ paths(b)
//	added   ∪ renamed-to   = paths(b) \ paths(a)
//
// where removed/added/renamed are the object, parameter, command, event
// and argument changes with rules *-removed, *-added and *-renamed (a
// rename's Old is the path it had in a, its Path the one it has in b;
// the commands and events of a renamed object move with it). With
// renames off, the renamed sets are empty and the property is the plain
// set difference. Items whose status became deleted are in both sets of
// paths: a deletion is a status change, not a removal.
func checkSets(t *testing.T, label string, a, b *model.Model, opts diff.Options) {
	t.Helper()
	gone, fresh := map[string]bool{}, map[string]bool{}
	pa, pb := paths(a), paths(b)
	for _, c := range diff.Compare(a, b, opts) {
		switch {
		case c.Rule == diff.ObjectRemoved || c.Rule == diff.ParamRemoved || c.Rule == diff.CommandRemoved || c.Rule == diff.EventRemoved || c.Rule == diff.ArgRemoved:
			if gone[c.Path] {
				t.Errorf("%s: %s removed twice", label, c.Path)
			}
			gone[c.Path] = true
		case c.Rule == diff.ObjectAdded || c.Rule == diff.ParamAdded || c.Rule == diff.CommandAdded || c.Rule == diff.EventAdded ||
			c.Rule == diff.ArgAdded || c.Rule == diff.ArgMandatoryAdded:
			if fresh[c.Path] {
				t.Errorf("%s: %s added twice", label, c.Path)
			}
			fresh[c.Path] = true
		case c.Rule == diff.ObjectRenamed || c.Rule == diff.ParamRenamed:
			if opts.NoRenames {
				t.Errorf("%s: rename with NoRenames: %+v", label, c)
			}
			gone[c.Old] = true
			fresh[c.Path] = true
			if c.Rule == diff.ObjectRenamed {
				for p := range pa {
					if ownerObject(p) == c.Old {
						gone[p] = true
						fresh[c.Path+strings.TrimPrefix(p, c.Old)] = true
					}
				}
			}
		}
	}
	if got, want := keys(gone), minus(pa, pb); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: removed ∪ renamed-from (%d) ≠ paths(A) \\ paths(B) (%d)\n%s", label, len(got), len(want), setDiff(got, want))
	}
	if got, want := keys(fresh), minus(pb, pa); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: added ∪ renamed-to (%d) ≠ paths(B) \\ paths(A) (%d)\n%s", label, len(got), len(want), setDiff(got, want))
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func setDiff(got, want []string) string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range want {
		w[s] = true
	}
	var b strings.Builder
	for _, s := range minus(g, w) {
		b.WriteString("  extra   " + s + "\n")
	}
	for _, s := range minus(w, g) {
		b.WriteString("  missing " + s + "\n")
	}
	return b.String()
}

func checkProperty(t *testing.T, label string, a, b *model.Model) {
	t.Helper()
	if cs := diff.Compare(a, a, diff.Options{Descriptions: true}); len(cs) != 0 {
		t.Errorf("%s: diff(A, A) has %d changes, first %+v", label, len(cs), cs[0])
	}
	if cs := diff.Compare(b, b, diff.Options{Descriptions: true}); len(cs) != 0 {
		t.Errorf("%s: diff(B, B) has %d changes, first %+v", label, len(cs), cs[0])
	}
	checkSets(t, label, a, b, diff.Options{})
	checkSets(t, label+" (no renames)", a, b, diff.Options{NoRenames: true})
	checkSets(t, label+" (reversed)", b, a, diff.Options{})
}

// TestPropertyPairs checks the properties on the hand-written pair and on
// consecutive BBF versions.
func TestPropertyPairs(t *testing.T) {
	old, new := rulesPair(t, true)
	checkProperty(t, "rules", old, new)
	for _, p := range bbfPairs {
		checkProperty(t, p.name, loadBBF(t, p.old), loadBBF(t, p.new))
	}
	// USP pairs beyond the golden ones: commands, events and arguments.
	for _, p := range [][2]string{{"Device:2.15-usp", "Device:2.16-usp"}, {"Device:2.16-usp", "Device:2.17-usp"}, {"tr-104-2-0-1-usp-full.xml", "VoiceService:2.0-usp"}} {
		checkProperty(t, p[0]+"→"+p[1], loadBBF(t, p[0]), loadBBF(t, p[1]))
	}
}

// TestPropertyRandom checks the properties on random variants of a real
// model: objects and parameters dropped, added, and renamed with hints.
func TestPropertyRandom(t *testing.T) {
	base := loadBBF(t, "Device:2.19")
	seeds := 20
	if testing.Short() {
		seeds = 3
	}
	for seed := 1; seed <= seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		a := mutate(base, r)
		b := mutate(base, r)
		checkProperty(t, fmt.Sprintf("seed %d", seed), a, b)
	}
}

// mutate returns a copy of m with about 5% of objects (and so their
// subtrees' parameters, unless a descendant object survives) and 5% of
// parameters dropped, some objects and parameters renamed with a
// previousObject/previousParameter hint, and some added.
func mutate(m *model.Model, r *rand.Rand) *model.Model {
	out := model.NewModel(m.Name)
	out.File = m.File
	for _, o := range m.Objects {
		if o.Path != "" && r.Intn(20) == 0 {
			continue
		}
		path := o.Path
		prev := ""
		if o.Path != "" && r.Intn(50) == 0 {
			path = strings.TrimSuffix(strings.TrimSuffix(o.Path, "."), ".{i}") + "X"
			if o.IsTable() {
				path += ".{i}."
			} else {
				path += "."
			}
			prev = o.Path
		}
		if out.Object(path) != nil {
			continue
		}
		no := model.NewObject(path)
		no.Access, no.MinEntries, no.MaxEntries, no.Status = o.Access, o.MinEntries, o.MaxEntries, o.Status
		no.UniqueKeys, no.EnableParameter, no.NumEntriesParameter = o.UniqueKeys, o.EnableParameter, o.NumEntriesParameter
		no.PreviousObject = prev
		if err := out.AddObject(no); err != nil {
			panic(err)
		}
		for _, p := range o.Params {
			if r.Intn(20) == 0 {
				continue
			}
			np := p.Clone()
			np.PreviousParameter = ""
			if r.Intn(50) == 0 {
				np.PreviousParameter = np.Name
				np.Name += "X"
			}
			if no.Param(np.Name) != nil {
				continue
			}
			if err := no.AddParam(np); err != nil {
				panic(err)
			}
		}
		if r.Intn(30) == 0 {
			_ = no.AddParam(&model.Parameter{Name: fmt.Sprintf("New%d", r.Intn(1000)), Access: model.ReadOnly, Syntax: model.Syntax{Type: model.TypeString}})
		}
	}
	return out
}
