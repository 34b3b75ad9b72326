package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
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

// TestDiffUSPCatalogueNames: the USP variants by catalogue name, with
// command, event and argument changes; the CWMP variants have none.
func TestDiffUSPCatalogueNames(t *testing.T) {
	testbbf.Require(t)
	kinds := func(args ...string) map[string]int {
		out, err := run(t, append([]string{"diff", "--format", "json"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var changes []struct{ Kind, Rule string }
		if err := json.Unmarshal([]byte(out), &changes); err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, c := range changes {
			n[c.Kind]++
			n[c.Rule]++
		}
		return n
	}
	usp := kinds("Device:2.18-usp", "Device:2.19-usp")
	if usp["command"] == 0 || usp["argument"] == 0 || usp["event-added"] == 0 || usp["command-added"] == 0 {
		t.Errorf("USP 2.18 → 2.19: no command, argument or event changes: %v", usp)
	}
	cwmp := kinds("Device:2.18", "Device:2.19")
	if cwmp["command"]+cwmp["event"]+cwmp["argument"] != 0 {
		t.Errorf("CWMP 2.18 → 2.19 has command, event or argument changes: %v", cwmp)
	}
}
