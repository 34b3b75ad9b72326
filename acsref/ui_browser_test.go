package acsref_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// chromium is the browser of the UI tests: Debian's chromium (.ci/run
// installs it). Without it the tests skip, except in CI where they fail.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium in CI: .ci/run installs it")
	}
	t.Skip("no chromium on this machine")
	return ""
}

// browser is a headless Chromium driven by chromedp, recording console
// errors and exceptions (CSP violations among them) and every request's
// host.
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string
	mu     sync.Mutex
	errors []string
	hosts  map[string]bool
	n      int
}

func newBrowser(t *testing.T, timeout time.Duration) *browser {
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	shots, err := os.MkdirTemp("", "dmforge-ui-shots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	b := &browser{t: t, ctx: ctx, shots: shots, hosts: map[string]bool{}}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s: %s (%s)", m.Type, m.Text, m.URL))
				b.mu.Unlock()
			}
		}
	}()
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			if u, err := url.Parse(e.Request.URL); err == nil && u.Host != "" {
				b.mu.Lock()
				b.hosts[u.Host] = true
				b.mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that answers a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitJS waits up to 30 s until expr is true in the current page. A
// page being replaced by a navigation has no context to evaluate in for
// a moment: those errors mean "not yet", others fail the test.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if err != nil && !strings.Contains(err.Error(), "context") {
			b.t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
			b.t.Fatalf("%s: not there after 30 s (last error %v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clickNav clicks sel (after the steps before) and waits for the page
// the click navigates to: the old page is marked first, and the wait
// ends when a document without the mark has loaded. Reading right after
// a click would otherwise read the old page while it is replaced (or
// lose the execution context under -race).
func clickNav[S chromedp.Selectable](b *browser, what string, sel S, before ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	get(b, what+": mark the page", chromedp.Evaluate[bool](`(window.__dmforgeOld = true)`))
	b.run(what, append(before, chromedp.Click(sel))...)
	b.waitJS(what+": the new page", `window.__dmforgeOld === undefined && document.readyState === 'complete'`)
}

// shot writes a full-page screenshot named after the step.
func (b *browser) shot(name string) {
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	_ = os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name)), img, 0o644)
}

// clean checks that no page had a console error and that nothing was
// loaded from a host but the ACS's.
func (b *browser) clean(acsHost string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		b.t.Errorf("console errors: %q", b.errors)
	}
	for h := range b.hosts {
		if h != acsHost {
			b.t.Errorf("a page loaded something from %s", h)
		}
	}
	if !b.hosts[acsHost] {
		b.t.Errorf("no request to the ACS %s recorded", acsHost)
	}
}

// TestUIBrowser drives the web UI in a headless Chromium against a
// simulated CPE (a cwmp/cpe agent on loopback that answers connection
// requests): log in as an operator, find the device in the filtered
// list, open its parameter tree, type an out-of-range value and see the
// model's rule in the page (the button disabled), type a valid one and
// see the task complete against the agent; a bad dateTime, a value
// breaking a pattern and a bad hexBinary each disable the button with the
// rule shown; save the filter and apply it with one click; tag the
// filtered selection in bulk; then as a read-only user find the change
// refused in the page; as the admin, see a policy's plan as a table and
// start a campaign on a filtered selection, answered by the campaign's
// page; every page is free of console errors and loads nothing from
// another host.
func TestUIBrowser(t *testing.T) {
	b := newBrowser(t, 150*time.Second)
	crs := cpe.NewConnReqServer("")
	crSrv := httptest.NewServer(crs)
	defer crSrv.Close()
	crs.BaseURL = crSrv.URL
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.ConnReqAllowedNets = acsref.LoopbackNets
		c.ConnReqUsername, c.ConnReqPassword = "BR1", "crpass"
	})
	mem := cpe.NewMemStore(tr181.Schema)
	ag := agentSession(t, a, "BrowserBox", "BR1", func(c *cpe.Config) {
		c.Store = mem
		c.ConnReqURL = crs.URL("BR1")
		c.ConnReqPassword = "crpass"
		c.ConnReqInterval = 50 * time.Millisecond
	})
	crs.Register(ag)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ag.Run(ctx, nil) }()
	defer func() { cancel(); <-done }()
	agentSession(t, a, "OtherBox", "BR2", nil)
	dev := acsref.DeviceID("00D09E", "BrowserBox", "BR1")
	a.mkUser(t, "op", store.RoleOperator, "")
	a.mkUser(t, "ro", store.RoleReadOnly, "")
	base := a.nbi
	acsHost := strings.TrimPrefix(base, "http://")

	login := func(name string) {
		b.run("login page for "+name, chromedp.Navigate(base+"/ui/login"), chromedp.WaitVisible(chromedp.ID("login")))
		clickNav(b, "login as "+name, chromedp.ID("login-button"),
			chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("password"), "pw-"+name+"-long"))
		b.run("after login as "+name, chromedp.WaitVisible(chromedp.ID("who")))
	}
	b.run("login page", chromedp.Navigate(base+"/ui/login"), chromedp.WaitVisible(chromedp.ID("login")))
	b.shot("login")
	login("op")
	b.shot("overview")

	// The devices page, filtered by product class: one device.
	b.run("devices", chromedp.Navigate(base+"/ui/devices"), chromedp.WaitVisible(chromedp.ID("f-class")))
	// The filter reloads the page: until the new one is there, the old
	// (unfiltered) table is still visible (clickNav waits for the new).
	clickNav(b, "filter", chromedp.ID("filter-button"), chromedp.SendKeys(chromedp.ID("f-class"), "BrowserBox"))
	list := get(b, "device list", chromedp.Text(chromedp.ID("devices")))
	if !strings.Contains(list, dev) || strings.Contains(list, "BR2") {
		t.Fatalf("filtered device list: %q", list)
	}
	b.shot("devices")
	// Saved filter: saved from the filtered page, then applied with one
	// click on the unfiltered one.
	clickNav(b, "save filter", chromedp.ID("save-filter"), chromedp.SendKeys(chromedp.ID("save-name"), "browser boxes"))
	b.run("unfiltered", chromedp.Navigate(base+"/ui/devices"), chromedp.WaitVisible(chromedp.CSS(`li[data-filter="browser boxes"] a`)))
	if all := get(b, "all devices", chromedp.Text(chromedp.ID("devices"))); !strings.Contains(all, "BR2") {
		t.Fatalf("unfiltered device list: %q", all)
	}
	clickNav(b, "apply saved filter", chromedp.CSS(`li[data-filter="browser boxes"] a`))
	if list := get(b, "saved filter's list", chromedp.Text(chromedp.ID("devices"))); !strings.Contains(list, dev) || strings.Contains(list, "BR2") {
		t.Fatalf("device list of the saved filter: %q", list)
	}
	b.shot("saved-filter")
	// Bulk: tag the filtered selection.
	clickNav(b, "bulk tag", chromedp.ID("bulk-button"), chromedp.Click(chromedp.ID("select-all")), chromedp.SetValue(chromedp.ID("bulk-action"), "tag"),
		chromedp.SendKeys(chromedp.ID("bulk-tag"), "lab"))
	b.run("bulk tag message", chromedp.WaitVisible(chromedp.ID("msg")))
	if d, _ := a.st.Device(context.Background(), dev); d == nil || strings.Join(d.Tags, ",") != "lab" {
		t.Fatalf("bulk tag: %+v", d)
	}
	if d, _ := a.st.Device(context.Background(), acsref.DeviceID("00D09E", "OtherBox", "BR2")); len(d.Tags) != 0 {
		t.Fatalf("bulk tag reached an unselected device: %v", d.Tags)
	}

	// The device's tree, ManagementServer subtree.
	param := "Device.ManagementServer.PeriodicInformInterval"
	row := `tr[data-path="` + param + `"]`
	input := chromedp.CSS(row + ` input[name=value]`)
	page := base + "/ui/devices/" + url.PathEscape(dev) + "?prefix=" + url.QueryEscape("Device.ManagementServer.")
	b.run("device page", chromedp.Navigate(page), chromedp.WaitVisible(input))
	ranges := get(b, "ranges", chromedp.AttributeValue(input, "data-ranges")).Value
	facetsText := get(b, "row", chromedp.Text(chromedp.CSS(row)))
	if !strings.Contains(facetsText, "unsignedInt") || !strings.Contains(facetsText, "readWrite") || ranges == "" {
		t.Fatalf("the row of %s shows no model type, access or range: %q (ranges %q)", param, facetsText, ranges)
	}
	if lo := strings.Split(strings.Split(ranges, ",")[0], ":")[0]; lo != "1" {
		t.Fatalf("%s: range %q, want min 1 (TR-181)", param, ranges)
	}
	b.run("out-of-range value", chromedp.Clear(input), chromedp.SendKeys(input, "0"))
	check := get(b, "check", chromedp.Text(chromedp.CSS(row+" .check")))
	disabled := get(b, "disabled", chromedp.Evaluate[bool](`document.querySelector('`+row+` button').disabled`))
	if !strings.Contains(check, "outside the range [1:") || !strings.Contains(check, "[range]") || !strings.Contains(check, "the model says unsignedInt") || !disabled {
		t.Fatalf("out-of-range value: message %q, button disabled %v", check, disabled)
	}
	b.shot("out-of-range")
	// A bad dateTime, and a value matching none of a list's patterns:
	// the button disabled, the rule shown as the server words it.
	badValue := func(path, value string, want ...string) {
		t.Helper()
		row := `tr[data-path="` + path + `"]`
		in := chromedp.CSS(row + ` input[name=value]`)
		// Emptied in the page: Clear does not empty what earlier keys
		// typed.
		b.run("value of "+path, chromedp.WaitVisible(in))
		get(b, "empty "+path, chromedp.Evaluate[bool](`(document.querySelector('`+row+` input[name=value]').value = '', true)`))
		b.run("bad value of "+path, chromedp.SendKeys(in, value))
		check := get(b, "check of "+path, chromedp.Text(chromedp.CSS(row+" .check")))
		disabled := get(b, "button of "+path, chromedp.Evaluate[bool](`document.querySelector('`+row+` button').disabled`))
		for _, w := range want {
			if !strings.Contains(check, w) {
				t.Errorf("%s = %q: the page says %q, want %q in it", path, value, check, w)
			}
		}
		if !disabled {
			t.Errorf("%s = %q: the button is enabled", path, value)
		}
		b.shot("bad-" + path[strings.LastIndexByte(path, '.')+1:])
	}
	badValue("Device.ManagementServer.PeriodicInformTime", "2024-13-01T00:00:00Z", "not a TR-106 dateTime: month out of range", "[type]")
	badValue("Device.ManagementServer.PeriodicInformTime", "2024-02-30T00:00:00Z", "day out of range", "[type]")
	badValue("Device.ManagementServer.AutonomousTransferCompletePolicy.FileTypeFilter", "1 Firmware Upgrade Image, 9 Bogus",
		"list item 2: matches none of the patterns (", "[pattern]")
	// A good one enables the button again.
	ptime := chromedp.CSS(`tr[data-path="Device.ManagementServer.PeriodicInformTime"] input[name=value]`)
	get(b, "empty PeriodicInformTime", chromedp.Evaluate[bool](`(document.querySelector('tr[data-path="Device.ManagementServer.PeriodicInformTime"] input[name=value]').value = '', true)`))
	b.run("good dateTime", chromedp.SendKeys(ptime, "2024-02-29T23:59:59.5+02:00"))
	if get(b, "good dateTime button", chromedp.Evaluate[bool](`document.querySelector('tr[data-path="Device.ManagementServer.PeriodicInformTime"] button').disabled`)) {
		t.Error("a valid dateTime leaves the button disabled")
	}
	// The server checks too: a value the page would refuse, posted
	// anyway (the script bypassed), comes back with the model's rule.
	get(b, "server check: mark the page", chromedp.Evaluate[bool](`(window.__dmforgeOld = true)`))
	b.run("server check", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){const f=document.querySelector('`+row+` form');
			f.querySelector('input[name=value]').value='-1'; HTMLFormElement.prototype.submit.call(f); return true})()`))
		return err
	}))
	b.waitJS("server check: the new page", `window.__dmforgeOld === undefined && document.readyState === 'complete'`)
	b.run("server check's error", chromedp.WaitVisible(chromedp.ID("err")))
	errText := get(b, "error", chromedp.Text(chromedp.ID("err")))
	if !strings.Contains(errText, "unsignedInt") || !strings.Contains(errText, param) {
		t.Fatalf("server's refusal: %q", errText)
	}
	b.shot("server-refusal")
	// A valid value: queued, sent with the connection request, done.
	b.run("valid value", chromedp.WaitVisible(input), chromedp.Clear(input), chromedp.SendKeys(input, "777"))
	clickNav(b, "set valid value", chromedp.CSS(row+" button"))
	b.run("valid value's message", chromedp.WaitVisible(chromedp.ID("msg")))
	if msg := get(b, "msg", chromedp.Text(chromedp.ID("msg"))); !strings.Contains(msg, "queued") {
		t.Fatalf("after setting: %q", msg)
	}
	var status string
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.run("task status", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("tasks")))
		status = get(b, "status", chromedp.Text(chromedp.CSS("#tasks tr:nth-child(2) td:nth-child(3)")))
		if status == "done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	value := get(b, "value", chromedp.Value(input))
	if status != "done" || value != "777" {
		t.Fatalf("the set task: status %q, value shown %q", status, value)
	}
	if v, _ := mem.Get(param); v != "777" {
		t.Fatalf("the agent's %s: %q", param, v)
	}
	b.shot("task-done")

	// Add an instance of a table, then delete it: each a task that
	// completes against the agent, the tree following.
	table := "Device.ManagementServer.InformParameter."
	waitTask := func(what string) {
		deadline := time.Now().Add(60 * time.Second)
		for {
			b.run(what, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("tasks")))
			status = get(b, "status", chromedp.Text(chromedp.CSS("#tasks tr:nth-child(2) td:nth-child(3)")))
			if status == "done" || time.Now().After(deadline) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		if status != "done" {
			t.Fatalf("%s: task %s", what, status)
		}
	}
	clickNav(b, "add instance", chromedp.CSS(`tr[data-path="`+table+`"] button.add`))
	b.run("add instance message", chromedp.WaitVisible(chromedp.ID("msg")))
	waitTask("add instance done")
	inst := get(b, "instances", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr[data-path^="`+table+`"]')).map(r => r.dataset.path).filter(p => /\.[0-9]+\.$/.test(p))`))
	if len(inst) != 1 {
		t.Fatalf("instances of %s after adding one: %q", table, inst)
	}
	if ins := mem.Instances(table); len(ins) != 1 {
		t.Fatalf("the agent's instances of %s: %v", table, ins)
	}
	b.shot("instance-added")
	clickNav(b, "delete instance", chromedp.CSS(`tr[data-path="`+inst[0]+`"] button.del`))
	b.run("delete instance message", chromedp.WaitVisible(chromedp.ID("msg")))
	waitTask("delete instance done")
	if n := get(b, "rows", chromedp.Evaluate[int](`document.querySelectorAll('tr[data-path="`+inst[0]+`"]').length`)); n != 0 {
		t.Fatalf("%s still in the tree after deleting it", inst[0])
	}
	if ins := mem.Instances(table); len(ins) != 0 {
		t.Fatalf("the agent's instances of %s after deleting: %v", table, ins)
	}

	// A bad hexBinary: an odd number of digits, then a non-hex digit.
	b.run("user interface page", chromedp.Navigate(base+"/ui/devices/"+url.PathEscape(dev)+"?prefix="+url.QueryEscape("Device.UserInterface.")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-path="Device.UserInterface.BackgroundColor"] input[name=value]`)))
	badValue("Device.UserInterface.BackgroundColor", "ABC", "not valid hexBinary (even number of hex digits)", "[type]")
	badValue("Device.UserInterface.BackgroundColor", "00GG00", "not valid hexBinary", "[type]")

	// Read-only: the change is refused, and the page says so.
	clickNav(b, "logout", chromedp.CSS("nav button"))
	b.run("login page after logout", chromedp.WaitVisible(chromedp.ID("login")))
	login("ro")
	b.run("read-only page", chromedp.Navigate(page), chromedp.WaitVisible(input), chromedp.Clear(input), chromedp.SendKeys(input, "900"))
	clickNav(b, "read-only set", chromedp.CSS(row+" button"))
	b.run("read-only refusal", chromedp.WaitVisible(chromedp.ID("err")))
	if errText = get(b, "error", chromedp.Text(chromedp.ID("err"))); !strings.Contains(errText, "refused") || !strings.Contains(errText, "read-only") {
		t.Fatalf("read-only set: %q", errText)
	}
	b.shot("read-only-refused")
	if es := a.audit(t, "actor=ro&action=postTask"); len(es) != 1 || es[0].Status != 403 || es[0].Via != "ui" || !strings.Contains(es[0].Detail, `"900"`) {
		t.Fatalf("audit of the read-only user's refused change: %+v", es)
	}
	if v, _ := mem.Get(param); v != "777" {
		t.Fatalf("the read-only user's change reached the agent: %q", v)
	}
	for _, p := range []string{"/ui/", "/ui/users", "/ui/devices", "/ui/files", "/ui/policies"} {
		b.run("page "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.ID("who")))
		b.shot("ro-" + strings.Trim(strings.ReplaceAll(p, "/", "-"), "-"))
	}
	// The admin (the admin API key's session): users and the audit log,
	// where the operator's and the read-only user's changes are.
	clickNav(b, "logout ro", chromedp.CSS("nav button"))
	b.run("login page after ro", chromedp.WaitVisible(chromedp.ID("login")))
	clickNav(b, "admin login", chromedp.ID("login-button"), chromedp.SendKeys(chromedp.ID("key"), a.tok))
	b.run("admin logged in", chromedp.WaitVisible(chromedp.ID("who")))
	b.run("users page", chromedp.Navigate(base+"/ui/users"), chromedp.WaitVisible(chromedp.ID("users")))
	if users := get(b, "users", chromedp.Text(chromedp.ID("users"))); !strings.Contains(users, "op") || !strings.Contains(users, "ro") {
		t.Fatalf("users page: %q", users)
	}
	b.shot("admin-users")
	b.run("audit page", chromedp.Navigate(base+"/ui/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	audit := get(b, "audit", chromedp.Text(chromedp.ID("audit")))
	// The task's name is in the detail: the action is the route's.
	for _, want := range []string{"postTask", "addObject", "deleteObject", "tagDevice", "forbidden", "ro", "ui"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit page lacks %q:\n%s", want, audit)
		}
	}
	b.shot("admin-audit")

	// A policy's page: its plan as a table (the agent has 777, the
	// policy wants 300).
	fast := "name: browser-fast\nmodel: Device:2\nmatch: device.productClass == 'BrowserBox'\nvalues:\n  " + param + ": 300\n"
	if code := a.do("POST", "/policies", fast, nil); code != 200 {
		t.Fatalf("applying a policy: %d", code)
	}
	b.run("policy page", chromedp.Navigate(base+"/ui/policies/browser-fast"), chromedp.WaitVisible(chromedp.ID("plan")))
	if plan := get(b, "plan", chromedp.Text(chromedp.ID("plan"))); !strings.Contains(plan, dev) || !strings.Contains(plan, param) ||
		!strings.Contains(plan, "300") || strings.Contains(plan, "BR2") {
		t.Fatalf("the policy's plan: %q", plan)
	}
	b.shot("policy-plan")

	// A campaign on the filtered selection: the form's campaign fields
	// appear for that action; the answer is the campaign's page.
	if code := a.do("PUT", "/files/fw.bin", "firmware", nil); code != 201 {
		t.Fatalf("storing a file: %d", code)
	}
	b.run("devices for a campaign", chromedp.Navigate(base+"/ui/devices?productClass=BrowserBox"), chromedp.WaitVisible(chromedp.ID("devices")))
	if !get(b, "campaign fields hidden", chromedp.Evaluate[bool](`document.getElementById('bulk-campaign').hidden`)) {
		t.Fatal("the campaign fields show for the tag action")
	}
	shown := get(b, "choose campaign", chromedp.Evaluate[bool](`(function(){const s=document.getElementById('bulk-action');
		s.value='campaign'; s.dispatchEvent(new Event('change')); return !document.getElementById('bulk-campaign').hidden})()`))
	if !shown {
		t.Fatal("the campaign fields stay hidden for the campaign action")
	}
	get(b, "first wave", chromedp.Evaluate[bool](`(document.getElementById('bulk-cfirst').value = '', true)`))
	clickNav(b, "start campaign", chromedp.ID("bulk-button"), chromedp.Click(chromedp.ID("select-all")),
		chromedp.SendKeys(chromedp.ID("bulk-cname"), "browser-fw"), chromedp.SendKeys(chromedp.ID("bulk-cversion"), "2.0"),
		chromedp.SendKeys(chromedp.ID("bulk-cfile"), "fw.bin"), chromedp.SendKeys(chromedp.ID("bulk-cfirst"), "100%"))
	b.run("campaign page", chromedp.WaitVisible(chromedp.ID("campaign-devices")))
	if devs := get(b, "campaign devices", chromedp.Text(chromedp.ID("campaign-devices"))); !strings.Contains(devs, dev) || strings.Contains(devs, "BR2") {
		t.Fatalf("the campaign's devices: %q", devs)
	}
	if msg := get(b, "campaign msg", chromedp.Text(chromedp.ID("msg"))); !strings.Contains(msg, "started on 1 devices (group browser-fw-selection)") {
		t.Fatalf("campaign message: %q", msg)
	}
	b.shot("campaign")
	b.clean(acsHost)
}
