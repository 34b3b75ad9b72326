package acsref_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// heldAdd is a store whose next AddTask is held, before it stores the
// task, until release closes.
type heldAdd struct {
	store.Store
	armed   atomic.Bool
	held    chan struct{}
	release chan struct{}
}

func (h *heldAdd) AddTask(ctx context.Context, t *store.Task) error {
	if h.armed.CompareAndSwap(true, false) {
		close(h.held)
		<-h.release
	}
	return h.Store.AddTask(ctx, t)
}

// TestTaskAddedDuringQueueRead: a task is being stored (the ACS has
// noted that the device has work) while a session of the device reads
// its queue and finds nothing yet. The note must survive: the device's
// next session gets the task. (The session forgot the note, and the task
// stayed pending until another task was added: a conformance restore in
// CI waited for it in vain.)
func TestTaskAddedDuringQueueRead(t *testing.T) {
	held := &heldAdd{held: make(chan struct{}), release: make(chan struct{})}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		held.Store = c.Store
		c.Store = held
	})
	ag := agentCPE(t, a, "WK1")
	runSession(t, ag)
	id := "00D09E-SimBox-WK1"
	held.armed.Store(true)
	posted := make(chan int, 1)
	go func() {
		var resp acsref.TaskResponse
		posted <- a.do("POST", "/devices/"+id+"/tasks", `{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}`, &resp)
	}()
	select {
	case <-held.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the task was never stored")
	}
	runSession(t, ag) // reads the queue while the task is not stored yet
	close(held.release)
	if code := <-posted; code != 202 {
		t.Fatalf("POST task: HTTP %d", code)
	}
	runSession(t, ag)
	var tasks []store.Task
	if a.do("GET", "/devices/"+id+"/tasks", nil, &tasks); len(tasks) != 1 || tasks[0].Status != store.TaskDone {
		t.Fatalf("after the next session: %d tasks, first %+v", len(tasks), func() any {
			if len(tasks) == 0 {
				return nil
			}
			return tasks[0].Status
		}())
	}
}
