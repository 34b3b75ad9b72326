package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/lint"
)

// stdDoc is a tiny "standard" model (its file name makes it a BBF file),
// so that the rule tests run without the BBF set.
const stdDoc = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:broadband-forum-org:tr-999-1-0-0">
  <model name="Std:1.0">
    <object name="Std." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="Name" access="readOnly"><syntax><string/></syntax></parameter>
      <parameter name="Mode" access="readWrite"><syntax><string><enumeration value="A"/><enumeration value="B"/></string></syntax></parameter>
      <parameter name="Level" access="readWrite"><syntax><unsignedInt><range minInclusive="0" maxInclusive="10"/></unsignedInt></syntax></parameter>
      <parameter name="ItemNumberOfEntries" access="readOnly"><syntax><unsignedInt/></syntax></parameter>
    </object>
    <object name="Std.Item.{i}." access="readWrite" minEntries="0" maxEntries="4" numEntriesParameter="ItemNumberOfEntries" enableParameter="Enable">
      <parameter name="Enable" access="readWrite"><syntax><boolean/></syntax></parameter>
    </object>
  </model>
</dm:document>
`

// vendorDoc wraps a snippet in a vendor model based on Std:1.0.
const vendorDoc = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:vendor-1-0-0">
  <import file="tr-999-1-0-0.xml" spec="urn:broadband-forum-org:tr-999-1-0-0"><model name="Std:1.0"/></import>
  <dataType name="Percent"><unsignedInt><range minInclusive="0" maxInclusive="100"/></unsignedInt></dataType>
  <component name="XComp">
    <object name="Std.X_EXAMPLE-COM_Comp." access="readOnly" minEntries="1" maxEntries="1"/>
  </component>
  <model name="X_EXAMPLE-COM_Std:1.0" base="Std:1.0">
%s
  </model>
</dm:document>
`

// dtDoc wraps a snippet in a device-type document for Std:1.0.
const dtDoc = `<?xml version="1.0"?>
<dt:document xmlns:dt="urn:broadband-forum-org:cwmp:devicetype-1-6" deviceType="urn:example-com:dev-1-0-0">
  <import file="tr-999-1-0-0.xml" spec="urn:broadband-forum-org:tr-999-1-0-0"><model name="Std:1.0"/></import>
  <model ref="Std:1.0">
%s
  </model>
</dt:document>
`

// box is a vendor object to put test parameters in.
func box(params string) string {
	return `<object name="Std.X_EXAMPLE-COM_Box." access="readOnly" minEntries="1" maxEntries="1">` + params + `</object>`
}

func param(name, syntax string) string {
	return fmt.Sprintf(`<parameter name="%s" access="readWrite"><syntax>%s</syntax></parameter>`, name, syntax)
}

// rows is a well-formed vendor table under the box, with the given
// attributes and body.
func rows(attrs, body string) string {
	return box(param("RowNumberOfEntries", "<unsignedInt/>")) +
		`<object base="Std.X_EXAMPLE-COM_Box."><parameter base="RowNumberOfEntries" access="readOnly"/></object>` +
		`<object name="Std.X_EXAMPLE-COM_Box.Row.{i}." ` + attrs + `>` + body + `</object>`
}

var ruleCases = []struct {
	rule      string
	dt        bool
	bad, good string
}{
	{rule: lint.RuleNameSyntax, bad: box(param("2nd", "<string/>")), good: box(param("Second", "<string/>"))},
	{rule: lint.RuleNameSyntax, bad: box(param("Dash-Name", "<string/>")), good: box(param("X_EXAMPLE-COM_DashName", "<string/>"))},
	{rule: lint.RuleNameWhitespace, bad: box(param("Second ", "<string/>")), good: box(param("Second", "<string/>"))},
	{rule: lint.RuleNameCase, bad: box(param("second", "<string/>")), good: box(param("Second", "<string/>"))},
	{rule: lint.RuleTableName,
		bad:  `<object name="Std.X_EXAMPLE-COM_Rows." access="readOnly" minEntries="0" maxEntries="4"/>`,
		good: rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries"`, "")},
	{rule: lint.RuleTableName,
		bad:  `<object name="Std.X_EXAMPLE-COM_One.{i}." access="readOnly" minEntries="1" maxEntries="1"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_One." access="readOnly" minEntries="1" maxEntries="1"/>`},
	{rule: lint.RuleVendorPrefix, bad: `<object base="Std.">` + param("X_EXAMPLE_Foo", "<string/>") + `</object>`,
		good: `<object base="Std.">` + param("X_EXAMPLE-COM_Foo", "<string/>") + param("X_00D09E_Foo", "<string/>") + param("X_EXAMPLE_COM_Bar", "<string/>") + `</object>`},
	{rule: lint.RuleVendorPrefix, bad: `<object base="Std.">` + param("X_example-com_Foo", "<string/>") + `</object>`,
		good: `<object base="Std.">` + param("X_EXAMPLE-COM_Foo", "<string/>") + `</object>`},
	{rule: lint.RuleVendorPrefix, bad: `<object base="Std.">` + param("X_00D09_Foo", "<string/>") + `</object>`,
		good: `<object base="Std.">` + param("X_00D09E_Foo", "<string/>") + `</object>`},
	{rule: lint.RuleVendorPrefixMissing, bad: `<object base="Std.">` + param("Extra", "<string/>") + `</object>`,
		good: `<object base="Std.">` + param("X_EXAMPLE-COM_Extra", "<string/>") + `</object>` + box(param("Extra", "<string/>"))},
	{rule: lint.RuleVendorPrefixMissing, bad: `<object name="Std.Extra." access="readOnly" minEntries="1" maxEntries="1"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_Extra." access="readOnly" minEntries="1" maxEntries="1"/>`},
	{rule: lint.RuleVendorPrefixMissing,
		bad:  `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string><enumeration value="A"/><enumeration value="B"/><enumeration value="C"/></string></syntax></parameter></object>`,
		good: `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string><enumeration value="A"/><enumeration value="B"/><enumeration value="X_EXAMPLE-COM_C"/></string></syntax></parameter></object>`},
	{rule: lint.RuleVendorPrefix,
		bad:  `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string><enumeration value="A"/><enumeration value="X_EXAMPLE_C"/></string></syntax></parameter></object>`,
		good: `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string><enumeration value="A"/><enumeration value="X_00D09E_C"/></string></syntax></parameter></object>`},
	{rule: lint.RuleBaseMissing, bad: `<object base="Std.Nope."/>`, good: `<object base="Std."/>`},
	{rule: lint.RuleNameRedefined, bad: `<object base="Std.">` + param("Name", "<string/>") + `</object>`,
		good: `<object base="Std."><parameter base="Name" access="readOnly"/></object>`},
	{rule: lint.RuleComponentUnknown, bad: `<component ref="Nope"/>`, good: `<component ref="XComp"/>`},
	{rule: lint.RuleDataTypeUnknown, bad: box(param("P", `<dataType ref="Nope"/>`)), good: box(param("P", `<dataType ref="Percent"/>`))},
	{rule: lint.RuleAttrInvalid, bad: box(`<parameter name="P" access="sometimes"><syntax><string/></syntax></parameter>`),
		good: box(`<parameter name="P" access="readOnly"><syntax><string/></syntax></parameter>`)},
	{rule: lint.RuleSyntaxMissing, bad: box(`<parameter name="P" access="readOnly"/>`),
		good: box(`<parameter name="P" access="readOnly"><syntax><string/></syntax></parameter>`)},
	{rule: lint.RuleNameInvalid, bad: `<object name="Std.X_EXAMPLE-COM_NoDot" access="readOnly" minEntries="1" maxEntries="1"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_NoDot." access="readOnly" minEntries="1" maxEntries="1"/>`},
	{rule: lint.RuleParentMissing, bad: `<object name="Std.X_EXAMPLE-COM_A.B." access="readOnly" minEntries="1" maxEntries="1"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_A." access="readOnly" minEntries="1" maxEntries="1"/><object name="Std.X_EXAMPLE-COM_A.B." access="readOnly" minEntries="1" maxEntries="1"/>`},
	{rule: lint.RuleNumEntriesParam,
		bad:  `<object name="Std.X_EXAMPLE-COM_Row.{i}." access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="Level"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_Row.{i}." access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="ItemNumberOfEntries"/>`},
	{rule: lint.RuleNumEntriesParam,
		bad:  `<object name="Std.X_EXAMPLE-COM_Row.{i}." access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="Nope"/>`,
		good: rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries"`, "")},
	{rule: lint.RuleNumEntriesMissing,
		bad:  `<object name="Std.X_EXAMPLE-COM_Row.{i}." access="readOnly" minEntries="0" maxEntries="4"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_Row.{i}." access="readOnly" minEntries="2" maxEntries="2"/>`},
	{rule: lint.RuleEnableParam,
		bad:  rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries" enableParameter="Enable"`, ""),
		good: rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries" enableParameter="Enable"`, param("Enable", "<boolean/>"))},
	{rule: lint.RuleEnableParamType,
		bad:  rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries" enableParameter="Enable"`, param("Enable", "<string/>")),
		good: rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries" enableParameter="Enable"`, param("Enable", "<boolean/>"))},
	{rule: lint.RuleUniqueKey,
		bad:  rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries"`, `<uniqueKey><parameter ref="Key"/></uniqueKey>`),
		good: rows(`access="readOnly" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries"`, `<uniqueKey><parameter ref="Key"/></uniqueKey>`+param("Key", "<string/>"))},
	// Unique keys of a command's argument table.
	{rule: lint.RuleUniqueKey,
		bad: box(`<command name="Scan()" async="true"><output><object name="Result.{i}." minEntries="0" maxEntries="unbounded">` +
			`<uniqueKey><parameter ref="Key"/></uniqueKey><parameter name="Other"><syntax><string/></syntax></parameter></object></output></command>`),
		good: box(`<command name="Scan()" async="true"><output><object name="Result.{i}." minEntries="0" maxEntries="unbounded">` +
			`<uniqueKey><parameter ref="Key"/></uniqueKey><parameter name="Key"><syntax><string/></syntax></parameter></object></output></command>`)},
	{rule: lint.RuleUniqueKey,
		bad: box(`<event name="Found!"><object name="Hit." minEntries="1" maxEntries="1">` +
			`<uniqueKey><parameter ref="Key"/></uniqueKey><parameter name="Key"><syntax><string/></syntax></parameter></object></event>`),
		good: box(`<event name="Found!"><object name="Hit.{i}." minEntries="0" maxEntries="unbounded">` +
			`<uniqueKey><parameter ref="Key"/></uniqueKey><parameter name="Key"><syntax><string/></syntax></parameter></object></event>`)},
	{rule: lint.RuleMountType,
		bad:  `<object name="Std.X_EXAMPLE-COM_Mount." access="readOnly" minEntries="1" maxEntries="1" mountType="mountedOn"/>`,
		good: `<object name="Std.X_EXAMPLE-COM_Mount." access="readOnly" minEntries="1" maxEntries="1" mountType="mountable"/><object name="Std.X_EXAMPLE-COM_Point." access="readOnly" minEntries="1" maxEntries="1" mountType="none"/>`},
	{rule: lint.RuleEntries,
		bad:  rows(`access="readOnly" minEntries="3" maxEntries="2" numEntriesParameter="RowNumberOfEntries"`, ""),
		good: rows(`access="readOnly" minEntries="0" maxEntries="2" numEntriesParameter="RowNumberOfEntries"`, "")},
	{rule: lint.RuleObjectAccess,
		bad:  `<object name="Std.X_EXAMPLE-COM_One." access="readWrite" minEntries="1" maxEntries="1"/>`,
		good: rows(`access="readWrite" minEntries="0" maxEntries="4" numEntriesParameter="RowNumberOfEntries"`, "")},
	{rule: lint.RuleProfileRef,
		bad:  `<profile name="X_EXAMPLE-COM_Basic:1"><object ref="Std." requirement="present"><parameter ref="Nope" requirement="readOnly"/></object></profile>`,
		good: `<profile name="X_EXAMPLE-COM_Basic:1"><object ref="Std." requirement="present"><parameter ref="Name" requirement="readOnly"/></object></profile>`},
	{rule: lint.RuleProfileRef,
		bad:  `<profile name="X_EXAMPLE-COM_Basic:1"><object ref="Std.Nope." requirement="present"/></profile>`,
		good: `<profile name="X_EXAMPLE-COM_Basic:1"><object ref="Std.Item.{i}." requirement="present"/></profile>`},
	{rule: lint.RuleRangeInvalid, bad: box(param("P", `<int><range minInclusive="5" maxInclusive="1"/></int>`)),
		good: box(param("P", `<int><range minInclusive="-5" maxInclusive="5" step="5"/></int>`))},
	{rule: lint.RuleRangeInvalid, bad: box(param("P", `<unsignedInt><range minInclusive="0" maxInclusive="10" step="4"/></unsignedInt>`)),
		good: box(param("P", `<unsignedInt><range minInclusive="0" maxInclusive="12" step="4"/></unsignedInt>`))},
	{rule: lint.RuleRangeInvalid, bad: box(param("P", `<string><range minInclusive="0" maxInclusive="1"/></string>`)),
		good: box(param("P", `<decimal><range minInclusive="0.5" maxInclusive="1.5" step="0.25"/></decimal>`))},
	{rule: lint.RuleSizeInvalid, bad: box(param("P", `<string><size minLength="9" maxLength="3"/></string>`)),
		good: box(param("P", `<string><size minLength="3" maxLength="9"/></string>`))},
	{rule: lint.RuleSizeInvalid, bad: box(param("P", `<list minItems="3" maxItems="1"/><string/>`)),
		good: box(param("P", `<list minItems="1" maxItems="3"/><string/>`))},
	{rule: lint.RuleEnumDuplicate, bad: box(param("P", `<string><enumeration value="A"/><enumeration value="A"/></string>`)),
		good: box(param("P", `<string><enumeration value="A"/><enumeration value="B"/></string>`))},
	{rule: lint.RuleEnumInvalid, bad: box(param("P", `<int><enumeration value="one"/></int>`)),
		good: box(param("P", `<int><enumeration value="1"/></int>`))},
	{rule: lint.RulePatternInvalid, bad: box(param("P", `<string><pattern value="(a"/></string>`)),
		good: box(param("P", `<string><pattern value="[0-9]{3}-\d+|^$"/></string>`))},
	{rule: lint.RuleDefaultInvalid, bad: box(param("P", `<string><pattern value="[a-z]+"/></string><default type="object" value="ABC"/>`)),
		good: box(param("P", `<string><pattern value="[a-z]+"/></string><default type="object" value="abc"/>`))},
	{rule: lint.RuleDefaultInvalid, bad: box(param("P", `<string><size maxLength="2"/></string><default type="factory" value="abc"/>`)),
		good: box(param("P", `<string><size maxLength="3"/></string><default type="factory" value="abc"/>`))},
	{rule: lint.RuleDefaultInvalid, bad: box(param("P", `<dataType ref="Percent"/><default type="object" value="101"/>`)),
		good: box(param("P", `<dataType ref="Percent"/><default type="object" value="100"/>`))},
	{rule: lint.RuleDefaultInvalid, bad: `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string/><default type="object" value="C"/></syntax></parameter></object>`,
		good: `<object base="Std."><parameter base="Mode" access="readWrite"><syntax><string/><default type="object" value="B"/></syntax></parameter></object>`},
	{rule: lint.RuleDefaultInvalid, bad: box(param("P", `<list/><unsignedInt/><default type="object" value="1,x"/>`)),
		good: box(param("P", `<list/><unsignedInt/><default type="object" value="[1,2]"/>`))},
	{rule: lint.RuleDefaultImpl, bad: box(param("P", `<boolean/><default type="implementation" value="maybe"/>`)),
		good: box(param("P", `<boolean/><default type="implementation" value="true"/>`))},
	{rule: lint.RuleDefaultEmpty, bad: box(param("P", `<unsignedInt/><default type="object" value=""/>`)),
		good: box(param("P", `<string/><default type="object" value=""/>`))},
	{rule: lint.RuleRefTarget, bad: box(param("P", `<string><pathRef targetParent=".Nope." targetType="row"/></string>`)),
		good: box(param("P", `<string><pathRef targetParent=".Item. #.Item." targetType="row"/></string>`))},
	{rule: lint.RuleRefTarget, bad: box(param("P", `<string><enumerationRef targetParam="#.Nope"/></string>`)),
		good: box(param("P", `<string><enumerationRef targetParam="#.Mode"/></string>`))},
	{rule: lint.RuleVersionNewer, bad: box(`<parameter name="P" access="readOnly" version="1.1"><syntax><string/></syntax></parameter>`),
		good: box(`<parameter name="P" access="readOnly" version="1.0"><syntax><string/></syntax></parameter>`)},
	{rule: lint.RuleDeprecated, bad: box(`<parameter name="P" access="readOnly" status="deprecated"><syntax><string/></syntax></parameter>`),
		good: box(`<parameter name="P" access="readOnly" status="current"><syntax><string/></syntax></parameter>`)},

	{rule: lint.RuleDTObjectUnknown, dt: true, bad: `<object ref="Std.Nope." access="readOnly"/>`, good: `<object ref="Std." access="readOnly"/>`},
	{rule: lint.RuleDTParamUnknown, dt: true, bad: `<object ref="Std." access="readOnly"><parameter ref="Nope" access="readOnly"/></object>`,
		good: `<object ref="Std." access="readOnly"><parameter ref="Name" access="readOnly"/></object>`},
	{rule: lint.RuleDTAccess, dt: true, bad: `<object ref="Std." access="readOnly"><parameter ref="Name" access="readWrite"/></object>`,
		good: `<object ref="Std." access="readOnly"><parameter ref="Mode" access="readWrite"/><parameter ref="Level" access="readOnly"/></object>`},
	{rule: lint.RuleDTAccess, dt: true, bad: `<object ref="Std." access="createDelete"/>`, good: `<object ref="Std.Item.{i}." access="createDelete"/>`},
	{rule: lint.RuleDTEntries, dt: true, bad: `<object ref="Std.Item.{i}." access="readOnly" minEntries="0" maxEntries="5"/>`,
		good: `<object ref="Std.Item.{i}." access="readOnly" minEntries="1" maxEntries="4"/>`},
	{rule: lint.RuleDTSyntax, dt: true, bad: `<object ref="Std." access="readOnly"><parameter ref="Mode" access="readWrite"><syntax><string><enumeration value="C"/></string></syntax></parameter></object>`,
		good: `<object ref="Std." access="readOnly"><parameter ref="Mode" access="readWrite"><syntax><string><enumeration value="A"/></string></syntax></parameter></object>`},
	{rule: lint.RuleDTSyntax, dt: true, bad: `<object ref="Std." access="readOnly"><parameter ref="Level" access="readWrite"><syntax><unsignedInt><range minInclusive="0" maxInclusive="11"/></unsignedInt></syntax></parameter></object>`,
		good: `<object ref="Std." access="readOnly"><parameter ref="Level" access="readWrite"><syntax><unsignedInt><range minInclusive="2" maxInclusive="8"/></unsignedInt></syntax></parameter></object>`},
}

func lintSnippet(t *testing.T, dir, name string, dt bool, snippet string) []lint.Finding {
	t.Helper()
	tmpl := vendorDoc
	if dt {
		tmpl = dtDoc
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(fmt.Sprintf(tmpl, snippet)), 0o644); err != nil {
		t.Fatal(err)
	}
	return lint.LintFile(p, lint.Options{})
}

func hasRule(fs []lint.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// TestRules checks every rule on a minimal document that breaks it (it
// must be reported) and on one that does not (it must not be, and the
// document must have no error at all).
func TestRules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tr-999-1-0-0.xml"), []byte(stdDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if fs := lint.LintFile(filepath.Join(dir, "tr-999-1-0-0.xml"), lint.Options{}); len(fs) != 0 {
		t.Fatalf("the standard test document itself has findings: %v", fs)
	}
	covered := map[string]bool{}
	for i, c := range ruleCases {
		if _, ok := lint.LookupRule(c.rule); !ok {
			t.Errorf("case %d: rule %s is not in the catalogue", i, c.rule)
		}
		covered[c.rule] = true
		t.Run(fmt.Sprintf("%s/%d", c.rule, i), func(t *testing.T) {
			bad := lintSnippet(t, dir, fmt.Sprintf("bad-%d.xml", i), c.dt, c.bad)
			if !hasRule(bad, c.rule) {
				t.Errorf("negative case: %s not reported; got:\n%s", c.rule, render(bad))
			}
			good := lintSnippet(t, dir, fmt.Sprintf("good-%d.xml", i), c.dt, c.good)
			if hasRule(good, c.rule) || lint.Failed(good, false) {
				t.Errorf("positive case: unexpected findings:\n%s", render(good))
			}
		})
	}
	// Every lint rule that can be provoked from a single document has a case.
	for _, r := range []string{lint.RuleNameSyntax, lint.RuleNameCase, lint.RuleTableName, lint.RuleVendorPrefix,
		lint.RuleVendorPrefixMissing, lint.RuleParentMissing, lint.RuleNumEntriesParam, lint.RuleEnableParam,
		lint.RuleUniqueKey, lint.RuleMountType, lint.RuleEntries, lint.RuleObjectAccess, lint.RuleProfileRef, lint.RuleRangeInvalid, lint.RuleSizeInvalid,
		lint.RuleEnumDuplicate, lint.RuleEnumInvalid, lint.RulePatternInvalid, lint.RuleDefaultInvalid,
		lint.RuleRefTarget, lint.RuleVersionNewer, lint.RuleDeprecated, lint.RuleDTObjectUnknown,
		lint.RuleDTParamUnknown, lint.RuleDTAccess, lint.RuleDTEntries, lint.RuleDTSyntax} {
		if !covered[r] {
			t.Errorf("rule %s has no test case", r)
		}
	}
}

func render(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// protoDoc is a standard model with a command and an event; written as a
// -cwmp file it breaks the BBF's rule, as a -usp file it does not.
const protoDoc = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-15" spec="urn:broadband-forum-org:tr-998-1-0-0-%[1]s">
  <model name="Proto:1.0">
    <object name="Proto." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="Name" access="readOnly"><syntax><string/></syntax></parameter>
%[2]s
    </object>
  </model>
</dm:document>
`

// protoVendorDoc is a vendor model built on the -cwmp or -usp Proto:1.0.
const protoVendorDoc = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-15" spec="urn:example-com:proto-vendor-1-0-0">
  <import file="tr-998-1-0-0-%[1]s.xml" spec="urn:broadband-forum-org:tr-998-1-0-0-%[1]s"><model name="Proto:1.0"/></import>
  <model name="X_EXAMPLE-COM_Proto:1.0" base="Proto:1.0">
    <object base="Proto.">
%[2]s
    </object>
  </model>
</dm:document>
`

// TestCWMPCommands: a CWMP model (in a -cwmp file, or built on one) that
// defines commands or events is an error; the same in USP is fine.
func TestCWMPCommands(t *testing.T) {
	dir := t.TempDir()
	cmds := `<command name="Reset()" async="false"/><event name="Boot!"/>`
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func(fs []lint.Finding) int {
		n := 0
		for _, f := range fs {
			if f.Rule == lint.RuleCWMPCommand {
				n++
				if f.Severity != lint.Error || f.Line == 0 {
					t.Errorf("finding %s: want an error with a line", f)
				}
			}
		}
		return n
	}
	if n := count(lint.LintFile(write("tr-998-1-0-0-cwmp.xml", fmt.Sprintf(protoDoc, "cwmp", cmds)), lint.Options{})); n != 2 {
		t.Errorf("CWMP root with a command and an event: %d cwmp-command findings, want 2", n)
	}
	if fs := lint.LintFile(write("tr-998-1-0-0-usp.xml", fmt.Sprintf(protoDoc, "usp", cmds)), lint.Options{}); len(fs) != 0 {
		t.Errorf("USP root: unexpected findings:\n%s", render(fs))
	}
	// The CWMP root without commands is clean, and a vendor model on it
	// that adds one is reported at the vendor's command.
	write("tr-998-1-0-0-cwmp.xml", fmt.Sprintf(protoDoc, "cwmp", ""))
	vendorCmd := `<command name="X_EXAMPLE-COM_Wipe()" async="true"/>`
	fs := lint.LintFile(write("vendor-cwmp.xml", fmt.Sprintf(protoVendorDoc, "cwmp", vendorCmd)), lint.Options{})
	if n := count(fs); n != 1 {
		t.Errorf("vendor command on a CWMP model: %d cwmp-command findings, want 1:\n%s", n, render(fs))
	}
	if fs := lint.LintFile(write("vendor-usp.xml", fmt.Sprintf(protoVendorDoc, "usp", vendorCmd)), lint.Options{}); count(fs) != 0 || lint.Failed(fs, false) {
		t.Errorf("vendor command on a USP model: unexpected findings:\n%s", render(fs))
	}
}
