package parser_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// modelJSON renders everything a model says as generic JSON, without what
// depends on where it was read from: positions, the defining file and spec,
// the component an item came from, and the base model and base data type
// names (a flattened document has no base chains).
func modelJSON(t *testing.T, m *model.Model) any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(v any, top bool)
	strip = func(v any, top bool) {
		switch x := v.(type) {
		case map[string]any:
			if x["Path"] == "" {
				// A service model's top-level parameters sit on a
				// pseudo-object whose version is that of the model that
				// first had one; a flattened document cannot say it.
				delete(x, "Version")
			}
			delete(x, "Pos")
			delete(x, "Component")
			if top {
				delete(x, "File")
				delete(x, "Spec")
				delete(x, "Base")
			}
			for k, c := range x {
				if a, ok := c.([]any); ok && len(a) == 0 {
					delete(x, k) // an empty list says what an absent one does
					continue
				}
				if k == "DataTypes" {
					for _, dt := range c.(map[string]any) {
						delete(dt.(map[string]any), "Base")
						strip(dt, false)
					}
					continue
				}
				strip(c, false)
			}
		case []any:
			for _, c := range x {
				strip(c, false)
			}
		}
	}
	strip(v, true)
	return v
}

// jsonDiff lists the first differences between two generic JSON values.
func jsonDiff(path string, a, b any, out *[]string) {
	if len(*out) >= 20 {
		return
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a, b))
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		ks := make([]string, 0, len(keys))
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			jsonDiff(path+"."+k, x[k], y[k], out)
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: %d items vs %v", path, len(x), lenOf(b)))
			return
		}
		for i := range x {
			name := fmt.Sprint(i)
			if m, ok := x[i].(map[string]any); ok {
				if p, ok := m["Path"]; ok {
					name = fmt.Sprint(p)
				} else if n, ok := m["Name"]; ok {
					name = fmt.Sprint(n)
				}
			}
			jsonDiff(path+"["+name+"]", x[i], y[i], out)
		}
	default:
		if fmt.Sprint(a) != fmt.Sprint(b) {
			*out = append(*out, fmt.Sprintf("%s: %q vs %q", path, fmt.Sprint(a), fmt.Sprint(b)))
		}
	}
}

func lenOf(v any) any {
	if x, ok := v.([]any); ok {
		return len(x)
	}
	return v
}

// TestFlattenedRoundTrip: for every BBF root file, resolve → WriteFlattened
// → resolve gives the identical model, descriptions included.
func TestFlattenedRoundTrip(t *testing.T) {
	dir := testbbf.Require(t)
	files, _ := filepath.Glob(filepath.Join(dir, "tr-*.xml"))
	n := 0
	// One loader for every root: shared imports are read once.
	l := parser.NewLoader(dir)
	l.Descriptions = true
	for _, f := range files {
		base := filepath.Base(f)
		if !rootFileRe.MatchString(base) || strings.HasSuffix(base, "-full.xml") {
			continue
		}
		doc, err := l.LoadFile(f)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		for _, m := range doc.Models {
			n++
			var buf bytes.Buffer
			name := strings.TrimSuffix(base, ".xml") + "-flat.xml"
			if err := parser.WriteFlattened(&buf, m, name); err != nil {
				t.Fatalf("%s %s: %v", base, m.Name, err)
			}
			l2 := parser.NewLoader()
			l2.Descriptions = true
			back, err := l2.LoadBytes(filepath.Join(t.TempDir(), name), buf.Bytes())
			if err != nil {
				t.Errorf("%s %s: reading the flattened document back: %v", base, m.Name, err)
				continue
			}
			bm := back.Model(m.Name)
			if bm == nil {
				t.Errorf("%s: flattened document has no model %s", base, m.Name)
				continue
			}
			var diffs []string
			jsonDiff(m.Name, modelJSON(t, m), modelJSON(t, bm), &diffs)
			if len(diffs) > 0 {
				t.Errorf("%s %s: the flattened document reads back differently:\n%s", base, m.Name, strings.Join(diffs, "\n"))
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d models written", n)
	}
	t.Logf("%d models round-trip through the flattened XML", n)
}
