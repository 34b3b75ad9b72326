package store_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func pgConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg.ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPostgresConcurrentMigrations: processes that open a new database at
// once create the schema once (the migration lock), all of them
// succeeding; a schema newer than the code is refused.
func TestPostgresConcurrentMigrations(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	const n = 6
	var wg sync.WaitGroup
	stores := make([]*store.Postgres, n)
	errs := make([]error, n)
	for i := range stores {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			stores[i], errs[i] = store.OpenPostgres(context.Background(), dsn)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		stores[i].Close()
	}
	conn := pgConn(t, dsn)
	var rows, version int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || version < 1 {
		t.Fatalf("schema_version: %d rows, version %d", rows, version)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	if st, err := store.OpenPostgres(context.Background(), dsn); err == nil {
		st.Close()
		t.Fatal("a schema newer than the code: no error")
	} else if !strings.Contains(err.Error(), "999") {
		t.Fatalf("a schema newer than the code: %v", err)
	}
}

// TestPostgresSchemas: stores in different schemas of one database are
// apart: their data and their device locks.
func TestPostgresSchemas(t *testing.T) {
	ctx := context.Background()
	a, err := store.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Commit(ctx, &store.Batch{Device: &store.Device{ID: "D"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Device(ctx, "D"); err != store.ErrNotFound {
		t.Fatalf("device of another schema: %v", err)
	}
	ua, err := a.LockDevice(ctx, "D")
	if err != nil {
		t.Fatal(err)
	}
	defer ua()
	ub, err := b.LockDevice(ctx, "D")
	if err != nil {
		t.Fatalf("lock of the same device id in another schema: %v", err)
	}
	ub()
}

// TestPostgresLockConnectionLost: when the connection holding device locks
// breaks (here: terminated by the server), the locks still held are taken
// back on a new connection, and the store keeps locking.
func TestPostgresLockConnectionLost(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// a's connections carry a name of their own, to find its lock
	// connection among those of the tests running meanwhile.
	app := "t_" + u.Query().Get("search_path")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	a, err := store.OpenPostgres(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	unlock, err := a.LockDevice(ctx, "D")
	if err != nil {
		t.Fatal(err)
	}
	conn := pgConn(t, dsn)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
		WHERE l.locktype = 'advisory' AND s.application_name = $1`, app).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminating the lock connection: %d terminated, %v", n, err)
	}
	// The next use of that connection reconnects and takes the lock back;
	// a lock on the same connection shard does it (same device again: a
	// stacked lock).
	again, err := a.LockDevice(ctx, "D")
	if err != nil {
		t.Fatalf("LockDevice after the connection was lost: %v", err)
	}
	if _, err := b.LockDevice(ctx, "D"); err == nil {
		t.Fatal("the lock was not taken back: another store got it")
	}
	again()
	unlock()
	ub, err := b.LockDevice(ctx, "D")
	if err != nil {
		t.Fatalf("after both unlocks: %v", err)
	}
	ub()
}
