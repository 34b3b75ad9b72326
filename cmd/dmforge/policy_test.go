package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// runPolicy runs "dmforge policy ARGS..." and returns its output and
// error.
func runPolicy(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newPolicyCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestPolicyCommand drives a real ACS's NBI: apply (refused with
// file:line errors, then accepted), get, plan and delete; the NBI URL
// and token come from the environment.
func TestPolicyCommand(t *testing.T) {
	startCLIACS(t, func(c *acsref.Config) { c.NBIToken = "sekret" })
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: wan\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 30\n  Device.DeviceInfo.UpTime: 5\n"), 0o644)
	_, stderr, err := runPolicy(t, "apply", bad)
	if e, ok := err.(exitError); !ok || e.code != 1 {
		t.Fatalf("bad policy: err %v", err)
	}
	if want := bad + `: policy "wan" line 5: Device.DeviceInfo.UpTime: is readOnly in Device:2.19 [read-only]`; strings.TrimSpace(stderr) != want {
		t.Fatalf("stderr %q, want %q", stderr, want)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name": "wan", "model": "Device:2", "priority": 4, "values": {"Device.ManagementServer.PeriodicInformInterval": 30}}`), 0o644)
	if out, _, err := runPolicy(t, "apply", good); err != nil || out != "applied wan\n" {
		t.Fatalf("apply: %q %v", out, err)
	}
	out, _, err := runPolicy(t, "get")
	if err != nil || !strings.Contains(out, "wan") || !strings.Contains(out, "Device:2") {
		t.Fatalf("get: %q %v", out, err)
	}
	if out, _, err := runPolicy(t, "get", "wan"); err != nil || !strings.Contains(out, `"priority": 4`) {
		t.Fatalf("get wan: %q %v", out, err)
	}
	var views []acsref.PolicyView
	if out, _, err := runPolicy(t, "get", "--format", "json"); err != nil || json.Unmarshal([]byte(out), &views) != nil || len(views) != 1 || views[0].Name != "wan" || views[0].Priority != 4 {
		t.Fatalf("get --format json: %q %v", out, err)
	}
	if out, _, err := runPolicy(t, "plan", "wan", "--events", "BOOTSTRAP"); err != nil || !strings.Contains(out, `"matching": 0`) {
		t.Fatalf("plan: %q %v", out, err)
	}
	if _, _, err := runPolicy(t, "plan", "--device", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("plan of an unknown device: %v", err)
	}
	// Without the token, the NBI refuses.
	if _, _, err := runPolicy(t, "get", "--token", "wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	if out, _, err := runPolicy(t, "delete", "wan"); err != nil || out != "deleted wan\n" {
		t.Fatalf("delete: %q %v", out, err)
	}
	if _, _, err := runPolicy(t, "delete", "wan"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("second delete: %v", err)
	}
}

// TestCampaignCommand: a campaign started from a file over a group, then
// paused, resumed and aborted through the CLI; a bad one is refused with
// the NBI's rule.
func TestCampaignCommand(t *testing.T) {
	_, st := startCLIACS(t)
	if err := st.PutFile(context.Background(), &store.File{Name: "fw.bin", Data: []byte("fw")}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	group := filepath.Join(dir, "g.yaml")
	os.WriteFile(group, []byte("kind: Group\nname: all\nmodel: Device:2\nmatch: 'true'\n"), 0o644)
	if _, _, err := runPolicy(t, "apply", group); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := newCampaignCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"c","group":"nope","firmware":{"version":"2","file":"fw.bin"},"first":"1","within":"1h"}`), 0o644)
	if _, err := run("start", bad); err == nil || !strings.Contains(err.Error(), "unknown-group") {
		t.Fatalf("bad campaign: %v", err)
	}
	good := filepath.Join(dir, "c.json")
	os.WriteFile(good, []byte(`{"name":"c","group":"all","firmware":{"version":"2","file":"fw.bin"},"first":"10%","within":"1h"}`), 0o644)
	// No device yet: the campaign has nothing to do and completes.
	if out, err := run("start", good); err != nil || !strings.HasPrefix(out, "c: completed, wave 0, targets 0") {
		t.Fatalf("start: %q %v", out, err)
	}
	if _, err := run("pause", "c"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("pause of a completed campaign: %v", err)
	}
	if out, err := run("get"); err != nil || !strings.Contains(out, "c: completed") {
		t.Fatalf("get: %q %v", out, err)
	}
	var campaigns []acsref.CampaignView
	if out, err := run("get", "--format", "json"); err != nil || json.Unmarshal([]byte(out), &campaigns) != nil || len(campaigns) != 1 || campaigns[0].Name != "c" {
		t.Fatalf("get --format json: %q %v", out, err)
	}
}
