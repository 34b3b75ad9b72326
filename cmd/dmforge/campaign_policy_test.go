package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCampaignPolicyCommand: `dmforge campaign start` takes a policy
// campaign (the NBI checks the policy and its version) and prints the
// policy and version it rolls out.
func TestCampaignPolicyCommand(t *testing.T) {
	startCLIACS(t)
	dir := t.TempDir()
	docs := filepath.Join(dir, "p.yaml")
	os.WriteFile(docs, []byte("kind: Group\nname: all\nmodel: Device:2\nmatch: 'true'\n---\nname: slow\nmodel: Device:2\ngroups: [all]\n"+
		"values:\n  Device.ManagementServer.PeriodicInformInterval: 600\n"), 0o644)
	if _, _, err := runPolicy(t, "apply", docs); err != nil {
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
	os.WriteFile(bad, []byte(`{"name":"p","group":"all","policy":"slow","policyVersion":"ffffffffffff","first":"1","within":"1h"}`), 0o644)
	if _, err := run("start", bad); err == nil || !strings.Contains(err.Error(), "not ffffffffffff") {
		t.Fatalf("wrong version: %v", err)
	}
	good := filepath.Join(dir, "c.json")
	os.WriteFile(good, []byte(`{"name":"p","group":"all","policy":"slow","first":"1","within":"1h","followGroup":true,
	  "windows":[{"cron":"0 2 * * *","duration":"2h","timeZone":"device","fallbackTimeZone":"Europe/Paris"}]}`), 0o644)
	// No device yet; the campaign follows its group, so it waits.
	out, err := run("start", good)
	if err != nil || !strings.HasPrefix(out, "p: running, wave 0, targets 0") || !strings.Contains(out, "(policy slow, version ") {
		t.Fatalf("start: %q %v", out, err)
	}
}
