package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBinaryImportsOnlySchemas: the CLI (and with it the ACS, the
// simulator and lab) needs only the models' schemas, which are data; the
// typed generated packages cost most of a cold build (11.7 s of CPU for
// generated/tr181 alone) and must not be linked in by an import made for
// a Schema value.
func TestBinaryImportsOnlySchemas(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	typed := regexp.MustCompile(`^github\.com/dmforge/dmforge/generated/[^/]+$`)
	var bad []string
	schemas := 0
	for _, p := range strings.Fields(string(out)) {
		switch {
		case typed.MatchString(p):
			bad = append(bad, p)
		case strings.HasPrefix(p, "github.com/dmforge/dmforge/generated/") && strings.HasSuffix(p, "/schema"):
			schemas++
		}
	}
	if len(bad) > 0 {
		t.Errorf("cmd/dmforge links typed generated packages %v: import their /schema packages for a Schema", bad)
	}
	if schemas == 0 {
		t.Errorf("cmd/dmforge links no generated schema package: the test no longer sees what it guards")
	}
}
