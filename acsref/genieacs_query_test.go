package acsref_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// TestGenieACSQueryAndProjection: GET /devices with GenieACS's query
// filters on _id, _tags, _lastInform, DeviceID.* and parameter values with
// the documented operators; anything else is refused naming it; a
// projection returns GenieACS-shaped documents with the fields asked.
func TestGenieACSQueryAndProjection(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	before := time.Now().UTC().Add(-time.Second)
	for i, sv := range []string{"1.0", "2.5", "10"} {
		serial := []string{"Q1", "Q2", "Q3"}[i]
		env := informWith(serial)
		env.Body.(*cwmp.Inform).ParameterList = []cwmp.ParameterValueStruct{
			{Name: "Device.DeviceInfo.SoftwareVersion", Value: sv, Type: "xsd:string"},
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: []string{"1", "false", "true"}[i], Type: "xsd:boolean"},
		}
		raw := newRawCPE(t, a.srv.CWMPURL(), true)
		raw.send(env)
		raw.send(&cwmp.Envelope{})
	}
	a.do("POST", devPath(labID+"Q2")+"/tags/gold", nil, nil)
	ids := func(q string) []string {
		t.Helper()
		var ds []store.Device
		if code := a.do("GET", "/devices?query="+url.QueryEscape(q), nil, &ds); code != http.StatusOK {
			t.Fatalf("query %s: HTTP %d", q, code)
		}
		var out []string
		for _, d := range ds {
			out = append(out, strings.TrimPrefix(d.ID, labID))
		}
		sort.Strings(out)
		return out
	}
	for _, c := range []struct{ q, want string }{
		{`{"_id":"` + labID + `Q1"}`, "Q1"},
		{`{"_tags":"gold"}`, "Q2"},
		{`{"_tags":{"$ne":"gold"}}`, "Q1,Q3"},
		{`{"DeviceID.SerialNumber":{"$in":["Q1","Q3"]}}`, "Q1,Q3"},
		{`{"_deviceId._SerialNumber":{"$nin":["Q1","Q3"]}}`, "Q2"},
		{`{"Device.DeviceInfo.SoftwareVersion":{"$gt":"2"}}`, "Q2,Q3"}, // numbers compare as numbers
		{`{"Device.DeviceInfo.SoftwareVersion._value":{"$gte":2.5,"$lt":10}}`, "Q2"},
		{`{"Device.DeviceInfo.SoftwareVersion":{"$regex":"^1"}}`, "Q1,Q3"},
		{`{"Device.DeviceInfo.SoftwareVersion":{"$not":{"$regex":"^1"}}}`, "Q2"},
		{`{"Device.ManagementServer.PeriodicInformEnable":true}`, "Q1,Q3"},
		{`{"Device.DeviceInfo.ModelName":{"$exists":false}}`, "Q1,Q2,Q3"},
		{`{"Device.DeviceInfo.ModelName":{"$exists":true}}`, ""},
		{`{"$or":[{"_tags":"gold"},{"DeviceID.SerialNumber":"Q3"}]}`, "Q2,Q3"},
		{`{"$nor":[{"_tags":"gold"},{"DeviceID.SerialNumber":"Q3"}]}`, "Q1"},
		{`{"$and":[{"_lastInform":{"$gte":"` + before.Format(time.RFC3339Nano) + `"}},{"DeviceID.OUI":"00D09E"}]}`, "Q1,Q2,Q3"},
		{`{"_lastInform":{"$lt":` + itoa(before.UnixMilli()) + `}}`, ""},
	} {
		if got := strings.Join(ids(c.q), ","); got != c.want {
			t.Errorf("query %s: %q, want %q", c.q, got, c.want)
		}
	}
	for _, c := range []struct{ q, name string }{
		{`{"_id":{"$where":"x"}}`, "$where"},
		{`{"_id":{"$elemMatch":{}}}`, "$elemMatch"},
		{`{"$text":{"$search":"x"}}`, "$text"},
		{`{"_timestamp":1}`, "_timestamp"},
		{`{"Device.DeviceInfo.SoftwareVersion._writable":true}`, "_writable"},
		{`{"_id":`, "not JSON"},
	} {
		var e acsref.RuleError
		if code := a.do("GET", "/devices?query="+url.QueryEscape(c.q), nil, &e); code != http.StatusBadRequest || !strings.Contains(e.Msg, c.name) {
			t.Errorf("query %s: HTTP %d %q, want 400 naming %s", c.q, code, e.Msg, c.name)
		}
	}
	// Projection: GenieACS's shape, only what was asked.
	var docs []map[string]any
	q := url.QueryEscape(`{"_tags":"gold"}`)
	if code := a.do("GET", "/devices?query="+q+"&projection=_id,_tags,Device.DeviceInfo.SoftwareVersion", nil, &docs); code != http.StatusOK || len(docs) != 1 {
		t.Fatalf("projection: HTTP %d %v", code, docs)
	}
	d := docs[0]
	sv := d["Device"].(map[string]any)["DeviceInfo"].(map[string]any)["SoftwareVersion"].(map[string]any)
	if d["_id"] != labID+"Q2" || sv["_value"] != "2.5" || sv["_type"] != "xsd:string" || len(d) != 3 {
		t.Fatalf("projected %v", d)
	}
	var e acsref.RuleError
	if code := a.do("GET", "/devices?projection=_id,_foo", nil, &e); code != http.StatusBadRequest || !strings.Contains(e.Msg, "_foo") {
		t.Fatalf("bad projection: HTTP %d %v", code, e)
	}
}
