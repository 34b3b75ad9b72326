// Package testbbf finds the BBF data-model files for tests: $DMFORGE_BBF,
// else shared/bbf beside the module root (../shared/bbf from the project).
package testbbf

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the BBF directory, or "" if there is none.
func Dir() string {
	if d := os.Getenv("DMFORGE_BBF"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(dir), "shared", "bbf")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Require returns the BBF directory or fails the test: the BBF files are
// part of what the tests prove, so their absence is a failure, not a skip.
func Require(t testing.TB) string {
	t.Helper()
	d := Dir()
	if d == "" {
		t.Fatal("BBF data-model files not found: set DMFORGE_BBF or put them in ../shared/bbf (dmforge bbf fetch downloads them)")
	}
	return d
}
