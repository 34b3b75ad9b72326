package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
)

var (
	_ RunRecords = (*SQLite)(nil)
	_ RunRecords = (*Postgres)(nil)
)

// The statements of both stores: SQLite's placeholders are ?, PostgreSQL's
// $n; the rest is the same SQL.
const (
	runRecordColumns = `kind, id, device_id, state, created, updated, data`
	sqlPutRunRecord  = `INSERT INTO run_records (` + runRecordColumns + `) VALUES ($1,$2,$3,$4,$5,$6,$7)
		ON CONFLICT (kind, id) DO UPDATE SET device_id=excluded.device_id, state=excluded.state, updated=excluded.updated, data=excluded.data`
	sqlRunRecord        = `SELECT ` + runRecordColumns + ` FROM run_records WHERE kind=$1 AND id=$2`
	sqlDeviceRunRecords = `SELECT ` + runRecordColumns + ` FROM run_records WHERE kind=$1 AND device_id=$2 ORDER BY created DESC, id DESC LIMIT $3`
	sqlPruneRunRecords  = `DELETE FROM run_records WHERE kind=$1 AND device_id=$2 AND state<>'running' AND id NOT IN (
		SELECT id FROM run_records WHERE kind=$1 AND device_id=$2 ORDER BY created DESC, id DESC LIMIT $3)`
)

func scanRunRecord(r rowScanner) (*RunRecord, error) {
	rec := &RunRecord{}
	var created, updated int64
	var data string
	if err := r.Scan(&rec.Kind, &rec.ID, &rec.DeviceID, &rec.State, &created, &updated, &data); err != nil {
		return nil, err
	}
	rec.Created, rec.Updated, rec.Data = fromUnix(created), fromUnix(updated), []byte(data)
	return rec, nil
}

func limitOrAll(limit int) int {
	if limit <= 0 {
		return 1 << 30
	}
	return limit
}

// PutRunRecord implements RunRecords.
func (s *SQLite) PutRunRecord(ctx context.Context, r *RunRecord) error {
	_, err := s.w.ExecContext(ctx, sqlPutRunRecord, r.Kind, r.ID, r.DeviceID, r.State, unix(r.Created), unix(r.Updated), string(r.Data))
	return err
}

// RunRecord implements RunRecords.
func (s *SQLite) RunRecord(ctx context.Context, kind, id string) (*RunRecord, error) {
	rec, err := scanRunRecord(s.r.QueryRowContext(ctx, sqlRunRecord, kind, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return rec, err
}

// DeviceRunRecords implements RunRecords.
func (s *SQLite) DeviceRunRecords(ctx context.Context, kind, deviceID string, limit int) ([]*RunRecord, error) {
	rows, err := s.r.QueryContext(ctx, sqlDeviceRunRecords, kind, deviceID, limitOrAll(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RunRecord
	for rows.Next() {
		rec, err := scanRunRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// PruneRunRecords implements RunRecords.
func (s *SQLite) PruneRunRecords(ctx context.Context, kind, deviceID string, keep int) (int, error) {
	res, err := s.w.ExecContext(ctx, sqlPruneRunRecords, kind, deviceID, max(keep, 0))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PutRunRecord implements RunRecords.
func (s *Postgres) PutRunRecord(ctx context.Context, r *RunRecord) error {
	if !storable(r.ID) || !storable(r.DeviceID) || !storable(string(r.Data)) {
		return ErrInvalid
	}
	_, err := s.pool.Exec(ctx, sqlPutRunRecord, r.Kind, r.ID, r.DeviceID, r.State, unix(r.Created), unix(r.Updated), string(r.Data))
	return pgErr("run record", err)
}

// RunRecord implements RunRecords.
func (s *Postgres) RunRecord(ctx context.Context, kind, id string) (*RunRecord, error) {
	if !storable(id) {
		return nil, ErrNotFound
	}
	rec, err := scanRunRecord(s.pool.QueryRow(ctx, sqlRunRecord, kind, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return rec, pgErr("run record", err)
}

// DeviceRunRecords implements RunRecords.
func (s *Postgres) DeviceRunRecords(ctx context.Context, kind, deviceID string, limit int) ([]*RunRecord, error) {
	if !storable(deviceID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, sqlDeviceRunRecords, kind, deviceID, limitOrAll(limit))
	if err != nil {
		return nil, pgErr("run records", err)
	}
	defer rows.Close()
	var out []*RunRecord
	for rows.Next() {
		rec, err := scanRunRecord(rows)
		if err != nil {
			return nil, pgErr("run records", err)
		}
		out = append(out, rec)
	}
	return out, pgErr("run records", rows.Err())
}

// PruneRunRecords implements RunRecords.
func (s *Postgres) PruneRunRecords(ctx context.Context, kind, deviceID string, keep int) (int, error) {
	tag, err := s.pool.Exec(ctx, sqlPruneRunRecords, kind, deviceID, max(keep, 0))
	if err != nil {
		return 0, pgErr("run records", err)
	}
	return int(tag.RowsAffected()), nil
}
