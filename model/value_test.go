package model

import (
	"testing"
	"time"
)

func TestWireRoundTrip(t *testing.T) {
	type enum string
	ts := time.Date(2024, 2, 29, 13, 14, 15, 250000000, time.UTC)
	cases := []struct {
		t    BaseType
		v    any
		wire string
	}{
		{TypeString, "a,b", "a,b"},
		{TypeInt, int32(-5), "-5"},
		{TypeUnsignedInt, uint32(4294967295), "4294967295"},
		{TypeLong, int64(-9223372036854775808), "-9223372036854775808"},
		{TypeUnsignedLong, uint64(18446744073709551615), "18446744073709551615"},
		{TypeBoolean, true, "true"},
		{TypeDateTime, ts, "2024-02-29T13:14:15.25Z"},
		{TypeDateTime, time.Time{}, UnknownTime},
		{TypeBase64, []byte{0, 1, 2, 3}, "AAECAw=="},
		{TypeHexBinary, []byte{0xde, 0xad}, "dead"},
		{TypeDecimal, Decimal("1.50"), "1.50"},
		{TypeUnsignedInt, []uint32{1, 2, 3}, "1,2,3"},
		{TypeString, []enum{"A", "B"}, "A,B"},
	}
	for _, c := range cases {
		if got := formatAny(c.t, c.v); got != c.wire {
			t.Errorf("format %v (%s) = %q, want %q", c.v, c.t, got, c.wire)
		}
	}
	if v, err := ParseValue[int32](TypeInt, "-5"); err != nil || v != -5 {
		t.Errorf("ParseValue int32: %v %v", v, err)
	}
	if v, err := ParseValue[bool](TypeBoolean, "1"); err != nil || !v {
		t.Errorf("ParseValue bool 1: %v %v", v, err)
	}
	if v, err := ParseValue[[]uint32](TypeUnsignedInt, "1, 2,3"); err != nil || len(v) != 3 || v[1] != 2 {
		t.Errorf("ParseValue list: %v %v", v, err)
	}
	if v, err := ParseValue[[]enum](TypeString, "A,B"); err != nil || len(v) != 2 || v[1] != "B" {
		t.Errorf("ParseValue enum list: %v %v", v, err)
	}
	if v, err := ParseValue[time.Time](TypeDateTime, UnknownTime); err != nil || FormatDateTime(v) != UnknownTime {
		t.Errorf("unknown time does not round-trip: %v %v", v, err)
	}
	// A relative time (seconds since boot, year 0001) keeps its text.
	if v, err := ParseValue[time.Time](TypeDateTime, "0001-01-01T00:01:40Z"); err != nil || FormatDateTime(v) != "0001-01-01T00:01:40Z" {
		t.Errorf("relative time: %v %v", FormatDateTime(v), err)
	}
	if v, err := ParseValue[time.Time](TypeDateTime, "2024-01-02T03:04:05+02:00"); err != nil || FormatDateTime(v) != "2024-01-02T01:04:05Z" {
		t.Errorf("offset time: %v %v", FormatDateTime(v), err)
	}
	if v, err := ParseValue[[]byte](TypeHexBinary, "DEAD"); err != nil || len(v) != 2 {
		t.Errorf("hex: %v %v", v, err)
	}
	for _, bad := range []struct {
		t BaseType
		s string
	}{{TypeInt, "2147483648"}, {TypeBoolean, "yes"}, {TypeDateTime, "yesterday"}, {TypeHexBinary, "xyz"}} {
		var dst any
		switch bad.t {
		case TypeInt:
			dst = new(int32)
		case TypeBoolean:
			dst = new(bool)
		case TypeDateTime:
			dst = new(time.Time)
		case TypeHexBinary:
			dst = new([]byte)
		}
		if err := ParseValueInto(bad.t, bad.s, dst); err == nil {
			t.Errorf("ParseValueInto(%s, %q) accepted", bad.t, bad.s)
		}
	}
}

func TestSchemaLookup(t *testing.T) {
	m := NewModel("T:1.0")
	o := NewObject("T.X.{i}.")
	_ = m.AddObject(NewObject("T."))
	_ = m.AddObject(o)
	_ = o.AddParam(&Parameter{Name: "N", Access: ReadWrite, Syntax: Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Max: "9"}}}})
	s := SchemaFromModel(m)
	e, ok := s.Lookup("T.X.12.N")
	if !ok || e.Path != "T.X.{i}.N" || e.Access != ReadWrite {
		t.Fatalf("Lookup: %+v %v", e, ok)
	}
	if err := s.CheckValue("T.X.1.N", "10"); err == nil {
		t.Error("out of range value accepted")
	}
	if err := s.CheckValue("T.X.1.Nope", "1"); err == nil {
		t.Error("unknown path accepted")
	}
	if kids := s.Children("T.X.{i}."); len(kids) != 1 || kids[0].Path != "T.X.{i}.N" {
		t.Errorf("Children: %v", kids)
	}
}
