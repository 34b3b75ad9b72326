package acsref

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/udpcr"
	"github.com/dmforge/dmforge/model"
)

// UDP connection requests (TR-069 Annex G) to CPEs behind NAT.

const (
	// udpCRCopies is how many copies of a UDP Connection Request go out
	// (the same ts and id: the CPE acts on the first that arrives), and
	// udpCRGap the time between them: UDP has no answer and loses packets.
	udpCRCopies = 3
	udpCRGap    = 100 * time.Millisecond
)

// udpTarget returns where a connection request to the device goes over
// UDP, or "" when HTTP is the way. The address is the newer of the STUN
// server's binding for the device (by its STUNUsername, connection-request
// user name, serial number or id) and its reported
// UDPConnectionRequestAddress; UDP is used when the device reported
// NATDetected, when the binding shows a NAT (the ConnectionRequestURL's
// host is not the public address), or when the ConnectionRequestURL is
// not usable.
func (s *Server) udpTarget(d *store.Device, ps []store.Parameter) string {
	var reported store.Parameter
	var nat bool
	var stunUser, crUser string
	for _, p := range ps {
		switch strings.TrimPrefix(p.Name, d.Root+"ManagementServer.") {
		case "UDPConnectionRequestAddress":
			reported = p
		case "NATDetected":
			nat, _ = model.ParseBool(p.Value)
		case "STUNUsername":
			stunUser = p.Value
		case "ConnectionRequestUsername":
			crUser = p.Value
		}
	}
	addr := reported.Value
	if b, ok := s.stun.binding(stunUser, crUser, d.SerialNumber, d.ID); ok && (addr == "" || b.Seen.After(reported.Updated)) {
		addr = b.Addr.String()
		if ip, err := netip.ParseAddr(urlHost(d.ConnReqURL)); err == nil && ip.Unmap() != b.Addr.Addr() {
			nat = true
		}
	}
	if addr == "" || (!nat && urlHost(d.ConnReqURL) != "") {
		return ""
	}
	return addr
}

// urlHost is the host of a usable HTTP(S) ConnectionRequestURL, "" if
// the URL is not one.
func urlHost(u string) string {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return ""
	}
	return pu.Hostname()
}

// udpConnectionRequest sends a signed UDP Connection Request to addr
// (host:port, or host for port 80 as TR-181 allows), several times.
// Nothing answers: delivery is unknown.
func (s *Server) udpConnectionRequest(ctx context.Context, deviceID, addr, user, pass string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = strings.Trim(addr, "[]"), "80"
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || host == "" {
		return fmt.Errorf("UDP connection request: bad UDPConnectionRequestAddress %q", addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if lerr != nil {
			return fmt.Errorf("UDP connection request: %w", lerr)
		}
		if len(ips) == 0 {
			return fmt.Errorf("UDP connection request: %s: no address", host)
		}
		ip = ips[0]
	}
	to := netip.AddrPortFrom(ip.Unmap(), uint16(p))
	msg := udpcr.NewRequest(net.JoinHostPort(host, port), user, pass, time.Now()).Encode()
	send := func(b []byte) error {
		_, err := s.stun.conn.WriteToUDPAddrPort(b, to)
		return err
	}
	if s.stun == nil {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
		if err != nil {
			return fmt.Errorf("UDP connection request: %w", err)
		}
		defer c.Close()
		send = func(b []byte) error {
			_, err := c.Write(b)
			return err
		}
	}
	for i := range udpCRCopies {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil // the first copy is out
			case <-time.After(udpCRGap):
			}
		}
		if err := send(msg); err != nil {
			return fmt.Errorf("UDP connection request to %s: %w", to, err)
		}
	}
	s.log.Debug("acs: UDP connection request", "device", deviceID, "to", to)
	return nil
}
