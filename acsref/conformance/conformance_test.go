package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/model"
)

func TestCorePlanRoundTrip(t *testing.T) {
	p := CorePlan()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePlan(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, back) {
		t.Errorf("the plan changed through JSON")
	}
	for _, c := range p.Cases {
		if len(c.Refs) == 0 || c.Purpose == "" || c.Area == "" {
			t.Errorf("%s: refs, purpose and area are required", c.ID)
		}
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "cwmp-core") {
		t.Errorf("unknown plan: %v", err)
	}
}

func TestParsePlanErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{`:                                "plan: unexpected EOF",
		`{"name":"p","version":"1","x":1}`: `unknown field "x"`,
		`{"name":"p"}`:                     "name and version are required",
		`{"name":"p","version":"1"}`:       "plan p: no cases",
		`{"name":"p","version":"1","cases":[{"id":"a b","steps":[{"op":"rpcMethods"}]}]}`:                                        "an id is one word",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"rpcMethods"}]},{"id":"a","steps":[{"op":"rpcMethods"}]}]}`: "case 1 (a): id used twice",
		`{"name":"p","version":"1","cases":[{"id":"a","condition":{"kind":"moon"},"steps":[{"op":"rpcMethods"}]}]}`:              `condition kind "moon"`,
		`{"name":"p","version":"1","cases":[{"id":"a","condition":{"kind":"rpc"},"steps":[{"op":"rpcMethods"}]}]}`:               "condition rpc needs a value",
		`{"name":"p","version":"1","cases":[{"id":"a"}]}`:                                                                        "no steps",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"rpc","task":[1]}]}]}`:                                      "step 0 (rpc): task is a JSON object with a name",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"rpc","task":{"name":"reboot"},"judge":"vibes"}]}]}`:        `judge "vibes"`,
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"awaitInform"}]}]}`:                                         "events are required",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"probe"}]}]}`:                                               "check is required",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"profile"}]}]}`:                                             "requirements are required",
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"rpcMethods","destructive":"fire"}]}]}`:                     `destructive "fire"`,
		`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"periodic","intervalSeconds":-1}]}]}`:                       "negative",
	} {
		_, err := ParsePlan([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
	o := Options{Allow: []string{"reboot", "nuke"}}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `"nuke"`) {
		t.Errorf("options: %v", err)
	}
}

func TestDeclaredProfiles(t *testing.T) {
	got := DeclaredProfiles("InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1), VoiceService:1.0[1](Endpoint:1) (")
	if want := []string{"Baseline:1", "EthernetLAN:1", "Endpoint:1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
	if got := DeclaredProfiles("Device:2.19[]"); got != nil {
		t.Errorf("no profiles: %v", got)
	}
}

// fakeDriver answers from fixed data: enough for the conditions and the
// judges that read no device.
type fakeDriver struct {
	methods []string
	params  []Parameter
	tasks   []string
	// onParameters, when set, runs before Parameters answers.
	onParameters func()
}

func (f *fakeDriver) Device(context.Context) (DeviceInfo, error) {
	return DeviceInfo{ID: "dev", Root: "Device.", Model: "Device:2.19"}, nil
}
func (f *fakeDriver) Lookup(string) (*model.Entry, bool) { return nil, false }
func (f *fakeDriver) Task(_ context.Context, body []byte, _ bool, _ time.Duration) (TaskOutcome, error) {
	f.tasks = append(f.tasks, string(body))
	if strings.Contains(string(body), "getRPCMethods") {
		res, _ := json.Marshal(map[string]any{"methods": f.methods})
		return TaskOutcome{ID: 1, Status: "done", Result: res}, nil
	}
	return TaskOutcome{}, errors.New("not in this fake")
}
func (f *fakeDriver) ConnectionRequest(context.Context) error       { return nil }
func (f *fakeDriver) Informs(time.Time) []Inform                    { return nil }
func (f *fakeDriver) Exchanges(time.Time) []Exchange                { return nil }
func (f *fakeDriver) PutFile(context.Context, string, []byte) error { return nil }
func (f *fakeDriver) Probe(context.Context, time.Duration) ([]ProbeOutcome, error) {
	return nil, errors.New("no probe")
}
func (f *fakeDriver) Parameters(ctx context.Context, prefix string) ([]Parameter, error) {
	if f.onParameters != nil {
		f.onParameters()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Parameter
	for _, p := range f.params {
		if strings.HasPrefix(p.Name, prefix) {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestRunnerConditions: conditions, opt-in cases, the case filter and
// destructive steps decide which cases run, and the report says why the
// others did not.
func TestRunnerConditions(t *testing.T) {
	p := &Plan{Name: "t", Version: "1", Cases: []Case{
		{ID: "methods", Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "needs-upload", Condition: Condition{Kind: IfRPC, Value: "Upload"}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "needs-igd", Condition: Condition{Kind: IfDataModel, Value: "InternetGatewayDevice:1"}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "needs-wifi", Condition: Condition{Kind: IfParameter, Value: "WiFi."}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "needs-profile", Condition: Condition{Kind: IfProfile, Value: "Baseline:3"}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "opt-in", Condition: Condition{Kind: IfOption, Value: "x"}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "reboots", Steps: []Step{{Op: OpRPC, Task: json.RawMessage(`{"name":"reboot"}`), Destructive: Reboot}}},
		{ID: "probe", Steps: []Step{{Op: OpProbe, Check: "unknown-parameter"}}},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	d := &fakeDriver{methods: RequiredCPEMethods, params: []Parameter{{Name: "Device.DeviceInfo.", Object: true}}}
	var progress []int
	clock := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tick := func() time.Time { clock = clock.Add(time.Second); return clock } // every reading a second later
	r := &Runner{Plan: p, Driver: d, Options: Options{Profiles: []string{"Baseline:3"}}, Now: tick, Progress: func(rep Report) { progress = append(progress, rep.Done) }}
	rep := r.Run(context.Background(), "r1")
	for _, res := range rep.Results {
		if res.Seconds < 1 {
			t.Errorf("%s: %.1f s, want the case's duration (≥ 1 s on this clock)", res.Case, res.Seconds)
		}
	}
	want := map[string]string{"methods": Pass, "needs-upload": NotApplicable, "needs-igd": NotApplicable, "needs-wifi": NotApplicable,
		"needs-profile": Pass, "reboots": Skipped, "probe": Skipped}
	if rep.State != Finished || rep.Total != len(want) || len(rep.Results) != len(want) {
		t.Fatalf("report %+v", rep)
	}
	for _, res := range rep.Results {
		if res.Status != want[res.Case] || res.Status != Pass && res.Reason == "" {
			t.Errorf("%s: %s (%s), want %s", res.Case, res.Status, res.Reason, want[res.Case])
		}
	}
	if rep.Counts != (Counts{Pass: 2, NotApplicable: 3, Skipped: 2}) || len(progress) < len(want) || progress[len(progress)-1] != len(want) {
		t.Errorf("counts %+v, progress %v", rep.Counts, progress)
	}
	for _, task := range d.tasks {
		if strings.Contains(task, "reboot") {
			t.Errorf("a reboot was sent without being allowed")
		}
	}
	// The filter runs the named cases only, opt-in ones included.
	r = &Runner{Plan: p, Driver: &fakeDriver{methods: []string{"GetRPCMethods"}}, Options: Options{Cases: []string{"opt-in", "methods"}}}
	rep = r.Run(context.Background(), "r2")
	if rep.Total != 2 || rep.Counts.Fail != 2 || !strings.Contains(rep.Results[0].Observed, "missing SetParameterValues") {
		t.Errorf("filtered run %+v", rep)
	}
}

// TestRunnerCancelledMidCase: a run cancelled while a case reads the
// device or the stored tree ends cancelled, without a verdict for that
// case (CI once saw a cancelled run finish with its case skipped as
// "stored tree unreadable: context canceled").
func TestRunnerCancelledMidCase(t *testing.T) {
	p := &Plan{Name: "t", Version: "1", Cases: []Case{
		{ID: "methods", Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "needs-wifi", Condition: Condition{Kind: IfParameter, Value: "WiFi."}, Steps: []Step{{Op: OpRPCMethods}}},
		{ID: "after", Steps: []Step{{Op: OpRPCMethods}}},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &fakeDriver{methods: RequiredCPEMethods}
	r := &Runner{Plan: p, Driver: d, Progress: func(rep Report) {
		if rep.Current == "needs-wifi" {
			d.onParameters = cancel // the NBI's DELETE arrives while the case reads
		}
	}}
	rep := r.Run(ctx, "r1")
	if rep.State != Cancelled || rep.Done != 1 || len(rep.Results) != 1 || rep.Results[0].Case != "methods" || rep.Counts != (Counts{Pass: 1}) {
		t.Errorf("report %s, done %d, %+v, counts %+v", rep.State, rep.Done, rep.Results, rep.Counts)
	}
}

func sampleReport() *Report {
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	return &Report{Run: "r1", Device: DeviceInfo{ID: "00D09E-Box-1", Root: "Device.", Model: "Device:2.19"}, Plan: "cwmp-core", PlanVersion: "1.0",
		State: Finished, Started: start, Finished: start.Add(3 * time.Second), Total: 4, Done: 4, Counts: Counts{Pass: 1, Fail: 1, Skipped: 1, NotApplicable: 1},
		Methods: []string{"GetRPCMethods", "Reboot"},
		Results: []Result{
			{Case: "a.pass", Area: "a", Purpose: "passes", Refs: []string{"TR-069 A.3.1"}, Condition: Mandatory, Status: Pass, Seconds: 0.5},
			{Case: "a.fail", Area: "a", Purpose: "fails <b>", Refs: []string{"TR-069 A.3.2"}, Condition: Mandatory, Status: Fail, Expected: "9005", Observed: "9002 & \x00 more",
				Evidence: []Exchange{{Time: start, Direction: "ACS→CPE", Method: "GetParameterValues", SOAP: `<soap:Envelope><cwmp:GetParameterValues/>]]></soap:Envelope>`}}},
			{Case: "a.skip", Area: "a", Status: Skipped, Reason: "reboot not allowed", Condition: Mandatory},
			{Case: "a.na", Area: "a", Status: NotApplicable, Reason: "no Upload", Condition: "rpc Upload"},
		}}
}

// TestJUnitReport: the JUnit XML decodes into the counts and cases of
// the report, and validates against the JUnit schema (testdata) with
// xmllint when it is installed.
func TestJUnitReport(t *testing.T) {
	rep := sampleReport()
	out := rep.JUnit()
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Props    []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 4 || s.Failures != 1 || s.Skipped != 2 || len(s.Cases) != 4 || s.Name != "cwmp-core 1.0" {
		t.Errorf("suite %+v", s)
	}
	f := s.Cases[1].Failure
	if f == nil || !strings.Contains(f.Message, "expected 9005; observed 9002") || !strings.Contains(f.Text, "<cwmp:GetParameterValues/>]]>") {
		t.Errorf("failure %+v", f)
	}
	if s.Cases[0].Failure != nil || s.Cases[0].Skipped != nil || s.Cases[2].Skipped == nil || !strings.Contains(s.Cases[3].Skipped.Message, "not applicable: no Upload") {
		t.Errorf("cases %+v", s.Cases)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed: the schema check did not run")
	}
	file := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), file)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s\n%s", err, msg, out)
	}
	// The schema refuses what it must: a test case without a name.
	bad := bytes.Replace(out, []byte(`<testcase name="a.pass"`), []byte(`<testcase`), 1)
	if err := os.WriteFile(file, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), file).CombinedOutput(); err == nil {
		t.Errorf("the schema accepted a nameless test case: %s", msg)
	}
}

// TestHTMLReport: the page is self-contained (no script, nothing
// fetched), escapes the device's SOAP, and shows every case with its
// status.
func TestHTMLReport(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<!DOCTYPE html>", `id="a.pass"`, `id="a.fail"`, `id="a.skip"`, `id="a.na"`, "&lt;cwmp:GetParameterValues/&gt;",
		"fails &lt;b&gt;", "reboot not allowed", "not applicable: 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=", "<cwmp:", "<b>fails"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	// Well-formed enough for an XML parser: every element closed.
	dec := xml.NewDecoder(strings.NewReader(strings.Replace(page, "<!DOCTYPE html>", "", 1)))
	dec.Strict = false
	dec.AutoClose = []string{"meta", "br"}
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced elements: depth %d", depth)
	}
}

func FuzzParsePlan(f *testing.F) {
	raw, _ := json.Marshal(CorePlan())
	f.Add(raw)
	f.Add([]byte(`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"rpc","task":{"name":"x"}}]}]}`))
	f.Add([]byte(`{"name":"p","version":"1","cases":[{"id":"a","steps":[{"op":"profile","requirements":[{"path":"Device.","object":true,"access":"present"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlan(data)
		if err != nil {
			return
		}
		// What parses validates again after a JSON round trip.
		again, _ := json.Marshal(p)
		if _, err := ParsePlan(again); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// lostRequestDriver takes connection requests but informs only after the
// second (the first reached it while it ended a session).
type lostRequestDriver struct {
	fakeDriver
	requests int
	informed time.Time
	now      func() time.Time
}

func (d *lostRequestDriver) ConnectionRequest(context.Context) error {
	if d.requests++; d.requests == 2 {
		d.informed = d.now()
	}
	return nil
}

func (d *lostRequestDriver) Informs(since time.Time) []Inform {
	if d.informed.IsZero() || d.informed.Before(since) {
		return nil
	}
	return []Inform{{Time: d.informed, Events: []Event{{Code: "6 CONNECTION REQUEST"}}}}
}

// TestConnectionRequestAskedAgain: an Inform awaited after a connection
// request that started no session is asked for again, and the case
// passes on the second request's Inform.
func TestConnectionRequestAskedAgain(t *testing.T) {
	p := &Plan{Name: "t", Version: "1", Cases: []Case{{ID: "cr",
		Steps: []Step{{Op: OpConnectionRequest}, {Op: OpAwaitInform, Events: []string{"6 CONNECTION REQUEST"}}}}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tick := func() time.Time { clock = clock.Add(500 * time.Millisecond); return clock }
	d := &lostRequestDriver{fakeDriver: fakeDriver{methods: RequiredCPEMethods}, now: tick}
	rep := (&Runner{Plan: p, Driver: d, Now: tick, Options: Options{StepTimeoutSeconds: 60}}).Run(context.Background(), "r")
	if len(rep.Results) != 1 || rep.Results[0].Status != Pass || d.requests != 2 {
		t.Errorf("results %+v after %d connection requests", rep.Results, d.requests)
	}
}
