package cpe

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
)

// HTTPBreaks each break one thing of HTTP or TLS the ACS's conformance
// suite checks (its endpoint cases). The zero value conforms.
type HTTPBreaks struct {
	// NoTLS: the device cannot do TLS; an https ACS URL fails.
	NoTLS bool
	// TLSSkipVerify: the device accepts any certificate of the ACS.
	TLSSkipVerify bool
	// NoURLBootstrap: a new ACS URL gets no 0 BOOTSTRAP.
	NoURLBootstrap bool
	// NoAuth: the device sends no credentials to the ACS.
	NoAuth bool
	// AuthLoop: refused credentials are sent again at once, up to 10 times.
	AuthLoop bool
	// NoRedirect: a redirect of the ACS fails the session.
	NoRedirect bool
}

// errBreak is wrapped by the errors the HTTP breaks cause.
var errBreak = errors.New("cpe: (quirk)")

// baseTransport is the transport to the ACS and file servers as the
// breaks have it (New applies it to Config.Transport).
func (b HTTPBreaks) baseTransport(rt http.RoundTripper) http.RoundTripper {
	if b.TLSSkipVerify {
		if t, ok := rt.(*http.Transport); ok {
			t = t.Clone()
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{}
			}
			t.TLSClientConfig.InsecureSkipVerify = true
			rt = t
		}
	}
	if b.NoTLS {
		rt = breakTransport{base: rt, before: func(r *http.Request) error {
			if r.URL.Scheme == "https" {
				return fmt.Errorf("%w: no TLS for %s", errBreak, r.URL)
			}
			return nil
		}}
	}
	return rt
}

// sessionTransport is the transport of a session: authenticated (auth)
// or not (plain).
func (b HTTPBreaks) sessionTransport(auth, plain http.RoundTripper) http.RoundTripper {
	rt := auth
	if b.NoAuth {
		rt = plain
	}
	if b.AuthLoop || b.NoRedirect {
		rt = breakTransport{base: rt, loop: b.AuthLoop, noRedirect: b.NoRedirect}
	}
	return rt
}

type breakTransport struct {
	base       http.RoundTripper
	before     func(*http.Request) error
	loop       bool
	noRedirect bool
}

func (t breakTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.before != nil {
		if err := t.before(r); err != nil {
			return nil, err
		}
	}
	resp, err := t.base.RoundTrip(r)
	for i := 0; t.loop && err == nil && resp.StatusCode == http.StatusUnauthorized && r.GetBody != nil && i < 10; i++ {
		resp.Body.Close()
		body, berr := r.GetBody()
		if berr != nil {
			break
		}
		again := r.Clone(r.Context())
		again.Body = body
		resp, err = t.base.RoundTrip(again)
	}
	if err == nil && t.noRedirect && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: redirect %d not followed", errBreak, resp.StatusCode)
	}
	return resp, err
}
