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
