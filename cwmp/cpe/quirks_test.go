package cpe_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/generated/tr098"
)

// wireACS is the test ACS behind a recorder of what reaches the wire:
// each POST (when, on which connection, with which cookie) and each
// connection the CPE closed.
type wireACS struct {
	acs *testacs.ACS
	srv *httptest.Server

	mu     sync.Mutex
	posts  []wirePost
	closed map[string]bool // by the CPE's address
}

type wirePost struct {
	at     time.Time
	conn   string
	cookie string
}

func newWireACS(t *testing.T) *wireACS {
	w := &wireACS{acs: &testacs.ACS{Record: true}, closed: map[string]bool{}}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.posts = append(w.posts, wirePost{at: time.Now(), conn: r.RemoteAddr, cookie: r.Header.Get("Cookie")})
		w.mu.Unlock()
		w.acs.ServeHTTP(rw, r)
	}))
	w.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			w.mu.Lock()
			w.closed[c.RemoteAddr().String()] = true
			w.mu.Unlock()
		}
	}
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	return w
}

func (w *wireACS) recorded() []wirePost {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.posts)
}

// waitClosed waits (at most 5 s) for the ACS to see the connection close.
func (w *wireACS) waitClosed(conn string) bool {
	for range 250 {
		w.mu.Lock()
		c := w.closed[conn]
		w.mu.Unlock()
		if c {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// quirkyCPE is an IGD CPE with quirks q talking to w, on a transport of
// its own (so that the test sees its connections).
func quirkyCPE(t *testing.T, w *wireACS, serial string, q cpe.Quirks) *cpe.Agent {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	a, err := cpe.New(cpe.Config{Schema: tr098.Schema, ACSURL: w.srv.URL, SerialNumber: serial, Quirks: q, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func session(t *testing.T, a *cpe.Agent) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := a.RunSession(ctx, cwmp.EventPeriodic)
	return err
}

var (
	partialGPV = &cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice.DeviceInfo."}}
	leafGPV    = &cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice.DeviceInfo.Manufacturer"}}
)

func faultCode(m cwmp.Message) cwmp.FaultCode {
	if f, ok := m.(*cwmp.Fault); ok {
		return f.Code
	}
	return 0
}

// partial-gpv=fault: a partial path is 9005, leaf names are answered; a
// conforming CPE answers both.
func TestQuirkPartialPathFault(t *testing.T) {
	w := newWireACS(t)
	for serial, q := range map[string]cpe.Quirks{"Q1": {PartialPathGPV: cpe.QuirkFault}, "OK1": {}} {
		a := quirkyCPE(t, w, serial, q)
		w.acs.Enqueue(serial, partialGPV, leafGPV)
		if err := session(t, a); err != nil {
			t.Fatal(err)
		}
		s := w.acs.Last(serial)
		if len(s.Exchanges) != 2 || !s.Complete {
			t.Fatalf("%s: %d exchanges, complete %v", serial, len(s.Exchanges), s.Complete)
		}
		code := faultCode(s.Exchanges[0].Response)
		if (serial == "Q1") != (code == cwmp.FaultInvalidParameterName) {
			t.Errorf("%s: partial path answered %+v", serial, s.Exchanges[0].Response)
		}
		if _, ok := s.Exchanges[1].Response.(*cwmp.GetParameterValuesResponse); !ok {
			t.Errorf("%s: leaf name answered %+v", serial, s.Exchanges[1].Response)
		}
	}
}

// partial-gpv=crash and crash-unknown: the CPE drops the connection the
// request came on, without an answer; the ACS sees it close. The CPE
// informs again afterwards.
func TestQuirkCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    cpe.Quirks
		req  cwmp.Message
	}{
		{"partial-gpv", cpe.Quirks{PartialPathGPV: cpe.QuirkCrash}, partialGPV},
		{"unknown-gpv", cpe.Quirks{CrashOnUnknown: true}, &cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice.DeviceInfo.X_NOPE"}}},
		{"unknown-gpn", cpe.Quirks{CrashOnUnknown: true}, &cwmp.GetParameterNames{ParameterPath: "InternetGatewayDevice.Nope.", NextLevel: true}},
		{"unknown-spv", cpe.Quirks{CrashOnUnknown: true}, &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "InternetGatewayDevice.Nope", Value: "1", Type: "xsd:string"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWireACS(t)
			a := quirkyCPE(t, w, "C1", tc.q)
			w.acs.Enqueue("C1", leafGPV, tc.req, leafGPV)
			err := session(t, a)
			if !errors.Is(err, cpe.ErrCrashed) {
				t.Fatalf("session: %v, want a crash", err)
			}
			s := w.acs.Last("C1")
			if len(s.Exchanges) != 1 || s.Complete {
				t.Fatalf("%d exchanges, complete %v: the CPE answered after the crash", len(s.Exchanges), s.Complete)
			}
			posts := w.recorded()
			last := posts[len(posts)-1]
			if !w.waitClosed(last.conn) {
				t.Fatal("the connection stays open")
			}
			if n := len(w.recorded()); n != len(posts) {
				t.Fatalf("%d more requests after the crash", n-len(posts))
			}
			// Alive again: the next session completes.
			if err := session(t, a); err != nil || !w.acs.Last("C1").Complete {
				t.Fatalf("after the crash: %v", err)
			}
		})
	}
	// crash-unknown does not crash on what the device has.
	w := newWireACS(t)
	a := quirkyCPE(t, w, "C2", cpe.Quirks{CrashOnUnknown: true})
	w.acs.Enqueue("C2", leafGPV, partialGPV)
	if err := session(t, a); err != nil || len(w.acs.Last("C2").Exchanges) != 2 {
		t.Fatalf("known names: %v", err)
	}
}

// no-reboot: Reboot is 9000 and is not offered in GetRPCMethods; the
// device does not reboot.
func TestQuirkNoReboot(t *testing.T) {
	w := newWireACS(t)
	a := quirkyCPE(t, w, "R1", cpe.Quirks{NoReboot: true})
	w.acs.Enqueue("R1", &cwmp.GetRPCMethods{}, &cwmp.Reboot{CommandKey: "rb"})
	if err := session(t, a); err != nil {
		t.Fatal(err)
	}
	s := w.acs.Last("R1")
	methods, ok := s.Exchanges[0].Response.(*cwmp.GetRPCMethodsResponse)
	if !ok || slices.Contains(methods.MethodList, "Reboot") || !slices.Contains(methods.MethodList, "GetParameterValues") {
		t.Errorf("GetRPCMethods: %+v", s.Exchanges[0].Response)
	}
	if c := faultCode(s.Exchanges[1].Response); c != cwmp.FaultMethodNotSupported {
		t.Errorf("Reboot answered %+v", s.Exchanges[1].Response)
	}
	if err := session(t, a); err != nil {
		t.Fatal(err)
	}
	if ev := w.acs.Last("R1").Events(); slices.Contains(ev, cwmp.EventMReboot) || slices.Contains(ev, cwmp.EventBoot) {
		t.Errorf("rebooted: next Inform %v", ev)
	}
}

// delay: every answer to the ACS leaves at least the delay after the
// request reached the CPE (a lower bound: nothing can make it faster).
func TestQuirkDelay(t *testing.T) {
	const delay = 150 * time.Millisecond
	w := newWireACS(t)
	a := quirkyCPE(t, w, "D1", cpe.Quirks{Delay: delay})
	w.acs.Enqueue("D1", leafGPV, leafGPV)
	if err := session(t, a); err != nil {
		t.Fatal(err)
	}
	// POSTs: Inform, empty (→ GPV), GPVResponse (→ GPV), GPVResponse (→ 204).
	p := w.recorded()
	if len(p) != 4 {
		t.Fatalf("%d POSTs", len(p))
	}
	for i := 2; i < 4; i++ {
		if gap := p[i].at.Sub(p[i-1].at); gap < delay {
			t.Errorf("answer %d came %s after the request, want at least %s", i-1, gap, delay)
		}
	}
}

// bool-int: booleans go out as 0 and 1, still typed xsd:boolean.
func TestQuirkBoolAsInt(t *testing.T) {
	w := newWireACS(t)
	gpv := &cwmp.GetParameterValues{ParameterNames: []string{"InternetGatewayDevice.ManagementServer.PeriodicInformEnable", "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"}}
	for serial, want := range map[string]string{"B1": "0", "OK2": "false"} {
		q := cpe.Quirks{}
		if serial == "B1" {
			q.BoolAsInt = true
		}
		a := quirkyCPE(t, w, serial, q)
		w.acs.Enqueue(serial, gpv)
		if err := session(t, a); err != nil {
			t.Fatal(err)
		}
		r, ok := w.acs.Last(serial).Exchanges[0].Response.(*cwmp.GetParameterValuesResponse)
		if !ok || len(r.ParameterList) != 2 {
			t.Fatalf("%s: %+v", serial, w.acs.Last(serial).Exchanges[0].Response)
		}
		if pv := r.ParameterList[0]; pv.Value != want || pv.Type != "xsd:boolean" {
			t.Errorf("%s: %+v, want %q", serial, pv, want)
		}
		if pv := r.ParameterList[1]; pv.Value != "86400" {
			t.Errorf("%s: not a boolean, changed: %+v", serial, pv)
		}
	}
}

// no-cookies: after the Inform the CPE's requests carry no cookie, so an
// ACS that keeps its session in a cookie (this one) loses it; a
// conforming CPE returns the cookie.
func TestQuirkNoCookies(t *testing.T) {
	w := newWireACS(t)
	for serial, q := range map[string]cpe.Quirks{"K1": {NoCookies: true}, "OK3": {}} {
		before := len(w.recorded())
		a := quirkyCPE(t, w, serial, q)
		err := session(t, a)
		posts := w.recorded()[before:]
		if len(posts) < 2 {
			t.Fatalf("%s: %d POSTs (%v)", serial, len(posts), err)
		}
		if serial == "K1" {
			if posts[1].cookie != "" || err == nil {
				t.Errorf("K1: cookie %q sent, session error %v", posts[1].cookie, err)
			}
			continue
		}
		if posts[1].cookie == "" || err != nil {
			t.Errorf("OK3: no cookie returned (%v)", err)
		}
	}
}

func TestParseQuirks(t *testing.T) {
	q, err := cpe.ParseQuirks([]string{"no-reboot,delay=250ms", "partial-gpv=crash", "bool-int", "no-cookies", "crash-unknown"})
	want := cpe.Quirks{PartialPathGPV: cpe.QuirkCrash, CrashOnUnknown: true, NoReboot: true, Delay: 250 * time.Millisecond, BoolAsInt: true, NoCookies: true}
	if err != nil || q != want {
		t.Fatalf("%+v %v", q, err)
	}
	if q, err := cpe.ParseQuirks([]string{"partial-gpv"}); err != nil || q.PartialPathGPV != cpe.QuirkFault {
		t.Fatalf("%+v %v", q, err)
	}
	for _, bad := range []string{"reboot", "delay=soon", "delay=-1s", "partial-gpv=maybe", "no-reboot=1"} {
		if _, err := cpe.ParseQuirks([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
