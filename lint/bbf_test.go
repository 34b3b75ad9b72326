package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/lint"
)

// wrappedRe finds the rule a bbf-erratum or test-model-unresolved
// finding wraps.
var wrappedRe = regexp.MustCompile(`\(([a-z-]+)(, in test model [^)]*)?\)$`)

// TestLintEveryBBFFile lints every root and component DM file the BBF
// publishes: none may have an error. Warnings and infos are counted by
// rule and logged (run with -v to see the tally).
func TestLintEveryBBFFile(t *testing.T) {
	dir := testbbf.Require(t)
	files, _ := filepath.Glob(filepath.Join(dir, "tr-*.xml"))
	if len(files) < 400 {
		t.Fatalf("found only %d BBF files in %s", len(files), dir)
	}
	results := make([][]lint.Finding, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = lint.LintFile(files[i], lint.Options{Includes: []string{dir}})
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	tally := map[string]int{}
	filesWith := map[string]map[string]bool{}
	for i, fs := range results {
		for _, f := range fs {
			key := string(f.Severity) + " " + f.Rule
			if m := wrappedRe.FindStringSubmatch(f.Message); m != nil && (f.Rule == lint.RuleBBFErratum || f.Rule == lint.RuleTestModelUnresolved) {
				key += " (" + m[1] + ")"
			}
			tally[key]++
			if filesWith[key] == nil {
				filesWith[key] = map[string]bool{}
			}
			filesWith[key][filepath.Base(files[i])] = true
			if f.Severity == lint.Error {
				t.Errorf("%s", f)
			}
		}
	}
	var keys []string
	for k := range tally {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-50s %6d findings in %3d files", k, tally[k], len(filesWith[k]))
	}
	t.Logf("linted %d BBF files:%s", len(files), b.String())
}

// TestCWMPCommandsOnRealUSPFile: the BBF's flattened USP TR-104 model,
// presented as a CWMP file, breaks the rule once per command and event
// it defines; under its own name it is clean of the rule.
func TestCWMPCommandsOnRealUSPFile(t *testing.T) {
	dir := testbbf.Require(t)
	src := filepath.Join(dir, "tr-104-2-0-2-usp-full.xml")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Count(string(data), "<command name=") + strings.Count(string(data), "<event name=")
	if want == 0 {
		t.Fatalf("%s defines no command or event", src)
	}
	count := func(fs []lint.Finding) int {
		n := 0
		for _, f := range fs {
			if f.Rule == lint.RuleCWMPCommand {
				n++
			}
		}
		return n
	}
	if n := count(lint.LintFile(src, lint.Options{Includes: []string{dir}})); n != 0 {
		t.Errorf("%s: %d cwmp-command findings in the USP file", filepath.Base(src), n)
	}
	renamed := filepath.Join(t.TempDir(), "tr-104-2-0-2-cwmp-full.xml")
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := count(lint.LintFile(renamed, lint.Options{Includes: []string{dir}})); n != want {
		t.Errorf("as a CWMP file: %d cwmp-command findings, want %d (one per command and event)", n, want)
	}
}
