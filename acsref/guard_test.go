package acsref_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// perDeviceACS starts an ACS with per-device CPE authentication and the
// credentials a-pw for device A and b-pw for device B (testCPE ids).
func perDeviceACS(t *testing.T) *testACS {
	t.Helper()
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Auth = acsref.CPEAuth{PerDevice: true}
	})
	for _, u := range []string{"A", "B"} {
		body := map[string]string{"password": u + "-pw", "device": labID + u}
		if code := a.do("PUT", "/credentials/cpe-"+u, body, nil); code != http.StatusNoContent {
			t.Fatalf("PUT credential %s: %d", u, code)
		}
	}
	return a
}

func informOf(serial string, ns cwmp.Namespace, events ...cwmp.EventStruct) *cwmp.Envelope {
	if len(events) == 0 {
		events = []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}
	}
	return &cwmp.Envelope{Namespace: ns, Header: cwmp.Header{ID: "inf"}, Body: &cwmp.Inform{
		DeviceID: cwmp.DeviceIDStruct{Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: serial},
		Event:    events, MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}}
}

// TestSessionBoundToCredentials: device A's credentials with device B's
// session cookie get 403 and none of B's RPCs; B's session goes on.
func TestSessionBoundToCredentials(t *testing.T) {
	a := perDeviceACS(t)
	ctx := context.Background()
	devB := newTestCPE(a.srv.CWMPURL(), "B")
	devB.RT = &auth.Transport{Username: "cpe-B", Password: "B-pw"}
	session(t, devB)
	tk := a.task(labID+"B", `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.Password","s3cret","xsd:string"]]}`)

	var cookie string
	bRT := &auth.Transport{Username: "cpe-B", Password: "B-pw"}
	capture := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := bRT.RoundTrip(r)
		if err == nil {
			for _, c := range resp.Cookies() {
				if c.Name == acsref.SessionCookie {
					cookie = c.Value
				}
			}
		}
		return resp, err
	})
	b := cwmp.NewSessionClient(a.srv.CWMPURL(), capture)
	if _, err := b.Post(ctx, informOf("B", cwmp.Namespace12)); err != nil {
		t.Fatal(err)
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	// A, authenticated as itself, presents B's cookie.
	req, err := cwmp.NewRequest(ctx, a.srv.CWMPURL(), &cwmp.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", acsref.SessionCookie+"="+cookie)
	resp, err := (&http.Client{Transport: &auth.Transport{Username: "cpe-A", Password: "A-pw"}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "s3cret") {
		t.Fatalf("A with B's cookie: HTTP %d %s, want 403 without B's RPC", resp.StatusCode, body)
	}
	// B still gets its SetParameterValues.
	reply, err := b.Post(ctx, &cwmp.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reply.Body.(*cwmp.SetParameterValues); !ok {
		t.Fatalf("B's next RPC: %T, want SetParameterValues", reply.Body)
	}
	if _, err := b.Post(ctx, reply.Reply(&cwmp.SetParameterValuesResponse{})); err != nil {
		t.Fatal(err)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskDone {
		t.Fatalf("B's task: %s", got.Status)
	}
}

// TestUploadsBoundToDevice: a CPE uploads only to an open upload task of
// its own device, and fetches only its own uploads.
func TestUploadsBoundToDevice(t *testing.T) {
	a := perDeviceACS(t)
	ctx := context.Background()
	devA, devB := newTestCPE(a.srv.CWMPURL(), "A"), newTestCPE(a.srv.CWMPURL(), "B")
	devA.RT = &auth.Transport{Username: "cpe-A", Password: "A-pw"}
	devB.RT = &auth.Transport{Username: "cpe-B", Password: "B-pw"}
	session(t, devA)
	session(t, devB)
	up := a.task(labID+"B", `{"name":"upload"}`)
	session(t, devB) // Upload: B PUTs its configuration
	session(t, devB) // TransferComplete
	if got := a.getTask(up.ID); got.Status != store.TaskDone {
		t.Fatalf("B's upload task: %s %s", got.Status, got.FaultString)
	}
	uploadPath := "uploads/" + strings.ReplaceAll(labID+"B", "%", "_") + "/" + itoa(up.ID)
	fetchAs := func(rt http.RoundTripper) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", a.srv.CWMPURL()+"files/"+uploadPath, nil)
		resp, err := (&http.Client{Transport: rt}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetchAs(devB.RT); code != http.StatusOK || body != "config of B" {
		t.Fatalf("B fetching its upload: %d %q", code, body)
	}
	if code, body := fetchAs(devA.RT); code != http.StatusNotFound {
		t.Fatalf("A fetching B's upload: %d %q, want 404", code, body)
	}
	// A cannot overwrite it, nor upload to B's next upload task.
	up2 := a.task(labID+"B", `{"name":"upload"}`)
	for _, p := range []string{uploadPath, "uploads/" + strings.ReplaceAll(labID+"B", "%", "_") + "/" + itoa(up2.ID), "uploads/anything/1"} {
		err := put(ctx, a.srv.CWMPURL()+p, devA.RT, []byte("evil"))
		if err == nil {
			t.Errorf("A's PUT to %s accepted", p)
		}
	}
	if _, body := fetchAs(devB.RT); body != "config of B" {
		t.Fatalf("B's upload now %q", body)
	}
}

// TestProposedSessionTimeoutCapped: an Inform proposing SessionTimeout
// 3600 holds the device's slot no longer than MaxSessionTimeout.
func TestProposedSessionTimeoutCapped(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.SessionTimeout = 100 * time.Millisecond
		c.MaxSessionTimeout = time.Second
	})
	ctx := context.Background()
	spoof := informOf("T1", cwmp.Namespace12)
	spoof.Header.SessionTimeout = 3600
	if _, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(ctx, spoof); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(ctx, informOf("T1", cwmp.Namespace12))
		if err == nil {
			break
		}
		var he *cwmp.HTTPStatusError
		if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("the real device after the spoofed Inform: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestTransferCompleteMatchesTask: a TransferComplete naming a task that
// is not an open transfer (a waiting Reboot, a done SetParameterValues)
// leaves it alone and is recorded as a fault of the device.
func TestTransferCompleteMatchesTask(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ctx := context.Background()
	dev := newTestCPE(a.srv.CWMPURL(), "X1")
	session(t, dev)
	spv := a.task(labID+"X1", `{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","P1"]]}`)
	rb := a.task(labID+"X1", `{"name":"reboot"}`)
	session(t, dev)
	if s1, s2 := a.getTask(spv.ID).Status, a.getTask(rb.ID).Status; s1 != store.TaskDone || s2 != store.TaskWaiting {
		t.Fatalf("before: spv %s, reboot %s", s1, s2)
	}
	sc := cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
	if _, err := sc.Post(ctx, informOf("X1", cwmp.Namespace12, cwmp.EventStruct{EventCode: cwmp.EventTransferComplete})); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{rb.ID, spv.ID} {
		tc := &cwmp.TransferComplete{CommandKey: "dmf-" + itoa(id), FaultStruct: cwmp.FaultStruct{FaultCode: 9010, FaultString: "download failed"}}
		if reply, err := sc.Post(ctx, &cwmp.Envelope{Header: cwmp.Header{ID: "tc"}, Body: tc}); err != nil {
			t.Fatal(err)
		} else if _, ok := reply.Body.(*cwmp.TransferCompleteResponse); !ok {
			t.Fatalf("TransferComplete answered %T", reply.Body)
		}
	}
	if _, err := sc.Post(ctx, &cwmp.Envelope{}); err != nil {
		t.Fatal(err)
	}
	if got := a.getTask(rb.ID); got.Status != store.TaskWaiting {
		t.Errorf("the waiting reboot became %s", got.Status)
	}
	if got := a.getTask(spv.ID); got.Status != store.TaskDone || got.FaultCode != 0 {
		t.Errorf("the done setParameterValues became %s %d", got.Status, got.FaultCode)
	}
}

// TestFileNamesValidatedAndEscaped: names that are paths are refused;
// a name with '#' and a space reaches the CPE as a working URL.
func TestFileNamesValidatedAndEscaped(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	for _, bad := range []string{"..%2F..%2Fevil.bin", "%2E%2E", "a%5Cb", "x%00y", strings.Repeat("n", 300)} {
		if code := a.do("PUT", "/files/"+bad, "x", nil); code != http.StatusBadRequest {
			t.Errorf("PUT /files/%s: %d, want 400", bad, code)
		}
	}
	name := "fw#1 v2.bin"
	if code := a.do("PUT", "/files/"+url.PathEscape(name), "firmware 2", nil); code != http.StatusCreated {
		t.Fatalf("PUT %q: %d", name, code)
	}
	dev := newTestCPE(a.srv.CWMPURL(), "F1")
	session(t, dev)
	dl := a.task(labID+"F1", `{"name":"download","file":"fw#1 v2.bin"}`)
	session(t, dev)
	session(t, dev)
	if got := a.getTask(dl.ID); got.Status != store.TaskDone || string(dev.Fetched) != "firmware 2" {
		t.Fatalf("download of %q: %s %s, fetched %q", name, got.Status, got.FaultString, dev.Fetched)
	}
}

// TestFileSizeLimits: a PUT /files or an upload over its limit gets 413
// and stores nothing.
func TestFileSizeLimits(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.MaxFileSize, c.MaxUploadSize = 1000, 100
	})
	if code := a.do("PUT", "/files/big.bin", strings.Repeat("x", 1001), nil); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("PUT of 1001 bytes: %d, want 413", code)
	}
	// Without Content-Length (chunked): refused once the limit is passed.
	req, _ := http.NewRequest("PUT", a.nbi+"/files/big2.bin", io.MultiReader(strings.NewReader(strings.Repeat("y", 600)), strings.NewReader(strings.Repeat("y", 600))))
	req.Header.Set("Authorization", "Bearer "+a.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked PUT of 1200 bytes: %d, want 413", resp.StatusCode)
	}
	if code := a.do("PUT", "/files/ok.bin", strings.Repeat("z", 1000), nil); code != http.StatusCreated {
		t.Fatalf("PUT at the limit: %d", code)
	}
	dev := newTestCPE(a.srv.CWMPURL(), "U1")
	session(t, dev)
	up := a.task(labID+"U1", `{"name":"upload"}`)
	err = put(context.Background(), a.srv.CWMPURL()+"uploads/"+strings.ReplaceAll(labID+"U1", "%", "_")+"/"+itoa(up.ID), nil, []byte(strings.Repeat("u", 101)))
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("upload of 101 bytes: %v, want 413", err)
	}
	if fs, _ := a.st.Files(context.Background()); len(fs) != 1 {
		t.Fatalf("stored files: %d, want only ok.bin", len(fs))
	}
}

// TestEmptyDeviceIDRefused: an Inform without OUI or SerialNumber gets an
// 8003 fault and makes no device.
func TestEmptyDeviceIDRefused(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	for _, serial := range []string{"", "  "} {
		reply, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(context.Background(), informOf(serial, cwmp.Namespace12))
		if err != nil {
			t.Fatal(err)
		}
		f, ok := reply.Body.(*cwmp.Fault)
		if !ok || f.Code != cwmp.FaultACSInvalidArguments {
			t.Fatalf("Inform with serial %q: %v, want fault 8003", serial, reply.Body)
		}
	}
	if ds, _ := a.st.Devices(context.Background(), store.DeviceFilter{}); len(ds) != 0 {
		t.Fatalf("devices made: %d", len(ds))
	}
}

// TestAutonomousTransferCompleteCWMP10: the method does not exist in
// cwmp-1-0; a CPE sending it gets a SOAP fault, not an HTTP 500 text.
func TestAutonomousTransferCompleteCWMP10(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	inf, err := cwmp.NewRequest(ctx, a.srv.CWMPURL(), informOf("N1", cwmp.Namespace10))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(inf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Our encoder refuses the method in cwmp-1-0: the bytes a CPE would send.
	raw := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">` +
		`<soap:Header><cwmp:ID soap:mustUnderstand="1">atc</cwmp:ID></soap:Header><soap:Body><cwmp:AutonomousTransferComplete>` +
		`<AnnounceURL></AnnounceURL><TransferURL>http://x/y</TransferURL><IsDownload>true</IsDownload><FileType>1 Firmware Upgrade Image</FileType>` +
		`<FileSize>1</FileSize><TargetFileName></TargetFileName><FaultStruct><FaultCode>0</FaultCode><FaultString></FaultString></FaultStruct>` +
		`<StartTime>2026-01-01T00:00:00Z</StartTime><CompleteTime>2026-01-01T00:00:01Z</CompleteTime></cwmp:AutonomousTransferComplete></soap:Body></soap:Envelope>`
	req, _ := http.NewRequestWithContext(ctx, "POST", a.srv.CWMPURL(), strings.NewReader(raw))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, err := cwmp.ReadResponse(resp)
	if err != nil {
		t.Fatalf("AutonomousTransferComplete in cwmp-1-0: HTTP %d %v, want a SOAP fault", resp.StatusCode, err)
	}
	if f, ok := reply.Body.(*cwmp.Fault); !ok || f.Code != cwmp.FaultACSMethodNotSupported {
		t.Fatalf("reply %v, want fault 8000", reply.Body)
	}
}
