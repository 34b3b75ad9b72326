package conformance

// The endpoint cases: the ACS points the device's ManagementServer.URL at
// a second endpoint of its own that behaves as the case needs (TLS with a
// certificate the device must refuse, Digest authentication, a challenge
// no credentials answer, a redirect), judges what the device does there,
// and sets the URL back.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

// Checks of an endpoint step.
const (
	CheckTLS           = "tls"                   // the device opens its session over TLS (https URL)
	CheckUntrustedCert = "untrusted-certificate" // the device refuses a certificate that does not validate
	CheckURLChange     = "url-change"            // the device informs the new URL with 0 BOOTSTRAP
	CheckDigest        = "digest"                // the device answers a Digest challenge
	CheckAuthRefused   = "auth-refused"          // refused credentials: the device does not loop
	CheckRedirect      = "redirect"              // the device follows a 307 and stays there for the session
)

// EndpointChecks lists the checks of an endpoint step.
var EndpointChecks = []string{CheckTLS, CheckUntrustedCert, CheckURLChange, CheckDigest, CheckAuthRefused, CheckRedirect}

// Endpoint kinds: how a second endpoint of the ACS answers.
const (
	EndpointServe     = "serve"     // as the ACS does (TLS with its certificate when its URL is https)
	EndpointUntrusted = "untrusted" // TLS with a certificate that no CA the device trusts issued
	EndpointDigest    = "digest"    // Digest authentication with Username and Password, then as the ACS
	EndpointRefuse    = "refuse"    // a 401 Digest challenge to every request
	EndpointRedirect  = "redirect"  // 307 Temporary Redirect to the ACS's own URL
)

// EndpointSpec says what endpoint to open.
type EndpointSpec struct {
	Kind string
	// Username and Password are what a digest endpoint accepts; none:
	// the ACS's own CPE authentication.
	Username, Password string
}

// EndpointDriver is a Driver that can open a second CWMP endpoint of the
// ACS for the device (the ACS listens on it until Close).
type EndpointDriver interface {
	OpenEndpoint(ctx context.Context, spec EndpointSpec) (Endpoint, error)
}

// Endpoint is a second CWMP endpoint of the ACS.
type Endpoint interface {
	URL() string
	// Log is what reached the endpoint so far.
	Log() EndpointLog
	// Serve makes the endpoint answer as EndpointServe from now on, so
	// that the device can be given its old URL back.
	Serve()
	Close()
}

// EndpointLog is what reached an endpoint.
type EndpointLog struct {
	Requests   []EndpointRequest `json:"requests"`
	Handshakes []Handshake       `json:"handshakes,omitempty"`
}

// EndpointRequest is one HTTP request to an endpoint.
type EndpointRequest struct {
	Time          time.Time `json:"time"`
	End           time.Time `json:"end"`                     // when the answer was written
	Inform        bool      `json:"inform"`                  // its body is an Inform
	Authorization string    `json:"authorization,omitempty"` // the scheme: Digest, Basic
	Status        int       `json:"status"`
}

// Handshake is one TLS handshake at an endpoint.
type Handshake struct {
	Time time.Time `json:"time"`
	Err  string    `json:"err,omitempty"` // why it failed ("" if it did not)
}

// failedSessions counts the sessions that failed at the endpoint: TLS
// handshakes that did not complete and requests whose credentials it
// refused (a challenge answered in the same session is no failure).
func (l *EndpointLog) failedSessions() int {
	n := 0
	for _, h := range l.Handshakes {
		if h.Err != "" {
			n++
		}
	}
	for _, q := range l.Requests {
		if q.Authorization != "" && (q.Status == 401 || q.Status == 403) || q.Status >= 500 {
			n++
		}
	}
	return n
}

func parseUint32(s string) uint32 {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(v)
}

// at reports whether an Inform the ACS saw at t came through the
// endpoint.
func (l *EndpointLog) at(t time.Time) bool {
	for _, q := range l.Requests {
		if q.Inform && !t.Before(q.Time) && !t.After(q.End) {
			return true
		}
	}
	return false
}

func (l *EndpointLog) String() string {
	var parts []string
	for _, r := range l.Requests {
		s := fmt.Sprintf("POST → %d", r.Status)
		if r.Inform {
			s = "Inform " + s
		}
		if r.Authorization != "" {
			s += " (" + r.Authorization + " credentials)"
		}
		parts = append(parts, s)
	}
	for _, h := range l.Handshakes {
		if h.Err != "" {
			parts = append(parts, "TLS handshake failed: "+h.Err)
		}
	}
	if len(parts) == 0 {
		return "nothing reached the new URL"
	}
	return strings.Join(parts, "; ")
}

// authLoopWindow is how long after its first refused credentials a device
// is watched for retries, and authLoopMax how many it may make: the
// retry policy (TR-069 §3.2.1.1) waits at least 5 s before a new session.
const (
	authLoopWindow = 5 * time.Second
	authLoopMax    = 2
)

// endpointStep points the device's ACS URL at a second endpoint that
// behaves as the check needs, sends a connection request, judges what
// reaches the endpoint, and sets the old URL back.
func (r *Runner) endpointStep(ctx context.Context, s *Step, cs *caseState) (f *failure) {
	ed, ok := r.Driver.(EndpointDriver)
	if !ok {
		return &failure{skip: "this ACS cannot open a second endpoint"}
	}
	ms := r.dev.Root + "ManagementServer."
	stored, err := r.Driver.Parameters(ctx, ms)
	if err != nil {
		return &failure{skip: "the ACS's stored tree is unreadable: " + err.Error()}
	}
	oldURL, oldUser := r.dev.ACSURL, ""
	var retryMin, retryMult uint32 // 0: TR-069's defaults
	for _, p := range stored {
		switch p.Name {
		case ms + "URL":
			if p.Value != "" {
				oldURL = p.Value
			}
		case ms + "Username":
			oldUser = p.Value
		case ms + "CWMPRetryMinimumWaitInterval":
			retryMin = parseUint32(p.Value)
		case ms + "CWMPRetryIntervalMultiplier":
			retryMult = parseUint32(p.Value)
		}
	}
	if oldURL == "" {
		return &failure{skip: "the device's ACS URL is unknown"}
	}
	spec := EndpointSpec{Kind: EndpointServe}
	var creds [][]any
	switch s.Check {
	case CheckUntrustedCert:
		spec.Kind = EndpointUntrusted
	case CheckRedirect:
		spec.Kind = EndpointRedirect
	case CheckDigest, CheckAuthRefused:
		spec.Kind = EndpointDigest
		if s.Check == CheckAuthRefused {
			spec.Kind = EndpointRefuse
		}
		if !r.dev.CPEAuth {
			// The device needs credentials to answer with: the
			// endpoint's, set for the case. (With CPE authentication
			// the device keeps its own, and the endpoint challenges as
			// the ACS does.)
			spec.Username, spec.Password = "dmforge-conformance", randomText()
			creds = [][]any{{ms + "Username", spec.Username, "xsd:string"}, {ms + "Password", spec.Password, "xsd:string"}}
		}
	}
	ep, err := ed.OpenEndpoint(ctx, spec)
	if err != nil {
		return &failure{skip: "the ACS could not open a second endpoint: " + err.Error()}
	}
	defer ep.Close()
	set, _ := json.Marshal(map[string]any{"name": "setParameterValues", "parameterValues": append([][]any{{ms + "URL", ep.URL(), "xsd:string"}}, creds...)})
	// The device may go to the new URL as soon as the SPV's session
	// ends, before the task is seen answered: everything from here on
	// counts.
	t0 := r.now()
	out, err := r.Driver.Task(ctx, set, false, r.Options.stepTimeout())
	switch {
	case err != nil:
		return &failure{expected: "ManagementServer.URL set", observed: "the ACS refused the task: " + err.Error()}
	case out.Status != "done":
		return &failure{expected: "SetParameterValues of ManagementServer.URL (a second address of the ACS) accepted",
			observed: fmt.Sprintf("task %s, fault %d %s", out.Status, out.FaultCode, out.FaultString)}
	}
	defer func() {
		// The device gets its old URL back whatever the check found; a
		// failure to do so fails a case that passed.
		// The sessions the case made fail keep the device waiting
		// before its next one, as long as the retry policy lets it.
		var retry time.Duration
		if log := ep.Log(); log.failedSessions() > 0 {
			n := log.failedSessions()
			retry = cwmp.RetryWait(n, retryMin, retryMult, 1)
		}
		if rf := r.restoreURL(ctx, ep, ms, oldURL, oldUser, creds != nil, retry); f == nil {
			f = rf
		}
	}()
	cs.taskSent, cs.lastTask = t0, nil
	if err := r.Driver.ConnectionRequest(ctx); err != nil {
		return &failure{expected: "the connection request accepted", observed: err.Error()}
	}
	return r.judgeEndpoint(ctx, s, ep, t0)
}

func randomText() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// judgeEndpoint watches the endpoint until the check is decided or the
// step's time is up.
func (r *Runner) judgeEndpoint(ctx context.Context, s *Step, ep Endpoint, t0 time.Time) *failure {
	deadline := r.now().Add(r.within(s))
	for {
		log := ep.Log()
		informs := r.Driver.Informs(t0)
		var accepted *EndpointRequest // an Inform the ACS answered through the endpoint
		for i, q := range log.Requests {
			if q.Inform && q.Status == 200 && accepted == nil {
				accepted = &log.Requests[i]
			}
		}
		switch s.Check {
		case CheckTLS:
			if accepted != nil {
				return nil
			}
		case CheckURLChange:
			// The first session at the new URL carries it.
			for _, in := range informs {
				if !log.at(in.Time) {
					continue
				}
				if !in.Has("0 BOOTSTRAP", "") {
					return &failure{expected: "the first Inform at the new URL with 0 BOOTSTRAP", observed: "an Inform with " + in.eventList()}
				}
				return nil
			}
		case CheckDigest:
			if accepted != nil {
				if accepted.Authorization != "Digest" {
					return &failure{expected: "the Inform with Digest credentials", observed: "it came with " + orNone(accepted.Authorization)}
				}
				return nil
			}
		case CheckUntrustedCert:
			for _, h := range log.Handshakes {
				if h.Err == "" {
					return &failure{expected: "the device refuses the ACS's certificate, which does not validate (TLS handshake aborted)",
						observed: "the device completed the TLS handshake; " + log.String()}
				}
			}
			if len(log.Handshakes) > 0 {
				return nil // refused, nothing accepted
			}
		case CheckAuthRefused:
			var first time.Time
			n := 0
			for _, q := range log.Requests {
				if q.Authorization == "" {
					continue
				}
				if first.IsZero() {
					first = q.Time
				} else if q.Time.Sub(first) <= authLoopWindow {
					n++
				}
			}
			if n > authLoopMax {
				return &failure{expected: fmt.Sprintf("after its credentials are refused, at most %d more attempts within %v (the session retry policy)", authLoopMax, authLoopWindow),
					observed: fmt.Sprintf("%d more attempts: %s", n, log.String())}
			}
			if !first.IsZero() && r.now().Sub(first) > authLoopWindow {
				return nil
			}
		case CheckRedirect:
			if f, done := redirectJudged(log, r.Driver.Exchanges(t0)); done {
				return f
			}
		}
		if r.now().After(deadline) || ctx.Err() != nil {
			return &failure{expected: endpointExpected[s.Check] + " within " + r.within(s).String(), observed: log.String()}
		}
		if sleep(ctx, 100*time.Millisecond) != nil {
			return &failure{expected: endpointExpected[s.Check], observed: "the run was cancelled"}
		}
	}
}

var endpointExpected = map[string]string{
	CheckTLS:           "a session over TLS at the https URL",
	CheckURLChange:     "an Inform with 0 BOOTSTRAP at the new URL",
	CheckDigest:        "an Inform with Digest credentials answering the challenge",
	CheckUntrustedCert: "a TLS connection attempt that the device aborts",
	CheckAuthRefused:   "an answer to the Digest challenge, then no loop",
	CheckRedirect:      "the Inform re-sent to the redirect's Location, and the session's later requests sent there too",
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// redirectJudged: the endpoint answered every request with 307 to the
// ACS's URL. The device must send the Inform there and the rest of the
// session too (TR-069 §3.4.6), so nothing but Informs reaches the
// endpoint. Decided once the ACS saw a request of the device after the
// Inform (the session went on).
func redirectJudged(log EndpointLog, ex []Exchange) (*failure, bool) {
	var redirected time.Time // the first Inform the endpoint redirected
	for _, q := range log.Requests {
		if q.Inform && q.Status == 307 {
			redirected = q.Time
			break
		}
	}
	if redirected.IsZero() {
		return nil, false
	}
	informAt := time.Time{}
	for _, e := range ex {
		if e.Direction == "CPE→ACS" && e.Method == "Inform" && informAt.IsZero() && !e.Time.Before(redirected) {
			informAt = e.Time
		}
		if !informAt.IsZero() && e.Direction == "CPE→ACS" && e.Method != "Inform" {
			for _, q := range log.Requests {
				if !q.Inform {
					return &failure{expected: "the session's requests after the redirected Inform sent to the redirect's Location",
						observed: "the device posted to the redirecting URL again in the session: " + log.String()}, true
				}
			}
			return nil, true
		}
	}
	return nil, false
}

// maxRestoreRetry bounds the part of a restore's wait that allows for the
// device's session retry wait.
const maxRestoreRetry = 10 * time.Minute

// restoreURL gives the device its old ACS URL (and user name) back
// through the endpoint, now serving as the ACS, and waits for the device
// at the old URL with 0 BOOTSTRAP and the ACS's view of it rebuilt.
//
// retry is the longest the device may wait before its next session (the
// TR-069 retry wait after the sessions the case made fail): the wait for
// the device is that beyond the step's timeout, at least a minute.
func (r *Runner) restoreURL(ctx context.Context, ep Endpoint, ms, oldURL, oldUser string, creds bool, retry time.Duration) *failure {
	ctx = context.WithoutCancel(ctx)
	ep.Serve()
	values := [][]any{{ms + "URL", oldURL, "xsd:string"}}
	if creds {
		values = append(values, []any{ms + "Username", oldUser, "xsd:string"}, []any{ms + "Password", "", "xsd:string"})
	}
	set, _ := json.Marshal(map[string]any{"name": "setParameterValues", "parameterValues": values})
	// A device configured to wait longer (a large
	// CWMPRetryMinimumWaitInterval or multiplier) is not waited for
	// beyond maxRestoreRetry: the failure says why.
	retry = min(retry, maxRestoreRetry)
	wait := max(r.Options.stepTimeout()+retry, 60*time.Second)
	since := r.now()
	before := len(ep.Log().Requests)
	out, err := r.Driver.Task(ctx, set, false, wait)
	if err != nil || out.Status != "done" {
		return &failure{expected: "the device's ACS URL set back to " + oldURL,
			observed: fmt.Sprintf("task %s, fault %d %s %v", out.Status, out.FaultCode, out.FaultString, err)}
	}
	if len(ep.Log().Requests) == before {
		// The old URL was given back at the old URL: the device never
		// went to the new one, so its URL did not change.
		return nil
	}
	_ = r.Driver.ConnectionRequest(ctx)
	deadline := r.now().Add(wait)
	for {
		back := false
		log := ep.Log()
		for _, in := range r.Driver.Informs(since) {
			back = back || in.Has("0 BOOTSTRAP", "") && !log.at(in.Time)
		}
		if back {
			// The ACS rediscovers a bootstrapped device; the next case
			// reads its tree.
			ps, _ := r.Driver.Parameters(ctx, ms+"URL")
			for _, p := range ps {
				if p.Name == ms+"URL" && p.Value == oldURL {
					return nil
				}
			}
		}
		if r.now().After(deadline) {
			return &failure{expected: "the device back at " + oldURL + " (0 BOOTSTRAP) and rediscovered within " + wait.String(),
				observed: fmt.Sprintf("bootstrap Inform seen: %v (the wait allowed %v for the device's session retry wait after the case's failed sessions)", back, retry)}
		}
		if sleep(ctx, 100*time.Millisecond) != nil {
			return nil
		}
	}
}
