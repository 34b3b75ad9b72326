package store

import (
	"context"
	"encoding/json"
	"time"
)

// Kinds of run records.
const (
	RecordConformance = "conformance" // a conformance run's report (acsref/conformance)
	RecordDiagnostic  = "diagnostic"  // a diagnostic's state and results
)

// RunRecord is a conformance run or a diagnostic of a device, kept as
// its JSON document so that every ACS process on the store sees it and it
// outlives the process that ran it.
type RunRecord struct {
	Kind     string          `json:"kind"`
	ID       string          `json:"id"`
	DeviceID string          `json:"deviceId"`
	State    string          `json:"state"` // running, finished, …: the document's
	Created  time.Time       `json:"created"`
	Updated  time.Time       `json:"updated"`
	Data     json.RawMessage `json:"data"`
}

// RunRecords keeps conformance runs and diagnostics.
type RunRecords interface {
	// PutRunRecord stores a record, replacing the one of its kind and id.
	PutRunRecord(ctx context.Context, r *RunRecord) error
	// RunRecord returns one record, ErrNotFound if there is none.
	RunRecord(ctx context.Context, kind, id string) (*RunRecord, error)
	// DeviceRunRecords returns a device's records of a kind, newest
	// first, at most limit (all if limit <= 0).
	DeviceRunRecords(ctx context.Context, kind, deviceID string, limit int) ([]*RunRecord, error)
	// PruneRunRecords deletes a device's records of a kind beyond the
	// newest keep, except those in state running; it returns how many
	// went.
	PruneRunRecords(ctx context.Context, kind, deviceID string, keep int) (int, error)
}

// runRecordsMigration is the table of run records (the same SQL for
// SQLite and PostgreSQL). Times are Unix milliseconds.
const runRecordsMigration = `CREATE TABLE run_records (
	kind TEXT NOT NULL, id TEXT NOT NULL, device_id TEXT NOT NULL, state TEXT NOT NULL,
	created BIGINT NOT NULL, updated BIGINT NOT NULL, data TEXT NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX run_records_device ON run_records (kind, device_id, created);`
