package acsref_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr181"
)

// wireCount counts a CPE's HTTP exchanges with the ACS and their bytes.
type wireCount struct {
	base               http.RoundTripper
	posts, sent, recvd atomic.Int64
}

func (c *wireCount) RoundTrip(req *http.Request) (*http.Response, error) {
	c.posts.Add(1)
	c.sent.Add(max(req.ContentLength, 0))
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.recvd.Add(int64(len(body)))
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, err
}

func (c *wireCount) reset() { c.posts.Store(0); c.sent.Store(0); c.recvd.Store(0) }

// discoveryResult is the result of the device's values discovery task.
func discoveryResult(t *testing.T, a *testACS, id string) acsref.TaskResult {
	t.Helper()
	var ts []store.Task
	a.do("GET", devPath(id)+"/tasks", nil, &ts)
	var res acsref.TaskResult
	found := false
	for _, tk := range ts {
		if tk.Internal && tk.Name == "getParameterValues" && tk.Status == store.TaskDone {
			res, found = acsref.TaskResult{}, true
			if err := json.Unmarshal(tk.Result, &res); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !found {
		t.Fatalf("%s: no values discovery done in %+v", id, ts)
	}
	return res
}

func unreadParams(t *testing.T, a *testACS, id, prefix string) (unread, total int, h http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.nbi+devPath(id)+"/parameters?prefix="+prefix, nil)
	req.Header.Set("Authorization", "Bearer "+a.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ps []acsref.ParameterView
	if err := json.NewDecoder(resp.Body).Decode(&ps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Object {
			continue
		}
		total++
		if p.Type == "" && p.Value == "" {
			unread++
		}
	}
	return unread, total, resp.Header
}

// TestLazyDiscovery: a product class whose override says values "lazy"
// has a Device:2.19 CPE discovered with its names and only its identity's
// values, in fewer RPCs and bytes than the default; a GET of a subtree
// whose values are unread queues one refreshObject of it (named in a
// header, not queued twice), which the next session runs and whose
// values stay. The device's own override ("all") beats its class's: the
// next BOOTSTRAP reads every value.
func TestLazyDiscovery(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.DiscoveryByProductClass = map[string]acsref.DiscoveryStrategy{"LazyBox": {Values: acsref.ValuesLazy}}
	})
	first := func(pc, serial string) (*cpe.Agent, *wireCount) {
		wc := &wireCount{base: http.DefaultTransport}
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
			SerialNumber: serial, OUI: "00D09E", ProductClass: pc, Transport: wc})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ag.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
			t.Fatal(err)
		}
		return ag, wc
	}
	_, eager := first("EagerBox", "E1")
	lazyAg, lazy := first("LazyBox", "L1")
	const lazyID, eagerID = "00D09E-LazyBox-L1", "00D09E-EagerBox-E1"
	er, lr := discoveryResult(t, a, eagerID), discoveryResult(t, a, lazyID)
	t.Logf("first contact: model scope %d HTTP posts, %d+%d bytes, %d values (%d unread); lazy %d posts, %d+%d bytes, %d values (%d unread)",
		eager.posts.Load(), eager.sent.Load(), eager.recvd.Load(), *er.Values, *er.Unread,
		lazy.posts.Load(), lazy.sent.Load(), lazy.recvd.Load(), *lr.Values, *lr.Unread)
	if lr.Scope != acsref.ValuesLazy || er.Scope != acsref.ValuesModel {
		t.Errorf("scopes %q %q", lr.Scope, er.Scope)
	}
	if *lr.Values == 0 || *lr.Values > 60 || *lr.Unread < 10**lr.Values {
		t.Errorf("lazy: %d values read, %d unread", *lr.Values, *lr.Unread)
	}
	if lazy.sent.Load()+lazy.recvd.Load() >= eager.sent.Load()+eager.recvd.Load() || lazy.posts.Load() >= eager.posts.Load() {
		t.Errorf("lazy first contact is not lighter: %d posts %d bytes, against %d posts %d bytes", lazy.posts.Load(), lazy.sent.Load(), eager.posts.Load(), eager.sent.Load())
	}
	var d store.Device
	a.do("GET", devPath(lazyID), nil, &d)
	if !d.Discovered {
		t.Fatal("the lazy device is not discovered")
	}
	// Its identity is read; the names of the rest are there, not values.
	if u, n, _ := unreadParams(t, a, lazyID, "Device.DeviceInfo.SoftwareVersion"); n != 1 || u != 0 {
		t.Errorf("SoftwareVersion: %d of %d unread", u, n)
	}
	a.do("GET", devPath(eagerID)+"/parameters?prefix=Device.IP.", nil, nil) // the default scope queues nothing
	var ts []store.Task
	a.do("GET", devPath(eagerID)+"/tasks?status=pending", nil, &ts)
	if len(ts) != 0 {
		t.Errorf("a GET of a model-scope device queued %+v", ts)
	}
	// A read-only user's GET only reads.
	reader := a.mkUser(t, "reader", store.RoleReadOnly, "")
	req, _ := http.NewRequest("GET", a.nbi+devPath(lazyID)+"/parameters?prefix=Device.IP.", nil)
	req.Header.Set("Authorization", "Bearer "+reader)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.do("GET", devPath(lazyID)+"/tasks?status=pending", nil, &ts)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(acsref.HeaderRefreshTask) != "" || len(ts) != 0 {
		t.Fatalf("a read-only user's GET: HTTP %d, refresh %q, pending %+v", resp.StatusCode, resp.Header.Get(acsref.HeaderRefreshTask), ts)
	}
	u, n, h := unreadParams(t, a, lazyID, "Device.IP.")
	if n == 0 || u != n {
		t.Fatalf("Device.IP.: %d of %d unread after a lazy discovery", u, n)
	}
	task := h.Get(acsref.HeaderRefreshTask)
	if task == "" {
		t.Fatal("no refresh queued for unread values")
	}
	if u2, n2, h2 := unreadParams(t, a, lazyID, "Device.IP.IPv4"); h2.Get(acsref.HeaderRefreshTask) != task {
		t.Errorf("a GET under the queued refresh (%d of %d unread) queued another: %s, %s", u2, n2, h2.Get(acsref.HeaderRefreshTask), task)
	}
	if _, err := lazyAg.RunSession(context.Background(), cwmp.EventPeriodic); err != nil {
		t.Fatal(err)
	}
	var tk store.Task
	a.do("GET", "/tasks/"+task, nil, &tk)
	if tk.Status != store.TaskDone || tk.Name != "refreshObject" || !strings.Contains(string(tk.Spec), `"Device.IP."`) {
		t.Fatalf("refresh task %+v", tk)
	}
	if u, n, h := unreadParams(t, a, lazyID, "Device.IP."); u != 0 || h.Get(acsref.HeaderRefreshTask) != "" {
		t.Errorf("after the refresh: %d of %d unread, refresh header %q", u, n, h.Get(acsref.HeaderRefreshTask))
	}
	if u, _, _ := unreadParams(t, a, lazyID, "Device.Ethernet."); u == 0 {
		t.Error("the refresh read more than its subtree")
	}

	// The device's own override beats its class's.
	if code := a.do("PUT", devPath(lazyID)+"/discovery", `{"values":"all"}`, nil); code != http.StatusNoContent {
		t.Fatalf("PUT discovery: HTTP %d", code)
	}
	var view acsref.DiscoveryView
	a.do("GET", devPath(lazyID)+"/discovery", nil, &view)
	if view.ProductClass.Values != acsref.ValuesLazy || view.Effective.Values != acsref.ValuesAll {
		t.Fatalf("view %+v", view)
	}
	if _, err := lazyAg.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
		t.Fatal(err)
	}
	if res := discoveryResult(t, a, lazyID); res.Scope != acsref.ValuesAll || *res.Unread != 0 {
		t.Errorf("rediscovery with values all: %+v", res)
	}
	if u, n, _ := unreadParams(t, a, lazyID, "Device."); u != 0 {
		t.Errorf("%d of %d values unread after a discovery of all", u, n)
	}
	if code := a.do("PUT", devPath(lazyID)+"/discovery", `{"values":"some"}`, nil); code != http.StatusBadRequest {
		t.Errorf("values some: HTTP %d", code)
	}
	if _, _, err := acsref.ParseDiscoveryFlag("LazyBox:values=lazy,batchSize=50"); err != nil {
		t.Error(err)
	}
}

// TestLazyDiscoveryPolicy: a policy on values a lazy discovery does not
// read still converges the device in its first session: the policy reads
// (and sets) what it needs itself, and what it read is stored.
func TestLazyDiscoveryPolicy(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.DiscoveryByProductClass = map[string]acsref.DiscoveryStrategy{"LazyBox": {Values: acsref.ValuesLazy}}
	})
	doc := "name: inform\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 600\n"
	var perr any
	if code := a.do("POST", "/policies", doc, &perr); code != http.StatusOK {
		t.Fatalf("apply: HTTP %d %v", code, perr)
	}
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
		SerialNumber: "P1", OUI: "00D09E", ProductClass: "LazyBox"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
		t.Fatal(err)
	}
	const id = "00D09E-LazyBox-P1"
	if res := discoveryResult(t, a, id); res.Scope != acsref.ValuesLazy || *res.Unread == 0 {
		t.Fatalf("discovery %+v", res)
	}
	if v, _ := ag.Store().Get("Device.ManagementServer.PeriodicInformInterval"); v != "600" {
		t.Errorf("PeriodicInformInterval on the CPE: %q", v)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.ManagementServer.PeriodicInformInterval", nil, &ps)
	if len(ps) != 1 || ps[0].Value != "600" {
		t.Errorf("stored: %+v", ps)
	}
	if u, n, _ := unreadParams(t, a, id, "Device.ManagementServer."); u == 0 || u == n {
		t.Errorf("Device.ManagementServer.: %d of %d unread; the policy's parameter is known, most of its neighbours are not", u, n)
	}
}

// TestLazyDiscoveryDevicePage: the UI's device page of a lazily
// discovered device, showing a subtree whose values are not read yet,
// queues the refresh of that subtree like the NBI's GET.
func TestLazyDiscoveryDevicePage(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.DiscoveryByProductClass = map[string]acsref.DiscoveryStrategy{"LazyBox": {Values: acsref.ValuesLazy}}
	})
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
		SerialNumber: "U1", OUI: "00D09E", ProductClass: "LazyBox"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
		t.Fatal(err)
	}
	const id = "00D09E-LazyBox-U1"
	u := newUIClient(t, a)
	if resp, _ := u.do("POST", "/ui/login", url.Values{"key": {a.tok}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if resp, _ := u.do("GET", "/ui/devices/"+url.PathEscape(id)+"?prefix=Device.Ethernet.", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("device page: %d", resp.StatusCode)
	}
	var ts []store.Task
	a.do("GET", devPath(id)+"/tasks?status=pending", nil, &ts)
	if len(ts) != 1 || ts[0].Name != "refreshObject" || !strings.Contains(string(ts[0].Spec), `"Device.Ethernet."`) {
		t.Fatalf("pending after the device page: %+v", ts)
	}
	if _, err := ag.RunSession(context.Background(), cwmp.EventPeriodic); err != nil {
		t.Fatal(err)
	}
	if u, n, _ := unreadParams(t, a, id, "Device.Ethernet."); u != 0 || n == 0 {
		t.Errorf("Device.Ethernet. after the refresh: %d of %d unread", u, n)
	}
}

// TestDiscoveryScopesRealDump: the real Nokia ONT export served by an
// in-process CPE (cwmp/cpe's dump profile), discovered with each value
// scope: "all" reads every value; "model" all but the standard-looking
// names its model lacks; "standard" leaves the vendor (X_) values too.
// Every name is stored whatever the scope.
func TestDiscoveryScopesRealDump(t *testing.T) {
	f, err := os.Open(filepath.Join(realDir, "nokia-g1425ga-tr098.csv"))
	if err != nil {
		t.Fatal(err)
	}
	prof, _, err := cpe.LoadGenieCSV(tr098.Schema, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	scopes := []string{acsref.ValuesAll, acsref.ValuesModel, acsref.ValuesStandard}
	byPC := map[string]acsref.DiscoveryStrategy{}
	for _, sc := range scopes {
		byPC["Scope-"+sc] = acsref.DiscoveryStrategy{Values: sc}
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.DiscoveryByProductClass = byPC })
	unread := map[string]int{}
	var leaves, vendor int
	for _, sc := range scopes {
		ag, err := cpe.New(cpe.Config{Schema: prof.Schema(), Store: cpe.NewMemStoreFrom(prof), ACSURL: a.srv.CWMPURL(),
			SerialNumber: "N1", ProductClass: "Scope-" + sc})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ag.RunSession(context.Background(), cwmp.EventBootstrap); err != nil {
			t.Fatal(err)
		}
		var ds []store.Device
		a.do("GET", "/devices?productClass=Scope-"+sc, nil, &ds)
		id := ""
		for _, d := range ds {
			if d.ProductClass == "Scope-"+sc {
				id = d.ID
			}
		}
		if id == "" {
			t.Fatalf("no device of class Scope-%s in %+v", sc, ds)
		}
		res := discoveryResult(t, a, id)
		if res.Scope != sc {
			t.Errorf("%s: scope %q", sc, res.Scope)
		}
		var ps []acsref.ParameterView
		a.do("GET", devPath(id)+"/parameters", nil, &ps)
		leaves, vendor = 0, 0
		vendorUnread := 0
		for _, p := range ps {
			if p.Object {
				continue
			}
			leaves++
			none := p.Type == "" && p.Value == ""
			if acsref.IsVendor(p.Name) {
				vendor++
				if none {
					vendorUnread++
				}
			}
			if none {
				unread[sc]++
			}
		}
		t.Logf("values %s: %d of %d values unread (%d of %d vendor); task result: %d read, %d unread", sc, unread[sc], leaves, vendorUnread, vendor, *res.Values, *res.Unread)
		if *res.Unread != unread[sc] {
			t.Errorf("%s: the task says %d unread, %d stored without value", sc, *res.Unread, unread[sc])
		}
		switch sc {
		case acsref.ValuesModel:
			if vendorUnread != 0 {
				t.Errorf("model scope left %d vendor values", vendorUnread)
			}
		case acsref.ValuesStandard:
			if vendorUnread != vendor {
				t.Errorf("standard scope read %d vendor values", vendor-vendorUnread)
			}
		}
	}
	if unread[acsref.ValuesAll] != 0 || unread[acsref.ValuesModel] == 0 || unread[acsref.ValuesStandard] != unread[acsref.ValuesModel]+vendor || leaves < 3000 {
		t.Errorf("unread by scope %v, %d vendor, %d parameters", unread, vendor, leaves)
	}
}
