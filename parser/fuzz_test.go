package parser_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/parser"
)

// FuzzLoadBytes: the parser never panics, whatever the bytes; it returns a
// document or an error.
func FuzzLoadBytes(f *testing.F) {
	head := `<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-com:f-1-0-0">`
	seeds := []string{
		head + `<model name="X:1.0"><object name="X." access="readOnly" minEntries="1" maxEntries="1"><parameter name="P" access="readWrite"><syntax><list maxItems="2"><size maxLength="9"/></list><unsignedInt><range minInclusive="1" maxInclusive="9" step="2"/></unsignedInt><default type="object" value="1"/></syntax></parameter></object></model></dm:document>`,
		head + `<dataType name="A" base="B"/><dataType name="B" base="A"/><model name="X:1.0"><object name="X." access="readOnly"><parameter name="P"><syntax><dataType ref="A"/></syntax></parameter></object></model></dm:document>`,
		head + `<component name="C"><parameter name="P" access="readOnly"><syntax><string/></syntax></parameter></component><model name="X:1.0" isService="true"><component ref="C"/><component ref="C" path="Y."/></model></dm:document>`,
		head + `<model name="X:1.0"><profile base="Nope"/><object base="X."/></model><model name="X:1.1" base="X:1.0"/></dm:document>`,
		`<!DOCTYPE d [<!ENTITY a "x"><!ENTITY b "&a;&a;">]>` + head + `</dm:document>`,
		`<!DOCTYPE d [<!ENTITY a "(\d+)">]>` + head + `<dataType name="T"><string><pattern value="&a;"/></string></dataType></dm:document>`,
		"\xef\xbb\xbf" + head + `<model name="X:1.0"><object name="X." dmr:previousObject="" access="readOnly"/></model></dm:document>`,
		strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300),
		`<dt:document xmlns:dt="urn:broadband-forum-org:cwmp:devicetype-1-6" deviceType="urn:x"><model ref="Device:2.19"/></dt:document>`,
		"", "<", head,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tolerant := range []bool{false, true} {
			l := parser.NewLoader()
			l.Tolerant = tolerant
			_, _ = l.LoadBytes(filepath.Join(dir, "fuzz.xml"), data)
		}
	})
}
