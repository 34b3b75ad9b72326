package acsref_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// storeOutage is a real store whose reads fail while down is set, as
// during a database outage.
type storeOutage struct {
	store.Store
	down atomic.Bool
}

func (s *storeOutage) Setting(ctx context.Context, name string) (string, error) {
	if s.down.Load() {
		return "", dbErr
	}
	return s.Store.Setting(ctx, name)
}

func (s *storeOutage) Tasks(ctx context.Context, f store.TaskFilter) ([]*store.Task, error) {
	if s.down.Load() {
		return nil, dbErr
	}
	return s.Store.Tasks(ctx, f)
}

// TestReadyzDuringStoreOutage: /healthz answers while the process is up,
// /readyz follows the store: 200, then 503 (an APIError that does not
// leak the database's address, with Retry-After) during an outage, then
// 200 again; neither needs credentials. The metrics' acs_store_up
// follows too.
func TestReadyzDuringStoreOutage(t *testing.T) {
	var so *storeOutage
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		so = &storeOutage{Store: c.Store}
		c.Store = so
	})
	get := func(path string) (int, http.Header, map[string]any) {
		t.Helper()
		resp, err := http.Get(a.nbi + path) // no credentials
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
		}
		return resp.StatusCode, resp.Header, v
	}
	if code, _, v := get("/healthz"); code != http.StatusOK || v["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, v)
	}
	if code, _, v := get("/readyz"); code != http.StatusOK || v["store"] != "ok" {
		t.Fatalf("readyz: %d %v", code, v)
	}
	so.down.Store(true)
	code, h, v := get("/readyz")
	if code != http.StatusServiceUnavailable || v["rule"] != acsref.RuleStoreUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("readyz during the outage: %d %v %v", code, v, h)
	}
	if msg, _ := v["error"].(string); msg == "" || containsAny(msg, "db.internal", "acs_prod", "user=") {
		t.Fatalf("readyz's error %q is empty or names the database", msg)
	}
	if code, _, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("healthz during the outage: %d", code)
	}
	if m := scrape(t, a.srv.MetricsURL(), a.tok); m["acs_store_up{}"] != 0 {
		t.Fatalf("acs_store_up during the outage: %v", m["acs_store_up{}"])
	}
	so.down.Store(false)
	if code, _, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz after the outage: %d", code)
	}
	if m := scrape(t, a.srv.MetricsURL(), a.tok); m["acs_store_up{}"] != 1 {
		t.Fatalf("acs_store_up after the outage: %v", m["acs_store_up{}"])
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
