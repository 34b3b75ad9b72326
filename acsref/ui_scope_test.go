package acsref_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// TestScopedUnknownAndOutside: a user scoped to a group gets the same
// answer, status and body, for a device outside its group as for a
// device id that does not exist, on every device route of the route
// table and on the task routes (another device's task, an unknown task
// id); the web UI's device page answers both alike. An unscoped admin
// still reaches the outside device.
func TestScopedUnknownAndOutside(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	policies := "kind: Group\nname: boxes\nmodel: Device:2\nmatch: device.productClass == 'ScopeBox'\n"
	if code, body := nbiCall(t, "POST", a.nbi+"/policies", policies, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/yaml"}); code != 200 {
		t.Fatalf("group: %d %s", code, body)
	}
	agentSession(t, a, "ScopeBox", "IN1", nil)
	agentSession(t, a, "OtherBox", "OUT1", nil)
	out := acsref.DeviceID("00D09E", "OtherBox", "OUT1")
	unknown := acsref.DeviceID("00D09E", "OtherBox", "NOSUCH")
	// Scoped users of each role: the role refusals come first and alike,
	// the admin's reaches the scope check on every route.
	keys := map[string]string{}
	for _, role := range []string{store.RoleReadOnly, store.RoleOperator, store.RoleAdmin} {
		keys[role] = a.mkUser(t, "s"+strings.ReplaceAll(role, "-", ""), role, "boxes")
	}
	param := regexp.MustCompile(`\{[a-z]+(\.\.\.)?\}`)
	n := 0
	for _, rs := range acsref.NBIRouteSpecs() {
		if rs.Public || !strings.HasPrefix(rs.Pattern, "/devices/{id}") {
			continue
		}
		path := func(id string) string {
			p := strings.Replace(rs.Pattern, "{id}", url.PathEscape(id), 1)
			return param.ReplaceAllString(p, "x")
		}
		body := ""
		if rs.Method == "POST" || rs.Method == "PUT" {
			body = `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`
		}
		for role, k := range keys {
			c1, b1 := nbiCall(t, rs.Method, a.nbi+path(out), body, bearer(k))
			c2, b2 := nbiCall(t, rs.Method, a.nbi+path(unknown), body, bearer(k))
			if c1 != c2 || b1 != b2 {
				t.Errorf("%s %s as a scoped %s: outside the scope %d %s, unknown %d %s", rs.Method, rs.Pattern, role, c1, b1, c2, b2)
			}
			if role == store.RoleAdmin {
				n++
				if c1 != http.StatusNotFound {
					t.Errorf("%s %s as a scoped admin, device outside the scope: %d %s, want 404", rs.Method, rs.Pattern, c1, b1)
				}
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d device routes in the route table", n)
	}
	// Tasks: another device's, and an id that does not exist.
	tk := a.task(out, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`)
	for _, m := range []string{"GET", "DELETE"} {
		c1, b1 := nbiCall(t, m, a.nbi+fmt.Sprintf("/tasks/%d", tk.ID), "", bearer(keys[store.RoleOperator]))
		c2, b2 := nbiCall(t, m, a.nbi+fmt.Sprintf("/tasks/%d", tk.ID+1000), "", bearer(keys[store.RoleOperator]))
		if c1 != http.StatusNotFound || c1 != c2 || b1 != b2 {
			t.Errorf("%s of another device's task %d %s, of an unknown task %d %s", m, c1, b1, c2, b2)
		}
	}
	for _, q := range []string{"/tasks?device=", "/faults?device="} {
		c1, b1 := nbiCall(t, "GET", a.nbi+q+url.QueryEscape(out), "", bearer(keys[store.RoleOperator]))
		c2, b2 := nbiCall(t, "GET", a.nbi+q+url.QueryEscape(unknown), "", bearer(keys[store.RoleOperator]))
		if c1 != c2 || b1 != b2 {
			t.Errorf("GET %s: outside %d %s, unknown %d %s", q, c1, b1, c2, b2)
		}
	}
	// The audit log tells the admin which was which.
	results := map[string]string{}
	for _, e := range a.audit(t, "actor=soperator&action=postTask") {
		results[e.Target] = e.Result
		if e.Status != http.StatusNotFound {
			t.Errorf("audit of a scoped task on %s: status %d", e.Target, e.Status)
		}
	}
	if !strings.HasPrefix(results[out], "scope: device "+out+" is outside the scope of user soperator") ||
		!strings.HasPrefix(results[unknown], "not-found: device "+unknown+" not found") {
		t.Errorf("audit results of the scoped tasks: %q", results)
	}
	// Unscoped, the device is there.
	if code, body := nbiCall(t, "GET", a.nbi+"/devices/"+url.PathEscape(out), "", bearer(a.tok)); code != 200 {
		t.Fatalf("the admin key on the outside device: %d %s", code, body)
	}

	// The UI: the device page of each answers 404 with the same error.
	u := newUIClient(t, a)
	u.login("soperator", "pw-soperator-long")
	loadErr := regexp.MustCompile(`<p class="err" id="load-err">([^<]*)</p>`)
	r1, p1 := u.do("GET", "/ui/devices/"+url.PathEscape(out), nil, nil)
	r2, p2 := u.do("GET", "/ui/devices/"+url.PathEscape(unknown), nil, nil)
	m1, m2 := loadErr.FindStringSubmatch(p1), loadErr.FindStringSubmatch(p2)
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound || m1 == nil || m2 == nil || m1[1] != m2[1] {
		t.Fatalf("UI device pages: outside %d %q, unknown %d %q", r1.StatusCode, m1, r2.StatusCode, m2)
	}
	if strings.Contains(p1, "scope") || strings.Contains(p1, "OtherBox-OUT1</a>") {
		t.Fatalf("the UI page of the outside device tells of the scope:\n%s", p1)
	}
}
