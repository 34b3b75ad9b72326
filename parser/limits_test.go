package parser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/parser"
)

const limitsHead = `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:limits-1-0-0">`

// TestEntityExpansionLimit: one 10 KB entity referenced 10,000 times
// (a 153 KB file that expanded to 494 MB) is refused before parsing,
// naming the limit.
func TestEntityExpansionLimit(t *testing.T) {
	doc := `<!DOCTYPE d [<!ENTITY big "` + strings.Repeat("x", 10_000) + `">]>` + limitsHead +
		`<dataType name="T"><string>` + strings.Repeat(`<pattern value="&big;"/>`, 10_000) + `</string></dataType></dm:document>`
	_, err := parser.NewLoader().LoadBytes(filepath.Join(t.TempDir(), "entities.xml"), []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "entity expansion limit") {
		t.Fatalf("err = %v, want the entity expansion limit", err)
	}
	// A few references, as tr-106-types.xml has, still load.
	small := `<!DOCTYPE d [<!ENTITY a "(\d+)">]>` + limitsHead + `<dataType name="T"><string><pattern value="&a;"/></string></dataType></dm:document>`
	if _, err := parser.NewLoader().LoadBytes(filepath.Join(t.TempDir(), "ok.xml"), []byte(small)); err != nil {
		t.Fatal(err)
	}
}

// TestComponentExpansionLimit: components that each reference the
// previous one twice, 24 deep (6 KB that expanded without bound), are
// refused before any expansion, naming the limit.
func TestComponentExpansionLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(limitsHead)
	b.WriteString(`<component name="C0"><parameter name="P" access="readOnly"><syntax><string/></syntax></parameter></component>`)
	for i := 1; i <= 24; i++ {
		fmt.Fprintf(&b, `<component name="C%d"><object name="A%d." access="readOnly" minEntries="1" maxEntries="1"><component ref="C%d"/></object>`+
			`<object name="B%d." access="readOnly" minEntries="1" maxEntries="1"><component ref="C%d"/></object></component>`, i, i, i-1, i, i-1)
	}
	b.WriteString(`<model name="X:1.0" isService="true"><component ref="C24"/></model></dm:document>`)
	_, err := parser.NewLoader().LoadBytes(filepath.Join(t.TempDir(), "components.xml"), []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "component expansion limit") {
		t.Fatalf("err = %v, want the component expansion limit", err)
	}
}

// TestImportsConfined: an import names a file of the search path, never a
// path out of it; a search-path file that is not a regular file, or is
// over the size limit, is refused before it is read.
func TestImportsConfined(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc")
	if err := os.Mkdir(inc, 0o755); err != nil {
		t.Fatal(err)
	}
	comp := limitsHead + `<component name="C"><parameter name="P" access="readOnly"><syntax><string/></syntax></parameter></component></dm:document>`
	if err := os.WriteFile(filepath.Join(dir, "outside.xml"), []byte(comp), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(inc, "zero.xml")); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(filepath.Join(inc, "big.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(65 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	big.Close()
	for _, c := range []struct{ file, want string }{
		{"../../../../dev/zero", "not a path"},
		{"../outside.xml", "not a path"},
		{"zero.xml", "not a regular file"},
		{"big.xml", "document size limit"},
	} {
		doc := limitsHead + `<import file="` + c.file + `"><component name="C"/></import></dm:document>`
		l := parser.NewLoader(inc)
		_, err := l.LoadBytes(filepath.Join(inc, "root.xml"), []byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("import of %s: %v, want %q", c.file, err, c.want)
		}
	}
	// The same file, copied into the search path, imports.
	if err := os.WriteFile(filepath.Join(inc, "inside.xml"), []byte(comp), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := limitsHead + `<import file="inside.xml"><component name="C"/></import></dm:document>`
	if _, err := parser.NewLoader(inc).LoadBytes(filepath.Join(inc, "root.xml"), []byte(doc)); err != nil {
		t.Fatalf("import from the search path: %v", err)
	}
}
