package acsref_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// loadOpenAPI fetches /openapi.json (no credentials: it is public) and
// validates it as an OpenAPI 3.1 document with kin-openapi.
func loadOpenAPI(t *testing.T, a *testACS) *openapi3.T {
	t.Helper()
	resp, err := http.Get(a.nbi + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %s", resp.StatusCode, raw)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading /openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("/openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("/openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDocument: /openapi.json passes kin-openapi's validation, and
// every route of the table is in it, once, with a unique operationId,
// the documented statuses, and an APIError for every error.
func TestOpenAPIDocument(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	doc := loadOpenAPI(t, a)
	seen := map[string]string{}
	n := 0
	for _, rs := range acsref.NBIRouteSpecs() {
		path := strings.ReplaceAll(rs.Pattern, "...}", "}")
		item := doc.Paths.Find(path)
		if item == nil {
			t.Errorf("%s %s: not in /openapi.json", rs.Method, rs.Pattern)
			continue
		}
		op := item.GetOperation(rs.Method)
		if op == nil {
			t.Errorf("%s %s: no %s operation", rs.Method, path, rs.Method)
			continue
		}
		n++
		if op.OperationID != rs.OperationID || op.OperationID == "" {
			t.Errorf("%s %s: operationId %q, want %q", rs.Method, path, op.OperationID, rs.OperationID)
		}
		if other, dup := seen[op.OperationID]; dup {
			t.Errorf("operationId %s of %s %s is also %s's", op.OperationID, rs.Method, path, other)
		}
		seen[op.OperationID] = rs.Method + " " + path
		for _, st := range rs.Statuses {
			r := op.Responses.Status(st)
			if r == nil {
				t.Errorf("%s %s: %d not documented", rs.Method, path, st)
				continue
			}
			if st >= 400 {
				mt := r.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/APIError" {
					t.Errorf("%s %s: error %d is not an APIError", rs.Method, path, st)
				}
			}
		}
		if d := op.Responses.Default(); d == nil || d.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/APIError" {
			t.Errorf("%s %s: no default APIError response", rs.Method, path)
		}
	}
	ops := 0
	for _, item := range doc.Paths.Map() {
		ops += len(item.Operations())
	}
	if ops != n || n < 40 {
		t.Fatalf("/openapi.json has %d operations, the route table %d", ops, n)
	}
	// Typed bodies, not {}: the task request and the policy errors.
	spec := doc.Components.Schemas["TaskSpecInput"]
	if spec == nil || spec.Value.Properties["parameterValues"] == nil || spec.Value.Properties["timeWindows"] == nil {
		t.Fatalf("TaskSpecInput schema: %+v", spec)
	}
	task := doc.Components.Schemas["Task"]
	if task == nil || task.Value.Properties["result"] == nil || len(task.Value.Properties["result"].Value.AnyOf) != 2 ||
		task.Value.Properties["spec"].Ref != "#/components/schemas/TaskSpec" || doc.Components.Schemas["TaskResult"] == nil {
		t.Fatalf("Task schema: spec and result are not typed")
	}
	if e := doc.Components.Schemas["APIError"]; e == nil || !slices.Equal(e.Value.Required, []string{"error", "rule"}) {
		t.Fatalf("APIError schema: %+v", e)
	}
}

// contractCall is one request of TestNBIRoutesAgainstContract.
// contractCheckedElsewhere are the documented answers that need more
// than this test's one ACS; the test named checks each with contractCall.
var contractCheckedElsewhere = map[string]string{
	"cancelConformanceRun 409": "TestConformanceRecordsSharedPostgres (two ACSs on one PostgreSQL store)",
}

// routeSpec is the route of an operation.
func routeSpec(t *testing.T, op string) acsref.RouteSpec {
	t.Helper()
	for _, rs := range acsref.NBIRouteSpecs() {
		if rs.OperationID == op {
			return rs
		}
	}
	t.Fatalf("no route %s", op)
	return acsref.RouteSpec{}
}

type contractCall struct {
	op     string // operationId
	path   string // with its parameters, escaped
	body   string
	header map[string]string
	noAuth bool
	want   int
}

// TestNBIRoutesAgainstContract calls every route of the table on a
// running ACS (an agent's device discovered, a file, policies, a group, a
// campaign), for every status the route documents, and checks each answer
// (status, then body and content type against the documented schema,
// with kin-openapi's openapi3filter); the requests of 2xx answers are
// checked against their documented request schemas too. 404 of an
// unknown route and 405 of a wrong method are APIErrors.
func TestNBIRoutesAgainstContract(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	// A device bound to no known model, in the store before the ACS
	// starts (no CPE informs with such a root).
	st, err := store.OpenSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.Commit(context.Background(), &store.Batch{Device: &store.Device{ID: "X-Unbound-1", Root: "Foo.", FirstSeen: now, LastInform: now}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var storeDown atomic.Bool
	a := startACS(t, db, func(c *acsref.Config) {
		c.MaxFileSize = 64 << 10
		c.Store = &settingOutage{Store: c.Store, down: &storeDown}
	})
	doc := loadOpenAPI(t, a)

	for _, sn := range []string{"R1", "R2"} {
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "RouteBox", SerialNumber: sn})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		_, err = ag.RunSession(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	dev := "/devices/" + url.PathEscape(acsref.DeviceID("00D09E", "RouteBox", "R1"))
	dev2 := "/devices/" + url.PathEscape(acsref.DeviceID("00D09E", "RouteBox", "R2"))
	unbound := "/devices/X-Unbound-1"
	nodev := "/devices/no-such-device"
	policies := `kind: Group
name: boxes
model: Device:2
match: device.productClass == 'RouteBox'
---
name: fast-inform
model: Device:2
groups: [boxes]
values:
  Device.ManagementServer.PeriodicInformInterval: 120
`
	campaign := `{"name":"fw2","group":"boxes","firmware":{"version":"2.0","file":"fw.bin"},"first":"50%","within":"6h"}`
	gpv := `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`

	// The ETag of the file PUT below: its SHA-256, quoted.
	fwETag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte("firmware 2.0")))
	calls := []contractCall{
		{op: "getOpenAPI", path: "/openapi.json", want: 200, noAuth: true},
		{op: "getHealth", path: "/healthz", want: 200, noAuth: true},
		{op: "getReadiness", path: "/readyz", want: 200, noAuth: true},
		{op: "getMetrics", path: "/metrics", want: 200},

		{op: "listDevices", path: "/devices?model=Device:2&limit=5", want: 200},
		{op: "listDevices", path: "/devices?query=" + url.QueryEscape(`{"_id":"`+acsref.DeviceID("00D09E", "RouteBox", "R1")+`"}`) + "&projection=_id,_tags", want: 200},
		{op: "listDevices", path: "/devices?query=" + url.QueryEscape(`{"$where":"1"}`), want: 400},
		{op: "getDevice", path: dev, want: 200},
		{op: "getDevice", path: nodev, want: 404},
		{op: "listParameters", path: dev + "/parameters?prefix=Device.DeviceInfo.", want: 200},
		{op: "listParameters", path: nodev + "/parameters", want: 404},
		{op: "postTask", path: dev + "/tasks", body: gpv, want: 202},
		{op: "postTask", path: dev + "/tasks", body: `{"name":"getParameterValues","parameterNames":["Device.NoSuchThing"]}`, want: 400},
		{op: "postTask", path: nodev + "/tasks", body: gpv, want: 404},
		{op: "postTask", path: unbound + "/tasks", body: gpv, want: 409},
		{op: "listDeviceTasks", path: dev + "/tasks?status=pending", want: 200},
		{op: "postProbe", path: dev + "/probe", want: 202},
		{op: "postProbe", path: nodev + "/probe", want: 404},
		{op: "postProbe", path: unbound + "/probe", want: 409},
		{op: "getProbe", path: dev + "/probe", want: 200},
		{op: "getProbe", path: nodev + "/probe", want: 404},
		{op: "getConformance", path: dev + "/conformance", want: 200},
		{op: "getConformance", path: nodev + "/conformance", want: 404},
		{op: "getDiscovery", path: dev + "/discovery", want: 200},
		{op: "getDiscovery", path: nodev + "/discovery", want: 404},
		{op: "putDiscovery", path: dev + "/discovery", body: `{"batchSize":50,"partialGPV":true}`, want: 204},
		{op: "putDiscovery", path: dev + "/discovery", body: `{"nope":1}`, want: 400},
		{op: "putDiscovery", path: nodev + "/discovery", body: `{}`, want: 404},
		{op: "deleteDiscovery", path: dev + "/discovery", want: 204},
		{op: "deleteDiscovery", path: nodev + "/discovery", want: 404},
		{op: "listConformancePlans", path: "/conformance/plans", want: 200},
		{op: "getConformancePlan", path: "/conformance/plans/cwmp-core", want: 200},
		{op: "getConformancePlan", path: "/conformance/plans/nope", want: 404},
		{op: "postConformanceRun", path: dev + "/conformance-runs", body: `{"plan":"nope"}`, want: 400},
		{op: "postConformanceRun", path: nodev + "/conformance-runs", body: `{"plan":"cwmp-core"}`, want: 404},
		{op: "postConformanceRun", path: unbound + "/conformance-runs", body: `{"plan":"cwmp-core"}`, want: 409},
		{op: "postConformanceRun", path: dev + "/conformance-runs", body: `{"plan":"cwmp-core"}`, want: 202},
		{op: "listConformanceRuns", path: dev + "/conformance-runs", want: 200},
		{op: "getConformanceRun", path: dev + "/conformance-runs/{run}", want: 200},
		{op: "getConformanceRun", path: dev + "/conformance-runs/nope", want: 404},
		{op: "getConformanceJUnit", path: dev + "/conformance-runs/{run}/junit", want: 200},
		{op: "getConformanceJUnit", path: dev + "/conformance-runs/nope/junit", want: 404},
		{op: "getConformanceHTML", path: dev + "/conformance-runs/{run}/html", want: 200},
		{op: "getConformanceHTML", path: dev + "/conformance-runs/nope/html", want: 404},
		{op: "cancelConformanceRun", path: dev + "/conformance-runs/{run}", want: 200},
		{op: "cancelConformanceRun", path: dev + "/conformance-runs/nope", want: 404},
		{op: "postDiagnostic", path: dev + "/diagnostics", body: `{"type":"Nope"}`, want: 400},
		{op: "postDiagnostic", path: nodev + "/diagnostics", body: `{"type":"IPPing"}`, want: 404},
		{op: "postDiagnostic", path: unbound + "/diagnostics", body: `{"type":"IPPing"}`, want: 409},
		{op: "postDiagnostic", path: dev + "/diagnostics", body: `{"type":"IPPing","parameters":{"Host":"127.0.0.1"},"timeoutSeconds":1}`, want: 202},
		{op: "listDiagnostics", path: dev + "/diagnostics", want: 200},
		{op: "getDiagnostic", path: dev + "/diagnostics/{diag}", want: 200},
		{op: "getDiagnostic", path: dev + "/diagnostics/nope", want: 404},
		{op: "putProductClassDiscovery", path: "/discovery/product-classes/Box%201", body: `{"batchSize":20}`, want: 204},
		{op: "putProductClassDiscovery", path: "/discovery/product-classes/Box%201", body: `{"batchSize":-1}`, want: 400},
		{op: "listProductClassDiscovery", path: "/discovery/product-classes", want: 200},
		{op: "deleteProductClassDiscovery", path: "/discovery/product-classes/Box%201", want: 204},
		{op: "deleteProductClassDiscovery", path: "/discovery/product-classes/Box%201", want: 404},
		{op: "listDeviceFaults", path: dev + "/faults?limit=10", want: 200},
		{op: "tagDevice", path: dev + "/tags/gold", want: 204},
		{op: "tagDevice", path: nodev + "/tags/gold", want: 404},
		{op: "untagDevice", path: dev + "/tags/gold", want: 204},
		{op: "untagDevice", path: nodev + "/tags/gold", want: 404},

		{op: "listTasks", path: "/tasks?status=pending,done", want: 200},
		{op: "getTask", path: "/tasks/1", want: 200},
		{op: "getTask", path: "/tasks/x", want: 400},
		{op: "getTask", path: "/tasks/999999", want: 404},
		{op: "cancelTask", path: "/tasks/{gpv}", want: 200},
		{op: "cancelTask", path: "/tasks/{gpv}", want: 409},
		{op: "cancelTask", path: "/tasks/x", want: 400},
		{op: "cancelTask", path: "/tasks/999999", want: 404},
		{op: "listFaults", path: "/faults?limit=5", want: 200},

		{op: "putFile", path: "/files/fw.bin", body: "firmware 2.0", header: map[string]string{"fileType": "1 Firmware Upgrade Image", "version": "2.0"}, want: 201},
		{op: "putFile", path: "/files/a%01b", body: "x", want: 400},
		{op: "putFile", path: "/files/big.bin", body: strings.Repeat("x", 65<<10), want: 413},
		{op: "listFiles", path: "/files", want: 200},
		{op: "getFile", path: "/files/fw.bin", want: 200},
		{op: "getFile", path: "/files/fw.bin", header: map[string]string{"Range": "bytes=0-3"}, want: 206},
		{op: "getFile", path: "/files/fw.bin", header: map[string]string{"If-None-Match": fwETag}, want: 304},
		{op: "getFile", path: "/files/nope.bin", want: 404},

		{op: "putCredential", path: "/credentials/cpe1", body: `{"password":"s3cret","device":"` + acsref.DeviceID("00D09E", "RouteBox", "R1") + `"}`, want: 204},
		{op: "putCredential", path: "/credentials/cpe1", body: `{"password":""}`, want: 400},
		{op: "deleteCredential", path: "/credentials/cpe1", want: 204},
		{op: "deleteCredential", path: "/credentials/cpe1", want: 404},

		{op: "applyPolicies", path: "/policies", body: policies, want: 200},
		{op: "applyPolicies", path: "/policies", body: "name: p\nmodel: Device:2\nvalues:\n  Device.DeviceInfo.Nope: 1\n", want: 400},
		{op: "listPolicies", path: "/policies", want: 200},
		{op: "getPolicy", path: "/policies/fast-inform", want: 200},
		{op: "getPolicy", path: "/policies/nope", want: 404},
		{op: "planPolicy", path: "/policies/fast-inform/plan?events=BOOT", want: 200},
		{op: "planPolicy", path: "/policies/fast-inform/plan?events=NOPE", want: 400},
		{op: "planPolicy", path: "/policies/nope/plan", want: 404},
		{op: "planDevice", path: dev + "/plan", want: 200},
		{op: "planDevice", path: dev + "/plan?events=NOPE", want: 400},
		{op: "planDevice", path: nodev + "/plan", want: 404},
		{op: "getDevicePolicies", path: dev + "/policies", want: 200},
		{op: "getDevicePolicies", path: nodev + "/policies", want: 404},
		{op: "listGroups", path: "/groups", want: 200},
		{op: "getGroup", path: "/groups/boxes?limit=10", want: 200},
		{op: "getGroup", path: "/groups/nope", want: 404},
		{op: "deletePolicy", path: "/policies/boxes", want: 409},

		{op: "postCampaign", path: "/campaigns", body: campaign, want: 201},
		{op: "postCampaign", path: "/campaigns", body: `{"name":"x","group":"boxes"}`, want: 400},
		{op: "listCampaigns", path: "/campaigns", want: 200},
		{op: "getCampaign", path: "/campaigns/fw2", want: 200},
		{op: "getCampaign", path: "/campaigns/nope", want: 404},
		{op: "controlCampaign", path: "/campaigns/fw2/pause", want: 200},
		{op: "controlCampaign", path: "/campaigns/fw2/pause", want: 409},
		{op: "controlCampaign", path: "/campaigns/fw2/explode", want: 400},
		{op: "controlCampaign", path: "/campaigns/nope/pause", want: 404},
		{op: "deleteCampaign", path: "/campaigns/fw2", want: 204},
		{op: "deleteCampaign", path: "/campaigns/fw2", want: 404},

		{op: "deletePolicy", path: "/policies/fast-inform", want: 204},
		{op: "deletePolicy", path: "/policies/fast-inform", want: 404},
		{op: "deleteFile", path: "/files/fw.bin", want: 204},
		{op: "deleteFile", path: "/files/fw.bin", want: 404},
		{op: "deleteDevice", path: dev2, want: 204},
		{op: "deleteDevice", path: dev2, want: 404},
	}

	routes := map[string]acsref.RouteSpec{}
	for _, rs := range acsref.NBIRouteSpecs() {
		routes[rs.OperationID] = rs
	}
	covered := map[string]bool{}
	var gpvTask int64
	var runID, diagID string
	for _, c := range calls {
		rs, ok := routes[c.op]
		if !ok {
			t.Fatalf("no route %s", c.op)
		}
		c.path = strings.ReplaceAll(c.path, "{gpv}", fmt.Sprint(gpvTask))
		c.path = strings.ReplaceAll(c.path, "{run}", runID)
		c.path = strings.ReplaceAll(c.path, "{diag}", diagID)
		status, body := a.contractCall(t, doc, rs, c)
		switch {
		case c.op == "postTask" && status == 202:
			var tk store.Task
			_ = json.Unmarshal(body, &tk)
			gpvTask = tk.ID
		case c.op == "postConformanceRun" && status == 202:
			var rep struct {
				Run string `json:"run"`
			}
			_ = json.Unmarshal(body, &rep)
			runID = rep.Run
		case c.op == "postDiagnostic" && status == 202:
			var d struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(body, &d)
			diagID = d.ID
		}
		covered[fmt.Sprintf("%s %d", c.op, c.want)] = true
	}
	a.userContractCalls(t, doc, routes, covered, dev, nodev) // users_test.go
	// 401 of every route that needs credentials, 503 of /readyz during a
	// store outage.
	for _, rs := range acsref.NBIRouteSpecs() {
		if !rs.Public {
			path := rs.Pattern
			for _, p := range []string{"{id}", "{tid}", "{tag}", "{name...}", "{name}", "{user}", "{action}", "{run}", "{diag}", "{class}"} {
				path = strings.ReplaceAll(path, p, "1")
			}
			a.contractCall(t, doc, rs, contractCall{op: rs.OperationID, path: path, noAuth: true, want: 401})
			covered[rs.OperationID+" 401"] = true
		}
	}
	storeDown.Store(true)
	a.contractCall(t, doc, routes["getReadiness"], contractCall{op: "getReadiness", path: "/readyz", noAuth: true, want: 503})
	storeDown.Store(false)
	covered["getReadiness 503"] = true

	for call := range contractCheckedElsewhere {
		covered[call] = true
	}
	for _, rs := range acsref.NBIRouteSpecs() {
		for _, st := range rs.Statuses {
			if !covered[fmt.Sprintf("%s %d", rs.OperationID, st)] {
				t.Errorf("%s %s (%s): documented status %d is never checked: add a call to this test", rs.Method, rs.Pattern, rs.OperationID, st)
			}
		}
	}

	// Not routes: 404 and 405 are APIErrors too, written by the same
	// writer (and need credentials: the NBI tells nothing to strangers).
	errSchema := doc.Components.Schemas["APIError"].Value
	for _, c := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{"GET", "/nope", 404, ""}, {"GET", "/devices/x/nope", 404, ""},
		{"PATCH", "/devices", 405, "GET, HEAD"}, {"PUT", "/tasks/1", 405, "DELETE, GET, HEAD"},
	} {
		req, _ := http.NewRequest(c.method, a.nbi+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+a.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var v any
		if resp.StatusCode != c.want || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &v) != nil {
			t.Fatalf("%s %s: %d %s %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
		if err := errSchema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Fatalf("%s %s: %s is no APIError: %v", c.method, c.path, raw, err)
		}
		if c.allow != "" && resp.Header.Get("Allow") != c.allow {
			t.Fatalf("%s %s: Allow %q, want %q", c.method, c.path, resp.Header.Get("Allow"), c.allow)
		}
	}
}

// contractCall makes one call and checks it against the document.
func (a *testACS) contractCall(t *testing.T, doc *openapi3.T, rs acsref.RouteSpec, c contractCall) (int, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, _ := http.NewRequest(rs.Method, a.nbi+c.path, body)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	path := strings.ReplaceAll(rs.Pattern, "...}", "}")
	item := doc.Paths.Find(path)
	op := item.GetOperation(rs.Method)
	if c.body != "" {
		for ct := range op.RequestBody.Value.Content {
			req.Header.Set("Content-Type", ct)
		}
	}
	if !c.noAuth {
		req.Header.Set("Authorization", "Bearer "+a.tok)
	}
	// The path parameters, as the NBI's mux reads them.
	params := map[string]string{}
	patSegs, gotSegs := strings.Split(rs.Pattern, "/"), strings.Split(strings.SplitN(c.path, "?", 2)[0], "/")
	for i, seg := range patSegs {
		if strings.HasPrefix(seg, "{") && i < len(gotSegs) {
			v, _ := url.PathUnescape(strings.Join(gotSegs[i:min(i+1, len(gotSegs))], "/"))
			params[strings.TrimSuffix(strings.Trim(seg, "{}"), "...")] = v
		}
	}
	route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: rs.Method, Operation: op}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if c.want < 300 && c.body != "" && json.Valid([]byte(c.body)) {
		// The request itself keeps to its documented schema.
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Fatalf("%s %s: the request breaks its documented schema: %v", rs.Method, c.path, err)
		}
		req.Body = io.NopCloser(strings.NewReader(c.body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != c.want {
		t.Fatalf("%s %s (%s): HTTP %d, want %d: %s", rs.Method, c.path, c.op, resp.StatusCode, c.want, raw)
	}
	documented := op.Responses.Status(resp.StatusCode)
	if documented == nil {
		t.Fatalf("%s %s: status %d is not documented", rs.Method, c.path, resp.StatusCode)
	}
	// The NBI's own headers are part of the contract (the documented
	// ones' values are validated below).
	for name := range resp.Header {
		if strings.HasPrefix(name, "X-Dmforge-") && documented.Value.Headers[name] == nil {
			t.Fatalf("%s %s: HTTP %d carries %s, which the document does not declare", rs.Method, c.path, resp.StatusCode, name)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s: HTTP %d breaks its documented schema: %v\n%s", rs.Method, c.path, resp.StatusCode, err, truncate(raw))
	}
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified && len(bytes.TrimSpace(raw)) == 0 && resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d without body", rs.Method, c.path, resp.StatusCode)
	}
	return resp.StatusCode, raw
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// settingOutage is a real store whose Setting read fails while down is
// set, as the store's during an outage.
type settingOutage struct {
	store.Store
	down *atomic.Bool
}

func (s *settingOutage) Setting(ctx context.Context, name string) (string, error) {
	if s.down.Load() {
		return "", dbErr
	}
	return s.Store.Setting(ctx, name)
}

func init() {
	// Documents the NBI serves as text (JUnit XML, HTML reports): their
	// documented schema is a string.
	openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
}
