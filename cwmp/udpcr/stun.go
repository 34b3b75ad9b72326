package udpcr

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// STUN message types (RFC 3489 11.1; RFC 5389 keeps their values).
const (
	TypeBindingRequest       = 0x0001
	TypeBindingResponse      = 0x0101
	TypeBindingErrorResponse = 0x0111
)

// STUN attribute types: RFC 3489 11.2, RFC 5389 15 and 18.2, and the two
// of TR-111 Part 2.
const (
	AttrMappedAddress       = 0x0001
	AttrResponseAddress     = 0x0002 // RFC 3489 only
	AttrChangeRequest       = 0x0003 // RFC 3489 only
	AttrSourceAddress       = 0x0004 // RFC 3489 only
	AttrChangedAddress      = 0x0005 // RFC 3489 only
	AttrUsername            = 0x0006
	AttrPassword            = 0x0007 // RFC 3489 only
	AttrMessageIntegrity    = 0x0008
	AttrErrorCode           = 0x0009
	AttrUnknownAttributes   = 0x000A
	AttrReflectedFrom       = 0x000B // RFC 3489 only
	AttrRealm               = 0x0014
	AttrNonce               = 0x0015
	AttrXORMappedAddress    = 0x0020
	AttrXORMappedAddressOld = 0x8020 // the pre-RFC 5389 drafts' number, still sent by some servers
	AttrSoftware            = 0x8022
	AttrAlternateServer     = 0x8023
	AttrFingerprint         = 0x8028
	// AttrConnectionRequestBinding (TR-111) marks a Binding Request sent
	// from the socket on which the CPE listens for UDP Connection Requests.
	AttrConnectionRequestBinding = 0xC001
	// AttrBindingChange (TR-111) marks the first Binding Request after the
	// CPE's mapped address changed.
	AttrBindingChange = 0xC002
)

// ConnectionRequestBindingValue is the value of CONNECTION-REQUEST-BINDING:
// 20 bytes, the trailing space making it a multiple of 4.
const ConnectionRequestBindingValue = "dslforum.org/TR-111 "

// MagicCookie starts the transaction id of an RFC 5389 message; an RFC
// 3489 client's 128-bit transaction id is random there.
const MagicCookie = 0x2112A442

// MaxMessageSize bounds the STUN datagrams ParseMessage reads; Binding messages
// are well under 600 bytes.
const MaxMessageSize = 2048

// maxAttrs bounds the attributes of one message.
const maxAttrs = 64

// ErrIntegrity is returned by Message.CheckIntegrity when the message has
// no MESSAGE-INTEGRITY or none that the key produces.
var ErrIntegrity = errors.New("stun: message integrity check failed")

// Integrity is how MESSAGE-INTEGRITY is computed.
type Integrity int

const (
	// IntegrityRFC5389: HMAC-SHA1 of the message up to the attribute, the
	// header's length counting the attribute (RFC 5389 15.4).
	IntegrityRFC5389 Integrity = iota
	// IntegrityRFC3489: the same text zero-padded to a multiple of 64
	// bytes (RFC 3489 11.2.8), as TR-111 devices compute it.
	IntegrityRFC3489
)

func (i Integrity) String() string {
	if i == IntegrityRFC3489 {
		return "RFC 3489"
	}
	return "RFC 5389"
}

// Attr is one attribute: its type and value (without padding).
type Attr struct {
	Type  uint16
	Value []byte
}

// Message is a STUN message.
type Message struct {
	Type uint16
	// TxID is the transaction id: 128 bits in RFC 3489, the magic cookie
	// and 96 bits in RFC 5389.
	TxID  [16]byte
	Attrs []Attr

	raw   []byte // the datagram ParseMessage read
	miOff int    // offset of MESSAGE-INTEGRITY in raw; -1 if none
}

// NewTxID returns an RFC 5389 transaction id (magic cookie and 96 random
// bits): RFC 3489 servers echo it as an opaque 128-bit id.
func NewTxID() [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint32(id[:4], MagicCookie)
	_, _ = rand.Read(id[4:])
	return id
}

// RFC5389 reports whether the transaction id starts with the magic cookie.
func (m *Message) RFC5389() bool { return binary.BigEndian.Uint32(m.TxID[:4]) == MagicCookie }

// ParseMessage reads a STUN message. It accepts RFC 3489 and RFC 5389 messages,
// and a last attribute without its padding (some TR-111 devices send one).
func ParseMessage(b []byte) (*Message, error) {
	if len(b) < 20 || len(b) > MaxMessageSize {
		return nil, fmt.Errorf("stun: %d bytes is no STUN message", len(b))
	}
	if b[0]&0xC0 != 0 {
		return nil, errors.New("stun: not a STUN message (first two bits set)")
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if 20+n > len(b) {
		return nil, fmt.Errorf("stun: length %d exceeds the %d bytes received", n, len(b)-20)
	}
	m := &Message{Type: binary.BigEndian.Uint16(b[0:2]), raw: b[:20+n], miOff: -1}
	copy(m.TxID[:], b[4:20])
	end := 20 + n
	for off := 20; off < end; {
		if off+4 > end {
			return nil, errors.New("stun: truncated attribute header")
		}
		if len(m.Attrs) == maxAttrs {
			return nil, errors.New("stun: too many attributes")
		}
		t := binary.BigEndian.Uint16(b[off : off+2])
		l := int(binary.BigEndian.Uint16(b[off+2 : off+4]))
		if off+4+l > end {
			return nil, fmt.Errorf("stun: attribute 0x%04X overruns the message", t)
		}
		if t == AttrMessageIntegrity && m.miOff < 0 {
			m.miOff = off
		}
		m.Attrs = append(m.Attrs, Attr{Type: t, Value: b[off+4 : off+4+l]})
		off = min(off+4+pad4(l), end)
	}
	return m, nil
}

func pad4(n int) int { return (n + 3) &^ 3 }

// Add appends an attribute.
func (m *Message) Add(t uint16, v []byte) { m.Attrs = append(m.Attrs, Attr{Type: t, Value: v}) }

// Get returns the value of the first attribute of type t.
func (m *Message) Get(t uint16) ([]byte, bool) {
	for _, a := range m.Attrs {
		if a.Type == t {
			return a.Value, true
		}
	}
	return nil, false
}

// Has reports whether the message has an attribute of type t.
func (m *Message) Has(t uint16) bool {
	_, ok := m.Get(t)
	return ok
}

// Encode returns the datagram. With a key, MESSAGE-INTEGRITY computed the
// given way is appended last (any attribute already named so is dropped).
func (m *Message) Encode(key []byte, mode Integrity) []byte {
	out := make([]byte, 20, 128)
	binary.BigEndian.PutUint16(out[0:2], m.Type)
	copy(out[4:20], m.TxID[:])
	for _, a := range m.Attrs {
		if a.Type == AttrMessageIntegrity && key != nil {
			continue
		}
		out = binary.BigEndian.AppendUint16(out, a.Type)
		out = binary.BigEndian.AppendUint16(out, uint16(len(a.Value)))
		out = append(out, a.Value...)
		out = append(out, make([]byte, pad4(len(a.Value))-len(a.Value))...)
	}
	if key == nil {
		binary.BigEndian.PutUint16(out[2:4], uint16(len(out)-20))
		return out
	}
	binary.BigEndian.PutUint16(out[2:4], uint16(len(out)-20+24))
	sum := integrity(out, key, mode)
	out = binary.BigEndian.AppendUint16(out, AttrMessageIntegrity)
	out = binary.BigEndian.AppendUint16(out, 20)
	return append(out, sum...)
}

func integrity(text, key []byte, mode Integrity) []byte {
	h := hmac.New(sha1.New, key)
	h.Write(text)
	if mode == IntegrityRFC3489 && len(text)%64 != 0 {
		h.Write(make([]byte, 64-len(text)%64))
	}
	return h.Sum(nil)
}

// CheckIntegrity checks the MESSAGE-INTEGRITY of a parsed message against
// key (the STUN password) and returns how it was computed. Devices differ
// on the header length the HMAC covers (counting the attribute, as RFC
// 5389 says; not counting it; the final length; zero, the length before
// any attribute was added) and on the RFC 3489 zero padding: each
// combination is tried.
func (m *Message) CheckIntegrity(key []byte) (Integrity, error) {
	if m.raw == nil || m.miOff < 0 {
		return 0, ErrIntegrity
	}
	mi := m.raw[m.miOff+4:]
	if int(binary.BigEndian.Uint16(m.raw[m.miOff+2:m.miOff+4])) != sha1.Size || len(mi) < sha1.Size {
		return 0, ErrIntegrity
	}
	mi = mi[:sha1.Size]
	text := bytes.Clone(m.raw[:m.miOff])
	lengths := []int{m.miOff - 20 + 24, len(m.raw) - 20, m.miOff - 20, 0}
	for i, l := range lengths {
		if slices.Contains(lengths[:i], l) {
			continue
		}
		binary.BigEndian.PutUint16(text[2:4], uint16(l))
		for _, mode := range []Integrity{IntegrityRFC5389, IntegrityRFC3489} {
			if hmac.Equal(integrity(text, key, mode), mi) {
				return mode, nil
			}
		}
	}
	return 0, ErrIntegrity
}

// Username returns USERNAME without the trailing spaces or NULs that
// RFC 3489 devices pad it with to a multiple of 4 bytes.
func (m *Message) Username() string {
	v, _ := m.Get(AttrUsername)
	return strings.TrimRight(string(v), " \x00")
}

// PaddedUsername pads a USERNAME value with spaces to a multiple of 4
// bytes, as RFC 3489 requires (RFC 5389 servers take it as it is, and
// Message.Username trims it).
func PaddedUsername(u string) []byte { return padSpaces(u) }

func padSpaces(s string) []byte { return []byte(s + strings.Repeat(" ", pad4(len(s))-len(s))) }

// ConnectionRequestBinding reports whether the message carries
// CONNECTION-REQUEST-BINDING with TR-111's value (some devices leave out
// the trailing space, or pad with NULs: accepted).
func (m *Message) ConnectionRequestBinding() bool {
	v, ok := m.Get(AttrConnectionRequestBinding)
	return ok && strings.TrimRight(string(v), " \x00") == strings.TrimRight(ConnectionRequestBindingValue, " ")
}

// AddressValue encodes a MAPPED-ADDRESS (or SOURCE-ADDRESS, ...) value.
func AddressValue(a netip.AddrPort) []byte {
	ip := a.Addr().Unmap()
	v := []byte{0, 1, byte(a.Port() >> 8), byte(a.Port())}
	if ip.Is6() {
		v[1] = 2
	}
	return append(v, ip.AsSlice()...)
}

// XORAddressValue encodes an XOR-MAPPED-ADDRESS value for the message
// with transaction id txID.
func XORAddressValue(a netip.AddrPort, txID [16]byte) []byte {
	v := AddressValue(a)
	xorAddress(v, txID)
	return v
}

func xorAddress(v []byte, txID [16]byte) {
	v[2] ^= txID[0]
	v[3] ^= txID[1]
	for i := 4; i < len(v); i++ {
		v[i] ^= txID[i-4]
	}
}

func parseAddress(v []byte) (netip.AddrPort, bool) {
	if len(v) < 4 {
		return netip.AddrPort{}, false
	}
	port := binary.BigEndian.Uint16(v[2:4])
	switch {
	case v[1] == 1 && len(v) == 8:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(v[4:8])), port), true
	case v[1] == 2 && len(v) == 20:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(v[4:20])), port), true
	}
	return netip.AddrPort{}, false
}

// MappedAddress returns the address the server saw the request come from:
// XOR-MAPPED-ADDRESS in an RFC 5389 response, MAPPED-ADDRESS otherwise.
func (m *Message) MappedAddress() (netip.AddrPort, bool) {
	if m.RFC5389() {
		for _, t := range []uint16{AttrXORMappedAddress, AttrXORMappedAddressOld} {
			// Only the two sizes of an address: the XOR covers at most the
			// 4+16 bytes of an IPv6 one.
			if v, ok := m.Get(t); ok && (len(v) == 8 || len(v) == 20) {
				v = bytes.Clone(v)
				xorAddress(v, m.TxID)
				if a, ok := parseAddress(v); ok {
					return a, true
				}
			}
		}
	}
	if v, ok := m.Get(AttrMappedAddress); ok {
		return parseAddress(v)
	}
	return netip.AddrPort{}, false
}

// ErrorCodeValue encodes an ERROR-CODE value; the reason is padded with
// spaces to a multiple of 4 bytes, as RFC 3489 requires.
func ErrorCodeValue(code int, reason string) []byte {
	v := []byte{0, 0, byte(code / 100 & 7), byte(code % 100)}
	return append(v, padSpaces(reason)...)
}

// ErrorCode returns the ERROR-CODE of an error response.
func (m *Message) ErrorCode() (code int, reason string, ok bool) {
	v, ok := m.Get(AttrErrorCode)
	if !ok || len(v) < 4 {
		return 0, "", false
	}
	return int(v[2]&7)*100 + int(v[3]), strings.TrimRight(string(v[4:]), " \x00"), true
}

// UnknownAttributesValue encodes an UNKNOWN-ATTRIBUTES value; an odd list
// repeats its last type, as RFC 3489 requires.
func UnknownAttributesValue(types []uint16) []byte {
	var v []byte
	for _, t := range types {
		v = binary.BigEndian.AppendUint16(v, t)
	}
	if len(types)%2 == 1 {
		v = binary.BigEndian.AppendUint16(v, types[len(types)-1])
	}
	return v
}

// UnknownRequired lists the comprehension-required attributes (type below
// 0x8000) of the message that known does not know: a server answers 420.
func (m *Message) UnknownRequired(known func(uint16) bool) []uint16 {
	var out []uint16
	for _, a := range m.Attrs {
		if a.Type < 0x8000 && !known(a.Type) && !slices.Contains(out, a.Type) {
			out = append(out, a.Type)
		}
	}
	return out
}
