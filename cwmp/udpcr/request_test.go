package udpcr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The signature of Annex G's example values with the password
// "cpe-secret", computed independently with
//
//	printf '%s' 1120673700 1234 CPE57689 XTGRWIPC6D3IPXS3 | openssl dgst -sha1 -hmac cpe-secret
const annexGSig = "c01dfe6666916ee92211384c1e28d3b63ec18e66"

func TestSignatureKnownAnswer(t *testing.T) {
	got := Signature(1120673700, "1234", "CPE57689", "XTGRWIPC6D3IPXS3", "cpe-secret")
	if got != strings.ToUpper(annexGSig) {
		t.Fatalf("sig %s, want %s", got, annexGSig)
	}
	// A CPE receiving the lower-case hex GenieACS sends accepts it.
	msg := "GET http://10.1.1.1:8080?ts=1120673700&id=1234&un=CPE57689&cn=XTGRWIPC6D3IPXS3&sig=" + annexGSig + " HTTP/1.1\r\nHost: 10.1.1.1:8080\r\n\r\n"
	r, err := ParseRequest([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify("CPE57689", "cpe-secret"); err != nil {
		t.Fatal(err)
	}
	if r.Addr != "10.1.1.1:8080" || r.TS != 1120673700 || r.ID != "1234" || r.CNonce != "XTGRWIPC6D3IPXS3" {
		t.Fatalf("%+v", r)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, user := range []string{"SIM0001", "", "user name&x=y+z%", "ünï"} {
		r := NewRequest("127.0.0.1:40001", user, "pw", now)
		b := r.Encode()
		if !strings.HasPrefix(string(b), "GET http://127.0.0.1:40001?ts=1700000000&id=") || !strings.HasSuffix(string(b), " HTTP/1.1\r\nHost: 127.0.0.1:40001\r\n\r\n") {
			t.Fatalf("encoded %q", b)
		}
		p, err := ParseRequest(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if *p != *r {
			t.Fatalf("round trip: %+v, want %+v", p, r)
		}
		if err := p.Verify(user, "pw"); err != nil {
			t.Fatalf("%q: %v", user, err)
		}
		if err := p.Verify(user, "wrong"); !errors.Is(err, ErrSignature) {
			t.Fatalf("wrong password: %v", err)
		}
		if err := p.Verify(user+"x", "pw"); !errors.Is(err, ErrUsername) {
			t.Fatalf("wrong user: %v", err)
		}
	}
	// Two requests never share an id and cnonce.
	a, b := NewRequest("h:1", "u", "p", now), NewRequest("h:1", "u", "p", now)
	if a.ID == b.ID && a.CNonce == b.CNonce {
		t.Fatal("same id and cnonce twice")
	}
}

// TestParseForms: the request forms ACSs send in practice.
func TestParseForms(t *testing.T) {
	q := "ts=1120673700&id=1234&un=CPE57689&cn=XTGRWIPC6D3IPXS3&sig=" + annexGSig
	for _, msg := range []string{
		"GET http://10.1.1.1:8080?" + q + " HTTP/1.1\r\nHost: 10.1.1.1:8080\r\n\r\n",
		"GET http://10.1.1.1:8080/?" + q + " HTTP/1.1\r\n\r\n",    // with a path
		"GET HTTP://10.1.1.1:8080?" + q + " HTTP/1.1\n\n",         // LF only, upper-case scheme
		"GET /?" + q + " HTTP/1.1\r\nHost: 10.1.1.1:8080\r\n\r\n", // origin form
		"GET ?" + q + " HTTP/1.1\r\nhost:10.1.1.1:8080\r\nContent-Length: 0\r\n\r\n",
		"GET http://10.1.1.1:8080?" + q + "&extra=1#frag HTTP/1.0\r\n\r\n",                                                               // unknown parameter, fragment
		"GET http://10.1.1.1:8080?sig=" + strings.ToUpper(annexGSig) + "&cn=XTGRWIPC6D3IPXS3&un=CPE57689&id=1234&ts=1120673700 HTTP/1.1", // any order, no CRLF
		"GET http://10.1.1.1:8080?ts=1120673700&id=1234&un=CPE%35%37689&cn=XTGRWIPC6D3IPXS3&sig=" + annexGSig + " HTTP/1.1\r\n\r\n",      // escapes
	} {
		r, err := ParseRequest([]byte(msg))
		if err != nil {
			t.Errorf("%q: %v", msg, err)
			continue
		}
		if err := r.Verify("CPE57689", "cpe-secret"); err != nil {
			t.Errorf("%q: %v", msg, err)
		}
		if r.Addr != "10.1.1.1:8080" {
			t.Errorf("%q: addr %q", msg, r.Addr)
		}
	}
}

func TestParseRejects(t *testing.T) {
	q := "ts=1120673700&id=1234&un=CPE57689&cn=XTGRWIPC6D3IPXS3&sig=" + annexGSig
	for _, msg := range []string{
		"",
		"\x00\x01\x00\x00",
		"POST http://h:1?" + q + " HTTP/1.1\r\n\r\n",
		"GET http://h:1?" + q + " HTTP/2\r\n\r\n",
		"GET http://h:1?" + q + "\r\n\r\n",
		"GET http://h:1 HTTP/1.1\r\n\r\n",
		"GET https://h:1?" + q + " HTTP/1.1\r\n\r\n",
		"GET http://h:1?" + strings.Replace(q, "ts=1120673700", "ts=-5", 1) + " HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "ts=1120673700", "ts=+5", 1) + " HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "ts=1120673700", "ts=99999999999999999999", 1) + " HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "&id=1234", "", 1) + " HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "id=1234", "id=", 1) + " HTTP/1.1",
		"GET http://h:1?" + q + "&id=5 HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "un=CPE57689", "un=%zz", 1) + " HTTP/1.1",
		"GET http://h:1?" + strings.Replace(q, "un=CPE57689", "un=%4", 1) + " HTTP/1.1",
		"GET http://h:1?" + q[:len(q)-1] + " HTTP/1.1",
		"GET http://h:1?" + q[:len(q)-1] + "g HTTP/1.1",
		"GET http://h:1?" + q + " HTTP/1.1\r\n" + strings.Repeat("X", MaxRequestSize),
	} {
		if r, err := ParseRequest([]byte(msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%.100q: %+v, %v", msg, r, err)
		}
	}
}

// TestGuard: freshness, order and repeats.
func TestGuard(t *testing.T) {
	now := time.Unix(1700000000, 0)
	req := func(ts int64, id string) *Request { return &Request{TS: ts, ID: id} }
	var g Guard
	check := func(r *Request, want error) {
		t.Helper()
		if err := g.Check(r, now); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Fatalf("ts %d id %s: %v, want %v", r.TS, r.ID, err, want)
		}
		if want == nil {
			g.Accept(r)
		}
	}
	check(req(now.Unix(), "1"), nil)
	check(req(now.Unix(), "1"), ErrReplay)   // a retransmitted copy
	check(req(now.Unix(), "2"), nil)         // another request in the same second
	check(req(now.Unix()-1, "3"), ErrReplay) // older than the last accepted
	check(req(now.Unix()+1, "1"), nil)       // an id may come back later
	check(req(now.Unix()+2, "4"), nil)
	check(req(now.Unix()-int64(DefaultMaxAge/time.Second)-1, "5"), ErrStale) // too old for the clock
	check(req(now.Unix()+int64(DefaultMaxAge/time.Second)+1, "6"), ErrStale) // too far ahead
	// An ACS with milliseconds in ts (seen in the field) is out of bounds.
	check(req(now.UnixMilli(), "7"), ErrStale)
	// Without a clock bound, order and repeats still count.
	g2 := Guard{MaxAge: -1}
	if err := g2.Check(req(5, "1"), now); err != nil {
		t.Fatal(err)
	}
	g2.Accept(req(5, "1"))
	if err := g2.Check(req(4, "2"), now); !errors.Is(err, ErrReplay) {
		t.Fatal(err)
	}
}
