package cpe

import (
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
)

// TestParseBreaks: the conformance-breaking switches parse into Breaks,
// malformed values are refused with the rule, and Quirks stay comparable.
func TestParseBreaks(t *testing.T) {
	q, err := ParseQuirks([]string{"cr-as-periodic,reboot-no-boot", "fault-code=9005:9002", "refuse=Upload", "hide=Device.GatewayInfo.",
		"value=Device.X:a:b", "inform-omit=DeviceInfo.", "periodic-slow", "gpn-next-level-all", "no-transfer-complete", "ignore-schedule-inform"})
	if err != nil {
		t.Fatal(err)
	}
	want := Breaks{CRAsPeriodic: true, RebootWithoutBoot: true, NoTransferComplete: true, IgnoreScheduleInform: true, PeriodicSlow: true,
		GPNNextLevelAll: true, InformOmit: "DeviceInfo.", FaultFrom: 9005, FaultTo: 9002, Refuse: "Upload", Hide: "Device.GatewayInfo.",
		ValuePath: "Device.X", Value: "a:b"}
	if q != (Quirks{Breaks: want}) {
		t.Errorf("%+v", q.Breaks)
	}
	for _, bad := range []string{"fault-code=9005", "fault-code=x:1", "value=:v", "refuse", "cr-as-periodic=1"} {
		if _, err := ParseQuirks([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		} else if !strings.Contains(err.Error(), "quirk") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestBreaksRewrite: each switch changes exactly its own answer.
func TestBreaksRewrite(t *testing.T) {
	b := Breaks{FaultFrom: 9007, FaultTo: 9006, Hide: "Device.A.", ValuePath: "Device.B", Value: "bad", GPNNextLevelAll: true, Refuse: "Upload"}
	f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
	f.SetParameterValuesFaults = []cwmp.SetParameterValuesFault{{ParameterName: "Device.B", FaultCode: 9007}}
	_, got := b.after(nil, f)
	if got.Code != cwmp.FaultInvalidArguments || got.SetParameterValuesFaults[0].FaultCode != 9006 || f.SetParameterValuesFaults[0].FaultCode != 9007 {
		t.Errorf("fault map: %+v (the handler's fault must stay as it was: %+v)", got, f)
	}
	resp, _ := b.after(&cwmp.GetParameterValuesResponse{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.A.X", Value: "1"}, {Name: "Device.B", Value: "ok"}, {Name: "Device.C", Value: "ok"}}}, nil)
	list := resp.(*cwmp.GetParameterValuesResponse).ParameterList
	if len(list) != 2 || list[0].Value != "bad" || list[1].Value != "ok" {
		t.Errorf("GPV %+v", list)
	}
	req := b.rewrite(&cwmp.GetParameterNames{ParameterPath: "Device.", NextLevel: true}).(*cwmp.GetParameterNames)
	if req.NextLevel {
		t.Errorf("NextLevel kept")
	}
	if b.before(&cwmp.Upload{}) == nil || b.before(&cwmp.Download{}) != nil {
		t.Errorf("refuse")
	}
	plain, broken := Breaks{}, Breaks{CRAsPeriodic: true, RebootWithoutBoot: true}
	if plain.crEvent() != cwmp.EventConnectionRequest || broken.crEvent() != cwmp.EventPeriodic {
		t.Errorf("crEvent")
	}
	if len(broken.rebootEvents("k")) != 1 || len(plain.rebootEvents("k")) != 2 {
		t.Errorf("rebootEvents")
	}
}
