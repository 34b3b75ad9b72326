package policy

import (
	"strings"
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

// The ACS sends a plan's first RPC, tells the session what the CPE
// answered with these methods, and plans again, until the plan is empty.

// Sent counts an RPC sent for policies (the cycle bound).
func (s *Session) Sent() { s.RPCs++ }

// GotValues records a GetParameterValuesResponse to an RPC's names.
func (s *Session) GotValues(rpc *RPC, st *MapState, list []cwmp.ParameterValueStruct, now time.Time) {
	for _, n := range rpc.Names {
		s.Read[n] = true
		if strings.HasSuffix(n, ".") {
			st.Tables[n] = true
		}
	}
	for _, v := range list {
		st.Set(v.Name, v.Value, now)
		delete(s.Unverified, v.Name)
	}
	// A name asked and not answered is not verified: the plan faults it.
	for _, n := range rpc.Names {
		delete(s.Unverified, n)
	}
}

// SetDone records an accepted SetParameterValues: the values are known
// (as set) and wait to be read back.
func (s *Session) SetDone(rpc *RPC, st *MapState, now time.Time) {
	for _, v := range rpc.Values {
		s.Sets[v.Name] = v.Value
		s.Unverified[v.Name] = true
		st.Set(v.Name, v.Value, now)
	}
}

// Added records an AddObject's new instance.
func (s *Session) ObjectAdded(rpc *RPC, st *MapState, instance uint32, now time.Time) string {
	s.Added[rpc.ObjectID] = instance
	inst := rpc.Object + uitoa(instance) + "."
	st.Set(inst, "", now)
	st.Tables[rpc.Object] = true
	return inst
}

// Deleted records a DeleteObject.
func (s *Session) Deleted(rpc *RPC, st *MapState) { st.Forget(rpc.Object) }

// AttributesDone records an accepted SetParameterAttributes.
func (s *Session) AttributesDone(rpc *RPC) {
	for _, pd := range strings.Split(rpc.Digest, ";") {
		if name, d, ok := strings.Cut(pd, "="); ok {
			s.AttrsDone[name] = d
		}
	}
}

// DownloadAccepted records a Download the CPE accepted.
func (s *Session) DownloadAccepted(rpc *RPC) {
	for _, p := range rpc.Policies {
		s.Downloaded[p] = true
	}
}

// Fault records an RPC the CPE refused: its policies are faulted for
// the rest of the session.
func (s *Session) Fault(rpc *RPC, reason string) {
	for _, p := range rpc.Policies {
		if _, ok := s.Faults[p]; !ok {
			s.Faults[p] = rpc.Method + ": " + reason
		}
	}
}

// Finish turns the last plan's outcomes into the policies' new states
// (only the policies the plan looked at change).
func (s *Session) Finish(plan *Plan, states map[string]*PolicyState, now time.Time) []*PolicyState {
	var out []*PolicyState
	for name, o := range plan.Outcomes {
		if o.Status == "" {
			continue
		}
		old := states[name]
		ps := &PolicyState{Policy: name}
		if old != nil {
			c := *old
			ps = &c
		}
		changed := ps.Status != o.Status || ps.Reason != o.Reason
		ps.Status, ps.Reason = o.Status, o.Reason
		switch o.Status {
		case StatusFault:
			if old == nil || old.Status != StatusFault || !now.Before(old.NextRetry) {
				ps.Attempts++
				ps.NextRetry = now.Add(Backoff(ps.Attempts))
				changed = true
			}
		case StatusConverged:
			if ps.Attempts != 0 {
				changed = true
			}
			ps.Attempts, ps.NextRetry = 0, time.Time{}
		}
		if d, ok := s.AttrsDone[name]; ok {
			ps.Attributes, changed = d, true
		}
		if s.Downloaded[name] {
			ps.Download, changed = now, true
		}
		if o.Ran && o.Status == StatusConverged {
			ps.LastRun, changed = now, true
		}
		if changed {
			ps.Updated = now
			out = append(out, ps)
		}
	}
	return out
}

func uitoa(n uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
