package parser_test

import (
	"strings"
	"testing"

	"github.com/dmforge/dmforge/parser"
)

const brokenDoc = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:broken-1-0-0">
  <model name="Test:1.0">
    <object name="Test." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="A" access="readOnly"><syntax><string/></syntax></parameter>
      <parameter name="A" access="readOnly"><syntax><string/></syntax></parameter>
      <parameter base="Missing" access="readWrite"/>
      <parameter name="B" access="sometimes"><syntax><int/></syntax></parameter>
      <parameter name="C" access="readOnly"><syntax><dataType ref="NoSuchType"/></syntax></parameter>
    </object>
    <object base="Test.Nowhere." access="readOnly"/>
    <component ref="NoSuchComponent"/>
    <object name="Test.Table.{i}." access="readWrite" minEntries="0" maxEntries="lots"/>
    <object name="Test.Kept." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="D" access="readOnly"><syntax><boolean/></syntax></parameter>
    </object>
  </model>
</dm:document>
`

func TestTolerantLoadReportsEveryItemError(t *testing.T) {
	// Strict: the first error stops the load and names file and line.
	_, err := parser.NewLoader().LoadBytes("broken.xml", []byte(brokenDoc))
	if err == nil || !strings.Contains(err.Error(), "broken.xml:6:") || !strings.Contains(err.Error(), "already defined") {
		t.Fatalf("strict load: want error at broken.xml:6 about redefinition, got %v", err)
	}
	l := parser.NewLoader()
	l.Tolerant = true
	doc, err := l.LoadBytes("broken.xml", []byte(brokenDoc))
	if err != nil {
		t.Fatalf("tolerant load failed: %v", err)
	}
	want := map[int]string{6: "name-redefined", 7: "base-missing", 8: "attr-invalid", 9: "datatype-unknown",
		11: "base-missing", 12: "component-unknown", 13: "attr-invalid"}
	got := map[int]string{}
	for _, d := range l.Diagnostics {
		if d.Severity == parser.SevError {
			got[d.Pos.Line] = d.Rule
		}
	}
	for line, rule := range want {
		if got[line] != rule {
			t.Errorf("line %d: want rule %s, got %q (all: %v)", line, rule, got[line], l.Diagnostics)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d error diagnostics, want %d: %v", len(got), len(want), l.Diagnostics)
	}
	m := doc.LastModel()
	if m.Parameter("Test.Kept.D") == nil || m.Parameter("Test.A") == nil {
		t.Errorf("items after the broken ones were not kept")
	}
	if m.Parameter("Test.B") != nil || m.Parameter("Test.C") != nil {
		t.Errorf("broken parameters were kept")
	}
}
