package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server authenticates HTTP requests with Digest (RFC 7616) and, if
// enabled, Basic. Use Middleware to wrap a handler. The zero values of the
// optional fields are sensible; Realm and Lookup are required.
type Server struct {
	// Realm is the protection space announced in challenges.
	Realm string
	// Lookup returns the password of user, or ok false for an unknown user.
	Lookup func(user string) (password string, ok bool)
	// LookupRequest, when set, is used instead of Lookup: the password may
	// depend on the request (a connection-request listener serving many
	// devices, one per URL path, each with credentials the ACS may change).
	LookupRequest func(r *http.Request, user string) (password string, ok bool)
	// LookupHA1, when set, is used instead of both: it returns the Digest
	// HA1 of user for the algorithm (see HA1), so that a server need not
	// store passwords. Basic is checked by hashing the password given.
	LookupHA1 func(r *http.Request, user, algorithm string) (ha1 string, ok bool)
	// Algorithms are the Digest algorithms offered, most preferred first;
	// nil means SHA-256 then MD5 (MD5 for the many CPEs that know nothing
	// else).
	Algorithms []string
	// Basic also offers and accepts Basic authentication. Only sensible
	// over TLS.
	Basic bool
	// NoDigest offers Basic only (Basic must be true).
	NoDigest bool
	// NonceTTL is how long a nonce is accepted; a request with an older
	// one is answered with a stale=true challenge. Default 5 minutes.
	NonceTTL time.Duration
	// MaxNonces bounds the nonce table (each nonce remembers its last
	// nonce count). Default 100,000; past it the oldest are forgotten
	// (their clients get a stale=true challenge and continue). Expired
	// nonces go as new ones are issued, in constant time each.
	MaxNonces int

	// now is the clock, replaceable by tests.
	now func() time.Time

	once   sync.Once
	secret []byte
	opaque string
	mu     sync.Mutex
	nonces map[string]*nonceState
	order  nonceQueue // the nonces of the map, oldest first
}

// nonceState remembers which nonce counts a nonce has been used with:
// the highest, and a bitmap of the 64 below it. A count seen before, or
// older than the window, is a replay. Counts may arrive out of order,
// since a client may send several requests at once on one nonce.
type nonceState struct {
	issued time.Time
	maxNC  uint64
	seen   uint64 // bit i: count maxNC-i has been used
}

const ncWindow = 64

// use records nc, reporting false for a replay.
func (st *nonceState) use(nc uint64) bool {
	switch {
	case nc == 0:
		return false
	case nc > st.maxNC:
		shift := nc - st.maxNC
		if shift >= ncWindow {
			st.seen = 0
		} else {
			st.seen <<= shift
		}
		st.seen |= 1
		st.maxNC = nc
		return true
	}
	diff := st.maxNC - nc
	if diff >= ncWindow || st.seen&(1<<diff) != 0 {
		return false
	}
	st.seen |= 1 << diff
	return true
}

type userKey struct{}

// User returns the authenticated user name the middleware stored in the
// request context.
func User(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok
}

// Errors Authenticate reports; each one leads Middleware to a 401.
var (
	ErrNoCredentials  = errors.New("auth: no credentials")
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	ErrStaleNonce     = errors.New("auth: nonce expired")
	ErrReplay         = errors.New("auth: nonce count reused (replay)")
	ErrMalformed      = errors.New("auth: malformed credentials")
)

func (s *Server) init() {
	s.once.Do(func() {
		s.secret = make([]byte, 32)
		if _, err := rand.Read(s.secret); err != nil {
			panic(err)
		}
		o := make([]byte, 16)
		if _, err := rand.Read(o); err != nil {
			panic(err)
		}
		s.opaque = base64.RawURLEncoding.EncodeToString(o)
		s.nonces = map[string]*nonceState{}
	})
}

func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *Server) ttl() time.Duration {
	if s.NonceTTL > 0 {
		return s.NonceTTL
	}
	return 5 * time.Minute
}

func (s *Server) algorithms() []string {
	if s.NoDigest {
		return nil
	}
	if len(s.Algorithms) > 0 {
		return s.Algorithms
	}
	return []string{AlgorithmSHA256, AlgorithmMD5}
}

// Middleware returns next wrapped by authentication: unauthenticated
// requests get 401 with the challenges; authenticated ones reach next with
// the user name in the context (see User).
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := s.Authenticate(r)
		if err != nil {
			s.Challenge(w, errors.Is(err, ErrStaleNonce))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// Challenge writes a 401 response with a fresh nonce in one challenge per
// offered scheme.
func (s *Server) Challenge(w http.ResponseWriter, stale bool) {
	s.init()
	h := w.Header()
	if algs := s.algorithms(); len(algs) > 0 {
		nonce := s.newNonce()
		for _, alg := range algs {
			c := fmt.Sprintf(`Digest realm=%s, qop="auth", algorithm=%s, nonce=%s, opaque=%s`,
				quote(s.Realm), alg, quote(nonce), quote(s.opaque))
			if stale {
				c += ", stale=true"
			}
			h.Add("WWW-Authenticate", c)
		}
	}
	if s.Basic {
		h.Add("WWW-Authenticate", "Basic realm="+quote(s.Realm)+`, charset="UTF-8"`)
	}
	// The body is drained by the client; a short text helps people with curl.
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", "13")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("Unauthorized\n"))
}

// Nonces are self-authenticating: issue time, randomness and an HMAC of
// both, so an expired or forgotten nonce of ours can be told from a forged
// one and answered with stale=true.
const nonceRawLen = 8 + 12 + 16

// mintNonce makes a nonce issued at now.
func (s *Server) mintNonce(now time.Time) string {
	raw := make([]byte, nonceRawLen)
	binary.BigEndian.PutUint64(raw, uint64(now.UnixNano()))
	if _, err := rand.Read(raw[8:20]); err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write(raw[:20])
	copy(raw[20:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(raw)
}

// newNonce issues a nonce and records it (O(1) amortized).
func (s *Server) newNonce() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newNonceLocked()
}

func (s *Server) newNonceLocked() string {
	now := s.clock()
	nonce := s.mintNonce(now)
	s.evictLocked(now)
	s.nonces[nonce] = &nonceState{issued: now}
	s.order.push(nonce)
	return nonce
}

func (s *Server) maxNonces() int {
	if s.MaxNonces > 0 {
		return s.MaxNonces
	}
	return 100_000
}

// evictLocked makes room for one nonce in O(1) amortized time: nonces
// are issued in time order, so the queue's head is the oldest; expired
// ones go from the head, and past MaxNonces the oldest goes too (its
// client gets a stale=true challenge and continues). A nonce already
// dropped from the map (stale on use) leaves a queue entry that is skipped.
func (s *Server) evictLocked(now time.Time) {
	limit, ttl := s.maxNonces(), s.ttl()
	for s.order.len() > 0 {
		k := s.order.front()
		st, ok := s.nonces[k]
		switch {
		case !ok:
		case now.Sub(st.issued) > ttl || len(s.nonces) >= limit:
			delete(s.nonces, k)
		default:
			return
		}
		s.order.pop()
	}
}

// nonceQueue is a FIFO of nonces in issue order: a slice with a moving
// head, compacted when half of it is consumed.
type nonceQueue struct {
	keys []string
	head int
}

func (q *nonceQueue) len() int      { return len(q.keys) - q.head }
func (q *nonceQueue) front() string { return q.keys[q.head] }
func (q *nonceQueue) push(k string) { q.keys = append(q.keys, k) }
func (q *nonceQueue) pop() {
	q.keys[q.head] = ""
	q.head++
	if q.head > 1024 && q.head*2 >= len(q.keys) {
		q.keys = append(q.keys[:0], q.keys[q.head:]...)
		q.head = 0
	}
}

// checkNonce verifies a nonce of ours and records nc; it reports
// ErrStaleNonce for an expired or forgotten one, ErrReplay for an nc
// already used (or too far behind the highest).
func (s *Server) checkNonce(nonce string, nc uint64) error {
	raw, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(raw) != nonceRawLen {
		return ErrMalformed
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write(raw[:20])
	if !hmac.Equal(raw[20:], m.Sum(nil)[:16]) {
		return ErrMalformed
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw)))
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.nonces[nonce]
	if !ok || now.Sub(issued) > s.ttl() {
		delete(s.nonces, nonce)
		return ErrStaleNonce
	}
	if !st.use(nc) {
		return ErrReplay
	}
	return nil
}

// Authenticate checks the request's Authorization header and returns the
// user name.
func (s *Server) Authenticate(r *http.Request) (string, error) {
	s.init()
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return "", ErrNoCredentials
	}
	scheme, rest, _ := strings.Cut(authz, " ")
	switch {
	case strings.EqualFold(scheme, "Basic") && s.Basic:
		return s.basic(r)
	case strings.EqualFold(scheme, "Digest") && len(s.algorithms()) > 0:
		return s.digest(r, rest)
	}
	return "", ErrNoCredentials
}

func (s *Server) lookup(r *http.Request, user string) (string, bool) {
	if s.LookupRequest != nil {
		return s.LookupRequest(r, user)
	}
	return s.Lookup(user)
}

func (s *Server) basic(r *http.Request) (string, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", ErrMalformed
	}
	if s.LookupHA1 != nil {
		want, known := s.LookupHA1(r, user, AlgorithmSHA256)
		got := HA1(AlgorithmSHA256, user, s.Realm, pass)
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || !known {
			return "", ErrBadCredentials
		}
		return user, nil
	}
	want, known := s.lookup(r, user)
	// Compare even for unknown users, so timing does not tell them apart.
	match := subtle.ConstantTimeCompare([]byte(pass), []byte(want)) == 1
	if !known || !match {
		return "", ErrBadCredentials
	}
	return user, nil
}

func (s *Server) digest(r *http.Request, params string) (string, error) {
	cs := parseChallenges([]string{"Digest " + params})
	if len(cs) != 1 {
		return "", ErrMalformed
	}
	p := cs[0].params
	user, realm, nonce, uri, response := p["username"], p["realm"], p["nonce"], p["uri"], p["response"]
	qop, nc, cnonce, alg := p["qop"], p["nc"], p["cnonce"], p["algorithm"]
	if user == "" || nonce == "" || response == "" || cnonce == "" || nc == "" {
		return "", ErrMalformed
	}
	if realm != s.Realm || qop != "auth" || p["userhash"] == "true" {
		return "", ErrMalformed
	}
	if o, ok := p["opaque"]; ok && o != s.opaque {
		return "", ErrMalformed
	}
	if alg == "" {
		alg = AlgorithmMD5
	}
	offered := false
	for _, a := range s.algorithms() {
		if strings.EqualFold(a, alg) {
			offered = true
		}
	}
	h := newHash(alg)
	if !offered || h == nil {
		return "", ErrMalformed
	}
	if !uriMatches(uri, r) {
		return "", ErrMalformed
	}
	count, err := strconv.ParseUint(nc, 16, 32)
	if err != nil || len(nc) != 8 {
		return "", ErrMalformed
	}
	var want string
	var known bool
	if s.LookupHA1 != nil {
		var ha1 string
		ha1, known = s.LookupHA1(r, user, alg)
		want = digestResponseHA1(h, strings.ToLower(ha1), r.Method, uri, nonce, nc, cnonce)
	} else {
		var password string
		password, known = s.lookup(r, user)
		want = digestResponse(h, user, realm, password, r.Method, uri, nonce, nc, cnonce)
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(response)), []byte(want)) != 1 || !known {
		return "", ErrBadCredentials
	}
	// The nonce count is checked only for a correct response, so a
	// forged request cannot burn a client's counter.
	if err := s.checkNonce(nonce, count); err != nil {
		return "", err
	}
	return user, nil
}

// uriMatches checks the digest uri parameter against the request target;
// clients send either the request-target or the absolute URI.
func uriMatches(uri string, r *http.Request) bool {
	if uri == r.RequestURI || uri == r.URL.RequestURI() {
		return true
	}
	if i := strings.Index(uri, "://"); i >= 0 {
		if j := strings.IndexByte(uri[i+3:], '/'); j >= 0 {
			path := uri[i+3+j:]
			return path == r.RequestURI || path == r.URL.RequestURI()
		}
	}
	return false
}
