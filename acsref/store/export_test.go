package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"
)

// LegacySQLite creates the SQLite database at path with the schema as it
// was before the compact parameters (the migrations before
// paramsMigrationSQLite), for the migration test to fill.
func LegacySQLite(path string) (*sql.DB, error) {
	i := slices.Index(migrations, paramsMigrationSQLite)
	if i < 0 {
		return nil, fmt.Errorf("paramsMigrationSQLite is not in the migrations")
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := migrate(db, migrations[:i]); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// LegacyPostgres is LegacySQLite for PostgreSQL (a fresh schema's DSN).
func LegacyPostgres(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	i := slices.Index(pgMigrations, paramsMigrationPostgres)
	if i < 0 {
		return nil, fmt.Errorf("paramsMigrationPostgres is not in the migrations")
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Postgres{pool: pool}
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.migrate(ctx, pgMigrations[:i]); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// TableBytes is the size on disk of the tables that hold devices,
// parameters and findings (with their indexes and TOAST), after VACUUM.
func (s *Postgres) TableBytes(ctx context.Context) (int64, error) {
	var n int64
	for _, t := range []string{"devices", "device_keys", "paths", "texts", "parameters", "findings"} {
		var m int64
		if err := s.pool.QueryRow(ctx, `SELECT coalesce(pg_total_relation_size(to_regclass($1)), -1)`, t).Scan(&m); err != nil {
			return 0, err
		}
		if m < 0 {
			continue // not in this schema version
		}
		if _, err := s.pool.Exec(ctx, `VACUUM `+t); err != nil {
			return 0, err
		}
		if err := s.pool.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, t).Scan(&m); err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}
