package acsref_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// agentCPE is a simulated CPE of cwmp/cpe (the one `dmforge cpe sim`
// runs) bound to a test ACS.
func agentCPE(t *testing.T, a *testACS, serial string) *cpe.Agent {
	t.Helper()
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: a.srv.CWMPURL(), SerialNumber: serial,
		OUI: "00D09E", ProductClass: "SimBox", Manufacturer: "dmforge", AliasBasedAddressing: true})
	if err != nil {
		t.Fatal(err)
	}
	return ag
}

func runSession(t *testing.T, ag *cpe.Agent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := ag.RunSession(ctx); err != nil {
		t.Fatalf("session: %v", err)
	}
}

// TestScheduleDownloadAndCancelTransfer: the NBI tasks GenieACS lacks —
// scheduleDownload (done on TransferComplete), getAllQueuedTransfers and
// cancelTransfer (which cancels the transfer's own task) — against the
// simulated CPE.
func TestScheduleDownloadAndCancelTransfer(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ag := agentCPE(t, a, "SD1")
	runSession(t, ag)
	id := "00D09E-SimBox-SD1"
	if code := a.do("PUT", "/files/fw.bin", "firmware-bytes", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	later := a.task(id, `{"name":"scheduleDownload","file":"fw.bin","timeWindows":[{"start":3600,"end":7200,"mode":"1 At Any Time"}]}`)
	list := a.task(id, `{"name":"getAllQueuedTransfers"}`)
	runSession(t, ag)
	if tk := a.getTask(later.ID); tk.Status != store.TaskWaiting {
		t.Fatalf("scheduleDownload in an hour: %s (%d %s), want waiting", tk.Status, tk.FaultCode, tk.FaultString)
	}
	tk := a.getTask(list.ID)
	var res struct {
		Transfers []struct {
			CommandKey string
			State      int
			IsDownload bool
		}
	}
	if err := json.Unmarshal(tk.Result, &res); err != nil || tk.Status != store.TaskDone {
		t.Fatalf("getAllQueuedTransfers: %s %s %v", tk.Status, tk.Result, err)
	}
	if len(res.Transfers) != 1 || res.Transfers[0].CommandKey != "dmf-"+itoa(later.ID) || res.Transfers[0].State != 1 || !res.Transfers[0].IsDownload {
		t.Fatalf("queued transfers %+v", res.Transfers)
	}

	cancel := a.task(id, `{"name":"cancelTransfer","task":`+itoa(later.ID)+`}`)
	runSession(t, ag)
	if tk := a.getTask(cancel.ID); tk.Status != store.TaskDone {
		t.Fatalf("cancelTransfer: %s (%d %s)", tk.Status, tk.FaultCode, tk.FaultString)
	}
	if tk := a.getTask(later.ID); tk.Status != store.TaskCancelled {
		t.Fatalf("the cancelled transfer's task is %s", tk.Status)
	}
	// Cancelling it again: the CPE no longer has it (9021).
	again := a.task(id, `{"name":"cancelTransfer","commandKey":"dmf-`+itoa(later.ID)+`"}`)
	runSession(t, ag)
	if tk := a.getTask(again.ID); tk.Status != store.TaskFault || tk.FaultCode != 9021 {
		t.Fatalf("second cancel: %s %d", tk.Status, tk.FaultCode)
	}

	// A window open now: the CPE downloads after the session and reports
	// TransferComplete in the next one.
	now := a.task(id, `{"name":"scheduleDownload","file":"fw.bin","fileType":"3 Vendor Configuration File","timeWindows":[{"start":0,"end":3600,"mode":"1 At Any Time"}]}`)
	runSession(t, ag)
	runSession(t, ag)
	if tk := a.getTask(now.ID); tk.Status != store.TaskDone {
		t.Fatalf("scheduleDownload now: %s (%d %s), want done", tk.Status, tk.FaultCode, tk.FaultString)
	}
}

// TestNewTaskRejections: the model and argument checks of the tasks
// added for RPCs GenieACS lacks.
func TestNewTaskRejections(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ag := agentCPE(t, a, "RJ1")
	runSession(t, ag)
	id := "00D09E-SimBox-RJ1"
	for _, c := range []struct{ spec, rule, want string }{
		{`{"name":"scheduleDownload","url":"http://x/f"}`, "argument", "one or two timeWindows"},
		{`{"name":"scheduleDownload","url":"http://x/f","timeWindows":[{"start":10,"end":5,"mode":"1 At Any Time"}]}`, "argument", "ends before it starts"},
		{`{"name":"scheduleDownload","url":"http://x/f","timeWindows":[{"start":0,"end":50,"mode":"1 At Any Time"},{"start":40,"end":90,"mode":"2 Immediately"}]}`, "argument", "overlaps"},
		{`{"name":"scheduleDownload","url":"http://x/f","timeWindows":[{"start":0,"end":50,"mode":"sometimes"}]}`, "argument", "not a window mode"},
		{`{"name":"scheduleDownload","file":"nope.bin","timeWindows":[{"start":0,"end":50,"mode":"1 At Any Time"}]}`, "file", "no file"},
		{`{"name":"cancelTransfer"}`, "argument", "needs task"},
		{`{"name":"changeDUState"}`, "argument", "at least one operation"},
		{`{"name":"changeDUState","operations":[{"type":"install"}]}`, "argument", "needs url or file"},
		{`{"name":"changeDUState","operations":[{"type":"install","file":"nope.ipk"}]}`, "file", "no file"},
		{`{"name":"changeDUState","operations":[{"type":"uninstall"}]}`, "argument", "needs uuid"},
		{`{"name":"changeDUState","operations":[{"type":"update","uuid":"not-a-uuid"}]}`, "argument", "is not a UUID"},
		{`{"name":"changeDUState","operations":[{"type":"reinstall","url":"http://x"}]}`, "argument", "install, update or uninstall"},
		{`{"name":"changeDUState","operations":[{"type":"install","url":"http://x","executionEnvRef":"Device.IP.Interface.1."}]}`, "argument", "ExecEnv"},
		{`{"name":"addObject","objectName":"Device.DeviceInfo.[x]."}`, "not-table", ""},
	} {
		var e struct{ Path, Rule, Error string }
		code := a.do("POST", devPath(id)+"/tasks", c.spec, &e)
		if code != http.StatusBadRequest || e.Rule != c.rule || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s: HTTP %d %+v, want 400 rule %s with %q", c.spec, code, e, c.rule, c.want)
		}
	}
	// Accepted: an AddObject with an alias, on a table that has Alias;
	// its result names the instance by number.
	add := a.task(id, `{"name":"addObject","objectName":"Device.IP.Interface.[wan]."}`)
	runSession(t, ag)
	if tk := a.getTask(add.ID); tk.Status != store.TaskDone || !strings.Contains(string(tk.Result), `"Device.IP.Interface.1."`) {
		t.Fatalf("addObject [wan]: %s %s", tk.Status, tk.Result)
	}
}

// TestChangeDUStateTask: changeDUState through the NBI against the
// simulated CPE — install from a file the ACS serves, then uninstall by
// the UUID the CPE reported; a failed operation makes the task a fault
// with the operation's code.
func TestChangeDUStateTask(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ag := agentCPE(t, a, "DU1")
	runSession(t, ag)
	id := "00D09E-SimBox-DU1"
	if code := a.do("PUT", "/files/hello_1.0.ipk", "package-bytes", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	install := a.task(id, `{"name":"changeDUState","operations":[{"type":"install","file":"hello_1.0.ipk","executionEnvRef":"Device.SoftwareModules.ExecEnv.1."}]}`)
	runSession(t, ag) // ChangeDUState; the install runs after the session
	if tk := a.getTask(install.ID); tk.Status != store.TaskWaiting {
		t.Fatalf("changeDUState after its RPC: %s (%d %s), want waiting", tk.Status, tk.FaultCode, tk.FaultString)
	}
	runSession(t, ag) // DUStateChangeComplete
	tk := a.getTask(install.ID)
	var res struct {
		Results []struct {
			UUID, Version, CurrentState, DeploymentUnitRef string
			FaultCode                                      int
		}
	}
	if err := json.Unmarshal(tk.Result, &res); err != nil || tk.Status != store.TaskDone || len(res.Results) != 1 {
		t.Fatalf("install task: %s %s %v", tk.Status, tk.Result, err)
	}
	r := res.Results[0]
	if r.CurrentState != "Installed" || r.Version != "1.0" || r.DeploymentUnitRef != "Device.SoftwareModules.DeploymentUnit.1" || r.UUID == "" {
		t.Fatalf("install result %+v", r)
	}
	uninstall := a.task(id, `{"name":"changeDUState","operations":[{"type":"uninstall","uuid":"`+r.UUID+`"},{"type":"uninstall","uuid":"`+r.UUID+`"}]}`)
	runSession(t, ag)
	runSession(t, ag)
	tk = a.getTask(uninstall.ID)
	res.Results = nil
	if err := json.Unmarshal(tk.Result, &res); err != nil || len(res.Results) != 2 {
		t.Fatalf("uninstall task: %s %s %v", tk.Status, tk.Result, err)
	}
	// The second uninstall finds no such unit any more (9028): the task
	// is a fault that names it, and the first operation's result stands.
	if res.Results[0].CurrentState != "Uninstalled" || res.Results[1].FaultCode != 9028 || tk.Status != store.TaskFault || tk.FaultCode != 9028 {
		t.Fatalf("uninstall: %s %d %+v", tk.Status, tk.FaultCode, res.Results)
	}
}

// TestFilesNeedCPECredentials: with CPE authentication the ACS serves its
// files to authenticated CPEs only, and gives a Download of one of them
// the credentials the CPE's session used (global or per device).
func TestFilesNeedCPECredentials(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Auth = acsref.CPEAuth{Username: "acs", Password: "secret", PerDevice: true}
	})
	if code := a.do("PUT", "/files/fw.bin", "firmware-bytes", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	if code := a.do("PUT", "/credentials/dev-7", map[string]string{"password": "pw-7", "device": "00D09E-SimBox-FC2"}, nil); code/100 != 2 {
		t.Fatalf("PUT credential: %d", code)
	}
	resp, err := http.Get(a.srv.CWMPURL() + "files/fw.bin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an anonymous GET of a file: HTTP %d, want 401", resp.StatusCode)
	}
	for _, c := range []struct{ serial, user, pass string }{{"FC1", "acs", "secret"}, {"FC2", "dev-7", "pw-7"}} {
		var got []byte
		ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: a.srv.CWMPURL(), SerialNumber: c.serial, OUI: "00D09E", ProductClass: "SimBox",
			Username: c.user, Password: c.pass,
			OnFile: func(_ *cwmp.Download, r io.Reader) error { got, _ = io.ReadAll(r); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		runSession(t, ag)
		dl := a.task("00D09E-SimBox-"+c.serial, `{"name":"download","file":"fw.bin"}`)
		runSession(t, ag)
		runSession(t, ag)
		if tk := a.getTask(dl.ID); tk.Status != store.TaskDone || string(got) != "firmware-bytes" {
			t.Fatalf("%s: download task %s (%d %s), file %q", c.user, tk.Status, tk.FaultCode, tk.FaultString, got)
		}
	}
}
