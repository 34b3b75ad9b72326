package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ Policies = (*Postgres)(nil)

// PutPolicies implements Policies.
func (s *Postgres) PutPolicies(ctx context.Context, docs []*PolicyDoc) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgErr("policies", err)
	}
	defer tx.Rollback(ctx)
	for _, d := range docs {
		if _, err := tx.Exec(ctx, `INSERT INTO policies (name, kind, model, source, updated) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT (name) DO UPDATE SET kind=excluded.kind, model=excluded.model, source=excluded.source, updated=excluded.updated`,
			d.Name, d.Kind, d.Model, d.Source, unix(d.Updated)); err != nil {
			return pgErr("policy "+strconv.Quote(d.Name), err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE policy_version SET version = version + 1 WHERE id = 1`); err != nil {
		return pgErr("policy version", err)
	}
	return pgErr("policies", tx.Commit(ctx))
}

// Policy implements Policies.
func (s *Postgres) Policy(ctx context.Context, name string) (*PolicyDoc, error) {
	if !storable(name) {
		return nil, ErrNotFound
	}
	d := &PolicyDoc{}
	var upd int64
	err := s.pool.QueryRow(ctx, `SELECT name, kind, model, source, updated FROM policies WHERE name=$1`, name).Scan(&d.Name, &d.Kind, &d.Model, &d.Source, &upd)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, pgErr("policy "+strconv.Quote(name), err)
	}
	d.Updated = fromUnix(upd)
	return d, nil
}

// PolicyDocs implements Policies.
func (s *Postgres) PolicyDocs(ctx context.Context) ([]*PolicyDoc, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, kind, model, source, updated FROM policies ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, pgErr("policies", err)
	}
	defer rows.Close()
	var out []*PolicyDoc
	for rows.Next() {
		d := &PolicyDoc{}
		var upd int64
		if err := rows.Scan(&d.Name, &d.Kind, &d.Model, &d.Source, &upd); err != nil {
			return nil, pgErr("policies", err)
		}
		d.Updated = fromUnix(upd)
		out = append(out, d)
	}
	return out, pgErr("policies", rows.Err())
}

// DeletePolicy implements Policies.
func (s *Postgres) DeletePolicy(ctx context.Context, name string) error {
	if !storable(name) {
		return ErrNotFound
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgErr("policy", err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `DELETE FROM policies WHERE name=$1`, name)
	if err != nil {
		return pgErr("policy "+strconv.Quote(name), err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	if _, err := tx.Exec(ctx, `DELETE FROM policy_states WHERE policy=$1`, name); err != nil {
		return pgErr("policy states", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE policy_version SET version = version + 1 WHERE id = 1`); err != nil {
		return pgErr("policy version", err)
	}
	return pgErr("policy", tx.Commit(ctx))
}

// PoliciesVersion implements Policies.
func (s *Postgres) PoliciesVersion(ctx context.Context) (string, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM policy_version WHERE id = 1`).Scan(&v)
	return strconv.FormatInt(v, 10), pgErr("policy version", err)
}

// PolicyStates implements Policies.
func (s *Postgres) PolicyStates(ctx context.Context, deviceID string) ([]PolicyState, error) {
	if !storable(deviceID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT device_id, policy, status, data, updated FROM policy_states WHERE device_id=$1 ORDER BY policy COLLATE "C"`, deviceID)
	if err != nil {
		return nil, pgErr("policy states", err)
	}
	defer rows.Close()
	var out []PolicyState
	for rows.Next() {
		var ps PolicyState
		var data string
		var upd int64
		if err := rows.Scan(&ps.DeviceID, &ps.Policy, &ps.Status, &data, &upd); err != nil {
			return nil, pgErr("policy states", err)
		}
		ps.Data, ps.Updated = []byte(data), fromUnix(upd)
		out = append(out, ps)
	}
	return out, pgErr("policy states", rows.Err())
}

// PutPolicyStates implements Policies.
func (s *Postgres) PutPolicyStates(ctx context.Context, states []PolicyState) error {
	if len(states) == 0 {
		return nil
	}
	q := &pgx.Batch{}
	for _, ps := range states {
		q.Queue(`INSERT INTO policy_states (device_id, policy, status, data, updated) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT (device_id, policy) DO UPDATE SET status=excluded.status, data=excluded.data, updated=excluded.updated`,
			ps.DeviceID, ps.Policy, ps.Status, string(ps.Data), unix(ps.Updated))
	}
	return pgErr("policy states", s.pool.SendBatch(ctx, q).Close())
}

// PolicyStateCounts implements Policies.
func (s *Postgres) PolicyStateCounts(ctx context.Context, policy string) (map[string]int, error) {
	out := map[string]int{}
	if !storable(policy) {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM policy_states WHERE policy=$1 GROUP BY status`, policy)
	if err != nil {
		return nil, pgErr("policy counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, pgErr("policy counts", err)
		}
		out[st] = n
	}
	return out, pgErr("policy counts", rows.Err())
}

// PutCampaign implements Policies.
func (s *Postgres) PutCampaign(ctx context.Context, c *CampaignRecord) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO campaigns (name, spec, state, status, updated) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (name) DO NOTHING`,
		c.Name, string(c.Spec), string(c.State), c.Status, unix(c.Updated))
	if err != nil {
		return pgErr("campaign "+strconv.Quote(c.Name), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("campaign %q: %w", c.Name, ErrConflict)
	}
	return nil
}

func scanPgCampaign(sc pgx.Row) (*CampaignRecord, error) {
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
func (s *Postgres) Campaign(ctx context.Context, name string) (*CampaignRecord, error) {
	if !storable(name) {
		return nil, ErrNotFound
	}
	c, err := scanPgCampaign(s.pool.QueryRow(ctx, `SELECT name, spec, state, status, updated FROM campaigns WHERE name=$1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, pgErr("campaign", err)
}

// Campaigns implements Policies.
func (s *Postgres) Campaigns(ctx context.Context) ([]*CampaignRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, spec, state, status, updated FROM campaigns ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, pgErr("campaigns", err)
	}
	defer rows.Close()
	var out []*CampaignRecord
	for rows.Next() {
		c, err := scanPgCampaign(rows)
		if err != nil {
			return nil, pgErr("campaigns", err)
		}
		out = append(out, c)
	}
	return out, pgErr("campaigns", rows.Err())
}

// DeleteCampaign implements Policies.
func (s *Postgres) DeleteCampaign(ctx context.Context, name string) error {
	if !storable(name) {
		return ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM campaigns WHERE name=$1`, name)
	if err != nil {
		return pgErr("campaign", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// UpdateCampaign implements Policies: the row is locked (SELECT ... FOR
// UPDATE) for the transaction, across processes.
func (s *Postgres) UpdateCampaign(ctx context.Context, name string, fn func(*CampaignRecord) (json.RawMessage, error)) error {
	if !storable(name) {
		return ErrNotFound
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgErr("campaign", err)
	}
	defer tx.Rollback(ctx)
	c, err := scanPgCampaign(tx.QueryRow(ctx, `SELECT name, spec, state, status, updated FROM campaigns WHERE name=$1 FOR UPDATE`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return pgErr("campaign", err)
	}
	state, err := fn(c)
	if err != nil || state == nil {
		return err
	}
	var st struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(state, &st)
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET state=$1, status=$2, updated=$3 WHERE name=$4`, string(state), st.Status, unix(time.Now()), name); err != nil {
		return pgErr("campaign", err)
	}
	return pgErr("campaign", tx.Commit(ctx))
}
