package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteRoundTrip: what a session commits, tasks, tags, files and
// credentials survive closing and reopening the file (migrations run
// once).
func TestSQLiteRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	w := true
	b := &Batch{
		Device:     &Device{ID: "D1", OUI: "00D09E", Model: "Device:2.19", Root: "Device.", FirstSeen: now, LastInform: now, Discovered: true},
		Parameters: []Parameter{{Name: "Device.A", Value: "1", Type: "xsd:int", HasValue: true, Updated: now}, {Name: "Device.A", Writable: &w, Updated: now}, {Name: "Device.O.", Object: true, Updated: now}},
		Findings:   []Finding{{Path: "Device.A", Rule: "r", Message: "m", FirstSeen: now, LastSeen: now}},
	}
	if err := st.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	task := &Task{DeviceID: "D1", Name: "reboot"}
	if err := st.AddTask(ctx, task); err != nil || task.ID == 0 || task.Status != TaskPending {
		t.Fatalf("AddTask: %v %+v", err, task)
	}
	if err := st.SetTag(ctx, "D1", "lab", true); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(ctx, &File{Name: "fw", Data: []byte("abc")}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCredential(ctx, "u", "p", "D1"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.Device(ctx, "D1")
	if err != nil || !d.Discovered || d.Model != "Device:2.19" || !d.LastInform.Equal(now) || len(d.Tags) != 1 {
		t.Fatalf("device %+v %v", d, err)
	}
	ps, _ := st.Parameters(ctx, "D1", "Device.")
	if len(ps) != 2 || ps[0].Value != "1" || ps[0].Writable == nil || !*ps[0].Writable || !ps[1].Object {
		t.Fatalf("parameters %+v", ps)
	}
	if fs, _ := st.Findings(ctx, "D1"); len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	if ids, _ := st.PendingDevices(ctx); len(ids) != 1 || ids[0] != "D1" {
		t.Fatalf("pending %v", ids)
	}
	if f, err := st.File(ctx, "fw"); err != nil || string(f.Data) != "abc" || f.Size != 3 {
		t.Fatalf("file %+v %v", f, err)
	}
	if pw, dev, err := st.Credential(ctx, "u"); err != nil || pw != "p" || dev != "D1" {
		t.Fatalf("credential %q %q %v", pw, dev, err)
	}
	// Cancel: pending → cancelled, then conflict; a session's update
	// does not resurrect it.
	if _, err := st.CancelTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CancelTask(ctx, task.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	task.Status = TaskDone
	if err := st.Commit(ctx, &Batch{Device: d, Tasks: []*Task{task}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Task(ctx, task.ID); got.Status != TaskCancelled {
		t.Fatalf("status %s", got.Status)
	}
	// BOOTSTRAP forgets parameters and findings.
	if err := st.Commit(ctx, &Batch{Device: d, Forget: true}); err != nil {
		t.Fatal(err)
	}
	if ps, _ := st.Parameters(ctx, "D1", ""); len(ps) != 0 {
		t.Fatalf("parameters after Forget: %d", len(ps))
	}
	if err := st.DeleteDevice(ctx, "D1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Device(ctx, "D1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted device: %v", err)
	}
}
