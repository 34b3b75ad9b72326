package policy_test

import (
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr104"
	"github.com/dmforge/dmforge/generated/tr135"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

var catalog = policy.NewCatalog(tr181.Schema, tr098.Schema, tr104.Schema, tr135.Schema)

func mustParse(t *testing.T, src string) []*policy.Document {
	t.Helper()
	docs, err := policy.Parse([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return docs
}

func mustCheck(t *testing.T, src string) *policy.Set {
	t.Helper()
	set, errs := policy.Check(mustParse(t, src), catalog)
	if len(errs) > 0 {
		t.Fatalf("check: %v", errs)
	}
	return set
}

const wanPolicy = `name: wan
model: Device:2
priority: 10
match: device.productClass == "Lab Box" && Device.DeviceInfo.SoftwareVersion.startsWith("1.")
triggers:
  events: [BOOTSTRAP]
values:
  Device.ManagementServer.PeriodicInformInterval: 300
  Device.ManagementServer.PeriodicInformEnable: true
  Device.DeviceInfo.ProvisioningCode: {expr: '"pc-" + device.serial'}
objects:
  - table: Device.IP.Interface.
    key: {Alias: wan}
    values: {Enable: true, MaxMTUSize: 1492}
attributes:
  - {path: Device.DeviceInfo.SoftwareVersion, notification: 2}
`

// The same policy in JSON parses to the same documents: one format.
func TestParseYAMLAndJSON(t *testing.T) {
	y := mustParse(t, wanPolicy)
	j := mustParse(t, `{"name": "wan", "model": "Device:2", "priority": 10,
 "match": "device.productClass == \"Lab Box\" && Device.DeviceInfo.SoftwareVersion.startsWith(\"1.\")",
 "triggers": {"events": ["BOOTSTRAP"]},
 "values": {"Device.ManagementServer.PeriodicInformInterval": 300, "Device.ManagementServer.PeriodicInformEnable": true,
            "Device.DeviceInfo.ProvisioningCode": {"expr": "\"pc-\" + device.serial"}},
 "objects": [{"table": "Device.IP.Interface.", "key": {"Alias": "wan"}, "values": {"Enable": true, "MaxMTUSize": 1492}}],
 "attributes": [{"path": "Device.DeviceInfo.SoftwareVersion", "notification": 2}]}`)
	strip := func(d *policy.Document) *policy.Document {
		c := *d
		p := *d.Policy
		p.Line, p.Triggers.Line, p.Match = 0, 0, &policy.Expr{Source: p.Match.Source}
		p.Values = append([]policy.Value(nil), p.Values...)
		for i := range p.Values {
			p.Values[i].Line = 0
			if p.Values[i].Expr != nil {
				p.Values[i].Expr = &policy.Expr{Source: p.Values[i].Expr.Source}
			}
		}
		p.Objects = append([]policy.Object(nil), p.Objects...)
		for i := range p.Objects {
			o := &p.Objects[i]
			o.Line = 0
			o.Key = append([]policy.Value(nil), o.Key...)
			o.Values = append([]policy.Value(nil), o.Values...)
			for k := range o.Key {
				o.Key[k].Line = 0
			}
			for k := range o.Values {
				o.Values[k].Line = 0
			}
		}
		p.Attributes = append([]policy.Attribute(nil), p.Attributes...)
		for i := range p.Attributes {
			p.Attributes[i].Line = 0
		}
		c.Policy, c.Line, c.Source = &p, 0, ""
		return &c
	}
	if !reflect.DeepEqual(strip(y[0]), strip(j[0])) {
		t.Fatalf("YAML and JSON differ:\n%+v\n%+v", strip(y[0]).Policy, strip(j[0]).Policy)
	}
	if y[0].Policy.Values[0].Line != 8 || y[0].Policy.Objects[0].Line != 12 {
		t.Fatalf("lines: value %d, object %d", y[0].Policy.Values[0].Line, y[0].Policy.Objects[0].Line)
	}
}

// Every rejection names the policy, the line, the path and the rule.
func TestCheckRejections(t *testing.T) {
	cases := []struct {
		name, doc string
		line      int
		path      string
		rule      string
	}{
		{"unknown path", "name: p\nmodel: Device:2\nvalues:\n  Device.DeviceInfo.NoSuchThing: 1\n", 4, "Device.DeviceInfo.NoSuchThing", "unknown-path"},
		{"read-only", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 60\n  Device.DeviceInfo.SoftwareVersion: '2.0'\n", 5, "Device.DeviceInfo.SoftwareVersion", "read-only"},
		{"wrong type", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: often\n", 4, "Device.ManagementServer.PeriodicInformInterval", "value-type"},
		{"out of range", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 0\n", 4, "Device.ManagementServer.PeriodicInformInterval", "value-range"},
		{"enumeration", "name: p\nmodel: InternetGatewayDevice:1\nvalues:\n  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 60\n  InternetGatewayDevice.Time.LocalTimeZoneName: ok\n  InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.BeaconType: WPA9\n", 6, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.BeaconType", "value-enumeration"},
		{"CEL type error in a value", "name: p\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformEnable: {expr: 'device.serial + \"x\"'}\n", 4, "Device.ManagementServer.PeriodicInformEnable", "cel-type"},
		{"CEL type error in a match", "name: p\nmodel: Device:2\nmatch: >-\n  Device.ManagementServer.PeriodicInformInterval > \"300\"\n", 4, "", "cel-type"},
		{"CEL syntax", "name: p\nmodel: Device:2\nmatch: 'device.id ==='\n", 3, "", "cel-syntax"},
		{"expression reads an unknown path", "name: p\nmodel: Device:2\n\nmatch: Device.DeviceInfo.Nope == 'x'\n", 4, "", "unknown-path"},
		{"vendor not declared", "name: p\nmodel: Device:2\nvalues:\n  Device.DeviceInfo.X_ACME_Mode: fast\n", 4, "Device.DeviceInfo.X_ACME_Mode", "vendor"},
		{"outside the model", "name: p\nmodel: Device:2\nvalues:\n  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 60\n", 4, "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "outside-model"},
		{"not a table", "name: p\nmodel: Device:2\nobjects:\n  - table: Device.DeviceInfo.\n    key: {Alias: x}\n", 4, "Device.DeviceInfo.", "not-table"},
		{"object key read-only", "name: p\nmodel: Device:2\nobjects:\n  - table: Device.IP.Interface.\n    key: {Status: Up}\n", 5, "Device.IP.Interface.{i}.Status", "read-only"},
		{"unknown field", "name: p\nmodel: Device:2\nvaluez: {}\n", 3, "", "unknown-field"},
		{"unknown model", "name: p\nmodel: Toaster:1\n", 1, "", "unknown-model"},
		{"unknown event", "name: p\nmodel: Device:2\ntriggers:\n  events: [SOMETIMES]\n", 4, "", "event"},
		{"bad cron", "name: p\nmodel: Device:2\ntriggers:\n  schedule: {cron: '61 * * * *'}\n", 4, "", "schedule"},
		{"forced notification", "name: p\nmodel: Device:2\nattributes:\n  - {path: Device.DeviceInfo.SoftwareVersion, notification: 0}\n", 4, "Device.DeviceInfo.SoftwareVersion", "notification"},
		{"service path", "name: p\nmodel: VoiceService:2\nvalues:\n  Device.Services.VoiceService.1.NoSuch: 1\n", 4, "Device.Services.VoiceService.1.NoSuch", "unknown-path"},
		{"virtual type", "kind: VirtualParameter\nname: wanip\nmodel: Device:2\ntype: boolean\nexpr: Device.DeviceInfo.SoftwareVersion\n", 5, "", "cel-type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs, err := policy.Parse([]byte(c.doc))
			var errs policy.Errors
			if err != nil {
				errs = err.(policy.Errors)
			} else {
				_, errs = policy.Check(docs, catalog)
			}
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			e := errs[0]
			if e.Rule != c.rule || e.Line != c.line || e.Path != c.path || (e.Policy != "p" && e.Policy != "wanip") {
				t.Fatalf("got %+v (%v), want line %d path %q rule %s", *e, e, c.line, c.path, c.rule)
			}
		})
	}
}

func TestCheckConflict(t *testing.T) {
	docs := mustParse(t, "name: a\nmodel: Device:2\npriority: 5\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 300\n---\n"+
		"name: b\nmodel: Device:2\npriority: 5\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 600\n---\n"+
		"name: c\nmodel: Device:2\npriority: 9\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 900\n---\n"+
		"name: d\nmodel: Device:2\npriority: 5\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: '0300'\n")
	_, errs := policy.Check(docs, catalog)
	var conflicts []string
	for _, e := range errs {
		if e.Rule != policy.RuleConflict {
			t.Fatalf("unexpected %v", e)
		}
		conflicts = append(conflicts, e.Policy+":"+strconv.Itoa(e.Line))
	}
	// a and d agree (0300 is 300); b conflicts with both; c has its own
	// priority.
	sort.Strings(conflicts)
	if want := []string{"b:11", "d:23"}; !reflect.DeepEqual(conflicts, want) {
		t.Fatalf("conflicts %v, want %v (%v)", conflicts, want, errs)
	}
}

// fakeCPE applies RPCs to a parameter map, with the standard's access
// and syntax, as a device would.
type fakeCPE struct {
	schema *model.Schema
	params map[string]string
	next   map[string]uint32
	attrs  map[string]int
	calls  []string
	sw     string
}

func newFakeCPE(schema *model.Schema, root string) *fakeCPE {
	c := &fakeCPE{schema: schema, params: map[string]string{}, next: map[string]uint32{}, attrs: map[string]int{}, sw: "1.0.0"}
	c.params[root+"DeviceInfo.SoftwareVersion"] = "1.0.0"
	c.params[root+"ManagementServer.PeriodicInformInterval"] = "3600"
	c.params[root+"ManagementServer.PeriodicInformEnable"] = "false"
	c.params[root+"DeviceInfo.ProvisioningCode"] = ""
	return c
}

func (c *fakeCPE) do(rpc *policy.RPC) (values []cwmp.ParameterValueStruct, instance uint32, fault string) {
	c.calls = append(c.calls, rpc.Method)
	switch rpc.Method {
	case "GetParameterValues":
		for _, n := range rpc.Names {
			found := false
			for k, v := range c.params {
				if k == n || strings.HasSuffix(n, ".") && strings.HasPrefix(k, n) {
					values = append(values, cwmp.ParameterValueStruct{Name: k, Value: v})
					found = true
				}
			}
			if !found && !strings.HasSuffix(n, ".") {
				return nil, 0, "9005 " + n
			}
		}
	case "SetParameterValues":
		for _, v := range rpc.Values {
			if err := c.schema.CheckValue(v.Name, v.Value); err != nil {
				return nil, 0, "9007 " + err.Error()
			}
		}
		for _, v := range rpc.Values {
			c.params[v.Name] = v.Value
		}
	case "AddObject":
		c.next[rpc.Object]++
		instance = c.next[rpc.Object]
		c.params[rpc.Object+strconv.Itoa(int(instance))+".Alias"] = "cpe-" + strconv.Itoa(int(instance))
	case "DeleteObject":
		for k := range c.params {
			if strings.HasPrefix(k, rpc.Object) {
				delete(c.params, k)
			}
		}
	case "SetParameterAttributes":
		for _, a := range rpc.Attributes {
			c.attrs[a.Name] = a.Notification
		}
	case "Download":
		c.sw = rpc.Version
	}
	return values, instance, ""
}

// converge runs one session the way the ACS does: plan, send the first
// RPC, record the answer, plan again.
func converge(t *testing.T, set *policy.Set, cpe *fakeCPE, st *policy.MapState, states map[string]*policy.PolicyState, events []string, now time.Time) (*policy.Plan, []string) {
	t.Helper()
	sess := policy.NewSession(events)
	var sent []string
	for {
		plan := policy.Compute(set, st, states, sess, now)
		if len(plan.RPCs) == 0 {
			for _, ps := range sess.Finish(plan, states, now) {
				states[ps.Policy] = ps
			}
			return plan, sent
		}
		rpc := plan.RPCs[0]
		sess.Sent()
		sent = append(sent, rpc.Method)
		vals, inst, fault := cpe.do(&rpc)
		switch {
		case fault != "":
			sess.Fault(&rpc, fault)
		case rpc.Method == "GetParameterValues":
			sess.GotValues(&rpc, st, vals, now)
		case rpc.Method == "SetParameterValues":
			sess.SetDone(&rpc, st, now)
		case rpc.Method == "AddObject":
			sess.ObjectAdded(&rpc, st, inst, now)
		case rpc.Method == "DeleteObject":
			sess.Deleted(&rpc, st)
		case rpc.Method == "SetParameterAttributes":
			sess.AttributesDone(&rpc)
		case rpc.Method == "Download":
			sess.DownloadAccepted(&rpc)
		}
	}
}

func TestPlanConvergesOnTR181(t *testing.T) {
	set := mustCheck(t, wanPolicy)
	cpe := newFakeCPE(tr181.Schema, "Device.")
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	st := policy.NewMapState(policy.Facts{ID: "00D09E-Lab%20Box-S1", ProductClass: "Lab Box", Serial: "S1", SoftwareVersion: "1.0.0"}, "Device.")
	st.Set("Device.DeviceInfo.SoftwareVersion", "1.0.0", now) // from the Inform
	states := map[string]*policy.PolicyState{}

	// The dry run: what the first session sends first.
	first := policy.Compute(set, st, states, policy.NewSession([]string{cwmp.EventBootstrap}), now)
	var methods []string
	for _, r := range first.RPCs {
		methods = append(methods, r.Method)
	}
	// The table's instances are unknown: read first; whether an
	// AddObject follows depends on what the read finds.
	if want := []string{"GetParameterValues", "SetParameterValues", "SetParameterAttributes"}; !reflect.DeepEqual(methods, want) {
		t.Fatalf("first plan %v, want %v", methods, want)
	}
	if got := first.RPCs[0].Names; !reflect.DeepEqual(got, []string{"Device.IP.Interface."}) {
		t.Fatalf("first read %v", got)
	}
	spv := first.RPCs[1]
	want := []cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300", Type: "xsd:unsignedInt"},
		{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true", Type: "xsd:boolean"},
		{Name: "Device.DeviceInfo.ProvisioningCode", Value: "pc-S1", Type: "xsd:string"},
	}
	if !reflect.DeepEqual(spv.Values, want) {
		t.Fatalf("SPV %+v", spv.Values)
	}

	plan, sent := converge(t, set, cpe, st, states, []string{cwmp.EventBootstrap, cwmp.EventBoot}, now)
	// Read the table, add the instance, one batched SPV (values and the
	// new instance's), one read back, then the attributes.
	if want := []string{"GetParameterValues", "AddObject", "SetParameterValues", "GetParameterValues", "SetParameterAttributes"}; !reflect.DeepEqual(sent, want) {
		t.Fatalf("session sent %v, want %v", sent, want)
	}
	if o := plan.Outcomes["wan"]; o.Status != policy.StatusConverged {
		t.Fatalf("outcome %+v", o)
	}
	for k, v := range map[string]string{"Device.IP.Interface.1.Alias": "wan", "Device.IP.Interface.1.Enable": "true", "Device.IP.Interface.1.MaxMTUSize": "1492",
		"Device.ManagementServer.PeriodicInformInterval": "300", "Device.DeviceInfo.ProvisioningCode": "pc-S1"} {
		if cpe.params[k] != v {
			t.Errorf("%s = %q, want %q", k, cpe.params[k], v)
		}
	}
	if cpe.attrs["Device.DeviceInfo.SoftwareVersion"] != 2 {
		t.Error("notification not set")
	}
	// The next sessions, triggered or not, send nothing.
	for _, ev := range [][]string{{cwmp.EventPeriodic}, {cwmp.EventBootstrap}} {
		if _, sent := converge(t, set, cpe, st, states, ev, now.Add(time.Hour)); len(sent) != 0 {
			t.Fatalf("converged device, events %v: sent %v", ev, sent)
		}
	}
	if cpe.next["Device.IP.Interface."] != 1 {
		t.Fatalf("instances added: %d", cpe.next["Device.IP.Interface."])
	}
	// The operator renames the interface on the device: the next
	// triggered session puts it back, without adding an instance.
	cpe.params["Device.IP.Interface.1.MaxMTUSize"] = "1500"
	st.Set("Device.IP.Interface.1.MaxMTUSize", "1500", now)
	_, sent = converge(t, set, cpe, st, states, []string{cwmp.EventBootstrap}, now.Add(2*time.Hour))
	if want := []string{"SetParameterValues", "GetParameterValues"}; !reflect.DeepEqual(sent, want) || cpe.params["Device.IP.Interface.1.MaxMTUSize"] != "1492" {
		t.Fatalf("repair sent %v, MTU %q", sent, cpe.params["Device.IP.Interface.1.MaxMTUSize"])
	}
}

func TestPlanMatchAndPriorities(t *testing.T) {
	set := mustCheck(t, `name: low
model: InternetGatewayDevice:1
priority: 1
values:
  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 600
---
name: high
model: InternetGatewayDevice:1
priority: 2
match: '"gold" in device.tags'
values:
  InternetGatewayDevice.ManagementServer.PeriodicInformInterval: 60
---
name: tr181-only
model: Device:2
values:
  Device.ManagementServer.PeriodicInformInterval: 30
`)
	now := time.Now()
	for _, tags := range [][]string{nil, {"gold"}} {
		cpe := newFakeCPE(tr098.Schema, "InternetGatewayDevice.")
		st := policy.NewMapState(policy.Facts{ID: "x", Tags: tags}, "InternetGatewayDevice.")
		states := map[string]*policy.PolicyState{}
		plan, _ := converge(t, set, cpe, st, states, nil, now)
		want := "600"
		if tags != nil {
			want = "60"
		}
		if got := cpe.params["InternetGatewayDevice.ManagementServer.PeriodicInformInterval"]; got != want {
			t.Fatalf("tags %v: interval %s, want %s", tags, got, want)
		}
		if _, ok := plan.Outcomes["tr181-only"]; ok {
			t.Fatal("a Device:2 policy planned on an InternetGatewayDevice")
		}
		if tags == nil {
			if _, ok := plan.Outcomes["high"]; ok {
				t.Fatal("non-matching policy has an outcome")
			}
		}
	}
}

func TestPlanFreshnessAndSchedule(t *testing.T) {
	set := mustCheck(t, `name: uptime
model: Device:2
triggers:
  schedule: {every: 1h, spread: 10m}
freshness:
  - {path: Device.DeviceInfo.UpTime, maxAge: 30m}
values:
  Device.ManagementServer.PeriodicInformInterval: 300
`)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cpe := newFakeCPE(tr181.Schema, "Device.")
	cpe.params["Device.DeviceInfo.UpTime"] = "10"
	st := policy.NewMapState(policy.Facts{ID: "d1"}, "Device.")
	states := map[string]*policy.PolicyState{}
	_, sent := converge(t, set, cpe, st, states, nil, now)
	if want := []string{"GetParameterValues", "SetParameterValues", "GetParameterValues"}; !reflect.DeepEqual(sent, want) {
		t.Fatalf("first session %v", sent)
	}
	// 10 minutes later: fresh enough, converged, not due: nothing.
	if _, sent := converge(t, set, cpe, st, states, nil, now.Add(10*time.Minute)); len(sent) != 0 {
		t.Fatalf("sent %v", sent)
	}
	// 40 minutes later: UpTime is stale, one read, nothing else.
	cpe.params["Device.DeviceInfo.UpTime"] = "2410"
	plan := policy.Compute(set, st, states, policy.NewSession(nil), now.Add(40*time.Minute))
	if len(plan.RPCs) != 1 || !reflect.DeepEqual(plan.RPCs[0].Names, []string{"Device.DeviceInfo.UpTime"}) {
		t.Fatalf("stale plan %+v", plan.RPCs)
	}
	converge(t, set, cpe, st, states, nil, now.Add(40*time.Minute))
	if k, _ := st.Get("Device.DeviceInfo.UpTime"); k.Value != "2410" {
		t.Fatalf("UpTime not re-read: %+v", k)
	}
	// The schedule's next run is within [1h, 1h10m] of the last.
	next := policy.NextRun(set.Policies[0].Doc.Policy.Triggers.Schedule, "uptime", "d1", now)
	if next.Before(now.Add(time.Hour)) || next.After(now.Add(70*time.Minute)) {
		t.Fatalf("next run %v", next)
	}
}

func TestPlanFaultBackoffAndCycleBound(t *testing.T) {
	set := mustCheck(t, `name: p
model: Device:2
values:
  Device.ManagementServer.PeriodicInformInterval: 300
`)
	now := time.Now()
	st := policy.NewMapState(policy.Facts{ID: "d"}, "Device.")
	states := map[string]*policy.PolicyState{}
	// A device that accepts the SPV and keeps its old value.
	sess := policy.NewSession(nil)
	var sent []string
	for i := 0; i < 10; i++ {
		plan := policy.Compute(set, st, states, sess, now)
		if len(plan.RPCs) == 0 {
			for _, ps := range sess.Finish(plan, states, now) {
				states[ps.Policy] = ps
			}
			break
		}
		r := plan.RPCs[0]
		sent = append(sent, r.Method)
		sess.Sent()
		switch r.Method {
		case "SetParameterValues":
			sess.SetDone(&r, st, now)
		case "GetParameterValues":
			sess.GotValues(&r, st, []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600"}}, now)
		}
	}
	ps := states["p"]
	if ps == nil || ps.Status != policy.StatusFault || !strings.Contains(ps.Reason, "reads back \"3600\"") || ps.Attempts != 1 {
		t.Fatalf("state %+v after %v", ps, sent)
	}
	if want := []string{"SetParameterValues", "GetParameterValues"}; !reflect.DeepEqual(sent, want) {
		t.Fatalf("sent %v", sent)
	}
	// Within the backoff: nothing planned; after it, tried again.
	if plan := policy.Compute(set, st, states, policy.NewSession(nil), now.Add(30*time.Second)); len(plan.RPCs) != 0 {
		t.Fatalf("planned during backoff: %+v", plan.RPCs)
	}
	if plan := policy.Compute(set, st, states, policy.NewSession(nil), now.Add(2*time.Minute)); len(plan.RPCs) != 1 {
		t.Fatalf("not retried after backoff: %+v", plan.RPCs)
	}
	if policy.Backoff(1) != time.Minute || policy.Backoff(3) != 4*time.Minute || policy.Backoff(40) != 24*time.Hour {
		t.Fatal("backoff")
	}
}

func TestVirtualParameters(t *testing.T) {
	set := mustCheck(t, `kind: VirtualParameter
name: wanIP
model: InternetGatewayDevice:1
type: string
expr: >-
  InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress != "" ?
  InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress :
  InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress
---
name: tag-by-ip
model: InternetGatewayDevice:1
match: v.wanIP.startsWith("10.")
values:
  InternetGatewayDevice.DeviceInfo.ProvisioningCode: {expr: '"lan-" + v.wanIP'}
`)
	now := time.Now()
	st := policy.NewMapState(policy.Facts{ID: "d"}, "InternetGatewayDevice.")
	st.Set("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress", "", now)
	st.Set("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress", "10.1.2.3", now)
	if got := policy.VirtualValues(set, st); got["wanIP"] != "10.1.2.3" {
		t.Fatalf("virtual values %v", got)
	}
	plan := policy.Compute(set, st, nil, nil, now)
	if len(plan.RPCs) != 1 || plan.RPCs[0].Values[0].Value != "lan-10.1.2.3" {
		t.Fatalf("plan %+v", plan.RPCs)
	}
	// Unknown inputs are read first.
	st2 := policy.NewMapState(policy.Facts{ID: "e"}, "InternetGatewayDevice.")
	plan = policy.Compute(set, st2, nil, nil, now)
	if len(plan.RPCs) != 1 || plan.RPCs[0].Method != "GetParameterValues" || len(plan.RPCs[0].Names) != 2 || plan.Outcomes["tag-by-ip"].Status != policy.StatusPending {
		t.Fatalf("plan %+v %+v", plan.RPCs, plan.Outcomes)
	}
}

func TestPlanDeleteOthersAndFirmware(t *testing.T) {
	set := mustCheck(t, `name: one-ssid
model: Device:2
objects:
  - table: Device.WiFi.SSID.
    key: {Alias: main}
    values: {SSID: home}
    deleteOthers: true
firmware: {version: "2.0.0", file: fw.bin}
`)
	now := time.Now()
	cpe := newFakeCPE(tr181.Schema, "Device.")
	for _, n := range []string{"1", "2"} {
		cpe.params["Device.WiFi.SSID."+n+".Alias"] = "cpe-" + n
		cpe.params["Device.WiFi.SSID."+n+".SSID"] = "x"
	}
	cpe.next["Device.WiFi.SSID."] = 2
	st := policy.NewMapState(policy.Facts{ID: "d", SoftwareVersion: "1.0.0"}, "Device.")
	states := map[string]*policy.PolicyState{}
	plan, sent := converge(t, set, cpe, st, states, nil, now)
	if want := []string{"GetParameterValues", "AddObject", "DeleteObject", "DeleteObject", "SetParameterValues", "GetParameterValues", "Download"}; !reflect.DeepEqual(sent, want) {
		t.Fatalf("sent %v", sent)
	}
	if o := plan.Outcomes["one-ssid"]; o.Status != policy.StatusPending || !strings.Contains(o.Reason, "2.0.0") {
		t.Fatalf("outcome %+v", o)
	}
	if cpe.params["Device.WiFi.SSID.3.SSID"] != "home" || cpe.params["Device.WiFi.SSID.1.SSID"] != "" {
		t.Fatalf("params %v", cpe.params)
	}
	// Within the firmware wait: no second download. After the device
	// reports the version: converged.
	if _, sent := converge(t, set, cpe, st, states, nil, now.Add(time.Minute)); len(sent) != 0 {
		t.Fatalf("sent %v", sent)
	}
	st.DeviceFacts.SoftwareVersion = cpe.sw
	plan, sent = converge(t, set, cpe, st, states, nil, now.Add(2*time.Minute))
	if len(sent) != 0 || plan.Outcomes["one-ssid"].Status != policy.StatusConverged {
		t.Fatalf("sent %v, %+v", sent, plan.Outcomes)
	}
}

// The benchmark's policy (bench/policy.sh) checks: 20 values, one object.
func TestBenchPolicyChecks(t *testing.T) {
	src, err := os.ReadFile("../../bench/policy-bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := mustCheck(t, string(src))
	if n := len(set.Policies[0].Doc.Policy.Values); n != 20 {
		t.Fatalf("%d values", n)
	}
}

func TestGroups(t *testing.T) {
	set := mustCheck(t, `kind: Group
name: gold
model: Device:2
match: '"gold" in device.tags || Device.DeviceInfo.ProvisioningCode == "GOLD"'
---
kind: Group
name: pilot
model: Device:2
devices: [d-pilot-1, d-pilot-2]
---
name: gold-interval
model: Device:2
groups: [gold, pilot]
values:
  Device.ManagementServer.PeriodicInformInterval: 60
`)
	now := time.Now()
	cases := []struct {
		id    string
		tags  []string
		code  string // ProvisioningCode, "" when unknown
		in    bool
		plans []string
	}{
		{"d1", []string{"gold"}, "", true, []string{"SetParameterValues"}},
		{"d-pilot-2", nil, "x", true, []string{"SetParameterValues"}},
		{"d3", nil, "GOLD", true, []string{"SetParameterValues"}},
		{"d4", nil, "x", false, nil},
		{"d5", nil, "", false, []string{"GetParameterValues"}}, // the group needs ProvisioningCode
	}
	for _, c := range cases {
		st := policy.NewMapState(policy.Facts{ID: c.id, Tags: c.tags}, "Device.")
		if c.code != "" {
			st.Set("Device.DeviceInfo.ProvisioningCode", c.code, now)
		}
		plan := policy.Compute(set, st, nil, nil, now)
		var methods []string
		for _, r := range plan.RPCs {
			methods = append(methods, r.Method)
		}
		if !reflect.DeepEqual(methods, c.plans) {
			t.Errorf("%s: plan %v, want %v", c.id, methods, c.plans)
		}
		in, unknown, err := policy.Membership(set, "gold", st)
		pin, _, _ := policy.Membership(set, "pilot", st)
		if err != nil || (in || pin) != c.in || unknown != (c.code == "" && len(c.tags) == 0) {
			t.Errorf("%s: gold %v (unknown %v), pilot %v, %v", c.id, in, unknown, pin, err)
		}
	}
	// A policy naming a group that does not exist, or of another model.
	_, errs := policy.Check(mustParse(t, "name: p\nmodel: Device:2\ngroups: [nope]\n---\nkind: Group\nname: igd\nmodel: InternetGatewayDevice:1\ndevices: [x]\n---\nname: q\nmodel: Device:2\ngroups: [igd]\n"), catalog)
	if len(errs) != 2 || errs[0].Rule != policy.RuleUnknownGroup || errs[1].Rule != policy.RuleUnknownGroup || errs[0].Policy != "p" || errs[1].Policy != "q" {
		t.Fatalf("errors %v", errs)
	}
	// A group with both match and devices is refused.
	if _, err := policy.Parse([]byte("kind: Group\nname: g\nmodel: Device:2\nmatch: 'true'\ndevices: [a]\n")); err == nil {
		t.Fatal("group with match and devices accepted")
	}
}
