package acsref_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// rawCPE posts raw CWMP bytes, as a real CPE's HTTP stack does: with or
// without cookies, compressed or not, on one kept-alive connection.
type rawCPE struct {
	t      *testing.T
	url    string
	client *http.Client
	header http.Header // added to every POST
}

func newRawCPE(t *testing.T, url string, cookies bool) *rawCPE {
	tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	c := &rawCPE{t: t, url: url, client: &http.Client{Transport: tr}, header: http.Header{}}
	if cookies {
		c.client.Jar, _ = cookiejar.New(nil)
	}
	return c
}

// post sends body and returns the status, headers and decoded reply
// (nil for an empty one).
func (c *rawCPE) post(body []byte) (int, http.Header, *cwmp.Envelope) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", cwmp.ContentType)
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			c.t.Fatal(err)
		}
		data, _ = io.ReadAll(zr)
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			c.t.Fatal(err)
		}
		data, _ = io.ReadAll(zr)
	}
	if resp.StatusCode != http.StatusOK || len(bytes.TrimSpace(data)) == 0 {
		return resp.StatusCode, resp.Header, nil
	}
	env, err := cwmp.Decode(data)
	if err != nil {
		c.t.Fatalf("reply: %v in %s", err, data)
	}
	return resp.StatusCode, resp.Header, env
}

func (c *rawCPE) send(env *cwmp.Envelope) (int, *cwmp.Envelope) {
	c.t.Helper()
	b, err := cwmp.Marshal(env)
	if err != nil {
		c.t.Fatal(err)
	}
	code, _, reply := c.post(b)
	return code, reply
}

func informWith(serial string, events ...string) *cwmp.Envelope {
	if len(events) == 0 {
		events = []string{cwmp.EventPeriodic}
	}
	inf := &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{OUI: "00D09E", ProductClass: "Lab Box", SerialNumber: serial},
		MaxEnvelopes: 1, CurrentTime: time.Now(),
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1", Type: "xsd:string"}}}
	for _, e := range events {
		inf.Event = append(inf.Event, cwmp.EventStruct{EventCode: e})
	}
	return &cwmp.Envelope{Header: cwmp.Header{ID: "inform"}, Body: inf}
}

// smallCPE answers discovery RPCs for a tree of a few parameters, and
// faults a GetParameterValues of a partial path or of more than maxNames
// names (9004, resources exceeded), as small real CPEs do.
type smallCPE struct {
	params   map[string]string
	maxNames int
	gpv      [][]string // names of each GetParameterValues received
}

func newSmallCPE(maxNames int) *smallCPE {
	c := &smallCPE{params: map[string]string{}, maxNames: maxNames}
	for _, n := range []string{"Manufacturer", "ManufacturerOUI", "ModelName", "Description", "ProductClass", "SerialNumber",
		"HardwareVersion", "SoftwareVersion", "ProvisioningCode", "UpTime"} {
		c.params["Device.DeviceInfo."+n] = "v-" + n
	}
	c.params["Device.DeviceInfo.UpTime"] = "42"
	return c
}

func (c *smallCPE) answer(m cwmp.Message) cwmp.Message {
	switch m := m.(type) {
	case *cwmp.GetParameterNames:
		r := &cwmp.GetParameterNamesResponse{ParameterList: []cwmp.ParameterInfoStruct{{Name: "Device."}, {Name: "Device.DeviceInfo."}}}
		for n := range c.params {
			r.ParameterList = append(r.ParameterList, cwmp.ParameterInfoStruct{Name: n})
		}
		return r
	case *cwmp.GetParameterValues:
		c.gpv = append(c.gpv, m.ParameterNames)
		if len(m.ParameterNames) > c.maxNames {
			return cwmp.NewFault(cwmp.FaultResourcesExceeded, "too many names")
		}
		r := &cwmp.GetParameterValuesResponse{}
		for _, n := range m.ParameterNames {
			v, ok := c.params[n]
			if !ok {
				return cwmp.NewFault(cwmp.FaultInvalidParameterName, n)
			}
			typ := "xsd:string"
			if strings.HasSuffix(n, "UpTime") {
				typ = "xsd:unsignedInt"
			}
			r.ParameterList = append(r.ParameterList, cwmp.ParameterValueStruct{Name: n, Value: v, Type: typ})
		}
		return r
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: []string{"GetRPCMethods"}}
	}
	return cwmp.NewFault(cwmp.FaultMethodNotSupported, m.MethodName())
}

// run runs one session of the small CPE.
func (c *smallCPE) run(t *testing.T, raw *rawCPE, serial string, events ...string) {
	t.Helper()
	code, reply := raw.send(informWith(serial, events...))
	if code != http.StatusOK {
		t.Fatalf("Inform: HTTP %d", code)
	}
	_ = reply
	code, req := raw.send(&cwmp.Envelope{})
	for n := 0; req != nil; n++ {
		if n > 100 {
			t.Fatal("session does not end")
		}
		code, req = raw.send(req.Reply(c.answer(req.Body)))
	}
	if code != http.StatusNoContent {
		t.Fatalf("session ended with HTTP %d", code)
	}
}

// TestDiscoveryFallsBackAndRemembers: a CPE that faults GetParameterValues
// of more than 3 names is discovered anyway (batches halved until it
// answers), every value is stored, the device keeps the batch size that
// works, and its next discovery uses it from the start. A device
// override set through the NBI wins over what was learnt.
func TestDiscoveryFallsBackAndRemembers(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	id := labID + "S1"
	cpe := newSmallCPE(3)
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	cpe.run(t, raw, "S1", cwmp.EventBootstrap)
	var d store.Device
	a.do("GET", devPath(id), nil, &d)
	if !d.Discovered {
		t.Fatalf("not discovered: %+v", d)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.", nil, &ps)
	values := 0
	for _, p := range ps {
		if !p.Object && p.Value == cpe.params[p.Name] {
			values++
		}
	}
	if values != len(cpe.params) {
		t.Fatalf("%d of %d values stored: %+v", values, len(cpe.params), ps)
	}
	var strat struct {
		Learned   acsref.DiscoveryStrategy `json:"learned"`
		Effective acsref.DiscoveryStrategy `json:"effective"`
	}
	if code := a.do("GET", devPath(id)+"/discovery", nil, &strat); code != http.StatusOK || strat.Learned.BatchSize != 3 || strat.Effective.BatchSize != 3 {
		t.Fatalf("discovery record HTTP %d %+v, want batch size 3 learnt", code, strat)
	}
	// Discovered again (BOOTSTRAP): batches of 3 from the start.
	cpe.gpv = nil
	cpe.run(t, raw, "S1", cwmp.EventBootstrap)
	for _, names := range cpe.gpv {
		if len(names) > 3 {
			t.Fatalf("second discovery asked %d names at once: %v", len(names), cpe.gpv)
		}
	}
	if len(cpe.gpv) != 4 {
		t.Fatalf("second discovery: %d GetParameterValues, want 4 (10 names by 3)", len(cpe.gpv))
	}
	// An override through the NBI wins.
	if code := a.do("PUT", devPath(id)+"/discovery", `{"batchSize":2}`, nil); code != http.StatusNoContent {
		t.Fatalf("PUT discovery: HTTP %d", code)
	}
	if code := a.do("PUT", devPath(id)+"/discovery", `{"batchSize":-1}`, nil); code != http.StatusBadRequest {
		t.Fatalf("PUT bad discovery: HTTP %d", code)
	}
	cpe.gpv = nil
	cpe.run(t, raw, "S1", cwmp.EventBootstrap)
	if len(cpe.gpv) != 5 {
		t.Fatalf("with batchSize 2: %d GetParameterValues, want 5: %v", len(cpe.gpv), cpe.gpv)
	}
}

// TestTaskFaultsAfterNoAnswers: a task whose RPC the CPE never answers
// (the session times out) is sent again, then faults after MaxNoAnswer
// no-answers with the reason, in the task, in /faults and in the log
// (warn, with the device id). Discovery that went unanswered no longer
// goes before the NBI's tasks.
func TestTaskFaultsAfterNoAnswers(t *testing.T) {
	var logs syncBuffer
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.SessionTimeout = 200 * time.Millisecond
		c.MaxNoAnswer = 2
		c.RetryBackoff = time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	id := labID + "N1"
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	// First contact: the CPE never answers the discovery's
	// GetParameterNames.
	if code, _ := raw.send(informWith("N1", cwmp.EventBootstrap)); code != http.StatusOK {
		t.Fatalf("Inform: HTTP %d", code)
	}
	if _, req := raw.send(&cwmp.Envelope{}); req == nil || req.Body.MethodName() != "GetParameterNames" {
		t.Fatalf("first RPC %v, want GetParameterNames", req)
	}
	waitFor(t, "the session to time out", func() bool { return a.do("GET", devPath(id), nil, nil) == http.StatusOK })
	tk := a.task(id, `{"name":"getRPCMethods"}`)
	// Second session: the NBI's task comes first now; the discovery
	// follows and goes unanswered again.
	raw = newRawCPE(t, a.srv.CWMPURL(), true)
	raw.send(informWith("N1"))
	_, req := raw.send(&cwmp.Envelope{})
	if req == nil || req.Body.MethodName() != "GetRPCMethods" {
		var ts []*store.Task
		a.do("GET", devPath(id)+"/tasks", nil, &ts)
		for _, x := range ts {
			t.Logf("%+v", x)
		}
		t.Fatalf("second session's first RPC %v, want the NBI's GetRPCMethods", req)
	}
	_, req = raw.send(req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}}))
	if req == nil || req.Body.MethodName() != "GetParameterNames" {
		t.Fatalf("then %v, want GetParameterNames", req)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskPending { // not committed before the session ends
		t.Logf("NBI task %s", got.Status)
	}
	var gpn *store.Task
	waitFor(t, "the discovery task to fault", func() bool {
		var ts []*store.Task
		a.do("GET", devPath(id)+"/tasks", nil, &ts)
		for _, x := range ts {
			if x.Name == "getParameterNames" && x.Status == store.TaskFault {
				gpn = x
			}
		}
		return gpn != nil
	})
	if gpn.Attempts != 2 || !strings.Contains(gpn.FaultString, "no answer to GetParameterNames after 2 attempts") || !strings.Contains(gpn.FaultString, "session") {
		t.Fatalf("discovery task %+v", gpn)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskDone {
		t.Fatalf("NBI task %s", got.Status)
	}
	var fs []store.Fault
	a.do("GET", devPath(id)+"/faults", nil, &fs)
	found := false
	for _, f := range fs {
		found = found || f.TaskID == gpn.ID && strings.Contains(f.String, "no answer")
	}
	if !found {
		t.Fatalf("no fault for task %d in /faults: %+v", gpn.ID, fs)
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN msg=\"acs: task faulted\" device="+id) {
		t.Fatalf("log:\n%s", l)
	}
	// The device is still managed: the next session runs a new task.
	tk2 := a.task(id, `{"name":"getRPCMethods"}`)
	raw = newRawCPE(t, a.srv.CWMPURL(), true)
	raw.send(informWith("N1"))
	_, req = raw.send(&cwmp.Envelope{})
	if req == nil || req.Body.MethodName() != "GetRPCMethods" {
		t.Fatalf("third session %v", req)
	}
	if code, end := raw.send(req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); code != http.StatusNoContent || end != nil {
		t.Fatalf("end HTTP %d %v", code, end)
	}
	if got := a.getTask(tk2.ID); got.Status != store.TaskDone {
		t.Fatalf("task after the discovery failed: %s", got.Status)
	}
	// The values task went with the names task; the next discovery waits.
	var ts []*store.Task
	a.do("GET", devPath(id)+"/tasks?status=pending", nil, &ts)
	if len(ts) != 0 {
		t.Fatalf("pending: %+v", ts)
	}
	var view acsref.DiscoveryView
	a.do("GET", devPath(id)+"/discovery", nil, &view)
	if view.Effective.BatchSize != acsref.DefaultDiscoveryBatch || !strings.Contains(view.LastFallback, "session") {
		t.Fatalf("discovery view %+v", view)
	}
}

// TestUndecodableAnswer: a reply that cannot be decoded faults its task at
// once, is logged with the device, the reason and its first bytes, and
// the session goes on with the next task.
func TestUndecodableAnswer(t *testing.T) {
	var logs syncBuffer
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	id := labID + "U1"
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	raw.send(informWith("U1"))
	raw.send(&cwmp.Envelope{})
	bad := a.task(id, `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`)
	good := a.task(id, `{"name":"getRPCMethods"}`)
	raw.send(informWith("U1"))
	_, req := raw.send(&cwmp.Envelope{})
	if req == nil || req.Body.MethodName() != "GetParameterValues" {
		t.Fatalf("first RPC %v", req)
	}
	code, _, next := raw.post([]byte("<soap:Envelope><garbage"))
	if code != http.StatusOK || next == nil || next.Body.MethodName() != "GetRPCMethods" {
		t.Fatalf("after the garbage: HTTP %d %v, want the next task", code, next)
	}
	if code, end := raw.send(next.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); code != http.StatusNoContent || end != nil {
		t.Fatalf("end: HTTP %d", code)
	}
	got := a.getTask(bad.ID)
	if got.Status != store.TaskFault || !strings.Contains(got.FaultString, "could not be decoded") {
		t.Fatalf("task %+v", got)
	}
	if g := a.getTask(good.ID); g.Status != store.TaskDone {
		t.Fatalf("next task %s", g.Status)
	}
	if l := logs.String(); !strings.Contains(l, `msg="acs: undecodable message" device=`+id) || !strings.Contains(l, `<soap:Envelope><garbage`) {
		t.Fatalf("log:\n%s", l)
	}
}

// TestOneBadItemInGPN: a GetParameterNamesResponse with one
// <Writable>30</Writable> (a real Cisco answer) is used minus that item:
// the device is discovered, the item is a finding that names it.
func TestOneBadItemInGPN(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	id := labID + "B1"
	cpe := newSmallCPE(100)
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	raw.send(informWith("B1", cwmp.EventBootstrap))
	_, req := raw.send(&cwmp.Envelope{})
	if req == nil || req.Body.MethodName() != "GetParameterNames" {
		t.Fatalf("first RPC %v", req)
	}
	b, _ := cwmp.Marshal(req.Reply(cpe.answer(req.Body)))
	bad := "<Name>Device.DeviceInfo.SerialNumber</Name><Writable>30</Writable>"
	b = bytes.Replace(b, []byte("<Name>Device.DeviceInfo.SerialNumber</Name><Writable>0</Writable>"), []byte(bad), 1)
	if !bytes.Contains(b, []byte(bad)) {
		t.Fatalf("no item to break in %s", b)
	}
	code, _, req := raw.post(b)
	for n := 0; req != nil && n < 20; n++ {
		code, req = raw.send(req.Reply(cpe.answer(req.Body)))
	}
	if code != http.StatusNoContent {
		t.Fatalf("session: HTTP %d", code)
	}
	var conf struct {
		Discovered bool            `json:"discovered"`
		Findings   []store.Finding `json:"findings"`
	}
	a.do("GET", devPath(id)+"/conformance", nil, &conf)
	var f *store.Finding
	for i := range conf.Findings {
		if conf.Findings[i].Rule == acsref.RuleDecodeIssue {
			f = &conf.Findings[i]
		}
	}
	if !conf.Discovered || f == nil || f.Path != "Device.DeviceInfo.SerialNumber" || !strings.Contains(f.Message, `"30" is not a boolean`) {
		t.Fatalf("conformance %+v", conf)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters?prefix=Device.DeviceInfo.", nil, &ps)
	stored := map[string]string{}
	for _, p := range ps {
		stored[p.Name] = p.Value
	}
	// The object and every parameter but the dropped one, with values.
	for n, v := range cpe.params {
		if got, ok := stored[n]; ok == (n == "Device.DeviceInfo.SerialNumber") || ok && got != v {
			t.Errorf("%s: stored %v, value %q", n, ok, got)
		}
	}
	if len(stored) != len(cpe.params) {
		t.Errorf("%d stored: %v", len(stored), stored)
	}
}

// TestCompressedBodies: an Inform compressed with gzip or deflate is
// decoded, and answered in kind when the CPE accepts that encoding.
func TestCompressedBodies(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	for i, enc := range []string{"gzip", "deflate"} {
		for _, accept := range []bool{false, true} {
			serial := "Z" + strconv.Itoa(i) + strconv.FormatBool(accept)
			b, _ := cwmp.Marshal(informWith(serial))
			var buf bytes.Buffer
			var zw io.WriteCloser = gzip.NewWriter(&buf)
			if enc == "deflate" {
				zw = zlib.NewWriter(&buf)
			}
			zw.Write(b)
			zw.Close()
			raw := newRawCPE(t, a.srv.CWMPURL(), true)
			raw.header.Set("Content-Encoding", enc)
			if accept {
				raw.header.Set("Accept-Encoding", enc)
			}
			code, h, reply := raw.post(buf.Bytes())
			if code != http.StatusOK || reply == nil || reply.Body.MethodName() != "InformResponse" {
				t.Fatalf("%s: HTTP %d %v", enc, code, reply)
			}
			if got := h.Get("Content-Encoding"); (got == enc) != accept {
				t.Fatalf("%s, accepted %v: answered with Content-Encoding %q", enc, accept, got)
			}
			raw.header = http.Header{}
			if code, _ := raw.send(&cwmp.Envelope{}); code != http.StatusNoContent {
				t.Fatalf("%s: end HTTP %d", enc, code)
			}
			if code := a.do("GET", devPath(labID+serial), nil, nil); code != http.StatusOK {
				t.Fatalf("%s: device not stored", enc)
			}
		}
	}
	// A broken gzip body is refused with the reason.
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	raw.header.Set("Content-Encoding", "gzip")
	if code, _, _ := raw.post([]byte("not gzip")); code != http.StatusBadRequest {
		t.Fatalf("broken gzip: HTTP %d", code)
	}
}

// TestCPEWithoutCookies: a CPE that never returns the session cookie
// keeps its session on its connection: its empty POST gets the queued
// task, not 204; and, when it opens a new connection instead, it is
// accepted again at once with a new Inform.
func TestCPEWithoutCookies(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	id := labID + "C1"
	raw := newRawCPE(t, a.srv.CWMPURL(), false)
	raw.send(informWith("C1"))
	raw.send(&cwmp.Envelope{})
	tk := a.task(id, `{"name":"getRPCMethods"}`)
	if code, _ := raw.send(informWith("C1")); code != http.StatusOK {
		t.Fatalf("Inform: HTTP %d", code)
	}
	code, req := raw.send(&cwmp.Envelope{})
	if code != http.StatusOK || req == nil || req.Body.MethodName() != "GetRPCMethods" {
		t.Fatalf("empty POST without cookie: HTTP %d %v, want the task", code, req)
	}
	if code, end := raw.send(req.Reply(&cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}})); code != http.StatusNoContent || end != nil {
		t.Fatalf("end: HTTP %d", code)
	}
	if got := a.getTask(tk.ID); got.Status != store.TaskDone {
		t.Fatalf("task %s", got.Status)
	}
	// A new connection for every POST: the empty POST cannot be tied to
	// the session, but the device is let in again at once.
	tk2 := a.task(id, `{"name":"getRPCMethods"}`)
	for i := 0; i < 2; i++ {
		fresh := newRawCPE(t, a.srv.CWMPURL(), false)
		if code, _ := fresh.send(informWith("C1")); code != http.StatusOK {
			t.Fatalf("Inform %d on a new connection: HTTP %d", i, code)
		}
	}
	if got := a.getTask(tk2.ID); got.Status != store.TaskPending {
		t.Fatalf("task %s", got.Status)
	}
}

// TestPartialPathLearnt: a device that answered an NBI getParameterValues
// of a partial path is discovered with one GetParameterValues of its root
// from then on.
func TestPartialPathLearnt(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.DiscoveryByProductClass = map[string]acsref.DiscoveryStrategy{"Lab Box": {BatchSize: 10}}
	})
	cpe := newTestCPE(a.srv.CWMPURL(), "P1")
	session(t, cpe) // first contact: names, then values in batches
	var first []string
	for _, c := range cpe.Calls {
		if c == "GetParameterValues" {
			first = append(first, c)
		}
	}
	if len(first) < 2 {
		t.Fatalf("first discovery calls %v, want batches", cpe.Calls)
	}
	a.task(labID+"P1", `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo."]}`)
	session(t, cpe)
	var view acsref.DiscoveryView
	a.do("GET", devPath(labID+"P1")+"/discovery", nil, &view)
	if view.Learned.PartialGPV == nil || !*view.Learned.PartialGPV {
		t.Fatalf("not learnt: %+v", view)
	}
	cpe.Calls = nil
	if err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventBootstrap}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cpe.Calls, ","); got != "GetParameterNames,GetParameterValues" {
		t.Fatalf("rediscovery calls %s, want one GetParameterValues", got)
	}
}

// TestInformWithBadItem: an Inform whose ParameterList has an item
// without a Name and an arrayType count that disagrees is used minus that
// item; both are findings of the device.
func TestInformWithBadItem(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	b, _ := cwmp.Marshal(informWith("I1"))
	b = bytes.Replace(b, []byte("</ParameterList>"), []byte("<ParameterValueStruct><Value>orphan</Value></ParameterValueStruct></ParameterList>"), 1)
	b = bytes.Replace(b, []byte("ParameterValueStruct[1]"), []byte("ParameterValueStruct[5]"), 1)
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	if code, _, reply := raw.post(b); code != http.StatusOK || reply == nil {
		t.Fatalf("Inform: HTTP %d in %s", code, b)
	}
	raw.send(&cwmp.Envelope{})
	var conf struct {
		Findings []store.Finding `json:"findings"`
	}
	a.do("GET", devPath(labID+"I1")+"/conformance", nil, &conf)
	var msgs []string
	for _, f := range conf.Findings {
		if f.Rule == acsref.RuleDecodeIssue {
			msgs = append(msgs, f.Message)
		}
	}
	got := strings.Join(msgs, "\n")
	if len(msgs) != 2 || !strings.Contains(got, "declares 5 items, the array has 2") || !strings.Contains(got, "item 1: no Name") {
		t.Fatalf("findings %q", got)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(labID+"I1")+"/parameters", nil, &ps)
	if len(ps) != 1 || ps[0].Name != "Device.DeviceInfo.SoftwareVersion" {
		t.Fatalf("parameters %+v", ps)
	}
}
