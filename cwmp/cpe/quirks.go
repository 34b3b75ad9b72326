package cpe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

// Quirks make a simulated CPE behave like real devices that bend the
// protocol, so that an ACS can be tested against them without the
// devices (or Node.js for genieacs-sim). The zero value is a conforming
// CPE.
type Quirks struct {
	// PartialPathGPV is what the CPE does with a GetParameterValues that
	// names an object (a partial path): "" answers it (TR-069),
	// QuirkFault answers 9005 Invalid parameter name, QuirkCrash drops the
	// connection without an answer (genieacs-sim, and many real CPEs,
	// fail on it).
	PartialPathGPV string
	// CrashOnUnknown makes a request that names a path the device does
	// not have drop the connection instead of answering 9005.
	CrashOnUnknown bool
	// NoReboot answers Reboot with 9000 Method not supported (and leaves it
	// out of GetRPCMethods).
	NoReboot bool
	// Delay is waited before each answer to a request of the ACS.
	Delay time.Duration
	// BoolAsInt sends booleans as 0 and 1 (in GetParameterValues and
	// Inform), as many CPEs do.
	BoolAsInt bool
	// NoCookies makes the CPE send no cookie back to the ACS: each of its
	// requests comes without the session cookie.
	NoCookies bool
	// Breaks each break one thing the ACS's conformance suite checks
	// (quirks_conformance.go).
	Breaks
}

// Values of Quirks.PartialPathGPV.
const (
	QuirkFault = "fault"
	QuirkCrash = "crash"
)

// ErrCrashed is wrapped by the error of a session a quirk ended by
// dropping the connection.
var ErrCrashed = errors.New("cpe: dropped the connection (quirk)")

// QuirkNames lists what ParseQuirks accepts.
const QuirkNames = "partial-gpv=fault|crash, crash-unknown, no-reboot, delay=DURATION, bool-int, no-cookies, " + BreakNames

// ParseQuirks reads quirk switches ("no-reboot", "delay=200ms",
// "partial-gpv=crash", …; see QuirkNames), each given alone or
// comma-separated.
func ParseQuirks(list []string) (Quirks, error) {
	var q Quirks
	for _, item := range list {
		for s := range strings.SplitSeq(item, ",") {
			s = strings.TrimSpace(s)
			name, val, hasVal := strings.Cut(s, "=")
			switch {
			case s == "":
			case name == "partial-gpv" && (val == QuirkFault || val == QuirkCrash):
				q.PartialPathGPV = val
			case name == "partial-gpv" && !hasVal:
				q.PartialPathGPV = QuirkFault
			case name == "crash-unknown" && !hasVal:
				q.CrashOnUnknown = true
			case name == "no-reboot" && !hasVal:
				q.NoReboot = true
			case name == "bool-int" && !hasVal:
				q.BoolAsInt = true
			case name == "no-cookies" && !hasVal:
				q.NoCookies = true
			case name == "delay" && hasVal:
				d, err := time.ParseDuration(val)
				if err != nil || d < 0 {
					return Quirks{}, fmt.Errorf("quirk %q: want a duration such as 200ms", s)
				}
				q.Delay = d
			default:
				if ok, err := q.Breaks.parse(name, val, hasVal); err != nil {
					return Quirks{}, err
				} else if !ok {
					return Quirks{}, fmt.Errorf("unknown quirk %q (known: %s)", s, QuirkNames)
				}
			}
		}
	}
	return q, nil
}

// before is called with each request of the ACS before the handler: a
// fault answers it in the handler's stead, crash drops the connection.
func (q Quirks) before(req cwmp.Message) (f *cwmp.Fault, crash bool) {
	switch r := req.(type) {
	case *cwmp.GetParameterValues:
		if q.PartialPathGPV == "" {
			return nil, false
		}
		for _, n := range r.ParameterNames {
			if n == "" || strings.HasSuffix(n, ".") {
				if q.PartialPathGPV == QuirkCrash {
					return nil, true
				}
				return faultf(cwmp.FaultInvalidParameterName, "invalid parameter name %s", n), false
			}
		}
	case *cwmp.Reboot:
		if q.NoReboot {
			return cwmp.NewFault(cwmp.FaultMethodNotSupported, ""), false
		}
	}
	return nil, false
}

// after is called with the handler's answer: it may crash on a fault, or
// rewrite the response as the quirky device would send it.
func (q Quirks) after(resp cwmp.Message, f *cwmp.Fault) (cwmp.Message, bool) {
	if f != nil {
		unknown := f.Code == cwmp.FaultInvalidParameterName
		for _, x := range f.SetParameterValuesFaults {
			unknown = unknown || x.FaultCode == cwmp.FaultInvalidParameterName
		}
		return resp, q.CrashOnUnknown && unknown
	}
	switch r := resp.(type) {
	case *cwmp.GetParameterValuesResponse:
		if q.BoolAsInt {
			r.ParameterList = q.values(r.ParameterList)
		}
	case *cwmp.GetRPCMethodsResponse:
		if q.NoReboot {
			var list []string
			for _, m := range r.MethodList {
				if m != "Reboot" {
					list = append(list, m)
				}
			}
			r.MethodList = list
		}
	}
	return resp, false
}

// values rewrites parameter values as the device sends them.
func (q Quirks) values(list []cwmp.ParameterValueStruct) []cwmp.ParameterValueStruct {
	if !q.BoolAsInt {
		return list
	}
	for i := range list {
		if list[i].Type == "xsd:boolean" {
			switch list[i].Value {
			case "true":
				list[i].Value = "1"
			case "false":
				list[i].Value = "0"
			}
		}
	}
	return list
}

// quirkTransport carries a quirky CPE's requests: it strips the cookies
// of a CPE that returns none, and remembers the connection of the last
// request so that a crash can drop it.
type quirkTransport struct {
	base      http.RoundTripper
	noCookies bool

	mu   sync.Mutex
	last net.Conn
}

func (t *quirkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.noCookies && req.Header.Get("Cookie") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Cookie")
	}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		t.mu.Lock()
		t.last = i.Conn
		t.mu.Unlock()
	}}
	return t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
}

// drop closes the connection of the last request: the ACS sees it end
// without the CPE's answer.
func (t *quirkTransport) drop() {
	t.mu.Lock()
	c := t.last
	t.last = nil
	t.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// quirkRoundTripper wraps the transport of a session when quirks need it.
func (a *Agent) quirkRoundTripper(rt http.RoundTripper) (http.RoundTripper, *quirkTransport) {
	q := a.cfg.Quirks
	if !q.NoCookies && !q.CrashOnUnknown && q.PartialPathGPV != QuirkCrash {
		return rt, nil
	}
	t := &quirkTransport{base: rt, noCookies: q.NoCookies}
	return t, t
}

// quirkHandle answers one request of the ACS as the quirky device does;
// crash says it dropped the connection instead.
func (a *Agent) quirkHandle(ctx context.Context, req cwmp.Message) (resp cwmp.Message, f *cwmp.Fault, crash bool) {
	q := a.cfg.Quirks
	if q.Delay > 0 {
		if err := a.sleep(ctx, q.Delay); err != nil {
			return nil, nil, true
		}
	}
	if f, crash := q.before(req); f != nil || crash {
		return nil, f, crash
	}
	if f := q.Breaks.before(req); f != nil {
		return nil, f, false
	}
	resp, f = a.handler.Handle(q.Breaks.rewrite(req))
	resp, f = q.Breaks.after(resp, f)
	resp, crash = q.after(resp, f)
	return resp, f, crash
}
