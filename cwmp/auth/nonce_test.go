package auth

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestNonceEvictionFIFO: past MaxNonces the oldest nonces go first and
// exactly as many as were issued beyond the limit; the newer ones still
// authenticate, and the queue stays as long as the table.
func TestNonceEvictionFIFO(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := &Server{Realm: "r", Lookup: func(string) (string, bool) { return "", false }, MaxNonces: 100,
		now: func() time.Time { return now }}
	s.init()
	var issued []string
	for i := 0; i < 250; i++ {
		now = now.Add(time.Millisecond)
		s.mu.Lock()
		issued = append(issued, s.newNonceLocked())
		s.mu.Unlock()
	}
	if len(s.nonces) != 100 {
		t.Fatalf("%d nonces held, want 100", len(s.nonces))
	}
	for i, n := range issued {
		_, ok := s.nonces[n]
		if want := i >= 150; ok != want {
			t.Fatalf("nonce %d held: %v, want %v (oldest go first)", i, ok, want)
		}
	}
	if q := s.order.len(); q != 100 {
		t.Errorf("queue of %d entries for 100 nonces", q)
	}
}

// TestExpiredNoncesGoAsNewOnesAreIssued: expired nonces do not wait for
// the table to fill (the old sweep ran only at MaxNonces, scanning the
// whole map under the lock, twice, for every challenge once full).
func TestExpiredNoncesGoAsNewOnesAreIssued(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := &Server{Realm: "r", Lookup: func(string) (string, bool) { return "", false }, NonceTTL: time.Second,
		now: func() time.Time { return now }}
	for i := 0; i < 5000; i++ {
		now = now.Add(10 * time.Millisecond)
		s.Challenge(httptest.NewRecorder(), false)
	}
	// 1 s of 10 ms steps: about 100 live nonces, not 5000.
	if n := len(s.nonces); n > 101 {
		t.Fatalf("%d nonces held with a 1 s TTL and one every 10 ms", n)
	}
	if q := s.order.len(); q > 101 {
		t.Fatalf("queue of %d entries", q)
	}
}

// BenchmarkChallengeFullTable: one challenge with the nonce table at its
// limit (the flood of the issue: the old eviction scanned 100,000 entries
// twice per challenge).
func BenchmarkChallengeFullTable(b *testing.B) {
	s := &Server{Realm: "r", Lookup: func(string) (string, bool) { return "", false }}
	s.init()
	for i := 0; i < s.maxNonces(); i++ {
		s.Challenge(httptest.NewRecorder(), false)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Challenge(httptest.NewRecorder(), false)
	}
}
