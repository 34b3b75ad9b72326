package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// testRunRecords: conformance runs and diagnostics are stored whole,
// replaced by kind and id, listed newest first per device and kind,
// pruned beyond a count except those running, and kept across a
// restart.
func testRunRecords(t *testing.T, e *env) {
	st := e.store()
	t0 := now()
	put := func(kind, id, dev, state string, created time.Time, data string) {
		t.Helper()
		if err := st.PutRunRecord(bg, &store.RunRecord{Kind: kind, ID: id, DeviceID: dev, State: state, Created: created, Updated: created, Data: json.RawMessage(data)}); err != nil {
			t.Fatalf("PutRunRecord %s %s: %v", kind, id, err)
		}
	}
	for i := range 5 {
		put(store.RecordConformance, "r"+string(rune('0'+i)), "dev-1", "finished", t0.Add(time.Duration(i)*time.Second), `{"run":"r`+string(rune('0'+i))+`"}`)
	}
	put(store.RecordConformance, "r0", "dev-1", "running", t0, `{"run":"r0","state":"running"}`) // replaced
	put(store.RecordDiagnostic, "r1", "dev-1", "complete", t0, `{"id":"r1"}`)                    // same id, other kind
	put(store.RecordConformance, "x1", "dev-2", "finished", t0, `{}`)

	got, err := st.RunRecord(bg, store.RecordConformance, "r0")
	if err != nil || got.State != "running" || string(got.Data) != `{"run":"r0","state":"running"}` || !got.Created.Equal(t0) || got.DeviceID != "dev-1" {
		t.Fatalf("RunRecord r0 = %+v, %v", got, err)
	}
	if _, err := st.RunRecord(bg, store.RecordDiagnostic, "r0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RunRecord of another kind: %v, want ErrNotFound", err)
	}
	list, err := st.DeviceRunRecords(bg, store.RecordConformance, "dev-1", 0)
	if err != nil || len(list) != 5 || list[0].ID != "r4" || list[4].ID != "r0" {
		t.Fatalf("DeviceRunRecords = %d records, %v", len(list), err)
	}
	if list, _ := st.DeviceRunRecords(bg, store.RecordConformance, "dev-1", 2); len(list) != 2 || list[1].ID != "r3" {
		t.Fatalf("DeviceRunRecords limit 2 = %d", len(list))
	}
	// Keep the newest two: r4, r3 stay, r2 and r1 go, r0 is running.
	if n, err := st.PruneRunRecords(bg, store.RecordConformance, "dev-1", 2); err != nil || n != 2 {
		t.Fatalf("PruneRunRecords = %d, %v; want 2", n, err)
	}
	st.Close()
	st = e.store()
	list, err = st.DeviceRunRecords(bg, store.RecordConformance, "dev-1", 0)
	if err != nil || len(list) != 3 || list[0].ID != "r4" || list[1].ID != "r3" || list[2].ID != "r0" {
		t.Fatalf("after prune and restart: %d records, %v", len(list), err)
	}
	if list, _ := st.DeviceRunRecords(bg, store.RecordDiagnostic, "dev-1", 0); len(list) != 1 || string(list[0].Data) != `{"id":"r1"}` {
		t.Fatalf("diagnostics of dev-1: %+v", list)
	}
	if list, _ := st.DeviceRunRecords(bg, store.RecordConformance, "dev-2", 0); len(list) != 1 {
		t.Fatalf("runs of dev-2: %d", len(list))
	}
}
