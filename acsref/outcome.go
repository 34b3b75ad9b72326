package acsref

import (
	"fmt"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// Every RPC the ACS sends has an outcome: an answer, a CPE fault, or no
// answer — the session timed out or the CPE started a new session before
// answering, or its reply could not be decoded. A task whose RPC gets no
// answer stays pending with its Attempts counted and is not sent again
// before RetryAfter (a backoff doubling from Config.RetryBackoff); after
// Config.MaxNoAnswer no-answers it ends as a fault with the reason, in
// /faults, in the device's tasks and in the log. A reply that cannot be
// decoded at all faults its task at once: the CPE answered, and asking
// again the same way gets the same answer.

// Defaults of the outcome settings.
const (
	DefaultMaxNoAnswer  = 3
	DefaultRetryBackoff = 5 * time.Second
	maxRetryBackoff     = time.Hour
)

func (s *Server) maxNoAnswer() int {
	if s.cfg.MaxNoAnswer > 0 {
		return s.cfg.MaxNoAnswer
	}
	return DefaultMaxNoAnswer
}

// retryDelay is the backoff after the n-th no-answer (n ≥ 1): none after
// the first (a CPE that dropped its connection and informs again gets the
// task at once), then RetryBackoff, doubling.
func (s *Server) retryDelay(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := s.cfg.RetryBackoff
	if d <= 0 {
		d = DefaultRetryBackoff
	}
	for i := 2; i < n && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

// noAnswer records that the RPC in flight got no answer (why says what
// happened). Called with se.mu held, before the session is committed.
func (s *Server) noAnswer(se *session, why string) {
	in := se.inflight
	se.inflight = nil
	if in == nil {
		return
	}
	if in.policy != nil {
		s.policyNoAnswer(se, in, "no answer: "+why, true)
		return
	}
	if in.job != nil {
		// The job ends with the session; what it taught stays.
		s.jobFallback(se, why)
	}
	t := in.task
	if t == nil {
		s.log.Warn("acs: no answer", "device", se.dev.ID, "rpc", in.msg.MethodName(), "reason", why)
		return
	}
	t.Attempts++
	t.Updated = time.Now().UTC()
	if t.Attempts >= s.maxNoAnswer() {
		msg := fmt.Sprintf("no answer to %s after %d attempts (last: %s)", in.msg.MethodName(), t.Attempts, why)
		s.log.Warn("acs: task faulted", "device", se.dev.ID, "task", t.ID, "name", t.Name, "reason", msg)
		s.finishTask(se, t, store.TaskFault, nil, 0, msg)
		if in.job != nil {
			in.job.failed = true
			se.job = nil
		}
		if t.Internal {
			s.discoveryFailed(se, t, msg)
		}
		return
	}
	t.Status = store.TaskPending
	t.RetryAfter = time.Time{}
	if d := s.retryDelay(t.Attempts); d > 0 {
		t.RetryAfter = t.Updated.Add(d)
	}
	t.FaultString = "no answer: " + why
	s.log.Warn("acs: no answer", "device", se.dev.ID, "task", t.ID, "name", t.Name, "rpc", in.msg.MethodName(),
		"attempt", t.Attempts, "retryAfter", t.RetryAfter, "reason", why)
	se.batch.Tasks = append(se.batch.Tasks, t)
	if in.job != nil {
		se.job = nil
	}
}

// undecodableAnswer faults the task whose RPC was answered with a message
// that could not be decoded.
func (s *Server) undecodableAnswer(se *session, why string) {
	in := se.inflight
	se.inflight = nil
	if in != nil && in.policy != nil {
		s.policyNoAnswer(se, in, "the CPE's answer could not be decoded: "+why, false)
		return
	}
	if in == nil || in.task == nil {
		return
	}
	if in.job != nil {
		// Discovery goes on, safer.
		s.jobFallback(se, "undecodable answer: "+why)
		return
	}
	s.finishTask(se, in.task, store.TaskFault, nil, 0, "the CPE's answer to "+in.msg.MethodName()+" could not be decoded: "+why)
}
