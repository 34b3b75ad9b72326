package udpcr

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC5769Vectors: the sample request and IPv4 response of RFC 5769
// (2.1, 2.2): RFC 5389 message integrity with a FINGERPRINT after it,
// USERNAME padded with spaces, XOR-MAPPED-ADDRESS.
func TestRFC5769Vectors(t *testing.T) {
	key := []byte("VOkJxbRl1RmTxUk/WvJxBt")
	req, err := ParseMessage(unhex(t, "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf"))
	if err != nil {
		t.Fatal(err)
	}
	if req.Type != TypeBindingRequest || !req.RFC5389() || req.Username() != "evtj:h6vY" {
		t.Fatalf("%+v", req)
	}
	if mode, err := req.CheckIntegrity(key); err != nil || mode != IntegrityRFC5389 {
		t.Fatalf("integrity: %v %v", mode, err)
	}
	if _, err := req.CheckIntegrity([]byte("other")); !errors.Is(err, ErrIntegrity) {
		t.Fatal("a wrong key passed")
	}
	if u := req.UnknownRequired(func(t uint16) bool { return t == AttrUsername || t == AttrMessageIntegrity }); len(u) != 1 || u[0] != 0x0024 {
		t.Fatalf("unknown %x", u) // PRIORITY (ICE) is comprehension-required
	}
	resp, err := ParseMessage(unhex(t, "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.CheckIntegrity(key); err != nil {
		t.Fatal(err)
	}
	if a, ok := resp.MappedAddress(); !ok || a != netip.MustParseAddrPort("192.0.2.1:32853") {
		t.Fatalf("mapped %v %v", a, ok)
	}
}

// The TR-111 Binding Request of the tests below: transaction id the magic
// cookie and 01..0c, USERNAME "SIM0", CONNECTION-REQUEST-BINDING, and
// MESSAGE-INTEGRITY keyed "stun-secret". Its HMACs were computed
// independently over these 52 bytes (the header's length 0x38 counting the
// integrity attribute):
//
//	H=000100382112a4420102030405060708090a0b0c0006000453494d30c001001464736c666f72756d2e6f72672f54522d31313120
//	(echo -n $H; printf '%024d' 0) | xxd -r -p | openssl dgst -sha1 -hmac stun-secret   # RFC 3489: zero-padded to 64
//	echo -n $H | xxd -r -p | openssl dgst -sha1 -hmac stun-secret                       # RFC 5389
const (
	tr111Text    = "000100382112a4420102030405060708090a0b0c0006000453494d30c001001464736c666f72756d2e6f72672f54522d31313120"
	tr111MI3489  = "19d0ea7a3fb01d19cbd8d515bdfb7482c3c14559"
	tr111MI5389  = "7004c4d67c0aa5c8a66f5ecaa9eeba3ca66b9345"
	tr111Key     = "stun-secret"
	tr111MIAttrH = "00080014"
)

func tr111Request() *Message {
	m := &Message{Type: TypeBindingRequest}
	copy(m.TxID[:], []byte{0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	m.Add(AttrUsername, PaddedUsername("SIM0"))
	m.Add(AttrConnectionRequestBinding, []byte(ConnectionRequestBindingValue))
	return m
}

func TestIntegrityKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		mode Integrity
		mi   string
	}{{IntegrityRFC3489, tr111MI3489}, {IntegrityRFC5389, tr111MI5389}} {
		b := tr111Request().Encode([]byte(tr111Key), c.mode)
		want := unhex(t, tr111Text+tr111MIAttrH+c.mi)
		if !bytes.Equal(b, want) {
			t.Fatalf("%v:\n got %x\nwant %x", c.mode, b, want)
		}
		m, err := ParseMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		if mode, err := m.CheckIntegrity([]byte(tr111Key)); err != nil || mode != c.mode {
			t.Fatalf("%v: check %v %v", c.mode, mode, err)
		}
		if !m.ConnectionRequestBinding() || m.Has(AttrBindingChange) || m.Username() != "SIM0" {
			t.Fatalf("%+v", m)
		}
	}
}

// TestIntegrityVariants: the header lengths devices put under the HMAC.
func TestIntegrityVariants(t *testing.T) {
	base := unhex(t, tr111Text)
	for _, l := range []uint16{0x38, 0x20, 0} {
		for _, mode := range []Integrity{IntegrityRFC5389, IntegrityRFC3489} {
			text := bytes.Clone(base)
			text[2], text[3] = byte(l>>8), byte(l)
			mi := integrity(text, []byte(tr111Key), mode)
			msg := append(bytes.Clone(base), unhex(t, tr111MIAttrH)...)
			msg = append(msg, mi...)
			m, err := ParseMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := m.CheckIntegrity([]byte(tr111Key)); err != nil || got != mode {
				t.Errorf("length %d %v: %v %v", l, mode, got, err)
			}
		}
	}
}

func TestBindingResponseRoundTrip(t *testing.T) {
	for _, a := range []string{"203.0.113.9:61000", "[2001:db8::1]:3478"} {
		addr := netip.MustParseAddrPort(a)
		for _, classic := range []bool{false, true} {
			m := &Message{Type: TypeBindingResponse, TxID: NewTxID()}
			if classic {
				m.TxID[0] = 0x55 // an RFC 3489 client's id
			}
			m.Add(AttrMappedAddress, AddressValue(addr))
			if !classic {
				m.Add(AttrXORMappedAddress, XORAddressValue(addr, m.TxID))
			}
			p, err := ParseMessage(m.Encode(nil, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := p.MappedAddress(); !ok || got != addr {
				t.Fatalf("%s classic=%v: %v", a, classic, got)
			}
			if p.TxID != m.TxID || p.RFC5389() == classic {
				t.Fatal("transaction id")
			}
		}
	}
	// XOR-MAPPED-ADDRESS is preferred: a NAT rewriting addresses in payloads
	// mangles MAPPED-ADDRESS only.
	m := &Message{Type: TypeBindingResponse, TxID: NewTxID()}
	m.Add(AttrMappedAddress, AddressValue(netip.MustParseAddrPort("10.0.0.1:1")))
	m.Add(AttrXORMappedAddress, XORAddressValue(netip.MustParseAddrPort("198.51.100.1:2"), m.TxID))
	p, _ := ParseMessage(m.Encode(nil, 0))
	if got, _ := p.MappedAddress(); got.String() != "198.51.100.1:2" {
		t.Fatal(got)
	}
}

func TestErrorCodeAndUnknown(t *testing.T) {
	m := &Message{Type: TypeBindingErrorResponse}
	m.Add(AttrErrorCode, ErrorCodeValue(401, "Unauthorized"))
	m.Add(AttrUnknownAttributes, UnknownAttributesValue([]uint16{0x0024}))
	b := m.Encode(nil, 0)
	if len(b)%4 != 0 {
		t.Fatal("unaligned")
	}
	p, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if code, reason, ok := p.ErrorCode(); !ok || code != 401 || reason != "Unauthorized" {
		t.Fatal(code, reason, ok)
	}
	if v, _ := p.Get(AttrUnknownAttributes); !bytes.Equal(v, []byte{0, 0x24, 0, 0x24}) {
		t.Fatalf("%x", v)
	}
}

func TestParseMessageLenient(t *testing.T) {
	// A device that leaves out the trailing space of the binding value and
	// the padding of that last attribute.
	b := unhex(t, "000100172112a4420102030405060708090a0b0c"+"c0010013"+hex.EncodeToString([]byte("dslforum.org/TR-111")))
	m, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.ConnectionRequestBinding() {
		t.Fatal("binding not recognised")
	}
}

func TestParseMessageRejects(t *testing.T) {
	for _, h := range []string{
		"",
		"0001000021", // short
		"c00100002112a4420102030405060708090a0b0c",             // first bits set
		"000100042112a4420102030405060708090a0b0c",             // length beyond the datagram
		"000100042112a4420102030405060708090a0b0c0006",         // truncated attribute header
		"000100082112a4420102030405060708090a0b0c00060008aaaa", // attribute overrun
	} {
		if m, err := ParseMessage(unhex(t, h)); err == nil {
			t.Errorf("%s: parsed %+v", h, m)
		}
	}
	if _, err := (&Message{}).CheckIntegrity([]byte("k")); !errors.Is(err, ErrIntegrity) {
		t.Fatal("unparsed message checked")
	}
}
