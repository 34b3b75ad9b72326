package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// RFC 7616 section 3.9.1 gives the same request digested with MD5 and
// SHA-256.
func TestDigestResponseRFC7616Vectors(t *testing.T) {
	const (
		user, pass, realm = "Mufasa", "Circle of Life", "http-auth@example.org"
		nonce             = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce            = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	)
	md := digestResponse(md5.New, user, realm, pass, "GET", "/dir/index.html", nonce, "00000001", cnonce)
	if md != "8ca523f5e9506fed4657c9700eebdbec" {
		t.Errorf("MD5 response %s", md)
	}
	sh := digestResponse(sha256.New, user, realm, pass, "GET", "/dir/index.html", nonce, "00000001", cnonce)
	if sh != "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1" {
		t.Errorf("SHA-256 response %s", sh)
	}
}

func TestParseChallenges(t *testing.T) {
	cs := parseChallenges([]string{
		`Digest realm="a, b", qop="auth,auth-int", algorithm=SHA-256, nonce="n\"1", Basic realm="x"`,
		`Basic dXNlcjpwYXNz`,
	})
	if len(cs) != 3 {
		t.Fatalf("got %d challenges: %+v", len(cs), cs)
	}
	if cs[0].scheme != "Digest" || cs[0].params["realm"] != "a, b" || cs[0].params["nonce"] != `n"1` ||
		cs[0].params["algorithm"] != "SHA-256" || !qopHasAuth(cs[0].params["qop"]) {
		t.Errorf("digest = %+v", cs[0])
	}
	if cs[1].scheme != "Basic" || cs[1].params["realm"] != "x" {
		t.Errorf("basic = %+v", cs[1])
	}
	if cs[2].params[""] != "dXNlcjpwYXNz" {
		t.Errorf("token68 = %+v", cs[2])
	}
}

// testServer is an httptest server behind Server that echoes the POST
// body and counts requests and 401s.
type testServer struct {
	*httptest.Server
	auth     *Server
	requests atomic.Int32
	denied   atomic.Int32
	clock    *fakeClock
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestServer(t *testing.T, s *Server) *testServer {
	ts := &testServer{auth: s, clock: &fakeClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if s.Realm == "" {
		s.Realm = "dmforge-test"
	}
	if s.Lookup == nil {
		s.Lookup = func(u string) (string, bool) {
			if u == "cpe" {
				return "s3cret", true
			}
			return "", false
		}
	}
	s.now = ts.clock.Now
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := User(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s:%s", user, body)
	})
	mw := s.Middleware(echo)
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.requests.Add(1)
		rec := httptest.NewRecorder()
		mw.ServeHTTP(rec, r)
		if rec.Code == http.StatusUnauthorized {
			ts.denied.Add(1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDigestSHA256PreferredAndNonceReused(t *testing.T) {
	ts := newTestServer(t, &Server{})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	c := &http.Client{Transport: tr}
	for i := 0; i < 5; i++ {
		code, body := post(t, c, ts.URL+"/acs?x=1", fmt.Sprintf("<Inform n=%d/>", i))
		if code != 200 || body != fmt.Sprintf("cpe:<Inform n=%d/>", i) {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if tr.cached == nil || tr.cached.algorithm != AlgorithmSHA256 {
		t.Errorf("algorithm = %+v, want SHA-256", tr.cached)
	}
	// One challenge, then the nonce is reused with nc 2, 3, ...
	if d, r := ts.denied.Load(), ts.requests.Load(); d != 1 || r != 6 {
		t.Errorf("%d requests, %d challenged; want 6 and 1", r, d)
	}
	if tr.cached.nc != 5 {
		t.Errorf("nonce count %d, want 5", tr.cached.nc)
	}
}

func TestDigestMD5Only(t *testing.T) {
	ts := newTestServer(t, &Server{Algorithms: []string{AlgorithmMD5}})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	c := &http.Client{Transport: tr}
	if code, body := post(t, c, ts.URL, "hello"); code != 200 || body != "cpe:hello" {
		t.Fatalf("%d %q", code, body)
	}
	if tr.cached.algorithm != AlgorithmMD5 {
		t.Errorf("algorithm %s", tr.cached.algorithm)
	}
}

func TestWrongPassword(t *testing.T) {
	for _, basic := range []bool{false, true} {
		ts := newTestServer(t, &Server{Basic: basic, NoDigest: basic})
		tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "wrong"}
		code, _ := post(t, &http.Client{Transport: tr}, ts.URL, "x")
		if code != http.StatusUnauthorized {
			t.Errorf("basic=%v: status %d, want 401", basic, code)
		}
		// One unauthenticated try and one answer: no retry loop.
		if r := ts.requests.Load(); r != 2 {
			t.Errorf("basic=%v: %d requests, want 2", basic, r)
		}
		tr2 := &Transport{Base: ts.Client().Transport, Username: "nobody", Password: ""}
		if code, _ := post(t, &http.Client{Transport: tr2}, ts.URL, "x"); code != 401 {
			t.Errorf("basic=%v: unknown user got %d", basic, code)
		}
	}
}

func TestBasic(t *testing.T) {
	ts := newTestServer(t, &Server{Basic: true, NoDigest: true})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	c := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		if code, body := post(t, c, ts.URL, "b"); code != 200 || body != "cpe:b" {
			t.Fatalf("%d %q", code, body)
		}
	}
	if d := ts.denied.Load(); d != 1 {
		t.Errorf("%d challenges, want 1 (Basic is then sent up front)", d)
	}
}

func TestDigestPreferredOverBasic(t *testing.T) {
	ts := newTestServer(t, &Server{Basic: true, Algorithms: []string{AlgorithmMD5}})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	if code, _ := post(t, &http.Client{Transport: tr}, ts.URL, "b"); code != 200 {
		t.Fatal(code)
	}
	if tr.basic || tr.cached == nil {
		t.Error("Basic chosen over Digest")
	}
}

func TestStaleNonceIsRenewedTransparently(t *testing.T) {
	ts := newTestServer(t, &Server{NonceTTL: time.Minute})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	c := &http.Client{Transport: tr}
	if code, _ := post(t, c, ts.URL, "1"); code != 200 {
		t.Fatal(code)
	}
	first := tr.cached.nonce
	ts.clock.Advance(2 * time.Minute)

	// The server answers the expired nonce with stale=true.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/probe", nil)
	tr.mu.Lock()
	authz := tr.digestLocked(req, tr.cached)
	tr.mu.Unlock()
	req.Header.Set("Authorization", authz)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), " "), "stale=true") {
		t.Fatalf("expired nonce: %d %q", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	}

	if code, body := post(t, c, ts.URL, "2"); code != 200 || body != "cpe:2" {
		t.Fatalf("after expiry: %d %q", code, body)
	}
	if tr.cached.nonce == first {
		t.Error("nonce not renewed")
	}
}

func TestReplayedNonceCountRejected(t *testing.T) {
	ts := newTestServer(t, &Server{})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	if code, _ := post(t, &http.Client{Transport: tr}, ts.URL, "1"); code != 200 {
		t.Fatal(code)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/r", nil)
	tr.mu.Lock()
	authz := tr.digestLocked(req, tr.cached)
	tr.mu.Unlock()
	do := func() int {
		r, _ := http.NewRequest(http.MethodGet, ts.URL+"/r", nil)
		r.Header.Set("Authorization", authz)
		resp, err := ts.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := do(); code != 200 {
		t.Fatalf("first use: %d", code)
	}
	if code := do(); code != 401 {
		t.Errorf("replayed nc: %d, want 401", code)
	}
	// The same request with a lower count is refused too.
	tr.mu.Lock()
	tr.cached.nc = 0
	low := tr.digestLocked(req, tr.cached)
	tr.mu.Unlock()
	r, _ := http.NewRequest(http.MethodGet, ts.URL+"/r", nil)
	r.Header.Set("Authorization", low)
	resp, err := ts.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("lower nc: %d, want 401", resp.StatusCode)
	}
}

func TestForgedAndMismatchedCredentials(t *testing.T) {
	ts := newTestServer(t, &Server{})
	good := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	if code, _ := post(t, &http.Client{Transport: good}, ts.URL+"/a", "1"); code != 200 {
		t.Fatal(code)
	}
	try := func(mutate func(string) string, path string) int {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/a", nil)
		good.mu.Lock()
		authz := good.digestLocked(req, good.cached)
		good.mu.Unlock()
		r, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		r.Header.Set("Authorization", mutate(authz))
		resp, err := ts.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	same := func(s string) string { return s }
	if code := try(same, "/a"); code != 200 {
		t.Fatalf("control: %d", code)
	}
	if code := try(same, "/b"); code != 401 {
		t.Errorf("uri of another resource accepted: %d", code)
	}
	forgedNonce := func(s string) string {
		i := strings.Index(s, `nonce="`) + len(`nonce="`)
		return s[:i] + "AAAA" + s[i+4:]
	}
	if code := try(forgedNonce, "/a"); code != 401 {
		t.Errorf("forged nonce accepted: %d", code)
	}
	otherRealm := func(s string) string { return strings.Replace(s, `realm="dmforge-test"`, `realm="other"`, 1) }
	if code := try(otherRealm, "/a"); code != 401 {
		t.Errorf("other realm accepted: %d", code)
	}
}

func TestConcurrentTransport(t *testing.T) {
	ts := newTestServer(t, &Server{})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := c.Post(ts.URL, "text/plain", strings.NewReader(fmt.Sprint(i)))
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != fmt.Sprintf("cpe:%d", i) {
				errs <- fmt.Sprintf("%d: %d %q", i, resp.StatusCode, b)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNonceTableBounded(t *testing.T) {
	s := &Server{Realm: "r", Lookup: func(string) (string, bool) { return "", false }, MaxNonces: 10}
	s.init()
	for i := 0; i < 100; i++ {
		s.Challenge(httptest.NewRecorder(), false)
	}
	if n := len(s.nonces); n > 10 {
		t.Errorf("%d nonces held, limit 10", n)
	}
}

func TestNonceCountWindow(t *testing.T) {
	var st nonceState
	for _, step := range []struct {
		nc uint64
		ok bool
	}{{1, true}, {1, false}, {3, true}, {2, true}, {2, false}, {0, false}, {100, true}, {37, true}, {36, false}, {99, true}, {99, false}} {
		if got := st.use(step.nc); got != step.ok {
			t.Errorf("use(%d) = %v, want %v", step.nc, got, step.ok)
		}
	}
}

// A body that cannot be recreated (no GetBody) is buffered and replayed
// after the challenge.
func TestUnreplayableBodyIsBuffered(t *testing.T) {
	ts := newTestServer(t, &Server{})
	tr := &Transport{Base: ts.Client().Transport, Username: "cpe", Password: "s3cret"}
	req, err := http.NewRequest(http.MethodPost, ts.URL, io.MultiReader(strings.NewReader("<Inform"), strings.NewReader("/>")))
	if err != nil {
		t.Fatal(err)
	}
	if req.GetBody != nil {
		t.Fatal("test needs a body without GetBody")
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "cpe:<Inform/>" {
		t.Errorf("%d %q", resp.StatusCode, b)
	}
	if ts.denied.Load() != 1 {
		t.Errorf("%d challenges", ts.denied.Load())
	}
}
