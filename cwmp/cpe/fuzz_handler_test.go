package cpe_test

import (
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// FuzzHandlerPaths: whatever path an ACS sends (instance numbers out of
// range, aliases half-bracketed or empty, dots in odd places, partial
// paths), the handler answers with a response or a fault and never
// panics; the store it works on keeps its instances consistent.
func FuzzHandlerPaths(f *testing.F) {
	for _, s := range []string{
		"", ".", "..", "Device.", "Device..", "Device.IP.Interface.", "Device.IP.Interface.1.",
		"Device.IP.Interface.[wan].", "Device.IP.Interface.[wan].Enable", "Device.IP.Interface.[].Enable",
		"Device.IP.Interface.[wan", "Device.IP.Interface.[w]an].", "Device.IP.Interface.[[x]].", "Device.IP.Interface.]x[.",
		"Device.IP.Interface.4294967296.", "Device.IP.Interface.0.", "Device.IP.Interface.{i}.", "Device.IP.Interface.1.IPv4Address.[a].IPAddress",
		"Device.IP.Interface.[wan].IPv4Address.[a].", "Device.ManagementServer.InstanceMode", "Device.DeviceInfo.[x].", "[x].", "Device.[x]",
		"Device.IP.Interface.-1.", "Device.IP.Interface.01.", "Device.IP.Interface.1", "Device.IP.Interface.1.Stats.",
	} {
		f.Add(s, "x")
	}
	store := cpe.NewMemStore(tr181.Schema)
	h := &cpe.Handler{Schema: tr181.Schema, Store: store}
	if err := store.Set([]model.ParameterValue{
		{Name: "Device.ManagementServer.AliasBasedAddressing", Value: "true"},
		{Name: "Device.ManagementServer.AutoCreateInstances", Value: "true"},
	}); err != nil {
		f.Fatal(err)
	}
	if _, fault := h.Handle(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[wan]."}); fault != nil {
		f.Fatal(fault)
	}
	f.Fuzz(func(t *testing.T, path, value string) {
		msgs := []cwmp.Message{
			&cwmp.GetParameterValues{ParameterNames: []string{path}},
			&cwmp.GetParameterNames{ParameterPath: path, NextLevel: true},
			&cwmp.GetParameterNames{ParameterPath: path},
			&cwmp.GetParameterAttributes{ParameterNames: []string{path}},
			&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: path, NotificationChange: true, Notification: 1}}},
			&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: path, Value: value}}},
			&cwmp.AddObject{ObjectName: path},
			&cwmp.DeleteObject{ObjectName: path},
		}
		for _, m := range msgs {
			resp, fault := h.Handle(m)
			if (resp == nil) == (fault == nil) {
				t.Fatalf("%s %q: response %v and fault %v", m.MethodName(), path, resp, fault)
			}
		}
		// Keep the store small: undo what the input added.
		for _, n := range store.Instances("Device.IP.Interface.") {
			if n != 1 {
				_ = store.DeleteInstance("Device.IP.Interface." + itoa(n) + ".")
			}
		}
	})
}
