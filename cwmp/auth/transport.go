package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Transport is an http.RoundTripper that authenticates as Username with
// Password: it answers a 401 challenge with Digest (SHA-256 when offered,
// else MD5) or, failing that, Basic, then keeps using the server's nonce
// with an increasing nonce count so later requests need no extra round
// trip. Request bodies are buffered so a challenged POST can be replayed.
// A Transport is safe for concurrent use; give each credential its own.
type Transport struct {
	// Base carries the requests; http.DefaultTransport if nil.
	Base     http.RoundTripper
	Username string
	Password string
	// NoBasic refuses to answer a Basic challenge (which sends the
	// password itself): a server offering only Basic gets no credentials
	// and its 401 is returned.
	NoBasic bool

	mu     sync.Mutex
	cached *digestState // the challenge being reused, if any
	basic  bool         // the server asked for Basic: send it up front
}

type digestState struct {
	realm, nonce, opaque, algorithm string
	nc                              uint32
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := bufferBody(req)
	if err != nil {
		return nil, err
	}
	authz := t.preemptive(req)
	fromCache := authz != ""
	resp, err := t.base().RoundTrip(t.authorized(req, body, authz))
	if err != nil {
		return nil, err
	}
	// At most two retries: a stale nonce, then a fresh challenge.
	for tries := 0; tries < 2 && resp.StatusCode == http.StatusUnauthorized; tries++ {
		best, stale := bestChallenge(resp)
		if best == nil || (t.NoBasic && strings.EqualFold(best.scheme, "Basic")) {
			break
		}
		if authz != "" && !stale && !fromCache {
			// Credentials answering a fresh challenge were refused: the
			// password is wrong. Forget the challenge and report the 401.
			t.forget()
			break
		}
		authz = t.adopt(req, best)
		fromCache = false
		drain(resp)
		resp, err = t.base().RoundTrip(t.authorized(req, body, authz))
		if err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// preemptive returns the Authorization for a request when a previous
// challenge can be reused, or "".
func (t *Transport) preemptive(req *http.Request) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached != nil {
		return t.digestLocked(req, t.cached)
	}
	if t.basic {
		return basicAuthorization(t.Username, t.Password)
	}
	return ""
}

func (t *Transport) forget() {
	t.mu.Lock()
	t.cached, t.basic = nil, false
	t.mu.Unlock()
}

// bestChallenge picks the challenge of a 401 response to answer: Digest
// SHA-256, then Digest MD5, then Basic; stale reports a Digest stale=true.
func bestChallenge(resp *http.Response) (best *challenge, stale bool) {
	cs := parseChallenges(resp.Header.Values("WWW-Authenticate"))
	bestRank := 0
	for i := range cs {
		c := &cs[i]
		rank := 0
		switch {
		case strings.EqualFold(c.scheme, "Digest"):
			if !qopHasAuth(c.params["qop"]) {
				continue // RFC 2069 digest without qop is not supported
			}
			switch alg := c.params["algorithm"]; {
			case strings.EqualFold(alg, AlgorithmSHA256):
				rank = 3
			case alg == "" || strings.EqualFold(alg, AlgorithmMD5):
				rank = 2
			}
		case strings.EqualFold(c.scheme, "Basic"):
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = c, rank
		}
	}
	if best != nil && strings.EqualFold(best.scheme, "Digest") {
		stale = strings.EqualFold(best.params["stale"], "true")
	}
	return best, stale
}

// adopt makes c the challenge to answer from now on and returns the
// Authorization answering it for req.
func (t *Transport) adopt(req *http.Request, c *challenge) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.EqualFold(c.scheme, "Basic") {
		t.basic, t.cached = true, nil
		return basicAuthorization(t.Username, t.Password)
	}
	alg := c.params["algorithm"]
	if alg == "" {
		alg = AlgorithmMD5
	}
	t.basic = false
	t.cached = &digestState{
		realm:     c.params["realm"],
		nonce:     c.params["nonce"],
		opaque:    c.params["opaque"],
		algorithm: alg,
	}
	return t.digestLocked(req, t.cached)
}

func qopHasAuth(qop string) bool {
	for _, q := range strings.Split(qop, ",") {
		if strings.TrimSpace(q) == "auth" {
			return true
		}
	}
	return false
}

// digestLocked builds the Authorization for req under ds, consuming the
// next nonce count.
func (t *Transport) digestLocked(req *http.Request, ds *digestState) string {
	ds.nc++
	nc := fmt.Sprintf("%08x", ds.nc)
	cb := make([]byte, 16)
	if _, err := rand.Read(cb); err != nil {
		panic(err)
	}
	cnonce := hex.EncodeToString(cb)
	uri := req.URL.RequestURI()
	h := newHash(ds.algorithm)
	resp := digestResponse(h, t.Username, ds.realm, t.Password, req.Method, uri, ds.nonce, nc, cnonce)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s, qop=auth, nc=%s, cnonce=%s, response=%s`,
		quote(t.Username), quote(ds.realm), quote(ds.nonce), quote(uri), ds.algorithm, nc, quote(cnonce), quote(resp))
	if ds.opaque != "" {
		b.WriteString(", opaque=" + quote(ds.opaque))
	}
	return b.String()
}

func basicAuthorization(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

// bufferBody reads the request body so that it can be sent again.
func bufferBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		// The body can be recreated for each attempt; the original is
		// closed, as a RoundTripper must.
		return nil, req.Body.Close()
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("auth: buffering request body: %w", err)
	}
	return b, nil
}

// authorized returns a copy of req with a replayable body and, if authz is
// not empty, that Authorization header.
func (t *Transport) authorized(req *http.Request, body []byte, authz string) *http.Request {
	r := req.Clone(req.Context())
	switch {
	case req.GetBody != nil:
		if b, err := req.GetBody(); err == nil {
			r.Body = b
		}
	case body != nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	return r
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
