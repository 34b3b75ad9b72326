package acsref_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp"
)

// TestFirmwareLibrary: a file stored with its applicability (OUI,
// product class, model name, the versions it installs over) carries its
// SHA-256; a download of it is refused before it is queued for a device
// it does not apply to, with the rule and each reason, and accepted for
// one it applies to. ModelName comes from the device's stored
// parameters.
func TestFirmwareLibrary(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	image := bytes.Repeat([]byte("fw-2.0 "), 1000)
	req, _ := http.NewRequest("PUT", a.nbi+"/files/fw-2.0.bin", bytes.NewReader(image))
	req.Header.Set("Authorization", "Bearer "+a.tok)
	req.Header.Set("oui", "00D09E")
	req.Header.Set("productClass", "SimBox")
	req.Header.Set("modelName", "Sim-1")
	req.Header.Set("fromVersions", "1.0, 1.1")
	req.Header.Set("version", "2.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	var files []map[string]any
	a.do("GET", "/files", nil, &files)
	sum := sha256.Sum256(image)
	if len(files) != 1 || files[0]["sha256"] != hex.EncodeToString(sum[:]) || files[0]["modelName"] != "Sim-1" || fmt.Sprint(files[0]["fromVersions"]) != "[1.0 1.1]" {
		t.Fatalf("GET /files: %v", files)
	}

	// Devices: SimBox 1.0 (applies once its ModelName is known), SimBox
	// 3.0 (wrong version), OtherBox (wrong product class).
	fresh := func(serial, class, version string) string {
		cpe := newTestCPE(a.srv.CWMPURL(), serial)
		cpe.PC = class
		cpe.Set("Device.DeviceInfo.SoftwareVersion", version, "xsd:string", false)
		cpe.Set("Device.DeviceInfo.ModelName", "Sim-1", "xsd:string", false)
		session(t, cpe)
		return "00D09E-" + class + "-" + serial
	}
	good, old, other := fresh("F1", "SimBox", "1.0"), fresh("F2", "SimBox", "3.0"), fresh("F3", "OtherBox", "1.0")
	download := `{"name":"download","file":"fw-2.0.bin"}`
	for _, c := range []struct {
		id   string
		want []string
	}{
		{good, []string{`model "Sim-1"`, "DeviceInfo.ModelName is not known"}},
		{old, []string{`the device runs "3.0"`}},
		{other, []string{`product class "SimBox", the device's is "OtherBox"`}},
	} {
		var e map[string]any
		code := a.do("POST", devPath(c.id)+"/tasks", download, &e)
		msg := fmt.Sprint(e)
		if code != http.StatusBadRequest || !strings.Contains(msg, "file-not-applicable") {
			t.Fatalf("%s: HTTP %d %v", c.id, code, e)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Fatalf("%s: %q does not say %q", c.id, msg, w)
			}
		}
	}
	// Once the ModelName is read, the device it applies to gets it.
	a.task(good, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.ModelName"]}`)
	cpe := newTestCPE(a.srv.CWMPURL(), "F1")
	cpe.PC = "SimBox"
	cpe.events = []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}
	cpe.Set("Device.DeviceInfo.SoftwareVersion", "1.0", "xsd:string", false)
	cpe.Set("Device.DeviceInfo.ModelName", "Sim-1", "xsd:string", false)
	session(t, cpe)
	var out map[string]any
	if code := a.do("POST", devPath(good)+"/tasks", download, &out); code != http.StatusAccepted {
		t.Fatalf("download for the device it applies to: HTTP %d %v", code, out)
	}
}
