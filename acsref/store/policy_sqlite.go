package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var _ Policies = (*SQLite)(nil)

// PutPolicies implements Policies.
func (s *SQLite) PutPolicies(ctx context.Context, docs []*PolicyDoc) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, d := range docs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO policies (name, kind, model, source, updated) VALUES (?,?,?,?,?)
			ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, model=excluded.model, source=excluded.source, updated=excluded.updated`,
			d.Name, d.Kind, d.Model, d.Source, unix(d.Updated)); err != nil {
			return fmt.Errorf("store: policy %q: %w", d.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE policy_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	return tx.Commit()
}

// Policy implements Policies.
func (s *SQLite) Policy(ctx context.Context, name string) (*PolicyDoc, error) {
	d := &PolicyDoc{}
	var upd int64
	err := s.r.QueryRowContext(ctx, `SELECT name, kind, model, source, updated FROM policies WHERE name=?`, name).Scan(&d.Name, &d.Kind, &d.Model, &d.Source, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.Updated = fromUnix(upd)
	return d, nil
}

// PolicyDocs implements Policies.
func (s *SQLite) PolicyDocs(ctx context.Context) ([]*PolicyDoc, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, kind, model, source, updated FROM policies ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*PolicyDoc
	for rows.Next() {
		d := &PolicyDoc{}
		var upd int64
		if err := rows.Scan(&d.Name, &d.Kind, &d.Model, &d.Source, &upd); err != nil {
			return nil, err
		}
		d.Updated = fromUnix(upd)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeletePolicy implements Policies.
func (s *SQLite) DeletePolicy(ctx context.Context, name string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM policies WHERE name=?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM policy_states WHERE policy=?`, name); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE policy_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	return tx.Commit()
}

// PoliciesVersion implements Policies.
func (s *SQLite) PoliciesVersion(ctx context.Context) (string, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT version FROM policy_version WHERE id = 1`).Scan(&v)
	return strconv.FormatInt(v, 10), err
}

// PolicyStates implements Policies.
func (s *SQLite) PolicyStates(ctx context.Context, deviceID string) ([]PolicyState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT device_id, policy, status, data, updated FROM policy_states WHERE device_id=? ORDER BY policy`, deviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PolicyState
	for rows.Next() {
		var ps PolicyState
		var data string
		var upd int64
		if err := rows.Scan(&ps.DeviceID, &ps.Policy, &ps.Status, &data, &upd); err != nil {
			return nil, err
		}
		ps.Data, ps.Updated = []byte(data), fromUnix(upd)
		out = append(out, ps)
	}
	return out, rows.Err()
}

// PutPolicyStates implements Policies.
func (s *SQLite) PutPolicyStates(ctx context.Context, states []PolicyState) error {
	if len(states) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, ps := range states {
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_states (device_id, policy, status, data, updated) VALUES (?,?,?,?,?)
			ON CONFLICT(device_id, policy) DO UPDATE SET status=excluded.status, data=excluded.data, updated=excluded.updated`,
			ps.DeviceID, ps.Policy, ps.Status, string(ps.Data), unix(ps.Updated)); err != nil {
			return fmt.Errorf("store: policy state %s/%s: %w", ps.DeviceID, ps.Policy, err)
		}
	}
	return tx.Commit()
}

// PolicyStateCounts implements Policies.
func (s *SQLite) PolicyStateCounts(ctx context.Context, policy string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, count(*) FROM policy_states WHERE policy=? GROUP BY status`, policy)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// PutCampaign implements Policies.
func (s *SQLite) PutCampaign(ctx context.Context, c *CampaignRecord) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO campaigns (name, spec, state, status, updated) VALUES (?,?,?,?,?)`,
		c.Name, string(c.Spec), string(c.State), c.Status, unix(c.Updated))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("campaign %q: %w", c.Name, ErrConflict)
	}
	return err
}

func scanCampaign(sc interface{ Scan(...any) error }) (*CampaignRecord, error) {
	c := &CampaignRecord{}
	var spec, state string
	var upd int64
	if err := sc.Scan(&c.Name, &spec, &state, &c.Status, &upd); err != nil {
		return nil, err
	}
	c.Spec, c.State, c.Updated = []byte(spec), []byte(state), fromUnix(upd)
	return c, nil
}

// Campaign implements Policies.
func (s *SQLite) Campaign(ctx context.Context, name string) (*CampaignRecord, error) {
	c, err := scanCampaign(s.r.QueryRowContext(ctx, `SELECT name, spec, state, status, updated FROM campaigns WHERE name=?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, err
}

// Campaigns implements Policies.
func (s *SQLite) Campaigns(ctx context.Context) ([]*CampaignRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, spec, state, status, updated FROM campaigns ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*CampaignRecord
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCampaign implements Policies.
func (s *SQLite) DeleteCampaign(ctx context.Context, name string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM campaigns WHERE name=?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UpdateCampaign implements Policies: the writer connection's immediate
// transaction serializes updates.
func (s *SQLite) UpdateCampaign(ctx context.Context, name string, fn func(*CampaignRecord) (json.RawMessage, error)) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT name, spec, state, status, updated FROM campaigns WHERE name=?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	state, err := fn(c)
	if err != nil || state == nil {
		return err
	}
	var st struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(state, &st)
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state=?, status=?, updated=? WHERE name=?`, string(state), st.Status, unix(time.Now()), name); err != nil {
		return err
	}
	return tx.Commit()
}
