package acsref

// What a conformance run sees of its device: the Informs it sends and the
// SOAP messages of its sessions, recorded by three hooks in session.go
// (handleCWMP: conformanceInform before an Inform opens a session,
// conformanceSaw for every other message of the CPE; send:
// conformanceSent for every RPC of the ACS). The hooks cost one atomic
// load while no run is active.

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/cwmp"
)

// Bounds of what a watch keeps per device.
const (
	watchMaxInforms   = 256
	watchMaxExchanges = 512
	watchMaxSOAP      = 8 << 10 // bytes of one message kept as evidence
)

// confActive counts the runs active in this process (all servers): the
// hooks do nothing while it is zero.
var confActive atomic.Int32

// confState is a server's conformance state (Server.confs): the runs
// this process runs and the devices it watches.
type confState struct {
	mu      sync.Mutex
	runs    map[string]*confRun   // by run id
	watches map[string]*confWatch // by device id, while a run or diagnostic is active
	holders map[string]int        // by device id: the runs and diagnostics watching it
}

// watch starts recording a device's traffic (for a run or a diagnostic);
// the returned function stops it once every holder has.
func (s *Server) watch(id string) (release func()) {
	cs := s.confs
	cs.mu.Lock()
	if cs.watches[id] == nil {
		cs.watches[id] = &confWatch{}
	}
	cs.holders[id]++
	cs.mu.Unlock()
	confActive.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			confActive.Add(-1)
			cs.mu.Lock()
			if cs.holders[id]--; cs.holders[id] <= 0 {
				delete(cs.holders, id)
				delete(cs.watches, id)
			}
			cs.mu.Unlock()
		})
	}
}

// confWatch is the record of one device's traffic during a run.
type confWatch struct {
	informs   []conformance.Inform
	exchanges []conformance.Exchange
}

func newConfState() *confState {
	return &confState{runs: map[string]*confRun{}, watches: map[string]*confWatch{}, holders: map[string]int{}}
}

func clipSOAP(b []byte) string {
	if len(b) > watchMaxSOAP {
		return string(b[:watchMaxSOAP]) + "\n… (clipped)"
	}
	return string(b)
}

func (cs *confState) record(id string, f func(w *confWatch)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if w := cs.watches[id]; w != nil {
		f(w)
		if n := len(w.informs); n > watchMaxInforms {
			w.informs = append(w.informs[:0:0], w.informs[n-watchMaxInforms:]...)
		}
		if n := len(w.exchanges); n > watchMaxExchanges {
			w.exchanges = append(w.exchanges[:0:0], w.exchanges[n-watchMaxExchanges:]...)
		}
	}
}

// conformanceInform records an Inform (hook in handleCWMP).
func (s *Server) conformanceInform(inf *cwmp.Inform, raw []byte) {
	if confActive.Load() == 0 {
		return
	}
	id := DeviceID(inf.DeviceID.OUI, inf.DeviceID.ProductClass, inf.DeviceID.SerialNumber)
	now := time.Now()
	rec := conformance.Inform{Time: now, Parameters: make(map[string]string, len(inf.ParameterList))}
	for _, e := range inf.Event {
		rec.Events = append(rec.Events, conformance.Event{Code: strings.Clone(e.EventCode), CommandKey: strings.Clone(e.CommandKey)})
	}
	for _, p := range inf.ParameterList {
		rec.Parameters[strings.Clone(p.Name)] = strings.Clone(p.Value)
	}
	s.confs.record(id, func(w *confWatch) {
		w.informs = append(w.informs, rec)
		w.exchanges = append(w.exchanges, conformance.Exchange{Time: now, Direction: "CPE→ACS", Method: "Inform", SOAP: clipSOAP(raw)})
	})
}

// conformanceSaw records a message of the CPE within a session (hook in
// handleCWMP, with the session's lock held).
func (s *Server) conformanceSaw(id string, r *http.Request, env *cwmp.Envelope, raw []byte) {
	if confActive.Load() == 0 {
		return
	}
	method := "(empty)"
	if env.Body != nil {
		method = env.Body.MethodName()
	}
	_, err := r.Cookie(SessionCookie)
	cookie := err == nil
	ex := conformance.Exchange{Time: time.Now(), Direction: "CPE→ACS", Method: method, ID: strings.Clone(env.Header.ID), Cookie: &cookie, SOAP: clipSOAP(raw)}
	s.confs.record(id, func(w *confWatch) { w.exchanges = append(w.exchanges, ex) })
}

// conformanceSent records an RPC of the ACS (hook in send).
func (s *Server) conformanceSent(id, header string, m cwmp.Message, b []byte) {
	if confActive.Load() == 0 {
		return
	}
	ex := conformance.Exchange{Time: time.Now(), Direction: "ACS→CPE", Method: m.MethodName(), ID: header, SOAP: clipSOAP(b)}
	s.confs.record(id, func(w *confWatch) { w.exchanges = append(w.exchanges, ex) })
}

func (cs *confState) informs(id string, since time.Time) []conformance.Inform {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	w := cs.watches[id]
	if w == nil {
		return nil
	}
	var out []conformance.Inform
	for _, in := range w.informs {
		if !in.Time.Before(since) {
			out = append(out, in)
		}
	}
	return out
}

func (cs *confState) exchanges(id string, since time.Time) []conformance.Exchange {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	w := cs.watches[id]
	if w == nil {
		return nil
	}
	var out []conformance.Exchange
	for _, ex := range w.exchanges {
		if !ex.Time.Before(since) {
			out = append(out, ex)
		}
	}
	return out
}
