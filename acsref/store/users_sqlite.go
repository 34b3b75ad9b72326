package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var _ Users = (*SQLite)(nil)

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateUser implements Users.
func (s *SQLite) CreateUser(ctx context.Context, u *User) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (name, role, scope, password_hash, created, updated) VALUES (?,?,?,?,?,?)`,
		u.Name, u.Role, u.Scope, u.PasswordHash, unix(u.Created), unix(u.Updated))
	if isUniqueViolation(err) {
		return fmt.Errorf("store: user %q exists: %w", u.Name, ErrConflict)
	}
	return err
}

// UpdateUser implements Users.
func (s *SQLite) UpdateUser(ctx context.Context, u *User) error {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET role=?, scope=?, password_hash=?, updated=? WHERE name=?`,
		u.Role, u.Scope, u.PasswordHash, unix(u.Updated), u.Name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const userColumns = `name, role, scope, password_hash, created, updated`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (*User, error) {
	u := &User{}
	var created, updated int64
	if err := r.Scan(&u.Name, &u.Role, &u.Scope, &u.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	u.Created, u.Updated = fromUnix(created), fromUnix(updated)
	return u, nil
}

// User implements Users.
func (s *SQLite) User(ctx context.Context, name string) (*User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name=?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// Users implements Users.
func (s *SQLite) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DeleteUser implements Users.
func (s *SQLite) DeleteUser(ctx context.Context, name string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name=?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE username=?`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// PutAPIKey implements Users.
func (s *SQLite) PutAPIKey(ctx context.Context, k *APIKey) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (id, username, name, hash, created, revoked)
		SELECT ?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM users WHERE name=?)`,
		k.ID, k.User, k.Name, k.Hash, unix(k.Created), unix(k.Revoked), k.User)
	if isUniqueViolation(err) {
		return fmt.Errorf("store: API key %q exists: %w", k.ID, ErrConflict)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: user %q: %w", k.User, ErrNotFound)
	}
	return nil
}

const keyColumns = `id, username, name, hash, created, revoked`

func scanKey(r rowScanner) (*APIKey, error) {
	k := &APIKey{}
	var created, revoked int64
	if err := r.Scan(&k.ID, &k.User, &k.Name, &k.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	k.Created, k.Revoked = fromUnix(created), fromUnix(revoked)
	return k, nil
}

// APIKey implements Users.
func (s *SQLite) APIKey(ctx context.Context, id string) (*APIKey, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return k, err
}

// APIKeys implements Users.
func (s *SQLite) APIKeys(ctx context.Context, user string) ([]*APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE ?='' OR username=? ORDER BY created, id`, user, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey implements Users.
func (s *SQLite) RevokeAPIKey(ctx context.Context, user, id string, t time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET revoked = CASE WHEN revoked = 0 THEN ? ELSE revoked END WHERE id=? AND username=?`,
		unix(t), id, user)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddAudit implements Users.
func (s *SQLite) AddAudit(ctx context.Context, e *AuditEntry) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO audit (time, actor, via, remote, action, method, path, target, detail, status, result)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)`, unix(e.Time), e.Actor, e.Via, e.Remote, e.Action, e.Method, e.Path, e.Target, e.Detail, e.Status, e.Result)
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
}

const auditColumns = `id, time, actor, via, remote, action, method, path, target, detail, status, result`

func scanAudit(r rowScanner) (AuditEntry, error) {
	var e AuditEntry
	var t int64
	err := r.Scan(&e.ID, &t, &e.Actor, &e.Via, &e.Remote, &e.Action, &e.Method, &e.Path, &e.Target, &e.Detail, &e.Status, &e.Result)
	e.Time = fromUnix(t)
	return e, err
}

// Audit implements Users.
func (s *SQLite) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	where, args := auditWhere(f, func(int) string { return "?" })
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
