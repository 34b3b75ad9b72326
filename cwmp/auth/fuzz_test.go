package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzAuthorizationHeader: whatever Authorization header a client sends,
// Authenticate answers without panicking and never lets it in: a valid
// Digest response needs a nonce this server issued (HMAC'd with its
// secret) and the password; Basic is checked against the stored HA1.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, h := range []string{
		`Digest username="acs", realm="r", nonce="AAAA", uri="/", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="x", algorithm=MD5`,
		`Digest username="acs", realm="r", nonce="", uri="/", response="", qop=auth, nc=zzzzzzzz, cnonce="", algorithm=SHA-256, opaque="o", userhash=true`,
		`Digest username=acs,realm=r,nonce=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,uri=/,response=00,qop=auth,nc=00000001,cnonce=c`,
		`Digest username="a\"b", realm="r\\", nonce="n", uri="http://x/", response="r", qop="auth", nc=00000001, cnonce="c"`,
		`Basic YWNzOnNlY3JldA==`, `Basic !!!`, `Basic `, `Digest`, `Digest ,,,,=,=`, `Bearer x`, `digest username=`,
	} {
		f.Add(h, true)
		f.Add(h, false)
	}
	f.Fuzz(func(t *testing.T, header string, withHA1 bool) {
		s := &Server{Realm: "r", Basic: true, Lookup: func(u string) (string, bool) { return "not-guessable-7f3a", u == "acs" }}
		if withHA1 {
			s.LookupHA1 = func(_ *http.Request, u, alg string) (string, bool) {
				return HA1(alg, u, "r", "not-guessable-7f3a"), u == "acs"
			}
		}
		r := httptest.NewRequest("POST", "http://127.0.0.1/", nil)
		r.Header.Set("Authorization", header)
		if user, err := s.Authenticate(r); err == nil {
			t.Fatalf("header %q authenticated as %q", header, user)
		}
		// The middleware answers it with a challenge.
		w := httptest.NewRecorder()
		s.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized || len(w.Header().Values("WWW-Authenticate")) == 0 {
			t.Fatalf("header %q: HTTP %d without a challenge", header, w.Code)
		}
	})
}
