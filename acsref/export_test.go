package acsref

import (
	"context"
	"time"
)

// HoldDecodeBudget takes the whole decode memory budget of s, as decodes
// in flight would, and makes waiting for it short; the returned function
// gives it back.
func HoldDecodeBudget(s *Server) func() {
	old := decodeWait
	decodeWait = 200 * time.Millisecond
	all := s.decodeBudget()
	if err := s.decodeSem.Acquire(context.Background(), all); err != nil {
		panic(err)
	}
	return func() {
		s.decodeSem.Release(all)
		decodeWait = old
	}
}

// CachedDevices is the number of devices s holds in memory.
func CachedDevices(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.devices.len()
}
