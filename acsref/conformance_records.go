package acsref

// Conformance runs and diagnostics in the store (store.RunRecords): each
// is saved as it starts, after every case (runs) and when it ends, so
// that it outlives the ACS process and every process on a shared store
// sees it. The process running one keeps the live copy (and the means to
// cancel it) in memory until it ends; the store keeps the newest
// Config.RunRetention per device and kind.

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/acsref/store"
)

// Default retention: runs and diagnostics kept per device.
const (
	defaultRunsPerDevice        = 10
	defaultDiagnosticsPerDevice = 20
)

// retention is how many records of a kind the store keeps per device.
func (s *Server) retention(kind string) int {
	if s.cfg.RunRetention > 0 {
		return s.cfg.RunRetention
	}
	if kind == store.RecordDiagnostic {
		return defaultDiagnosticsPerDevice
	}
	return defaultRunsPerDevice
}

// saveRecord stores a run's or a diagnostic's document. Saving goes on
// when the request or run that asked is gone.
func (s *Server) saveRecord(ctx context.Context, kind, id, device, state string, created time.Time, doc any) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err = s.st.PutRunRecord(ctx, &store.RunRecord{Kind: kind, ID: id, DeviceID: device, State: state, Created: created, Updated: time.Now().UTC(), Data: data})
	if err != nil {
		s.log.Warn("acs: saving a "+kind+" record", "id", id, "device", device, "err", err)
	}
	return err
}

// pruneRecords drops a device's records beyond the retention.
func (s *Server) pruneRecords(kind, device string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.st.PruneRunRecords(ctx, kind, device, s.retention(kind)); err != nil {
		s.log.Warn("acs: pruning "+kind+" records", "device", device, "err", err)
	}
}

func (s *Server) saveRun(ctx context.Context, rep conformance.Report) error {
	return s.saveRecord(ctx, store.RecordConformance, rep.Run, rep.Device.ID, rep.State, rep.Started, rep)
}

func (s *Server) saveDiagnostic(ctx context.Context, d Diagnostic) error {
	return s.saveRecord(ctx, store.RecordDiagnostic, d.ID, d.Device, d.State, d.Requested, d)
}

// orphaned says what became of a record left running by a process that
// is gone. On a store no other process uses, a running record this
// process does not run was left by an earlier one; on a shared store, one
// whose process has not saved it for Config.RecordLease (a process saves
// its running records every quarter of it, see keepRecord).
const orphanedMsg = "the ACS process that ran it stopped"

const defaultRecordLease = 2 * time.Minute

func (s *Server) recordLease() time.Duration {
	if s.cfg.RecordLease > 0 {
		return s.cfg.RecordLease
	}
	return defaultRecordLease
}

// orphaned: rec is running, this process does not run it (the caller
// asks for the live copy first), and no process does.
func (s *Server) orphaned(rec *store.RunRecord) bool {
	if rec.State != conformance.Running && rec.State != DiagRunning {
		return false
	}
	return s.shared == nil || time.Since(rec.Updated) > s.recordLease()
}

// keepRecord saves a running record every quarter of the lease, so that the
// processes on a shared store know it runs, until stop is called; stop
// returns once no save is under way (the final save comes after it).
func (s *Server) keepRecord(save func()) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(s.recordLease() / 4)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				save()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// storedRun reads a run of a device from the store.
func (s *Server) storedRun(ctx context.Context, device, id string) (conformance.Report, error) {
	var rep conformance.Report
	rec, err := s.st.RunRecord(ctx, store.RecordConformance, id)
	if err != nil {
		return rep, err
	}
	if rec.DeviceID != device {
		return rep, store.ErrNotFound
	}
	if err := json.Unmarshal(rec.Data, &rep); err != nil {
		return rep, errors.New("run record " + id + ": " + err.Error())
	}
	if s.orphaned(rec) {
		rep.State, rep.Error = conformance.Errored, orphanedMsg
	}
	return rep, nil
}

// storedDiagnostic reads a diagnostic of a device from the store.
func (s *Server) storedDiagnostic(ctx context.Context, device, id string) (Diagnostic, error) {
	var d Diagnostic
	rec, err := s.st.RunRecord(ctx, store.RecordDiagnostic, id)
	if err != nil {
		return d, err
	}
	if rec.DeviceID != device {
		return d, store.ErrNotFound
	}
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return d, errors.New("diagnostic record " + id + ": " + err.Error())
	}
	if localDiagnostic(s, id) == nil && s.orphaned(rec) {
		d.State, d.Error = DiagFailed, orphanedMsg
	}
	return d, nil
}

// storedRecords reads a device's records of a kind, newest first, each
// decoded by decode.
func (s *Server) storedRecords(ctx context.Context, kind, device string, decode func(rec *store.RunRecord) error) error {
	recs, err := s.st.DeviceRunRecords(ctx, kind, device, 0)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if err := decode(rec); err != nil {
			return errors.New(kind + " record " + rec.ID + ": " + err.Error())
		}
	}
	return nil
}
