package lint_test

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/lint"
)

// ruleOf is the rule a finding counts for: the wrapped rule of a
// bbf-erratum finding.
func ruleOf(f lint.Finding) string {
	if f.Rule == lint.RuleBBFErratum {
		if m := wrappedRe.FindStringSubmatch(f.Message); m != nil {
			return m[1]
		}
	}
	return f.Rule
}

func TestWholeModelBBFCounts(t *testing.T) {
	dir := testbbf.Require(t)
	got := map[string]int{}
	for _, name := range []string{"tr-181-2-17-0-cwmp.xml", "tr-098-1-8-0.xml"} {
		fs := lint.LintFile(filepath.Join(dir, name), lint.Options{Includes: []string{dir}})
		for _, f := range fs {
			got[ruleOf(f)]++
			t.Logf("%s", f)
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-25s %d", k, got[k])
	}
}
