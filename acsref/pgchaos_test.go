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
// tasks — what a database restart does to the ACS, without restarting a
// server other tests share. No accepted task is lost and no AddObject is
// applied twice. Skips without DMFORGE_TEST_POSTGRES.
func TestPostgresBackendsKilledDuringSessions(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	app := "dmforge_chaos_" + hex.EncodeToString(b[:])
	st, err := store.OpenPostgres(context.Background(), dsn+"&application_name="+app)
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
	for _, ag := range agents {
		wg.Add(1)
		go func(ag *cpe.Agent) {
			defer wg.Done()
			for ctx.Err() == nil && !allDone() {
				_, _ = ag.RunSession(ctx)
				time.Sleep(20 * time.Millisecond)
			}
		}(ag)
	}
	admin, err := pgx.Connect(ctx, os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	for n := 0; n < 3; n++ {
		time.Sleep(30 * time.Millisecond)
		var killed int
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		t.Logf("terminated %d connections of the ACS", killed)
	}
	wg.Wait()
	if !allDone() {
		for _, id := range ids {
			tk, _ := st.Task(context.Background(), id)
			if tk != nil && tk.Status != store.TaskDone {
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
