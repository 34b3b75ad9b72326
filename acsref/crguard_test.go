package acsref_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// crTarget is a connection-request listener recording the Authorization
// headers it receives.
type crTarget struct {
	*httptest.Server
	mu    sync.Mutex
	authz []string
}

func newCRTarget(t *testing.T, h http.Handler) *crTarget {
	c := &crTarget{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.authz = append(c.authz, r.Header.Get("Authorization"))
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *crTarget) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.authz...)
}

// kick queues a task with a connection request and returns its outcome.
func kick(t *testing.T, a *testACS, serial string) string {
	t.Helper()
	var resp acsref.TaskResponse
	if code := a.do("POST", devPath(labID+serial)+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &resp); code != http.StatusAccepted {
		t.Fatalf("POST task: %d", code)
	}
	return resp.ConnectionRequest
}

// TestConnReqGlobalCredentialsConfined: the global connection-request
// credentials go only to allowed networks (loopback is not one by
// default), checked before anything is sent; the device's own credentials
// go to its URL.
func TestConnReqGlobalCredentialsConfined(t *testing.T) {
	crAuth := &auth.Server{Realm: "cpe", Lookup: func(u string) (string, bool) { return "global-pw", u == "global" }}
	target := newCRTarget(t, crAuth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	for _, c := range []struct {
		name   string
		nets   []string
		wantOK bool
	}{{"default networks", nil, false}, {"loopback allowed (lab)", acsref.LoopbackNets, true}} {
		a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(cfg *acsref.Config) {
			cfg.NoDiscovery = true
			cfg.ConnReqUsername, cfg.ConnReqPassword = "global", "global-pw"
			cfg.ConnReqAllowedNets = c.nets
		})
		dev := newTestCPE(a.srv.CWMPURL(), "G1")
		dev.Set("Device.ManagementServer.ConnectionRequestURL", target.URL+"/cr", "xsd:string", false)
		session(t, dev)
		before := len(target.seen())
		got := kick(t, a, "G1")
		if c.wantOK != (got == "ok") {
			t.Fatalf("%s: connection request %q", c.name, got)
		}
		if !c.wantOK {
			if !strings.Contains(got, "--cr-allowed-net") {
				t.Errorf("%s: the refusal does not name the flag: %q", c.name, got)
			}
			if n := len(target.seen()) - before; n != 0 {
				t.Errorf("%s: %d requests reached the target", c.name, n)
			}
		}
		a.close()
	}
}

// TestConnReqBasicOnlyWhenEnabled: a listener offering only Basic gets
// no credentials unless ConnReqBasic is set (the device's own credentials
// here, so the network list plays no part).
func TestConnReqBasicOnlyWhenEnabled(t *testing.T) {
	crAuth := &auth.Server{Realm: "cpe", Basic: true, NoDigest: true, Lookup: func(u string) (string, bool) { return "own-pw", u == "own" }}
	target := newCRTarget(t, crAuth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	for _, basic := range []bool{false, true} {
		a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(cfg *acsref.Config) {
			cfg.NoDiscovery = true
			cfg.ConnReqBasic = basic
		})
		dev := newTestCPE(a.srv.CWMPURL(), "B1")
		dev.Set("Device.ManagementServer.ConnectionRequestURL", target.URL+"/cr", "xsd:string", false)
		dev.Set("Device.ManagementServer.ConnectionRequestUsername", "own", "xsd:string", true)
		dev.Set("Device.ManagementServer.ConnectionRequestPassword", "own-pw", "xsd:string", true)
		dev.informed = append(dev.informed, "Device.ManagementServer.ConnectionRequestUsername", "Device.ManagementServer.ConnectionRequestPassword")
		session(t, dev)
		before := len(target.seen())
		got := kick(t, a, "B1")
		sent := false
		for _, h := range target.seen()[before:] {
			if strings.HasPrefix(h, "Basic ") {
				sent = true
			}
		}
		if basic != sent || basic != (got == "ok") {
			t.Errorf("ConnReqBasic %v: Basic sent %v, outcome %q", basic, sent, got)
		}
		a.close()
	}
}
