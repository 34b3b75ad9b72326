package acsref

import (
	"context"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// Commit retry: how long an ended session's batch is retried, and the
// pauses between tries (doubling).
const (
	commitRetryFor   = 10 * time.Minute
	commitRetryFirst = 500 * time.Millisecond
	commitRetryMax   = 10 * time.Second
)

// commitSession stores what the session recorded and updates the caches.
func (s *Server) commitSession(se *session) error {
	if se.batch.Device == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := s.st.Commit(ctx, &se.batch)
	cancel()
	if err != nil {
		return err
	}
	if s.shared == nil {
		c := se.dev
		s.mu.Lock()
		s.devices.put(&c)
		if len(se.batch.Findings) > 0 {
			s.flagged[c.ID] = true
		}
		s.mu.Unlock()
	}
	return nil
}

// retryCommit retries an ended session's commit in the background until
// it succeeds, the ACS closes or commitRetryFor passes. Meanwhile the
// session keeps its device (an Inform gets 503): its tasks are not sent
// again. Lost at the end (the log says so), a re-sent task that changes
// the device is still recognised by the ParameterKey (alreadyApplied).
func (s *Server) retryCommit(se *session) {
	se.committing.Store(true)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			se.committing.Store(false)
			s.dropSession(se)
		}()
		deadline := time.Now().Add(commitRetryFor)
		for wait := commitRetryFirst; ; wait = min(2*wait, commitRetryMax) {
			select {
			case <-s.stop:
				s.log.Error("acs: session record lost: the ACS stopped before the store came back", "device", se.dev.ID)
				return
			case <-time.After(wait):
			}
			err := s.commitSession(se)
			if err == nil {
				s.log.Info("acs: session committed after a retry", "device", se.dev.ID)
				return
			}
			if time.Now().After(deadline) {
				s.log.Error("acs: session record lost: the store stayed unavailable", "device", se.dev.ID, "err", err)
				return
			}
		}
	}()
}

// informParameterKey is ManagementServer.ParameterKey as the Inform
// reports it ("" if it does not).
func informParameterKey(inf *cwmp.Inform, root string) string {
	for _, p := range inf.ParameterList {
		if p.Name == root+"ManagementServer.ParameterKey" {
			return p.Value
		}
	}
	return ""
}

// alreadyApplied reports a pending task whose RPC the device has already
// applied: its ParameterKey (the task's CommandKey, unique to it) is the
// one the device reports. That happens when the session that ran it was
// not recorded (the ACS died, or its store stayed down): sending it again
// would, for an AddObject, create a second instance.
func alreadyApplied(se *session, t *store.Task, prep *prepared) bool {
	switch prep.spec.Name {
	case "setParameterValues", "addObject", "deleteObject":
	default:
		return false
	}
	return prep.spec.ParameterKey == "" && se.informKey != "" && se.informKey == t.CommandKey
}

// checkpoint commits what the session recorded so far, at once: after an
// AddObject, which creates another instance if sent again, the task's
// outcome must survive an ACS that dies before the session ends. The
// batch then starts over with the device alone. A failed checkpoint
// leaves the batch whole for the end of the session.
func (s *Server) checkpoint(se *session) {
	if se.batch.Device == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := s.st.Commit(ctx, &se.batch)
	cancel()
	if err != nil {
		s.log.Warn("acs: checkpoint after AddObject", "device", se.dev.ID, "err", err)
		return
	}
	se.batch = store.Batch{Device: &se.dev}
	se.findings = nil
}
