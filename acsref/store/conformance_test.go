package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// TestSQLite runs the conformance suite against the SQLite store.
func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() (store.Store, error) {
		path := filepath.Join(t.TempDir(), "s.db")
		return func() (store.Store, error) { return store.OpenSQLite(path) }
	})
}

// TestPostgres runs the conformance suite against the PostgreSQL store,
// each test in a fresh schema of $DMFORGE_TEST_POSTGRES.
func TestPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	storetest.Run(t, func(t *testing.T) func() (store.Store, error) {
		dsn := storetest.PostgresDSN(t)
		return func() (store.Store, error) { return store.OpenPostgres(context.Background(), dsn) }
	})
}

// TestOpen: locations pick the store; unknown schemes are refused by
// name.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db"), "file://" + filepath.Join(dir, "c.db")} {
		st, err := store.Open(loc)
		if err != nil {
			t.Fatalf("Open(%q): %v", loc, err)
		}
		if _, ok := st.(*store.SQLite); !ok {
			t.Fatalf("Open(%q) = %T, want *store.SQLite", loc, st)
		}
		st.Close()
	}
	for _, loc := range []string{"", "mysql://x/y", "sqlite://"} {
		if st, err := store.Open(loc); err == nil {
			st.Close()
			t.Fatalf("Open(%q): no error", loc)
		}
	}
	if _, err := store.Open("redis://h/0"); err == nil || !strings.Contains(err.Error(), `"redis"`) || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("Open of an unknown scheme: %v, want one naming the scheme and the supported ones", err)
	}
}

// TestOpenPostgres: postgres:// and postgresql:// URLs open the
// PostgreSQL store.
func TestOpenPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	for _, loc := range []string{dsn, "postgresql" + dsn[len("postgres"):]} {
		st, err := store.Open(loc)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, ok := st.(*store.Postgres); !ok {
			t.Fatalf("Open = %T, want *store.Postgres", st)
		}
		st.Close()
	}
}

// TestSQLitePrivateFiles: the database file and its WAL are created
// readable by their owner only (they hold CPE credentials).
func TestSQLitePrivateFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutCredential(context.Background(), "u", "secret", ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want no access for group and others", p, fi.Mode().Perm())
		}
	}
}

// TestSQLiteMigration: a database of the schema before the compact
// parameters, filled with old rows, opens with this code and reads back
// the same (storetest.RunMigration).
func TestSQLiteMigration(t *testing.T) {
	storetest.RunMigration(t, func(t *testing.T) storetest.Legacy {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := store.LegacySQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Legacy{
			Parameter: func(dev, name, value, typ string, writable *bool, object bool, updated int64) error {
				w := -1
				if writable != nil {
					w = map[bool]int{false: 0, true: 1}[*writable]
				}
				_, err := db.Exec(`INSERT INTO parameters (device_id, name, value, type, writable, object, updated) VALUES (?,?,?,?,?,?,?)`,
					dev, name, value, typ, w, map[bool]int{false: 0, true: 1}[object], updated)
				return err
			},
			Finding: func(dev, path, rule, message, value, model string, first, last int64) error {
				_, err := db.Exec(`INSERT INTO findings (device_id, path, rule, message, value, model, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?)`,
					dev, path, rule, message, value, model, first, last)
				return err
			},
			Close: func() { db.Close() },
			Open:  func() (store.Store, error) { return store.OpenSQLite(path) },
		}
	})
}

// TestPostgresMigration is TestSQLiteMigration on PostgreSQL.
func TestPostgresMigration(t *testing.T) {
	storetest.RequirePostgres(t)
	storetest.RunMigration(t, func(t *testing.T) storetest.Legacy {
		dsn := storetest.PostgresDSN(t)
		ctx := context.Background()
		pool, err := store.LegacyPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Legacy{
			Parameter: func(dev, name, value, typ string, writable *bool, object bool, updated int64) error {
				_, err := pool.Exec(ctx, `INSERT INTO parameters (device_id, name, value, type, writable, object, updated) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
					dev, name, value, typ, writable, object, updated)
				return err
			},
			Finding: func(dev, path, rule, message, value, model string, first, last int64) error {
				_, err := pool.Exec(ctx, `INSERT INTO findings (device_id, path, rule, message, value, model, first_seen, last_seen) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
					dev, path, rule, message, value, model, first, last)
				return err
			},
			Close: pool.Close,
			Open:  func() (store.Store, error) { return store.OpenPostgres(ctx, dsn) },
		}
	})
}

// TestNewerSchemaRefused: a database a later dmforge upgraded is refused
// with an error that says so (and, for SQLite, names the file), by both
// stores, instead of being read with a schema this dmforge does not know.
func TestNewerSchemaRefused(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "later.db")
		st, err := store.OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var v int
		if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+3)); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if st, err := store.OpenSQLite(path); err == nil || !strings.Contains(err.Error(), "newer than this dmforge knows") || !strings.Contains(err.Error(), path) {
			if st != nil {
				st.Close()
			}
			t.Errorf("opening a later schema: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		storetest.RequirePostgres(t)
		dsn := storetest.PostgresDSN(t)
		st, err := store.OpenPostgres(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		conn := pgConn(t, dsn)
		if _, err := conn.Exec(context.Background(), `UPDATE schema_version SET version = version + 3`); err != nil {
			t.Fatal(err)
		}
		if st, err := store.OpenPostgres(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "newer than this dmforge knows") {
			if st != nil {
				st.Close()
			}
			t.Errorf("opening a later schema: %v", err)
		}
	})
}
