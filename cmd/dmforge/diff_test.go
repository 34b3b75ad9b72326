package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDiffCommand(t *testing.T) {
	old, new := "../../diff/testdata/rules/old.xml", "../../diff/testdata/rules/new.xml"
	if _, err := run(t, "diff", "--breaking", old, new); err == nil {
		t.Fatal("--breaking with breaking changes exited 0")
	} else if e, ok := err.(exitError); !ok || e.code != 1 {
		t.Fatalf("--breaking: want exit status 1, got %v", err)
	}
	out, err := run(t, "diff", "--format", "json", old, new)
	if err != nil {
		t.Fatal(err)
	}
	var changes []map[string]any
	if err := json.Unmarshal([]byte(out), &changes); err != nil || len(changes) < 20 {
		t.Fatalf("json output: %d changes, %v", len(changes), err)
	}
	if out, err := run(t, "diff", "--breaking", old, old); err != nil || !strings.Contains(out, "0 changes") {
		t.Fatalf("diff of a model with itself: %v\n%s", err, out)
	}
	if _, err := run(t, "diff", "--format", "bogus", old, new); err == nil {
		t.Fatal("--format bogus accepted")
	}
}
