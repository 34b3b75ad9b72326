package udpcr

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzParseRequest: any datagram parses or fails, never panics; what
// parses encodes to a request that parses to the same values.
func FuzzParseRequest(f *testing.F) {
	q := "ts=1120673700&id=1234&un=CPE57689&cn=XTGRWIPC6D3IPXS3&sig=" + annexGSig
	for _, s := range []string{
		"GET http://10.1.1.1:8080?" + q + " HTTP/1.1\r\nHost: 10.1.1.1:8080\r\n\r\n",
		"GET ?" + q + " HTTP/1.1\r\nHost:\r\n",
		"GET /?" + q + " HTTP/1.1\nHost: [::1]:80\n",
		"GET http://?ts=&id=&un=&cn=&sig= HTTP/1.1",
		"GET http://h?ts=1&ts=2 HTTP/1.1",
		"GET http://h?ts=1&id=%&un=%%&cn=%4&sig=" + strings.Repeat("g", 40) + " HTTP/1.1",
		"GET http://h?=&&&=== HTTP/1.1",
		"GET http HTTP/1.1",
		"GET http:// HTTP/1.1",
		"GET  http://h?" + q + "  HTTP/1.1",
		"\x00\x01\x00\x08\x21\x12\xa4\x42",
		"GET http://h?ts=9223372036854775807&id=1&un=u&cn=c&sig=" + annexGSig + " HTTP/1.1",
		"GET ?" + q + " HTTP/1.1\r\nHost: 0\f0\r\n",                                 // white space in the Host
		"GET ?" + q + " HTTP/1.1\r\nHost: " + strings.Repeat("\xf3", 3000) + "\r\n", // a Host too long to repeat
		string(NewRequest("127.0.0.1:1", "ü&=%+", "p", time.Unix(0, 0)).Encode()),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			return
		}
		_ = r.Verify(r.Username, "x")
		var g Guard
		_ = g.Check(r, time.Now())
		g.Accept(r)
		if strings.ContainsAny(r.Addr, "?/#") || strings.ContainsFunc(r.Addr, func(c rune) bool { return c <= ' ' || c == 0x85 || c == 0xA0 || unicode.IsSpace(c) }) {
			return // an address (from a Host header) that cannot stand in a Request-URI
		}
		if len(r.Encode()) > MaxRequestSize {
			return // a long Host header twice (Request-URI and Host) is too long
		}
		r2, err := ParseRequest(r.Encode())
		if err != nil {
			t.Fatalf("re-encoded %q: %v", r.Encode(), err)
		}
		if *r2 != *r {
			t.Fatalf("round trip %+v != %+v", r2, r)
		}
	})
}

// FuzzParseMessage: any datagram parses or fails, never panics; the
// accessors and the integrity check run on whatever parsed.
func FuzzParseMessage(f *testing.F) {
	for _, h := range []string{
		tr111Text + tr111MIAttrH + tr111MI3489,
		"000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
		"0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
		"000100182112a4420102030405060708090a0b0c000800140000",     // truncated integrity
		"000100082112a4420102030405060708090a0b0c00080000",         // empty integrity
		"010100082112a4420102030405060708090a0b0c0020000400020001", // short XOR address
		"010100082112a4420102030405060708090a0b0c0001000400020001", // IPv6 family, IPv4 length
		"011100082112a4420102030405060708090a0b0c0009000400000401", // error without reason
		"000100172112a4420102030405060708090a0b0c" + "c0010013" + hex.EncodeToString([]byte("dslforum.org/TR-111")),
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		_, _ = m.MappedAddress()
		_, _, _ = m.ErrorCode()
		_ = m.Username()
		_ = m.ConnectionRequestBinding()
		_ = m.UnknownRequired(func(uint16) bool { return false })
		_, _ = m.CheckIntegrity([]byte("k"))
		// What parsed re-encodes and parses with the same attributes.
		m2, err := ParseMessage(m.Encode(nil, 0))
		if err != nil {
			t.Fatalf("re-encoded: %v", err)
		}
		if len(m2.Attrs) != len(m.Attrs) || m2.Type != m.Type || m2.TxID != m.TxID {
			t.Fatalf("round trip %+v != %+v", m2, m)
		}
	})
}
