// Package auth implements the HTTP authentication CWMP uses in both
// directions (CPE to ACS, and the ACS's Connection Requests to the CPE):
// Basic, and Digest as RFC 7616 defines it with MD5 and SHA-256, qop=auth,
// nonce counting and nonce expiry. Server is the middleware; Transport is
// the client side, an http.RoundTripper that answers challenges.
package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// Digest algorithms.
const (
	AlgorithmMD5    = "MD5"
	AlgorithmSHA256 = "SHA-256"
)

func newHash(algorithm string) func() hash.Hash {
	switch {
	case strings.EqualFold(algorithm, AlgorithmSHA256):
		return sha256.New
	case strings.EqualFold(algorithm, AlgorithmMD5), algorithm == "":
		return md5.New
	}
	return nil
}

func hexHash(h func() hash.Hash, parts ...string) string {
	d := h()
	for i, p := range parts {
		if i > 0 {
			d.Write([]byte{':'})
		}
		d.Write([]byte(p))
	}
	return hex.EncodeToString(d.Sum(nil))
}

// digestResponse computes the request-digest of RFC 7616 3.4.1 for
// qop=auth.
func digestResponse(h func() hash.Hash, username, realm, password, method, uri, nonce, nc, cnonce string) string {
	return digestResponseHA1(h, hexHash(h, username, realm, password), method, uri, nonce, nc, cnonce)
}

// digestResponseHA1 is digestResponse from a stored HA1.
func digestResponseHA1(h func() hash.Hash, ha1, method, uri, nonce, nc, cnonce string) string {
	ha2 := hexHash(h, method, uri)
	return hexHash(h, ha1, nonce, nc, cnonce, "auth", ha2)
}

// HA1 is the Digest HA1 of RFC 7616, H(username:realm:password) in hex,
// for algorithm (MD5 or SHA-256): what a server stores instead of the
// password. "" for an unknown algorithm.
func HA1(algorithm, username, realm, password string) string {
	h := newHash(algorithm)
	if h == nil {
		return ""
	}
	return hexHash(h, username, realm, password)
}

// challenge is one parsed WWW-Authenticate (or Authorization) entry.
type challenge struct {
	scheme string
	params map[string]string
}

// parseChallenges parses header values of the form
// `Scheme k=v, k="v", Scheme2 k=v` (RFC 7235), several challenges per
// value allowed. Parameter names are lower-cased.
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		p := &headerParser{s: v}
		var cur *challenge
		for {
			p.skipSpaceAndCommas()
			if p.done() {
				break
			}
			tok := p.token()
			if tok == "" {
				p.pos++ // skip a stray character
				continue
			}
			p.skipSpace()
			if p.peek() == '=' && cur != nil {
				p.pos++
				p.skipSpace()
				cur.params[strings.ToLower(tok)] = p.value()
				continue
			}
			out = append(out, challenge{scheme: tok, params: map[string]string{}})
			cur = &out[len(out)-1]
			// A token68 (Basic credentials) follows the scheme directly.
			save := p.pos
			t68 := p.token68()
			p.skipSpace()
			if t68 != "" && (p.done() || p.peek() == ',') {
				cur.params[""] = t68
			} else {
				p.pos = save
			}
		}
	}
	return out
}

type headerParser struct {
	s   string
	pos int
}

func (p *headerParser) done() bool { return p.pos >= len(p.s) }

func (p *headerParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.pos]
}

func (p *headerParser) skipSpace() {
	for !p.done() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *headerParser) skipSpaceAndCommas() {
	for !p.done() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == ',') {
		p.pos++
	}
}

func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"/[]?={}`, rune(c))
}

func (p *headerParser) token() string {
	start := p.pos
	for !p.done() && isTokenChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *headerParser) token68() string {
	start := p.pos
	for !p.done() {
		c := p.s[p.pos]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0 {
			p.pos++
			continue
		}
		break
	}
	for !p.done() && p.s[p.pos] == '=' {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *headerParser) value() string {
	if p.peek() != '"' {
		return p.token()
	}
	p.pos++
	var b strings.Builder
	for !p.done() {
		c := p.s[p.pos]
		p.pos++
		switch c {
		case '\\':
			if !p.done() {
				b.WriteByte(p.s[p.pos])
				p.pos++
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quote returns s as an HTTP quoted-string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
