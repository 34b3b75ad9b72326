package acsref

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
)

// settingAdminKeyHash names the store setting holding the SHA-256 (hex) of
// the NBI's admin API key. The key itself is never stored: it is shown
// once, when it is made.
const settingAdminKeyHash = "nbi.admin_key_sha256"

// adminKeyPrefix starts every admin API key, so that a leaked one is
// recognisable (secret scanners, logs).
const adminKeyPrefix = "dmf_"

// NBIAccess configures who may use the NBI. The zero value requires
// credentials: the admin API key (made on first start, see
// Server.NewAdminKey) or Config.NBIToken.
type NBIAccess struct {
	// Open serves the NBI without credentials: anyone who reaches its
	// address controls every device. For a lab on loopback only.
	Open bool
	// ResetKey replaces the stored admin API key by a new one (the old
	// one stops working).
	ResetKey bool
	// AllowedHosts are the host names (without port) the NBI answers to
	// beyond IP addresses and "localhost": a request naming another Host
	// is refused, which defeats DNS rebinding.
	AllowedHosts []string
	// AllowedOrigins are the browser origins ("https://ui.example.com")
	// allowed to call the NBI besides the NBI's own.
	AllowedOrigins []string
}

// initNBIAccess loads (or, the first time, makes) the admin API key.
func (s *Server) initNBIAccess(ctx context.Context) error {
	if s.cfg.NBIAccess.Open {
		return nil
	}
	stored, err := s.st.Setting(ctx, settingAdminKeyHash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("acsref: reading the NBI admin key: %w", err)
	}
	if err == nil && !s.cfg.NBIAccess.ResetKey {
		s.adminKeyHash = stored
		return nil
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("acsref: making the NBI admin key: %w", err)
	}
	key := adminKeyPrefix + hex.EncodeToString(b[:])
	h := hashKey(key)
	// Keep an existing hash unless asked to replace it: another process
	// sharing the store may have made a key meanwhile, and its key wins.
	got, err := s.st.PutSetting(ctx, settingAdminKeyHash, h, !s.cfg.NBIAccess.ResetKey)
	if err != nil {
		return fmt.Errorf("acsref: storing the NBI admin key: %w", err)
	}
	s.adminKeyHash = got
	if got == h {
		s.newAdminKey = key
	}
	return nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewAdminKey is the NBI admin API key made by New (first start, or
// NBIAccess.ResetKey), to show once: "" when the store already held one
// (only its hash is stored) or the NBI needs none.
func (s *Server) NewAdminKey() string { return s.newAdminKey }

// nbiGuard checks every NBI request but the public routes (AccessPublic
// in routes.go: /openapi.json, /healthz, /readyz): the Host (DNS
// rebinding), the Origin of browser requests (cross-site requests,
// including "simple" POSTs that need no preflight) and the credentials.
func (s *Server) nbiGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			writeAPIError(w, apiErr(http.StatusMisdirectedRequest, "host", "the NBI does not answer to host "+r.Host+" (allow it with --nbi-allowed-host)"))
			return
		}
		if !s.originAllowed(r) {
			writeAPIError(w, apiErr(http.StatusForbidden, "origin", "cross-site request refused (allow the origin with --nbi-allowed-origin)"))
			return
		}
		p := s.authenticate(r) // users.go
		if p == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dmforge-acs"`)
			writeAPIError(w, apiErr(http.StatusUnauthorized, "auth", "a valid bearer token is required (Authorization: Bearer <API key>)"))
			return
		}
		next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

func (s *Server) nbiAuthorized(r *http.Request) bool {
	if s.cfg.NBIAccess.Open && s.cfg.NBIToken == "" {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	okTok := s.cfg.NBIToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.NBIToken)) == 1
	okKey := s.adminKeyHash != "" && subtle.ConstantTimeCompare([]byte(hashKey(tok)), []byte(s.adminKeyHash)) == 1
	return okTok || okKey
}

// hostAllowed accepts IP addresses, localhost and the configured names.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil || strings.EqualFold(host, "localhost") {
		return true
	}
	for _, h := range s.cfg.NBIAccess.AllowedHosts {
		if h == "*" || strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// originAllowed refuses browser requests from other sites: a request
// with an Origin (or Sec-Fetch-Site: cross-site) that is neither the NBI's
// own origin nor an allowed one. Non-browser clients send neither.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	for _, o := range s.cfg.NBIAccess.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || origin == "null" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host) && r.Header.Get("Sec-Fetch-Site") != "cross-site"
}

// checkExposure refuses, before listening, to serve CPEs without
// authentication beyond loopback unless Config.AllowUnauthenticatedCPEs
// says so: anyone could create devices and answer for real ones. A TLS
// endpoint requiring client certificates authenticates CPEs.
func (s *Server) checkExposure(addr string) error {
	if s.cfg.Auth.enabled() || s.cfg.AllowUnauthenticatedCPEs || (s.cfg.TLS != nil && s.cfg.TLS.ClientAuth == tls.RequireAndVerifyClientCert) {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("acsref: CWMP address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return nil
	}
	return fmt.Errorf("acsref: the CWMP endpoint would listen on %s, beyond loopback, without CPE authentication: "+
		"set --cpe-username/--cpe-password or --per-device-auth (or --tls-client-ca), or accept anyone with --allow-unauthenticated-cpes", addr)
}
