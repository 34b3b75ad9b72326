package cwmp_test

import (
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

func TestRetryWait(t *testing.T) {
	for n := 1; n <= 12; n++ {
		lo, hi := cwmp.RetryWait(n, 5, 2000, 0), cwmp.RetryWait(n, 5, 2000, 1)
		e := min(n, 10)
		wantLo := time.Duration(5*(1<<(e-1))) * time.Second
		if lo != wantLo || hi != 2*wantLo {
			t.Fatalf("n=%d: [%v, %v], want [%v, %v]", n, lo, hi, wantLo, 2*wantLo)
		}
	}
	if got := cwmp.RetryWait(2, 10, 3000, 0.5); got != 60*time.Second { // 10·3 … 10·9, middle
		t.Fatalf("m=10 k=3: %v", got)
	}
}

func TestRetryWaitMax(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 3: 40 * time.Second, 10: 5120 * time.Second, 20: 5120 * time.Second} {
		if got := cwmp.RetryWaitMax(n); got != want {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
}
