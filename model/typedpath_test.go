package model

import (
	"strings"
	"testing"
	"time"
	"unsafe"
)

// pathT is what gen go writes for X.T.{i}. of docSchema: the object,
// its parameters in path order (the T.{i}. table has a method, not a slot).
type pathT struct {
	ObjectPath
	Alias ReadWriteParam[string]
	L     WriteOnceParam[[]uint32]
	S     ReadOnlyParam[string]
	When  ReadWriteParam[time.Time]
}

func TestFillPath(t *testing.T) {
	s := docSchema()
	var p pathT
	FillPath(unsafe.Pointer(&p), unsafe.Sizeof(p), s, "X.T.{i}.", InstanceOf("X.", "T.", 5))
	if p.Path() != "X.T.5." || p.Alias.Path() != "X.T.5.Alias" || p.When.Path() != "X.T.5.When" || p.S.String() != "X.T.5.S" {
		t.Fatalf("paths: %s %s %s %s", p.Path(), p.Alias.Path(), p.When.Path(), p.S.Path())
	}
	if pv := Set(p.L, []uint32{2, 4}); pv.Name != "X.T.5.L" || pv.Value != "2,4" || pv.Type != TypeString {
		t.Fatalf("Set list: %+v", pv)
	}
	if pv := Set(p.When, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)); pv.Type != TypeDateTime || pv.Value != "2024-01-02T03:04:05Z" {
		t.Fatalf("Set dateTime: %+v", pv)
	}
	if NewWritableTable(p.ObjectPath, "T.").Path() != "X.T.5.T." {
		t.Fatal("table path")
	}
	// A struct that does not match the schema is refused, loudly.
	var short struct {
		ObjectPath
		Alias ReadWriteParam[string]
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "regenerate") {
			t.Fatalf("mismatched struct: %v", r)
		}
	}()
	FillPath(unsafe.Pointer(&short), unsafe.Sizeof(short), s, "X.T.{i}.", "X.T.1.")
}
