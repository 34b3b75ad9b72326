package acsref

import (
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// FuzzDeviceQuery: any query text either parses or is refused with a
// QueryError; a parsed query evaluates on a device without panicking.
func FuzzDeviceQuery(f *testing.F) {
	for _, seed := range []string{
		`{"_id":"A"}`, `{"_tags":{"$in":["x","y"]}}`, `{"_lastInform":{"$gt":"2024-01-01T00:00:00Z"}}`,
		`{"$or":[{"DeviceID.OUI":"00D09E"},{"Device.X._value":{"$regex":"^a","$options":"i"}}]}`,
		`{"Device.A":{"$not":{"$exists":true}}}`, `{"$nor":[{"_id":null}]}`, `{"a":{"$where":"1"}}`,
		`{"$and":[{"$and":[{"$and":[]}]}]}`, `[1]`, `{"_registered":{"$lte":1700000000000}}`, `{"x":{"$regex":"("}}`,
	} {
		f.Add(seed)
	}
	dev := &store.Device{ID: "A", OUI: "00D09E", Tags: []string{"x"}, LastInform: time.Now()}
	f.Fuzz(func(t *testing.T, text string) {
		q, paths, err := parseDeviceQuery(text)
		if err != nil {
			if _, ok := err.(*QueryError); !ok {
				t.Fatalf("%q: error %T %v", text, err, err)
			}
			return
		}
		params := map[string]store.Parameter{}
		for _, p := range paths {
			if strings.HasSuffix(p, ".") {
				t.Fatalf("%q: partial path %q in a query", text, p)
			}
			params[p] = store.Parameter{Name: p, Value: "1"}
		}
		q.match(&queryDoc{dev: dev, params: params})
	})
}
