package acsref

import (
	"encoding/hex"
	"io"
	"log/slog"
	"net/netip"
	"testing"

	"github.com/dmforge/dmforge/cwmp/udpcr"
)

// FuzzSTUNHandle: whatever datagram reaches the ACS's STUN server, with or
// without a STUN password, gets a well-formed STUN answer or none, never
// a panic; only Binding Requests are answered.
func FuzzSTUNHandle(f *testing.F) {
	req := &udpcr.Message{Type: udpcr.TypeBindingRequest, TxID: udpcr.NewTxID()}
	req.Add(udpcr.AttrUsername, udpcr.PaddedUsername("SIM0"))
	req.Add(udpcr.AttrConnectionRequestBinding, []byte(udpcr.ConnectionRequestBindingValue))
	req.Add(udpcr.AttrBindingChange, nil)
	f.Add(req.Encode(nil, 0), false)
	f.Add(req.Encode([]byte("pw"), udpcr.IntegrityRFC3489), true)
	f.Add(req.Encode([]byte("pw"), udpcr.IntegrityRFC5389), true)
	f.Add(req.Encode([]byte("wrong"), udpcr.IntegrityRFC5389), true)
	for _, h := range []string{
		"000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
		"000100182112a4420102030405060708090a0b0c000800140000",             // truncated integrity
		"000100082112a4420102030405060708090a0b0c00060000c0010000",         // empty username and binding
		"0101000c2112a4420102030405060708090a0b0c0001000800011234c0000201", // a response: not answered
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, b []byte, auth bool) {
		st := &stunServer{log: slog.New(slog.NewTextHandler(io.Discard, nil)), bindings: map[string]*stunBinding{}}
		if auth {
			st.password = "pw"
		}
		resp := st.handle(b, netip.MustParseAddrPort("192.0.2.1:4000"))
		if resp == nil {
			return
		}
		m, err := udpcr.ParseMessage(resp)
		if err != nil {
			t.Fatalf("answer does not parse: %v", err)
		}
		if m.Type != udpcr.TypeBindingResponse && m.Type != udpcr.TypeBindingErrorResponse {
			t.Fatalf("answer type %#x", m.Type)
		}
		if req, _ := udpcr.ParseMessage(b); req == nil || req.Type != udpcr.TypeBindingRequest || m.TxID != req.TxID {
			t.Fatal("answered something that is not a Binding Request, or with another transaction id")
		}
		if m.Type == udpcr.TypeBindingResponse {
			if a, ok := m.MappedAddress(); !ok || a.String() != "192.0.2.1:4000" {
				t.Fatalf("mapped %v", a)
			}
		}
	})
}
