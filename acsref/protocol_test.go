package acsref_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// TestConnectionRequest: POST ...tasks?connection_request makes the ACS
// GET the device's ConnectionRequestURL with Digest authentication (the
// credentials the ACS set on the device earlier); the CPE then opens a
// session and the task completes.
func TestConnectionRequest(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.ConnReqUsername, c.ConnReqPassword = "global", "wrong-for-this-device"
	})
	kicked := make(chan struct{}, 4)
	crAuth := &auth.Server{Realm: "cpe", Lookup: func(u string) (string, bool) { return "cr-pass", u == "cr-user" }}
	cr := httptest.NewServer(crAuth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kicked <- struct{}{}
		w.WriteHeader(http.StatusOK)
	})))
	defer cr.Close()

	cpe := newTestCPE(a.srv.CWMPURL(), "CR1")
	cpe.Set("Device.ManagementServer.ConnectionRequestURL", cr.URL+"/cr", "xsd:string", false)
	cpe.Set("Device.ManagementServer.ConnectionRequestUsername", "", "xsd:string", true)
	cpe.Set("Device.ManagementServer.ConnectionRequestPassword", "", "xsd:string", true)
	session(t, cpe)
	id := labID + "CR1"
	// The ACS sets the device's connection request credentials.
	a.task(id, `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.ConnectionRequestUsername","cr-user"],["Device.ManagementServer.ConnectionRequestPassword","cr-pass"]]}`)
	session(t, cpe)

	var resp acsref.TaskResponse
	if code := a.do("POST", devPath(id)+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	if resp.ConnectionRequest != "ok" {
		t.Fatalf("connection request: %q", resp.ConnectionRequest)
	}
	select {
	case <-kicked:
	default:
		t.Fatal("the CPE's connection request handler was not called")
	}
	cpe.Calls = nil
	if err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventConnectionRequest}); err != nil {
		t.Fatal(err)
	}
	if tk := a.getTask(resp.ID); tk.Status != store.TaskDone {
		t.Fatalf("task %s", tk.Status)
	}
	// A device that reported no URL: the task is queued, the error told.
	cpe2 := newTestCPE(a.srv.CWMPURL(), "CR2")
	cpe2.Set("Device.ManagementServer.ConnectionRequestURL", "", "xsd:string", false)
	session(t, cpe2)
	a.do("POST", devPath(labID+"CR2")+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if resp.ID == 0 || !strings.Contains(resp.ConnectionRequest, "no ConnectionRequestURL") {
		t.Fatalf("response %+v", resp)
	}
}

// TestCPEAuthentication: Digest with global credentials, Basic when
// enabled, per-device credentials bound to their device, 401 otherwise.
func TestCPEAuthentication(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Auth = acsref.CPEAuth{Username: "acs", Password: "secret", PerDevice: true, Basic: true}
	})
	ctx := context.Background()
	cpe := newTestCPE(a.srv.CWMPURL(), "A1")
	if err := cpe.Session(ctx); err == nil {
		t.Fatal("a session without credentials succeeded")
	} else {
		var he *cwmp.HTTPStatusError
		if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
			t.Fatalf("err = %v, want HTTP 401", err)
		}
	}
	cpe.RT = &auth.Transport{Username: "acs", Password: "secret"}
	if err := cpe.Session(ctx); err != nil {
		t.Fatalf("digest, global credentials: %v", err)
	}
	// Basic, preemptive.
	cpe.RT = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.SetBasicAuth("acs", "secret")
		return http.DefaultTransport.RoundTrip(r)
	})
	if err := cpe.Session(ctx); err != nil {
		t.Fatalf("basic: %v", err)
	}
	// Per-device credentials, bound to A2.
	if code := a.do("PUT", "/credentials/cpe-a2", `{"password":"pw-a2","device":"`+labID+`A2"}`, nil); code != http.StatusNoContent {
		t.Fatalf("PUT credential: %d", code)
	}
	a2 := newTestCPE(a.srv.CWMPURL(), "A2")
	a2.RT = &auth.Transport{Username: "cpe-a2", Password: "pw-a2"}
	if err := a2.Session(ctx); err != nil {
		t.Fatalf("per-device credentials: %v", err)
	}
	cpe.RT = &auth.Transport{Username: "cpe-a2", Password: "pw-a2"}
	if err := cpe.Session(ctx); err == nil {
		t.Fatal("A1 opened a session with A2's credentials")
	}
	a2.RT = &auth.Transport{Username: "cpe-a2", Password: "wrong"}
	if err := a2.Session(ctx); err == nil {
		t.Fatal("a wrong password was accepted")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestOneSessionPerDevice: a second Inform while a session is live gets
// 503; once the session times out the device can inform again.
func TestNewInformReplacesSession(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ctx := context.Background()
	cpe := newTestCPE(a.srv.CWMPURL(), "O1")
	session(t, cpe)
	tk := a.task(labID+"O1", `{"name":"getRPCMethods"}`)
	inf := &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: "O1"},
		Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}, MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}}
	first := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := first.Post(ctx, inf); err != nil {
		t.Fatal(err)
	}
	req, err := first.Post(ctx, &cwmp.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := req.Body.(*cwmp.GetRPCMethods); !ok {
		t.Fatalf("first session got %T", req.Body)
	}
	// The CPE drops the connection and informs again: accepted at once.
	second := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := second.Post(ctx, inf); err != nil {
		t.Fatalf("second Inform: %v", err)
	}
	// The old session is gone: its late answer is refused.
	var he *cwmp.HTTPStatusError
	if _, err := first.Post(ctx, req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest {
		t.Fatalf("old session's answer: %v, want 400", err)
	}
	// The RPC that got no answer comes again in the new session.
	req, err = second.Post(ctx, &cwmp.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := req.Body.(*cwmp.GetRPCMethods); !ok {
		t.Fatalf("second session got %T", req.Body)
	}
	if end, err := second.Post(ctx, req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); err != nil || !end.IsEmpty() {
		t.Fatalf("end: %v %v", end, err)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskDone || got.Attempts != 1 {
		t.Fatalf("task %s after %d no-answers, want done after 1", got.Status, got.Attempts)
	}
}

// TestNBITokenAndOpenAPI: with a token every NBI call but /openapi.json
// needs it; the OpenAPI document is JSON and names every route.
func TestNBITokenAndOpenAPI(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NBIToken = "t0ken" })
	a.tok = ""
	if code := a.do("GET", "/devices", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	a.tok = "wrong"
	if code := a.do("GET", "/devices", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	a.tok = "t0ken"
	var devs []store.Device
	if code := a.do("GET", "/devices", nil, &devs); code != http.StatusOK {
		t.Fatalf("token: %d", code)
	}
	a.tok = ""
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if code := a.do("GET", "/openapi.json", nil, &doc); code != http.StatusOK || doc.OpenAPI == "" {
		t.Fatalf("openapi: %d %q", code, doc.OpenAPI)
	}
	// The route table is the one list (TestOpenAPIDocument and
	// TestNBIRoutesAgainstContract check the document further).
	for _, rs := range acsref.NBIRouteSpecs() {
		path := strings.ReplaceAll(rs.Pattern, "...}", "}")
		if _, ok := doc.Paths[path][strings.ToLower(rs.Method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", rs.Method, path)
		}
	}
	raw, _ := json.Marshal(doc)
	if len(raw) < 100 {
		t.Fatal("openapi document too small")
	}
}

// TestStoreOpen: --db locations.
func TestStoreOpen(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db"), "file://" + filepath.Join(dir, "c.db")} {
		st, err := store.Open(loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		st.Close()
	}
	for _, loc := range []string{"mysql://localhost/acs", "mongodb://x", ""} {
		if _, err := store.Open(loc); err == nil {
			t.Errorf("%s: no error", loc)
		} else if loc != "" && !strings.Contains(err.Error(), "unsupported store") {
			t.Errorf("%s: %v", loc, err)
		}
	}
}

// TestValueChangeAndBootstrap: VALUE CHANGE updates stored values;
// BOOTSTRAP forgets what was known and rediscovers.
func TestValueChangeAndBootstrap(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	cpe := newTestCPE(a.srv.CWMPURL(), "V1")
	session(t, cpe)
	id := labID + "V1"
	cpe.Set("Device.DeviceInfo.ProvisioningCode", "CHANGED", "xsd:string", true)
	cpe.informed = append(cpe.informed, "Device.DeviceInfo.ProvisioningCode")
	cpe.Calls = nil
	if err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventValueChange}); err != nil {
		t.Fatal(err)
	}
	if len(cpe.Calls) != 0 {
		t.Fatalf("a discovered device was asked %v", cpe.Calls)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.ProvisioningCode", nil, &ps)
	if len(ps) != 1 || ps[0].Value != "CHANGED" {
		t.Fatalf("after VALUE CHANGE: %+v", ps)
	}
	// BOOTSTRAP: everything known is forgotten, then rediscovered.
	cpe.mu.Lock()
	delete(cpe.params, "Device.DeviceInfo.X_00D09E_Secret")
	cpe.mu.Unlock()
	cpe.Calls = nil
	if err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventBootstrap}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cpe.Calls, ",") != "GetParameterNames,GetParameterValues" {
		t.Fatalf("after BOOTSTRAP: %v", cpe.Calls)
	}
	a.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.X_", nil, &ps)
	if len(ps) != 0 {
		t.Fatalf("a parameter gone from the device survived BOOTSTRAP: %+v", ps)
	}
}

// TestSessionTimeoutRequeues: a task in flight when its session times
// out is sent again in the next session.
func TestSessionTimeoutRequeues(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.SessionTimeout = 200 * time.Millisecond
	})
	cpe := newTestCPE(a.srv.CWMPURL(), "T1")
	session(t, cpe)
	tk := a.task(labID+"T1", `{"name":"getRPCMethods"}`)
	ctx := context.Background()
	inf := &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: "T1"},
		Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}, MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}}
	silent := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := silent.Post(ctx, inf); err != nil {
		t.Fatal(err)
	}
	req, err := silent.Post(ctx, &cwmp.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := req.Body.(*cwmp.GetRPCMethods); !ok {
		t.Fatalf("got %T", req.Body)
	}
	// The CPE never answers. Once the session has timed out, the next
	// session gets the task again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cpe.Calls = nil
		err := cpe.Session(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new session: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Join(cpe.Calls, ",") != "GetRPCMethods" {
		t.Fatalf("calls %v", cpe.Calls)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskDone {
		t.Fatalf("task %s", got.Status)
	}
}

// TestCWMPVersionNegotiation: a CWMP 1.4 CPE announcing its versions gets
// UseCWMPVersion in the InformResponse.
func TestCWMPVersionNegotiation(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	sc := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	defer sc.End()
	reply, err := sc.Post(context.Background(), &cwmp.Envelope{Namespace: cwmp.Namespace12,
		Header: cwmp.Header{ID: "v", SupportedCWMPVersions: "1.0,1.2,1.4"},
		Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", SerialNumber: "V14"}, MaxEnvelopes: 1, CurrentTime: time.Now(),
			Event: []cwmp.EventStruct{{EventCode: cwmp.EventBoot}}, ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reply.Body.(*cwmp.InformResponse); !ok || reply.Header.UseCWMPVersion != "1.4" || reply.Header.ID != "v" {
		t.Fatalf("reply %+v %+v", reply.Header, reply.Body)
	}
}

// TestIGDDeviceBinding: a TR-098 device (InternetGatewayDevice. root in
// its Inform) is bound to InternetGatewayDevice:1 and its tasks are
// checked against TR-098.
func TestIGDDeviceBinding(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	sc := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	ctx := context.Background()
	_, err := sc.Post(ctx, &cwmp.Envelope{Header: cwmp.Header{ID: "1"}, Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "001122", ProductClass: "IGD", SerialNumber: "G1"},
		MaxEnvelopes: 1, CurrentTime: time.Now(), Event: []cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}},
		ParameterList: []cwmp.ParameterValueStruct{{Name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := sc.Post(ctx, &cwmp.Envelope{}); err != nil || !reply.IsEmpty() {
		t.Fatalf("empty POST: %v %v", reply, err)
	}
	id := "001122-IGD-G1"
	var dev store.Device
	a.do("GET", devPath(id), nil, &dev)
	if dev.Model != "InternetGatewayDevice:1.14" || dev.Root != "InternetGatewayDevice." {
		t.Fatalf("device %+v", dev)
	}
	var e acsref.RuleError
	if code := a.do("POST", devPath(id)+"/tasks", `{"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.ManagementServer.PeriodicInformInterval","0"]]}`, &e); code != 400 || e.Rule != "value-range" {
		t.Fatalf("%d %+v", code, e)
	}
	a.task(id, `{"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.ManagementServer.PeriodicInformInterval","300"]]}`)
}

// TestProposedSessionTimeout: a CPE that proposes a longer session timeout
// in its Inform (CWMP 1.3 SessionTimeout header) keeps its session through
// a silence longer than the ACS's own timeout.
func TestProposedSessionTimeout(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.SessionTimeout = 100 * time.Millisecond
	})
	ctx := context.Background()
	inform := func(serial string, proposal uint32) *cwmp.Envelope {
		return &cwmp.Envelope{Namespace: cwmp.Namespace12, Header: cwmp.Header{ID: "1", SessionTimeout: proposal},
			Body: &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: serial},
				Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}, MaxEnvelopes: 1, CurrentTime: time.Now(),
				ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}}
	}
	patient := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := patient.Post(ctx, inform("P1", 30)); err != nil {
		t.Fatal(err)
	}
	plain := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := plain.Post(ctx, inform("P2", 0)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // well past 100 ms, well within 30 s
	// P2 made no proposal: its session timed out and was committed. P1's
	// session is alive: nothing of it is committed yet.
	if code := a.do("GET", devPath("00D09E-Lab%20Box-P2"), nil, nil); code != http.StatusOK {
		t.Fatalf("P2's session should have timed out: GET device HTTP %d", code)
	}
	if code := a.do("GET", devPath("00D09E-Lab%20Box-P1"), nil, nil); code != http.StatusNotFound {
		t.Fatalf("P1's session ended during its proposed timeout: GET device HTTP %d", code)
	}
	// P1 can still finish its session.
	if reply, err := patient.Post(ctx, &cwmp.Envelope{Namespace: cwmp.Namespace12}); err != nil || !reply.IsEmpty() {
		t.Fatalf("P1's empty POST: %v %v", reply, err)
	}
	if code := a.do("GET", devPath("00D09E-Lab%20Box-P1"), nil, nil); code != http.StatusOK {
		t.Fatalf("P1 after its session: GET device HTTP %d", code)
	}
}

// TestConnectionRequestRetryAfter: a CPE that rate-limits connection
// requests (503 with a short Retry-After) is asked once more after the
// wait; a long Retry-After is reported, not waited for.
func TestConnectionRequestRetryAfter(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	var calls atomic.Int32
	retryAfter := "1"
	cr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, "too many", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer cr.Close()
	cpe := newTestCPE(a.srv.CWMPURL(), "RA1")
	cpe.Set("Device.ManagementServer.ConnectionRequestURL", cr.URL+"/cr", "xsd:string", false)
	session(t, cpe)
	id := labID + "RA1"
	var resp acsref.TaskResponse
	start := time.Now()
	a.do("POST", devPath(id)+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if resp.ConnectionRequest != "ok" || calls.Load() != 2 || time.Since(start) < time.Second {
		t.Fatalf("after a 503 with Retry-After 1: %q, %d calls in %v", resp.ConnectionRequest, calls.Load(), time.Since(start))
	}
	calls.Store(0)
	retryAfter = "120"
	a.do("POST", devPath(id)+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp)
	if !strings.Contains(resp.ConnectionRequest, "503") || calls.Load() != 1 {
		t.Fatalf("after a 503 with Retry-After 120: %q, %d calls", resp.ConnectionRequest, calls.Load())
	}
}
