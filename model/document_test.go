package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A hand-written miniature of what gen go makes for codecFixture's X.
type docT struct {
	Alias string           `json:"Alias,omitzero"`
	L     []uint32         `json:"L,omitzero"`
	S     string           `json:"S,omitzero"`
	When  time.Time        `json:"When,omitzero"`
	Sub   map[uint32]*docT `json:"T,omitzero"`
}

type docX struct {
	T map[uint32]*docT `json:"T,omitzero"`
	Z HexBinary        `json:"Z,omitzero"`
}

type docRoot struct {
	X *docX `json:"X,omitzero"`
}

func docSchema() *Schema {
	s := codecFixture()
	entries := append([]*Entry(nil), s.Entries()...)
	entries = append(entries,
		&Entry{Path: "X.T.{i}.When", Access: ReadWrite, Syntax: &Syntax{Type: TypeDateTime}},
		&Entry{Path: "X.T.{i}.T.{i}.", Object: true, Access: ReadWrite, MaxEntries: Unbounded},
		&Entry{Path: "X.T.{i}.T.{i}.Alias", Access: ReadWrite, Syntax: &Syntax{Type: TypeString}},
		&Entry{Path: "X.T.{i}.T.{i}.L", Access: WriteOnceReadOnly, Syntax: &Syntax{Type: TypeUnsignedInt, List: &List{}}},
		&Entry{Path: "X.T.{i}.T.{i}.S", Access: ReadOnly, Syntax: &Syntax{Type: TypeString}},
		&Entry{Path: "X.T.{i}.T.{i}.When", Access: ReadWrite, Syntax: &Syntax{Type: TypeDateTime}})
	return NewSchema(s.Model, s.Spec, entries)
}

func TestDiffOrderAndWireTypes(t *testing.T) {
	s := docSchema()
	old := &docRoot{X: &docX{Z: HexBinary{1, 2}, T: map[uint32]*docT{
		1: {Alias: "a", Sub: map[uint32]*docT{1: {Alias: "inner"}}},
		2: {Alias: "b", S: "read-only"},
	}}}
	new := Clone(old)
	if !Equal(old, new) {
		t.Fatal("a clone is not equal")
	}
	delete(new.X.T, 1)                                 // its instance T.1.T.1 goes with it
	new.X.T[2].S = "changed"                           // read-only: never set
	new.X.T[2].Alias = ""                              // both have it: set, to empty
	new.X.T[3] = &docT{L: []uint32{1, 3}}              // a new instance, with what was set
	new.X.T[3].Sub = map[uint32]*docT{7: {Alias: "x"}} // and one under it
	new.X.Z = HexBinary{0xab}
	ops, err := Diff(s, "", old, new)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		got = append(got, op.String())
	}
	want := "DeleteObject X.T.1.\nAddObject X.T. (instance 3)\nAddObject X.T.3.T. (instance 7)\n" +
		"SetParameterValues X.T.2.Alias= X.T.3.L=1,3 X.T.3.T.7.Alias=x X.Z=ab"
	if strings.Join(got, "\n") != want {
		t.Fatalf("Diff:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if v := ops[3].Values; v[1].Type != TypeString || v[3].Type != TypeHexBinary {
		t.Fatalf("wire types: %+v", v)
	}
	if Equal(old, new) || old.X.T[1] == nil {
		t.Fatal("Equal or Clone shares state")
	}
	if _, err := Diff(s, "", old, &struct {
		Y *docX `json:"Y"`
	}{Y: &docX{Z: HexBinary{1}}}); err == nil {
		t.Fatal("a parameter outside the schema was diffed silently")
	}
}

func TestPopulateDefaultsAndJSON(t *testing.T) {
	s := docSchema()
	d := &docRoot{X: &docX{T: map[uint32]*docT{4: {Alias: "keep"}}}}
	if err := PopulateDefaults(s, "", d); err != nil {
		t.Fatal(err)
	}
	if got := d.X.T[4].L; len(got) != 2 || got[0] != 1 || got[1] != 3 || d.X.T[4].Alias != "keep" {
		t.Fatalf("defaults: %+v", d.X.T[4])
	}
	data, err := json.Marshal(d)
	if err != nil || string(data) != `{"X":{"T":{"4":{"Alias":"keep","L":[1,3]}}}}` {
		t.Fatalf("JSON %s %v", data, err)
	}
	var hx docX
	if err := json.Unmarshal([]byte(`{"Z":"0aff"}`), &hx); err != nil || hx.Z.String() != "0aff" {
		t.Fatalf("hexBinary JSON: %v %v", hx.Z, err)
	}
	if Equal(d, nil) || !Equal[docRoot](nil, nil) {
		t.Fatal("Equal with nil")
	}
}
