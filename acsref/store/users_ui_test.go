package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// reopenableStores opens, for a test, a new store of each kind: the
// function returned opens it (again, after a Close: a restart).
var reopenableStores = map[string]func(t *testing.T) func() (store.Store, error){
	"sqlite": func(t *testing.T) func() (store.Store, error) {
		db := filepath.Join(t.TempDir(), "ui.db")
		return func() (store.Store, error) { return store.OpenSQLite(db) }
	},
	"postgres": func(t *testing.T) func() (store.Store, error) {
		dsn := storetest.PostgresDSN(t)
		return func() (store.Store, error) { return store.OpenPostgres(context.Background(), dsn) }
	},
}

// TestUIState runs the UI's sessions and saved filters on both stores:
// a session outlives a reopened store (a restart), expires by idle and
// total time, is ended one by one and per user; saved filters are per
// user, replaced by name, deleted.
func TestUIState(t *testing.T) {
	for name, open := range reopenableStores {
		t.Run(name, func(t *testing.T) { testUIState(t, open(t)) })
	}
}

func testUIState(t *testing.T, open func() (store.Store, error)) {
	ctx := context.Background()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	long := now.Add(-24 * time.Hour) // expiry bounds nothing is older than
	se := &store.UISession{IDHash: "h1", User: "op", Role: store.RoleOperator, Scope: "boxes", CSRF: "c1", Created: now, Seen: now}
	if err := st.PutUISession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := st.PutUISession(ctx, se); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second session with the same id: %v", err)
	}
	for _, s := range []*store.UISession{
		{IDHash: "h2", User: "op", Role: store.RoleOperator, CSRF: "c2", Created: now, Seen: now},
		{IDHash: "h3", User: "ro", Role: store.RoleReadOnly, CSRF: "c3", Created: now, Seen: now},
		{IDHash: "idle", User: "ro", Role: store.RoleReadOnly, CSRF: "c4", Created: now.Add(-3 * time.Hour), Seen: now.Add(-2 * time.Hour)},
	} {
		if err := st.PutUISession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	// Reopened (a restart): the sessions are there.
	st, err = open()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.UISession(ctx, "h1", long, long)
	if err != nil || *got != *se {
		t.Fatalf("session after a restart: %+v %v, want %+v", got, err, se)
	}
	later := now.Add(time.Minute)
	if err := st.TouchUISession(ctx, "h1", later); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.UISession(ctx, "h1", long, long); got == nil || !got.Seen.Equal(later) {
		t.Fatalf("touched session: %+v", got)
	}
	// Expired by idle time: not answered, and gone.
	if _, err := st.UISession(ctx, "idle", now.Add(-time.Hour), long); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("idle session: %v", err)
	}
	if _, err := st.UISession(ctx, "idle", long, long); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the idle session was not deleted: %v", err)
	}
	// Expired by total time.
	if _, err := st.UISession(ctx, "h3", long, now.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session past its total time: %v", err)
	}
	// Per user.
	if n, err := st.DeleteUISessions(ctx, "op", long, long); err != nil || n != 2 {
		t.Fatalf("ending op's sessions: %d %v", n, err)
	}
	if _, err := st.UISession(ctx, "h2", long, long); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("op's session after ending them: %v", err)
	}
	if err := st.PutUISession(ctx, &store.UISession{IDHash: "h5", User: "x", Role: store.RoleAdmin, CSRF: "c", Created: now, Seen: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUISession(ctx, "h5"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UISession(ctx, "h5", long, long); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}

	// Saved filters.
	for _, f := range []*store.SavedFilter{
		{User: "op", Name: "lab", Query: "productClass=Lab", Created: now},
		{User: "op", Name: "a-first", Query: "tag=x", Created: now},
		{User: "ro", Name: "lab", Query: "tag=ro", Created: now},
		{User: "op", Name: "lab", Query: "productClass=Lab2", Created: later}, // replaces
	} {
		if err := st.PutSavedFilter(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := st.SavedFilters(ctx, "op")
	if err != nil || len(fs) != 2 || fs[0].Name != "a-first" || fs[1].Query != "productClass=Lab2" || !fs[1].Created.Equal(later) {
		t.Fatalf("op's filters: %+v %v", fs, err)
	}
	if err := st.DeleteSavedFilter(ctx, "op", "lab"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSavedFilter(ctx, "op", "lab"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if fs, _ := st.SavedFilters(ctx, "ro"); len(fs) != 1 || fs[0].Query != "tag=ro" {
		t.Fatalf("ro's filters after op deleted its own of the same name: %+v", fs)
	}

	// ParameterValues: a few names of many devices, over more than one
	// chunk of ids.
	var ids []string
	for i := range 1200 {
		id := fmt.Sprintf("PV-%04d", i)
		ids = append(ids, id)
		b := &store.Batch{Device: &store.Device{ID: id, Root: "Device.", Model: "Device:2.19", FirstSeen: now, LastInform: now}}
		if i%3 != 0 { // every third has none
			b.Parameters = []store.Parameter{
				{Name: "Device.ManagementServer.PeriodicInformInterval", Value: strconv.Itoa(i), Updated: now, HasValue: true},
				{Name: "Device.ManagementServer.URL", Value: "http://acs", Updated: now, HasValue: true},
			}
		}
		if err := st.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	vals, err := st.ParameterValues(ctx, append(ids, "PV-none", "bad\x00id"), []string{"Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.PeriodicInformEnable"})
	if err != nil || len(vals) != 800 || vals["PV-0001"]["Device.ManagementServer.PeriodicInformInterval"] != "1" ||
		vals["PV-1198"]["Device.ManagementServer.PeriodicInformInterval"] != "1198" || len(vals["PV-0001"]) != 1 || vals["PV-0003"] != nil {
		t.Fatalf("ParameterValues: %d devices, %v; PV-0001 %v, PV-1198 %v", len(vals), err, vals["PV-0001"], vals["PV-1198"])
	}
}

// TestLoginFailures: failed logins are counted per key within a window,
// on both stores, survive a reopened store, and each new failure
// forgets those before the window.
func TestLoginFailures(t *testing.T) {
	for name, open := range reopenableStores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			open := open(t)
			st, err := open()
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Millisecond)
			long := now.Add(-time.Hour)
			for i := range 3 {
				at := now.Add(time.Duration(i-10) * time.Minute) // 10, 9 and 8 minutes ago
				if err := st.AddLoginFailure(ctx, []string{"host:a", "user:eve"}, at, long); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.AddLoginFailure(ctx, []string{"host:b", "user:eve"}, now, long); err != nil {
				t.Fatal(err)
			}
			st.Close()
			if st, err = open(); err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			got, err := st.LoginFailures(ctx, []string{"host:a", "host:b", "user:eve", "user:bob"}, now.Add(-9*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int{"host:a": 2, "host:b": 1, "user:eve": 3}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("failures since 9 minutes: %v, want %v", got, want)
			}
			// A failure whose window starts now forgets all the older ones.
			if err := st.AddLoginFailure(ctx, []string{"host:c"}, now, now); err != nil {
				t.Fatal(err)
			}
			if got, err = st.LoginFailures(ctx, []string{"host:a", "host:b", "host:c", "user:eve"}, long); err != nil || fmt.Sprint(got) != fmt.Sprint(map[string]int{"host:b": 1, "host:c": 1, "user:eve": 1}) {
				t.Errorf("after forgetting: %v %v", got, err)
			}
		})
	}
}
