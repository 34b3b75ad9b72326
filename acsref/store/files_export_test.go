package store

import (
	"context"
	"fmt"
	"slices"
)

// Test access to the file storage's tables (files_test.go).

// LegacyMigrations are the migrations of each store before the chunked
// file storage: a database at that version keeps files in files.data.
func LegacyMigrations() (sqlite, postgres []string) {
	i := slices.Index(migrations, fileChunksMigrationSQLite)
	j := slices.Index(pgMigrations, fileChunksMigrationPostgres)
	return migrations[:i], pgMigrations[:j]
}

// FileRows counts the contents and chunks st holds (named or not).
func FileRows(ctx context.Context, st Store) (contents, chunks int, err error) {
	const q = `SELECT (SELECT count(*) FROM file_contents), (SELECT count(*) FROM file_chunks)`
	switch s := st.(type) {
	case *SQLite:
		err = s.r.QueryRowContext(ctx, q).Scan(&contents, &chunks)
	case *Postgres:
		err = s.pool.QueryRow(ctx, q).Scan(&contents, &chunks)
	default:
		err = fmt.Errorf("FileRows: a %T", st)
	}
	return contents, chunks, err
}

// AgeFileContents moves the last-chunk time of every unfinished content
// back by staleUpload and a minute: as if its upload had died that long
// ago.
func AgeFileContents(ctx context.Context, st Store) error {
	back := staleUpload.Milliseconds() + 60_000
	switch s := st.(type) {
	case *SQLite:
		_, err := s.w.ExecContext(ctx, `UPDATE file_contents SET updated = updated - ? WHERE complete = 0`, back)
		return err
	case *Postgres:
		_, err := s.pool.Exec(ctx, `UPDATE file_contents SET updated = updated - $1 WHERE NOT complete`, back)
		return err
	}
	return fmt.Errorf("AgeFileContents: a %T", st)
}
