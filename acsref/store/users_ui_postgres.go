package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ UIState = (*Postgres)(nil)

var (
	pgPutUISession      = dollarPlaceholders(sqlPutUISession + ` ON CONFLICT (id_hash) DO NOTHING`)
	pgUISession         = dollarPlaceholders(sqlUISession)
	pgTouchUISession    = dollarPlaceholders(sqlTouchUISession)
	pgDeleteUISession   = dollarPlaceholders(sqlDeleteUISession)
	pgDeleteUISessions  = dollarPlaceholders(sqlDeleteUISessions)
	pgPutSavedFilter    = dollarPlaceholders(sqlPutSavedFilter)
	pgSavedFilters      = dollarPlaceholders(sqlSavedFilters) + ` COLLATE "C"`
	pgDeleteSavedFilter = dollarPlaceholders(sqlDeleteSavedFilter)
)

// PutUISession implements UIState.
func (s *Postgres) PutUISession(ctx context.Context, se *UISession) error {
	if !storable(se.User) || !storable(se.Scope) {
		return fmt.Errorf("store: UI session of %q: %w", se.User, ErrInvalid)
	}
	tag, err := s.pool.Exec(ctx, pgPutUISession, se.IDHash, se.User, se.Role, se.Scope, se.CSRF, unix(se.Created), unix(se.Seen))
	if err != nil {
		return pgErr("UI session", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: UI session exists: %w", ErrConflict)
	}
	return nil
}

// UISession implements UIState.
func (s *Postgres) UISession(ctx context.Context, idHash string, idleBefore, createdBefore time.Time) (*UISession, error) {
	if !storable(idHash) {
		return nil, ErrNotFound
	}
	se, err := scanUISession(s.pool.QueryRow(ctx, pgUISession, idHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, pgErr("UI session", err)
	}
	if uiSessionExpired(se, idleBefore, createdBefore) {
		if err := s.DeleteUISession(ctx, idHash); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	return se, nil
}

// TouchUISession implements UIState.
func (s *Postgres) TouchUISession(ctx context.Context, idHash string, seen time.Time) error {
	_, err := s.pool.Exec(ctx, pgTouchUISession, unix(seen), idHash, unix(seen))
	return pgErr("UI session", err)
}

// DeleteUISession implements UIState.
func (s *Postgres) DeleteUISession(ctx context.Context, idHash string) error {
	if !storable(idHash) {
		return nil
	}
	_, err := s.pool.Exec(ctx, pgDeleteUISession, idHash)
	return pgErr("UI session", err)
}

// DeleteUISessions implements UIState.
func (s *Postgres) DeleteUISessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) (int64, error) {
	if !storable(user) {
		user = ""
	}
	tag, err := s.pool.Exec(ctx, pgDeleteUISessions, user, unix(idleBefore), unix(createdBefore))
	if err != nil {
		return 0, pgErr("UI sessions", err)
	}
	return tag.RowsAffected(), nil
}

// PutSavedFilter implements UIState.
func (s *Postgres) PutSavedFilter(ctx context.Context, f *SavedFilter) error {
	if !storable(f.User) || !storable(f.Name) || !storable(f.Query) {
		return fmt.Errorf("store: saved filter %q: %w", f.Name, ErrInvalid)
	}
	_, err := s.pool.Exec(ctx, pgPutSavedFilter, f.User, f.Name, f.Query, unix(f.Created))
	return pgErr("saved filter", err)
}

// SavedFilters implements UIState.
func (s *Postgres) SavedFilters(ctx context.Context, user string) ([]*SavedFilter, error) {
	if !storable(user) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, pgSavedFilters, user)
	if err != nil {
		return nil, pgErr("saved filters", err)
	}
	defer rows.Close()
	var out []*SavedFilter
	for rows.Next() {
		f, err := scanSavedFilter(rows)
		if err != nil {
			return nil, pgErr("saved filters", err)
		}
		out = append(out, f)
	}
	return out, pgErr("saved filters", rows.Err())
}

// DeleteSavedFilter implements UIState.
func (s *Postgres) DeleteSavedFilter(ctx context.Context, user, name string) error {
	if !storable(user) || !storable(name) {
		return ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, pgDeleteSavedFilter, user, name)
	if err != nil {
		return pgErr("saved filter", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

var (
	pgAddLoginFailure     = dollarPlaceholders(sqlAddLoginFailure)
	pgForgetLoginFailures = dollarPlaceholders(sqlForgetLoginFailures)
)

// AddLoginFailure implements UIState.
func (s *Postgres) AddLoginFailure(ctx context.Context, keys []string, at, forget time.Time) error {
	for _, k := range keys {
		if !storable(k) {
			return fmt.Errorf("store: login failure of %q: %w", k, ErrInvalid)
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgErr("login failure", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, pgForgetLoginFailures, unix(forget)); err != nil {
		return pgErr("login failure", err)
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, pgAddLoginFailure, k, unix(at)); err != nil {
			return pgErr("login failure", err)
		}
	}
	return pgErr("login failure", tx.Commit(ctx))
}

// LoginFailures implements UIState.
func (s *Postgres) LoginFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return !storable(k) })
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(keys)+1)
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := s.pool.Query(ctx, dollarPlaceholders(sqlLoginFailures(len(keys))), append(args, unix(since))...)
	if err != nil {
		return nil, pgErr("login failures", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, pgErr("login failures", err)
		}
		out[k] = n
	}
	return out, pgErr("login failures", rows.Err())
}

// ParameterValues implements UIState.
func (s *Postgres) ParameterValues(ctx context.Context, ids, names []string) (map[string]map[string]string, error) {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !storable(id) })
	return parameterValues(ids, names, func(q string, args []any, add func(id, name, value string)) error {
		rows, err := s.pool.Query(ctx, dollarPlaceholders(q), args...)
		if err != nil {
			return pgErr("parameters", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, name, value string
			if err := rows.Scan(&id, &name, &value); err != nil {
				return pgErr("parameters", err)
			}
			add(id, name, value)
		}
		return pgErr("parameters", rows.Err())
	})
}
