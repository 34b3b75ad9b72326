package conformance

import (
	"strings"
	"testing"
	"time"
)

// TestEndpointStepValidate: an endpoint step names one of the checks.
func TestEndpointStepValidate(t *testing.T) {
	p := &Plan{Name: "x", Version: "1", Cases: []Case{{ID: "a", Steps: []Step{{Op: OpEndpoint, Check: "teleport"}}}}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "check is one of tls, untrusted-certificate") {
		t.Errorf("unknown check: %v", err)
	}
	p.Cases[0].Steps[0].Check = CheckRedirect
	p.Cases[0].Condition = Condition{Kind: IfACS, Value: "tls"}
	if err := p.Validate(); err != nil {
		t.Errorf("redirect step: %v", err)
	}
}

// TestRedirectJudged: undecided until the redirected Inform reached the
// ACS and the session went on; then a pass when only Informs reached the
// redirecting endpoint, a failure when a later request of the session
// did.
func TestRedirectJudged(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	redirected := EndpointLog{Requests: []EndpointRequest{{Time: at(1), End: at(1), Inform: true, Status: 307}}}
	earlier := []Exchange{{Time: at(0), Direction: "CPE→ACS", Method: "Inform"}, {Time: at(0), Direction: "CPE→ACS", Method: "SetParameterValuesResponse"}}
	if _, done := redirectJudged(EndpointLog{}, earlier); done {
		t.Error("decided with nothing redirected")
	}
	if _, done := redirectJudged(redirected, earlier); done {
		t.Error("decided on the session before the redirect")
	}
	session := append(earlier, Exchange{Time: at(2), Direction: "CPE→ACS", Method: "Inform"})
	if _, done := redirectJudged(redirected, session); done {
		t.Error("decided before the session went on")
	}
	session = append(session, Exchange{Time: at(3), Direction: "CPE→ACS", Method: "GetParameterNamesResponse"})
	if f, done := redirectJudged(redirected, session); !done || f != nil {
		t.Errorf("sticky device: %v %v", f, done)
	}
	again := redirected
	again.Requests = append(again.Requests, EndpointRequest{Time: at(3), End: at(3), Status: 307})
	if f, done := redirectJudged(again, session); !done || f == nil || !strings.Contains(f.observed, "redirecting URL again") {
		t.Errorf("device back at the redirecting URL: %+v %v", f, done)
	}
	if !redirected.at(at(1)) || redirected.at(at(2)) {
		t.Error("EndpointLog.at")
	}
}

// TestFailedSessionsAtEndpoint: refused handshakes and refused
// credentials are failed sessions (the device's retry wait grows with
// them); a Digest challenge answered in the same session and a redirect
// are not.
func TestFailedSessionsAtEndpoint(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	log := EndpointLog{
		Handshakes: []Handshake{{Time: t0, Err: "remote error: tls: bad certificate"}, {Time: t0}},
		Requests: []EndpointRequest{
			{Time: t0, Inform: true, Status: 401},                          // the challenge
			{Time: t0, Inform: true, Authorization: "Digest", Status: 200}, // answered
			{Time: t0, Inform: true, Authorization: "Digest", Status: 401}, // refused
			{Time: t0, Inform: true, Status: 307},                          // redirected
			{Time: t0, Inform: true, Status: 503},
		},
	}
	if n := log.failedSessions(); n != 3 {
		t.Errorf("failed sessions %d, want 3", n)
	}
	if n := (&EndpointLog{}).failedSessions(); n != 0 {
		t.Errorf("empty log: %d", n)
	}
}
