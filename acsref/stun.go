package acsref

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/dmforge/dmforge/cwmp/udpcr"
)

// stunServer is the ACS's STUN server (TR-111 Part 2, Config.STUNAddr):
// it answers Binding Requests with the address they came from, and
// records the binding of each CPE that sends CONNECTION-REQUEST-BINDING,
// under the request's USERNAME, for UDP connection requests. Those leave
// from its socket: a NAT that lets in only what comes from the address
// its binding was made toward lets them in.
type stunServer struct {
	conn     *net.UDPConn
	password string // STUNPassword: MESSAGE-INTEGRITY required when set
	log      *slog.Logger

	mu       sync.Mutex
	bindings map[string]*stunBinding // by USERNAME
}

// stunBinding is the last mapped address of a CPE.
type stunBinding struct {
	Addr netip.AddrPort
	Seen time.Time // last Binding Request
}

// maxBindings bounds the bindings kept: without a STUN password anyone
// may send Binding Requests with any USERNAME.
const maxBindings = 1 << 20

// staleBinding is how long a binding stays without a Binding Request
// before it may make room for new ones.
const staleBinding = time.Hour

// knownSTUNAttrs are the comprehension-required attributes a Binding
// Request may carry here; others are answered 420. RESPONSE-ADDRESS and
// CHANGE-REQUEST (RFC 3489) are understood and ignored: the response goes
// to the source (no reflection to a third address), from the one address
// the server has.
var knownSTUNAttrs = map[uint16]bool{
	udpcr.AttrResponseAddress: true, udpcr.AttrChangeRequest: true, udpcr.AttrUsername: true,
	udpcr.AttrMessageIntegrity: true, udpcr.AttrRealm: true, udpcr.AttrNonce: true,
}

// startSTUN listens on Config.STUNAddr.
func (s *Server) startSTUN() error {
	la, err := net.ResolveUDPAddr("udp", s.cfg.STUNAddr)
	if err != nil {
		return fmt.Errorf("acsref: STUN address %q: %w", s.cfg.STUNAddr, err)
	}
	conn, err := net.ListenUDP("udp", la)
	if err != nil {
		return fmt.Errorf("acsref: STUN listener: %w", err)
	}
	s.stun = &stunServer{conn: conn, password: s.cfg.STUNPassword, log: s.log, bindings: map[string]*stunBinding{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.stun.serve()
	}()
	return nil
}

// STUNAddr is the address of the STUN server once started, "" without one.
func (s *Server) STUNAddr() string {
	if s.stun == nil {
		return ""
	}
	return s.stun.conn.LocalAddr().String()
}

func (st *stunServer) close() {
	if st != nil {
		st.conn.Close()
	}
}

func (st *stunServer) serve() {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := st.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // transient: not a busy loop
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if resp := st.handle(buf[:n], from); resp != nil {
			if _, err := st.conn.WriteToUDPAddrPort(resp, from); err != nil {
				st.log.Debug("acs: STUN response", "to", from, "err", err)
			}
		}
	}
}

// handle answers one datagram: nil for what is not a Binding Request.
func (st *stunServer) handle(b []byte, from netip.AddrPort) []byte {
	m, err := udpcr.ParseMessage(b)
	if err != nil || m.Type != udpcr.TypeBindingRequest {
		return nil
	}
	fail := func(code int, reason string) []byte {
		e := &udpcr.Message{Type: udpcr.TypeBindingErrorResponse, TxID: m.TxID}
		e.Add(udpcr.AttrErrorCode, udpcr.ErrorCodeValue(code, reason))
		return e.Encode(nil, 0)
	}
	if unknown := m.UnknownRequired(func(t uint16) bool { return knownSTUNAttrs[t] }); len(unknown) > 0 {
		e := &udpcr.Message{Type: udpcr.TypeBindingErrorResponse, TxID: m.TxID}
		e.Add(udpcr.AttrErrorCode, udpcr.ErrorCodeValue(420, "Unknown Attribute"))
		e.Add(udpcr.AttrUnknownAttributes, udpcr.UnknownAttributesValue(unknown))
		return e.Encode(nil, 0)
	}
	var key []byte
	mode := udpcr.IntegrityRFC5389
	if st.password != "" {
		// TR-111: a CPE with a STUNUsername resends with USERNAME and
		// MESSAGE-INTEGRITY when told 401.
		switch {
		case !m.Has(udpcr.AttrMessageIntegrity):
			return fail(401, "Unauthorized")
		case m.Username() == "":
			return fail(432, "Missing Username")
		}
		if mode, err = m.CheckIntegrity([]byte(st.password)); err != nil {
			st.log.Debug("acs: STUN integrity check failed", "from", from, "username", m.Username())
			return fail(431, "Integrity Check Failure")
		}
		key = []byte(st.password) // the response is protected the same way
	}
	resp := &udpcr.Message{Type: udpcr.TypeBindingResponse, TxID: m.TxID}
	resp.Add(udpcr.AttrMappedAddress, udpcr.AddressValue(from))
	if m.RFC5389() {
		resp.Add(udpcr.AttrXORMappedAddress, udpcr.XORAddressValue(from, m.TxID))
	}
	if user := m.Username(); user != "" && m.ConnectionRequestBinding() {
		st.record(user, from, m.Has(udpcr.AttrBindingChange))
	}
	return resp.Encode(key, mode)
}

// record notes the binding of the CPE known by user.
func (st *stunServer) record(user string, addr netip.AddrPort, change bool) {
	now := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.bindings[user]
	if b == nil {
		if len(st.bindings) >= maxBindings {
			for u, old := range st.bindings {
				if now.Sub(old.Seen) > staleBinding {
					delete(st.bindings, u)
				}
			}
			if len(st.bindings) >= maxBindings {
				return
			}
		}
		b = &stunBinding{}
		st.bindings[user] = b
	}
	if b.Addr != addr || change {
		st.log.Debug("acs: STUN binding", "username", user, "addr", addr, "bindingChange", change)
	}
	b.Addr, b.Seen = addr, now
}

// binding returns the most recently seen binding of the user names
// (those a device may be known by); nil-safe.
func (st *stunServer) binding(users ...string) (stunBinding, bool) {
	if st == nil {
		return stunBinding{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var best stunBinding
	for _, u := range users {
		if b := st.bindings[u]; u != "" && b != nil && b.Seen.After(best.Seen) {
			best = *b
		}
	}
	return best, best.Addr.IsValid()
}
