package gen_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

var (
	reportModelsMu sync.Mutex
	reportModels   = map[string]*model.Model{}
)

// reportModel resolves a catalogue model with its descriptions (once per
// test binary).
func reportModel(t testing.TB, name string) *model.Model {
	t.Helper()
	reportModelsMu.Lock()
	defer reportModelsMu.Unlock()
	if m := reportModels[name]; m != nil {
		return m
	}
	dir := testbbf.Require(t)
	e, err := bbf.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	l := parser.NewLoader(dir)
	l.Descriptions = true
	doc, err := l.LoadFile(filepath.Join(dir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model(e.Model)
	if m == nil {
		t.Fatalf("%s does not define %s", e.File, e.Model)
	}
	reportModels[name] = m
	return m
}

func writeReport(t testing.TB, m *model.Model, opts gen.ReportOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := gen.WriteReport(&b, m, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	htmlID   = regexp.MustCompile(`\sid="([^"]*)"`)
	htmlHref = regexp.MustCompile(`\shref="#([^"]*)"`)
)

// checkHTMLLinks asserts that every internal link of a report page names
// an id the page has, that ids are unique, and that every path of the
// model has its anchor. It returns the number of internal links.
func checkHTMLLinks(t *testing.T, page string, m *model.Model) int {
	t.Helper()
	ids := map[string]bool{}
	for _, s := range htmlID.FindAllStringSubmatch(page, -1) {
		id := html.UnescapeString(s[1])
		if ids[id] {
			t.Errorf("id %q twice", id)
		}
		ids[id] = true
	}
	links := htmlHref.FindAllStringSubmatch(page, -1)
	broken := 0
	for _, s := range links {
		// Browsers percent-decode a fragment before looking for its id
		// (html/template encodes "{i}" in href attributes).
		target, err := url.PathUnescape(html.UnescapeString(s[1]))
		if err != nil || !ids[target] {
			if broken++; broken <= 10 {
				t.Errorf("link to #%s: no such id", target)
			}
		}
	}
	if broken > 0 {
		t.Errorf("%d of %d internal links broken", broken, len(links))
	}
	missing := 0
	check := func(path string) {
		if !ids[path] {
			if missing++; missing <= 10 {
				t.Errorf("no anchor for %s", path)
			}
		}
	}
	for _, o := range m.Objects {
		if o.Path != "" {
			check(o.Path)
		}
		for _, p := range o.Params {
			check(p.Path())
		}
		for _, c := range o.Commands {
			check(c.Path(o))
			c.Input.Each(func(rel string, _ *model.Object, _ *model.Parameter) { check(c.Path(o) + ".Input." + rel) })
			c.Output.Each(func(rel string, _ *model.Object, _ *model.Parameter) { check(c.Path(o) + ".Output." + rel) })
		}
		for _, e := range o.Events {
			check(o.Path + e.Name)
			e.Args.Each(func(rel string, _ *model.Object, _ *model.Parameter) { check(o.Path + e.Name + "." + rel) })
		}
	}
	for _, p := range m.Profiles {
		check("profile-" + p.Name)
	}
	for n := range m.DataTypes {
		check("type-" + n)
	}
	return len(links)
}

// TestReportHTMLLinks renders the HTML report of TR-181 2.19, CWMP and
// USP, and checks every internal link and every path's anchor; the
// descriptions' references ({{param|…}}, {{object|…}}) mostly resolve.
func TestReportHTMLLinks(t *testing.T) {
	for _, name := range []string{"Device:2.19", "Device:2.19-usp"} {
		t.Run(name, func(t *testing.T) {
			m := reportModel(t, name).WithoutDeleted()
			page := writeReport(t, m, gen.ReportOptions{Format: "html"})
			n := checkHTMLLinks(t, page, m)
			// Links from descriptions: the code of a reference that
			// resolved. References that do not resolve are code alone.
			linked := strings.Count(page, `"><code>`)
			plain := strings.Count(page, "<code>") - linked
			t.Logf("%s: %d bytes, %d internal links, %d code spans linked, %d not", name, len(page), n, linked, plain)
			if n < 10000 {
				t.Errorf("only %d internal links", n)
			}
			for _, s := range []string{"<!DOCTYPE html>", `<nav aria-label="Contents">`, `id="Device.WiFi.Radio.{i}.Channel"`, `href="#type-IPAddress"`, "</html>"} {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			if strings.Contains(page, "{{") {
				i := strings.Index(page, "{{")
				t.Errorf("unexpanded template in the page: %q", page[max(0, i-80):min(len(page), i+80)])
			}
		})
	}
}

// TestReportHTMLLinksOtherModels: the same checks on the other standard
// models (TR-098 in the older one-paragraph-per-line markup, the service
// models with their {i} roots).
func TestReportHTMLLinksOtherModels(t *testing.T) {
	for _, name := range []string{"InternetGatewayDevice:1.14", "VoiceService:2.0-usp", "STBService:1.4", "FAPService:2.1-usp"} {
		t.Run(name, func(t *testing.T) {
			m := reportModel(t, name).WithoutDeleted()
			page := writeReport(t, m, gen.ReportOptions{Format: "html"})
			if n := checkHTMLLinks(t, page, m); n < 500 {
				t.Errorf("only %d internal links", n)
			}
		})
	}
}

// TestReportDiffMarks renders 2.19 with --diff 2.18: every change of
// diff.Compare is shown once, at the item it concerns or in the list of
// items the report no longer has.
func TestReportDiffMarks(t *testing.T) {
	oldM, newM := reportModel(t, "Device:2.18"), reportModel(t, "Device:2.19")
	changes := diff.Compare(oldM, newM, diff.Options{})
	page := writeReport(t, newM.WithoutDeleted(), gen.ReportOptions{Format: "html", Old: oldM, OldLabel: "Device:2.18", Changes: changes})
	checkHTMLLinks(t, page, newM.WithoutDeleted())
	shown := strings.Count(page, `<div><code>`)           // one per change in an item's note
	removedRows := strings.Count(page, `<tr class="chg-`) // one per change of an item that is gone
	if shown+removedRows != len(changes) {
		t.Errorf("%d changes marked at items + %d listed as gone = %d, want %d", shown, removedRows, shown+removedRows, len(changes))
	}
	n := diff.Count(changes)
	if want := fmt.Sprintf("%d changes: %d breaking, %d compatible, %d info.", n.Total, n.Breaking, n.Compatible, n.Info); !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
	if shown == 0 || removedRows == 0 {
		t.Errorf("marked %d, gone %d: 2.18 → 2.19 has both", shown, removedRows)
	}
	t.Logf("%d changes: %d at items, %d gone", len(changes), shown, removedRows)
}

// headingText is the plain text of a heading, as GitHub slugs it.
func headingText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch x := c.(type) {
			case *ast.Text:
				b.Write(x.Segment.Value(src))
			case *ast.String:
				b.Write(x.Value)
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// TestReportMarkdown renders the Markdown reports of TR-181 2.19 (CWMP
// and USP, and USP with the changes since 2.18 marked), parses each with
// goldmark (CommonMark + GitHub tables) and checks its structure: one
// title, no skipped heading levels, a heading per object, parameter,
// command, event and argument, and every internal link naming a
// heading's GitHub anchor. Then markdownlint (markdownlint-cli, which
// .ci/run installs) lints the three with testdata/markdownlint.json; the
// README says why that config disables or narrows the rules it does.
// Without markdownlint the lint is skipped, unless
// DMFORGE_REQUIRE_MARKDOWNLINT=1 (CI), which makes it fail.
func TestReportMarkdown(t *testing.T) {
	reports := []struct {
		name, model, old string
	}{
		{"Device:2.19", "Device:2.19", ""},
		{"Device:2.19-usp", "Device:2.19-usp", ""},
		{"Device:2.19-usp --diff Device:2.18-usp", "Device:2.19-usp", "Device:2.18-usp"},
	}
	dir := t.TempDir()
	var files []string
	for i, r := range reports {
		m := reportModel(t, r.model).WithoutDeleted()
		opts := gen.ReportOptions{Format: "markdown"}
		if r.old != "" {
			opts.Old, opts.OldLabel = reportModel(t, r.old), r.old
		}
		md := writeReport(t, m, opts)
		t.Run(r.name, func(t *testing.T) {
			if r.old != "" && (!strings.Contains(md, "\n> **Changed:** `") || !strings.Contains(md, "[Changes since Device:2.18-usp](#changes-since-device218-usp)")) {
				t.Error("the report does not mark the changes since 2.18")
			}
			checkMarkdownReport(t, md, m)
		})
		f := filepath.Join(dir, fmt.Sprintf("report-%d.md", i))
		if err := os.WriteFile(f, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}

	bin, err := exec.LookPath("markdownlint")
	if err != nil {
		if os.Getenv("DMFORGE_REQUIRE_MARKDOWNLINT") == "1" {
			t.Fatal("DMFORGE_REQUIRE_MARKDOWNLINT=1 and no markdownlint on PATH (npm install -g markdownlint-cli@0.45.0)")
		}
		t.Skip("no markdownlint installed (npm install -g markdownlint-cli@0.45.0): checked with goldmark only")
	}
	cfg, err := filepath.Abs(filepath.Join("testdata", "markdownlint.json"))
	if err != nil {
		t.Fatal(err)
	}
	lint := func(files ...string) ([]byte, error) {
		cmd := exec.Command(bin, append([]string{"-c", cfg}, files...)...)
		cmd.Dir = dir // no .markdownlint.json of the repository's
		return cmd.CombinedOutput()
	}
	// The config must leave the linter something to find: a second
	// title, a bare URL and a "*" list after a "-" one are three findings.
	bad := filepath.Join(dir, "bad.md")
	if err := os.WriteFile(bad, []byte("# One\n\n# Two\n\nSee https://example.com.\n\n- a\n\n* b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := lint(bad)
	for _, rule := range []string{"MD025", "MD034", "MD004"} {
		if err == nil || !strings.Contains(string(out), rule) {
			t.Errorf("markdownlint -c %s passes %s's %s: %v\n%s", cfg, bad, rule, err, out)
		}
	}
	if out, err := lint(files...); err != nil {
		t.Errorf("markdownlint -c %s (%s): %v\n%.5000s", cfg, strings.Join(files, ", "), err, out)
	}
}

// checkMarkdownReport checks a Markdown report's structure (see
// TestReportMarkdown).
func checkMarkdownReport(t *testing.T, md string, m *model.Model) {
	t.Helper()
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(text.NewReader(src))
	slugs := map[string]bool{}
	seen := map[string]int{}
	headings := map[string]int{} // text → level
	h1, last := 0, 0
	var links []string
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Heading:
			txt := headingText(x, src)
			if x.Level == 1 {
				h1++
			}
			if last > 0 && x.Level > last+1 {
				t.Errorf("heading %q (level %d) after level %d", txt, x.Level, last)
			}
			last = x.Level
			headings[txt] = x.Level
			s := gen.GitHubSlug(txt)
			if k := seen[s]; k > 0 {
				seen[s] = k + 1
				s = fmt.Sprintf("%s-%d", s, k)
			} else {
				seen[s] = 1
			}
			slugs[s] = true
		case *ast.Link:
			if d := string(x.Destination); strings.HasPrefix(d, "#") {
				links = append(links, d[1:])
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if h1 != 1 {
		t.Errorf("%d level-1 headings", h1)
	}
	broken := 0
	for _, l := range links {
		if !slugs[l] {
			if broken++; broken <= 10 {
				t.Errorf("link to #%s: no heading has that anchor", l)
			}
		}
	}
	if broken > 0 || len(links) < 10000 {
		t.Errorf("%d of %d internal links broken", broken, len(links))
	}
	want := func(path string, level int) {
		if headings[path] != level {
			t.Errorf("heading %q: level %d, want %d", path, headings[path], level)
		}
	}
	for _, o := range m.Objects {
		want(o.Path, 3)
		for _, p := range o.Params {
			want(p.Path(), 4)
		}
		for _, c := range o.Commands {
			want(c.Path(o), 4)
			c.Input.Each(func(rel string, _ *model.Object, _ *model.Parameter) { want(c.Path(o)+".Input."+rel, 5) })
		}
		for _, e := range o.Events {
			want(o.Path+e.Name, 4)
		}
	}
	t.Logf("%d bytes, %d headings, %d internal links", len(md), len(headings), len(links))
}

// TestReportChromium opens the HTML report of TR-181 2.19 in headless
// Chromium: no console errors or exceptions, and every internal link's
// target found by the browser's own getElementById.
func TestReportChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("DMFORGE_REQUIRE_CHROMIUM") == "" {
			t.Skip("chromium not installed (set DMFORGE_REQUIRE_CHROMIUM=1 to fail instead)")
		}
		t.Fatal("chromium not installed and DMFORGE_REQUIRE_CHROMIUM is set")
	}
	m := reportModel(t, "Device:2.19").WithoutDeleted()
	page := writeReport(t, m, gen.ReportOptions{Format: "html", Old: reportModel(t, "Device:2.18"), OldLabel: "Device:2.18"})
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()

	var mu sync.Mutex
	var problems []string
	listenTarget(t, ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href^="#"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	broken, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('a[href^="#"]')).filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))).length`))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	if title != "Device:2.19 data model" {
		t.Errorf("title %q", title)
	}
	if broken != 0 || links < 10000 {
		t.Errorf("%d of %d internal links have no target in the browser", broken, links)
	}
	t.Logf("chromium: %q, %d internal links, all resolve; %d console problems", title, links, len(problems))
}

// BenchmarkReportHTML renders the HTML report of TR-181 2.19.1 (the
// model resolved once, with descriptions).
func BenchmarkReportHTML(b *testing.B) {
	m := reportModel(b, "Device:2.19").WithoutDeleted()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := gen.WriteReport(io.Discard, m, gen.ReportOptions{Format: "html"}); err != nil {
			b.Fatal(err)
		}
	}
	// The process's CPU time (user + system) per report: on a machine
	// shared with other work ns/op is wall time, which the others inflate.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestReportGolden renders the hand-written widget model (every kind of
// item, descriptions using the markup) in both formats.
func TestReportGolden(t *testing.T) {
	l := parser.NewLoader()
	l.Descriptions = true
	doc, err := l.LoadFile("testdata/report/widget.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := doc.LastModel()
	for _, f := range []string{"html", "markdown"} {
		got := writeReport(t, m, gen.ReportOptions{Format: f})
		if f == "html" {
			checkHTMLLinks(t, got, m)
		}
		p := filepath.Join("testdata", "report", "widget."+f+".golden")
		if *update {
			if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s report differs from %s (rerun with -update if intended)", f, p)
		}
	}
}

// listenTarget listens to the tab's events (chromedp.Listen starts the
// browser if needed).
func listenTarget(t *testing.T, ctx context.Context, fn func(ev any)) {
	t.Helper()
	if err := chromedp.Listen(ctx, fn); err != nil {
		t.Fatalf("listening to the browser: %v", err)
	}
}
