package cpe_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/udpcr"
)

// fakeSTUN is a STUN server for the CPE tests: it answers Binding
// Requests with a mapped address it is told (a NAT in between) or the
// source address, and records what it received.
type fakeSTUN struct {
	conn *net.UDPConn
	// password, when set, requires MESSAGE-INTEGRITY (401 without);
	// only5389 answers 431 to the RFC 3489 variant.
	password string
	only5389 bool

	mu     sync.Mutex
	mapped netip.AddrPort // zero: the source address
	reqs   []*udpcr.Message
}

func newFakeSTUN(t *testing.T) *fakeSTUN {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSTUN{conn: c}
	t.Cleanup(func() { c.Close() })
	go f.serve()
	return f
}

func (f *fakeSTUN) addr() string { return f.conn.LocalAddr().String() }

func (f *fakeSTUN) setMapped(a string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a == "" {
		f.mapped = netip.AddrPort{}
		return
	}
	f.mapped = netip.MustParseAddrPort(a)
}

func (f *fakeSTUN) requests() []*udpcr.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *fakeSTUN) serve() {
	buf := make([]byte, 2048)
	for {
		n, from, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		req, err := udpcr.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil || req.Type != udpcr.TypeBindingRequest {
			continue
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		mapped := f.mapped
		f.mu.Unlock()
		if !mapped.IsValid() {
			mapped = from
		}
		resp := &udpcr.Message{Type: udpcr.TypeBindingResponse, TxID: req.TxID}
		if f.password != "" {
			mode, err := req.CheckIntegrity([]byte(f.password))
			switch {
			case !req.Has(udpcr.AttrMessageIntegrity):
				resp.Type = udpcr.TypeBindingErrorResponse
				resp.Add(udpcr.AttrErrorCode, udpcr.ErrorCodeValue(401, "Unauthorized"))
			case err != nil || (f.only5389 && mode != udpcr.IntegrityRFC5389):
				resp.Type = udpcr.TypeBindingErrorResponse
				resp.Add(udpcr.AttrErrorCode, udpcr.ErrorCodeValue(431, "Integrity Check Failure"))
			}
		}
		if resp.Type == udpcr.TypeBindingResponse {
			resp.Add(udpcr.AttrMappedAddress, udpcr.AddressValue(mapped))
			resp.Add(udpcr.AttrXORMappedAddress, udpcr.XORAddressValue(mapped, req.TxID))
		}
		_, _ = f.conn.WriteToUDPAddrPort(resp.Encode(nil, 0), from)
	}
}

// runAgent runs the rig's agent until the test ends, and returns a
// function that stops it and waits.
func (r *rig) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.agent.Run(ctx, nil)
	}()
	stop = func() {
		cancel()
		<-done
	}
	r.t.Cleanup(stop)
	return stop
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (r *rig) stored(rel string) string {
	v, _ := r.store.Get("Device.ManagementServer." + rel)
	return v
}

func stunRig(t *testing.T, f *fakeSTUN, mod func(*cpe.Config)) *rig {
	return newRig(t, func(c *cpe.Config) {
		c.STUNServer = f.addr()
		c.STUNKeepAlive = 20 * time.Millisecond
		c.ConnReqURL = "" // behind NAT: no usable HTTP connection-request URL
		if mod != nil {
			mod(c)
		}
	})
}

// TestSTUNBinding: the CPE learns its mapped address, publishes it with
// NATDetected, tells the server with BINDING-CHANGE, and again when the
// NAT binding moves; with no NAT, NATDetected is false.
func TestSTUNBinding(t *testing.T) {
	f := newFakeSTUN(t)
	f.setMapped("203.0.113.5:40000")
	r := stunRig(t, f, nil)
	if r.stored("STUNEnable") != "true" || r.stored("STUNServerAddress") != "127.0.0.1" || r.stored("STUNUsername") != "SN0001" {
		t.Fatalf("STUN settings %s %s %s", r.stored("STUNEnable"), r.stored("STUNServerAddress"), r.stored("STUNUsername"))
	}
	r.run()
	eventually(t, "the mapped address", func() bool {
		return r.stored("UDPConnectionRequestAddress") == "203.0.113.5:40000" && r.stored("NATDetected") == "true"
	})
	changes := func() int {
		n := 0
		for _, m := range f.requests() {
			if !m.ConnectionRequestBinding() || m.Username() != "SN0001" {
				t.Fatalf("a Binding Request without CONNECTION-REQUEST-BINDING or USERNAME: %+v", m)
			}
			if m.Has(udpcr.AttrBindingChange) {
				n++
			}
		}
		return n
	}
	eventually(t, "BINDING-CHANGE", func() bool { return changes() == 1 })
	if f.requests()[0].Has(udpcr.AttrBindingChange) {
		t.Fatal("BINDING-CHANGE before the binding was known")
	}
	eventually(t, "keepalives", func() bool { return len(f.requests()) >= 5 })
	if changes() != 1 {
		t.Fatal("BINDING-CHANGE on a keepalive")
	}
	f.setMapped("203.0.113.5:40001") // the NAT moved the binding
	eventually(t, "the new mapped address", func() bool { return r.stored("UDPConnectionRequestAddress") == "203.0.113.5:40001" })
	eventually(t, "the second BINDING-CHANGE", func() bool { return changes() == 2 })
	f.setMapped("") // no NAT: the server sees the socket's own address
	local := r.agent.UDPConnReqAddr().String()
	eventually(t, "no NAT", func() bool {
		return r.stored("UDPConnectionRequestAddress") == local && r.stored("NATDetected") == "false"
	})
}

// TestSTUNIntegrity: a 401 makes the CPE add MESSAGE-INTEGRITY keyed with
// STUNPassword; a 431 to the RFC 3489 variant switches to RFC 5389.
func TestSTUNIntegrity(t *testing.T) {
	for _, only5389 := range []bool{false, true} {
		f := newFakeSTUN(t)
		f.password, f.only5389 = "stun-pw", only5389
		f.setMapped("198.51.100.2:1234")
		r := stunRig(t, f, nil)
		r.call(spv("k", "Device.ManagementServer.STUNPassword", "stun-pw", "xsd:string"))
		r.run()
		eventually(t, "the mapped address", func() bool { return r.stored("UDPConnectionRequestAddress") == "198.51.100.2:1234" })
		reqs := f.requests()
		if reqs[0].Has(udpcr.AttrMessageIntegrity) {
			t.Fatal("MESSAGE-INTEGRITY before the server asked")
		}
		mode, err := reqs[len(reqs)-1].CheckIntegrity([]byte("stun-pw"))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]udpcr.Integrity{false: udpcr.IntegrityRFC3489, true: udpcr.IntegrityRFC5389}[only5389]; mode != want {
			t.Fatalf("only5389=%v: integrity %v", only5389, mode)
		}
	}
}

// udpRig is a CPE bound to a STUN server with no NAT, its UDP
// connection-request socket open.
func udpRig(t *testing.T, mod func(*cpe.Config)) (*rig, string, func()) {
	f := newFakeSTUN(t)
	r := stunRig(t, f, mod)
	stop := r.run()
	eventually(t, "the UDP socket", func() bool { return r.agent.UDPConnReqAddr().IsValid() })
	addr := r.agent.UDPConnReqAddr().String()
	eventually(t, "the binding", func() bool { return r.stored("UDPConnectionRequestAddress") == addr })
	eventually(t, "the boot session", func() bool { return len(r.acs.Sessions("SN0001")) == 1 })
	return r, addr, stop
}

func send(t *testing.T, addr string, msg []byte) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) crSessions() int {
	n := 0
	for _, s := range r.acs.Sessions("SN0001") {
		if slices.Contains(s.Events(), cwmp.EventConnectionRequest) {
			n++
		}
	}
	return n
}

// quiet checks that no connection-request session follows for a while.
func (r *rig) quiet(want int) {
	r.t.Helper()
	time.Sleep(300 * time.Millisecond)
	if n := r.crSessions(); n != want {
		r.t.Fatalf("%d connection-request sessions, want %d", n, want)
	}
}

// TestUDPConnectionRequest: a valid request opens a session with 6
// CONNECTION REQUEST; its retransmitted copies, replays, stale or forged
// requests and garbage are dropped.
func TestUDPConnectionRequest(t *testing.T) {
	r, addr, _ := udpRig(t, func(c *cpe.Config) { c.ConnReqInterval = -1 })
	req := udpcr.NewRequest(addr, "SN0001", "crpass", time.Now())
	for range 3 { // Annex G: the ACS sends copies
		send(t, addr, req.Encode())
	}
	eventually(t, "the session", func() bool { return r.crSessions() == 1 })
	r.quiet(1)
	send(t, addr, req.Encode()) // a replay
	r.quiet(1)

	older := udpcr.NewRequest(addr, "SN0001", "crpass", time.Now().Add(-time.Minute))
	stale := udpcr.NewRequest(addr, "SN0001", "crpass", time.Now().Add(-time.Hour))
	forged := udpcr.NewRequest(addr, "SN0001", "crpass", time.Now().Add(time.Second))
	forged.Sig = udpcr.Signature(forged.TS, forged.ID, forged.Username, forged.CNonce, "guess")
	for _, m := range [][]byte{
		older.Encode(), stale.Encode(), forged.Encode(),
		udpcr.NewRequest(addr, "someone", "crpass", time.Now()).Encode(),
		[]byte("GET / HTTP/1.1\r\n\r\n"), []byte("garbage"), {0, 1, 0, 0},
	} {
		send(t, addr, m)
	}
	r.quiet(1)

	// A new request, in the same second or later, is acted on.
	send(t, addr, udpcr.NewRequest(addr, "SN0001", "crpass", time.Now()).Encode())
	eventually(t, "the second session", func() bool { return r.crSessions() == 2 })
	// So is one with credentials the ACS set since.
	r.acs.Enqueue("SN0001", spv("k2", "Device.ManagementServer.ConnectionRequestUsername", "acs-user", "xsd:string",
		"Device.ManagementServer.ConnectionRequestPassword", "acs-pass", "xsd:string"))
	send(t, addr, udpcr.NewRequest(addr, "SN0001", "crpass", time.Now().Add(time.Second)).Encode())
	eventually(t, "the third session", func() bool { return r.crSessions() == 3 })
	// The session is counted at its Inform; the old credentials stop
	// working once its SetParameterValues has been applied.
	eventually(t, "the new credentials applied", func() bool {
		return r.stored("ConnectionRequestUsername") == "acs-user" && r.stored("ConnectionRequestPassword") == "acs-pass"
	})
	send(t, addr, udpcr.NewRequest(addr, "SN0001", "crpass", time.Now().Add(2*time.Second)).Encode())
	r.quiet(3)
	send(t, addr, udpcr.NewRequest(addr, "acs-user", "acs-pass", time.Now().Add(2*time.Second)).Encode())
	eventually(t, "the fourth session", func() bool { return r.crSessions() == 4 })
}

// TestUDPConnectionRequestRateLimit: the HTTP rate limit applies.
func TestUDPConnectionRequestRateLimit(t *testing.T) {
	r, addr, _ := udpRig(t, func(c *cpe.Config) { c.ConnReqInterval = time.Hour })
	send(t, addr, udpcr.NewRequest(addr, "SN0001", "crpass", time.Now()).Encode())
	eventually(t, "the session", func() bool { return r.crSessions() == 1 })
	send(t, addr, udpcr.NewRequest(addr, "SN0001", "crpass", time.Now()).Encode())
	r.quiet(1)
}

// TestSTUNDisableAndStop: the ACS turning STUN off closes the socket and
// clears the address; Run's end closes it too.
func TestSTUNDisableAndStop(t *testing.T) {
	r, addr, _ := udpRig(t, nil)
	r.acs.Enqueue("SN0001", spv("k", "Device.ManagementServer.STUNEnable", "false", "xsd:boolean"))
	if !r.agent.ConnectionRequest() {
		t.Fatal("rate limit")
	}
	eventually(t, "the socket closed", func() bool { return !r.agent.UDPConnReqAddr().IsValid() })
	if r.stored("UDPConnectionRequestAddress") != "" || r.stored("NATDetected") != "false" {
		t.Fatalf("after STUNEnable false: %q %q", r.stored("UDPConnectionRequestAddress"), r.stored("NATDetected"))
	}
	// The port is free again: nothing listens on it.
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("the port is still in use: %v", err)
	}
	c.Close()

	// Run's end closes the socket.
	r2, addr2, stop := udpRig(t, nil)
	stop()
	if r2.agent.UDPConnReqAddr().IsValid() {
		t.Fatal("the socket outlived Run")
	}
	if c, err = net.ListenPacket("udp", addr2); err != nil {
		t.Fatalf("the port is still in use after Run: %v", err)
	}
	c.Close()
}
