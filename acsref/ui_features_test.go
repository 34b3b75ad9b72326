package acsref_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// TestUIFiltersCampaignAndPlans: on simulated TR-181 CPEs, the devices
// page filters by a virtual parameter's value; a user's saved filters are
// listed on its devices page only, applied by their link and deleted; a
// campaign started on a selection makes a static group of it and the
// campaign through the NBI, and answers with the campaign's page; the
// policy page and the device page show the dry-run plan as a table of
// what would be set.
func TestUIFiltersCampaignAndPlans(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	agentSession(t, a, "VBox", "V1", nil)
	agentSession(t, a, "VBox", "V2", nil)
	agentSession(t, a, "OtherBox", "O1", nil)
	v1, v2, o1 := acsref.DeviceID("00D09E", "VBox", "V1"), acsref.DeviceID("00D09E", "VBox", "V2"), acsref.DeviceID("00D09E", "OtherBox", "O1")
	docs := `kind: VirtualParameter
name: site
model: Device:2
type: string
expr: 'device.productClass == "VBox" ? "lab" : "field"'
---
name: fast
model: Device:2
match: v.site == "lab"
values:
  Device.ManagementServer.PeriodicInformInterval: 321
objects:
  - table: Device.IP.Interface.
    key: {Alias: wan}
    values: {MaxMTUSize: 1492}
`
	if code, body := nbiCall(t, "POST", a.nbi+"/policies", docs, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/yaml"}); code != 200 {
		t.Fatalf("documents: %d %s", code, body)
	}
	a.mkUser(t, "op", store.RoleOperator, "")
	a.mkUser(t, "op2", store.RoleOperator, "")
	u := newUIClient(t, a)
	u.login("op", "pw-op-long")

	// The virtual-parameter filter.
	_, lab := u.do("GET", "/ui/devices?vparam=site&vvalue=lab", nil, nil)
	_, field := u.do("GET", "/ui/devices?vparam=site&vvalue=field", nil, nil)
	if !strings.Contains(lab, `<span id="total">2</span>`) || !strings.Contains(lab, v1) || strings.Contains(lab, o1+"</a>") ||
		!strings.Contains(lab, `<option selected>site</option>`) {
		t.Fatalf("virtual filter site=lab:\n%s", lab)
	}
	if !strings.Contains(field, `<span id="total">1</span>`) || !strings.Contains(field, o1) {
		t.Fatalf("virtual filter site=field:\n%s", field)
	}
	if resp, page := u.do("GET", "/ui/devices?vparam=nosuch&vvalue=x", nil, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "no virtual parameter nosuch") {
		t.Fatalf("unknown virtual parameter: %d\n%s", resp.StatusCode, page)
	}

	// Saved filters: op's, not op2's.
	token := u.csrf()
	resp, _ := u.do("POST", "/ui/filters/save", url.Values{"csrf": {token}, "name": {"lab boxes"}, "query": {"vparam=site&vvalue=lab&format=csv"}}, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "saved") {
		t.Fatalf("saving a filter: %d %s", resp.StatusCode, loc)
	}
	if resp, _ := u.do("POST", "/ui/filters/save", url.Values{"csrf": {token}, "name": {""}, "query": {"tag=x"}}, nil); !strings.Contains(resp.Header.Get("Location"), "err=") {
		t.Fatalf("a filter without a name: %s", resp.Header.Get("Location"))
	}
	_, page := u.do("GET", "/ui/devices", nil, nil)
	if !strings.Contains(page, `<a href="/ui/devices?vparam=site&amp;vvalue=lab" class="apply-filter"`) || !strings.Contains(page, ">lab boxes</a>") {
		t.Fatalf("op's devices page lacks the saved filter:\n%s", page)
	}
	u2 := newUIClient(t, a)
	u2.login("op2", "pw-op2-long")
	if _, p2 := u2.do("GET", "/ui/devices", nil, nil); strings.Contains(p2, "lab boxes") {
		t.Fatal("op2 sees op's saved filter")
	}
	if resp, _ := u2.do("POST", "/ui/filters/delete", url.Values{"csrf": {u2.csrf()}, "name": {"lab boxes"}}, nil); !strings.Contains(resp.Header.Get("Location"), "err=") {
		t.Fatalf("op2 deleting op's filter: %s", resp.Header.Get("Location"))
	}
	if resp, _ := u.do("POST", "/ui/filters/delete", url.Values{"csrf": {token}, "name": {"lab boxes"}}, nil); !strings.Contains(resp.Header.Get("Location"), "deleted") {
		t.Fatalf("deleting a filter: %s", resp.Header.Get("Location"))
	}
	if fs, _ := a.st.SavedFilters(t.Context(), "op"); len(fs) != 0 {
		t.Fatalf("op's filters after deleting: %+v", fs)
	}
	if es := a.audit(t, "actor=op&action=saveFilter"); len(es) != 1 || es[0].Target != "lab boxes" || es[0].Via != "ui" {
		t.Fatalf("audit of saving a filter: %+v", es)
	}
	if es := a.audit(t, "actor=op2&action=deleteFilter"); len(es) != 1 || es[0].Status != http.StatusNotFound {
		t.Fatalf("audit of op2's refused delete: %+v", es)
	}

	// The plan: on the policy's page, a set of 321 on each lab box only;
	// on a lab box's page, the same set.
	k := newUIClient(t, a)
	if resp, _ := k.do("POST", "/ui/login", url.Values{"key": {a.tok}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin login: %d", resp.StatusCode)
	}
	_, pp := k.do("GET", "/ui/policies/fast", nil, nil)
	setRow := `<td>set</td><td>Device.ManagementServer.PeriodicInformInterval</td><td>321</td>`
	if strings.Count(pp, setRow) != 2 || !strings.Contains(pp, v1+"</a></td>"+setRow) || !strings.Contains(pp, v2+"</a></td>"+setRow) ||
		strings.Contains(pp, o1+"</a></td><td>set") || !strings.Contains(pp, `id="plan-summary">3 devices of the model looked at, 2 matching`) {
		t.Fatalf("policy page's plan:\n%s", pp)
	}
	addRow := `<td>add</td><td>Device.IP.Interface.</td><td>Alias = wan; MaxMTUSize = 1492</td>`
	if strings.Count(pp, addRow) != 2 {
		t.Fatalf("policy page's plan lacks the instance to add:\n%s", pp)
	}
	if _, dp := u.do("GET", "/ui/devices/"+url.PathEscape(v1), nil, nil); !strings.Contains(dp, `<tr class="plan-set">`+setRow) || !strings.Contains(dp, "fast</a>: pending") ||
		!strings.Contains(dp, `<tr class="plan-add">`+addRow) {
		t.Fatalf("device page's plan:\n%s", dp)
	}
	if _, dp := u.do("GET", "/ui/devices/"+url.PathEscape(o1), nil, nil); !strings.Contains(dp, `id="plan-none"`) {
		t.Fatalf("the other box's plan:\n%s", dp)
	}

	// A campaign on a selection: an operator is refused (campaigns are
	// the admin's); the admin's makes the group and the campaign.
	if code, _ := nbiCall(t, "PUT", a.nbi+"/files/fw.bin", "firmware", bearer(a.tok)); code != 201 {
		t.Fatal("storing a file")
	}
	form := url.Values{"device": {v1, v2}, "action": {"campaign"}, "cname": {"fwsel"}, "cversion": {"2.0"}, "cfile": {"fw.bin"},
		"cfirst": {"100%"}, "cwithin": {"6h"}, "query": {"productClass=VBox"}}
	form.Set("csrf", token)
	resp, _ = u.do("POST", "/ui/devices/bulk", form, nil)
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "refused") {
		t.Fatalf("operator's campaign: %d %s", resp.StatusCode, loc)
	}
	_, kp := k.do("GET", "/ui/devices", nil, nil)
	form.Set("csrf", csrfRE.FindStringSubmatch(kp)[1])
	resp, _ = k.do("POST", "/ui/devices/bulk", form, nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/campaigns/fwsel?") {
		t.Fatalf("admin's campaign on the selection: %d %s", resp.StatusCode, loc)
	}
	_, cp := k.do("GET", loc, nil, nil)
	if !strings.Contains(cp, "started on 2 devices (group fwsel-selection)") || !strings.Contains(cp, "Group <strong>fwsel-selection</strong>") ||
		!strings.Contains(cp, v1+"</a></td>") || !strings.Contains(cp, v2+"</a></td>") || strings.Contains(cp, o1) {
		t.Fatalf("campaign page:\n%s", cp)
	}
	var g acsref.GroupView
	if code := a.do("GET", "/groups/fwsel-selection", nil, &g); code != 200 || g.Dynamic || g.Members != 2 {
		t.Fatalf("the selection's group: %d %+v", code, g)
	}
	var c acsref.CampaignView
	if code := a.do("GET", "/campaigns/fwsel", nil, &c); code != 200 || c.Spec.Firmware.Version != "2.0" || len(c.State.Targets) != 2 {
		t.Fatalf("the campaign at the NBI: %d %+v", code, c)
	}
}
