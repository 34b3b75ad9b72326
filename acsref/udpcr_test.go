package acsref_test

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/udpcr"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// stunExchange sends one Binding Request from c to the ACS's STUN server
// and returns the answer.
func stunExchange(t *testing.T, c *net.UDPConn, server string, req *udpcr.Message, key []byte, mode udpcr.Integrity) *udpcr.Message {
	t.Helper()
	to := netip.MustParseAddrPort(server)
	if _, err := c.WriteToUDPAddrPort(req.Encode(key, mode), to); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := udpcr.ParseMessage(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	if m.TxID != req.TxID {
		t.Fatal("transaction id not echoed")
	}
	return m
}

func bindingRequest(user string, classic bool, attrs ...uint16) *udpcr.Message {
	m := &udpcr.Message{Type: udpcr.TypeBindingRequest, TxID: udpcr.NewTxID()}
	if classic {
		m.TxID[0] ^= 0xFF // an RFC 3489 client: no magic cookie
	}
	if user != "" {
		m.Add(udpcr.AttrUsername, udpcr.PaddedUsername(user))
	}
	m.Add(udpcr.AttrConnectionRequestBinding, []byte(udpcr.ConnectionRequestBindingValue))
	for _, a := range attrs {
		m.Add(a, []byte{0, 0, 0, 0})
	}
	return m
}

// TestSTUNServer: Binding Responses carry the source address (XOR-MAPPED
// too for RFC 5389 clients); with a STUN password, 401 without
// MESSAGE-INTEGRITY, 432 without USERNAME, 431 with a wrong key, and
// either integrity variant accepted and mirrored; 420 for unknown
// comprehension-required attributes.
func TestSTUNServer(t *testing.T) {
	for _, pw := range []string{"", "stun-pw"} {
		a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
			c.STUNAddr, c.STUNPassword = "127.0.0.1:0", pw
		})
		srv := a.srv.STUNAddr()
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := c.LocalAddr().(*net.UDPAddr).AddrPort()
		code := func(m *udpcr.Message) int {
			if m.Type == udpcr.TypeBindingResponse {
				return 0
			}
			n, _, _ := m.ErrorCode()
			return n
		}
		for _, classic := range []bool{false, true} {
			for _, mode := range []udpcr.Integrity{udpcr.IntegrityRFC3489, udpcr.IntegrityRFC5389} {
				var key []byte
				if pw != "" {
					if m := stunExchange(t, c, srv, bindingRequest("u1", classic), nil, 0); code(m) != 401 {
						t.Fatalf("no integrity: %d", code(m))
					}
					if m := stunExchange(t, c, srv, bindingRequest("", classic), []byte(pw), mode); code(m) != 432 {
						t.Fatalf("no username: %d", code(m))
					}
					if m := stunExchange(t, c, srv, bindingRequest("u1", classic), []byte("guess"), mode); code(m) != 431 {
						t.Fatalf("wrong key: %d", code(m))
					}
					key = []byte(pw)
				}
				m := stunExchange(t, c, srv, bindingRequest("u1", classic), key, mode)
				if code(m) != 0 {
					t.Fatalf("pw %q classic %v: error %d", pw, classic, code(m))
				}
				if got, ok := m.MappedAddress(); !ok || got != local {
					t.Fatalf("mapped %v, want %v", got, local)
				}
				if m.Has(udpcr.AttrXORMappedAddress) == classic {
					t.Fatal("XOR-MAPPED-ADDRESS for the wrong client")
				}
				if pw != "" {
					if got, err := m.CheckIntegrity(key); err != nil || got != mode {
						t.Fatalf("response integrity %v %v", got, err)
					}
				}
			}
		}
		m := stunExchange(t, c, srv, bindingRequest("u1", false, 0x0024), []byte(pw), 0)
		if code(m) != 420 || !m.Has(udpcr.AttrUnknownAttributes) {
			t.Fatalf("unknown attribute: %d", code(m))
		}
		a.close()
	}
}

// udpAgent is a simulated CPE behind (a loopback) NAT: STUN on against
// the ACS's server, no HTTP connection-request URL.
func udpAgent(t *testing.T, a *testACS, serial, crPass string, sessions chan<- cpe.SessionResult) *cpe.Agent {
	t.Helper()
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: a.srv.CWMPURL(), SerialNumber: serial,
		OUI: "00D09E", ProductClass: "SimBox", Manufacturer: "dmforge",
		ConnReqUsername: serial, ConnReqPassword: crPass, STUNServer: a.srv.STUNAddr(), STUNKeepAlive: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = ag.Run(ctx, func(res cpe.SessionResult, err error) {
			if err == nil {
				sessions <- res
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return ag
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestUDPConnectionRequestEndToEnd: a simulated CPE with no usable HTTP
// connection-request URL binds through the ACS's STUN server; a task
// posted with connection_request reaches it over UDP and runs in the
// session it opens. With the wrong connection-request password the
// request is dropped: no session, the task stays pending.
func TestUDPConnectionRequestEndToEnd(t *testing.T) {
	for _, c := range []struct {
		acsPass string
		ok      bool
	}{{"cpe-pass", true}, {"wrong", false}} {
		a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(cfg *acsref.Config) {
			cfg.STUNAddr, cfg.ConnReqPassword = "127.0.0.1:0", c.acsPass
		})
		sessions := make(chan cpe.SessionResult, 16)
		ag := udpAgent(t, a, "UDP1", "cpe-pass", sessions)
		id := acsref.DeviceID("00D09E", "SimBox", "UDP1")
		first := <-sessions // boot, with the discovery
		if !slices.Contains(first.Events, cwmp.EventBoot) {
			t.Fatalf("first session %v", first.Events)
		}
		addr := ag.UDPConnReqAddr().String()
		waitFor(t, "the binding", func() bool {
			v, _ := ag.Store().Get("Device.ManagementServer.UDPConnectionRequestAddress")
			return v == addr
		})
		if v, _ := ag.Store().Get("Device.ManagementServer.NATDetected"); v != "false" {
			t.Fatalf("NATDetected %q on loopback", v)
		}
		var resp acsref.TaskResponse
		a.do("POST", devPath(id)+"/tasks?connection_request", `{"name":"getParameterValues","parameterNames":["Device.ManagementServer.UDPConnectionRequestAddress"]}`, &resp)
		if resp.ConnectionRequest != "sent (UDP)" {
			t.Fatalf("connection request: %q", resp.ConnectionRequest)
		}
		if !c.ok {
			select {
			case res := <-sessions:
				t.Fatalf("a session after a UDP connection request with a wrong password: %v", res.Events)
			case <-time.After(time.Second):
			}
			if tk := a.getTask(resp.ID); tk.Status != store.TaskPending {
				t.Fatalf("task %s", tk.Status)
			}
			continue
		}
		select {
		case res := <-sessions:
			if !slices.Contains(res.Events, cwmp.EventConnectionRequest) {
				t.Fatalf("session %v", res.Events)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no session after the UDP connection request")
		}
		tk := a.getTask(resp.ID)
		if tk.Status != store.TaskDone || !strings.Contains(string(tk.Result), addr) {
			t.Fatalf("task %s %s", tk.Status, tk.Result)
		}
		// The copies of the request opened one session only.
		select {
		case res := <-sessions:
			t.Fatalf("another session %v", res.Events)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// TestUDPConnectionRequestReported: without a STUN server of its own, the
// ACS sends to the UDPConnectionRequestAddress a device behind NAT reported
// (NATDetected true, an HTTP URL of its private address): three copies of
// one request signed with the device's credentials.
func TestUDPConnectionRequestReported(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.ConnReqUsername, c.ConnReqPassword = "cr-user", "cr-pass"
	})
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cpe1 := newTestCPE(a.srv.CWMPURL(), "NAT1")
	cpe1.Set("Device.ManagementServer.ConnectionRequestURL", "http://192.168.1.10:7547/cr", "xsd:string", false)
	cpe1.Set("Device.ManagementServer.UDPConnectionRequestAddress", l.LocalAddr().String(), "xsd:string", false)
	cpe1.Set("Device.ManagementServer.NATDetected", "true", "xsd:boolean", false)
	cpe1.informed = append(cpe1.informed, "Device.ManagementServer.UDPConnectionRequestAddress", "Device.ManagementServer.NATDetected")
	session(t, cpe1)

	var resp acsref.TaskResponse
	a.do("POST", devPath(labID+"NAT1")+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if resp.ConnectionRequest != "sent (UDP)" {
		t.Fatalf("connection request: %q", resp.ConnectionRequest)
	}
	var got []*udpcr.Request
	buf := make([]byte, 4096)
	_ = l.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 3 {
		n, err := l.Read(buf)
		if err != nil {
			t.Fatalf("after %d copies: %v", len(got), err)
		}
		r, err := udpcr.ParseRequest(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Verify("cr-user", "cr-pass"); err != nil {
			t.Fatal(err)
		}
		if r.Addr != l.LocalAddr().String() || time.Since(time.Unix(r.TS, 0)) > time.Minute {
			t.Fatalf("%+v", r)
		}
		got = append(got, r)
	}
	if *got[0] != *got[1] || *got[1] != *got[2] {
		t.Fatal("the copies differ")
	}
	// A device without NAT keeps HTTP.
	cpe2 := newTestCPE(a.srv.CWMPURL(), "PUB1")
	cpe2.Set("Device.ManagementServer.UDPConnectionRequestAddress", l.LocalAddr().String(), "xsd:string", false)
	cpe2.Set("Device.ManagementServer.ConnectionRequestURL", "http://127.0.0.1:1/cr", "xsd:string", false)
	cpe2.informed = append(cpe2.informed, "Device.ManagementServer.UDPConnectionRequestAddress")
	session(t, cpe2)
	a.do("POST", devPath(labID+"PUB1")+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if resp.ConnectionRequest == "sent (UDP)" || resp.ConnectionRequest == "ok" {
		t.Fatalf("connection request to a device without NAT: %q", resp.ConnectionRequest)
	}
}

// TestUDPConnectionRequestBindingShowsNAT: the STUN server's binding for a
// device (by serial number as USERNAME) whose ConnectionRequestURL names
// another address than the one its Binding Requests come from: the ACS
// sees the NAT itself and sends the request over UDP, from its STUN port.
func TestUDPConnectionRequestBindingShowsNAT(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery, c.STUNAddr = true, "127.0.0.1:0"
	})
	dev := newTestCPE(a.srv.CWMPURL(), "NAT2")
	dev.Set("Device.ManagementServer.ConnectionRequestURL", "http://127.0.0.2:7547/cr", "xsd:string", false)
	session(t, dev)
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := stunExchange(t, c, a.srv.STUNAddr(), bindingRequest("NAT2", false), nil, 0); m.Type != udpcr.TypeBindingResponse {
		t.Fatalf("binding: %+v", m)
	}
	var resp acsref.TaskResponse
	a.do("POST", devPath(labID+"NAT2")+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if resp.ConnectionRequest != "sent (UDP)" {
		t.Fatalf("connection request: %q", resp.ConnectionRequest)
	}
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if from.String() != a.srv.STUNAddr() {
		t.Fatalf("sent from %v, not the STUN server's %s", from, a.srv.STUNAddr())
	}
	if r, err := udpcr.ParseRequest(buf[:n]); err != nil || r.Addr != c.LocalAddr().String() {
		t.Fatalf("%+v %v", r, err)
	}
}
