package main

import (
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

// TestDiffReviewFormats: the CLI's markdown summary and --full listing,
// and annotations naming the NEW file by the path given.
func TestDiffReviewFormats(t *testing.T) {
	old, new := "../../diff/testdata/rules/old.xml", "../../diff/testdata/rules/new.xml"
	summary, err := run(t, "diff", "--format", "markdown", old, new)
	if err != nil {
		t.Fatal(err)
	}
	full, err := run(t, "diff", "--format", "markdown", "--full", old, new)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "<details>") || strings.Contains(full, "<details>") || !strings.Contains(full, "| Item | Rule | Class | Old | New |") {
		t.Errorf("markdown is not the summary, or --full not the listing")
	}
	gh, err := run(t, "diff", "--format", "github", old, new)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(gh), "\n") {
		if !strings.HasPrefix(l, "::error file="+new+",line=") && !strings.HasPrefix(l, "::notice file="+new+",line=") {
			t.Fatalf("annotation: %s", l)
		}
	}
	sarif, err := run(t, "diff", "--format", "sarif", old, new)
	if err != nil || !strings.Contains(sarif, `"uri": "`+new+`"`) || !strings.Contains(sarif, `"version": "2.1.0"`) {
		t.Fatalf("sarif: %v\n%.500s", err, sarif)
	}
}

// TestShowReportCommand: show --format html and markdown of a catalogue
// model, with --diff.
func TestShowReportCommand(t *testing.T) {
	testbbf.Require(t)
	page, err := run(t, "show", "--format", "html", "--diff", "Device:2.18", "Device:2.19")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<!DOCTYPE html>", "Changes since Device:2.18 (tr-181-2-18-1-cwmp.xml)", `id="Device.WiFi.Radio.{i}.Channel"`, `class="changed chg-`} {
		if !strings.Contains(page, s) {
			t.Errorf("html report lacks %s", s)
		}
	}
	md, err := run(t, "show", "--format", "markdown", "Device:2.19-usp")
	if err != nil {
		t.Fatal(err)
	}
	// ":" is escaped in headings: markdownlint reads "Device:2" as a directive.
	for _, s := range []string{`# Device\:2.19 data model`, "#### Device.IP.Diagnostics.TraceRoute()", "##### Device.IP.Diagnostics.TraceRoute().Input.Host"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown report lacks %s", s)
		}
	}
	if _, err := run(t, "show", "--format", "tree", "--diff", "Device:2.18", "Device:2.19"); err == nil {
		t.Error("--diff accepted with --format tree")
	}
}
