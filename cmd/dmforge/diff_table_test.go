package main

import (
	"strings"
	"testing"
)

// TestDiffTablePlainByDefault: diff's default table is plain aligned
// columns (the CLI's convention); --format box draws the box.
func TestDiffTablePlainByDefault(t *testing.T) {
	old, new := "../../diff/testdata/rules/old.xml", "../../diff/testdata/rules/new.xml"
	plain, err := run(t, "diff", old, new)
	if err != nil {
		t.Fatal(err)
	}
	box, err := run(t, "diff", "--format", "box", old, new)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(plain, "│┌─") || !strings.Contains(plain, "event-removed") {
		t.Fatalf("default table:\n%.400s", plain)
	}
	if !strings.Contains(box, "│") || !strings.Contains(box, "event-removed") {
		t.Fatalf("box table:\n%.400s", box)
	}
	if strings.SplitN(plain, "\n", 2)[0] != strings.SplitN(box, "\n", 2)[0] {
		t.Fatal("the summary lines differ")
	}
}
