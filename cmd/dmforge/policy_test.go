package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
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
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "acs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NBIToken: "sekret",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(envNBI, srv.NBIURL())
	t.Setenv(envNBIToken, "sekret")
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
