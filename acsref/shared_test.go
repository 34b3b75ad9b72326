package acsref_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/dmforge/dmforge/cwmp"
)

// startSharedACS starts an ACS on the PostgreSQL database of dsn, as
// another `dmforge acs --db postgres://...` process would.
func startSharedACS(t *testing.T, dsn string, mods ...func(*acsref.Config)) *testACS {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg := acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NBIToken: "shared-test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := acsref.New(cfg)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		st.Close()
		t.Fatal(err)
	}
	a := &testACS{t: t, srv: srv, st: st, nbi: srv.NBIURL(), tok: cfg.NBIToken}
	t.Cleanup(a.close)
	return a
}

// periodicInform is the Inform of a periodic session of c.
func periodicInform(c *testCPE) *cwmp.Envelope {
	return &cwmp.Envelope{Header: cwmp.Header{ID: "inform-p"}, Body: &cwmp.Inform{
		DeviceID:     cwmp.DeviceIDStruct{Manufacturer: "dmforge", OUI: c.OUI, ProductClass: c.PC, SerialNumber: c.SN},
		Event:        []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}},
		MaxEnvelopes: 1, CurrentTime: time.Now()}}
}

// TestSharedStoreTwoACS: two ACS processes on one PostgreSQL database. A
// device one of them created is known to the other; tasks queued through
// one's NBI reach the device when it informs to the other (even while a
// session with it is in progress); one session per device across both,
// the other answering 503 with Retry-After.
func TestSharedStoreTwoACS(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a := startSharedACS(t, dsn)
	b := startSharedACS(t, dsn) // started before the device exists: nothing cached
	c := newTestCPE(a.srv.CWMPURL(), "SH1")
	id := labID + "SH1"

	// First contact at A: the device is created and discovered.
	session(t, c)
	first, err := a.st.Device(context.Background(), id)
	if err != nil || !first.Discovered {
		t.Fatalf("device after the first session at A: %+v %v", first, err)
	}

	// B's NBI knows the device A created, and queues a task for it.
	var params []acsref.ParameterView
	if code := b.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.", nil, &params); code != http.StatusOK || len(params) == 0 {
		t.Fatalf("parameters through B: HTTP %d, %d parameters", code, len(params))
	}
	spv := b.task(id, `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","600","xsd:unsignedInt"]]}`)

	// The device informs to B: not new to B (no second discovery, first
	// contact kept), and it gets the task.
	c.URL = b.srv.CWMPURL()
	session(t, c)
	if tk := b.getTask(spv.ID); tk.Status != store.TaskDone {
		t.Fatalf("task queued through B, session at B: %s (%d %s)", tk.Status, tk.FaultCode, tk.FaultString)
	}
	if v, _ := c.Get("Device.ManagementServer.PeriodicInformInterval"); v != "600" {
		t.Fatalf("PeriodicInformInterval = %q, want 600", v)
	}
	var tasks []store.Task
	a.do("GET", devPath(id)+"/tasks", nil, &tasks)
	internal := 0
	for _, tk := range tasks {
		if tk.Internal {
			internal++
		}
	}
	if internal != 2 {
		t.Fatalf("%d internal (discovery) tasks, want 2: B treated the device as new", internal)
	}
	if d, _ := a.st.Device(context.Background(), id); !d.FirstSeen.Equal(first.FirstSeen) || !d.Discovered {
		t.Fatalf("device after the session at B: %+v (first seen %v)", d, first.FirstSeen)
	}

	// A task queued through B reaches the device informing to A.
	gpv := b.task(id, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.SoftwareVersion"]}`)
	c.URL = a.srv.CWMPURL()
	session(t, c)
	if tk := a.getTask(gpv.ID); tk.Status != store.TaskDone {
		t.Fatalf("task queued through B, session at A: %s (%d %s)", tk.Status, tk.FaultCode, tk.FaultString)
	}

	// B holds a session with the device: an Inform to A is refused with
	// 503 and Retry-After.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc := cwmp.NewSessionClient(b.srv.CWMPURL(), nil)
	reply, err := sc.Post(ctx, periodicInform(c))
	if err != nil {
		t.Fatalf("Inform to B: %v", err)
	}
	if _, ok := reply.Body.(*cwmp.InformResponse); !ok {
		t.Fatalf("Inform to B answered with %v", reply.Body)
	}
	body, err := cwmp.Marshal(periodicInform(c))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(a.srv.CWMPURL(), cwmp.ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Inform to A: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("Inform to A while B holds the session: HTTP %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	// A task queued through A's NBI during B's session is sent in it.
	late := a.task(id, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.HardwareVersion"]}`)
	req, err := sc.Post(ctx, &cwmp.Envelope{})
	for n := 0; err == nil && !req.IsEmpty(); n++ {
		if n > 10 {
			t.Fatal("the session at B does not end")
		}
		req, err = sc.Post(ctx, req.Reply(c.handle(ctx, req.Body)))
	}
	if err != nil {
		t.Fatalf("session at B: %v", err)
	}
	sc.End()
	if tk := a.getTask(late.ID); tk.Status != store.TaskDone {
		t.Fatalf("task queued through A during the session at B: %s (%d %s)", tk.Status, tk.FaultCode, tk.FaultString)
	}

	// B's session is over: A takes the device again.
	session(t, c)
}

// TestSharedStoreLockReleased: a session that times out, and an ACS that
// closes, release the device for the other process.
func TestSharedStoreLockReleased(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a := startSharedACS(t, dsn)
	b := startSharedACS(t, dsn)
	c := newTestCPE(a.srv.CWMPURL(), "SH2")
	session(t, c)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A session at A that the CPE abandons after its Inform.
	if _, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(ctx, periodicInform(c)); err != nil {
		t.Fatalf("Inform to A: %v", err)
	}
	c.URL = b.srv.CWMPURL()
	if err := c.Session(ctx); err == nil {
		t.Fatal("session at B while A holds one: no error")
	}
	// A closing ends its sessions and releases their devices.
	a.close()
	session(t, c)
}
