package parser_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/model"
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

// TestFuzzSeedsUSPResolve: the USP seeds of FuzzLoadBytes that are meant
// to be well-formed resolve, with their commands, arguments and events,
// so that the fuzzer starts from inputs that reach deep into the resolver.
func TestFuzzSeedsUSPResolve(t *testing.T) {
	for name, want := range map[string][]string{
		"usp-command-component-base": {"X.Ping() async", "X.Ping().Input.Host mandatory", "X.Ping().Input.Count", "X.Ping().Output.Hops.{i}.Host", "X.Boot!.Params.{i}.Path"},
		"usp-command-refine-model":   {"X.Reset() async", "X.Reset().Input.Delay mandatory", "X.Reset().Input.Extra.{i}.V", "X.Gone! deleted"},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzLoadBytes", name))
		if err != nil {
			t.Fatal(err)
		}
		// The corpus file is "go test fuzz v1\n[]byte(QUOTED)\n".
		body := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[1])
		src, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc, err := parser.NewLoader().LoadBytes(filepath.Join(t.TempDir(), name+".xml"), []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]bool{}
		for _, o := range doc.LastModel().Objects {
			for _, c := range o.Commands {
				p := o.Path + c.Name
				if c.Async {
					got[p+" async"] = true
				}
				for dir, args := range map[string]*model.Args{".Input.": &c.Input, ".Output.": &c.Output} {
					args.Each(func(rel string, _ *model.Object, a *model.Parameter) {
						got[p+dir+rel] = true
						if a != nil && a.Mandatory {
							got[p+dir+rel+" mandatory"] = true
						}
					})
				}
			}
			for _, e := range o.Events {
				got[o.Path+e.Name+" "+string(e.Status)] = true
				e.Args.Each(func(rel string, _ *model.Object, _ *model.Parameter) { got[o.Path+e.Name+"."+rel] = true })
			}
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("%s: resolved model lacks %q (has %v)", name, w, got)
			}
		}
	}
}
