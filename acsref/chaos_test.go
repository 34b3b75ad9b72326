package acsref_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// The chaos test runs the ACS in a child process (this test binary,
// re-executed) so that it can be killed with SIGKILL.
const chaosChildEnv = "DMFORGE_CHAOS_CHILD_DB"

// TestChaosChild is the ACS process of the chaos tests: it serves the
// store named by the environment until killed (at most two minutes).
func TestChaosChild(t *testing.T) {
	db := os.Getenv(chaosChildEnv)
	if db == "" {
		t.Skip("the ACS process of TestChaosKill (run by it)")
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NBIToken: "chaos",
		NoDiscovery: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("CHAOS-READY %s %s\n", srv.CWMPURL(), srv.NBIURL())
	time.Sleep(2 * time.Minute)
}

type chaosACS struct {
	cmd       *exec.Cmd
	cwmp, nbi string
}

func startChaosACS(t *testing.T, db string) *chaosACS {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestChaosChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), chaosChildEnv+"="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "CHAOS-READY" {
				ready <- f[1:]
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case f := <-ready:
		return &chaosACS{cmd: cmd, cwmp: f[0], nbi: f[1]}
	case <-time.After(60 * time.Second):
		t.Fatal("the ACS process did not start")
	}
	return nil
}

func (c *chaosACS) post(t *testing.T, path, body string) int {
	req, _ := http.NewRequest("POST", c.nbi+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer chaos")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestChaosKill: CPEs run sessions with queued AddObject and
// SetParameterValues tasks while the ACS process is killed with SIGKILL,
// then restarted on the same store. No accepted task is lost (each ends
// done) and no AddObject is applied twice (each CPE has exactly as many
// new instances as it was asked for). SQLite here; PostgreSQL with
// DMFORGE_TEST_POSTGRES (TestChaosKillPostgres).
func TestChaosKill(t *testing.T) {
	chaosKill(t, filepath.Join(t.TempDir(), "chaos.db"))
}

func TestChaosKillPostgres(t *testing.T) {
	chaosKill(t, storetest.PostgresDSN(t)) // skips without DMFORGE_TEST_POSTGRES
}

func chaosKill(t *testing.T, db string) {
	const cpes, addsPerCPE = 6, 3
	acs := startChaosACS(t, db)
	agents := make([]*cpe.Agent, cpes)
	stores := make([]cpe.Store, cpes)
	newAgent := func(i int, acsURL string) *cpe.Agent {
		cfg := cpe.Config{Schema: tr181.Schema, ACSURL: acsURL, SerialNumber: fmt.Sprintf("K%d", i),
			OUI: "00D09E", ProductClass: "SimBox", Manufacturer: "dmforge", AliasBasedAddressing: true}
		if stores[i] != nil {
			cfg.Store = stores[i]
		}
		ag, err := cpe.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = ag.Store()
		return ag
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	before := make([]int, cpes)
	for i := range agents {
		agents[i] = newAgent(i, acs.cwmp)
		if _, err := agents[i].RunSession(ctx); err != nil {
			t.Fatal(err)
		}
		before[i] = tableSize(agents[i])
	}
	accepted := 0
	for i := range agents {
		id := fmt.Sprintf("/devices/00D09E-SimBox-K%d/tasks", i)
		for k := 0; k < addsPerCPE; k++ {
			for _, body := range []string{`{"name":"addObject","objectName":"Device.IP.Interface."}`,
				fmt.Sprintf(`{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","K%d-%d"]]}`, i, k)} {
				if code := acs.post(t, id, body); code != http.StatusAccepted {
					t.Fatalf("POST task: %d", code)
				}
				accepted++
			}
		}
	}
	// Sessions run; the ACS dies as soon as a CPE has applied two
	// AddObjects (with a SetParameterValues between: the device's
	// ParameterKey no longer names the first), the other sessions at
	// whatever point they are.
	var wg sync.WaitGroup
	for i := range agents {
		wg.Add(1)
		go func(ag *cpe.Agent) {
			defer wg.Done()
			_, _ = ag.RunSession(ctx) // fails when the ACS dies
		}(agents[i])
	}
	for applied := false; !applied && ctx.Err() == nil; time.Sleep(time.Millisecond) {
		for i, ag := range agents {
			if tableSize(ag) >= before[i]+2 {
				applied = true
			}
		}
	}
	if err := acs.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = acs.cmd.Wait()
	wg.Wait()

	// Restarted on the same store, the CPEs inform until the queue is empty.
	acs = startChaosACS(t, db)
	for i := range agents {
		agents[i] = newAgent(i, acs.cwmp)
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for {
		ts, err := st.Tasks(ctx, store.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, tk := range ts {
			if tk.Status == store.TaskPending || tk.Status == store.TaskWaiting {
				open++
			}
		}
		if len(ts) != accepted {
			t.Fatalf("%d tasks in the store, %d accepted", len(ts), accepted)
		}
		if open == 0 {
			for _, tk := range ts {
				if tk.Status != store.TaskDone {
					t.Errorf("task %d %s: %s %d %s", tk.ID, tk.Name, tk.Status, tk.FaultCode, tk.FaultString)
				}
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d tasks still open", open)
		}
		for _, ag := range agents {
			_, _ = ag.RunSession(ctx)
		}
	}
	for i, ag := range agents {
		if n := tableSize(ag) - before[i]; n != addsPerCPE {
			t.Errorf("K%d: %d instances added for %d AddObject tasks", i, n, addsPerCPE)
		}
	}
}
