package acsref_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/getkin/kin-openapi/openapi3"
)

// bearer is the Authorization header of key.
func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// mkUser creates a user through the NBI (admin) and returns an API key of
// it.
func (a *testACS) mkUser(t *testing.T, name, role, scope string) string {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"role":%q,"scope":%q,"password":"pw-%s-long"}`, name, role, scope, name)
	if code, out := nbiCall(t, "POST", a.nbi+"/users", body, bearer(a.tok)); code != http.StatusCreated {
		t.Fatalf("creating user %s: %d %s", name, code, out)
	}
	code, out := nbiCall(t, "POST", a.nbi+"/users/"+name+"/keys", `{"name":"test"}`, bearer(a.tok))
	var k acsref.NewAPIKey
	if code != http.StatusCreated || json.Unmarshal([]byte(out), &k) != nil || !strings.HasPrefix(k.Key, "dmfu_") {
		t.Fatalf("key of %s: %d %s", name, code, out)
	}
	return k.Key
}

// agentSession runs one session of a tr181 agent with the product class
// and serial number.
func agentSession(t *testing.T, a *testACS, pc, sn string, mod func(*cpe.Config)) *cpe.Agent {
	t.Helper()
	cfg := cpe.Config{Schema: tr181.Schema, Store: cpe.NewMemStore(tr181.Schema), ACSURL: a.srv.CWMPURL(),
		Manufacturer: "dmforge", OUI: "00D09E", ProductClass: pc, SerialNumber: sn}
	if mod != nil {
		mod(&cfg)
	}
	ag, err := cpe.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := ag.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	return ag
}

// Routes whose need differs from the default a reviewer expects: the
// non-GET routes an operator may call (acting on devices, tasks, files),
// and the GETs only an admin may call (users, audit). Every other GET
// needs read-only, every other change admin.
var (
	operatorChanges = []string{"deleteDevice", "postTask", "postProbe", "putDiscovery", "deleteDiscovery", "tagDevice", "untagDevice",
		"cancelTask", "putFile", "deleteFile", "summonDevice",
		// Conformance runs and diagnostics act on one device, like tasks.
		"postConformanceRun", "cancelConformanceRun", "postDiagnostic"}
	adminReads = []string{"listUsers", "getUser", "listAudit", "exportAudit"}
	// The key routes need only read-only: a user manages its own keys
	// (checked in the handler, TestAPIKeyLifecycle).
	selfRoutes = []string{"createAPIKey", "revokeAPIKey"}
)

// wantRole is the least role the test expects for a route.
func wantRole(rs acsref.RouteSpec) string {
	switch {
	case slices.Contains(adminReads, rs.OperationID):
		return store.RoleAdmin
	case slices.Contains(selfRoutes, rs.OperationID) || rs.Method == "GET":
		return store.RoleReadOnly
	case slices.Contains(operatorChanges, rs.OperationID):
		return store.RoleOperator
	}
	return store.RoleAdmin
}

var roleOrder = map[string]int{store.RoleReadOnly: 1, store.RoleOperator: 2, store.RoleAdmin: 3}

// TestNBIRoleOverRouteTable calls every route of the table as a read-only
// user, an operator and an admin user: 403 exactly when the role is below
// the one the route needs (and the 403 is the documented APIError); then
// the admin key and the NBI token are admin. A refusal is in the audit
// log.
func TestNBIRoleOverRouteTable(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	doc := loadOpenAPI(t, a)
	keys := map[string]string{}
	for _, role := range []string{store.RoleReadOnly, store.RoleOperator, store.RoleAdmin} {
		keys[role] = a.mkUser(t, strings.ReplaceAll(role, "-", "")+"1", role, "")
	}
	errSchema := doc.Components.Schemas["APIError"].Value
	n := 0
	for _, rs := range acsref.NBIRouteSpecs() {
		if rs.Public {
			continue
		}
		need := wantRole(rs)
		if got := acsref.RouteRole(rs.OperationID); got != need {
			t.Errorf("%s %s (%s): the table says role %s, want %s", rs.Method, rs.Pattern, rs.OperationID, got, need)
		}
		path := rs.Pattern
		for _, p := range []string{"{id}", "{tid}", "{tag}", "{name...}", "{name}", "{user}", "{action}", "{kid}"} {
			path = strings.ReplaceAll(path, p, "zz-none")
		}
		for role, key := range keys {
			code, body := nbiCall(t, rs.Method, a.nbi+path, "", bearer(key))
			refused := code == http.StatusForbidden
			want := roleOrder[role] < roleOrder[need]
			// The key routes refuse another user's keys themselves (403
			// with rule forbidden too): zz-none is another user.
			if slices.Contains([]string{"listAPIKeys", "createAPIKey", "revokeAPIKey"}, rs.OperationID) && role != store.RoleAdmin {
				want = true
			}
			if refused != want || code == http.StatusUnauthorized {
				t.Errorf("%s %s as %s: HTTP %d %s (want refused: %v)", rs.Method, path, role, code, body, want)
			}
			if refused {
				var v any
				_ = json.Unmarshal([]byte(body), &v)
				if err := errSchema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil || !strings.Contains(body, `"forbidden"`) {
					t.Errorf("%s %s as %s: 403 %s is no APIError with rule forbidden: %v", rs.Method, path, role, body, err)
				}
				if op := doc.Paths.Find(strings.ReplaceAll(rs.Pattern, "...}", "}")).GetOperation(rs.Method); op.Responses.Status(403) == nil {
					t.Errorf("%s %s: 403 is not documented", rs.Method, rs.Pattern)
				}
			}
			n++
		}
	}
	if n < 3*45 {
		t.Fatalf("%d calls: the route table is smaller than expected", n)
	}
	// A read-only user's refused change is in the audit log.
	es := a.audit(t, "actor=readonly1&action=postTask")
	if len(es) != 1 || es[0].Status != http.StatusForbidden || !strings.Contains(es[0].Result, "forbidden") || es[0].Remote != "127.0.0.1" {
		t.Fatalf("audit of the refused postTask: %+v", es)
	}
}

func (a *testACS) audit(t *testing.T, query string) []store.AuditEntry {
	t.Helper()
	code, body := nbiCall(t, "GET", a.nbi+"/audit?"+query, "", bearer(a.tok))
	var es []store.AuditEntry
	if code != http.StatusOK || json.Unmarshal([]byte(body), &es) != nil {
		t.Fatalf("GET /audit?%s: %d %s", query, code, body)
	}
	return es
}

// TestNBIScope: an operator scoped to a group sees and acts on its
// members only: the device list is filtered, another device's routes
// answer 404 as an unknown device's do (TestScopedUnknownAndOutside), lists
// across devices need ?device=, and routes about the whole ACS are
// refused.
func TestNBIScope(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	policies := "kind: Group\nname: boxes\nmodel: Device:2\nmatch: device.productClass == 'ScopeBox'\n"
	if code, body := nbiCall(t, "POST", a.nbi+"/policies", policies, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/yaml"}); code != 200 {
		t.Fatalf("group: %d %s", code, body)
	}
	agentSession(t, a, "ScopeBox", "IN1", nil)
	agentSession(t, a, "OtherBox", "OUT1", nil)
	in, out := acsref.DeviceID("00D09E", "ScopeBox", "IN1"), acsref.DeviceID("00D09E", "OtherBox", "OUT1")
	key := a.mkUser(t, "scoped", store.RoleOperator, "boxes")
	h := bearer(key)

	code, body := nbiCall(t, "GET", a.nbi+"/devices", "", h)
	var ds []store.Device
	if code != 200 || json.Unmarshal([]byte(body), &ds) != nil || len(ds) != 1 || ds[0].ID != in {
		t.Fatalf("scoped device list: %d %s", code, body)
	}
	if code, body = nbiCall(t, "GET", a.nbi+"/devices?query="+url.QueryEscape(`{"_id":{"$exists":true}}`)+"&projection=_id", "", h); code != 200 || strings.Contains(body, "OUT1") || !strings.Contains(body, "IN1") {
		t.Fatalf("scoped GenieACS query: %d %s", code, body)
	}
	gpv := `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/devices/" + url.PathEscape(in), "", 200},
		{"GET", "/devices/" + url.PathEscape(out), "", 404},
		{"GET", "/devices/" + url.PathEscape(out) + "/parameters", "", 404},
		{"POST", "/devices/" + url.PathEscape(in) + "/tasks", gpv, 202},
		{"POST", "/devices/" + url.PathEscape(out) + "/tasks", gpv, 404},
		{"POST", "/devices/" + url.PathEscape(out) + "/tags/x", "", 404},
		{"GET", "/tasks", "", 403},
		{"GET", "/tasks?device=" + url.QueryEscape(in), "", 200},
		{"GET", "/tasks?device=" + url.QueryEscape(out), "", 404},
		{"GET", "/faults?device=" + url.QueryEscape(out), "", 404},
		{"GET", "/policies", "", 403},
		{"GET", "/groups/boxes", "", 403},
		{"GET", "/files", "", 200},
	} {
		if code, body := nbiCall(t, c.method, a.nbi+c.path, c.body, h); code != c.want || (code == 403 && !strings.Contains(body, `"scope"`)) {
			t.Errorf("scoped %s %s: %d %s, want %d", c.method, c.path, code, body, c.want)
		}
	}
	// A task of the other device, by id.
	tk := a.task(out, gpv)
	if code, body := nbiCall(t, "GET", a.nbi+fmt.Sprintf("/tasks/%d", tk.ID), "", h); code != 404 {
		t.Errorf("scoped GET of another device's task: %d %s", code, body)
	}
	if code, _ := nbiCall(t, "DELETE", a.nbi+fmt.Sprintf("/tasks/%d", tk.ID), "", h); code != 404 {
		t.Errorf("scoped cancel of another device's task: %d", code)
	}
}

// TestAPIKeyLifecycle: a key is shown once, stored hashed, works until
// revoked; a user manages its own keys, not another's; deleting a user
// ends its keys; a password is stored as an argon2id hash.
func TestAPIKeyLifecycle(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	key := a.mkUser(t, "alice", store.RoleReadOnly, "")
	bobKey := a.mkUser(t, "bob", store.RoleOperator, "")
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", bearer(key)); code != 200 {
		t.Fatalf("alice's key: %d", code)
	}
	u, err := a.st.User(context.Background(), "alice")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(u.PasswordHash, "pw-alice") {
		t.Fatalf("alice's stored password: %+v %v", u, err)
	}
	// Listed without the key or its hash; the store has the hash only.
	code, body := nbiCall(t, "GET", a.nbi+"/users/alice/keys", "", bearer(key))
	var ks []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &ks) != nil || len(ks) != 1 || strings.Contains(body, key[10:]) || ks[0]["hash"] != nil {
		t.Fatalf("alice's keys: %d %s", code, body)
	}
	kid := ks[0]["id"].(string)
	sk, _ := a.st.APIKey(context.Background(), kid)
	if sk == nil || sk.Hash == "" || strings.Contains(sk.Hash, key) || !strings.Contains(key, kid) {
		t.Fatalf("stored key %+v", sk)
	}
	// A wrong secret with the right id is refused.
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", bearer(key[:len(key)-4]+"0000")); code != 401 {
		t.Fatalf("a key with a wrong secret: %d", code)
	}
	// Bob may not touch alice's keys; alice makes and revokes her own.
	for _, m := range []string{"GET", "POST"} {
		if code, _ := nbiCall(t, m, a.nbi+"/users/alice/keys", "", bearer(bobKey)); code != 403 {
			t.Fatalf("bob %s alice's keys: %d", m, code)
		}
	}
	if code, _ := nbiCall(t, "DELETE", a.nbi+"/users/alice/keys/"+kid, "", bearer(bobKey)); code != 403 {
		t.Fatalf("bob revoking alice's key: %d", code)
	}
	code, body = nbiCall(t, "POST", a.nbi+"/users/alice/keys", `{"name":"second"}`, bearer(key))
	var k2 acsref.NewAPIKey
	if code != 201 || json.Unmarshal([]byte(body), &k2) != nil || k2.User != "alice" || k2.Name != "second" {
		t.Fatalf("alice's second key: %d %s", code, body)
	}
	if code, _ := nbiCall(t, "DELETE", a.nbi+"/users/alice/keys/"+kid, "", bearer(key)); code != 204 {
		t.Fatalf("alice revoking her key: %d", code)
	}
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", bearer(key)); code != 401 {
		t.Fatalf("a revoked key: %d, want 401", code)
	}
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", bearer(k2.Key)); code != 200 {
		t.Fatalf("alice's second key: %d", code)
	}
	// The admin key and a user of role admin are admins; deleting alice
	// ends her keys.
	if code, _ := nbiCall(t, "DELETE", a.nbi+"/users/alice", "", bearer(a.tok)); code != 204 {
		t.Fatal("deleting alice")
	}
	if code, _ := nbiCall(t, "GET", a.nbi+"/devices", "", bearer(k2.Key)); code != 401 {
		t.Fatalf("a deleted user's key: %d, want 401", code)
	}
	// Keys and users in the audit log, without the secrets.
	for _, act := range []string{"createUser", "createAPIKey", "revokeAPIKey", "deleteUser"} {
		es := a.audit(t, "action="+act)
		if len(es) == 0 {
			t.Fatalf("no audit entry for %s", act)
		}
		for _, e := range es {
			if strings.Contains(e.Detail, "pw-") || strings.Contains(e.Detail, "dmfu_") {
				t.Fatalf("audit entry %+v holds a secret", e)
			}
		}
	}
}

// TestNBITokenIsAdmin: with --nbi-token, the token is an admin key (users
// can be made with it) and user keys work alongside.
func TestNBITokenIsAdmin(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NBIToken = "tok-123" })
	k := a.mkUser(t, "op", store.RoleOperator, "")
	if code, _ := nbiCall(t, "GET", a.nbi+"/users", "", bearer(k)); code != 403 {
		t.Fatalf("operator listing users: %d", code)
	}
	if es := a.audit(t, "action=createUser"); len(es) != 1 || es[0].Actor != "admin" || es[0].Target != "op" || es[0].Status != 201 {
		t.Fatalf("audit of createUser with the token: %+v", es)
	}
}

// TestAuditEntries: each kind of change (tasks, parameters, tags, files,
// policies, campaigns, users, keys) writes one entry with who, from
// where, what and the result, refused ones included; /audit filters and
// /audit/export is CSV.
func TestAuditEntries(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	agentSession(t, a, "AuditBox", "A1", nil)
	dev := acsref.DeviceID("00D09E", "AuditBox", "A1")
	d := "/devices/" + url.PathEscape(dev)
	opKey := a.mkUser(t, "op", store.RoleOperator, "")
	h := bearer(opKey)
	adm := map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/yaml"}
	calls := []struct {
		hdr                  map[string]string
		method, path, body   string
		action, target, want string // want: a substring of the detail
		status               int
	}{
		{h, "POST", d + "/tasks", `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","600"]]}`, "postTask", dev, "PeriodicInformInterval", 202},
		{h, "POST", d + "/tasks", `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","-5"]]}`, "postTask", dev, "-5", 400},
		{h, "POST", d + "/tags/gold", "", "tagDevice", dev, "", 204},
		{h, "PUT", "/files/fw.bin", "firmware", "putFile", "fw.bin", "8 bytes", 201},
		{h, "POST", "/policies", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 120\n", "applyPolicies", "", "name: p", 403},
		{adm, "POST", "/policies", "kind: Group\nname: g\nmodel: Device:2\nmatch: device.productClass == 'AuditBox'\n", "applyPolicies", "", "kind: Group", 200},
		{adm, "POST", "/campaigns", `{"name":"c1","group":"g","firmware":{"version":"2","file":"fw.bin"},"first":"50%","within":"6h"}`, "postCampaign", "c1", `"group":"g"`, 201},
		{adm, "PUT", "/credentials/cpe9", `{"password":"s3cret-cpe"}`, "putCredential", "cpe9", "(secret)", 204},
	}
	for _, c := range calls {
		if code, body := nbiCall(t, c.method, a.nbi+c.path, c.body, c.hdr); code != c.status {
			t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, code, body, c.status)
		}
	}
	all := a.audit(t, "")
	for i, c := range calls {
		// Newest first; the users and keys made by mkUser come before.
		e := all[len(calls)-1-i]
		if e.Action != c.action || e.Target != c.target || e.Status != c.status || e.Remote != "127.0.0.1" || e.Via != "nbi" ||
			!strings.Contains(e.Detail, c.want) || time.Since(e.Time) > time.Minute || e.Method != c.method {
			t.Errorf("audit entry of %s %s: %+v", c.method, c.path, e)
		}
		wantActor := "op"
		if c.hdr["Content-Type"] != "" {
			wantActor = "admin"
		}
		if e.Actor != wantActor || (c.status >= 400) != (e.Result != "ok") {
			t.Errorf("audit entry of %s %s: actor %s result %q", c.method, c.path, e.Actor, e.Result)
		}
	}
	if strings.Contains(all[0].Detail, "s3cret") {
		t.Fatalf("the credential's password is in the audit log: %+v", all[0])
	}
	if es := a.audit(t, "result=failed"); len(es) != 2 || es[0].Action != "applyPolicies" || !strings.Contains(es[1].Result, "not a valid unsignedInt") {
		t.Fatalf("failed changes: %+v", es)
	}
	if es := a.audit(t, "actor=op&action=postTask&limit=1"); len(es) != 1 || es[0].Status != 400 {
		t.Fatalf("filtered: %+v", es)
	}
	// No entry for reads.
	if es := a.audit(t, "action=listDevices"); len(es) != 0 {
		t.Fatalf("reads are audited: %+v", es)
	}
	req, _ := http.NewRequest("GET", a.nbi+"/audit/export?actor=op", nil)
	req.Header.Set("Authorization", "Bearer "+a.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "text/csv" || len(rows) != 1+5 || rows[0][2] != "actor" || rows[1][2] != "op" {
		t.Fatalf("CSV export: %v %v %q", err, resp.Header, rows)
	}
}

// userContractCalls checks the users, keys, audit and summon routes
// against the document (called by TestNBIRoutesAgainstContract).
func (a *testACS) userContractCalls(t *testing.T, doc *openapi3.T, routes map[string]acsref.RouteSpec, covered map[string]bool, dev, nodev string) {
	call := func(c contractCall) []byte {
		t.Helper()
		_, body := a.contractCall(t, doc, routes[c.op], c)
		covered[fmt.Sprintf("%s %d", c.op, c.want)] = true
		return body
	}
	call(contractCall{op: "createUser", path: "/users", body: `{"name":"ops1","role":"operator","password":"correct horse"}`, want: 201})
	call(contractCall{op: "createUser", path: "/users", body: `{"name":"a b","role":"operator"}`, want: 400})
	call(contractCall{op: "createUser", path: "/users", body: `{"name":"ops1","role":"operator"}`, want: 409})
	call(contractCall{op: "listUsers", path: "/users", want: 200})
	call(contractCall{op: "getUser", path: "/users/ops1", want: 200})
	call(contractCall{op: "getUser", path: "/users/nope", want: 404})
	call(contractCall{op: "updateUser", path: "/users/ops1", body: `{"role":"read-only"}`, want: 200})
	call(contractCall{op: "updateUser", path: "/users/ops1", body: `{"role":"boss"}`, want: 400})
	call(contractCall{op: "updateUser", path: "/users/nope", body: `{}`, want: 404})
	var k acsref.NewAPIKey
	_ = json.Unmarshal(call(contractCall{op: "createAPIKey", path: "/users/ops1/keys", body: `{"name":"ci"}`, want: 201}), &k)
	call(contractCall{op: "createAPIKey", path: "/users/nope/keys", body: `{}`, want: 404})
	call(contractCall{op: "listAPIKeys", path: "/users/ops1/keys", want: 200})
	call(contractCall{op: "listAPIKeys", path: "/users/nope/keys", want: 404})
	other := a.mkUser(t, "ops2", store.RoleOperator, "")
	call(contractCall{op: "listAPIKeys", path: "/users/ops1/keys", noAuth: true, header: bearer(other), want: 403})
	call(contractCall{op: "createAPIKey", path: "/users/ops1/keys", body: `{}`, noAuth: true, header: bearer(other), want: 403})
	call(contractCall{op: "revokeAPIKey", path: "/users/ops1/keys/" + k.ID, noAuth: true, header: bearer(other), want: 403})
	call(contractCall{op: "revokeAPIKey", path: "/users/ops1/keys/" + k.ID, want: 204})
	call(contractCall{op: "revokeAPIKey", path: "/users/ops1/keys/nope", want: 404})
	call(contractCall{op: "listAudit", path: "/audit?actor=admin&limit=5", want: 200})
	call(contractCall{op: "listAudit", path: "/audit?since=yesterday", want: 400})
	call(contractCall{op: "exportAudit", path: "/audit/export?result=failed", want: 200})
	call(contractCall{op: "exportAudit", path: "/audit/export?result=maybe", want: 400})
	call(contractCall{op: "summonDevice", path: dev + "/connection-request", want: 200})
	call(contractCall{op: "summonDevice", path: nodev + "/connection-request", want: 404})
	call(contractCall{op: "deleteUser", path: "/users/ops1", want: 204})
	call(contractCall{op: "deleteUser", path: "/users/ops1", want: 404})
}
