package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"
)

// SQLite file storage (files.go): chunks are written one per statement
// on the writer connection, so the sessions' group commits go on between
// them; the last transaction makes the files row name the new content
// and drops the contents no file names any more.

const (
	sqliteFileCols = `name, file_type, oui, product_class, version, size, created, meta`
	// sqliteDropUnnamed drops the complete contents no file names (the
	// one a replaced or deleted file had) and unfinished ones older than
	// the cut-off (?1, of a process that died mid-upload).
	sqliteDropUnnamedChunks = `DELETE FROM file_chunks WHERE content_id IN (SELECT id FROM file_contents c
		WHERE (c.complete = 1 OR c.updated < ?1) AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id))`
	sqliteDropUnnamedContents = `DELETE FROM file_contents AS c
		WHERE (c.complete = 1 OR c.updated < ?1) AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id)`
)

// PutFile implements Store.
func (s *SQLite) PutFile(ctx context.Context, f *File) error { return putData(ctx, s, f) }

// PutFileStream implements Store.
func (s *SQLite) PutFileStream(ctx context.Context, f *File, content io.Reader, limit int64) error {
	if f.Created.IsZero() {
		f.Created = time.Now().UTC()
	}
	if err := s.dropUnnamedContents(ctx, s.w); err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO file_contents (complete, updated) VALUES (0, ?)`, unix(time.Now()))
	if err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	size, sum, err := readChunks(f.Name, content, limit, func(seq int64, chunk []byte) error {
		// The content is still there unless an upload stalled past
		// staleUpload and was dropped (the one writer connection runs
		// nothing between the two statements that could drop it).
		res, err := s.w.ExecContext(ctx, `UPDATE file_contents SET updated=? WHERE id=? AND complete=0`, unix(time.Now()), id)
		if err != nil {
			return fmt.Errorf("store: storing chunk %d of file %q: %w", seq, f.Name, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("store: storing chunk %d of file %q: %w", seq, f.Name, errStaleUpload)
		}
		if _, err := s.w.ExecContext(ctx, `INSERT INTO file_chunks (content_id, seq, data) VALUES (?,?,?)`, id, seq, chunk); err != nil {
			return fmt.Errorf("store: storing chunk %d of file %q: %w", seq, f.Name, err)
		}
		return nil
	})
	if err == nil {
		f.Size, f.SHA256 = size, sum
		err = s.nameContent(ctx, f, id)
	}
	if err != nil {
		// The old file stays; the new content goes (if this fails too,
		// the next PutFileStream after staleUpload drops it).
		s.dropContent(context.WithoutCancel(ctx), id)
		return err
	}
	return nil
}

// nameContent makes file f's row name content id, in one transaction
// that also drops the content the row named before.
func (s *SQLite) nameContent(ctx context.Context, f *File, id int64) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE file_contents SET complete=1 WHERE id=? AND complete=0`, id)
	if err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: storing file %q: %w", f.Name, errStaleUpload)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO files (`+sqliteFileCols+`, content_id) VALUES (?,?,?,?,?,?,?,?,?)
		ON CONFLICT (name) DO UPDATE SET file_type=excluded.file_type, oui=excluded.oui, product_class=excluded.product_class,
		version=excluded.version, size=excluded.size, created=excluded.created, meta=excluded.meta, content_id=excluded.content_id`,
		f.Name, f.FileType, f.OUI, f.ProductClass, f.Version, f.Size, unix(f.Created), f.meta(), id); err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	if err := s.dropUnnamedContents(ctx, tx); err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: storing file %q: %w", f.Name, err)
	}
	return nil
}

type sqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *SQLite) dropUnnamedContents(ctx context.Context, db sqlExecer) error {
	cutoff := unix(time.Now().Add(-staleUpload))
	if _, err := db.ExecContext(ctx, sqliteDropUnnamedChunks, cutoff); err != nil {
		return fmt.Errorf("dropping unused file contents: %w", err)
	}
	if _, err := db.ExecContext(ctx, sqliteDropUnnamedContents, cutoff); err != nil {
		return fmt.Errorf("dropping unused file contents: %w", err)
	}
	return nil
}

// dropContent drops an unfinished content (best effort: what is left is
// dropped once stale).
func (s *SQLite) dropContent(ctx context.Context, id int64) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_chunks WHERE content_id=?`, id); err != nil {
		return
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_contents WHERE id=? AND complete=0`, id); err != nil {
		return
	}
	_ = tx.Commit()
}

// OpenFile implements Store.
func (s *SQLite) OpenFile(ctx context.Context, name string) (FileReader, error) {
	f, id, err := s.fileRow(ctx, name)
	if err != nil {
		return nil, err
	}
	return newChunkReader(ctx, f, func(ctx context.Context, seq int64, buf []byte) ([]byte, error) {
		rows, err := s.r.QueryContext(ctx, `SELECT data FROM file_chunks WHERE content_id=? AND seq=?`, id, seq)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return nil, err
			}
			return nil, ErrNotFound
		}
		var data sql.RawBytes // the driver's bytes, copied once into buf
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		return append(buf, data...), nil
	}), nil
}

// FileInfo implements Store.
func (s *SQLite) FileInfo(ctx context.Context, name string) (*File, error) {
	f, _, err := s.fileRow(ctx, name)
	return f, err
}

func (s *SQLite) fileRow(ctx context.Context, name string) (*File, int64, error) {
	var f File
	var c, id int64
	var meta string
	err := s.r.QueryRowContext(ctx, `SELECT `+sqliteFileCols+`, content_id FROM files WHERE name=?`, name).
		Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, &c, &meta, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: file %q: %w", name, err)
	}
	f.Created = fromUnix(c)
	f.setMeta(meta)
	return &f, id, nil
}

// Files implements Store.
func (s *SQLite) Files(ctx context.Context) ([]*File, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sqliteFileCols+` FROM files ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*File{}
	for rows.Next() {
		var f File
		var c int64
		var meta string
		if err := rows.Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, &c, &meta); err != nil {
			return nil, err
		}
		f.Created = fromUnix(c)
		f.setMeta(meta)
		out = append(out, &f)
	}
	return out, rows.Err()
}

// DeleteFile implements Store: the row and its content go in one
// transaction.
func (s *SQLite) DeleteFile(ctx context.Context, name string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: deleting file %q: %w", name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM files WHERE name=?`, name)
	if err != nil {
		return fmt.Errorf("store: deleting file %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if err := s.dropUnnamedContents(ctx, tx); err != nil {
		return fmt.Errorf("store: deleting file %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: deleting file %q: %w", name, err)
	}
	return nil
}
