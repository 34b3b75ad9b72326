package acsref_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// nbiCall makes one NBI request with the given headers and returns the
// status and body.
func nbiCall(t *testing.T, method, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNBIRequiresAdminKeyByDefault: with no token configured the NBI
// answers 401 without credentials; New makes an admin API key, shown once,
// that opens it; the store holds only its hash; a restart on the same
// database keeps the key (and shows none); ResetKey replaces it.
func TestNBIRequiresAdminKeyByDefault(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	a := startACS(t, db, nil)
	key := a.srv.NewAdminKey()
	if !strings.HasPrefix(key, "dmf_") || len(key) < 40 {
		t.Fatalf("admin key %q", key)
	}
	if code, body := nbiCall(t, "GET", a.nbi+"/devices", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /devices without credentials: %d %s, want 401", code, body)
	}
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", map[string]string{"Authorization": "Bearer " + key + "x"}); code != http.StatusUnauthorized {
		t.Fatalf("GET /devices with a wrong key: %d, want 401", code)
	}
	if code, body := nbiCall(t, "GET", a.nbi+"/devices", "", map[string]string{"Authorization": "Bearer " + key}); code != http.StatusOK {
		t.Fatalf("GET /devices with the admin key: %d %s", code, body)
	}
	if code, _ := nbiCall(t, "GET", a.nbi+"/openapi.json", "", nil); code != http.StatusOK {
		t.Fatalf("GET /openapi.json is public: %d", code)
	}
	a.close()
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(db + "-wal")
	if bytes.Contains(raw, []byte(key)) || bytes.Contains(wal, []byte(key)) {
		t.Fatal("the database holds the admin key itself")
	}

	b := startACS(t, db, nil)
	if k := b.srv.NewAdminKey(); k != "" {
		t.Fatalf("a restart showed a new key %q; the stored one stays", k)
	}
	if code, _ := nbiCall(t, "GET", b.nbi+"/devices", "", map[string]string{"Authorization": "Bearer " + key}); code != http.StatusOK {
		t.Fatalf("the first key after a restart: %d", code)
	}
	b.close()

	c := startACS(t, db, func(c *acsref.Config) { c.NBIAccess.ResetKey = true })
	k2 := c.srv.NewAdminKey()
	if k2 == "" || k2 == key {
		t.Fatalf("ResetKey made key %q", k2)
	}
	if code, _ := nbiCall(t, "GET", c.nbi+"/devices", "", map[string]string{"Authorization": "Bearer " + key}); code != http.StatusUnauthorized {
		t.Fatalf("the replaced key still works: %d", code)
	}
	if code, _ := nbiCall(t, "GET", c.nbi+"/devices", "", map[string]string{"Authorization": "Bearer " + k2}); code != http.StatusOK {
		t.Fatalf("the new key: %d", code)
	}
}

// TestNBIBrowserChecks: a cross-site "simple" POST (text/plain, foreign
// Origin) is refused even on an open NBI, as is a foreign Host (DNS
// rebinding); the NBI's own origin and configured hosts and origins pass.
func TestNBIBrowserChecks(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.NBIAccess = acsref.NBIAccess{Open: true, AllowedHosts: []string{"acs.example.net"}, AllowedOrigins: []string{"https://ui.example.net"}}
	})
	cpe := newTestCPE(a.srv.CWMPURL(), "B1")
	session(t, cpe)
	tasks := a.nbi + devPath(labID+"B1") + "/tasks"
	spec := `{"name":"factoryReset"}`
	host := strings.TrimPrefix(a.nbi, "http://")

	for _, c := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"cross-site simple POST", map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"opaque origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"DNS rebinding", map[string]string{"Host": "evil.example:7557"}, http.StatusMisdirectedRequest},
		{"rebinding with the NBI's own origin", map[string]string{"Host": "evil.example", "Origin": "http://evil.example"}, http.StatusMisdirectedRequest},
	} {
		if code, body := nbiCall(t, "POST", tasks, spec, c.hdr); code != c.want {
			t.Errorf("%s: HTTP %d %s, want %d", c.name, code, body, c.want)
		}
	}
	if ts, err := a.st.Tasks(context.Background(), store.TaskFilter{DeviceID: labID + "B1"}); err != nil || len(ts) != 0 {
		t.Fatalf("refused requests queued %d tasks (%v)", len(ts), err)
	}
	for _, c := range []struct {
		name string
		hdr  map[string]string
	}{
		{"no browser", nil},
		{"same origin", map[string]string{"Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}},
		{"allowed origin", map[string]string{"Origin": "https://ui.example.net"}},
		{"allowed host", map[string]string{"Host": "ACS.example.net:7557"}},
		{"localhost", map[string]string{"Host": "localhost"}},
	} {
		if code, body := nbiCall(t, "POST", tasks, spec, c.hdr); code != http.StatusAccepted {
			t.Errorf("%s: HTTP %d %s, want 202", c.name, code, body)
		}
	}
}

// TestRefuseUnauthenticatedCPEsBeyondLoopback: without CPE authentication
// the ACS does not listen beyond loopback unless told so; the error names
// the switches. Nothing is bound to a public address: the check comes
// before listening.
func TestRefuseUnauthenticatedCPEsBeyondLoopback(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "acs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:7547", "[::]:0"} {
		srv, err := acsref.New(acsref.Config{CWMPAddr: addr, NBIAddr: "127.0.0.1:0", Store: st, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		err = srv.Start(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "--allow-unauthenticated-cpes") || !strings.Contains(err.Error(), "--cpe-username") {
			t.Errorf("CWMP on %s without CPE auth: %v, want a refusal naming the flags", addr, err)
		}
	}
	for _, cfg := range []acsref.Config{
		{CWMPAddr: "localhost:0"},
		{CWMPAddr: "127.0.0.1:0", Auth: acsref.CPEAuth{PerDevice: true}},
	} {
		cfg.NBIAddr, cfg.Store, cfg.Logger = "127.0.0.1:0", st, quiet
		srv, err := acsref.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			t.Errorf("%s: %v", cfg.CWMPAddr, err)
		}
		srv.Close()
	}
}
