package cwmp

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

func envSeed() uint64 {
	s, _ := strconv.ParseUint(os.Getenv("CWMP_SEED"), 10, 64)
	return s
}

// TestEveryMessageTypeIsRegistered pins the RPC catalogue of TR-069
// Amendment 6: 20 CPE methods and 8 ACS methods (GetRPCMethods is both),
// each with its response.
func TestEveryMessageTypeIsRegistered(t *testing.T) {
	methods := []string{
		"GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
		"SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot",
		"Download", "Upload", "FactoryReset", "GetQueuedTransfers", "GetAllQueuedTransfers",
		"ScheduleInform", "SetVouchers", "GetOptions", "ScheduleDownload", "CancelTransfer",
		"ChangeDUState",
		"Inform", "TransferComplete", "AutonomousTransferComplete", "DUStateChangeComplete",
		"AutonomousDUStateChangeComplete", "RequestDownload", "Kicked",
	}
	want := map[string]bool{}
	for _, m := range methods {
		want[m] = true
		want[m+"Response"] = true
	}
	for name := range want {
		m := NewMessage(name)
		if m == nil {
			t.Errorf("no message type for %s", name)
			continue
		}
		if m.MethodName() != name {
			t.Errorf("%T.MethodName() = %q, want %q", m, m.MethodName(), name)
		}
		planFor(reflectElemType(m)) // panics on a bad tag
	}
	if got := len(MethodNames()); got != len(want) {
		t.Errorf("%d registered messages, want %d", got, len(want))
	}
}

// TestRoundTripRandom is the property test: for every namespace, every
// message type, random valid instances encode, decode and compare equal,
// with the namespace and header preserved.
func TestRoundTripRandom(t *testing.T) {
	const perType = 25
	for _, seed := range testSeeds(t) {
		for _, ns := range allNamespaces {
			g := newGen(seed, ns)
			for _, name := range namesFor(ns) {
				for i := 0; i < perType; i++ {
					env := g.envelope(name)
					data, err := Marshal(env)
					if err != nil {
						t.Fatalf("seed %d %s %s #%d: encode: %v", seed, ns, name, i, err)
					}
					got, err := Decode(data)
					if err != nil {
						t.Fatalf("seed %d %s %s #%d: decode: %v\n%s", seed, ns, name, i, err, data)
					}
					if got.Namespace != ns {
						t.Fatalf("seed %d %s: decoded namespace %q", seed, name, got.Namespace)
					}
					if d := equalMessages(env, got); d != "" {
						t.Fatalf("seed %d %s %s #%d: round trip differs at %s\n%s", seed, ns, name, i, d, data)
					}
					// Encoding is deterministic: the decoded envelope
					// encodes to the same bytes.
					again, err := Marshal(got)
					if err != nil || !bytes.Equal(again, data) {
						t.Fatalf("seed %d %s %s #%d: re-encoding differs (err %v)", seed, ns, name, i, err)
					}
				}
			}
		}
	}
}

func TestEmptyEnvelope(t *testing.T) {
	b, err := Marshal(&Envelope{})
	if err != nil || len(b) != 0 {
		t.Fatalf("empty envelope encodes to %q, %v", b, err)
	}
	for _, in := range []string{"", "   \r\n\t", "\xEF\xBB\xBF", "\xEF\xBB\xBF \n"} {
		env, err := Decode([]byte(in))
		if err != nil || !env.IsEmpty() {
			t.Errorf("Decode(%q) = %+v, %v; want an empty envelope", in, env, err)
		}
	}
	if _, err := Marshal(&Envelope{Header: Header{ID: "1"}}); err == nil {
		t.Error("a header without a body encoded")
	}
}

func TestReplyKeepsIDAndNamespace(t *testing.T) {
	req := &Envelope{Namespace: Namespace10, Header: Header{ID: "abc", HoldRequests: true}, Body: &Inform{}}
	rep := req.Reply(&InformResponse{MaxEnvelopes: 1})
	if rep.Namespace != Namespace10 || rep.Header.ID != "abc" || rep.Header.HoldRequests {
		t.Errorf("Reply = %+v", rep)
	}
}
