package acsref_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/jackc/pgx/v5"
)

// TestPostgresBackendsKilledDuringSessions: the ACS's PostgreSQL
// connections (pool and session locks) are terminated, three times,
// while CPEs run sessions with queued AddObject and SetParameterValues
// tasks. No accepted task is lost and no AddObject is applied twice.
// Skips without DMFORGE_TEST_POSTGRES.
func TestPostgresBackendsKilledDuringSessions(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	app := "dmforge_chaos_" + hex.EncodeToString(b[:])
	admin, err := pgx.Connect(context.Background(), os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	chaosSessions(t, dsn+"&application_name="+app, false, func(ctx context.Context) {
		for n := 0; n < 3; n++ {
			time.Sleep(30 * time.Millisecond)
			var killed int
			if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
				t.Error(err)
				return
			}
			t.Logf("terminated %d connections of the ACS", killed)
		}
	})
}

// TestPostgresRestartedDuringSessions: the PostgreSQL server itself is
// restarted twice (fast shutdown, then start) while CPEs run sessions
// with queued tasks — a private server of this test's own, so that the
// server other packages' tests share stays up. Informs during the outage
// get 503 and are retried; no accepted task is lost and no AddObject is
// applied twice.
func TestPostgresRestartedDuringSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	pg := storetest.StartPrivatePostgres(t)
	chaosSessions(t, pg.DSN, true, func(ctx context.Context) {
		for n := 0; n < 2; n++ {
			time.Sleep(time.Duration(n) * 50 * time.Millisecond) // the first at once: the sessions have begun
			pg.Restart()
			t.Logf("restarted the PostgreSQL server")
		}
	})
}

// chaosSessions runs four CPEs with queued AddObject and
// SetParameterValues tasks against an ACS on the PostgreSQL store at dsn
// while disrupt does its worst, and checks that every task is done and
// every AddObject was applied once.
// With sessionsMustFail, some session must have failed (the disruption
// came while work was left; else the test would prove nothing).
func chaosSessions(t *testing.T, dsn string, sessionsMustFail bool, disrupt func(ctx context.Context)) {
	st, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NBIToken: "tok",
		NoDiscovery: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := &testACS{t: t, srv: srv, st: st, nbi: srv.NBIURL(), tok: "tok"}

	const cpes, adds = 4, 3
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	agents := make([]*cpe.Agent, cpes)
	before := make([]int, cpes)
	for i := range agents {
		agents[i] = agentCPE(t, a, fmt.Sprintf("PG%d", i))
		runSession(t, agents[i])
		before[i] = tableSize(agents[i])
	}
	var ids []int64
	for i := range agents {
		for k := 0; k < adds; k++ {
			ids = append(ids, a.task(fmt.Sprintf("00D09E-SimBox-PG%d", i), `{"name":"addObject","objectName":"Device.IP.Interface."}`).ID,
				a.task(fmt.Sprintf("00D09E-SimBox-PG%d", i), fmt.Sprintf(`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","PG%d-%d"]]}`, i, k)).ID)
		}
	}
	allDone := func() bool {
		for _, id := range ids {
			tk, err := st.Task(ctx, id)
			if err != nil || tk.Status != store.TaskDone {
				return false
			}
		}
		return true
	}
	// The CPEs inform until their tasks are done (503s and failed
	// sessions during the outages included).
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, ag := range agents {
		wg.Add(1)
		go func(ag *cpe.Agent) {
			defer wg.Done()
			for ctx.Err() == nil && !allDone() {
				if _, err := ag.RunSession(ctx); err != nil {
					failed.Add(1)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}(ag)
	}
	disrupt(ctx)
	wg.Wait()
	t.Logf("%d sessions failed during the outages", failed.Load())
	if sessionsMustFail && failed.Load() == 0 {
		t.Error("no session failed: the disruption came after the tasks were done")
	}
	// The first read after a restart may meet a dead pooled connection
	// (the pool then dials afresh): read twice.
	if !allDone() && !allDone() {
		for _, id := range ids {
			tk, err := st.Task(context.Background(), id)
			switch {
			case err != nil:
				t.Errorf("task %d: %v", id, err)
			case tk.Status != store.TaskDone:
				t.Errorf("task %d %s: %s", id, tk.Name, tk.Status)
			}
		}
		t.Fatal("tasks not done after the outages")
	}
	for i, ag := range agents {
		if n := tableSize(ag) - before[i]; n != adds {
			t.Errorf("PG%d: %d instances added for %d AddObject tasks", i, n, adds)
		}
	}
}
