package markup_test

import (
	"encoding/xml"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/markup"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// bbfRoots are root files of each standard model family, in both styles
// of markup (TR-098 and TR-181 2.17 mostly one paragraph per line, 2.19
// wrapped).
var bbfRoots = []string{
	"tr-181-2-19-1-usp.xml",
	"tr-181-2-17-0-cwmp.xml",
	"tr-098-1-8-0.xml",
	"tr-104-2-0-2-usp.xml",
	"tr-135-1-4-1-usp.xml",
	"tr-196-2-1-2-usp.xml",
}

type described struct {
	where string // file and item, for messages
	text  string
}

var (
	bbfOnce  sync.Once
	bbfDescs []described
	bbfErr   error
)

// bbfDescriptions returns every description of the bbfRoots' models: data
// types, objects, parameters, enumeration values, commands, events and
// their arguments, profiles.
func bbfDescriptions(t testing.TB) []described {
	dir := testbbf.Require(t)
	bbfOnce.Do(func() {
		for _, f := range bbfRoots {
			l := parser.NewLoader(dir)
			l.Descriptions = true
			doc, err := l.LoadFile(filepath.Join(dir, f))
			if err != nil {
				bbfErr = err
				return
			}
			m := doc.LastModel()
			add := func(where, s string) {
				if s != "" {
					bbfDescs = append(bbfDescs, described{f + ": " + where, s})
				}
			}
			add(m.Name, m.Description)
			names := make([]string, 0, len(m.DataTypes))
			for n := range m.DataTypes {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				add("dataType "+n, m.DataTypes[n].Description)
			}
			var params func(prefix string, ps []*model.Parameter)
			params = func(prefix string, ps []*model.Parameter) {
				for _, p := range ps {
					add(prefix+p.Name, p.Description)
					for _, e := range p.Syntax.Enums {
						add(prefix+p.Name+" enum "+e.Value, e.Description)
					}
				}
			}
			for _, o := range m.Objects {
				add(o.Path, o.Description)
				params(o.Path, o.Params)
				for _, c := range o.Commands {
					add(o.Path+c.Name, c.Description)
					params(o.Path+c.Name+" in ", c.Input.Params)
					params(o.Path+c.Name+" out ", c.Output.Params)
					for _, ao := range append(append([]*model.Object(nil), c.Input.Objects...), c.Output.Objects...) {
						add(o.Path+c.Name+" "+ao.Path, ao.Description)
						params(o.Path+c.Name+" "+ao.Path, ao.Params)
					}
				}
				for _, e := range o.Events {
					add(o.Path+e.Name, e.Description)
					params(o.Path+e.Name+" ", e.Args.Params)
				}
			}
			for _, p := range m.Profiles {
				add("profile "+p.Name, p.Description)
			}
		}
	})
	if bbfErr != nil {
		t.Fatal(bbfErr)
	}
	return bbfDescs
}

// checkDoc asserts what holds for every parse: templates point at their
// "{{" in the source, renderings do not panic, HTML is well-formed, no
// template the renderer knows is left as written in the text.
func checkDoc(t testing.TB, where, desc string) *markup.Doc {
	t.Helper()
	d := markup.Parse(desc)
	lines := strings.Split(desc, "\n")
	for _, tp := range d.Templates() {
		if tp.Pos.Line < 1 || tp.Pos.Line > len(lines) || tp.Pos.Col < 1 || tp.Pos.Col > len(lines[tp.Pos.Line-1]) ||
			!strings.HasPrefix(lines[tp.Pos.Line-1][tp.Pos.Col-1:], "{{") {
			t.Fatalf("%s: template %s at %s does not point at its source:\n%s", where, tp.Raw, tp.Pos, desc)
		}
	}
	for _, p := range d.Problems {
		if p.Pos.Line < 1 || p.Pos.Line > len(lines) {
			t.Fatalf("%s: problem %+v outside the description", where, p)
		}
	}
	h := d.HTML(nil)
	if !xmlText(desc) {
		// Not something an XML file can hold (descriptions come out of
		// one): only check that rendering does not fail.
		_, _ = d.Markdown(nil), d.Text(nil)
		return d
	}
	dec := xml.NewDecoder(strings.NewReader("<div>" + h + "</div>"))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: HTML not well-formed: %v\n%s\n---\n%s", where, err, desc, h)
		}
	}
	_ = d.Markdown(nil)
	_ = d.Text(nil)
	return d
}

// xmlText reports whether s could be the text of an XML element.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func TestBBFDescriptions(t *testing.T) {
	descs := bbfDescriptions(t)
	count := map[string]int{}
	problems := map[string]int{}
	legacy := 0
	for _, ds := range descs {
		d := checkDoc(t, ds.where, ds.text)
		if d.Legacy {
			legacy++
		}
		for _, tp := range d.Templates() {
			count[tp.Text]++
		}
		for _, p := range d.Problems {
			problems[p.Kind]++
		}
		// Every template the BBF uses is one Default knows: none is
		// rendered as written.
		if txt := d.Text(nil); strings.Contains(txt, "{{") {
			for _, tp := range d.Templates() {
				if strings.Contains(txt, tp.Raw) {
					t.Errorf("%s: template %s not expanded", ds.where, tp.Raw)
				}
			}
		}
	}
	if len(descs) < 20000 {
		t.Errorf("only %d descriptions read from %v", len(descs), bbfRoots)
	}
	for _, name := range []string{"param", "object", "bibref", "enum", "deprecated", "obsoleted", "datatype", "list", "reference", "numentries", "empty", "units", "hidden"} {
		if count[name] == 0 {
			t.Errorf("no {{%s}} found in %v", name, bbfRoots)
		}
	}
	if legacy == 0 || legacy == len(descs) {
		t.Errorf("%d of %d descriptions in the legacy style; want both styles", legacy, len(descs))
	}
	t.Logf("%d descriptions, %d legacy style; templates %v; problems %v", len(descs), legacy, count, problems)
}

// TestBBFListsAndVerbatim checks the structure the parser finds in the
// 2.19 descriptions against what the lines say: every line that starts
// with a list marker is an item, every item's text starts on its line.
func TestBBFListsAndVerbatim(t *testing.T) {
	var items, verbatim int
	for _, ds := range bbfDescriptions(t) {
		if !strings.HasPrefix(ds.where, "tr-181-2-19") {
			continue
		}
		d := markup.Parse(ds.text)
		lines := strings.Split(ds.text, "\n")
		d.Walk(func(b *markup.Block) {
			switch b.Kind {
			case markup.List:
				for _, it := range b.Items {
					l := strings.TrimLeft(lines[it.Pos.Line-1], " \t")
					if !strings.HasPrefix(l, it.Marker) {
						t.Errorf("%s: item %q at line %d: %q", ds.where, it.Marker, it.Pos.Line, l)
					}
					items++
				}
			case markup.Verbatim:
				if !strings.HasPrefix(lines[b.Pos.Line-1], "  ") {
					t.Errorf("%s: verbatim block at unindented line %d", ds.where, b.Pos.Line)
				}
				verbatim++
			}
		})
	}
	if items < 500 || verbatim < 5 {
		t.Errorf("2.19: %d list items, %d verbatim blocks; want many of both", items, verbatim)
	}
	t.Logf("2.19: %d list items, %d verbatim blocks", items, verbatim)
}

// FuzzParse: hand-written seeds in testdata/fuzz, and at test time the
// BBF's own descriptions that the parser finds problems in or that nest
// templates (read from ../shared/bbf, never committed).
func FuzzParse(f *testing.F) {
	if testbbf.Dir() != "" {
		for _, ds := range bbfDescriptions(f) {
			d := markup.Parse(ds.text)
			nested := false
			for _, tp := range d.Templates() {
				if strings.Count(tp.Raw, "{{") > 1 {
					nested = true
				}
			}
			if len(d.Problems) > 0 || nested && len(ds.text) < 2000 {
				f.Add(ds.text)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDoc(t, "fuzz", s)
	})
}
