package acsref_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181/schema"
)

// TestCampaignTaskWithConnectionRequests: a campaign rolls a
// configuration task (setParameterValues) out to a group of 6 running
// CPEs (cwmp/cpe agents with their connection-request listener) in waves
// of 2, 4; each new wave's devices get a connection request, so the
// campaign completes without any device's periodic Inform; success is the
// task done, recorded in the session that ran it. A task the model
// refuses is refused when the campaign is created.
func TestCampaignTaskWithConnectionRequests(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.ConnReqUsername, c.ConnReqPassword = "cr", "cr-secret"
		c.ConnReqAllowedNets = []string{"127.0.0.0/8"}
	})
	crs := cpe.NewConnReqServer("")
	crSrv := httptest.NewServer(crs)
	defer crSrv.Close()
	crs.BaseURL = crSrv.URL
	if code := a.do("POST", "/policies", "kind: Group\nname: crboxes\nmodel: Device:2\nmatch: device.productClass == 'CRBox'\n", nil); code != http.StatusOK {
		t.Fatalf("group: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var agents []*cpe.Agent
	booted := make(chan struct{}, 6)
	for i := 0; i < 6; i++ {
		sn := fmt.Sprintf("CR%02d", i)
		ag, err := cpe.New(cpe.Config{Schema: schema.Schema, Store: cpe.NewMemStore(schema.Schema), ACSURL: a.srv.CWMPURL(),
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "CRBox", SerialNumber: sn, SoftwareVersion: "1.0",
			ConnReqURL: crs.URL(sn), ConnReqUsername: "cr", ConnReqPassword: "cr-secret", ConnReqInterval: time.Millisecond,
			PeriodicInterval: -1}) // no periodic Informs: only connection requests open sessions
		if err != nil {
			t.Fatal(err)
		}
		crs.Register(ag)
		agents = append(agents, ag)
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			_ = ag.Run(ctx, func(cpe.SessionResult, error) {
				if first {
					first = false
					booted <- struct{}{}
				}
			})
		}()
	}
	for range agents {
		<-booted
	}
	// A task the model refuses: refused at creation, with the rule.
	var bad map[string]any
	if code := a.do("POST", "/campaigns", `{"name":"bad","group":"crboxes","task":{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.UpTime","5"]]},"first":"2","within":"1h"}`, &bad); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(bad), "UpTime") {
		t.Fatalf("campaign of a read-only parameter: HTTP %d %v", code, bad)
	}
	body := `{"name":"pc","group":"crboxes","task":{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","campaign-pc"]]},
	  "first":"2","growth":2,"within":"1h","failures":1,"connectionRequests":true}`
	var created acsref.CampaignView
	if code := a.do("POST", "/campaigns", body, &created); code != http.StatusCreated || created.Wave != 1 || created.Progress["targets"] != 6 {
		t.Fatalf("create: %d %+v", code, created)
	}
	var v acsref.CampaignView
	for deadline := time.Now().Add(45 * time.Second); ; {
		if code := a.do("GET", "/campaigns/pc", nil, &v); code != http.StatusOK {
			t.Fatalf("GET: %d", code)
		}
		if v.Status != policy.CampaignRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v.Status != policy.CampaignCompleted || v.Progress[policy.DeviceSucceeded] != 6 || v.Wave != 2 {
		t.Fatalf("campaign: %s (%s) wave %d %v", v.Status, v.Reason, v.Wave, v.Progress)
	}
	for _, ag := range agents {
		if got, _ := ag.Store().Get("Device.DeviceInfo.ProvisioningCode"); got != "campaign-pc" {
			t.Fatalf("%s: ProvisioningCode %q", ag.SerialNumber(), got)
		}
	}
}
