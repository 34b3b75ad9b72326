package cpe_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

var (
	schema217Once sync.Once
	schema217     *model.Schema
	schema217Err  error
)

// device217 is the schema of Device:2.17 (CWMP), resolved from the BBF
// files: the last version whose Alias parameters are writeOnceReadOnly
// (2.18 rebinds Alias to readWrite), so the runtime's writeOnceReadOnly
// rule is tried on a real model.
func device217(t *testing.T) *model.Schema {
	t.Helper()
	dir := testbbf.Require(t)
	schema217Once.Do(func() {
		e, err := bbf.Lookup("Device:2.17")
		if err != nil {
			schema217Err = err
			return
		}
		doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
		if err != nil {
			schema217Err = err
			return
		}
		m := doc.Model("Device:2.17")
		if m == nil {
			schema217Err = &model.PathError{Path: e.File, Msg: "does not define Device:2.17"}
			return
		}
		schema217 = model.SchemaFromModel(m.WithoutDeleted())
	})
	if schema217Err != nil {
		t.Fatal(schema217Err)
	}
	return schema217
}
