package cpe_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

func aliasRig(t *testing.T) *rig {
	return newRig(t, func(c *cpe.Config) { c.AliasBasedAddressing = true })
}

func names(list []cwmp.ParameterValueStruct) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Name)
	}
	return out
}

// TestAliasBasedAddressing: TR-069 3.6.1 — instances named by alias in
// every RPC, AddObject with an alias, CPE-assigned "cpe-" aliases, alias
// rules, and InstanceMode InstanceAlias in returned paths.
func TestAliasBasedAddressing(t *testing.T) {
	r := aliasRig(t)
	if v := r.value("Device.ManagementServer.AliasBasedAddressing"); v != "true" {
		t.Fatalf("AliasBasedAddressing = %q", v)
	}
	// AddObject with an alias, and one without: the CPE names it cpe-2.
	add := r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[wan]."}).(*cwmp.AddObjectResponse)
	if add.InstanceNumber != 1 {
		t.Fatalf("AddObject [wan]: instance %d", add.InstanceNumber)
	}
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	if v := r.value("Device.IP.Interface.1.Alias"); v != "wan" {
		t.Fatalf("Alias of instance 1 = %q", v)
	}
	if v := r.value("Device.IP.Interface.2.Alias"); v != "cpe-2" {
		t.Fatalf("CPE-assigned alias = %q, want cpe-2", v)
	}
	// Paths with aliases in GPV, SPV, GPN, SPA, GPA and nested AddObject.
	r.call(spv("k1", "Device.IP.Interface.[wan].Enable", "true", "xsd:boolean"))
	if v := r.value("Device.IP.Interface.1.Enable"); v != "true" {
		t.Fatalf("SPV through the alias did not reach instance 1: %q", v)
	}
	if v := r.value("Device.IP.Interface.[wan].Enable"); v != "true" {
		t.Fatalf("GPV through the alias: %q", v)
	}
	add = r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[wan].IPv4Address.[primary]."}).(*cwmp.AddObjectResponse)
	if add.InstanceNumber != 1 {
		t.Fatalf("nested AddObject: %+v", add)
	}
	gpn := r.call(&cwmp.GetParameterNames{ParameterPath: "Device.IP.Interface.[wan].IPv4Address.", NextLevel: true}).(*cwmp.GetParameterNamesResponse)
	if len(gpn.ParameterList) != 1 || gpn.ParameterList[0].Name != "Device.IP.Interface.1.IPv4Address.1." {
		t.Fatalf("GPN under an alias (InstanceNumber mode): %+v", gpn.ParameterList)
	}
	r.call(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.IP.Interface.[wan].Status", NotificationChange: true, Notification: 2}}})
	ga := r.call(&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.IP.Interface.1.Status"}}).(*cwmp.GetParameterAttributesResponse)
	if ga.ParameterList[0].Notification != 2 {
		t.Fatalf("SPA through the alias: %+v", ga.ParameterList)
	}

	// Faults: unknown alias (AutoCreateInstances false), alias on a
	// table without Alias, duplicate alias, alias rules.
	f := r.fault(gpv("Device.IP.Interface.[nope].Enable"), cwmp.FaultInvalidParameterName)
	if !strings.Contains(f.String, "nope") {
		t.Errorf("fault string %q does not name the alias", f.String)
	}
	f = r.fault(spv("k2", "Device.IP.Interface.[lan].Enable", "true", "xsd:boolean"), cwmp.FaultInvalidArguments)
	if len(f.SetParameterValuesFaults) != 1 || f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultInvalidParameterName {
		t.Fatalf("SPV of an unknown alias without auto-create: %+v", f.SetParameterValuesFaults)
	}
	r.fault(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[wan]."}, cwmp.FaultInvalidParameterValue)
	for _, bad := range []string{"1st", "x[y]", "-"} {
		r.fault(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[" + bad + "]."}, cwmp.FaultInvalidParameterValue)
	}
	// A dot inside brackets cannot be told from a path separator.
	r.fault(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[a.b]."}, cwmp.FaultInvalidParameterName)
	// A readWrite Alias may be renamed, but not to another instance's.
	r.call(&cwmp.AddObject{ObjectName: "Device.ManagementServer.InformParameter.[p1]."})
	r.call(&cwmp.AddObject{ObjectName: "Device.ManagementServer.InformParameter.[p2]."})
	f = r.fault(spv("k4", "Device.ManagementServer.InformParameter.[p2].Alias", "p1", "xsd:string"), cwmp.FaultInvalidArguments)
	if f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultInvalidParameterValue {
		t.Fatalf("SPV of a duplicate alias: %+v", f.SetParameterValuesFaults)
	}
	r.call(spv("k4", "Device.ManagementServer.InformParameter.[p2].Alias", "p3", "xsd:string"))
	if v := r.value("Device.ManagementServer.InformParameter.2.Alias"); v != "p3" {
		t.Fatalf("renamed alias = %q", v)
	}
	r.fault(gpv("Device.DeviceInfo.[x].Manufacturer"), cwmp.FaultInvalidParameterName)
	r.fault(gpv("Device.IP.Interface.[wan"), cwmp.FaultInvalidParameterName)

	// InstanceMode InstanceAlias: returned paths name instances by alias.
	r.call(spv("k5", "Device.ManagementServer.InstanceMode", "InstanceAlias", "xsd:string"))
	gv := r.call(gpv("Device.IP.Interface.[wan].IPv4Address.")).(*cwmp.GetParameterValuesResponse)
	for _, n := range names(gv.ParameterList) {
		if !strings.HasPrefix(n, "Device.IP.Interface.[wan].IPv4Address.[primary].") {
			t.Fatalf("InstanceAlias mode returned %s", n)
		}
	}
	gpn = r.call(&cwmp.GetParameterNames{ParameterPath: "Device.IP.Interface.", NextLevel: true}).(*cwmp.GetParameterNamesResponse)
	var got []string
	for _, p := range gpn.ParameterList {
		got = append(got, p.Name)
	}
	if !slices.Equal(got, []string{"Device.IP.Interface.[wan].", "Device.IP.Interface.[cpe-2]."}) {
		t.Fatalf("GPN in InstanceAlias mode: %v", got)
	}
	// DeleteObject by alias.
	r.call(&cwmp.DeleteObject{ObjectName: "Device.IP.Interface.[cpe-2]."})
	if inst := r.store.Instances("Device.IP.Interface."); !slices.Equal(inst, []uint32{1}) {
		t.Fatalf("after DeleteObject [cpe-2]: %v", inst)
	}
	// The Inform reports forced parameters by alias too, when they are in
	// aliased tables; outside tables nothing changes.
	s := r.session([]string{cwmp.EventPeriodic})
	if !slices.Contains(names(s.Inform.ParameterList), "Device.ManagementServer.ParameterKey") {
		t.Fatalf("Inform lost a forced parameter: %v", names(s.Inform.ParameterList))
	}
}

// TestAliasAutoCreate: with AutoCreateInstances, SetParameterValues
// creates the instances of unknown aliases, all or nothing.
func TestAliasAutoCreate(t *testing.T) {
	r := aliasRig(t)
	r.call(spv("k", "Device.ManagementServer.AutoCreateInstances", "true", "xsd:boolean"))
	r.call(spv("k1",
		"Device.IP.Interface.[wan].Enable", "true", "xsd:boolean",
		"Device.IP.Interface.[wan].IPv4Address.[a].IPAddress", "192.0.2.1", "xsd:string"))
	if inst := r.store.Instances("Device.IP.Interface."); !slices.Equal(inst, []uint32{1}) {
		t.Fatalf("auto-created interfaces %v", inst)
	}
	if v := r.value("Device.IP.Interface.1.IPv4Address.1.IPAddress"); v != "192.0.2.1" {
		t.Fatalf("auto-created address = %q", v)
	}
	if v := r.value("Device.IP.Interface.1.IPv4Address.1.Alias"); v != "a" {
		t.Fatalf("auto-created alias = %q", v)
	}
	// One bad value: nothing is created and nothing set.
	f := r.fault(spv("k2",
		"Device.IP.Interface.[lan].Enable", "true", "xsd:boolean",
		"Device.IP.Interface.[lan].MaxMTUSize", "1", "xsd:unsignedInt"), cwmp.FaultInvalidArguments)
	if len(f.SetParameterValuesFaults) != 1 || f.SetParameterValuesFaults[0].ParameterName != "Device.IP.Interface.[lan].MaxMTUSize" {
		t.Fatalf("faults %+v", f.SetParameterValuesFaults)
	}
	if inst := r.store.Instances("Device.IP.Interface."); !slices.Equal(inst, []uint32{1}) {
		t.Fatalf("a failed SPV left auto-created instances: %v", inst)
	}
	// A read-only table is never auto-created.
	f = r.fault(spv("k3", "Device.DeviceInfo.Processor.[p].Architecture", "arm", "xsd:string"), cwmp.FaultInvalidArguments)
	if c := f.SetParameterValuesFaults[0].FaultCode; c != cwmp.FaultRequestDenied && c != cwmp.FaultNonWritableParameter {
		t.Fatalf("auto-create in a read-only table: %+v", f.SetParameterValuesFaults)
	}
}

// TestAliasNotSupported: a device without Alias-Based Addressing answers
// 9005 to paths with aliases.
func TestAliasNotSupported(t *testing.T) {
	r := newRig(t, nil)
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	r.fault(gpv("Device.IP.Interface.[cpe-1].Enable"), cwmp.FaultInvalidParameterName)
	r.fault(&cwmp.AddObject{ObjectName: "Device.IP.Interface.[wan]."}, cwmp.FaultInvalidParameterName)
	if v := r.value("Device.IP.Interface.1.Alias"); v != "" {
		t.Fatalf("alias assigned without Alias-Based Addressing: %q", v)
	}
}

// TestAliasesAssignedAtStart: instances a profile brings without an alias
// get one when the agent starts with Alias-Based Addressing.
func TestAliasesAssignedAtStart(t *testing.T) {
	store := cpe.NewMemStore(tr181.Schema)
	for range 2 {
		if _, err := store.AddInstance("Device.IP.Interface."); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Set([]model.ParameterValue{{Name: "Device.IP.Interface.2.Alias", Value: "cpe-1"}}); err != nil {
		t.Fatal(err)
	}
	_, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: store, ACSURL: "http://127.0.0.1:1/", SerialNumber: "S", AliasBasedAddressing: true})
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := store.Get("Device.IP.Interface.1.Alias")
	a2, _ := store.Get("Device.IP.Interface.2.Alias")
	if a1 == "" || a1 == a2 || !strings.HasPrefix(a1, "cpe-") || a2 != "cpe-1" {
		t.Fatalf("aliases %q %q", a1, a2)
	}
}

// memAttrStore is a Store that keeps attributes itself, as a device with
// flash would.
type memAttrStore struct {
	*cpe.MemStore
	sets int
}

func (m *memAttrStore) SetAttributes(c map[string]*cpe.Attributes) error {
	m.sets++
	return m.MemStore.SetAttributes(c)
}

// TestAttributesInStore: a Store that implements AttributeStore keeps the
// attributes, so a new agent on the same store (a reboot) still has them.
func TestAttributesInStore(t *testing.T) {
	st := &memAttrStore{MemStore: cpe.NewMemStore(tr181.Schema)}
	r := newRig(t, func(c *cpe.Config) { c.Store = st })
	r.call(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: "Device.ManagementServer.PeriodicInformInterval", NotificationChange: true, Notification: 1, AccessListChange: true, AccessList: []string{"Subscriber"}}}})
	if st.sets != 1 {
		t.Fatalf("the handler did not use the Store's attributes (%d sets)", st.sets)
	}
	a, ok := st.Attributes("Device.ManagementServer.PeriodicInformInterval")
	if !ok || a.Notification != 1 || !slices.Equal(a.AccessList, []string{"Subscriber"}) {
		t.Fatalf("store attributes %+v %v", a, ok)
	}
	// A new handler on the same store: the attributes are still there.
	h := &cpe.Handler{Schema: tr181.Schema, Store: st}
	resp, f := h.Handle(&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.ManagementServer.PeriodicInformInterval"}})
	if f != nil {
		t.Fatal(f)
	}
	if got := resp.(*cwmp.GetParameterAttributesResponse).ParameterList[0]; got.Notification != 1 || len(got.AccessList) != 1 {
		t.Fatalf("after restart: %+v", got)
	}
	if h.Notifying()["Device.ManagementServer.PeriodicInformInterval"] != 1 {
		t.Fatalf("Notifying misses the stored attribute: %v", h.Notifying())
	}
	// Back to the defaults: nothing stored any more.
	h.Handle(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: "Device.ManagementServer.PeriodicInformInterval", NotificationChange: true, Notification: 0, AccessListChange: true}}})
	if _, ok := st.Attributes("Device.ManagementServer.PeriodicInformInterval"); ok {
		t.Fatal("default attributes are still stored")
	}
	// Deleting an instance drops its attributes; Reset drops all.
	n, _ := st.AddInstance("Device.IP.Interface.")
	_ = n
	h.Handle(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.IP.Interface.1.Enable", NotificationChange: true, Notification: 1}}})
	h.Handle(&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", NotificationChange: true, Notification: 1}}})
	if _, f := h.Handle(&cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1."}); f != nil {
		t.Fatal(f)
	}
	if _, ok := st.Attributes("Device.IP.Interface.1.Enable"); ok {
		t.Fatal("attributes of a deleted instance survive")
	}
	st.Reset()
	if _, ok := st.Attributes("Device.ManagementServer.PeriodicInformInterval"); ok {
		t.Fatal("attributes survive a factory reset")
	}
}

// TestCPEAssignedAliasWriteOnce: where Alias is writeOnceReadOnly
// (Device:2.17), the alias the CPE assigned cannot be changed.
func TestCPEAssignedAliasWriteOnce(t *testing.T) {
	r := newRigFor(t, device217(t), func(c *cpe.Config) { c.AliasBasedAddressing = true })
	r.call(&cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	if v := r.value("Device.IP.Interface.1.Alias"); v != "cpe-1" {
		t.Fatalf("CPE-assigned alias = %q, want cpe-1", v)
	}
	f := r.fault(spv("k3", "Device.IP.Interface.1.Alias", "lan", "xsd:string"), cwmp.FaultInvalidArguments)
	if f.SetParameterValuesFaults[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("SPV of a CPE-assigned writeOnceReadOnly alias: %+v", f.SetParameterValuesFaults)
	}
}
