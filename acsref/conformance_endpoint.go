package acsref

// A second CWMP endpoint of the ACS for the endpoint cases of a
// conformance run (conformance/run_endpoint.go): the run points the
// device's ManagementServer.URL at it, and it answers as the case needs —
// the ACS as it is (over TLS with the ACS's certificate when the ACS has
// one), TLS with a certificate that does not validate, Digest
// authentication, a challenge no credentials answer, or a redirect back
// to the ACS — recording every TLS handshake and request.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// SetEndpointTLS gives the ACS a certificate for the second endpoints of
// conformance runs when its own CWMP endpoint is plain HTTP, so that a
// lab can run the secure CWMP cases against a device that reaches the
// ACS over HTTP. With Config.TLS set, the endpoints use that instead.
func (s *Server) SetEndpointTLS(c *tls.Config) { s.endpointTLS.Store(c) }

// secureEndpoints is the TLS configuration of the second endpoints, nil
// if the ACS has no certificate.
func (s *Server) secureEndpoints() *tls.Config {
	if s.cfg.TLS != nil {
		return s.cfg.TLS
	}
	return s.endpointTLS.Load()
}

// OpenEndpoint listens on a new port of the CWMP endpoint's address.
func (d *acsDriver) OpenEndpoint(ctx context.Context, spec conformance.EndpointSpec) (conformance.Endpoint, error) {
	s := d.s
	if s.cwmpLn == nil {
		return nil, errors.New("the CWMP endpoint is not listening")
	}
	base, err := url.Parse(s.baseURL())
	if err != nil || base.Hostname() == "" {
		return nil, fmt.Errorf("the ACS's URL %q has no host", s.baseURL())
	}
	bindHost, _, _ := net.SplitHostPort(s.cwmpLn.Addr().String())
	ep := &confEndpoint{kind: spec.Kind, acs: s.bodyGuard(s.CWMPHandler()), location: s.baseURL() + "/"}
	switch spec.Kind {
	case conformance.EndpointDigest, conformance.EndpointRefuse:
		user, pass := spec.Username, spec.Password
		if spec.Kind == conformance.EndpointRefuse {
			user = "" // no user name is known: every answer is refused
		} else if user == "" {
			if s.cwmpAuth == nil {
				return nil, errors.New("a Digest endpoint needs credentials: the ACS authenticates no CPEs")
			}
			break // the ACS's own CPE authentication (CWMPHandler) challenges
		}
		ep.auth = &auth.Server{Realm: "dmforge-conformance", Lookup: func(u string) (string, bool) { return pass, user != "" && u == user }}
	case conformance.EndpointServe, conformance.EndpointUntrusted, conformance.EndpointRedirect:
	default:
		return nil, fmt.Errorf("endpoint kind %q", spec.Kind)
	}
	var tlsCfg *tls.Config
	acsTLS := s.secureEndpoints()
	if acsTLS != nil || spec.Kind == conformance.EndpointUntrusted {
		if acsTLS == nil {
			// After the check the device must be brought back through
			// this endpoint, with a certificate it accepts.
			return nil, errors.New("the ACS serves CWMP without TLS: it has no certificate of its own to serve after the untrusted one")
		}
		tlsCfg = acsTLS.Clone()
		tlsCfg.Certificates, tlsCfg.GetCertificate = nil, ep.certificate(acsTLS, base.Hostname())
		if spec.Kind == conformance.EndpointUntrusted {
			// Self-signed for the right host name: valid in every way
			// but that no CA the device trusts issued it.
			bad, _, err := SelfSignedTLS(base.Hostname())
			if err != nil {
				return nil, err
			}
			ep.untrusted = &bad.Certificates[0]
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bindHost, "0"))
	if err != nil {
		return nil, fmt.Errorf("a second CWMP listener: %w", err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		ln = newHandshakeListener(ln, tlsCfg, ep.handshake)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ep.url = scheme + "://" + net.JoinHostPort(base.Hostname(), port) + "/"
	ep.srv = &http.Server{Handler: ep, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(serverErrorLog(s.log.Handler()), "", 0)}
	ep.done = make(chan struct{})
	go func() {
		defer close(ep.done)
		_ = ep.srv.Serve(ln)
	}()
	return ep, nil
}

// confEndpoint is a second CWMP endpoint (conformance.Endpoint).
type confEndpoint struct {
	url       string
	acs       http.Handler // the ACS's CWMP endpoint
	location  string       // where a redirect points: the ACS's URL
	auth      *auth.Server
	untrusted *tls.Certificate
	srv       *http.Server
	done      chan struct{}

	mu   sync.Mutex
	kind string
	log  conformance.EndpointLog
}

func (ep *confEndpoint) URL() string { return ep.url }

func (ep *confEndpoint) Log() conformance.EndpointLog {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return conformance.EndpointLog{Requests: append([]conformance.EndpointRequest(nil), ep.log.Requests...),
		Handshakes: append([]conformance.Handshake(nil), ep.log.Handshakes...)}
}

func (ep *confEndpoint) Serve() {
	ep.mu.Lock()
	ep.kind = conformance.EndpointServe
	ep.mu.Unlock()
}

func (ep *confEndpoint) Close() {
	_ = ep.srv.Close()
	<-ep.done
}

func (ep *confEndpoint) mode() string {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.kind
}

// certificate serves the untrusted certificate while the endpoint is
// untrusted, the ACS's afterwards.
func (ep *confEndpoint) certificate(acs *tls.Config, host string) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if ep.mode() == conformance.EndpointUntrusted {
			return ep.untrusted, nil
		}
		if acs.GetCertificate != nil {
			return acs.GetCertificate(hello)
		}
		if len(acs.Certificates) == 0 {
			return nil, errNoTLSCert
		}
		return &acs.Certificates[0], nil
	}
}

func (ep *confEndpoint) handshake(err error) {
	h := conformance.Handshake{Time: time.Now()}
	if err != nil {
		h.Err = err.Error()
	}
	ep.mu.Lock()
	if len(ep.log.Handshakes) < watchMaxExchanges {
		ep.log.Handshakes = append(ep.log.Handshakes, h)
	}
	ep.mu.Unlock()
}

// informElement finds an Inform in a SOAP body (any namespace prefix).
var informElement = regexp.MustCompile(`<([A-Za-z_][\w.-]*:)?Inform[\s/>]`)

func (ep *confEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	peek, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(peek), r.Body))
	body := peek
	if strings.Contains(strings.ToLower(r.Header.Get("Content-Encoding")), "gzip") {
		if zr, err := gzip.NewReader(bytes.NewReader(peek)); err == nil {
			body, _ = io.ReadAll(io.LimitReader(zr, 64<<10))
		}
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	rec := conformance.EndpointRequest{Time: time.Now(), Inform: informElement.Match(body), Authorization: scheme}
	sw := &statusWriter{ResponseWriter: w} // health.go
	switch ep.mode() {
	case conformance.EndpointRedirect:
		sw.Header().Set("Location", ep.location)
		sw.WriteHeader(http.StatusTemporaryRedirect)
	case conformance.EndpointDigest, conformance.EndpointRefuse:
		if ep.auth == nil {
			ep.acs.ServeHTTP(sw, r)
			break
		}
		// In front of the ACS's endpoint, which authenticates no CPEs.
		ep.auth.Middleware(ep.acs).ServeHTTP(sw, r)
	default:
		ep.acs.ServeHTTP(sw, r)
	}
	rec.Status, rec.End = sw.status, time.Now()
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	ep.mu.Lock()
	if len(ep.log.Requests) < watchMaxExchanges {
		ep.log.Requests = append(ep.log.Requests, rec)
	}
	ep.mu.Unlock()
}

// handshakeListener does the TLS handshake of each connection itself, so
// that a handshake the client aborts (a certificate it refuses) is
// recorded, and hands the connections that made it to the HTTP server.
type handshakeListener struct {
	net.Listener
	conns chan net.Conn
	stop  chan struct{}
	once  sync.Once
}

func newHandshakeListener(ln net.Listener, cfg *tls.Config, record func(error)) *handshakeListener {
	l := &handshakeListener{Listener: ln, conns: make(chan net.Conn), stop: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				tc := tls.Server(c, cfg)
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				err := tc.Handshake()
				_ = c.SetDeadline(time.Time{})
				record(err)
				if err != nil {
					c.Close()
					return
				}
				select {
				case l.conns <- tc:
				case <-l.stop:
					tc.Close()
				}
			}()
		}
	}()
	return l
}

func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.stop:
		return nil, net.ErrClosed
	}
}

func (l *handshakeListener) Close() error {
	l.once.Do(func() { close(l.stop) })
	return l.Listener.Close()
}
