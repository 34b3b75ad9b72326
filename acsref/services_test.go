package acsref_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

func hasService(d store.Device, model string) bool {
	for _, s := range d.Services {
		if s == model {
			return true
		}
	}
	return false
}

// TestServiceModelFromDeviceSummary: a real ZyXEL VMG8924 Inform declares
// VoiceService:1.0 in its DeviceSummary; the device is bound to TR-104 v1:
// v1 paths are accepted, v2 paths refused naming the model bound.
func TestServiceModelFromDeviceSummary(t *testing.T) {
	inform, err := os.ReadFile(filepath.Join(realDir, "zyxel-vmg8924-inform.xml"))
	if err != nil {
		t.Fatal(err)
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	if code, _, reply := raw.post(inform); code != http.StatusOK || reply == nil {
		t.Fatalf("Inform: HTTP %d", code)
	}
	if code, _, _ := raw.post(nil); code != http.StatusNoContent {
		t.Fatalf("end: HTTP %d", code)
	}
	var ds []store.Device
	a.do("GET", "/devices", nil, &ds)
	if len(ds) != 1 || ds[0].Model != "InternetGatewayDevice:1.14" || !hasService(ds[0], "VoiceService:1.1") {
		t.Fatalf("devices %+v", ds)
	}
	id := ds[0].ID
	v1 := `{"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1.Enable","Enabled"]]}`
	if code := a.do("POST", devPath(id)+"/tasks", v1, nil); code != http.StatusAccepted {
		t.Fatalf("v1 path: HTTP %d", code)
	}
	var rerr acsref.RuleError
	v2 := `{"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.Services.VoiceService.1.SIP.Client.1.Enable",true]]}`
	if code := a.do("POST", devPath(id)+"/tasks", v2, &rerr); code != http.StatusBadRequest || !strings.Contains(rerr.Msg, "VoiceService:1.1") {
		t.Fatalf("v2 path: HTTP %d %+v", code, rerr)
	}
}

// TestRealExportsThroughGenieACSSim: the two real GenieACS exports in
// ../shared/real served by genieacs-sim: every parameter of each dump is
// stored; the Nokia ONT (TR-098 with a VoiceService v1 tree, although its
// SupportedDataModel names tr-104-2) is bound to TR-104 v1, and none of
// its findings judge VoiceService by v2; an NBI task completes on each.
func TestRealExportsThroughGenieACSSim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	for _, c := range []struct {
		file, oui, class string
		voice            string
	}{
		{"nokia-g1425ga-tr098.csv", "9075BC", "G%2D1425G%2DA", "VoiceService:1.1"},
		{"tplink-ex220-tr181.csv", "1C61B4", "Device2", ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
			dump, _ := filepath.Abs(filepath.Join(realDir, c.file))
			want := simParameters(t, dump)
			serial := 100 + rand.IntN(800000)
			startGenieACSSim(t, a.srv.CWMPURL(), dump, 1, serial)
			id := fmt.Sprintf("%s-%s-%06d", c.oui, c.class, serial)
			var d store.Device
			deadline := time.Now().Add(60 * time.Second)
			for !d.Discovered {
				if time.Now().After(deadline) {
					t.Fatalf("%s not discovered in 60 s: %+v", id, d)
				}
				time.Sleep(100 * time.Millisecond)
				a.do("GET", devPath(id), nil, &d)
			}
			var ps []acsref.ParameterView
			a.do("GET", devPath(id)+"/parameters", nil, &ps)
			got := map[string]string{}
			for _, p := range ps {
				if !p.Object {
					got[p.Name] = p.Value
				}
			}
			missing := 0
			for name := range want {
				if _, ok := got[name]; !ok {
					missing++
					if missing < 10 {
						t.Errorf("%s not stored", name)
					}
				}
			}
			t.Logf("%s: %d parameters stored of %d in the dump, model %s, services %v", id, len(got), len(want), d.Model, d.Services)
			if missing > 0 {
				t.Fatalf("%d of %d parameters of the dump not stored", missing, len(want))
			}
			if c.voice != "" && !hasService(d, c.voice) {
				t.Fatalf("services %v, want %s", d.Services, c.voice)
			}
			var conf struct {
				Findings []store.Finding `json:"findings"`
			}
			a.do("GET", devPath(id)+"/conformance", nil, &conf)
			voice := 0
			for _, f := range conf.Findings {
				if strings.Contains(f.Path, ".Services.VoiceService.") {
					voice++
					if c.voice != "" && f.Model != c.voice {
						t.Errorf("VoiceService finding judged by %s: %+v", f.Model, f)
					}
				}
			}
			t.Logf("%d findings, %d on VoiceService", len(conf.Findings), voice)
			var resp acsref.TaskResponse
			spec := `{"name":"getParameterValues","parameterNames":["` + d.Root + `DeviceInfo.SoftwareVersion"]}`
			if code := a.do("POST", devPath(id)+"/tasks?connection_request", spec, &resp); code != http.StatusAccepted || resp.ConnectionRequest != "ok" {
				t.Fatalf("task: HTTP %d %q", code, resp.ConnectionRequest)
			}
			waitFor(t, "the task", func() bool { return a.getTask(resp.ID).Status == store.TaskDone })
		})
	}
}
