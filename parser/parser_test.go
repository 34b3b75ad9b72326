package parser_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/parser"
)

// rootFileRe matches BBF root files: a full version and no component label
// (tr-181-2-19-1-cwmp.xml, tr-181-2-19-1-usp.xml, tr-098-1-8-0.xml,
// tr-104-2-0-2-cwmp-full.xml).
var rootFileRe = regexp.MustCompile(`^tr-\d+-\d+-\d+-\d+(-cwmp|-usp)?(-full)?\.xml$`)

// TestEveryBBFFileLoads: every root file (old and new namespace versions)
// resolves without error; every other DM file (component and common files)
// loads in tolerant mode, since some carry small test models that do not
// resolve on their own.
func TestEveryBBFFileLoads(t *testing.T) {
	dir := testbbf.Require(t)
	files, _ := filepath.Glob(filepath.Join(dir, "tr-*.xml"))
	roots, others := 0, 0
	namespaces := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f)
		if rootFileRe.MatchString(base) {
			roots++
			doc, err := parser.NewLoader(dir).LoadFile(f)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			namespaces[doc.Namespace] = true
			continue
		}
		others++
		l := parser.NewLoader(dir)
		l.Tolerant = true
		if _, err := l.LoadFile(f); err != nil {
			t.Errorf("%v", err)
		}
	}
	if roots < 150 || others < 250 {
		t.Fatalf("found only %d root and %d other files in %s", roots, others, dir)
	}
	if len(namespaces) < 8 {
		t.Errorf("root files use only %d DM namespace versions", len(namespaces))
	}
	t.Logf("%d root files resolve; %d component/common files load; %d namespace versions", roots, others, len(namespaces))
}

func TestErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:x-1-0-0">` + "\n"
	cases := []struct {
		name, body, want string
	}{
		{"malformed.xml", head + "<model name=\"X:1.0\">\n<object name=\"X.\" access=\"readOnly\">\n</model>\n</dm:document>", "malformed.xml:4: malformed XML"},
		{"missing-import.xml", head + "<import file=\"nope-1-0-0.xml\"/>\n</dm:document>", "missing-import.xml:2: imported file nope-1-0-0.xml not found"},
		{"unknown-component.xml", head + "<model name=\"X:1.0\">\n<component ref=\"Nope\"/>\n</model>\n</dm:document>", "unknown-component.xml:3: unknown component Nope"},
		{"cycle-a.xml", head + "<import file=\"cycle-b.xml\"/>\n</dm:document>", "import cycle: cycle-a.xml → cycle-b.xml → cycle-a.xml"},
		{"comp-cycle.xml", head + "<component name=\"A\"><component ref=\"B\"/></component>\n<component name=\"B\"><component ref=\"A\"/></component>\n<model name=\"X:1.0\"><component ref=\"A\"/></model>\n</dm:document>", "includes itself"},
		{"entity.xml", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n" + head + "</dm:document>", "external entity e is not allowed"},
		{"not-dm.xml", "<html/>", "not a DM or DT <document>"},
		{"bad-access.xml", head + "<model name=\"X:1.0\">\n<object name=\"X.\" access=\"readOnly\" minEntries=\"1\" maxEntries=\"1\">\n<parameter name=\"P\" access=\"always\"><syntax><string/></syntax></parameter>\n</object></model>\n</dm:document>", "bad-access.xml:4: parameter X.P: access \"always\""},
	}
	write("cycle-b.xml", head+"<import file=\"cycle-a.xml\"/>\n</dm:document>")
	for _, c := range cases {
		p := write(c.name, c.body)
		_, err := parser.NewLoader(dir).LoadFile(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
	var pe *parser.PosError
	_, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, "unknown-component.xml"))
	if !errors.As(err, &pe) || pe.Line != 3 || pe.File != "unknown-component.xml" {
		t.Errorf("error is not a PosError at unknown-component.xml:3: %#v", err)
	}
}

// TestUndeclaredPrefixIsReadWithWarning: older BBF files use the dmr:
// prefix without declaring it; that is read, not rejected.
func TestUndeclaredPrefix(t *testing.T) {
	dir := testbbf.Require(t)
	l := parser.NewLoader(dir)
	doc, err := l.LoadFile(filepath.Join(dir, "tr-098-1-1-0-full.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.LastModel()
	p := m.Parameter("InternetGatewayDevice.LANDevice.{i}.LANWLANConfigurationNumberOfEntries")
	if p == nil {
		t.Fatal("parameter with an undeclared-prefix attribute is missing")
	}
}

func TestImportPicksLatestCorrigendum(t *testing.T) {
	dir := testbbf.Require(t)
	doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, "tr-181-2-19-1-cwmp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, imp := range doc.Imports {
		found[imp.File] = filepath.Base(imp.Resolved)
	}
	if found["tr-181-2-common.xml"] != "tr-181-2-19-0-common.xml" {
		t.Errorf("tr-181-2-common.xml (spec 2-19) resolved to %s", found["tr-181-2-common.xml"])
	}
	if found["tr-106-types.xml"] != "tr-106-types.xml" {
		t.Errorf("tr-106-types.xml resolved to %s", found["tr-106-types.xml"])
	}
	m := doc.Model("Device:2.19")
	// A component included at depth (common → wifi → wifi-base) with its path prefix.
	if m.Parameter("Device.WiFi.Radio.{i}.Channel") == nil {
		t.Error("Device.WiFi.Radio.{i}.Channel missing")
	}
	// The cwmp file refines an object that common defines (base=).
	if m.Parameter("Device.DeviceInfo.SupportedDataModelNumberOfEntries") == nil {
		t.Error("parameter added by the cwmp file's base= object is missing")
	}
	// Imported dataType renamed by ref: Alias → _AliasCWMP.
	if a := m.Parameter("Device.DeviceInfo.SupportedDataModel.{i}.Alias"); a == nil || a.Syntax.Type != "string" || a.Syntax.Sizes[0].Max == nil || *a.Syntax.Sizes[0].Max != 64 {
		t.Errorf("Alias of SupportedDataModel: %+v", a)
	}
}

func TestDeviceTypeDocument(t *testing.T) {
	dir := testbbf.Require(t)
	dt := `<?xml version="1.0"?>
<dt:document xmlns:dt="urn:broadband-forum-org:cwmp:devicetype-1-6" deviceType="urn:example-com:gateway-1-0-0">
  <import file="tr-181-2-19-1-cwmp.xml" spec="urn:broadband-forum-org:tr-181-2-19-1-cwmp">
    <model name="Device:2.19"/>
  </import>
  <model ref="Device:2.19">
    <object ref="Device.DeviceInfo." access="readOnly" minEntries="1" maxEntries="1">
      <parameter ref="Manufacturer" access="readOnly"/>
    </object>
    <object ref="Device.WiFi.SSID.{i}." access="createDelete" minEntries="0" maxEntries="unbounded">
      <parameter ref="SSID" access="readWrite">
        <syntax><string><size maxLength="16"/></string></syntax>
      </parameter>
    </object>
  </model>
</dt:document>`
	l := parser.NewLoader(dir)
	doc, err := l.LoadBytes(filepath.Join(t.TempDir(), "gateway-dt.xml"), []byte(dt))
	if err != nil {
		t.Fatal(err)
	}
	d := doc.DeviceType
	if d == nil || d.ModelRef != "Device:2.19" || d.Model == nil || d.Spec != "urn:example-com:gateway-1-0-0" {
		t.Fatalf("device type: %+v", d)
	}
	if len(d.Objects) != 2 || d.Objects[1].Path != "Device.WiFi.SSID.{i}." || d.Objects[1].Access != "createDelete" || *d.Objects[1].MaxEntries != -1 {
		t.Fatalf("objects: %+v", d.Objects)
	}
	p := d.Objects[1].Params[0]
	if p.Name != "SSID" || p.Access != "readWrite" || p.Syntax == nil || *p.Syntax.Sizes[0].Max != 16 || p.Pos.Line != 11 {
		t.Errorf("parameter: %+v", p)
	}
}

func TestUnknownElementIsAWarning(t *testing.T) {
	doc := `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-99" spec="urn:example-com:x-1-0-0">
  <model name="X:1.0">
    <object name="X." access="readOnly" minEntries="1" maxEntries="1">
      <futureThing/>
      <parameter name="P" access="readOnly"><syntax><string/><futureFacet/></syntax></parameter>
    </object>
  </model>
</dm:document>`
	l := parser.NewLoader()
	d, err := l.LoadBytes(filepath.Join(t.TempDir(), "future.xml"), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.LastModel().Parameter("X.P") == nil {
		t.Fatal("parameter next to unknown elements was lost")
	}
	lines := map[int]bool{}
	for _, dg := range l.Diagnostics {
		if dg.Severity == parser.SevWarning && dg.Rule == "unknown-element" {
			lines[dg.Pos.Line] = true
		}
	}
	if !lines[4] || !lines[5] {
		t.Errorf("want unknown-element warnings at lines 4 and 5, got %v", l.Diagnostics)
	}
}

// A document's own data type wins over an imported one of the same name,
// wherever the two happen to sit in their files.
func TestOwnDataTypeWinsOverImport(t *testing.T) {
	dir := t.TempDir()
	head := `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:%s">` + "\n"
	lib := fmt.Sprintf(head, "lib-1-0-0") + `<dataType name="Name"><string><size maxLength="10"/></string></dataType>
</dm:document>`
	main := fmt.Sprintf(head, "main-1-0-0") + `<import file="lib.xml"><dataType name="Name"/></import>
<dataType name="Name"><string><size maxLength="20"/></string></dataType>
<model name="X:1.0"><object name="X." access="readOnly" minEntries="1" maxEntries="1">
<parameter name="N" access="readOnly"><syntax><dataType ref="Name"/></syntax></parameter></object></model>
</dm:document>`
	os.WriteFile(filepath.Join(dir, "lib.xml"), []byte(lib), 0o644)
	os.WriteFile(filepath.Join(dir, "main.xml"), []byte(main), 0o644)
	doc, err := parser.NewLoader().LoadFile(filepath.Join(dir, "main.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if max := doc.LastModel().Parameter("X.N").Syntax.Sizes[0].Max; max == nil || *max != 20 {
		t.Errorf("parameter uses the imported data type, not the document's own")
	}
}

// Refinements (base=) are recorded on the items they refine, with their
// position and what they restate, for lint to report at the right line.
func TestRefinementsRecorded(t *testing.T) {
	dir := t.TempDir()
	head := `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:%s">` + "\n"
	std := fmt.Sprintf(head, "std-1-0-0") + `<model name="X:1.0"><object name="X." access="readOnly" minEntries="1" maxEntries="1">
<parameter name="P" access="readWrite"><syntax><string/></syntax></parameter></object></model>
</dm:document>`
	vendor := fmt.Sprintf(head, "vendor-1-0-0") + `<import file="std.xml"><model name="X:1.0"/></import>
<model name="Y:1.0" base="X:1.0">
<object base="X.">
<parameter base="P" access="readOnly"/>
<parameter base="P" status="deprecated"><syntax><string><size maxLength="8"/></string></syntax></parameter>
</object></model>
</dm:document>`
	os.WriteFile(filepath.Join(dir, "std.xml"), []byte(std), 0o644)
	os.WriteFile(filepath.Join(dir, "vendor.xml"), []byte(vendor), 0o644)
	l := parser.NewLoader()
	doc, err := l.LoadFile(filepath.Join(dir, "vendor.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p := doc.LastModel().Parameter("X.P")
	if len(p.Refined) != 2 || p.Refined[0].Pos.Line != 5 || p.Refined[1].Pos.Line != 6 ||
		!p.Refined[0].Restates("access") || p.Refined[0].Restates("status") ||
		!p.Refined[1].Restates("status") || !p.Refined[1].Restates("syntax") || p.Refined[1].Restates("access") {
		t.Fatalf("refinements %+v", p.Refined)
	}
	if p.Pos.File != filepath.Join(dir, "std.xml") && filepath.Base(p.Pos.File) != "std.xml" {
		t.Errorf("definition position %v", p.Pos)
	}
	// The base model, cloned for the refinement, is untouched.
	std2, err := l.LoadFile(filepath.Join(dir, "std.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if bp := std2.LastModel().Parameter("X.P"); len(bp.Refined) != 0 || bp.Access != "readWrite" {
		t.Errorf("base model changed: %+v", bp)
	}
}
