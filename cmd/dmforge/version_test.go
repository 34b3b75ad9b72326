package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: `dmforge version` and `dmforge --version` print the same
// line, naming dmforge and the Go version it was built with.
func TestVersion(t *testing.T) {
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		rootCmd.SetOut(&out)
		rootCmd.SetArgs(args)
		if err := rootCmd.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		outs = append(outs, out.String())
	}
	rootCmd.SetArgs(nil)
	rootCmd.SetOut(nil)
	if outs[0] != outs[1] {
		t.Errorf("version %q, --version %q", outs[0], outs[1])
	}
	if !strings.HasPrefix(outs[0], "dmforge ") || !strings.Contains(outs[0], runtime.Version()) || strings.Count(outs[0], "\n") != 1 {
		t.Errorf("version line %q", outs[0])
	}
}
