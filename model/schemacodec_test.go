package model

import (
	"reflect"
	"strings"
	"testing"
)

func codecFixture() *Schema {
	u := func(v uint64) *uint64 { return &v }
	return NewSchema("X:1.0", "urn:x", []*Entry{
		{Path: "X.", Object: true, Access: ReadOnly, MinEntries: 1, MaxEntries: 1, Version: "1.0"},
		{Path: "X.T.{i}.", Object: true, Access: ReadWrite, MaxEntries: Unbounded, NumEntriesParameter: "TNumberOfEntries", EnableParameter: "Enable",
			UniqueKeys: []UniqueKey{{Functional: true, Params: []string{"Alias"}}, {Params: []string{"A", "B"}}}, Status: Deprecated},
		{Path: "X.T.{i}.Alias", Access: ReadWrite, Syntax: &Syntax{Type: TypeString, DataType: "Alias", Sizes: []Size{{Max: u(64)}}}, ActiveNotify: NotifyCanDeny},
		{Path: "X.T.{i}.L", Access: WriteOnceReadOnly, Syntax: &Syntax{Type: TypeUnsignedInt, List: &List{MinItems: u(1), MaxItems: u(4), Size: &Size{}, Nested: true},
			Ranges: []Range{{Min: "1", Max: "9", Step: "2"}}, Default: &Default{Type: "object", Value: "1,3"}}, ForcedInform: true},
		{Path: "X.T.{i}.S", Access: ReadOnly, Syntax: &Syntax{Type: TypeString,
			Enums:    []Enum{{Value: "a|b~c`d\\e\tf\ng\x01"}, {Value: "", Status: Deleted, Access: ReadOnly, Optional: true}},
			Patterns: []Pattern{{Value: `[0-9]{1,3}(\.[0-9]+)?|x`, Status: Obsoleted}}, Units: "seconds",
			Ref:    &Reference{Kind: PathRef, RefType: "strong", TargetParent: "#.T.", TargetType: "row", NullValue: ""},
			Hidden: true, Secured: true, Command: true}, Status: Current, Version: "1.1"},
		{Path: "X.Z", Access: ReadWrite, Syntax: &Syntax{Type: TypeHexBinary, Sizes: []Size{{Min: u(2), Max: u(2)}, {Min: u(8)}}}},
	})
}

func TestSchemaCodecRoundTrip(t *testing.T) {
	s := codecFixture()
	data := EncodeSchema(s)
	if strings.ContainsAny(data, "`\r") {
		t.Fatal("encoded schema does not fit a raw string literal")
	}
	got, err := DecodeSchema(s.Model, s.Spec, data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != s.Len() {
		t.Fatalf("%d entries, want %d", got.Len(), s.Len())
	}
	for i, e := range s.Entries() {
		if !reflect.DeepEqual(got.Entries()[i], e) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got.Entries()[i], e)
		}
	}
	lazy := LazySchema(s.Model, s.Spec, data)
	if e, ok := lazy.Lookup("X.T.7.L"); !ok || !e.Syntax.List.Nested {
		t.Fatalf("lazy lookup: %+v %v", e, ok)
	}
	if len(lazy.Children("X.T.{i}.")) != 3 {
		t.Fatalf("children: %v", lazy.Children("X.T.{i}."))
	}
}

func TestDecodeSchemaErrors(t *testing.T) {
	data := EncodeSchema(codecFixture())
	for _, bad := range []string{"", "nope", schemaMagic + "\t1\t1\n", schemaMagic + "\t0\t1\nQ\n", schemaMagic + "\t0\t1\nP\tx\t\t9\n",
		strings.Replace(data, "\nO0\t", "\nO9\t", 1), strings.Replace(data, "TunsignedInt", "Xfoo", 1)} {
		if _, err := DecodeSchema("X", "", bad); err == nil || !strings.Contains(err.Error(), "line") {
			t.Errorf("%q: error %v, want one naming the line", bad, err)
		}
	}
}

func FuzzDecodeSchema(f *testing.F) {
	f.Add(EncodeSchema(codecFixture()))
	f.Add(EncodeSchema(uspFixture()))
	f.Add(schemaMagic + "\t1\t2\nTstring\nO\tX.\tr\t1\t1\nP0\tA\tw\t0\n")
	f.Fuzz(func(t *testing.T, data string) {
		s, err := DecodeSchema("X", "", data)
		if err != nil {
			return
		}
		// What decodes encodes to data that decodes to the same entries.
		again, err := DecodeSchema("X", "", EncodeSchema(s))
		if err != nil {
			t.Fatalf("re-encoded schema does not decode: %v", err)
		}
		if !reflect.DeepEqual(again.Entries(), s.Entries()) && len(s.Entries()) > 0 {
			t.Fatalf("round trip changed the entries")
		}
		if !reflect.DeepEqual(again.USPEntries(), s.USPEntries()) {
			t.Fatalf("round trip changed the commands and events")
		}
	})
}

// TestLazySchemaConcurrentFirstUse: goroutines racing to the first use
// all see the decoded schema (run with -race).
func TestLazySchemaConcurrentFirstUse(t *testing.T) {
	data := EncodeSchema(codecFixture())
	s := LazySchema("X:1.0", "urn:x", data)
	done := make(chan int)
	for i := 0; i < 8; i++ {
		go func() {
			n := len(s.Children("X."))
			if _, ok := s.Lookup("X.T.3.Alias"); !ok {
				n = -1
			}
			done <- n
		}()
	}
	for i := 0; i < 8; i++ {
		if n := <-done; n != 2 {
			t.Fatalf("a goroutine saw %d children of X.", n)
		}
	}
}
