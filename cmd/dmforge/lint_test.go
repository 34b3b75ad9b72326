package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

// TestLintModelName: a catalogue MODEL is linted as its root file is, as
// a whole (findings in the files it imports), and exits 0 (the BBF's
// faults are warnings); an unknown model is an error that says so.
func TestLintModelName(t *testing.T) {
	dir := testbbf.Require(t)
	byModel, err := run(t, "lint", "-I", dir, "Device:2.17")
	if err != nil {
		t.Fatalf("lint Device:2.17: %v", err)
	}
	root := filepath.Join(dir, "tr-181-2-17-0-cwmp.xml")
	byFile, err := run(t, "lint", "-I", dir, root)
	if err != nil {
		t.Fatalf("lint %s: %v", root, err)
	}
	if byModel != byFile {
		t.Errorf("lint Device:2.17 and lint of its root file differ:\n%s\n---\n%s", byModel, byFile)
	}
	for _, want := range []string{"tr-181-2-17-0-wifi.xml:", "[default-list-syntax]", "[num-entries-style]", "[status-markup]"} {
		if !strings.Contains(byModel, want) {
			t.Errorf("lint Device:2.17: no %q in the output", want)
		}
	}
	if _, err := run(t, "lint", "-I", dir, "Device:9.99"); err == nil || !strings.Contains(err.Error(), "Device:9.99") {
		t.Errorf("lint of an unknown model: err = %v", err)
	}
}
