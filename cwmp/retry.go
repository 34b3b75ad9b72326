package cwmp

import (
	"math"
	"time"
)

// RetryWait is the TR-069 (3.2.1.1) session retry wait a CPE keeps after the n-th
// consecutive failure (n ≥ 1): a random time between m·k^(n-1) and m·k^n
// seconds, n capped at 10. m is CWMPRetryMinimumWaitInterval (default 5),
// k is CWMPRetryIntervalMultiplier/1000 (default 2000).
func RetryWait(n int, m, k uint32, rnd float64) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 10 {
		n = 10
	}
	if m == 0 {
		m = 5
	}
	if k < 1000 {
		k = 2000
	}
	kf := float64(k) / 1000
	lo := float64(m) * math.Pow(kf, float64(n-1))
	hi := float64(m) * math.Pow(kf, float64(n))
	return time.Duration((lo + (hi-lo)*rnd) * float64(time.Second))
}

// RetryWaitMax is the longest wait a CPE with the default retry
// parameters may keep after its n-th consecutive failed session: how
// long an ACS must be ready to wait for it.
func RetryWaitMax(n int) time.Duration { return RetryWait(n, 0, 0, 1) }
