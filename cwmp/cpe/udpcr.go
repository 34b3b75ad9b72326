package cpe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/dmforge/dmforge/cwmp/udpcr"
	"github.com/dmforge/dmforge/model"
)

// UDP connection requests and STUN (TR-069 Annex G, TR-111 Part 2).
//
// While ManagementServer.STUNEnable is true, Run keeps a UDP socket open
// (Config.UDPConnReqAddr) and, from it, sends STUN Binding Requests with
// CONNECTION-REQUEST-BINDING to STUNServerAddress:STUNServerPort (the
// ACS's host and 3478 when unset) every STUNMinimumKeepAlivePeriod to
// STUNMaximumKeepAlivePeriod seconds: they keep the NAT binding to the
// socket open and tell the CPE its public address. The CPE publishes it
// in UDPConnectionRequestAddress (its local address until it learned it)
// and NATDetected, and sends BINDING-CHANGE at once when it changed.
// A UDP Connection Request arriving on the socket is checked (user name
// and signature against the connection-request credentials, ts fresh and
// not older than the last accepted, id not a repeat) and then handled as
// an HTTP connection request is, under the same rate limit; anything
// else is dropped without an answer.

const (
	// defaultSTUNPort is STUN's port (RFC 3489 8.1), STUNServerPort's
	// default.
	defaultSTUNPort = 3478
	// defaultKeepAlive is the Binding Request period when the model's
	// keepalive bounds give none.
	defaultKeepAlive = 30 * time.Second
	// stunTimeout is how long a Binding Request is retransmitted before
	// the exchange fails (RFC 3489 9.3: 100 ms doubling to 1.6 s, 9.5 s
	// in all).
	stunTimeout = 9500 * time.Millisecond
)

// udpConnReq is an agent's UDP connection-request endpoint and STUN client.
type udpConnReq struct {
	a *Agent
	// check is poked after each session: the ACS may have changed the
	// STUN settings.
	check chan struct{}

	mu     sync.Mutex
	guard  udpcr.Guard
	lastID string         // of the last request acted on
	local  netip.AddrPort // the socket's address while open
}

// stunConfig is what the data model says of STUN; comparable, so that a
// change is seen.
type stunConfig struct {
	enable             bool
	server             string // host:port
	username, password string
	minKA, maxKA       time.Duration // maxKA < 0: no maximum
}

// initSTUN prepares the agent's UDP endpoint and applies Config.STUNServer.
func (a *Agent) initSTUN() error {
	a.udp = &udpConnReq{a: a, check: make(chan struct{}, 1)}
	a.udp.guard.MaxAge = a.cfg.UDPConnReqMaxAge
	if a.cfg.STUNServer == "" {
		return nil
	}
	if !a.udp.supported() {
		return fmt.Errorf("cpe: STUN server %s: the model %s has no %sManagementServer.STUNEnable", a.cfg.STUNServer, a.cfg.Schema.Model, a.ix.root)
	}
	host, port, err := net.SplitHostPort(a.cfg.STUNServer)
	if err != nil {
		return fmt.Errorf("cpe: STUN server %q: %w", a.cfg.STUNServer, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("cpe: STUN server %q: bad port", a.cfg.STUNServer)
	}
	a.setDeviceValue("ManagementServer.STUNEnable", "true")
	a.setDeviceValue("ManagementServer.STUNServerAddress", host)
	a.setDeviceValue("ManagementServer.STUNServerPort", port)
	// The ACS's STUN server knows the device by USERNAME: without one
	// configured, the connection-request user name (unique per device).
	if a.get("ManagementServer.STUNUsername") == "" {
		a.setDeviceValue("ManagementServer.STUNUsername", a.cfg.ConnReqUsername)
	}
	return nil
}

// setDeviceValue sets a value the device itself maintains (read-only ones
// included), and reports whether it changed.
func (a *Agent) setDeviceValue(rel, value string) bool {
	path := a.p(rel)
	e, ok := a.cfg.Schema.Lookup(path)
	if !ok || e.Object {
		return false
	}
	if old, ok := a.handler.get(path); ok && old == value {
		return false
	}
	v := model.ParameterValue{Name: path, Value: value, Type: model.TypeString}
	if e.Syntax != nil {
		v.Type = e.Syntax.WireType()
	}
	if a.cfg.Store.Set([]model.ParameterValue{v}) != nil {
		a.handler.SetOwned(path, value) // a vendor Store refusing read-only values
	}
	return true
}

// UDPConnReqAddr returns the local address of the UDP connection-request
// socket while it is open, the zero AddrPort otherwise.
func (a *Agent) UDPConnReqAddr() netip.AddrPort {
	a.udp.mu.Lock()
	defer a.udp.mu.Unlock()
	return a.udp.local
}

func (u *udpConnReq) supported() bool {
	_, ok := u.a.cfg.Schema.Lookup(u.a.p("ManagementServer.STUNEnable"))
	_, ok2 := u.a.cfg.Schema.Lookup(u.a.p("ManagementServer.UDPConnectionRequestAddress"))
	return ok && ok2
}

// recheck asks the STUN loop to read the settings again.
func (u *udpConnReq) recheck() {
	select {
	case u.check <- struct{}{}:
	default:
	}
}

// start runs the STUN loop until ctx ends; stop ends it and waits for it.
func (u *udpConnReq) start(ctx context.Context) (stop func()) {
	if !u.supported() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func (u *udpConnReq) config() stunConfig {
	a := u.a
	var c stunConfig
	c.enable, _ = model.ParseBool(a.get("ManagementServer.STUNEnable"))
	host := a.get("ManagementServer.STUNServerAddress")
	if host == "" {
		// TR-181: the host of the ACS URL.
		if pu, err := url.Parse(a.acsURL()); err == nil {
			host = pu.Hostname()
		}
	}
	port := defaultSTUNPort
	if p, err := strconv.ParseUint(a.get("ManagementServer.STUNServerPort"), 10, 16); err == nil && p > 0 {
		port = int(p)
	}
	if host != "" {
		c.server = net.JoinHostPort(host, strconv.Itoa(port))
	}
	c.username, c.password = a.get("ManagementServer.STUNUsername"), a.get("ManagementServer.STUNPassword")
	if s, err := strconv.ParseUint(a.get("ManagementServer.STUNMinimumKeepAlivePeriod"), 10, 32); err == nil {
		c.minKA = time.Duration(s) * time.Second
	}
	c.maxKA = -1
	if s, err := strconv.ParseInt(a.get("ManagementServer.STUNMaximumKeepAlivePeriod"), 10, 32); err == nil && s >= 0 {
		c.maxKA = time.Duration(s) * time.Second
	}
	return c
}

// keepAlive picks the time to the next Binding Request within the
// model's bounds.
func (u *udpConnReq) keepAlive(c stunConfig) time.Duration {
	if u.a.cfg.STUNKeepAlive > 0 {
		return u.a.cfg.STUNKeepAlive
	}
	lo, hi := c.minKA, c.maxKA
	if lo <= 0 {
		lo = defaultKeepAlive
		if hi > 0 && hi < lo {
			lo = hi
		}
	}
	if hi < lo {
		hi = lo
	}
	return lo + time.Duration(rand.Float64()*float64(hi-lo))
}

// udpSocket is the open connection-request socket and its binding state.
type udpSocket struct {
	conn  *net.UDPConn
	local netip.AddrPort
	resp  chan *udpcr.Message // STUN responses from the reader
	done  chan struct{}       // the reader has stopped

	mapped    netip.AddrPort // the last mapped address learned
	announce  bool           // mapped is new: the next request carries BINDING-CHANGE
	integrity bool           // the server asked for MESSAGE-INTEGRITY
	mode      udpcr.Integrity
	flipped   bool // mode was switched after a 431
}

func (u *udpConnReq) run(ctx context.Context) {
	var (
		s    *udpSocket
		cur  stunConfig
		next time.Time // when the next Binding Request is due
	)
	defer func() {
		if s != nil {
			u.closeSocket(s)
		}
	}()
	for {
		cfg := u.config()
		if cfg != cur {
			// New settings (at start, or from the ACS) take effect now.
			cur, next = cfg, time.Time{}
			if s != nil {
				s.integrity, s.flipped = false, false
			}
		}
		wait := time.Duration(-1) // until the settings change
		switch {
		case !cfg.enable:
			if s != nil {
				u.closeSocket(s)
				s = nil
				// TR-181: NATDetected is false while STUN is off; nothing
				// listens for UDP connection requests.
				u.publish("", false)
			}
		case s == nil:
			var err error
			if s, err = u.open(); err != nil {
				u.a.logf("UDP connection requests: %v", err)
				wait = u.keepAlive(cfg)
				break
			}
			u.publish(s.local.String(), false)
			wait = 0
		case !time.Now().Before(next):
			next = time.Now().Add(u.bind(ctx, s, cfg))
			fallthrough
		default:
			wait = max(0, time.Until(next))
		}
		if !u.wait(ctx, wait) {
			return
		}
	}
}

// wait sleeps d (forever if negative) or until the settings may have
// changed; false when ctx ended.
func (u *udpConnReq) wait(ctx context.Context, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-u.check:
	case <-timer:
	}
	return true
}

func (u *udpConnReq) open() (*udpSocket, error) {
	addr := u.a.cfg.UDPConnReqAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	la, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", la)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	s := &udpSocket{conn: conn, local: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		resp: make(chan *udpcr.Message, 8), done: make(chan struct{}),
		// TR-111 devices speak RFC 3489; a 431 switches to RFC 5389.
		mode: udpcr.IntegrityRFC3489}
	u.mu.Lock()
	u.local = s.local
	u.mu.Unlock()
	go u.read(s)
	return s, nil
}

func (u *udpConnReq) closeSocket(s *udpSocket) {
	s.conn.Close()
	<-s.done
	u.mu.Lock()
	u.local = netip.AddrPort{}
	u.mu.Unlock()
}

// read receives what comes to the socket: STUN responses go to the loop,
// UDP Connection Requests are handled here.
func (u *udpConnReq) read(s *udpSocket) {
	defer close(s.done)
	buf := make([]byte, 64<<10)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // a transient error: not a busy loop
			continue
		}
		b := buf[:n]
		if n > 0 && b[0]&0xC0 == 0 { // STUN's first two bits are 0; "GET" is not
			m, err := udpcr.ParseMessage(append([]byte(nil), b...))
			if err != nil || (m.Type != udpcr.TypeBindingResponse && m.Type != udpcr.TypeBindingErrorResponse) {
				continue
			}
			select {
			case s.resp <- m:
			default: // nobody waits for that many: stale ones
			}
			continue
		}
		u.connectionRequest(b, from)
	}
}

// connectionRequest checks a UDP Connection Request and, if it is valid,
// asks for a session as an HTTP connection request does. Invalid ones are
// dropped without an answer (Annex G).
func (u *udpConnReq) connectionRequest(b []byte, from netip.AddrPort) {
	a := u.a
	r, err := udpcr.ParseRequest(b)
	if err != nil {
		a.logf("UDP connection request from %v dropped: %v", from, err)
		return
	}
	user, pass := a.connReqCredentials()
	if err := r.Verify(user, pass); err != nil {
		a.logf("UDP connection request from %v dropped: %v", from, err)
		return
	}
	u.mu.Lock()
	err = u.guard.Check(r, a.now())
	copied := err != nil && r.ID == u.lastID
	if err == nil {
		u.guard.Accept(r)
		u.lastID = r.ID
	}
	u.mu.Unlock()
	if err != nil {
		if !copied { // the ACS's retransmitted copies are expected
			a.logf("UDP connection request from %v (id %s) dropped: %v", from, r.ID, err)
		}
		return
	}
	if !a.ConnectionRequest() {
		a.logf("UDP connection request from %v refused: rate limit", from)
	}
}

// publish sets UDPConnectionRequestAddress and NATDetected; a change is a
// value change (an Inform, if the ACS asked for notification).
func (u *udpConnReq) publish(addr string, nat bool) {
	c1 := u.a.setDeviceValue("ManagementServer.UDPConnectionRequestAddress", addr)
	c2 := u.a.setDeviceValue("ManagementServer.NATDetected", strconv.FormatBool(nat))
	if c1 || c2 {
		u.a.ValueChanged()
	}
}

// bind runs one Binding Request exchange and returns the time until the
// next request.
func (u *udpConnReq) bind(ctx context.Context, s *udpSocket, cfg stunConfig) time.Duration {
	a := u.a
	retry := u.keepAlive(cfg)
	server, err := resolveUDP(ctx, cfg.server)
	if err != nil {
		a.logf("STUN: server %q: %v", cfg.server, err)
		return retry
	}
	change := s.announce
	req := &udpcr.Message{Type: udpcr.TypeBindingRequest, TxID: udpcr.NewTxID()}
	if cfg.username != "" {
		// Sent whenever configured, as deployed CPEs do: the ACS knows
		// the binding's device by it.
		req.Add(udpcr.AttrUsername, udpcr.PaddedUsername(cfg.username))
	}
	req.Add(udpcr.AttrConnectionRequestBinding, []byte(udpcr.ConnectionRequestBindingValue))
	if change {
		req.Add(udpcr.AttrBindingChange, nil)
	}
	var key []byte
	if s.integrity && cfg.username != "" {
		key = []byte(cfg.password)
	}
	resp, err := s.exchange(ctx, req.Encode(key, s.mode), req.TxID, server)
	if err != nil {
		if ctx.Err() == nil {
			a.logf("STUN: %s: %v", server, err)
		}
		return retry
	}
	if resp.Type == udpcr.TypeBindingErrorResponse {
		code, reason, _ := resp.ErrorCode()
		switch {
		case code == 401 && !s.integrity && cfg.username != "":
			// The server wants MESSAGE-INTEGRITY: again, with it.
			s.integrity = true
			return 0
		case code == 431 && s.integrity && !s.flipped:
			// An RFC 3489 server computes the HMAC over padded text, an
			// RFC 5389 one does not: try the other way once.
			s.mode, s.flipped = 1-s.mode, true
			return 0
		}
		a.logf("STUN: %s answered %d %s", server, code, reason)
		return retry
	}
	mapped, ok := resp.MappedAddress()
	if !ok {
		a.logf("STUN: %s: a Binding Response without a mapped address", server)
		return retry
	}
	s.flipped = false
	if change {
		s.announce = false // the server has been told
	}
	mapped = netip.AddrPortFrom(mapped.Addr().Unmap(), mapped.Port())
	if mapped != s.mapped {
		s.mapped, s.announce = mapped, true
		nat := mapped != s.localTo(server)
		a.logf("STUN: mapped address %s (NAT detected: %v)", mapped, nat)
		// TR-181: with STUN on, UDPConnectionRequestAddress is the public
		// address of the binding.
		u.publish(mapped.String(), nat)
	}
	if s.announce {
		return 0 // TR-111: tell the server at once, with BINDING-CHANGE
	}
	return u.keepAlive(cfg)
}

// localTo is the socket's address as a packet to server leaves it: the
// route's source address when the socket listens on all addresses.
func (s *udpSocket) localTo(server netip.AddrPort) netip.AddrPort {
	ip := s.local.Addr()
	if ip.IsUnspecified() {
		if c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(server)); err == nil {
			ip = c.LocalAddr().(*net.UDPAddr).AddrPort().Addr()
			c.Close()
		}
	}
	return netip.AddrPortFrom(ip.Unmap(), s.local.Port())
}

func resolveUDP(ctx context.Context, hostport string) (netip.AddrPort, error) {
	if hostport == "" {
		return netip.AddrPort{}, errors.New("no STUN server (STUNServerAddress and the ACS URL are empty)")
	}
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap, nil
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", port)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("%s: no address", host)
	}
	return netip.AddrPortFrom(ips[0].Unmap(), uint16(p)), nil
}

// exchange sends a Binding Request and waits for its response,
// retransmitting as RFC 3489 9.3 says.
func (s *udpSocket) exchange(ctx context.Context, raw []byte, txID [16]byte, server netip.AddrPort) (*udpcr.Message, error) {
	for len(s.resp) > 0 { // late answers to earlier requests
		<-s.resp
	}
	deadline := time.Now().Add(stunTimeout)
	rto := 100 * time.Millisecond
	for {
		if _, err := s.conn.WriteToUDPAddrPort(raw, server); err != nil {
			return nil, fmt.Errorf("sending a Binding Request: %w", err)
		}
		t := time.NewTimer(min(rto, time.Until(deadline)))
	recv:
		for {
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case m := <-s.resp:
				if m.TxID == txID {
					t.Stop()
					return m, nil
				}
			case <-t.C:
				break recv
			}
		}
		if !time.Now().Before(deadline) {
			return nil, errors.New("no answer to the Binding Request")
		}
		rto = min(2*rto, 1600*time.Millisecond)
	}
}
