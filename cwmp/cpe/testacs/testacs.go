// Package testacs is a minimal ACS for testing CPEs and for benchmarks:
// it answers Informs and the CPE's requests, sends each device the RPCs
// queued for it after the empty POST, and records what the device answered.
// It keeps session state in a cookie, as real ACSs do.
package testacs

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/dmforge/dmforge/cwmp"
)

// Exchange is one ACS request and the CPE's response (a *cwmp.Fault for a
// fault).
type Exchange struct {
	Request  cwmp.Message
	Response cwmp.Message
}

// Session is one recorded session.
type Session struct {
	Serial       string
	Inform       *cwmp.Inform
	InformHeader cwmp.Header
	Namespaces   []cwmp.Namespace // of every envelope the CPE sent, in order
	CPERequests  []cwmp.Message   // TransferComplete, DUStateChangeComplete and other requests the CPE sent
	Exchanges    []Exchange
	Complete     bool // ended with the ACS's empty response
}

// Events returns the event codes of the session's Inform.
func (s *Session) Events() []string {
	var out []string
	for _, e := range s.Inform.Event {
		out = append(out, e.EventCode)
	}
	return out
}

// ACS is the test ACS. Its zero value is ready; it is an http.Handler.
type ACS struct {
	// Record keeps every session for Sessions; off, only counts are kept
	// (benchmarks).
	Record bool
	// UseCWMPVersion, when set, is sent in every InformResponse (CWMP 1.4).
	UseCWMPVersion string
	// HoldRequests is sent in every InformResponse.
	HoldRequests bool
	// SessionTimeout, when not zero, is sent in every InformResponse.
	SessionTimeout uint32
	// Fault, when non-nil, answers every Inform with this fault.
	Fault *cwmp.Fault

	informs, completed atomic.Int64
	nextID             atomic.Int64

	mu       sync.Mutex
	queue    map[string][]cwmp.Message
	all      []cwmp.Message
	live     map[string]*state
	sessions []*Session
}

type state struct {
	s       *Session
	queue   []cwmp.Message
	pending cwmp.Message // request awaiting the CPE's response
	ns      cwmp.Namespace
	n       int
}

// Enqueue queues RPCs for the next session of the device with serial
// number serial ("" for every device, each getting its own copy of the
// list).
func (a *ACS) Enqueue(serial string, msgs ...cwmp.Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if serial == "" {
		a.all = append(a.all, msgs...)
		return
	}
	if a.queue == nil {
		a.queue = map[string][]cwmp.Message{}
	}
	a.queue[serial] = append(a.queue[serial], msgs...)
}

// Sessions returns the recorded sessions of serial ("" for all), oldest first.
func (a *ACS) Sessions(serial string) []*Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*Session
	for _, s := range a.sessions {
		if serial == "" || s.Serial == serial {
			out = append(out, s)
		}
	}
	return out
}

// Last returns the last recorded session of serial, or nil.
func (a *ACS) Last(serial string) *Session {
	ss := a.Sessions(serial)
	if len(ss) == 0 {
		return nil
	}
	return ss[len(ss)-1]
}

// Counts returns the Informs received and the sessions completed.
func (a *ACS) Counts() (informs, completed int64) { return a.informs.Load(), a.completed.Load() }

const cookieName = "testacs"

// ServeHTTP implements http.Handler.
func (a *ACS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	env, err := cwmp.ReadEnvelope(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if inf, ok := env.Body.(*cwmp.Inform); ok {
		a.informs.Add(1)
		if a.Fault != nil {
			_ = cwmp.WriteEnvelope(w, env.Reply(a.Fault))
			return
		}
		id := strconv.FormatInt(a.nextID.Add(1), 10)
		st := &state{s: &Session{Serial: inf.DeviceID.SerialNumber, Inform: inf, InformHeader: env.Header,
			Namespaces: []cwmp.Namespace{env.Namespace}}, ns: env.Namespace}
		a.mu.Lock()
		st.queue = append(append([]cwmp.Message(nil), a.all...), a.queue[st.s.Serial]...)
		delete(a.queue, st.s.Serial)
		if a.live == nil {
			a.live = map[string]*state{}
		}
		a.live[id] = st
		if a.Record {
			a.sessions = append(a.sessions, st.s)
		}
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/"})
		reply := env.Reply(&cwmp.InformResponse{MaxEnvelopes: 1})
		reply.Header.HoldRequests = a.HoldRequests
		reply.Header.UseCWMPVersion = a.UseCWMPVersion
		reply.Header.SessionTimeout = a.SessionTimeout
		_ = cwmp.WriteEnvelope(w, reply)
		return
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		http.Error(w, "no session", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	st := a.live[c.Value]
	a.mu.Unlock()
	if st == nil {
		http.Error(w, "no such session", http.StatusBadRequest)
		return
	}
	if env.Body != nil {
		st.s.Namespaces = append(st.s.Namespaces, env.Namespace)
	}
	switch b := env.Body.(type) {
	case nil:
	case *cwmp.TransferComplete:
		st.s.CPERequests = append(st.s.CPERequests, b)
		_ = cwmp.WriteEnvelope(w, env.Reply(&cwmp.TransferCompleteResponse{}))
		return
	case *cwmp.DUStateChangeComplete:
		st.s.CPERequests = append(st.s.CPERequests, b)
		_ = cwmp.WriteEnvelope(w, env.Reply(&cwmp.DUStateChangeCompleteResponse{}))
		return
	case *cwmp.GetRPCMethods:
		st.s.CPERequests = append(st.s.CPERequests, b)
		_ = cwmp.WriteEnvelope(w, env.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform", "GetRPCMethods", "TransferComplete"}}))
		return
	default:
		if st.pending == nil {
			_ = cwmp.WriteEnvelope(w, env.Reply(cwmp.NewFault(cwmp.FaultACSMethodNotSupported, "")))
			return
		}
		st.s.Exchanges = append(st.s.Exchanges, Exchange{Request: st.pending, Response: b})
		st.pending = nil
	}
	if len(st.queue) == 0 {
		// Nothing more to ask. The session is over for the ACS once the
		// CPE too has nothing more: its empty POST.
		if !st.s.Complete {
			st.s.Complete = true
			a.completed.Add(1)
		}
		if env.IsEmpty() {
			a.mu.Lock()
			delete(a.live, c.Value)
			a.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	st.pending, st.queue = st.queue[0], st.queue[1:]
	st.n++
	_ = cwmp.WriteEnvelope(w, &cwmp.Envelope{Namespace: st.ns, Header: cwmp.Header{ID: "acs-" + strconv.Itoa(st.n)}, Body: st.pending})
}
