package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var _ UIState = (*SQLite)(nil)

// PutUISession implements UIState.
func (s *SQLite) PutUISession(ctx context.Context, se *UISession) error {
	_, err := s.w.ExecContext(ctx, sqlPutUISession, se.IDHash, se.User, se.Role, se.Scope, se.CSRF, unix(se.Created), unix(se.Seen))
	if isUniqueViolation(err) {
		return fmt.Errorf("store: UI session exists: %w", ErrConflict)
	}
	return err
}

// UISession implements UIState.
func (s *SQLite) UISession(ctx context.Context, idHash string, idleBefore, createdBefore time.Time) (*UISession, error) {
	se, err := scanUISession(s.r.QueryRowContext(ctx, sqlUISession, idHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
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
func (s *SQLite) TouchUISession(ctx context.Context, idHash string, seen time.Time) error {
	_, err := s.w.ExecContext(ctx, sqlTouchUISession, unix(seen), idHash, unix(seen))
	return err
}

// DeleteUISession implements UIState.
func (s *SQLite) DeleteUISession(ctx context.Context, idHash string) error {
	_, err := s.w.ExecContext(ctx, sqlDeleteUISession, idHash)
	return err
}

// DeleteUISessions implements UIState.
func (s *SQLite) DeleteUISessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, sqlDeleteUISessions, user, unix(idleBefore), unix(createdBefore))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PutSavedFilter implements UIState.
func (s *SQLite) PutSavedFilter(ctx context.Context, f *SavedFilter) error {
	_, err := s.w.ExecContext(ctx, sqlPutSavedFilter, f.User, f.Name, f.Query, unix(f.Created))
	return err
}

// SavedFilters implements UIState.
func (s *SQLite) SavedFilters(ctx context.Context, user string) ([]*SavedFilter, error) {
	rows, err := s.r.QueryContext(ctx, sqlSavedFilters, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SavedFilter
	for rows.Next() {
		f, err := scanSavedFilter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteSavedFilter implements UIState.
func (s *SQLite) DeleteSavedFilter(ctx context.Context, user, name string) error {
	res, err := s.w.ExecContext(ctx, sqlDeleteSavedFilter, user, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddLoginFailure implements UIState.
func (s *SQLite) AddLoginFailure(ctx context.Context, keys []string, at, forget time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlForgetLoginFailures, unix(forget)); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, sqlAddLoginFailure, k, unix(at)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// LoginFailures implements UIState.
func (s *SQLite) LoginFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(keys)+1)
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := s.r.QueryContext(ctx, sqlLoginFailures(len(keys)), append(args, unix(since))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// ParameterValues implements UIState.
func (s *SQLite) ParameterValues(ctx context.Context, ids, names []string) (map[string]map[string]string, error) {
	return parameterValues(ids, names, func(q string, args []any, add func(id, name, value string)) error {
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, name, value string
			if err := rows.Scan(&id, &name, &value); err != nil {
				return err
			}
			add(id, name, value)
		}
		return rows.Err()
	})
}
