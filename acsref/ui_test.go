package acsref_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// uiClient is a browser-like HTTP client of the web UI: a cookie jar,
// no redirects followed (the tests look at them).
type uiClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newUIClient(t *testing.T, a *testACS) *uiClient {
	jar, _ := cookiejar.New(nil)
	return &uiClient{t: t, base: a.nbi, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (u *uiClient) do(method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (u *uiClient) login(name, pw string) *http.Response {
	u.t.Helper()
	resp, _ := u.do("POST", "/ui/login", url.Values{"name": {name}, "password": {pw}, "next": {"/ui/devices"}}, nil)
	return resp
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (u *uiClient) csrf() string {
	u.t.Helper()
	_, page := u.do("GET", "/ui/devices", nil, nil)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatalf("no CSRF token in the devices page:\n%s", page)
	}
	return m[1]
}

// TestUILoginCSRFAndLimits: the UI's session cookie is HttpOnly and
// SameSite=Strict, every page has the strict CSP; a change without the
// session's CSRF token, with a wrong one or from another origin is
// refused (403) and changes nothing; with it, the change goes through the
// route table (audited with via "ui"); failed logins are limited per user
// name (429 even with the right password); the admin API key opens an
// admin session.
func TestUILoginCSRFAndLimits(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	agentSession(t, a, "UIBox", "U1", nil)
	dev := acsref.DeviceID("00D09E", "UIBox", "U1")
	a.mkUser(t, "eve", store.RoleOperator, "")

	u := newUIClient(t, a)
	if resp, _ := u.do("GET", "/ui/devices", nil, nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Fatalf("devices page without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := u.do("GET", "/ui/login", nil, nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "//cdn") {
		t.Fatalf("the login page names another host:\n%s", page)
	}
	if resp := u.login("eve", "wrong-password"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp = u.login("eve", "pw-eve-long")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/devices" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/ui/"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("session cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Fatalf("session cookie %q is Secure on plain HTTP (the browser would drop it)", sc)
	}
	// Behind a TLS-terminating proxy the cookie is Secure.
	resp, _ = newUIClient(t, a).do("POST", "/ui/login", url.Values{"name": {"eve"}, "password": {"pw-eve-long"}}, map[string]string{"X-Forwarded-Proto": "https"})
	if sc := resp.Header.Get("Set-Cookie"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(sc, "; Secure") {
		t.Fatalf("session cookie behind a TLS proxy: %d %q", resp.StatusCode, sc)
	}
	// The parameter-value filter (GenieACS query), and a bad one.
	_, page = u.do("GET", "/ui/devices?query="+url.QueryEscape(`{"Device.DeviceInfo.SerialNumber":"U1"}`), nil, nil)
	_, none := u.do("GET", "/ui/devices?query="+url.QueryEscape(`{"Device.DeviceInfo.SerialNumber":"U2"}`), nil, nil)
	resp, badQ := u.do("GET", "/ui/devices?query="+url.QueryEscape(`{"$where":"1"}`), nil, nil)
	if !strings.Contains(page, `<span id="total">1</span>`) || !strings.Contains(none, `<span id="total">0</span>`) ||
		resp.StatusCode != http.StatusBadRequest || !strings.Contains(badQ, "filter: ") {
		t.Fatalf("parameter-value filter: %v %v %d %v %s", strings.Contains(page, `<span id="total">1</span>`), strings.Contains(none, `<span id="total">0</span>`), resp.StatusCode, strings.Contains(badQ, "filter: "), badQ)
	}
	// A group (a saved filter) selects its members.
	grp := "kind: Group\nname: uiboxes\nmodel: Device:2\nmatch: device.productClass == 'UIBox'\n"
	if code, body := nbiCall(t, "POST", a.nbi+"/policies", grp, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/yaml"}); code != 200 {
		t.Fatalf("group: %d %s", code, body)
	}
	agentSession(t, a, "OtherBox", "U2", nil)
	_, all := u.do("GET", "/ui/devices", nil, nil)
	_, members := u.do("GET", "/ui/devices?group=uiboxes", nil, nil)
	if !strings.Contains(all, `<span id="total">2</span>`) || !strings.Contains(members, `<span id="total">1</span>`) || !strings.Contains(members, "U1") ||
		!strings.Contains(members, `<option selected>uiboxes</option>`) {
		t.Fatalf("group filter: all %v, members %v", strings.Contains(all, `<span id="total">2</span>`), strings.Contains(members, `<span id="total">1</span>`))
	}
	if _, ov := u.do("GET", "/ui/", nil, nil); !strings.Contains(ov, `<span id="device-count">2</span>`) || !strings.Contains(ov, `<span id="last-minute">2</span>`) ||
		!strings.Contains(ov, "UIBox") {
		t.Fatalf("overview:\n%s", ov)
	}
	token := u.csrf()
	tag := func(csrf string, hdr map[string]string) int {
		form := url.Values{"device": {dev}, "action": {"tag"}, "tag": {"blue"}}
		if csrf != "" {
			form.Set("csrf", csrf)
		}
		resp, _ := u.do("POST", "/ui/devices/bulk", form, hdr)
		return resp.StatusCode
	}
	tagged := func() bool {
		d, err := a.st.Device(t.Context(), dev)
		return err == nil && strings.Contains(strings.Join(d.Tags, ","), "blue")
	}
	for name, c := range map[string]struct {
		csrf string
		hdr  map[string]string
	}{
		"no token": {"", nil}, "a wrong token": {strings.Repeat("0", len(token)), nil},
		"another origin": {token, map[string]string{"Origin": "http://evil.example"}},
	} {
		if code := tag(c.csrf, c.hdr); code != http.StatusForbidden || tagged() {
			t.Fatalf("bulk tag with %s: %d (tagged: %v), want 403", name, code, tagged())
		}
	}
	if code := tag(token, nil); code != http.StatusSeeOther || !tagged() {
		t.Fatalf("bulk tag with the token: %d, tagged %v", code, tagged())
	}
	if es := a.audit(t, "actor=eve&action=tagDevice"); len(es) != 1 || es[0].Via != "ui" || es[0].Target != dev || es[0].Status != 204 {
		t.Fatalf("audit of the UI's tag: %+v", es)
	}
	// The device page's actions: probe, connection request, refresh a
	// subtree, reboot, download a file; each but the connection request a
	// task of the device.
	if code, _ := nbiCall(t, "PUT", a.nbi+"/files/fw.bin", "firmware", bearer(a.tok)); code != 201 {
		t.Fatal("storing a file")
	}
	devPage := "/ui/devices/" + url.PathEscape(dev)
	for _, c := range []struct{ action, file, want string }{
		{"probe", "", "conformance probe"}, {"summon", "", "connection request: "}, {"refresh", "Device.DeviceInfo.", "(getParameterValues Device.DeviceInfo.)"},
		{"reboot", "", "(reboot"}, {"download", "fw.bin", "(download fw.bin)"},
	} {
		resp, _ := u.do("POST", devPage+"/"+c.action, url.Values{"csrf": {token}, "file": {c.file}, "path": {c.file}, "fileType": {"1 Firmware Upgrade Image"}}, nil)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.Contains(loc.Query().Get("msg"), c.want) {
			t.Fatalf("device action %s: %d %s", c.action, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if ts, _ := a.st.Tasks(t.Context(), store.TaskFilter{DeviceID: dev}); len(ts) < 4 {
		t.Fatalf("tasks after reboot, download and probe: %d", len(ts))
	}
	if _, page := u.do("GET", devPage, nil, nil); !strings.Contains(page, `&#34;reboot&#34;`) || !strings.Contains(page, "fw.bin") {
		t.Fatalf("device page after the actions:\n%s", page)
	} else if !strings.Contains(page, `id="probe-checks"`) || !strings.Contains(page, "pending.</p>") {
		t.Fatalf("device page shows no probe checks:\n%s", page)
	}

	// Demoted by an admin, eve's open session loses the right at once;
	// deleted, she is logged out.
	if code, body := nbiCall(t, "PUT", a.nbi+"/users/eve", `{"role":"read-only"}`, bearer(a.tok)); code != 200 {
		t.Fatalf("demoting eve: %d %s", code, body)
	}
	if resp, _ := u.do("POST", "/ui/devices/bulk", url.Values{"csrf": {token}, "device": {dev}, "action": {"untag"}, "tag": {"blue"}}, nil); resp.StatusCode != http.StatusSeeOther ||
		!strings.Contains(resp.Header.Get("Location"), "read-only") || !tagged() {
		t.Fatalf("demoted eve's untag: %d %s (tagged %v)", resp.StatusCode, resp.Header.Get("Location"), tagged())
	}
	if code, _ := nbiCall(t, "DELETE", a.nbi+"/users/eve", "", bearer(a.tok)); code != 204 {
		t.Fatal("deleting eve")
	}
	if resp, _ := u.do("GET", "/ui/devices", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deleted eve's session: %d, want a redirect to the login", resp.StatusCode)
	}
	a.mkUser(t, "eve", store.RoleOperator, "")

	// A read-only user's change is refused by the route table, and said
	// so in the page.
	a.mkUser(t, "ro", store.RoleReadOnly, "")
	r := newUIClient(t, a)
	r.login("ro", "pw-ro-long")
	resp, _ = r.do("POST", "/ui/devices/bulk", url.Values{"csrf": {r.csrf()}, "device": {dev}, "action": {"untag"}, "tag": {"blue"}}, nil)
	_, page = r.do("GET", resp.Header.Get("Location"), nil, nil)
	if !tagged() || !strings.Contains(page, "refused") || !strings.Contains(page, "needs the operator role") {
		t.Fatalf("read-only untag: tagged %v, page:\n%s", tagged(), page)
	}

	// Login limits: after 5 failures for a name, even the right password
	// is refused for a while.
	l := newUIClient(t, a)
	for range 5 {
		l.login("eve", "guess")
	}
	if resp := l.login("eve", "pw-eve-long"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("login after 5 failures: %d", resp.StatusCode)
	}
	// The admin API key opens an admin session (the first user is made
	// so).
	k := newUIClient(t, a)
	resp, _ = k.do("POST", "/ui/login", url.Values{"key": {a.tok}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the admin key: %d", resp.StatusCode)
	}
	if _, page := k.do("GET", "/ui/users", nil, nil); !strings.Contains(page, "eve") || !strings.Contains(page, "New user") {
		t.Fatalf("users page of the admin:\n%s", page)
	}
	// The admin changes ro's role and password from the page.
	kc := csrfRE.FindStringSubmatch(func() string { _, p := k.do("GET", "/ui/users", nil, nil); return p }())[1]
	if resp, _ := k.do("POST", "/ui/users/role", url.Values{"csrf": {kc}, "name": {"ro"}, "role": {"operator"}, "scope": {""}, "password": {"a-new-password"}}, nil); !strings.Contains(resp.Header.Get("Location"), "changed") {
		t.Fatalf("changing ro: %s", resp.Header.Get("Location"))
	}
	if u, _ := a.st.User(t.Context(), "ro"); u == nil || u.Role != store.RoleOperator {
		t.Fatalf("ro after the change: %+v", u)
	}
	if resp := newUIClient(t, a).login("ro", "a-new-password"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ro's new password: %d", resp.StatusCode)
	}
	if _, page := k.do("GET", "/ui/audit?actor=eve", nil, nil); !strings.Contains(page, "tagDevice") {
		t.Fatalf("audit page:\n%s", page)
	}
	// The policies page: a refused document's errors at their lines,
	// the source kept; an accepted one listed.
	kt := csrfRE.FindStringSubmatch(func() string { _, p := k.do("GET", "/ui/policies", nil, nil); return p }())[1]
	bad := "name: p1\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 0\n"
	resp, page = k.do("POST", "/ui/policies", url.Values{"csrf": {kt}, "source": {bad}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "line 4: p1: Device.ManagementServer.PeriodicInformInterval") ||
		!strings.Contains(page, "PeriodicInformInterval: 0\n</textarea>") {
		t.Fatalf("refused policy: %d\n%s", resp.StatusCode, page)
	}
	good := strings.Replace(bad, ": 0", ": 300", 1)
	if resp, _ = k.do("POST", "/ui/policies", url.Values{"csrf": {kt}, "source": {good}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("applying a policy: %d", resp.StatusCode)
	}
	if _, page = k.do("GET", "/ui/policies", nil, nil); !strings.Contains(page, `class="policy-link">p1</a></td>`) {
		t.Fatalf("policies page:\n%s", page)
	}
	if es := a.audit(t, "action=applyPolicies&via=ui"); len(es) != 2 || es[0].Status != 200 || es[1].Status != 400 {
		t.Fatalf("audit of the UI's policies: %+v", es)
	}
	// A campaign started and paused from the page.
	resp, _ = k.do("POST", "/ui/campaigns/start", url.Values{"csrf": {kt}, "name": {"fw9"}, "group": {"uiboxes"}, "version": {"9.0"},
		"file": {"fw.bin"}, "first": {"50%"}, "within": {"6h"}}, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "started") {
		t.Fatalf("starting a campaign: %d %s", resp.StatusCode, loc)
	}
	if resp, _ = k.do("POST", "/ui/campaigns/pause", url.Values{"csrf": {kt}, "name": {"fw9"}}, nil); !strings.Contains(resp.Header.Get("Location"), "pause") {
		t.Fatalf("pausing: %s", resp.Header.Get("Location"))
	}
	if _, page = k.do("GET", "/ui/policies", nil, nil); !strings.Contains(page, ">fw9</a></td><td>uiboxes</td><td>paused") {
		t.Fatalf("campaign on the policies page:\n%s", page)
	}
	// The failed logins of eve: the wrong password at the start and 4
	// guesses; the 5th guess was already refused (429), not tried.
	if es := a.audit(t, "action=login&result=failed&actor=eve"); len(es) != 5 || es[0].Status != http.StatusUnauthorized || es[0].Via != "ui" {
		t.Fatalf("failed logins in the audit log: %d %+v", len(es), es)
	}
	if es := a.audit(t, "action=login"); len(es) < 3 {
		t.Fatalf("logins in the audit log: %+v", es)
	}
}
