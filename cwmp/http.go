package cwmp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ContentType is the Content-Type of every CWMP POST and response.
const ContentType = `text/xml; charset="utf-8"`

// readLimited reads all of r, failing once it exceeds max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// ReadEnvelope reads and decodes the envelope of an HTTP request with the
// default limits: what an ACS does with each POST from a CPE. An empty
// body gives an empty envelope. See Decoder.Decode for the
// *MustUnderstandError case.
func ReadEnvelope(r *http.Request) (*Envelope, error) {
	var d Decoder
	return d.ReadEnvelope(r)
}

// ReadEnvelope is ReadEnvelope with d's limits.
func (d *Decoder) ReadEnvelope(r *http.Request) (*Envelope, error) {
	maxSize, _, _ := d.limits()
	if r.ContentLength > maxSize {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", ErrTooLarge, r.ContentLength, maxSize)
	}
	if r.Body == nil {
		return &Envelope{}, nil
	}
	data, err := readLimited(r.Body, maxSize)
	if err != nil {
		return nil, fmt.Errorf("cwmp: reading request body: %w", err)
	}
	return d.Decode(data)
}

// ReadResponse reads and decodes the envelope of an HTTP response to a
// CWMP POST: what a CPE does with each ACS reply. 204 No Content and empty
// 200 bodies give an empty envelope; 500 responses carrying a SOAP fault
// decode normally; other statuses are errors.
func ReadResponse(resp *http.Response) (*Envelope, error) {
	var d Decoder
	return d.ReadResponse(resp)
}

// ReadResponse is ReadResponse with d's limits.
func (d *Decoder) ReadResponse(resp *http.Response) (*Envelope, error) {
	switch resp.StatusCode {
	case http.StatusOK, http.StatusInternalServerError, http.StatusNoContent:
	default:
		return nil, &HTTPStatusError{StatusCode: resp.StatusCode, Status: resp.Status, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	maxSize, _, _ := d.limits()
	data, err := readLimited(resp.Body, maxSize)
	if err != nil {
		return nil, fmt.Errorf("cwmp: reading response body: %w", err)
	}
	env, err := d.Decode(data)
	if err == nil && resp.StatusCode == http.StatusInternalServerError {
		if _, ok := env.Body.(*Fault); !ok {
			return nil, &HTTPStatusError{StatusCode: resp.StatusCode, Status: resp.Status}
		}
	}
	return env, err
}

// HTTPStatusError is an HTTP response that does not carry a CWMP message.
// RetryAfter is its Retry-After in seconds (an ACS answers 503 with it
// when it is busy, TR-069 3.7.1.5); 0 if absent or not a number.
type HTTPStatusError struct {
	StatusCode int
	Status     string
	RetryAfter time.Duration
}

// retryAfter reads a Retry-After of delta-seconds (an HTTP date is not
// what an ACS sends; it reads as absent), at most an hour.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Hour)
}

func (e *HTTPStatusError) Error() string { return "cwmp: HTTP status " + e.Status }

// WriteEnvelope encodes env as the HTTP response: 204 No Content for an
// empty envelope, 500 for a SOAP fault (as the SOAP 1.1 HTTP binding
// requires), 200 otherwise, with Content-Type text/xml; charset="utf-8".
// Nothing is written if env does not encode.
func WriteEnvelope(w http.ResponseWriter, env *Envelope) error {
	status := http.StatusOK
	if env != nil {
		if _, ok := env.Body.(*Fault); ok {
			status = http.StatusInternalServerError
		}
	}
	return WriteEnvelopeStatus(w, env, status)
}

// WriteEnvelopeStatus is WriteEnvelope with the status of a non-empty
// envelope chosen by the caller, for ACSs that must answer faults with 200
// to firmwares that drop 500 responses.
func WriteEnvelopeStatus(w http.ResponseWriter, env *Envelope, status int) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b, err := AppendEnvelope((*bp)[:0], env)
	*bp = b[:0]
	if err != nil {
		return err
	}
	if len(b) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// NewRequest builds the HTTP POST that carries env to url: an empty body
// for an empty envelope, as CWMP requires (no Content-Type then).
func NewRequest(ctx context.Context, url string, env *Envelope) (*http.Request, error) {
	b, err := Marshal(env)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		req.Header.Set("Content-Type", ContentType)
		if env.Body != nil {
			// SOAPAction is required by SOAP 1.1 over HTTP; TR-069 allows
			// it empty or naming the method.
			req.Header.Set("SOAPAction", "")
		}
	}
	return req, nil
}

// SessionClient is the CPE side of one CWMP session: it posts envelopes to
// the ACS and returns its replies, keeping the cookies the ACS sets for
// the length of the session, as TR-069 (3.4.2) requires. Create one per
// session; End drops the cookies. A SessionClient is safe for concurrent
// use but a CWMP session is a sequence, so there is rarely a reason to.
type SessionClient struct {
	// URL is where the session posts: the ACS URL, then the URL a
	// redirect of the ACS named (set by Post).
	URL     string
	Decoder Decoder
	client  http.Client
	jar     *SessionJar
	urlMu   sync.Mutex // guards URL for concurrent Posts
}

// NewSessionClient returns a session client for the ACS at acsURL that
// sends its requests through rt (http.DefaultTransport if nil; pass an
// auth.Transport for HTTP authentication).
func NewSessionClient(acsURL string, rt http.RoundTripper) *SessionClient {
	if rt == nil {
		rt = http.DefaultTransport
	}
	jar := &SessionJar{}
	return &SessionClient{
		URL:    acsURL,
		jar:    jar,
		client: http.Client{Transport: rt, Jar: jar},
	}
}

// Post sends env (an empty envelope sends an empty POST) and decodes the
// ACS's reply.
func (s *SessionClient) Post(ctx context.Context, env *Envelope) (*Envelope, error) {
	s.urlMu.Lock()
	target := s.URL
	s.urlMu.Unlock()
	req, err := NewRequest(ctx, target, env)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cwmp: POST %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.Request != nil && resp.Request.URL.String() != target {
		// Redirected: the rest of the session goes to the new URL
		// (TR-069 §3.4.6); the next session starts at the ACS URL again.
		s.urlMu.Lock()
		s.URL = resp.Request.URL.String()
		s.urlMu.Unlock()
	}
	reply, err := s.Decoder.ReadResponse(resp)
	var mu *MustUnderstandError
	if err != nil && !errors.As(err, &mu) {
		// Drain what is left so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	return reply, err
}

// Cookies returns the cookies the session currently holds.
func (s *SessionClient) Cookies() []*http.Cookie { return s.jar.all() }

// End ends the session: its cookies are dropped, so the next session starts
// without them.
func (s *SessionClient) End() { s.jar.clear() }

// SessionJar is an http.CookieJar for one CWMP session. Unlike a browser
// jar it returns every unexpired cookie the ACS set to every request of
// the session, whatever their Domain and Path: the session is with one
// ACS, and ACSs behind load balancers set cookies for paths and hosts the
// CPE's URL does not match. Secure cookies are only sent over https.
type SessionJar struct {
	mu      sync.Mutex
	cookies []*http.Cookie
	now     func() time.Time
}

// SetCookies implements http.CookieJar.
func (j *SessionJar) SetCookies(_ *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.clock()
	for _, c := range cookies {
		kept := j.cookies[:0]
		for _, old := range j.cookies {
			if old.Name != c.Name {
				kept = append(kept, old)
			}
		}
		j.cookies = kept
		if c.MaxAge < 0 || (!c.Expires.IsZero() && !c.Expires.After(now)) {
			continue // a deletion
		}
		cc := *c
		if c.MaxAge > 0 {
			cc.Expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		}
		j.cookies = append(j.cookies, &cc)
	}
}

// Cookies implements http.CookieJar.
func (j *SessionJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.clock()
	var out []*http.Cookie
	for _, c := range j.cookies {
		if !c.Expires.IsZero() && !c.Expires.After(now) {
			continue
		}
		if c.Secure && !strings.EqualFold(u.Scheme, "https") {
			continue
		}
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

func (j *SessionJar) all() []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]*http.Cookie, len(j.cookies))
	for i, c := range j.cookies {
		cc := *c
		out[i] = &cc
	}
	return out
}

func (j *SessionJar) clear() {
	j.mu.Lock()
	j.cookies = nil
	j.mu.Unlock()
}

func (j *SessionJar) clock() time.Time {
	if j.now != nil {
		return j.now()
	}
	return time.Now()
}
