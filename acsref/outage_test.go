package acsref_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// dbErr is what a PostgreSQL outage looks like: the error names the
// database's user, host and name.
var dbErr = errors.New(`store: postgres: failed to connect to user=dmforge database=acs_prod host=db.internal:5432: connection refused`)

// flakyStore is a real store whose reads and commits can be made to fail
// as during a database outage.
type flakyStore struct {
	store.Store
	readsDown   atomic.Bool
	commitsDown atomic.Int32 // commits that fail before one succeeds (-1: all)
}

func (f *flakyStore) Tasks(ctx context.Context, tf store.TaskFilter) ([]*store.Task, error) {
	if f.readsDown.Load() {
		return nil, dbErr
	}
	return f.Store.Tasks(ctx, tf)
}

func (f *flakyStore) Devices(ctx context.Context, df store.DeviceFilter) ([]*store.Device, error) {
	if f.readsDown.Load() {
		return nil, dbErr
	}
	return f.Store.Devices(ctx, df)
}

func (f *flakyStore) Commit(ctx context.Context, b *store.Batch) error {
	if n := f.commitsDown.Load(); n != 0 {
		if n > 0 {
			f.commitsDown.Add(-1)
		}
		return dbErr
	}
	return f.Store.Commit(ctx, b)
}

func startFlakyACS(t *testing.T, db string) (*testACS, *flakyStore) {
	t.Helper()
	st, err := store.OpenSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	fs := &flakyStore{Store: st}
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: fs, NBIToken: "tok",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := &testACS{t: t, srv: srv, st: st, nbi: srv.NBIURL(), tok: "tok"}
	t.Cleanup(a.close)
	return a, fs
}

// TestStoreOutageInformAndNBI: during an outage an Inform gets 503 with
// Retry-After (not a 500), and NBI error bodies name no database user,
// host or name.
func TestStoreOutageInformAndNBI(t *testing.T) {
	a, fs := startFlakyACS(t, filepath.Join(t.TempDir(), "acs.db"))
	fs.readsDown.Store(true)
	req, _ := cwmp.NewRequest(context.Background(), a.srv.CWMPURL(), informOf("O1", cwmp.Namespace12))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("Inform during the outage: HTTP %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	code, body := nbiCall(t, "GET", a.nbi+"/devices", "", map[string]string{"Authorization": "Bearer tok"})
	if code != http.StatusInternalServerError {
		t.Fatalf("GET /devices during the outage: %d %s", code, body)
	}
	for _, secret := range []string{"dmforge", "acs_prod", "db.internal", "5432"} {
		if strings.Contains(body, secret) {
			t.Errorf("the NBI error shows %q: %s", secret, body)
		}
	}
	fs.readsDown.Store(false)
	if _, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(context.Background(), informOf("O1", cwmp.Namespace12)); err != nil {
		t.Fatalf("Inform after the outage: %v", err)
	}
}

// tableSize counts the instances of Device.IP.Interface. on the agent.
func tableSize(ag *cpe.Agent) int { return len(ag.Store().Instances("Device.IP.Interface.")) }

// TestFailedCommitRetried: a session whose final commit fails is stored
// once the store is back; meanwhile the device gets 503 (its tasks do not
// run again), and its AddObject ran once.
func TestFailedCommitRetried(t *testing.T) {
	a, fs := startFlakyACS(t, filepath.Join(t.TempDir(), "acs.db"))
	ag := agentCPE(t, a, "R1")
	runSession(t, ag)
	before := tableSize(ag)
	add := a.task("00D09E-SimBox-R1", `{"name":"addObject","objectName":"Device.IP.Interface."}`)
	fs.commitsDown.Store(2)
	runSession(t, ag) // the AddObject runs; the commit fails
	if tableSize(ag) != before+1 {
		t.Fatalf("instances %d, want %d", tableSize(ag), before+1)
	}
	// Until the commit lands the device waits.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for a.getTask(add.ID).Status == store.TaskPending {
		if _, err := ag.RunSession(ctx); err == nil && a.getTask(add.ID).Status == store.TaskPending {
			t.Fatal("a session ran while the previous one was not committed")
		}
		if ctx.Err() != nil {
			t.Fatal("the commit was never retried")
		}
		time.Sleep(100 * time.Millisecond)
	}
	runSession(t, ag)
	if got := a.getTask(add.ID); got.Status != store.TaskDone {
		t.Fatalf("addObject task %s", got.Status)
	}
	if tableSize(ag) != before+1 {
		t.Fatalf("AddObject ran twice: %d instances, want %d", tableSize(ag), before+1)
	}
}

// TestLostSessionAddObjectNotRepeated: when a session's record is lost
// (the ACS stopped while its store was down), its AddObject is still
// pending on restart; the ParameterKey the device reports shows it was
// applied, so it is not sent again.
func TestLostSessionAddObjectNotRepeated(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	a, fs := startFlakyACS(t, db)
	ag := agentCPE(t, a, "R2")
	runSession(t, ag)
	before := tableSize(ag)
	add := a.task("00D09E-SimBox-R2", `{"name":"addObject","objectName":"Device.IP.Interface."}`)
	fs.commitsDown.Store(-1)
	runSession(t, ag)
	a.close() // the record of that session is lost

	b := startACS(t, db, func(c *acsref.Config) { c.NBIToken = "tok" })
	if got := b.getTask(add.ID); got.Status != store.TaskPending {
		t.Fatalf("after the lost session the task is %s, want pending", got.Status)
	}
	// The same device (its store, with the ParameterKey it was given)
	// informs to the restarted ACS.
	ag2, err := cpe.New(cpe.Config{Schema: tr181.Schema, Store: ag.Store(), ACSURL: b.srv.CWMPURL(), SerialNumber: "R2",
		OUI: "00D09E", ProductClass: "SimBox", Manufacturer: "dmforge", AliasBasedAddressing: true})
	if err != nil {
		t.Fatal(err)
	}
	runSession(t, ag2)
	got := b.getTask(add.ID)
	if got.Status != store.TaskDone || !strings.Contains(string(got.Result), "alreadyApplied") {
		t.Fatalf("the lost AddObject: %s %s", got.Status, got.Result)
	}
	if n := tableSize(ag2); n != before+1 {
		t.Fatalf("AddObject applied twice: %d instances, want %d", n, before+1)
	}
}
