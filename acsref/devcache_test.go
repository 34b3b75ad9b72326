package acsref

import (
	"fmt"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
)

// TestDeviceCacheBounded: the cache never holds more than two
// generations, keeps what was used recently and forgets the rest.
func TestDeviceCacheBounded(t *testing.T) {
	c := newDeviceCache(100)
	for i := 0; i < 10_000; i++ {
		c.put(&store.Device{ID: fmt.Sprint(i)})
		// Device 0 informs often: it stays.
		if _, ok := c.get("0"); !ok {
			t.Fatalf("device 0 evicted after %d others", i)
		}
		if c.len() > 200 {
			t.Fatalf("%d devices cached, limit 2×100", c.len())
		}
	}
	if _, ok := c.get("5"); ok {
		t.Fatal("device 5, not seen for 9,995 puts, is still cached")
	}
	if _, ok := c.get("9999"); !ok {
		t.Fatal("the last device is not cached")
	}
	c.remove("9999")
	if _, ok := c.get("9999"); ok {
		t.Fatal("removed device still cached")
	}
}
