package diff_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
)

// TestMarkdownSummaryFitsAComment: the review summary of TR-181 2.18 →
// 2.19 (CWMP and USP) fits a GitHub comment (65,536 characters), lists
// every breaking change, counts every rule, and keeps the compatible and
// info changes in <details> sections.
func TestMarkdownSummaryFitsAComment(t *testing.T) {
	for _, p := range [][2]string{{"Device:2.18", "Device:2.19"}, {"Device:2.18-usp", "Device:2.19-usp"}} {
		t.Run(p[1], func(t *testing.T) {
			old, new := loadBBF(t, p[0]), loadBBF(t, p[1])
			cs := diff.Compare(old, new, diff.Options{})
			var b bytes.Buffer
			if err := diff.Write(&b, "markdown", &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs}); err != nil {
				t.Fatal(err)
			}
			md := b.String()
			n := utf8.RuneCountInString(md)
			var full bytes.Buffer
			if err := diff.Write(&full, "markdown", &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: cs, Full: true}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d changes: summary %d characters (%d bytes), full listing %d bytes", len(cs), n, len(md), full.Len())
			if n >= diff.CommentLimit {
				t.Errorf("summary is %d characters, a comment holds %d", n, diff.CommentLimit)
			}
			if full.Len() <= diff.CommentLimit {
				t.Errorf("full listing is only %d bytes: the summary proves nothing", full.Len())
			}
			breaking := md[strings.Index(md, "### Breaking changes"):strings.Index(md, "<details>")]
			for _, c := range diff.Filter(cs, diff.Breaking) {
				if !strings.Contains(breaking, "`"+c.Path+"` | `"+c.Rule+"`") {
					t.Errorf("breaking change %s %s not listed", c.Path, c.Rule)
				}
			}
			count := map[string]int{}
			for _, c := range cs {
				count[c.Rule]++
			}
			for rule, k := range count {
				if !regexp.MustCompile("\\| `" + regexp.QuoteMeta(rule) + "` \\| [^|]+ \\| " + strconv.Itoa(k) + " \\|").MatchString(md) {
					t.Errorf("rule %s: count %d not in the table", rule, k)
				}
			}
			if strings.Count(md, "<details>") != 2 || strings.Count(md, "</details>") != 2 {
				t.Errorf("want two <details> sections (compatible, info)")
			}
			// Every compatible and info change's item is named (grouped by
			// object), unless the summary had to cut.
			if !strings.Contains(md, "more lines not shown") {
				for _, c := range cs {
					if c.Class == diff.Breaking {
						continue
					}
					// The item as the summary names it: relative to its
					// object (an argument to its command's or event's).
					name := c.Path
					switch c.Kind {
					case diff.KindObject, diff.KindProfile:
					case diff.KindArgument:
						owner := argOwner.FindString(c.Path)
						name = strings.TrimPrefix(c.Path, model.ParentPath(owner[:len(owner)-1]))
					default:
						name = strings.TrimPrefix(c.Path, model.ParentPath(c.Path))
					}
					if !strings.Contains(md, "`"+name+"`") {
						t.Errorf("%s (%s) not named", c.Path, c.Rule)
					}
				}
			}
		})
	}
}

var argOwner = regexp.MustCompile(`^.*?(\(\)|!)\.`)

// TestMarkdownSummaryCuts: however many changes, the summary stays under
// the limit and says how much it left out.
func TestMarkdownSummaryCuts(t *testing.T) {
	var cs []diff.Change
	for i := 0; i < 6000; i++ {
		for _, c := range []struct {
			rule  string
			class diff.Class
		}{{diff.ParamRangeNarrowed, diff.Breaking}, {diff.ParamAdded, diff.Compatible}, {diff.ParamUnitsAdded, diff.Info}} {
			cs = append(cs, diff.Change{Path: fmt.Sprintf("Device.Vendor%d.{i}.Parameter%d", i, i), Kind: diff.KindParameter, Rule: c.rule, Class: c.class, Old: "[0:100]", New: "[0:50]", Message: "m"})
		}
	}
	var b bytes.Buffer
	if err := diff.WriteMarkdownSummary(&b, &diff.Report{Old: "A", New: "B", Changes: cs}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if n := utf8.RuneCountInString(md); n >= diff.CommentLimit {
		t.Errorf("summary of %d changes is %d characters", len(cs), n)
	}
	if strings.Count(md, "more lines not shown") != 3 {
		t.Errorf("want each of the three sections cut and saying so:\n%s", md[len(md)-2000:])
	}
	if !strings.Contains(md, "| `parameter-range-narrowed` | **breaking** | 6000 |") || !strings.HasSuffix(md, "--full`.\n") {
		t.Error("counts or footer missing")
	}
}

func rulesReport(t *testing.T) *diff.Report {
	old, new := rulesPair(t, false)
	return &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: diff.Compare(old, new, diff.Options{}),
		NewModel: new, Files: map[string]string{"new.xml": "diff/testdata/rules/new.xml"}}
}

// TestAnnotationGoldens: SARIF and GitHub annotations of the hand-written
// pair, and each annotation's line is the line of new.xml that defines
// (or, for an item gone, holds) the changed item.
func TestAnnotationGoldens(t *testing.T) {
	r := rulesReport(t)
	for _, f := range []string{"sarif", "github"} {
		var b bytes.Buffer
		if err := diff.Write(&b, f, r); err != nil {
			t.Fatal(err)
		}
		golden(t, "rules."+f+".golden", b.String())
	}
	src, err := os.ReadFile("testdata/rules/new.xml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for _, c := range r.Changes {
		loc := diff.Locate(r.NewModel, c, r.Files)
		if loc.File != "diff/testdata/rules/new.xml" || loc.Line < 1 || loc.Line > len(lines) {
			t.Errorf("%s %s: located at %+v", c.Path, c.Rule, loc)
			continue
		}
		l := lines[loc.Line-1]
		if c.Rule == diff.ProfileRemoved {
			// Nothing of a removed profile is left: the model it was in.
			if !strings.Contains(l, `<model name="Test:1.1"`) {
				t.Errorf("%s %s: line %d: %s", c.Path, c.Rule, loc.Line, l)
			}
			continue
		}
		if !namesSome(l, c.Path) {
			t.Errorf("%s %s: line %d names none of its path's items: %s", c.Path, c.Rule, loc.Line, strings.TrimSpace(l))
		}
	}
}

// namesSome reports whether an XML line defines or refines an item named
// by one of path's segments ("Test.Table.{i}.Alias" → Alias, Table, Test).
func namesSome(line, path string) bool {
	for _, seg := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' }) {
		if seg == "{i}" || seg == "Input" || seg == "Output" {
			continue
		}
		for _, attr := range []string{"name", "base"} {
			if regexp.MustCompile(attr + `="[^"]*\b` + regexp.QuoteMeta(seg) + `[.]?(\{i\}\.)?"`).MatchString(line) {
				return true
			}
		}
	}
	return false
}

// TestAnnotateVendorFile: annotations of a vendor extension against the
// BBF model it extends name the vendor file by the path given and the
// line of each added or refined item.
func TestAnnotateVendorFile(t *testing.T) {
	dir := testbbf.Require(t)
	old := loadBBF(t, "Device:2.19")
	new := loadFile(t, "testdata/vendor/acme-device.xml", false, dir)
	r := &diff.Report{Old: diff.Label(old), New: diff.Label(new), Changes: diff.Compare(old, new, diff.Options{}),
		NewModel: new, Files: map[string]string{"acme-device.xml": "vendor/acme-device.xml"}}
	var b bytes.Buffer
	if err := diff.WriteGitHub(&b, r); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // path → "level line"
		"Device.DeviceInfo.X_ACME_BootCount":             "notice 12",
		"Device.X_ACME_Fan.":                             "notice 14",
		"Device.X_ACME_Fan.Speed":                        "notice 15",
		"Device.X_ACME_Fan.Mode":                         "notice 16",
		"Device.ManagementServer.PeriodicInformInterval": "error 19", // the base= refinement, not the BBF definition
	}
	got := map[string]string{}
	re := regexp.MustCompile(`^::(\w+) file=vendor/acme-device\.xml,line=(\d+),title=[^:]+::(\S+): `)
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("annotation not in the expected form: %s", l)
			continue
		}
		got[m[3]] = m[1] + " " + m[2]
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: annotation %q, want %q", p, got[p], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d annotations, want %d:\n%s", len(got), len(want), b.String())
	}
}

// TestSARIFStructure checks the SARIF log against the SARIF 2.1.0
// schema's requirements for what dmforge writes (the schema itself is
// not available offline here): version, $schema, a driver with unique
// rule ids, each result's ruleId and ruleIndex naming the same rule, a
// level the schema allows, a message, and a location with a relative
// URI and a start line.
func TestSARIFStructure(t *testing.T) {
	var b bytes.Buffer
	if err := diff.WriteSARIF(&b, rulesReport(t)); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
						Properties map[string]string `json:"properties"` // a SARIF property bag
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
						Kind               string `json:"kind"`
					} `json:"logicalLocations"`
				} `json:"locations"`
				Properties map[string]string `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.HasSuffix(log.Schema, "sarif-2.1.0.json") || len(log.Runs) != 1 {
		t.Fatalf("log header: %q %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	ids := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || ids[r.ID] || r.ShortDescription.Text == "" || !levels[r.DefaultConfiguration.Level] {
			t.Errorf("rule %+v", r)
		}
		ids[r.ID] = true
	}
	if run.Tool.Driver.Name == "" || len(ids) != len(diff.Rules()) {
		t.Errorf("driver %q with %d rules, want %d", run.Tool.Driver.Name, len(ids), len(diff.Rules()))
	}
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	for _, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d", r.RuleID, r.RuleIndex)
		}
		if !levels[r.Level] || r.Message.Text == "" || len(r.Locations) != 1 {
			t.Errorf("result %+v", r)
			continue
		}
		l := r.Locations[0]
		if l.PhysicalLocation.ArtifactLocation.URI != "diff/testdata/rules/new.xml" || l.PhysicalLocation.Region.StartLine < 1 ||
			len(l.LogicalLocations) != 1 || l.LogicalLocations[0].FullyQualifiedName == "" {
			t.Errorf("result %s: location %+v", r.RuleID, l)
		}
		if wantLevel := map[diff.Class]string{diff.Breaking: "error", diff.Compatible: "note", diff.Info: "note"}[diff.ClassOf(r.RuleID)]; r.Level != wantLevel {
			t.Errorf("result %s: level %s, want %s", r.RuleID, r.Level, wantLevel)
		}
	}
}
