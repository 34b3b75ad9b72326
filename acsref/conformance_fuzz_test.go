package acsref_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// FuzzConformanceRequests: whatever body reaches POST conformance-runs or
// POST diagnostics, the answer is 202 or an error object (4xx), never a
// panic or a 500. A request the ACS accepts starts a run or a diagnostic
// of a device that never comes (one at a time per device; stopped when
// the server closes).
func FuzzConformanceRequests(f *testing.F) {
	st, err := store.OpenSQLite(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	for _, d := range []*store.Device{{ID: "D1", Root: "Device.", Model: "Device:2.19", Discovered: true, FirstSeen: now, LastInform: now},
		{ID: "G1", Root: "InternetGatewayDevice.", Model: "InternetGatewayDevice:1.14", Discovered: true, FirstSeen: now, LastInform: now}} {
		if err := st.Commit(context.Background(), &store.Batch{Device: d}); err != nil {
			f.Fatal(err)
		}
	}
	srv, err := acsref.New(acsref.Config{Store: st, NBIAccess: acsref.NBIAccess{Open: true}, NoDiscovery: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.NBIHandler()
	for _, s := range []struct {
		route uint8
		body  string
	}{
		{0, `{"plan":"cwmp-core","options":{"cases":["rpc.get-rpc-methods"],"stepTimeoutSeconds":1}}`},
		{0, `{"planDocument":{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"profile","requirements":[{"path":"Device.X.","object":true,"access":"present"}]}]}]}}`},
		{0, `{"plan":"cwmp-core","options":{"allow":["reboot"],"stepTimeoutSeconds":-1}}`},
		{0, `{"plan":`},
		{1, `{"type":"IPPing","parameters":{"Host":"127.0.0.1","NumberOfRepetitions":"x"}}`},
		{1, `{"type":"UDPEcho","parameters":{"Port":70000}}`},
		{1, `{"type":"TraceRoute","parameters":{"Host":["a"]}}`},
		{1, `{"type":"IPPing","parameters":{"Stats.X":1}}`},
		{2, `{"type":"UDPEcho"}`},
		{3, `{"plan":"cwmp-core","planDocument":{"name":"q","version":"2","cases":[{"id":"b","steps":[{"op":"diagnostic","diagnostic":{"object":"IPPingDiagnostics."}}]}]}}`},
	} {
		f.Add(s.route, s.body)
	}
	routes := []string{"/devices/D1/conformance-runs", "/devices/D1/diagnostics", "/devices/G1/diagnostics", "/devices/G1/conformance-runs"}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := routes[int(route)%len(routes)]
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "http://127.0.0.1"+path, strings.NewReader(body)))
		if w.Code >= 500 || w.Code < 200 {
			t.Fatalf("POST %s %q: HTTP %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e struct{ Error, Rule string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("POST %s: HTTP %d with a body that is no error object: %s", path, w.Code, w.Body)
			}
		}
	})
}
