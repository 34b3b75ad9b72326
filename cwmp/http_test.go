package cwmp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeACS is a minimal ACS: it answers an Inform, then asks one
// GetParameterValues, then ends the session with 204. It sets a session
// cookie on the InformResponse and records what cookies each POST carried.
type fakeACS struct {
	t       *testing.T
	mu      sync.Mutex
	step    int
	cookies []string // the session cookie value seen on each POST ("" if none)
	types   []string // Content-Type of each response
}

func (a *fakeACS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := r.Cookie("acs-session")
	if err != nil {
		a.cookies = append(a.cookies, "")
	} else {
		a.cookies = append(a.cookies, c.Value)
	}
	env, err := ReadEnvelope(r)
	if err != nil {
		a.t.Errorf("ACS: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var reply *Envelope
	switch m := env.Body.(type) {
	case *Inform:
		// Path and Domain that do not match the CPE's URL: a session
		// cookie must come back anyway.
		http.SetCookie(w, &http.Cookie{Name: "acs-session", Value: "s-" + m.DeviceID.SerialNumber, Path: "/elsewhere", Domain: "acs.example"})
		reply = env.Reply(&InformResponse{MaxEnvelopes: 1})
	case *GetParameterValuesResponse:
		if len(m.ParameterList) != 1 || m.ParameterList[0].Value != "42" {
			a.t.Errorf("ACS got %+v", m.ParameterList)
		}
		reply = &Envelope{} // nothing more: 204
	case nil:
		if env.IsEmpty() {
			reply = &Envelope{Namespace: Namespace10, Header: Header{ID: "gpv-1"},
				Body: &GetParameterValues{ParameterNames: []string{"Device.X"}}}
		}
	case *SetParameterValues:
		reply = env.Reply(&Fault{Code: FaultACSMethodNotSupported})
	}
	if reply == nil {
		a.t.Errorf("ACS: unexpected %T", env.Body)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rec := httptest.NewRecorder()
	if err := WriteEnvelope(rec, reply); err != nil {
		a.t.Errorf("ACS write: %v", err)
	}
	a.types = append(a.types, rec.Header().Get("Content-Type"))
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func TestSessionOverHTTP(t *testing.T) {
	acs := &fakeACS{t: t}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	cpe := NewSessionClient(srv.URL+"/acs", srv.Client().Transport)
	inform := &Envelope{Namespace: Namespace10, Header: Header{ID: "1"}, Body: &Inform{
		DeviceID: DeviceIDStruct{"Acme", "00D09E", "Box", "SN7"}, MaxEnvelopes: 1,
		Event: []EventStruct{{EventPeriodic, ""}},
	}}
	rep, err := cpe.Post(ctx, inform)
	if err != nil {
		t.Fatal(err)
	}
	if ir, ok := rep.Body.(*InformResponse); !ok || ir.MaxEnvelopes != 1 || rep.Header.ID != "1" || rep.Namespace != Namespace10 {
		t.Fatalf("reply = %+v", rep)
	}
	rep, err = cpe.Post(ctx, &Envelope{}) // empty POST: CPE has nothing more
	if err != nil {
		t.Fatal(err)
	}
	gpv, ok := rep.Body.(*GetParameterValues)
	if !ok || gpv.ParameterNames[0] != "Device.X" {
		t.Fatalf("reply = %+v", rep)
	}
	rep, err = cpe.Post(ctx, rep.Reply(&GetParameterValuesResponse{
		ParameterList: []ParameterValueStruct{{"Device.X", "42", "xsd:unsignedInt"}}}))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.IsEmpty() {
		t.Fatalf("final reply = %+v, want empty (204)", rep)
	}
	if len(cpe.Cookies()) != 1 {
		t.Errorf("cookies held = %+v", cpe.Cookies())
	}
	cpe.End()
	if len(cpe.Cookies()) != 0 {
		t.Error("End kept cookies")
	}
	// Next session: no cookie on its Inform.
	if _, err := cpe.Post(ctx, inform); err != nil {
		t.Fatal(err)
	}
	want := []string{"", "s-SN7", "s-SN7", ""}
	if strings.Join(acs.cookies, ",") != strings.Join(want, ",") {
		t.Errorf("cookies seen by the ACS = %q, want %q", acs.cookies, want)
	}
	for i, ct := range acs.types {
		if ct != ContentType && ct != "" {
			t.Errorf("response %d Content-Type %q", i, ct)
		}
	}
}

func TestWriteEnvelopeStatuses(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteEnvelope(rec, &Envelope{}); err != nil || rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Errorf("empty: %d %q %v", rec.Code, rec.Body.String(), err)
	}
	rec = httptest.NewRecorder()
	if err := WriteEnvelope(rec, &Envelope{Body: NewFault(FaultACSRetryRequest, "")}); err != nil || rec.Code != http.StatusInternalServerError {
		t.Errorf("fault: %d %v", rec.Code, err)
	}
	if rec.Header().Get("Content-Type") != `text/xml; charset="utf-8"` {
		t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
	}
	resp := rec.Result()
	env, err := ReadResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := env.Body.(*Fault); !ok || f.Code != FaultACSRetryRequest {
		t.Errorf("fault read back as %+v", env.Body)
	}
	rec = httptest.NewRecorder()
	if err := WriteEnvelope(rec, &Envelope{Body: &Reboot{CommandKey: strings.Repeat("x", 40)}}); err == nil || rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("invalid envelope: wrote %d %q, err %v", rec.Code, rec.Body.String(), err)
	}
}

func TestReadLimitsAndStatuses(t *testing.T) {
	big := strings.Repeat(" ", 200) + envOpen + "<cwmp:Reboot/>" + envClose
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(big))
	d := Decoder{MaxSize: 100}
	if _, err := d.ReadEnvelope(req); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(big))
	req.ContentLength = -1 // chunked: no length to check up front
	if _, err := d.ReadEnvelope(req); !errors.Is(err, ErrTooLarge) {
		t.Errorf("chunked: err = %v, want ErrTooLarge", err)
	}
	resp := &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader("nope"))}
	var se *HTTPStatusError
	if _, err := ReadResponse(resp); !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("err = %v", err)
	}
	resp = &http.Response{StatusCode: 500, Status: "500", Body: io.NopCloser(strings.NewReader(envOpen + "<cwmp:InformResponse/>" + envClose))}
	if _, err := ReadResponse(resp); !errors.As(err, &se) {
		t.Errorf("500 without a fault: err = %v", err)
	}
}

func TestSessionJarExpiryAndSecure(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	j := &SessionJar{now: func() time.Time { return now }}
	u := mustURL(t, "http://acs.example/cwmp")
	j.SetCookies(u, []*http.Cookie{{Name: "a", Value: "1", MaxAge: 10}, {Name: "b", Value: "2"}, {Name: "s", Value: "3", Secure: true}})
	if got := cookieNames(j.Cookies(u)); got != "a,b" {
		t.Errorf("http cookies = %s", got)
	}
	if got := cookieNames(j.Cookies(mustURL(t, "https://acs.example/"))); got != "a,b,s" {
		t.Errorf("https cookies = %s", got)
	}
	now = now.Add(11 * time.Second)
	if got := cookieNames(j.Cookies(u)); got != "b" {
		t.Errorf("after expiry = %s", got)
	}
	j.SetCookies(u, []*http.Cookie{{Name: "b", MaxAge: -1}})
	if got := cookieNames(j.Cookies(u)); got != "" {
		t.Errorf("after deletion = %s", got)
	}
}

func cookieNames(cs []*http.Cookie) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
