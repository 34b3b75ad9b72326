package acsref_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
)

// genieSim is the genieacs-sim peer (a Node.js CPE simulator with a real
// device's TR-098 data model) in ../shared/peers.
const genieSim = "../../shared/peers/genieacs-sim"

// TestPolicyGenieACSSim: a policy converges a genieacs-sim device — a
// client dmforge did not write — in its BOOTSTRAP session: the ACS sets
// the values, reads them back and records the policy converged. The
// simulator's worker is started directly (its launcher needs npm's
// commander, which the peer directory does not carry).
func TestPolicyGenieACSSim(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs(genieSim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "simulator.js")); err != nil {
		t.Skipf("genieacs-sim peer not found: %v", err)
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	doc := `name: genie-igd
model: InternetGatewayDevice:1
match: device.productClass == "BM632w"
triggers: {events: [BOOTSTRAP]}
values:
  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 3600
  InternetGatewayDevice.ManagementServer.PeriodicInformEnable: true
`
	var out acsref.PolicyErrors
	if code := a.do("POST", "/policies", doc, &out); code != http.StatusOK {
		t.Fatalf("apply: %d %+v", code, out)
	}
	launcher := filepath.Join(t.TempDir(), "sim.js")
	script := `const dir = process.argv[2];
const simulator = require(dir + "/simulator");
const csvParser = require(dir + "/csv-parser");
const fs = require("fs");
const rows = csvParser.reduce(csvParser.parseCsv(fs.readFileSync(dir + "/data_model_202BC1-BM632w-8KA8WA1151100043.csv").toString()));
const device = {};
for (const row of rows) {
  const isObject = row["Object"] === "true";
  let id = row["Parameter"];
  if (isObject) id += ".";
  device[id] = [row["Writable"] === "true"];
  if (!isObject) {
    device[id].push(row["Value"] || "");
    if (row["Value type"] != null) device[id].push(row["Value type"]);
  }
}
simulator.start(device, process.argv[3], process.argv[4]);
`
	if err := os.WriteFile(launcher, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs strings.Builder
	cmd := exec.CommandContext(ctx, node, launcher, dir, "POL001", a.srv.CWMPURL())
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	id := acsref.DeviceID("202BC1", "BM632w", "POL001")
	var dp acsref.DevicePolicies
	for deadline := time.Now().Add(60 * time.Second); ; {
		dp = acsref.DevicePolicies{}
		if code := a.do("GET", devPath(id)+"/policies", nil, &dp); code == http.StatusOK && len(dp.States) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no policy state for %s after 60 s; simulator output:\n%s", id, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := dp.States[0]; st.Policy != "genie-igd" || st.Status != policy.StatusConverged {
		t.Fatalf("state %+v; simulator output:\n%s", *st, logs.String())
	}
	// What the ACS stored is what the simulator read back.
	var params []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=InternetGatewayDevice.ManagementServer.PeriodicInform", nil, &params)
	got := map[string]string{}
	for _, p := range params {
		got[p.Name] = p.Value
	}
	if got["InternetGatewayDevice.ManagementServer.PeriodicInformInterval"] != "3600" {
		t.Fatalf("stored values %v", got)
	}
}
