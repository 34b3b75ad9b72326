package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func uspFixture() *Schema {
	u := func(v uint64) *uint64 { return &v }
	host := &Syntax{Type: TypeString, Sizes: []Size{{Max: u(8)}}}
	count := &Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Min: "1", Max: "9"}}}
	status := &Syntax{Type: TypeString, Enums: []Enum{{Value: "Complete"}, {Value: "Error|`odd`"}}}
	return NewSchemaWithUSP("X:1.0", "urn:x", codecFixture().Entries(), []*USPEntry{
		{Path: "X.T.{i}.Ping()", Async: true, Version: "1.1", Input: []*Argument{
			{Path: "Count", Syntax: count},
			{Path: "Host", Syntax: host, Mandatory: true},
		}, Output: []*Argument{
			{Path: "Hops.{i}.RTT", Syntax: count, Status: Deprecated},
			{Path: "Status", Syntax: status},
		}},
		{Path: "X.Boot!", Event: true, Args: []*Argument{{Path: "Cause\t~", Syntax: status}}},
		{Path: "X.Reset()", Status: Obsoleted},
		{Path: "Y.Off()"}, // on an object the schema does not have
	})
}

func TestUSPEntriesRoundTrip(t *testing.T) {
	s := uspFixture()
	data := EncodeSchema(s)
	if head, _, _ := strings.Cut(data, "\n"); strings.Count(head, "\t") != 3 {
		t.Errorf("header %q: a USP schema counts its command lines", head)
	}
	back, err := DecodeSchema("X:1.0", "urn:x", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Entries(), s.Entries()) {
		t.Error("entries changed")
	}
	if !reflect.DeepEqual(back.USPEntries(), s.USPEntries()) {
		for i, op := range back.USPEntries() {
			t.Logf("%d: %+v", i, *op)
		}
		t.Fatal("commands and events changed")
	}
	if op, ok := back.USPEntry("X.T.7.Ping()"); !ok || !op.Async || op.Input[1].Path != "Host" || !op.Input[1].Mandatory {
		t.Errorf("USPEntry(X.T.7.Ping()) = %+v, %v", op, ok)
	}
	if _, ok := back.USPEntry("X.T.7.Pong()"); ok {
		t.Error("found a command that does not exist")
	}
	// A schema without commands encodes as before: three counts.
	plain := EncodeSchema(codecFixture())
	if head, _, _ := strings.Cut(plain, "\n"); strings.Count(head, "\t") != 2 {
		t.Errorf("header %q changed for a schema without commands", head)
	}
	lazy := LazySchema("X:1.0", "urn:x", data)
	if len(lazy.USPEntries()) != 4 || len(lazy.Entries()) != len(s.Entries()) {
		t.Error("LazySchema lost entries")
	}
}

func TestDecodeUSPEntriesErrors(t *testing.T) {
	data := EncodeSchema(uspFixture())
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	n := len(lines)
	for _, c := range []struct {
		name string
		edit func([]string) []string
		want string
	}{
		{"truncated", func(l []string) []string { return l[:n-1] }, "data ends in the commands and events"},
		{"trailing", func(l []string) []string { return append(l, "Cx") }, "data after the commands and events"},
		{"argument first", func(l []string) []string {
			for i, s := range l {
				if strings.HasPrefix(s, "C") || strings.HasPrefix(s, "E") {
					l[i] = "Ai\tZ\t0"
					break
				}
			}
			return l
		}, "an argument before any command or event"},
		{"bad side", func(l []string) []string { l[n-1] = "Ax\tZ\t0"; return l }, "side i, o or e"},
		{"bad syntax", func(l []string) []string { l[n-1] = "Ai\tZ\t999"; return l }, "bad syntax index"},
		{"bad kind", func(l []string) []string { l[n-1] = "Q"; return l }, "starts with C, E or A"},
	} {
		l := c.edit(append([]string(nil), lines...))
		_, err := DecodeSchema("X", "", strings.Join(l, "\n")+"\n")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	plain := EncodeSchema(codecFixture())
	if _, err := DecodeSchema("X", "", plain+"P0\tZ\tr\t0\n"); err == nil || !strings.Contains(err.Error(), "data after the entries") {
		t.Errorf("trailing entry: %v", err)
	}
}

func TestCheckArgs(t *testing.T) {
	op, _ := uspFixture().USPEntry("X.T.1.Ping()")
	if err := CheckArgs(op.Input, map[string]string{"Host": "h", "Count": "9"}); err != nil {
		t.Errorf("valid input: %v", err)
	}
	if err := CheckArgs(op.Output, map[string]string{"Status": "Complete", "Hops.1.RTT": "1", "Hops.12.RTT": "2"}); err != nil {
		t.Errorf("valid output: %v", err)
	}
	err := CheckArgs(op.Input, map[string]string{"Count": "10", "Host": "toolonghost", "Size": "1", "Hops.{i}.RTT": "1"})
	var got []string
	for _, e := range flattenJoined(err) {
		var ae *ArgError
		if !errors.As(e, &ae) {
			t.Fatalf("%v is not an *ArgError", e)
		}
		msg := ae.Arg + ": " + ae.Msg
		var ve *ValueError
		if errors.As(ae, &ve) {
			msg += " (" + string(ve.Rule) + ")"
		}
		got = append(got, msg)
	}
	want := []string{"Count: invalid value (range)", "Hops.{i}.RTT: no such argument", "Host: invalid value (size)", "Size: no such argument"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CheckArgs errors %q, want %q", got, want)
	}
	if err := CheckArgs(op.Input, map[string]string{"Count": "1"}); err == nil || !strings.Contains(err.Error(), "argument Host: mandatory argument missing") {
		t.Errorf("missing Host: %v", err)
	}
	if err := CheckArgs(op.Output, map[string]string{"Hops.[a].RTT": "1", "Status": "Done"}); err == nil || strings.Count(err.Error(), "argument ") != 2 {
		t.Errorf("alias instance and enumeration: %v", err)
	}
}
