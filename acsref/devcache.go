package acsref

import "github.com/dmforge/dmforge/acsref/store"

// deviceCache keeps the devices of recent sessions, at most about 2×limit
// of them: two generations of maps, the older dropped whole when the newer
// is full, so that neither memory nor the cost of eviction grows with the
// fleet. A device found only in the older generation moves to the newer.
// A miss means "read the store", never "new device". Used under Server.mu.
type deviceCache struct {
	limit     int
	cur, prev map[string]*store.Device
}

// defaultDeviceCache is the number of devices kept per generation: the
// devices of recent sessions (a session reads its device several times);
// the others are read from the store when they inform, one indexed row.
const defaultDeviceCache = 20_000

func newDeviceCache(limit int) *deviceCache {
	if limit <= 0 {
		limit = defaultDeviceCache
	}
	return &deviceCache{limit: limit, cur: map[string]*store.Device{}, prev: map[string]*store.Device{}}
}

func (c *deviceCache) get(id string) (*store.Device, bool) {
	if d, ok := c.cur[id]; ok {
		return d, true
	}
	d, ok := c.prev[id]
	if ok {
		delete(c.prev, id)
		c.put(d)
	}
	return d, ok
}

func (c *deviceCache) put(d *store.Device) {
	if _, ok := c.cur[d.ID]; !ok && len(c.cur) >= c.limit {
		c.prev, c.cur = c.cur, make(map[string]*store.Device, c.limit)
	}
	delete(c.prev, d.ID)
	c.cur[d.ID] = d
}

func (c *deviceCache) remove(id string) {
	delete(c.cur, id)
	delete(c.prev, id)
}

func (c *deviceCache) len() int { return len(c.cur) + len(c.prev) }
