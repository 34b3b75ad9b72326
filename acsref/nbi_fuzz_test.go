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

// FuzzNBIRequests: whatever JSON body and query string reach the NBI's
// endpoints, the answer is a well-formed status with a JSON body (an
// error object for 4xx), never a panic and never a 500: the store is
// healthy, so every failure is the request's.
func FuzzNBIRequests(f *testing.F) {
	st, err := store.OpenSQLite(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	if err := st.Commit(context.Background(), &store.Batch{Device: &store.Device{ID: "D1", Root: "Device.", Model: "Device:2.19", FirstSeen: now, LastInform: now}}); err != nil {
		f.Fatal(err)
	}
	srv, err := acsref.New(acsref.Config{Store: st, NBIAccess: acsref.NBIAccess{Open: true}, NoDiscovery: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.NBIHandler()
	seeds := []struct {
		route       uint8
		query, body string
	}{
		{0, "model=Device:2&limit=3&lastInformSince=2024-01-01T00:00:00Z", ""},
		{0, "limit=-1&lastInformBefore=x", ""},
		{1, "", `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","x","xsd:string"]]}`},
		{1, "connection_request", `{"name":"getParameterValues","parameterNames":["Device."]}`},
		{1, "", `{"name":"addObject","objectName":"Device.IP.Interface.[wan]."}`},
		{1, "", `{"name":"download","file":"../x","fileType":"1 Firmware Upgrade Image"}`},
		{1, "", `{"name":"changeDUState","operations":[{"type":"install","file":"a"},{"type":"uninstall"}]}`},
		{1, "", `{"name":"setParameterValues","parameterValues":[[1,2,3]],"expectFault":[9005]}`},
		{1, "", `{"name":"upload","fileType":"9"}`},
		{1, "", `{"name":`},
		{2, "status=pending,done", ""},
		{3, "", `{"password":"x","device":"D1"}`},
		{3, "", `{"password":1}`},
		{4, "", "any bytes"},
		{5, "prefix=Device.", ""},
		{6, "limit=10&device=D1", ""},
	}
	for _, s := range seeds {
		f.Add(s.route, s.query, s.body)
	}
	// The seeds' routes first, then every route of the table, and a
	// path no route has (404) and a method none allows (405).
	routes := []struct{ method, path string }{
		{"GET", "/devices"}, {"POST", "/devices/D1/tasks"}, {"GET", "/tasks"}, {"PUT", "/credentials/u1"},
		{"PUT", "/files/f.bin"}, {"GET", "/devices/D1/parameters"}, {"GET", "/faults"}, {"POST", "/devices/D1/probe"},
		{"GET", "/devices/D1/conformance"}, {"DELETE", "/tasks/1"},
	}
	for _, rs := range acsref.NBIRouteSpecs() {
		path := strings.NewReplacer("{id}", "D1", "{tid}", "1", "{tag}", "t1", "{name...}", "n1", "{name}", "n1",
			"{user}", "u1", "{action}", "pause").Replace(rs.Pattern)
		routes = append(routes, struct{ method, path string }{rs.Method, path})
	}
	routes = append(routes, struct{ method, path string }{"GET", "/nope"}, struct{ method, path string }{"PATCH", "/devices"})
	f.Fuzz(func(t *testing.T, route uint8, query, body string) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, "http://127.0.0.1"+r.path, strings.NewReader(body))
		// The query as a client may send it, whatever it holds (the
		// handlers parse it with URL.Query, which skips what is malformed).
		req.URL.RawQuery = strings.Map(func(c rune) rune {
			if c <= ' ' || c == '#' || c == 0x7f {
				return -1 // a server never sees these in a request target
			}
			return c
		}, query)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 || w.Code < 200 {
			t.Fatalf("%s %s?%s %q: HTTP %d %s", r.method, r.path, query, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e struct{ Error, Rule string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s %s: HTTP %d with a body that is no error object: %s", r.method, r.path, w.Code, w.Body)
			}
		}
	})
}
