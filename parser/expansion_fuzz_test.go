package parser_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/parser"
)

// FuzzEntitiesAndComponents: documents built of internal entities
// (any value, referenced any number of times) and components
// referencing one another (any depth and fan-out) load or fail with an
// error, never a panic; a document past an expansion limit does not
// load, and loading stays bounded (the limits are checked before
// expanding).
func FuzzEntitiesAndComponents(f *testing.F) {
	f.Add("(\\d+)", uint16(3), uint8(2), uint8(2), "x")
	f.Add(strings.Repeat("x", 10000), uint16(10000), uint8(1), uint8(1), "")
	f.Add("a", uint16(1), uint8(24), uint8(2), "P")
	f.Add("&amp;", uint16(2), uint8(30), uint8(3), "Q")
	f.Add("", uint16(0), uint8(0), uint8(0), "bad name")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, entity string, refs uint16, depth, fanout uint8, param string) {
		depth, fanout = depth%40, fanout%5
		var b strings.Builder
		fmt.Fprintf(&b, `<!DOCTYPE d [<!ENTITY e "%s">]>`, strings.ReplaceAll(entity, `"`, ""))
		b.WriteString(`<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:fz-1-0-0">`)
		b.WriteString(`<dataType name="T"><string>`)
		for i := 0; i < int(refs)%4096; i++ {
			b.WriteString(`<pattern value="&e;"/>`)
		}
		b.WriteString(`</string></dataType>`)
		fmt.Fprintf(&b, `<component name="C0"><parameter name="%s" access="readOnly"><syntax><string/></syntax></parameter></component>`, param)
		for i := 1; i <= int(depth); i++ {
			fmt.Fprintf(&b, `<component name="C%d">`, i)
			for j := 0; j < int(fanout); j++ {
				fmt.Fprintf(&b, `<object name="O%d." access="readOnly" minEntries="1" maxEntries="1"><component ref="C%d"/></object>`, j, i-1)
			}
			b.WriteString(`</component>`)
		}
		fmt.Fprintf(&b, `<model name="X:1.0" isService="true"><component ref="C%d"/></model></dm:document>`, depth)
		_, err := parser.NewLoader().LoadBytes(filepath.Join(dir, "fz.xml"), []byte(b.String()))
		expansion := 1
		for i := 0; i < int(depth); i++ {
			expansion *= max(int(fanout), 1)
		}
		// Past a limit the document must not load (another error may come
		// first: an entity with markup, a bad name).
		if int64(len(entity))*int64(int(refs)%4096) > 1<<21 && err == nil {
			t.Fatalf("entity expansion of %d bytes: err %v", len(entity)*(int(refs)%4096), err)
		}
		if fanout >= 2 && expansion > 1<<23 && err == nil {
			t.Fatalf("component expansion %d: err %v", expansion, err)
		}
	})
}
