package cwmp

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// TestDecodeMemoryBound: decoding stays within MemoryBound, for a
// document under the element limit and for the "one million <a/>" body
// (3.8 MiB, which cost 366-456 MiB before: the element table grew by
// doubling from a guess, and a million elements were accepted).
func TestDecodeMemoryBound(t *testing.T) {
	for _, c := range []struct {
		n       int
		wantErr error
	}{{400_000, nil}, {1_000_000, ErrTooManyElements}} {
		body := []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap:Body><cwmp:Inform>` +
			strings.Repeat("<a/>", c.n) + `</cwmp:Inform></soap:Body></soap:Envelope>`)
		var d Decoder
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		_, err := d.Decode(body)
		runtime.ReadMemStats(&m1)
		if errors.Is(err, ErrTooManyElements) != (c.wantErr != nil) {
			t.Fatalf("%d elements: %v", c.n, err)
		}
		alloc, bound := int64(m1.TotalAlloc-m0.TotalAlloc), d.MemoryBound(int64(len(body)))
		t.Logf("%d elements, %d bytes: %d MiB allocated, bound %d MiB", c.n, len(body), alloc>>20, bound>>20)
		if alloc > bound {
			t.Errorf("%d elements: %d bytes allocated, over MemoryBound %d", c.n, alloc, bound)
		}
	}
}
