package acsref_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
)

// TestTaskStoredChecked: a task is checked against the model once, when
// it is queued, and stored in that checked form (every set value with its
// wire text and wire type), which the session sends as stored. What may
// change in between is the ACS's own state: a download whose file was
// deleted since faults with that reason. A task stored in the form of an
// older version (set values without types) is still checked and sent.
func TestTaskStoredChecked(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	c := newTestCPE(a.srv.CWMPURL(), "CK1")
	session(t, c)
	id := labID + "CK1"

	set := a.task(id, `{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval",600],["Device.DeviceInfo.ProvisioningCode","CHECKED.ONCE"]]}`)
	var spec struct {
		ParameterValues [][]any `json:"parameterValues"`
	}
	if err := json.Unmarshal(a.getTask(set.ID).Spec, &spec); err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"Device.ManagementServer.PeriodicInformInterval", "600", "xsd:unsignedInt"},
		{"Device.DeviceInfo.ProvisioningCode", "CHECKED.ONCE", "xsd:string"}}
	if !reflect.DeepEqual(spec.ParameterValues, want) {
		t.Fatalf("stored set values %v, want the checked form %v", spec.ParameterValues, want)
	}

	if code := a.do("PUT", "/files/gone.bin", "firmware", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	dl := a.task(id, `{"name":"download","file":"gone.bin"}`)
	if code := a.do("DELETE", "/files/gone.bin", nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE file: %d", code)
	}

	// Tasks queued by an older version: values without wire types.
	ctx := context.Background()
	old := &store.Task{DeviceID: id, Name: "setParameterValues",
		Spec: json.RawMessage(`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","OLD.FORM"]]}`)}
	oldBad := &store.Task{DeviceID: id, Name: "setParameterValues",
		Spec: json.RawMessage(`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.SerialNumber","X"]]}`)}
	for _, tk := range []*store.Task{old, oldBad} {
		if err := a.st.AddTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}

	c.Calls = nil
	session(t, c)
	if got := a.getTask(set.ID); got.Status != store.TaskDone {
		t.Fatalf("set task: %s %s", got.Status, got.FaultString)
	}
	if v, _ := c.Get("Device.ManagementServer.PeriodicInformInterval"); v != "600" {
		t.Fatalf("PeriodicInformInterval on the CPE: %q", v)
	}
	if got := a.getTask(dl.ID); got.Status != store.TaskFault || !strings.Contains(got.FaultString, `no longer has the file "gone.bin"`) {
		t.Fatalf("download of a deleted file: %s %q", got.Status, got.FaultString)
	}
	if got := a.getTask(old.ID); got.Status != store.TaskDone {
		t.Fatalf("task in the older form: %s %s", got.Status, got.FaultString)
	}
	if v, _ := c.Get("Device.DeviceInfo.ProvisioningCode"); v != "OLD.FORM" {
		t.Fatalf("ProvisioningCode on the CPE: %q", v)
	}
	if got := a.getTask(oldBad.ID); got.Status != store.TaskFault || !strings.Contains(got.FaultString, "Device.DeviceInfo.SerialNumber") {
		t.Fatalf("task in the older form that the model refuses: %s %q", got.Status, got.FaultString)
	}
	if n := strings.Count(strings.Join(c.Calls, ","), "SetParameterValues"); n != 2 {
		t.Fatalf("the CPE got %d SetParameterValues (%v), want 2: the refused one is never sent", n, c.Calls)
	}
}
