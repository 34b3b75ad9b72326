package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// tr069 is the edition the references cite.
const tr069 = "TR-069 Amendment 6 (CWMP 1.4) "

// RequiredCPEMethods are the RPCs TR-069 requires every CPE to support.
var RequiredCPEMethods = []string{"GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
	"SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot", "Download"}

// ProbeChecks are the ACS's negative tests (acsref/probe.go) a plan
// wraps: each is a case, with the fault code TR-069 gives.
var ProbeChecks = []struct {
	Check, Purpose, Ref string
}{
	{"unknown-parameter", "GetParameterValues of a parameter the device does not have is refused with 9005 Invalid parameter name", "A.3.2.2, A.5.1 (9005)"},
	{"unknown-object", "GetParameterNames of an object the device does not have is refused with 9005", "A.3.2.3, A.5.1 (9005)"},
	{"next-level-on-parameter", "GetParameterNames of a parameter with NextLevel true is refused with 9003 Invalid arguments", "A.3.2.3, A.5.1 (9003)"},
	{"set-read-only", "SetParameterValues of a read-only parameter is refused with 9008 Attempt to set a non-writable parameter", "A.3.2.1, A.5.1 (9008)"},
	{"wrong-type", "SetParameterValues with a value of the wrong xsd type is refused with 9006 Invalid parameter type", "A.3.2.1, A.5.1 (9006); TR-106 §3.2 (data types)"},
	{"out-of-range", "SetParameterValues of an integer outside the parameter's range is refused with 9007 Invalid parameter value", "A.3.2.1, A.5.1 (9007); TR-106 §3.2 (ranges)"},
	{"not-enumerated", "SetParameterValues of a value outside the parameter's enumeration is refused with 9007", "A.3.2.1, A.5.1 (9007); TR-106 §3.2 (enumerations)"},
	{"too-long", "SetParameterValues of a string longer than the parameter's size is refused with 9007", "A.3.2.1, A.5.1 (9007); TR-106 §3.2 (string sizes)"},
	{"notification-denied", "SetParameterAttributes turning on active notification of a parameter the model lets the device deny is refused with 9009", "A.3.2.4, A.5.1 (9009)"},
	{"add-to-read-only-table", "AddObject on a table the model makes read-only is refused (9001 or 9005)", "A.3.2.6, A.5.1"},
	{"delete-missing-instance", "DeleteObject of an instance that does not exist is refused with 9005", "A.3.2.7, A.5.1 (9005)"},
}

// OptionalRPCs are the optional CPE methods the core plan exercises with
// a harmless call when the device lists them; destructive marks the
// ones a run must allow.
var OptionalRPCs = []struct {
	Method, Task, Ref, Destructive string
}{
	{"GetAllQueuedTransfers", `{"name":"getAllQueuedTransfers"}`, "A.4.1.7", ""},
	{"Upload", `{"name":"upload","fileType":"1 Vendor Configuration File"}`, "A.4.1.5", ""},
	{"FactoryReset", `{"name":"factoryReset"}`, "A.4.1.6", FactoryReset},
}

// CorePlan is the built-in plan "cwmp-core": the module areas events and
// Informs, periodic Inform, Reboot, Download, GetRPCMethods and optional
// RPCs, partial-path and next-level reads, and the ACS's probes.
func CorePlan() *Plan {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	p := &Plan{Name: "cwmp-core", Version: "1.0", Title: "CWMP core: events, Informs, RPCs and fault behaviour"}
	add := func(c Case) { p.Cases = append(p.Cases, c) }
	add(Case{ID: "rpc.get-rpc-methods", Area: "rpc", Purpose: "GetRPCMethods is answered and lists every method TR-069 requires of a CPE",
		Refs:  []string{tr069 + "A.3.1.1 (GetRPCMethods)", tr069 + "Annex A, RPC method support (Required CPE methods)"},
		Steps: []Step{{Op: OpRPCMethods}}})
	add(Case{ID: "events.connection-request", Area: "events", Purpose: "A connection request makes the device open a session whose Inform carries 6 CONNECTION REQUEST",
		Refs:  []string{tr069 + "§3.2.2 (ACS connection request notification)", tr069 + "A.3.3.1 (Inform, EventCode 6 CONNECTION REQUEST)"},
		Steps: []Step{{Op: OpConnectionRequest}, {Op: OpAwaitInform, Events: []string{"6 CONNECTION REQUEST"}}}})
	add(Case{ID: "inform.forced-parameters", Area: "events", Purpose: "Every Inform carries each parameter the data model marks forcedInform that the device has",
		Refs:  []string{tr069 + "A.3.3.1 (Inform ParameterList)", "TR-106 Amendment 8 §3.3 (forcedInform)", "data model: forcedInform=\"true\" parameters"},
		Steps: []Step{{Op: OpConnectionRequest}, {Op: OpAwaitInform, Events: []string{"6 CONNECTION REQUEST"}}, {Op: OpForcedInform}}})
	add(Case{ID: "inform.periodic", Area: "periodic", Purpose: "With PeriodicInformEnable true the device informs with 2 PERIODIC every PeriodicInformInterval seconds",
		Refs:  []string{tr069 + "§3.2.1 (periodic Inform)", tr069 + "A.3.3.1 (EventCode 2 PERIODIC)", "data model: ManagementServer.PeriodicInformEnable, PeriodicInformInterval"},
		Steps: []Step{{Op: OpPeriodic}}})
	add(Case{ID: "events.boot-after-reboot", Area: "events", Purpose: "After Reboot the device informs with 1 BOOT and M Reboot carrying the Reboot's CommandKey",
		Refs: []string{tr069 + "A.3.2.9 (Reboot)", tr069 + "A.3.3.1 (EventCode 1 BOOT, M Reboot)"},
		Steps: []Step{{Op: OpRPC, Task: raw(`{"name":"reboot"}`), Destructive: Reboot},
			{Op: OpAwaitInform, Events: []string{"1 BOOT", "M Reboot"}, WithinSeconds: 180}}})
	add(Case{ID: "events.transfer-complete", Area: "events", Purpose: "After a Download of a file the ACS serves, the device sends TransferComplete (fault 0) in a session whose Inform carries 7 TRANSFER COMPLETE and M Download",
		Refs: []string{tr069 + "A.3.2.8 (Download)", tr069 + "A.3.3.2 (TransferComplete)", tr069 + "A.3.3.1 (EventCode 7 TRANSFER COMPLETE, M Download)"},
		Steps: []Step{{Op: OpPutFile, Size: 2048},
			{Op: OpRPC, Task: raw(`{"name":"download","file":"{file}","fileType":"3 Vendor Configuration File"}`), Judge: JudgeComplete, Destructive: Download},
			{Op: OpAwaitInform, Events: []string{"7 TRANSFER COMPLETE", "M Download"}, WithinSeconds: 180}}})
	add(Case{ID: "events.scheduled", Area: "events", Condition: Condition{Kind: IfRPC, Value: "ScheduleInform"},
		Purpose: "After ScheduleInform with DelaySeconds 2 the device informs, not earlier, with 3 SCHEDULED and M ScheduleInform carrying the CommandKey",
		Refs:    []string{tr069 + "A.4.1.2 (ScheduleInform)", tr069 + "A.3.3.1 (EventCode 3 SCHEDULED, M ScheduleInform)"},
		Steps: []Step{{Op: OpRPC, Task: raw(`{"name":"scheduleInform","delaySeconds":2}`)},
			{Op: OpAwaitInform, Events: []string{"3 SCHEDULED", "M ScheduleInform"}, NotBeforeSeconds: 2}}})
	sessionSteps := func(check string) []Step {
		return []Step{{Op: OpRPC, Task: raw(`{"name":"getParameterValues","parameterNames":["{root}DeviceInfo.SoftwareVersion"]}`)},
			{Op: OpRPC, Task: raw(`{"name":"getParameterNames","parameterPath":"{root}DeviceInfo.","nextLevel":true}`)},
			{Op: OpSession, Check: check}}
	}
	add(Case{ID: "http.session-cookie", Area: "session", Purpose: "The device returns the ACS's session cookie with every HTTP POST of the session after the Inform",
		Refs:  []string{tr069 + "§3.4.2 (Transaction sessions: the CPE MUST support cookies)", "RFC 6265 (HTTP state management)"},
		Steps: sessionSteps("cookie")})
	add(Case{ID: "soap.id-echo", Area: "session", Purpose: "The device's answer to each RPC carries the cwmp:ID header of the request",
		Refs:  []string{tr069 + "§3.5 (SOAP header cwmp:ID: the response MUST carry the request's value)"},
		Steps: sessionSteps("id")})
	add(Case{ID: "gpv.partial-path", Area: "rpc", Purpose: "GetParameterValues of a partial path (an object) returns every parameter under it and none outside",
		Refs:  []string{tr069 + "A.3.2.2 (GetParameterValues, partial path names)", tr069 + "§A.2.2.1 (partial path)"},
		Steps: []Step{{Op: OpRPC, Task: raw(`{"name":"getParameterValues","parameterNames":["{root}DeviceInfo."]}`), Judge: JudgePartialPath}}})
	add(Case{ID: "gpn.next-level", Area: "rpc", Purpose: "GetParameterNames of the root with NextLevel true returns the root's direct children only",
		Refs:  []string{tr069 + "A.3.2.3 (GetParameterNames, NextLevel)"},
		Steps: []Step{{Op: OpRPC, Task: raw(`{"name":"getParameterNames","parameterPath":"{root}","nextLevel":true}`), Judge: JudgeNextLevel}}})
	optional := func(destructive bool) {
		for _, o := range OptionalRPCs {
			if (o.Destructive != "") != destructive {
				continue
			}
			add(Case{ID: "rpc.optional." + o.Method, Area: "rpc", Condition: Condition{Kind: IfRPC, Value: o.Method},
				Purpose: "The device lists " + o.Method + " in GetRPCMethods: it must not answer it with 9000 Method not supported",
				Refs:    []string{tr069 + o.Ref + " (" + o.Method + ")", tr069 + "A.5.1 (9000)"},
				Steps:   []Step{{Op: OpRPC, Task: raw(o.Task), Judge: JudgeSupported, Destructive: o.Destructive}}})
		}
	}
	for _, d := range []struct{ id, object string }{{"diagnostics.ipping", "IP.Diagnostics.IPPing."}, {"diagnostics.ipping-igd", "IPPingDiagnostics."}} {
		add(Case{ID: d.id, Area: "diagnostics", Condition: Condition{Kind: IfParameter, Value: d.object + "DiagnosticsState"},
			Purpose: "An IPPing of the device's own loopback address set to Requested completes: 8 DIAGNOSTICS COMPLETE, DiagnosticsState Complete, SuccessCount above 0, results the model allows",
			Refs: []string{tr069 + "A.3.3.1 (EventCode 8 DIAGNOSTICS COMPLETE)", "data model: " + d.object + " (DiagnosticsState Requested → Complete)",
				"TR-106 Amendment 8 §3.2 (value rules)"},
			Steps: []Step{{Op: OpDiagnostic, Diagnostic: &Diagnostic{Object: d.object,
				Parameters: map[string]string{"Host": "127.0.0.1", "NumberOfRepetitions": "2", "Timeout": "1000"}, NonZero: []string{"SuccessCount"}}}}})
	}
	optional(false)
	for _, pc := range ProbeChecks {
		add(Case{ID: "probe." + pc.Check, Area: "probe", Purpose: pc.Purpose, Refs: []string{tr069 + pc.Ref},
			Steps: []Step{{Op: OpProbe, Check: pc.Check}}})
	}
	// The endpoint cases bootstrap the device twice (new URL, old URL
	// back), and the ACS rediscovers it: after the cases that read its tree.
	endpointCases(add)
	// Last: a factory reset wipes what the other cases read.
	optional(true)
	return p
}

// builtin are the plans the ACS knows by name.
var builtin = map[string]func() *Plan{"cwmp-core": CorePlan}

// Builtin returns a built-in plan by name.
func Builtin(name string) (*Plan, error) {
	f, ok := builtin[name]
	if !ok {
		return nil, fmt.Errorf("no built-in plan %q (known: %v)", name, BuiltinNames())
	}
	return f(), nil
}

// BuiltinNames lists the built-in plans.
func BuiltinNames() []string {
	var out []string
	for n := range builtin {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// endpointCases are the cases of secure CWMP, ACS URL changes, and HTTP
// authentication and redirects: each points ManagementServer.URL at a
// second endpoint of the ACS (run_endpoint.go).
func endpointCases(add func(Case)) {
	tls := Condition{Kind: IfACS, Value: "tls"}
	for _, c := range []struct {
		id, area, check, purpose string
		cond                     Condition
		refs                     []string
	}{
		{"secure.tls-session", "secure", CheckTLS, "Given an https ACS URL, the device opens its session over TLS and accepts the ACS's certificate (issued by a CA it trusts)", tls,
			[]string{"§3.3 (Use of TLS and TCP)", "§3.1 (ACS discovery: an https URL means TLS)"}},
		{"secure.untrusted-certificate", "secure", CheckUntrustedCert, "Given an https ACS URL whose server presents a certificate that does not validate, the device aborts the TLS handshake and sends nothing", tls,
			[]string{"§3.3 (the CPE MUST authenticate the ACS using its certificate)", "RFC 5280 §6 (path validation)"}},
		{"acs-url.bootstrap", "acs-url", CheckURLChange, "After the ACS sets ManagementServer.URL to a new address, the device's next session goes there with 0 BOOTSTRAP", Condition{},
			[]string{"§3.1 (ACS discovery: a changed ACS URL)", "A.3.3.1 (EventCode 0 BOOTSTRAP: the ACS URL changed)", "data model: ManagementServer.URL"}},
		{"http.digest-auth", "http", CheckDigest, "The device answers the ACS's Digest challenge (401) with the credentials in ManagementServer.Username and Password", Condition{},
			[]string{"§3.4.4 (Authentication)", "§3.4.5 (Digest authentication)", "RFC 7616", "data model: ManagementServer.Username, ManagementServer.Password"}},
		{"http.auth-refused", "http", CheckAuthRefused, "When the ACS refuses its credentials (401 after the answer to the challenge), the device ends the attempt and retries by the session retry policy, not in a loop", Condition{},
			[]string{"§3.4.4 (Authentication)", "§3.2.1.1 (Session retry policy)"}},
		{"http.redirect", "http", CheckRedirect, "The device follows a 307 redirect of the ACS URL: it re-sends the Inform to the Location and sends the rest of the session there", Condition{},
			[]string{"§3.4.6 (Additional HTTP requirements: redirects, 302 and 307, for the session)", "RFC 9110 §15.4.8 (307 Temporary Redirect)"}},
	} {
		var refs []string
		for _, r := range c.refs {
			if strings.HasPrefix(r, "§") || strings.HasPrefix(r, "A.") {
				r = tr069 + r
			}
			refs = append(refs, r)
		}
		add(Case{ID: c.id, Area: c.area, Purpose: c.purpose, Refs: refs, Condition: c.cond,
			Steps: []Step{{Op: OpEndpoint, Check: c.check}}})
	}
}
