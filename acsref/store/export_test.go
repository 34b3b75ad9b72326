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
