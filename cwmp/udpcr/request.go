package udpcr

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxRequestSize bounds the UDP Connection Request datagrams Parse reads:
// a real one is a few hundred bytes (un is at most 256 characters).
const MaxRequestSize = 4096

// Limits on the query values, so that nothing unbounded is kept (Guard
// remembers ids) or compared.
const (
	maxID     = 64
	maxUser   = 256
	maxCNonce = 256
)

// Errors of ParseRequest, Request.Verify and Guard.Check. A CPE drops the
// message on any of them without an answer.
var (
	ErrMalformed = errors.New("udpcr: malformed UDP connection request")
	ErrUsername  = errors.New("udpcr: unknown connection-request username")
	ErrSignature = errors.New("udpcr: bad signature")
	ErrStale     = errors.New("udpcr: timestamp not fresh")
	ErrReplay    = errors.New("udpcr: repeated or older message")
)

// Request is one UDP Connection Request (TR-069 Annex G).
type Request struct {
	// Addr is the authority of the Request-URI and the Host header: the
	// CPE's UDPConnectionRequestAddress ("host:port").
	Addr string
	// TS is ts: seconds since 1970-01-01 UTC.
	TS int64
	// ID is id: the message id, the same in every retransmitted copy.
	ID string
	// Username is un, CNonce cn.
	Username, CNonce string
	// Sig is sig: HMAC-SHA1 of TS, ID, Username and CNonce, hex.
	Sig string
}

// Signature is the sig of a request: the HMAC-SHA1, keyed with the
// connection-request password, of the decimal ts, id, un and cn values
// concatenated, in upper-case hex as Annex G's example shows it (CPEs
// compare it without regard to case).
func Signature(ts int64, id, username, cnonce, password string) string {
	return strings.ToUpper(hex.EncodeToString(mac(ts, id, username, cnonce, password)))
}

func mac(ts int64, id, username, cnonce, password string) []byte {
	h := hmac.New(sha1.New, []byte(password))
	h.Write([]byte(strconv.FormatInt(ts, 10) + id + username + cnonce))
	return h.Sum(nil)
}

// NewRequest returns a signed request to the CPE at addr (its
// UDPConnectionRequestAddress) with a random id and cnonce.
func NewRequest(addr, username, password string, now time.Time) *Request {
	var b [12]byte
	_, _ = rand.Read(b[:])
	r := &Request{
		Addr: addr, TS: now.Unix(), Username: username,
		// A decimal id: CPEs that parse it as an unsigned number (a common
		// reading of Annex G's example) accept it.
		ID:     strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[:4])), 10),
		CNonce: strings.ToUpper(hex.EncodeToString(b[4:])),
	}
	r.Sign(password)
	return r
}

// Sign sets Sig.
func (r *Request) Sign(password string) {
	r.Sig = Signature(r.TS, r.ID, r.Username, r.CNonce, password)
}

// Encode returns the datagram: the request line with an absolute
// Request-URI without path, as in Annex G, and a Host header.
func (r *Request) Encode() []byte {
	var b strings.Builder
	b.WriteString("GET http://")
	b.WriteString(r.Addr)
	b.WriteString("?ts=")
	b.WriteString(strconv.FormatInt(r.TS, 10))
	b.WriteString("&id=")
	b.WriteString(escape(r.ID))
	b.WriteString("&un=")
	b.WriteString(escape(r.Username))
	b.WriteString("&cn=")
	b.WriteString(escape(r.CNonce))
	b.WriteString("&sig=")
	b.WriteString(r.Sig)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(r.Addr)
	b.WriteString("\r\n\r\n")
	return []byte(b.String())
}

// escape percent-encodes what cannot stand in a query value. Plain values
// (user names of letters and digits) go as they are: some CPEs compare
// the raw query text with their user name.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$'()*,:@/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// ParseRequest reads a UDP Connection Request datagram. It accepts what ACSs send
// in practice: an absolute Request-URI with or without a path ("http://h:p?q",
// "http://h:p/?q"), or an origin-form one ("/?q", "?q") with the address in
// the Host header; HTTP/1.1 or HTTP/1.0; lines ending in CRLF or LF; sig in
// either case. Every one of ts, id, un, cn and sig must be there once.
func ParseRequest(b []byte) (*Request, error) {
	if len(b) > MaxRequestSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	lines := strings.Split(string(b), "\n")
	fields := strings.Fields(strings.TrimSuffix(lines[0], "\r"))
	if len(fields) != 3 || fields[0] != "GET" || (fields[2] != "HTTP/1.1" && fields[2] != "HTTP/1.0") {
		return nil, fmt.Errorf("%w: request line %.80q", ErrMalformed, lines[0])
	}
	target := fields[1]
	r := &Request{}
	if len(target) > 7 && strings.EqualFold(target[:7], "http://") {
		rest := target[7:]
		end := strings.IndexAny(rest, "/?")
		if end < 0 {
			end = len(rest)
		}
		r.Addr, target = rest[:end], rest[end:]
	}
	if r.Addr == "" {
		for _, l := range lines[1:] {
			if k, v, ok := strings.Cut(strings.TrimSuffix(l, "\r"), ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Host") {
				r.Addr = strings.TrimSpace(v)
				break
			}
		}
	}
	_, query, ok := strings.Cut(target, "?")
	if !ok || (target[0] != '/' && target[0] != '?') {
		return nil, fmt.Errorf("%w: no query in %.80q", ErrMalformed, fields[1])
	}
	query, _, _ = strings.Cut(query, "#")
	var ts, sig *string
	seen := map[string]bool{}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		var dst *string
		switch k {
		case "ts":
			dst = new(string)
			ts = dst
		case "id":
			dst = &r.ID
		case "un":
			dst = &r.Username
		case "cn":
			dst = &r.CNonce
		case "sig":
			dst = new(string)
			sig = dst
		default:
			continue // other parameters are no business of Annex G
		}
		if seen[k] {
			return nil, fmt.Errorf("%w: %s given twice", ErrMalformed, k)
		}
		seen[k] = true
		dec, err := unescape(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, k, err)
		}
		*dst = dec
	}
	if len(seen) != 5 {
		return nil, fmt.Errorf("%w: ts, id, un, cn and sig are required", ErrMalformed)
	}
	n, err := strconv.ParseUint(*ts, 10, 63)
	if err != nil || (*ts)[0] == '+' {
		return nil, fmt.Errorf("%w: ts %.40q", ErrMalformed, *ts)
	}
	r.TS = int64(n)
	switch {
	case r.ID == "" || len(r.ID) > maxID:
		return nil, fmt.Errorf("%w: id", ErrMalformed)
	case len(r.Username) > maxUser:
		return nil, fmt.Errorf("%w: un", ErrMalformed)
	case r.CNonce == "" || len(r.CNonce) > maxCNonce:
		return nil, fmt.Errorf("%w: cn", ErrMalformed)
	case len(*sig) != 2*sha1.Size:
		return nil, fmt.Errorf("%w: sig", ErrMalformed)
	}
	if _, err := hex.DecodeString(*sig); err != nil {
		return nil, fmt.Errorf("%w: sig", ErrMalformed)
	}
	r.Sig = *sig
	return r, nil
}

// unescape decodes %XX escapes only: a "+" stays a "+" (Annex G is not a
// form encoding, and ACSs put user names in the query as they are).
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("truncated escape")
		}
		v, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil {
			return "", errors.New("bad escape")
		}
		b.WriteByte(v[0])
		i += 2
	}
	return b.String(), nil
}

// Verify checks un against the CPE's ConnectionRequestUsername and sig
// against its ConnectionRequestPassword (in constant time).
func (r *Request) Verify(username, password string) error {
	if r.Username != username {
		return ErrUsername
	}
	got, err := hex.DecodeString(r.Sig)
	if err != nil || !hmac.Equal(got, mac(r.TS, r.ID, r.Username, r.CNonce, password)) {
		return ErrSignature
	}
	return nil
}

// DefaultMaxAge is how far ts may be from the CPE's clock when
// Guard.MaxAge is zero.
const DefaultMaxAge = 5 * time.Minute

// Guard is a CPE's memory of the UDP Connection Requests it accepted: it
// refuses a request whose ts is older than the last accepted one, a
// repeated id (the retransmitted copies of a request already acted on, or
// a replay), and a ts too far from the CPE's clock (a replay after a
// reboot emptied the memory). Requests with the same ts and different ids
// are distinct requests: ACSs send several a second. Not safe for
// concurrent use.
type Guard struct {
	// MaxAge bounds |now - ts|; DefaultMaxAge if zero, no bound if
	// negative (a CPE without a reliable clock).
	MaxAge time.Duration

	lastTS int64
	ids    map[string]bool // ids accepted with ts == lastTS
}

// Check reports whether r, already verified, is fresh and new.
func (g *Guard) Check(r *Request, now time.Time) error {
	maxAge := g.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if maxAge > 0 {
		d := now.Sub(time.Unix(r.TS, 0))
		if d > maxAge || d < -maxAge {
			return fmt.Errorf("%w: ts %d is %v away", ErrStale, r.TS, d.Round(time.Second))
		}
	}
	if r.TS < g.lastTS || (r.TS == g.lastTS && g.ids[r.ID]) {
		return ErrReplay
	}
	return nil
}

// Accept records r as acted on. Call it only for requests that passed
// Verify and Check: a forged message must not move the guard.
func (g *Guard) Accept(r *Request) {
	if r.TS > g.lastTS || g.ids == nil {
		g.lastTS, g.ids = r.TS, map[string]bool{}
	}
	if len(g.ids) < 1024 { // a flood of valid ids within one second: bounded
		g.ids[r.ID] = true
	}
}
