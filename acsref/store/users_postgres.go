package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ Users = (*Postgres)(nil)

// CreateUser implements Users.
func (s *Postgres) CreateUser(ctx context.Context, u *User) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO users (name, role, scope, password_hash, created, updated) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (name) DO NOTHING`, u.Name, u.Role, u.Scope, u.PasswordHash, unix(u.Created), unix(u.Updated))
	if err != nil {
		return pgErr("user "+strconv.Quote(u.Name), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: user %q exists: %w", u.Name, ErrConflict)
	}
	return nil
}

// UpdateUser implements Users.
func (s *Postgres) UpdateUser(ctx context.Context, u *User) error {
	if !storable(u.Name) {
		return ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE users SET role=$1, scope=$2, password_hash=$3, updated=$4 WHERE name=$5`,
		u.Role, u.Scope, u.PasswordHash, unix(u.Updated), u.Name)
	if err != nil {
		return pgErr("user "+strconv.Quote(u.Name), err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// User implements Users.
func (s *Postgres) User(ctx context.Context, name string) (*User, error) {
	if !storable(name) {
		return nil, ErrNotFound
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name=$1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, pgErr("user "+strconv.Quote(name), err)
}

// Users implements Users.
func (s *Postgres) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, pgErr("users", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, pgErr("users", err)
		}
		out = append(out, u)
	}
	return out, pgErr("users", rows.Err())
}

// DeleteUser implements Users.
func (s *Postgres) DeleteUser(ctx context.Context, name string) error {
	if !storable(name) {
		return ErrNotFound
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgErr("user", err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `DELETE FROM users WHERE name=$1`, name)
	if err != nil {
		return pgErr("user "+strconv.Quote(name), err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	if _, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE username=$1`, name); err != nil {
		return pgErr("API keys of "+strconv.Quote(name), err)
	}
	return pgErr("user", tx.Commit(ctx))
}

// PutAPIKey implements Users.
func (s *Postgres) PutAPIKey(ctx context.Context, k *APIKey) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO api_keys (id, username, name, hash, created, revoked)
		SELECT $1,$2,$3,$4,$5,$6 WHERE EXISTS (SELECT 1 FROM users WHERE name=$2) ON CONFLICT (id) DO NOTHING`,
		k.ID, k.User, k.Name, k.Hash, unix(k.Created), unix(k.Revoked))
	if err != nil {
		return pgErr("API key", err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.User(ctx, k.User); err != nil {
			return fmt.Errorf("store: user %q: %w", k.User, err)
		}
		return fmt.Errorf("store: API key %q exists: %w", k.ID, ErrConflict)
	}
	return nil
}

// APIKey implements Users.
func (s *Postgres) APIKey(ctx context.Context, id string) (*APIKey, error) {
	if !storable(id) {
		return nil, ErrNotFound
	}
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id=$1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return k, pgErr("API key", err)
}

// APIKeys implements Users.
func (s *Postgres) APIKeys(ctx context.Context, user string) ([]*APIKey, error) {
	if !storable(user) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE $1='' OR username=$1 ORDER BY created, id COLLATE "C"`, user)
	if err != nil {
		return nil, pgErr("API keys", err)
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, pgErr("API keys", err)
		}
		out = append(out, k)
	}
	return out, pgErr("API keys", rows.Err())
}

// RevokeAPIKey implements Users.
func (s *Postgres) RevokeAPIKey(ctx context.Context, user, id string, t time.Time) error {
	if !storable(user) || !storable(id) {
		return ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked = CASE WHEN revoked = 0 THEN $1 ELSE revoked END WHERE id=$2 AND username=$3`,
		unix(t), id, user)
	if err != nil {
		return pgErr("API key", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// AddAudit implements Users.
func (s *Postgres) AddAudit(ctx context.Context, e *AuditEntry) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO audit (time, actor, via, remote, action, method, path, target, detail, status, result)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
		unix(e.Time), e.Actor, e.Via, e.Remote, e.Action, e.Method, e.Path, e.Target, e.Detail, e.Status, e.Result).Scan(&e.ID)
	return pgErr("audit entry", err)
}

// Audit implements Users.
func (s *Postgres) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	where, args := auditWhere(f, func(n int) string { return "$" + strconv.Itoa(n) })
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit`+where, args...)
	if err != nil {
		return nil, pgErr("audit", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, pgErr("audit", err)
		}
		out = append(out, e)
	}
	return out, pgErr("audit", rows.Err())
}
