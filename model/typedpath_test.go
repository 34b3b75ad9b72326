package model

import (
	"strings"
	"testing"
	"time"
)

// pathT is what gen go writes for X.T.{i}. of docSchema: the object,
// its parameters in path order (the T.{i}. table has a method, not a slot).
type pathT struct {
	ObjectPath
	Alias ReadWriteParam[string]    `dm:"s"`
	L     WriteOnceParam[[]uint32]  `dm:"sL"`
	S     ReadOnlyParam[string]     `dm:"sS"`
	When  ReadWriteParam[time.Time] `dm:"t"`
	Sub   pathSub                   `dm:"Sub."`
}

type pathSub struct {
	ObjectPath
	N ReadOnlyParam[uint32] `dm:"uN"`
}

func TestFillPath(t *testing.T) {
	var p pathT
	FillPath(&p, InstanceOf("X.", "T.", 5))
	if p.Path() != "X.T.5." || p.Alias.Path() != "X.T.5.Alias" || p.When.Path() != "X.T.5.When" || p.S.Path() != "X.T.5.S" {
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
	if p.Sub.Path() != "X.T.5.Sub." || p.Sub.N.Path() != "X.T.5.Sub.N" || p.Sub.N.WireType() != TypeUnsignedInt {
		t.Fatalf("nested: %s %s %s", p.Sub.Path(), p.Sub.N.Path(), p.Sub.N.WireType())
	}
	// A struct with a field that is not a handle is refused, loudly.
	var bad struct {
		ObjectPath
		Alias ReadWriteParam[string] `dm:"sAlias"`
		N     int
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "regenerate") {
			t.Fatalf("a struct that is not a path struct: %v", r)
		}
	}()
	FillPath(&bad, "X.T.1.")
}
