package acsref

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/dmforge/dmforge/cwmp/auth"
)

// DefaultConnReqNets are the networks the global connection-request
// credentials (Config.ConnReqUsername/Password) may be sent to when
// Config.ConnReqAllowedNets is empty: private and carrier-grade NAT
// address space, where CPEs' management addresses live. Not loopback
// (the ACS's own host) unless allowed, as lab does.
var DefaultConnReqNets = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}

// LoopbackNets allow the ACS's own host (lab: simulated CPEs on 127.0.0.1).
var LoopbackNets = []string{"127.0.0.0/8", "::1/128"}

// parseNets parses CIDRs (a bare address is one host).
func parseNets(cidrs []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, c := range cidrs {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			ip := net.ParseIP(c)
			if ip == nil {
				return nil, fmt.Errorf("acsref: connection-request network %q: want a CIDR such as 10.0.0.0/8", c)
			}
			bits := 8 * len(ip.To16())
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			n = &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Server) crAllowed(ip net.IP) bool {
	for _, n := range s.crNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// errCRNotAllowed explains a refused target.
func errCRNotAllowed(host string) error {
	return fmt.Errorf("connection request: %s is outside the networks the global connection-request credentials may go to "+
		"(--cr-allowed-net); set the device's ConnectionRequestUsername/Password, or allow its network", host)
}

// crClient is the HTTP client of one connection request. With the
// global credentials the target must be in the allowed networks, checked
// on the address actually dialled (a DNS name cannot rebind past it), and
// Basic is answered only when Config.ConnReqBasic allows it (Basic sends
// the password itself).
func (s *Server) crClient(ctx context.Context, crURL, user, pass string, global bool) (*http.Client, error) {
	base := s.cfg.HTTPClientTransport
	if global {
		u, err := url.Parse(crURL)
		if err != nil {
			return nil, fmt.Errorf("connection request: %w", err)
		}
		if base == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			d := &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
				host, _, _ := net.SplitHostPort(address)
				if ip := net.ParseIP(host); ip == nil || !s.crAllowed(ip) {
					return errCRNotAllowed(u.Host)
				}
				return nil
			}}
			t.DialContext = d.DialContext
			t.Proxy = nil // the check is on the CPE's address, not a proxy's
			base = t
		} else {
			// A caller's transport: check what the name resolves to now.
			ips, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
			if err != nil {
				return nil, fmt.Errorf("connection request: %w", err)
			}
			for _, ip := range ips {
				if !s.crAllowed(ip.IP) {
					return nil, errCRNotAllowed(u.Host)
				}
			}
		}
	}
	return &http.Client{Transport: &auth.Transport{Base: base, Username: user, Password: pass, NoBasic: !s.cfg.ConnReqBasic}}, nil
}
