package parser_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// loadRoot resolves one BBF root file and returns the last model it defines.
func loadRoot(t *testing.T, file string) *model.Model {
	t.Helper()
	dir := testbbf.Require(t)
	d, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d.LastModel()
}

func param(t *testing.T, m *model.Model, path string) *model.Parameter {
	t.Helper()
	p := m.Parameter(path)
	if p == nil {
		t.Fatalf("%s: no parameter %s", m.Name, path)
	}
	return p
}

// TR-181 2.18 and later rebind the component and data type "Alias" in
// their root files (<component name="Alias" ref="_AliasCWMP"/>): every use
// of the name in the component files under them takes that definition.
// No -full.xml is published for these versions, so these facts are pinned
// here; they are what the BBF's own flattening gives.
func TestAliasRebindingByRootDocument(t *testing.T) {
	for _, tc := range []struct {
		file   string
		access model.Access
		from   string
	}{
		{"tr-181-2-17-0-cwmp.xml", model.WriteOnceReadOnly, ""},
		{"tr-181-2-18-1-cwmp.xml", model.ReadWrite, "tr-106-types.xml#_AliasCWMP"},
		{"tr-181-2-19-1-cwmp.xml", model.ReadWrite, "tr-106-types.xml#_AliasCWMP"},
		{"tr-181-2-19-1-usp.xml", model.WriteOnceReadOnly, "tr-106-types.xml#_AliasUSP"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := loadRoot(t, tc.file)
			p := param(t, m, "Device.WiFi.SSID.{i}.Alias")
			if p.Access != tc.access {
				t.Errorf("Device.WiFi.SSID.{i}.Alias access %s, want %s", p.Access, tc.access)
			}
			if tc.from != "" && p.Component != tc.from {
				t.Errorf("Alias defined by %q, want %q", p.Component, tc.from)
			}
			// Every Alias from tr-106-types.xml's components takes the
			// binding, not only this one (a few tables define their own).
			n, wrong := 0, 0
			for _, o := range m.Objects {
				if a := o.Param("Alias"); a != nil && strings.HasPrefix(a.Component, "tr-106-types.xml#") && a.Status != model.Deleted {
					n++
					if a.Access != tc.access {
						wrong++
						t.Logf("%s%s: %s, defined at %s", o.Path, a.Name, a.Access, a.Pos)
					}
				}
			}
			if n < 200 || wrong > 0 {
				t.Errorf("%d of %d table Alias parameters are not %s", wrong, n, tc.access)
			}
		})
	}
}

// A refinement that restates an empty <list/> keeps the list's size facets
// (tr-181-2-19-0-interface.xml refines LowerLayers that way).
func TestBareListRefinementKeepsSize(t *testing.T) {
	for _, file := range []string{"tr-181-2-18-1-cwmp.xml", "tr-181-2-19-1-cwmp.xml", "tr-181-2-19-1-usp.xml"} {
		m := loadRoot(t, file)
		p := param(t, m, "Device.IP.Interface.{i}.LowerLayers")
		l := p.Syntax.List
		if l == nil || l.Size == nil || l.Size.Max == nil || *l.Size.Max != 1024 {
			t.Errorf("%s: Device.IP.Interface.{i}.LowerLayers list %+v, want maxLength 1024", file, l)
		}
	}
}

// A refinement without its own version keeps the item's version.
func TestRefinementKeepsVersion(t *testing.T) {
	for _, file := range []string{"tr-181-2-18-1-cwmp.xml", "tr-181-2-19-1-cwmp.xml", "tr-181-2-19-1-usp.xml"} {
		m := loadRoot(t, file)
		for _, name := range []string{"Enable", "Status", "Name", "LastChange"} {
			p := param(t, m, "Device.WiFi.Radio.{i}."+name)
			if p.Version != "2.0" {
				t.Errorf("%s: Device.WiFi.Radio.{i}.%s version %q, want 2.0", file, name, p.Version)
			}
		}
	}
}
