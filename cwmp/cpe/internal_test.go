package cpe

import (
	"testing"
	"time"

	"github.com/dmforge/dmforge/model"
)

// miniSchema is a few ManagementServer parameters of Device:2, so that
// these in-package tests do not import a generated model (which may one
// day import this package).
var miniSchema = func() *model.Schema {
	obj := func(p string) *model.Entry { return &model.Entry{Path: p, Object: true, Access: model.ReadOnly} }
	par := func(p string, t model.BaseType, a model.Access) *model.Entry {
		return &model.Entry{Path: p, Access: a, Syntax: &model.Syntax{Type: t}}
	}
	return model.NewSchema("Device:2.19", "test", []*model.Entry{
		obj("Device."), obj("Device.DeviceInfo."), obj("Device.ManagementServer."),
		par("Device.DeviceInfo.SerialNumber", model.TypeString, model.ReadOnly),
		par("Device.ManagementServer.URL", model.TypeString, model.ReadWrite),
		par("Device.ManagementServer.PeriodicInformEnable", model.TypeBoolean, model.ReadWrite),
		par("Device.ManagementServer.PeriodicInformInterval", model.TypeUnsignedInt, model.ReadWrite),
		par("Device.ManagementServer.PeriodicInformTime", model.TypeDateTime, model.ReadWrite),
		par("Device.ManagementServer.CWMPRetryMinimumWaitInterval", model.TypeUnsignedInt, model.ReadWrite),
		par("Device.ManagementServer.CWMPRetryIntervalMultiplier", model.TypeUnsignedInt, model.ReadWrite),
	})
}()

func TestNextPeriodic(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	a, err := New(Config{Schema: miniSchema, ACSURL: "http://127.0.0.1:1/", SerialNumber: "P1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.nextPeriodic(now); ok {
		t.Fatal("periodic inform on by default")
	}
	set := func(kv ...string) {
		var vs []model.ParameterValue
		for i := 0; i < len(kv); i += 2 {
			vs = append(vs, model.ParameterValue{Name: "Device.ManagementServer." + kv[i], Value: kv[i+1]})
		}
		if err := a.cfg.Store.Set(vs); err != nil {
			t.Fatal(err)
		}
	}
	set("PeriodicInformEnable", "true", "PeriodicInformInterval", "600")
	if at, ok := a.nextPeriodic(now); !ok || !at.Equal(now.Add(600*time.Second)) {
		t.Fatalf("no PeriodicInformTime: %v %v", at, ok)
	}
	// PeriodicInformTime anchors the informs: ref + k·interval.
	set("PeriodicInformTime", "2025-06-01T12:05:00Z")
	if at, ok := a.nextPeriodic(now); !ok || !at.Equal(time.Date(2026, 1, 1, 12, 5, 0, 0, time.UTC)) {
		t.Fatalf("anchored: %v", at)
	}
	// A reference in the future works the same way.
	set("PeriodicInformTime", "2027-01-01T00:01:00Z")
	if at, _ := a.nextPeriodic(now); !at.Equal(time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC)) {
		t.Fatalf("future anchor: %v", at)
	}
	a.cfg.PeriodicInterval = time.Minute // --periodic overrides the model
	set("PeriodicInformEnable", "false", "PeriodicInformTime", model.UnknownTime)
	if at, ok := a.nextPeriodic(now); !ok || !at.Equal(now.Add(time.Minute)) {
		t.Fatalf("override: %v", at)
	}
}

func TestRetryWaitFromModel(t *testing.T) {
	a, err := New(Config{Schema: miniSchema, ACSURL: "http://127.0.0.1:1/", SerialNumber: "P1", Rand: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	if d := a.retryWait(3); d != 20*time.Second {
		t.Fatalf("defaults: %v", d)
	}
	_ = a.cfg.Store.Set([]model.ParameterValue{{Name: "Device.ManagementServer.CWMPRetryMinimumWaitInterval", Value: "1"}, {Name: "Device.ManagementServer.CWMPRetryIntervalMultiplier", Value: "1500"}})
	if d := a.retryWait(3); d != 2250*time.Millisecond {
		t.Fatalf("m=1 k=1.5: %v", d)
	}
}
