package acsref_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// genieacsSimDir is the GenieACS project's CPE simulator (../shared/peers).
var genieacsSimDir = filepath.Join("..", "..", "shared", "peers", "genieacs-sim")

// syncBuffer collects a child's output for the failure report.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startGenieACSSim starts genieacs-sim's devices against acsURL as one
// process group, killed when the test ends. It runs genieacs-sim itself
// when its "commander" dependency is installed, else the launcher in
// testdata, which forks the same workers of the same file.
func startGenieACSSim(t *testing.T, acsURL, dataModel string, n, serial int) *syncBuffer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is missing (CI installs nodejs in .ci/run)")
		}
		t.Skip("node is missing")
	}
	sim, err := filepath.Abs(genieacsSimDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sim, "genieacs-sim")); err != nil {
		t.Fatalf("genieacs-sim: %v", err)
	}
	args := []string{filepath.Join(sim, "genieacs-sim"), "-u", acsURL, "-m", dataModel, "-p", fmt.Sprint(n), "-w", "100", "-s", fmt.Sprint(serial)}
	if exec.Command(node, "-e", `require.resolve("commander", {paths: [process.argv[1]]})`, sim).Run() != nil {
		launcher, _ := filepath.Abs(filepath.Join("testdata", "genieacs-sim-launch.js"))
		args = []string{launcher, sim, acsURL, dataModel, fmt.Sprint(n), "100", fmt.Sprint(serial)}
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = sim
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("genieacs-sim output:\n%s", out.String())
		}
	})
	return out
}

// simParameters reads genieacs-sim's data model CSV: the device's
// parameters (not objects, not GenieACS's virtual DeviceID. and Events.) and
// their values.
func simParameters(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		name, object, value := r[col["Parameter"]], r[col["Object"]], r[col["Value"]]
		if object == "true" || strings.HasPrefix(name, "DeviceID.") || strings.HasPrefix(name, "Events.") || !strings.Contains(name, ".") {
			continue
		}
		out[name] = value
	}
	return out
}

// TestGenieACSSim: five genieacs-sim devices against the ACS with its
// default settings. Each is listed and fully discovered (every parameter
// of its data model stored with its value) within 5 s of its first
// Inform; every task genieacs-sim supports completes through the NBI,
// across a restart of the ACS with tasks queued; reboot, which it does
// not support, ends as a fault with 9000 in /faults; nothing stays
// pending.
func TestGenieACSSim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	var logs syncBuffer
	db := filepath.Join(t.TempDir(), "acs.db")
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a := startACS(t, db, func(c *acsref.Config) { c.Logger = logger })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ACS log:\n%s", logs.String())
		}
	})
	cwmpAddr, nbiAddr := strings.TrimPrefix(strings.TrimSuffix(a.srv.CWMPURL(), "/"), "http://"), strings.TrimPrefix(a.nbi, "http://")
	model, _ := filepath.Abs(filepath.Join(genieacsSimDir, "data_model_202BC1-BM632w-8KA8WA1151100043.csv"))
	want := simParameters(t, model)
	const n = 5
	serial := 100 + rand.IntN(800000)
	startGenieACSSim(t, a.srv.CWMPURL(), model, n, serial)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("202BC1-BM632w-%06d", serial+i)
	}

	// Listed and discovered within 5 s of the first Inform.
	discoveredAt := map[string]time.Time{}
	deadline := time.Now().Add(60 * time.Second)
	for len(discoveredAt) < n {
		if time.Now().After(deadline) {
			t.Fatalf("discovered after 60 s: %v of %v", discoveredAt, ids)
		}
		var ds []store.Device
		a.do("GET", "/devices", nil, &ds)
		now := time.Now()
		for _, d := range ds {
			if _, ok := discoveredAt[d.ID]; !ok && d.Discovered {
				discoveredAt[d.ID] = now
				late := now.Sub(d.FirstSeen)
				t.Logf("%s discovered %v after its first Inform", d.ID, late.Round(time.Millisecond))
				if late > 5*time.Second*raceSlowdown {
					t.Errorf("%s discovered %v after its first Inform, want ≤ %d s", d.ID, late.Round(time.Millisecond), 5*raceSlowdown)
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, id := range ids {
		if _, ok := discoveredAt[id]; !ok {
			t.Fatalf("device %s not discovered (have %v)", id, discoveredAt)
		}
		// Every name is stored; every value in the discovery's default
		// scope ("model": what the bound model defines, vendor X_
		// parameters) too. A name outside it has its non-standard
		// finding, and its value waits until asked (below).
		var conf acsref.Conformance
		a.do("GET", devPath(id)+"/conformance", nil, &conf)
		nonStandard := map[string]bool{}
		for _, f := range conf.Findings {
			if f.Rule == acsref.RuleNonStandard {
				nonStandard[f.Path] = true
			}
		}
		unread := checkSimValues(t, a, id, want, nonStandard)
		t.Logf("%s: %d of %d parameters' values read at first contact; %d outside the model left until asked", id, len(want)-unread, len(want), unread)
		if unread == 0 || unread > len(want)/4 {
			t.Errorf("%s: %d values left unread", id, unread)
		}
		var ts []store.Task
		a.do("GET", devPath(id)+"/tasks", nil, &ts)
		for _, tk := range ts {
			if tk.Status != store.TaskDone || tk.Attempts != 0 {
				t.Errorf("%s: discovery task %d %s is %s after %d no-answers (%s)", id, tk.ID, tk.Name, tk.Status, tk.Attempts, tk.FaultString)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Tasks queued, then the ACS restarts: they survive and complete.
	if code := a.do("PUT", "/files/fw.bin", "firmware image", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: HTTP %d", code)
	}
	const root = "InternetGatewayDevice."
	round1 := []string{
		`{"name":"getParameterValues","parameterNames":["` + root + `DeviceInfo.SoftwareVersion"]}`,
		`{"name":"setParameterValues","parameterValues":[["` + root + `DeviceInfo.ProvisioningCode","dmforge","xsd:string"]]}`,
		`{"name":"getParameterNames","parameterPath":"` + root + `DeviceInfo.","nextLevel":true}`,
		`{"name":"addObject","objectName":"` + root + `Layer3Forwarding.Forwarding."}`,
		`{"name":"download","file":"fw.bin"}`,
		`{"name":"refreshObject","objectName":"` + root + `ManagementServer."}`,
		`{"name":"reboot"}`,
	}
	tasks := map[string][]*store.Task{}
	for _, id := range ids {
		for _, spec := range round1 {
			tasks[id] = append(tasks[id], a.task(id, spec))
		}
	}
	a.close()
	a = startACS(t, db, func(c *acsref.Config) { c.Logger, c.CWMPAddr, c.NBIAddr = logger, cwmpAddr, nbiAddr })

	// Every device: a connection request runs round 1.
	kick := func(id, spec string) *store.Task {
		var resp acsref.TaskResponse
		if code := a.do("POST", devPath(id)+"/tasks?connection_request", spec, &resp); code != http.StatusAccepted || resp.ConnectionRequest != "ok" {
			t.Fatalf("%s: POST %s: HTTP %d, connection request %q", id, spec, code, resp.ConnectionRequest)
		}
		return resp.Task
	}
	settled := func(id string, ts []*store.Task, status map[int64]string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for _, tk := range ts {
			for {
				got := a.getTask(tk.ID)
				if got.Status != store.TaskPending {
					status[tk.ID] = got.Status
					*tk = *got
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: task %d %s still pending after 30 s (%d no-answers: %s)", id, tk.ID, tk.Name, got.Attempts, got.FaultString)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	for _, id := range ids {
		tasks[id] = append(tasks[id], kick(id, `{"name":"getParameterValues","parameterNames":["`+root+`DeviceInfo.UpTime"]}`))
	}
	for _, id := range ids {
		status := map[int64]string{}
		settled(id, tasks[id], status)
		for _, tk := range tasks[id] {
			want := store.TaskDone
			switch tk.Name {
			case "download":
				want = store.TaskWaiting // until TransferComplete
			case "reboot":
				want = store.TaskFault
			}
			if tk.Status != want {
				t.Errorf("%s: task %s is %s (%s), want %s", id, tk.Name, tk.Status, tk.FaultString, want)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	// Round 2: delete the instance added; the next session brings the
	// download's TransferComplete.
	for _, id := range ids {
		var add struct {
			Object string `json:"object"`
		}
		for _, tk := range tasks[id] {
			if tk.Name == "addObject" {
				_ = json.Unmarshal(tk.Result, &add)
			}
		}
		if !strings.HasPrefix(add.Object, root+"Layer3Forwarding.Forwarding.") {
			t.Fatalf("%s: addObject result %+v", id, add)
		}
		del := kick(id, `{"name":"deleteObject","objectName":"`+add.Object+`"}`)
		status := map[int64]string{}
		settled(id, []*store.Task{del}, status)
		if del.Status != store.TaskDone {
			t.Errorf("%s: deleteObject %s: %s %s", id, add.Object, del.Status, del.FaultString)
		}
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		var left []store.Task
		a.do("GET", "/tasks?status=pending,waiting", nil, &left)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks still pending or waiting: %+v", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, id := range ids {
		for _, tk := range tasks[id] {
			if tk.Name != "download" {
				continue
			}
			if got := a.getTask(tk.ID); got.Status != store.TaskDone {
				t.Errorf("%s: download %s %d %s", id, got.Status, got.FaultCode, got.FaultString)
			}
		}
		var fs []store.Fault
		a.do("GET", devPath(id)+"/faults", nil, &fs)
		reboot := false
		for _, f := range fs {
			if f.Method == "Reboot" && f.Code == 9000 {
				reboot = true
			} else {
				t.Errorf("%s: unexpected fault %+v", id, f)
			}
		}
		if !reboot {
			t.Errorf("%s: no 9000 fault for the reboot in %+v", id, fs)
		}
		var ps []acsref.ParameterView
		a.do("GET", devPath(id)+"/parameters?prefix="+root+"DeviceInfo.ProvisioningCode", nil, &ps)
		if len(ps) != 1 || ps[0].Value != "dmforge" {
			t.Errorf("%s: ProvisioningCode after the set: %+v", id, ps)
		}
	}
	// Asked for, the values outside the model are read, and kept: a
	// refreshObject of the root stores every value of the data model.
	for _, id := range ids {
		rf := kick(id, `{"name":"refreshObject","objectName":"`+root+`"}`)
		settled(id, []*store.Task{rf}, map[int64]string{})
		if rf.Status != store.TaskDone {
			t.Fatalf("%s: refreshObject %s: %s", id, rf.Status, rf.FaultString)
		}
		w := maps.Clone(want)
		w[root+"DeviceInfo.ProvisioningCode"] = "dmforge"
		if n := checkSimValues(t, a, id, w, nil); n != 0 {
			t.Errorf("%s: %d values unread after refreshObject of the root", id, n)
		}
	}
}

// checkSimValues compares a genieacs-sim device's stored parameters with
// its data model: every one stored, with its value unless outside (names
// whose value may not be read yet); it returns how many have none.
func checkSimValues(t *testing.T, a *testACS, id string, want map[string]string, outside map[string]bool) int {
	t.Helper()
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters", nil, &ps)
	got := map[string]acsref.ParameterView{}
	for _, p := range ps {
		if !p.Object {
			got[p.Name] = p
		}
	}
	unread := 0
	for name, v := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: %s not stored", id, name)
		case g.Type == "" && g.Value == "" && outside[name]:
			unread++
		case g.Value != v && !strings.HasSuffix(name, ".SerialNumber") && !strings.HasSuffix(name, ".ConnectionRequestURL"):
			t.Errorf("%s: %s = %q (%s), want %q", id, name, g.Value, g.Type, v)
		}
	}
	return unread
}
