package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// PostgreSQL file storage (files.go): each chunk is one statement on a
// pool connection (no transaction held across the upload); the last
// transaction makes the files row name the new content and drops the
// contents no file names any more, in one statement so that a
// concurrent replacement cannot leave chunks without their content.

const (
	pgFileCols = `name, file_type, oui, product_class, version, size, created, meta`
	// pgDropUnnamed drops the complete contents no file names (the one a
	// replaced or deleted file had) and unfinished ones older than the
	// cut-off ($1, of a process that died mid-upload), with their chunks.
	pgDropUnnamed = `WITH gone AS (
		DELETE FROM file_contents c WHERE (c.complete OR c.updated < $1) AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id)
		RETURNING id)
		DELETE FROM file_chunks WHERE content_id IN (SELECT id FROM gone)`
)

// PutFile implements Store.
func (s *Postgres) PutFile(ctx context.Context, f *File) error { return putData(ctx, s, f) }

// PutFileStream implements Store.
func (s *Postgres) PutFileStream(ctx context.Context, f *File, content io.Reader, limit int64) error {
	if !storable(f.Name) {
		return fmt.Errorf("store: postgres: storing file %q: %w: the name", f.Name, ErrInvalid)
	}
	if f.Created.IsZero() {
		f.Created = time.Now().UTC()
	}
	what := fmt.Sprintf("storing file %q", f.Name)
	if _, err := s.pool.Exec(ctx, pgDropUnnamed, unix(time.Now().Add(-staleUpload))); err != nil {
		return pgErr(what, err)
	}
	var id int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO file_contents (complete, updated) VALUES (false, $1) RETURNING id`, unix(time.Now())).Scan(&id); err != nil {
		return pgErr(what, err)
	}
	size, sum, err := readChunks(f.Name, content, limit, func(seq int64, chunk []byte) error {
		// The content is still there unless an upload stalled past
		// staleUpload and was dropped; touched, it is not stale for
		// another staleUpload.
		tag, err := s.pool.Exec(ctx, `UPDATE file_contents SET updated = $1 WHERE id = $2 AND NOT complete`, unix(time.Now()), id)
		if err == nil && tag.RowsAffected() != 1 {
			err = errStaleUpload
		}
		if err == nil {
			err = s.copyChunk(ctx, id, seq, chunk)
		}
		return pgErr(fmt.Sprintf("storing chunk %d of file %q", seq, f.Name), err)
	})
	if err == nil {
		f.Size, f.SHA256 = size, sum
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE file_contents SET complete = true WHERE id = $1 AND NOT complete`, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return errStaleUpload
			}
			if _, err := tx.Exec(ctx, `INSERT INTO files (`+pgFileCols+`, content_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
				ON CONFLICT (name) DO UPDATE SET file_type=excluded.file_type, oui=excluded.oui, product_class=excluded.product_class,
				version=excluded.version, size=excluded.size, created=excluded.created, meta=excluded.meta, content_id=excluded.content_id`,
				f.Name, f.FileType, f.OUI, f.ProductClass, f.Version, f.Size, unix(f.Created), f.meta(), id); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, pgDropUnnamed, unix(time.Now().Add(-staleUpload)))
			return err
		})
		err = pgErr(what, err)
	}
	if err != nil {
		// The old file stays; the new content goes (if this fails too,
		// the next PutFileStream after staleUpload drops it).
		_, _ = s.pool.Exec(context.WithoutCancel(ctx), `WITH gone AS (DELETE FROM file_contents WHERE id = $1 AND NOT complete RETURNING id)
			DELETE FROM file_chunks WHERE content_id IN (SELECT id FROM gone)`, id)
		return err
	}
	return nil
}

// copyChunk inserts one chunk with COPY FROM STDIN in binary format:
// pgconn sends the chunk from its own 64 KiB buffer, where a bytea
// parameter of Exec would be copied twice into fresh buffers of the
// chunk's size (2 MiB allocated per MiB stored).
func (s *Postgres) copyChunk(ctx context.Context, id, seq int64, chunk []byte) error {
	// PGCOPY header, one tuple of three fields (content_id int8, seq
	// int4, data bytea) and the trailer.
	var head [19 + 2 + 4 + 8 + 4 + 4 + 4]byte
	h := append(head[:0], "PGCOPY\n\xff\r\n\x00"...)
	h = binary.BigEndian.AppendUint32(h, 0) // flags
	h = binary.BigEndian.AppendUint32(h, 0) // header extension length
	h = binary.BigEndian.AppendUint16(h, 3)
	h = binary.BigEndian.AppendUint32(h, 8)
	h = binary.BigEndian.AppendUint64(h, uint64(id))
	h = binary.BigEndian.AppendUint32(h, 4)
	h = binary.BigEndian.AppendUint32(h, uint32(seq))
	h = binary.BigEndian.AppendUint32(h, uint32(len(chunk)))
	trailer := []byte{0xff, 0xff}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_, err = conn.Conn().PgConn().CopyFrom(ctx, io.MultiReader(bytes.NewReader(h), bytes.NewReader(chunk), bytes.NewReader(trailer)),
		`COPY file_chunks (content_id, seq, data) FROM STDIN (FORMAT binary)`)
	return err
}

// OpenFile implements Store.
func (s *Postgres) OpenFile(ctx context.Context, name string) (FileReader, error) {
	f, id, err := s.fileRow(ctx, name)
	if err != nil {
		return nil, err
	}
	return newChunkReader(ctx, f, func(ctx context.Context, seq int64, buf []byte) ([]byte, error) {
		rows, err := s.pool.Query(ctx, `SELECT data FROM file_chunks WHERE content_id=$1 AND seq=$2`, id, seq)
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
		var data pgtype.DriverBytes // the connection's buffer, copied once into buf
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		return append(buf, data...), nil
	}), nil
}

// FileInfo implements Store.
func (s *Postgres) FileInfo(ctx context.Context, name string) (*File, error) {
	f, _, err := s.fileRow(ctx, name)
	return f, err
}

func (s *Postgres) fileRow(ctx context.Context, name string) (*File, int64, error) {
	if !storable(name) {
		return nil, 0, ErrNotFound
	}
	var f File
	var c, id int64
	var meta string
	err := s.pool.QueryRow(ctx, `SELECT `+pgFileCols+`, content_id FROM files WHERE name=$1`, name).
		Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, &c, &meta, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, pgErr(fmt.Sprintf("file %q", name), err)
	}
	f.Created = fromUnix(c)
	f.setMeta(meta)
	return &f, id, nil
}

// Files implements Store.
func (s *Postgres) Files(ctx context.Context) ([]*File, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+pgFileCols+` FROM files ORDER BY name`)
	if err != nil {
		return nil, pgErr("files", err)
	}
	defer rows.Close()
	out := []*File{}
	for rows.Next() {
		var f File
		var c int64
		var meta string
		if err := rows.Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, &c, &meta); err != nil {
			return nil, pgErr("files", err)
		}
		f.Created = fromUnix(c)
		f.setMeta(meta)
		out = append(out, &f)
	}
	return out, pgErr("files", rows.Err())
}

// DeleteFile implements Store: the row and its content go in one
// transaction.
func (s *Postgres) DeleteFile(ctx context.Context, name string) error {
	if !storable(name) {
		return ErrNotFound
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM files WHERE name=$1`, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		_, err = tx.Exec(ctx, pgDropUnnamed, unix(time.Now().Add(-staleUpload)))
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	return pgErr(fmt.Sprintf("deleting file %q", name), err)
}
