package lint_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/lint"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var wantRe = regexp.MustCompile(`<!-- want: ([a-z0-9, -]+) -->`)

// wants reads the "<!-- want: rule, rule -->" markers of a test file as
// "line rule" keys.
func wants(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		if m := wantRe.FindStringSubmatch(sc.Text()); m != nil {
			for _, r := range strings.Split(m[1], ",") {
				out[strconv.Itoa(line)+" "+strings.TrimSpace(r)] = true
			}
		}
	}
	return out
}

func opts(t testing.TB) lint.Options {
	return lint.Options{Includes: []string{testbbf.Require(t)}}
}

// TestPlantedFaults lints the vendor extension and the device-type
// document with planted faults: every fault is reported with its rule id
// on its line, and nothing else is reported.
func TestPlantedFaults(t *testing.T) {
	for _, name := range []string{"x-acme-faults.xml", "dt-faults.xml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			want := wants(t, path)
			if name == "x-acme-faults.xml" && len(want) < 12 {
				t.Fatalf("only %d planted faults", len(want))
			}
			fs := lint.LintFile(path, opts(t))
			got := map[string]bool{}
			for _, f := range fs {
				if f.File != path {
					t.Errorf("finding outside the linted file: %s", f)
					continue
				}
				key := strconv.Itoa(f.Line) + " " + f.Rule
				got[key] = true
				if !want[key] {
					t.Errorf("unexpected: %s", f)
				}
			}
			var missing []string
			for k := range want {
				if !got[k] {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			for _, k := range missing {
				t.Errorf("planted fault not reported: line %s", k)
			}
			if !lint.Failed(fs, false) {
				t.Errorf("planted faults do not fail the run")
			}
		})
	}
}

// TestCleanFiles: the clean vendor extension of Device:2.19 and the clean
// device-type document have no finding at all.
func TestCleanFiles(t *testing.T) {
	fs, failed := lint.Run([]string{filepath.Join("testdata", "x-acme-clean.xml"), filepath.Join("testdata", "dt-clean.xml")}, opts(t))
	for _, f := range fs {
		t.Errorf("unexpected: %s", f)
	}
	if failed {
		t.Errorf("clean files fail the run")
	}
}

// TestGoldenOutput pins the text and JSON renderings of the planted
// faults (rewrite with -update).
func TestGoldenOutput(t *testing.T) {
	path := filepath.Join("testdata", "x-acme-faults.xml")
	fs := lint.LintFile(path, opts(t))
	var text, js bytes.Buffer
	if err := lint.WriteText(&text, fs); err != nil {
		t.Fatal(err)
	}
	if err := lint.WriteJSON(&js, fs); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{{"x-acme-faults.txt", text.Bytes()}, {"x-acme-faults.json", js.Bytes()}} {
		golden := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(golden, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./lint -run TestGoldenOutput -update)", err)
		}
		if !bytes.Equal(want, g.got) {
			t.Errorf("%s differs from the output:\n%s", golden, g.got)
		}
	}
	// Text lines have the documented shape and are sorted.
	lineRe := regexp.MustCompile(`^testdata/x-acme-faults\.xml:(\d+)(:\d+)?: (error|warning|info): .+ \[[a-z0-9-]+\]$`)
	prev := 0
	for _, l := range strings.Split(strings.TrimSpace(text.String()), "\n") {
		m := lineRe.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("malformed line %q", l)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if n < prev {
			t.Errorf("not sorted by line: %q", l)
		}
		prev = n
	}
}

func TestJSONAndSARIF(t *testing.T) {
	fs := lint.LintFile(filepath.Join("testdata", "x-acme-faults.xml"), opts(t))
	var js bytes.Buffer
	if err := lint.WriteJSON(&js, fs); err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(fs) {
		t.Fatalf("JSON has %d findings, want %d", len(back), len(fs))
	}
	for _, k := range []string{"file", "line", "column", "severity", "rule", "path", "message"} {
		if _, ok := back[0][k]; !ok {
			t.Errorf("JSON finding lacks %q: %v", k, back[0])
		}
	}
	var empty bytes.Buffer
	_ = lint.WriteJSON(&empty, nil)
	if strings.TrimSpace(empty.String()) != "[]" {
		t.Errorf("no findings: JSON %q, want []", empty.String())
	}
	var sarif bytes.Buffer
	if err := lint.WriteSARIF(&sarif, fs, "test"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != len(fs) {
		t.Fatalf("SARIF log malformed: %+v", log)
	}
	run := log.Runs[0]
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("SARIF result %s has ruleIndex %d (%s)", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
	}
}

func TestFailedAndWerror(t *testing.T) {
	warn := []lint.Finding{{Severity: lint.Warning, Rule: lint.RuleNameCase}, {Severity: lint.Info, Rule: lint.RuleDeprecated}}
	if lint.Failed(warn, false) {
		t.Errorf("warnings fail without werror")
	}
	if !lint.Failed(warn, true) {
		t.Errorf("warnings do not fail with werror")
	}
	if lint.Failed(warn[1:], true) {
		t.Errorf("infos fail with werror")
	}
	if !lint.Failed([]lint.Finding{{Severity: lint.Error}}, false) {
		t.Errorf("an error does not fail")
	}
}

func TestLoadErrorIsAFinding(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "broken.xml")
	os.WriteFile(p, []byte("<dm:document xmlns:dm=\"urn:broadband-forum-org:cwmp:datamodel-1-14\">\n<model name=\"X:1.0\">\n</dm:document>\n"), 0o644)
	fs := lint.LintFile(p, lint.Options{})
	if len(fs) != 1 || fs[0].Rule != lint.RuleLoadError || fs[0].Line == 0 || fs[0].File != p {
		t.Fatalf("want one load-error finding with a line in %s, got %v", p, fs)
	}
	q := filepath.Join(dir, "importer.xml")
	os.WriteFile(q, []byte("<dm:document xmlns:dm=\"urn:broadband-forum-org:cwmp:datamodel-1-14\" spec=\"urn:example-com:i-1-0-0\">\n\n<import file=\"missing-1-0-0.xml\"/>\n</dm:document>\n"), 0o644)
	fs = lint.LintFile(q, lint.Options{})
	if len(fs) != 1 || fs[0].Rule != lint.RuleLoadError || fs[0].Line != 3 || fs[0].File != q {
		t.Fatalf("want one load-error finding at %s:3, got %v", q, fs)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range lint.Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(r.ID) || r.Rationale == "" ||
			(r.Severity != lint.Error && r.Severity != lint.Warning && r.Severity != lint.Info) {
			t.Errorf("malformed rule %+v", r)
		}
	}
}
