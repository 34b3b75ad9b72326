package diff_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadFile resolves the last model a file defines.
func loadFile(t testing.TB, path string, descriptions bool, search ...string) *model.Model {
	t.Helper()
	l := parser.NewLoader(search...)
	l.Descriptions = descriptions
	doc, err := l.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := doc.LastModel()
	if m == nil {
		t.Fatalf("%s defines no model", path)
	}
	return m
}

// loadBBF resolves a catalogue model ("Device:2.19") or a BBF file name
// ("tr-104-2-0-1-cwmp.xml") from the BBF directory.
func loadBBF(t testing.TB, name string) *model.Model {
	t.Helper()
	dir := testbbf.Require(t)
	file, want := name, ""
	if bbf.IsModelName(name) {
		e, err := bbf.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		file, want = e.File, e.Model
	}
	l := parser.NewLoader(dir)
	doc, err := l.LoadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	if want != "" {
		if m := doc.Model(want); m != nil {
			return m
		}
		t.Fatalf("%s does not define %s", file, want)
	}
	return doc.LastModel()
}

func rulesPair(t testing.TB, descriptions bool) (old, new *model.Model) {
	return loadFile(t, "testdata/rules/old.xml", descriptions), loadFile(t, "testdata/rules/new.xml", descriptions)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./diff -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (rerun with -update if intended); got:\n%s", name, firstLines(got, 40))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…\n")
	}
	return strings.Join(lines, "")
}

// TestRulesPair checks every change the hand-written pair produces, by
// path and rule id, and that together they exercise every rule.
func TestRulesPair(t *testing.T) {
	old, new := rulesPair(t, true)
	got := diff.Compare(old, new, diff.Options{Descriptions: true})
	want := []string{
		"Test.Reboot() command-added", "Test.Reset() command-removed", "Test.Wake! event-added", "Test.Boot! event-removed",
		"Test.Table2Count parameter-added",
		"Test.Added. object-added", "Test.Added.A parameter-added",
		"Test.Back. object-status-changed",
		"Test.Gone. object-removed", "Test.Gone.X parameter-removed",
		"Test.NewName. object-renamed", "Test.NewName.Limit parameter-renamed", "Test.NewName.Limit parameter-range-narrowed",
		"Test.NewName.Value parameter-renamed",
		"Test.NewName.Sub. object-renamed", "Test.NewName.Sub.P parameter-renamed",
		"Test.Obs. object-obsoleted", "Test.Opt. object-optional",
		"Test.Params.Code parameter-pattern-narrowed",
		"Test.Params.DA parameter-default-added", "Test.Params.DC parameter-default-changed", "Test.Params.DR parameter-default-removed",
		"Test.Params.RD parameter-readonly-default-changed", "Test.Params.Dep parameter-deprecated", "Test.Params.Desc parameter-description-changed",
		"Test.Params.Dropped parameter-removed", "Test.Params.FI parameter-forced-inform-changed",
		"Test.Params.Fresh parameter-added", "Test.Params.Host parameter-datatype-changed",
		"Test.Params.Ip parameter-pattern-changed", "Test.Params.Items parameter-list-changed",
		"Test.Params.Kind parameter-enum-introduced", "Test.Params.Label parameter-size-narrowed",
		"Test.Params.Level parameter-enum-lifted", "Test.Params.Mac parameter-pattern-widened",
		"Test.Params.Mode parameter-enum-added", "Test.Params.Mode parameter-enum-deprecated",
		"Test.Params.Mode parameter-enum-obsoleted", "Test.Params.Mode parameter-enum-removed",
		"Test.Params.Mode parameter-enum-status-changed", "Test.Params.Mode parameter-enum-description-changed",
		"Test.Params.NC parameter-notify-changed", "Test.Params.NR parameter-notify-restricted",
		"Test.Params.NewParam parameter-renamed", "Test.Params.Note parameter-size-widened",
		"Test.Params.Num parameter-type-changed", "Test.Params.Obs parameter-obsoleted",
		"Test.Params.Percent parameter-range-widened", "Test.Params.Port parameter-range-narrowed",
		"Test.Params.RO parameter-access-widened", "Test.Params.RW parameter-access-narrowed",
		"Test.Params.Ratio parameter-range-narrowed", "Test.Params.Ref parameter-reference-narrowed", "Test.Params.RefRO parameter-reference-changed",
		"Test.Params.Step parameter-range-widened", "Test.Params.Tags parameter-list-widened",
		"Test.Params.UA parameter-units-added", "Test.Params.UC parameter-units-changed",
		"Test.Params.UR parameter-units-removed", "Test.Params.Undep parameter-status-changed",
		"Test.Params.Vlans parameter-list-narrowed", "Test.Params.WO parameter-access-narrowed",
		"Test.Table.{i}. object-access-narrowed", "Test.Table.{i}. object-deprecated",
		"Test.Table.{i}. object-description-changed", "Test.Table.{i}. object-enable-parameter-changed",
		"Test.Table.{i}. object-entries-narrowed", "Test.Table.{i}. object-unique-key-added",
		"Test.Table2.{i}. object-access-widened", "Test.Table2.{i}. object-entries-widened",
		"Test.Table2.{i}. object-num-entries-parameter-changed", "Test.Table2.{i}. object-unique-key-implied",
		"Test.Table2.{i}. object-unique-key-removed", "Test.Table2.{i}. object-unique-key-removed",
		"Back:1 profile-status-changed", "Base:1 profile-description-changed",
		"Base:1 profile-requirement-added", "Base:1 profile-requirement-narrowed", "Base:1 profile-requirement-narrowed",
		"Base:1 profile-requirement-removed", "Base:1 profile-requirement-widened",
		"Dep:1 profile-deprecated", "Gone:1 profile-removed", "New:1 profile-added", "Obs:1 profile-obsoleted",
		"Del:1 profile-deleted",
		// Deleted is a status change, fixedObject and mountType changes.
		"Test.Del. object-deleted", "Test.Cmds.Gone parameter-deleted",
		"Test.Fixed.{i}. object-fixed-added", "Test.Unfixed.{i}. object-fixed-removed", "Test.Mount. object-mount-type-changed",
		// Commands, events and their arguments.
		"Test.Cmds.Dep() command-deprecated", "Test.Cmds.Obs() command-obsoleted", "Test.Cmds.Del() command-deleted",
		"Test.Cmds.Back() command-status-changed", "Test.Cmds.Flip() command-async-changed", "Test.Cmds.Desc() command-description-changed",
		"Test.Cmds.Dropped() command-removed", "Test.Cmds.Dropped().Input.A argument-removed",
		"Test.Cmds.Fresh() command-added", "Test.Cmds.Fresh().Input.A argument-added",
		"Test.Cmds.Args().Input.Back argument-status-changed", "Test.Cmds.Args().Input.Del argument-deleted",
		"Test.Cmds.Args().Input.Dep argument-deprecated", "Test.Cmds.Args().Input.Obs argument-obsoleted",
		"Test.Cmds.Args().Input.NowMandatory argument-mandatory-narrowed", "Test.Cmds.Args().Input.NowOptional argument-mandatory-widened",
		"Test.Cmds.Args().Input.Optional argument-added", "Test.Cmds.Args().Input.Required argument-mandatory-added",
		"Test.Cmds.Args().Input.Range argument-syntax-changed", "Test.Cmds.Args().Input.Removed argument-removed",
		"Test.Cmds.Args().Input.Type argument-type-changed",
		"Test.Cmds.Args().Output.NoLongerMandatory argument-mandatory-narrowed", "Test.Cmds.Args().Output.Rows.{i}. argument-syntax-changed",
		"Test.Cmds.Dep! event-deprecated", "Test.Cmds.Obs! event-obsoleted", "Test.Cmds.Del! event-deleted",
		"Test.Cmds.Back! event-status-changed", "Test.Cmds.Desc! event-description-changed", "Test.Cmds.Ev!.Old argument-removed",
	}
	var gotKeys []string
	for _, c := range got {
		gotKeys = append(gotKeys, c.Path+" "+c.Rule)
	}
	sort.Strings(want)
	sort.Strings(gotKeys)
	if strings.Join(gotKeys, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes differ\n--- got ---\n%s\n--- want ---\n%s", strings.Join(gotKeys, "\n"), strings.Join(want, "\n"))
	}

	// Unchanged in meaning, so not reported: [1:10] vs [1:5],[6:10];
	// a list default "" vs "[]"; a renamed item in a profile; a
	// description that differs only in white space (Test.Cmds.).
	for _, c := range got {
		for _, quiet := range []string{"Test.Params.Split", "Test.Params.LD", "NewParam readOnly", "Test.Cmds."} {
			if c.Path == quiet || strings.Contains(c.Old+c.New, quiet) && c.Kind == diff.KindProfile {
				t.Errorf("unexpected change %+v", c)
			}
		}
	}

	used := map[string]bool{}
	for _, c := range got {
		used[c.Rule] = true
		if c.Class != diff.ClassOf(c.Rule) || c.Class == "" {
			t.Errorf("%s %s: class %q, catalogue says %q", c.Path, c.Rule, c.Class, diff.ClassOf(c.Rule))
		}
		if c.Message == "" {
			t.Errorf("%s %s: no message", c.Path, c.Rule)
		}
	}
	for _, r := range diff.Rules() {
		if !used[r.ID] {
			t.Errorf("rule %s is not exercised by testdata/rules", r.ID)
		}
	}
}

func TestRulesCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range diff.Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		seen[r.ID] = true
		if !strings.HasPrefix(r.ID, string(r.Kind)+"-") {
			t.Errorf("rule %s: id does not start with its kind %s", r.ID, r.Kind)
		}
		switch r.Class {
		case diff.Breaking, diff.Compatible, diff.Info:
		default:
			t.Errorf("rule %s: bad class %q", r.ID, r.Class)
		}
		if r.Meaning == "" {
			t.Errorf("rule %s: no meaning", r.ID)
		}
	}
}

func TestDescriptionsOffByDefault(t *testing.T) {
	old, new := rulesPair(t, true)
	for _, c := range diff.Compare(old, new, diff.Options{}) {
		if strings.HasSuffix(c.Rule, "-description-changed") {
			t.Errorf("description change reported without Options.Descriptions: %+v", c)
		}
	}
}

func TestNoRenames(t *testing.T) {
	old, new := rulesPair(t, false)
	got := map[string]bool{}
	for _, c := range diff.Compare(old, new, diff.Options{NoRenames: true}) {
		if strings.HasSuffix(c.Rule, "-renamed") {
			t.Errorf("rename reported with NoRenames: %+v", c)
		}
		got[c.Path+" "+c.Rule] = true
	}
	for _, want := range []string{"Test.OldName. object-removed", "Test.NewName. object-added", "Test.OldName.Sub.P parameter-removed",
		"Test.NewName.Sub.P parameter-added", "Test.Params.OldParam parameter-removed", "Test.Params.NewParam parameter-added"} {
		if !got[want] {
			t.Errorf("missing %s", want)
		}
	}
}

// TestDeterministic: the same inputs give the same output, byte for byte.
func TestDeterministic(t *testing.T) {
	old, new := rulesPair(t, true)
	var first string
	for i := 0; i < 5; i++ {
		var b bytes.Buffer
		if err := diff.WriteJSON(&b, diff.Compare(old, new, diff.Options{Descriptions: true})); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b.String()
		} else if b.String() != first {
			t.Fatal("output differs between runs")
		}
	}
}

func TestRulesPairGolden(t *testing.T) {
	old, new := rulesPair(t, true)
	plain := diff.Compare(old, new, diff.Options{})
	withDesc := diff.Compare(old, new, diff.Options{Descriptions: true})
	cases := []struct {
		name, format string
		changes      []diff.Change
	}{
		{"rules.table.golden", "table", plain},
		{"rules.md.golden", "markdown", plain},
		{"rules.json.golden", "json", plain},
		{"rules.html.golden", "html", plain},
		{"rules.descriptions.table.golden", "table", withDesc},
		{"rules.descriptions.json.golden", "json", withDesc},
		{"rules.breaking.table.golden", "table", diff.Filter(plain, diff.Breaking)},
	}
	for _, c := range cases {
		var b bytes.Buffer
		r := &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: c.changes}
		if err := diff.Write(&b, c.format, r); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		golden(t, c.name, b.String())
	}
}

func TestEmptyReport(t *testing.T) {
	old, _ := rulesPair(t, false)
	for _, f := range diff.Formats {
		var b bytes.Buffer
		if err := diff.Write(&b, f, &diff.Report{Old: "A", New: "B"}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if f == "json" && strings.TrimSpace(b.String()) != "[]" {
			t.Errorf("json of no changes = %q, want []", b.String())
		}
	}
	if cs := diff.Compare(old, old, diff.Options{Descriptions: true}); len(cs) != 0 {
		t.Errorf("diff(A, A) = %v", cs)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	old, new := rulesPair(t, false)
	var b bytes.Buffer
	r := &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: diff.Compare(old, new, diff.Options{})}
	if err := diff.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script src", "<link ", "http://", "https://", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML page is not self-contained: contains %q", bad)
		}
	}
	if !strings.Contains(page, "<style>") || !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Error("HTML page lacks doctype or inline style")
	}
}

// bbfPairs are the consecutive BBF versions the golden tests cover.
var bbfPairs = []struct{ name, old, new string }{
	{"tr-181-2.17-2.18", "Device:2.17", "Device:2.18"},
	{"tr-181-2.18-2.19", "Device:2.18", "Device:2.19"},
	// The USP variants (tr-181-2-18-1-usp.xml → tr-181-2-19-1-usp.xml):
	// commands, events and their arguments too.
	{"tr-181-2.18-2.19-usp", "Device:2.18-usp", "Device:2.19-usp"},
	{"tr-098-1.7-1.8", "InternetGatewayDevice:1.13", "InternetGatewayDevice:1.14"},
	// The modular TR-104 2.0.1 and 2.0.2 files both import tr-104-2-common.xml
	// by a spec URN without corrigendum, which resolves to the same (latest)
	// common file for both; the flattened -full files differ as published.
	// They define the same model (0 changes, descriptions included), so
	// the corrigendum before it is diffed as well.
	{"tr-104-2.0.1-2.0.2", "tr-104-2-0-1-cwmp-full.xml", "tr-104-2-0-2-cwmp-full.xml"},
	{"tr-104-2.0.0-2.0.1", "tr-104-2-0-0-full.xml", "tr-104-2-0-1-cwmp-full.xml"},
}

// TestBBFGolden diffs consecutive BBF versions (markdown: one line per
// change; values only, no description text).
func TestBBFGolden(t *testing.T) {
	for _, p := range bbfPairs {
		t.Run(p.name, func(t *testing.T) {
			old, new := loadBBF(t, p.old), loadBBF(t, p.new)
			cs := diff.Compare(old, new, diff.Options{})
			n := diff.Count(cs)
			t.Logf("%s → %s: %d changes: %d breaking, %d compatible, %d info", p.old, p.new, n.Total, n.Breaking, n.Compatible, n.Info)
			var b bytes.Buffer
			if err := diff.WriteMarkdown(&b, &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs}); err != nil {
				t.Fatal(err)
			}
			golden(t, p.name+".md.golden", b.String())
		})
	}
}

// TestVendorExtension diffs a BBF model against a vendor model built on
// it: only the vendor's additions and refinements show.
func TestVendorExtension(t *testing.T) {
	dir := testbbf.Require(t)
	old := loadBBF(t, "Device:2.19")
	new := loadFile(t, "testdata/vendor/acme-device.xml", false, dir)
	cs := diff.Compare(old, new, diff.Options{})
	var b bytes.Buffer
	if err := diff.WriteTable(&b, &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs}); err != nil {
		t.Fatal(err)
	}
	golden(t, "vendor.table.golden", b.String())
}
