package model

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Argument structs shaped as gen go writes them for a USP command.
type argsHop struct {
	Address string `json:"Address,omitzero"`
}

type argsReply struct {
	RTT  uint32    `json:"RTT,omitzero"`
	Hops []argsHop `json:"Hops,omitzero"`
}

type argsOptions struct {
	Verbose bool   `json:"Verbose,omitzero"`
	Payload []byte `json:"Payload,omitzero"`
}

type argsMode string

type argsIn struct {
	Host    string       `dm:"mandatory" json:"Host,omitzero"`
	Count   uint32       `json:"Count,omitzero"`
	Ports   []uint32     `json:"Ports,omitzero"`
	Offset  int32        `json:"Offset,omitzero"`
	Key     HexBinary    `json:"Key,omitzero"`
	Mode    argsMode     `json:"Mode,omitzero"`
	Options *argsOptions `json:"Options,omitzero"`
}

type argsOut struct {
	Started time.Time   `json:"Started,omitzero"`
	Loss    Decimal     `json:"Loss,omitzero"`
	Bytes   uint64      `json:"Bytes,omitzero"`
	Drift   int64       `json:"Drift,omitzero"`
	Replies []argsReply `json:"Replies,omitzero"`
}

func TestArgsRoundTrip(t *testing.T) {
	in := argsIn{Host: "h", Count: 3, Ports: []uint32{80, 443}, Offset: -2, Key: HexBinary{0xab, 1}, Mode: "Fast",
		Options: &argsOptions{Verbose: true, Payload: []byte("hi")}}
	wire, err := EncodeArgs(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Host": "h", "Count": "3", "Ports": "80,443", "Offset": "-2", "Key": "ab01", "Mode": "Fast",
		"Options.Verbose": "true", "Options.Payload": "aGk="}
	if !reflect.DeepEqual(wire, want) {
		t.Fatalf("EncodeArgs = %v, want %v", wire, want)
	}
	var back argsIn
	if err := DecodeArgs(wire, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("round trip: %+v, want %+v", back, in)
	}

	out := argsOut{Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Loss: "0.5", Bytes: 1 << 40, Drift: -7,
		Replies: []argsReply{{RTT: 4}, {RTT: 9, Hops: []argsHop{{Address: "a"}, {Address: "b"}}}}}
	wire, err = EncodeArgs(&out)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"Started": "2026-01-02T03:04:05Z", "Loss": "0.5", "Bytes": "1099511627776", "Drift": "-7",
		"Replies.1.RTT": "4", "Replies.2.RTT": "9", "Replies.2.Hops.1.Address": "a", "Replies.2.Hops.2.Address": "b"}
	if !reflect.DeepEqual(wire, want) {
		t.Fatalf("EncodeArgs = %v, want %v", wire, want)
	}
	var outBack argsOut
	if err := DecodeArgs(wire, &outBack); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(outBack, out) {
		t.Fatalf("round trip: %+v, want %+v", outBack, out)
	}
}

func TestEncodeArgsAllAndSet(t *testing.T) {
	all, _ := EncodeArgs(argsIn{})
	if len(all) != 6 || all["Host"] != "" || all["Count"] != "0" || all["Ports"] != "" {
		t.Errorf("EncodeArgs of a zero struct = %v: every parameter (a zero value is a value), no nil object", all)
	}
	set, _ := EncodeSetArgs(argsIn{Count: 2})
	if !reflect.DeepEqual(set, map[string]string{"Host": "", "Count": "2"}) {
		t.Errorf("EncodeSetArgs = %v: the mandatory Host and what was set", set)
	}
}

func TestDecodeArgsErrors(t *testing.T) {
	for _, c := range []struct {
		args map[string]string
		want []string // every ArgError's "arg: msg"
	}{
		{map[string]string{"Count": "1"}, []string{"Host: mandatory argument missing"}},
		{map[string]string{"Host": "h", "Colour": "red", "Options.Loud": "1"}, []string{"Colour: no such argument", "Options.Loud: no such argument"}},
		{map[string]string{"Host": "h", "Count": "-1", "Ports": "1,x", "Key": "zz"}, []string{"Count: invalid value", "Key: invalid value", "Ports: invalid value"}},
		{map[string]string{"Host": "h", "Options": "1", "Host.X": "1"}, []string{"Host.X: no such argument (Host is a parameter)", "Options: is an argument object, not a parameter"}},
	} {
		var in argsIn
		err := DecodeArgs(c.args, &in)
		var got []string
		for _, e := range flattenJoined(err) {
			var ae *ArgError
			if !errors.As(e, &ae) {
				t.Fatalf("%v: %v is not an *ArgError", c.args, e)
			}
			got = append(got, ae.Arg+": "+ae.Msg)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("DecodeArgs(%v) errors = %q, want %q", c.args, got, c.want)
		}
	}
	var out argsOut
	for _, bad := range []map[string]string{
		{"Replies": "1"}, {"Replies.0.RTT": "1"}, {"Replies.x.RTT": "1"}, {"Replies.1": "1"}, {"Replies.4294967296.RTT": "1"},
		{"Replies.01.RTT": "1"}, {"Replies.+1.RTT": "1"}, {"Replies.1.Hops.01.Address": "a", "Replies.1.RTT": "1"},
	} {
		if err := DecodeArgs(bad, &out); err == nil {
			t.Errorf("DecodeArgs(%v) accepted a malformed table argument", bad)
		}
	}
	// Sparse instance numbers are compacted in order.
	if err := DecodeArgs(map[string]string{"Replies.7.RTT": "7", "Replies.3.RTT": "3"}, &out); err != nil || len(out.Replies) != 2 || out.Replies[0].RTT != 3 || out.Replies[1].RTT != 7 {
		t.Errorf("sparse instances: %+v, %v", out.Replies, err)
	}
	if err := DecodeArgs(nil, argsIn{}); err == nil {
		t.Error("DecodeArgs into a non-pointer must fail")
	}
}

func flattenJoined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestCommandAndEventPaths(t *testing.T) {
	p := struct{ ObjectPath }{}
	FillPath(&p, "Lab.Rack.2.")
	obj := p.ObjectPath
	c := NewCommandPath[argsIn, argsOut](obj, "Probe()", true)
	if c.Path() != "Lab.Rack.2.Probe()" || !c.Async() {
		t.Fatalf("command path %q async %v", c.Path(), c.Async())
	}
	in, err := c.Input(argsIn{Host: "h"})
	if err != nil || !reflect.DeepEqual(in, map[string]string{"Host": "h"}) {
		t.Errorf("Input = %v, %v", in, err)
	}
	out, err := c.Output(map[string]string{"Bytes": "5", "Replies.1.RTT": "2"})
	if err != nil || out.Bytes != 5 || len(out.Replies) != 1 {
		t.Errorf("Output = %+v, %v", out, err)
	}
	e := NewEventPath[argsOptions](obj, "Alarm!")
	args, _ := e.Args(argsOptions{Verbose: true})
	if e.Path() != "Lab.Rack.2.Alarm!" || args["Verbose"] != "true" {
		t.Errorf("event %s args %v", e.Path(), args)
	}
	if v, err := e.Parse(map[string]string{"Verbose": "1"}); err != nil || !v.Verbose {
		t.Errorf("Parse = %+v, %v", v, err)
	}
}

func TestOperateSyncAsync(t *testing.T) {
	ctx := context.Background()
	var gotInst []uint32
	run := func(_ context.Context, inst []uint32, in argsIn) (argsOut, error) {
		gotInst = inst
		if in.Host == "fail" {
			return argsOut{}, errors.New("unreachable")
		}
		return argsOut{Bytes: uint64(in.Count)}, nil
	}
	out, err := OperateSync(ctx, run, []uint32{4}, map[string]string{"Host": "h", "Count": "9"})
	if err != nil || out["Bytes"] != "9" || !reflect.DeepEqual(gotInst, []uint32{4}) {
		t.Errorf("OperateSync = %v, %v (inst %v)", out, err, gotInst)
	}
	if _, err := OperateSync(ctx, run, nil, map[string]string{"Host": "fail"}); err == nil || err.Error() != "unreachable" {
		t.Errorf("OperateSync's handler error: %v", err)
	}
	if _, err := OperateSync(ctx, run, nil, map[string]string{"Count": "1"}); err == nil {
		t.Error("OperateSync ran a handler without its mandatory argument")
	}
	start := func(_ context.Context, _ []uint32, in argsIn, done func(argsOut, error)) error {
		if in.Host == "busy" {
			return errors.New("busy")
		}
		go done(argsOut{Replies: []argsReply{{RTT: in.Count}}}, nil)
		return nil
	}
	res := make(chan map[string]string, 1)
	if err := OperateAsync(ctx, start, nil, map[string]string{"Host": "h", "Count": "3"}, func(out map[string]string, err error) { res <- out }); err != nil {
		t.Fatal(err)
	}
	if out := <-res; out["Replies.1.RTT"] != "3" {
		t.Errorf("OperateAsync's output = %v", out)
	}
	if err := OperateAsync(ctx, start, nil, map[string]string{"Host": "busy"}, func(map[string]string, error) {}); err == nil {
		t.Error("OperateAsync hid the handler's failure to start")
	}
	if err := OperateAsync(ctx, start, nil, map[string]string{"Host": "h"}, nil); err == nil || !strings.Contains(err.Error(), "done") {
		t.Errorf("OperateAsync without done: %v", err)
	}
}

// FuzzDecodeArgs: Operate's input arguments come off the network.
func FuzzDecodeArgs(f *testing.F) {
	f.Add("Host", "h", "Replies.1.Hops.2.Address", "a")
	f.Add("Replies.99999999.RTT", "1", "Options.Payload", "!!")
	f.Add("Replies", "", "Key", "abc")
	f.Add("", ".", "Replies..RTT", "1")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		args := map[string]string{k1: v1, k2: v2}
		var in argsIn
		_ = DecodeArgs(args, &in)
		var out argsOut
		if err := DecodeArgs(args, &out); err == nil {
			// What decodes cleanly encodes to arguments that decode
			// cleanly and encode the same again.
			wire, err := EncodeArgs(out)
			if err != nil {
				t.Fatal(err)
			}
			var again argsOut
			if err := DecodeArgs(wire, &again); err != nil {
				t.Fatalf("%v → %v: %v", args, wire, err)
			}
			if wire2, _ := EncodeArgs(again); !reflect.DeepEqual(wire2, wire) {
				t.Fatalf("%v → %v → %v", args, wire, wire2)
			}
		}
	})
}
