package lint_test

import (
	"fmt"
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
