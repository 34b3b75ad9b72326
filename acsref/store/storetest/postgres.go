package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Environment variables of the PostgreSQL tests.
const (
	// EnvPostgres is the DSN of a PostgreSQL database the tests may
	// create schemas in ("postgres://user:pass@127.0.0.1:5432/db").
	EnvPostgres = "DMFORGE_TEST_POSTGRES"
	// EnvRequirePostgres set to 1 makes the PostgreSQL tests fail, not
	// skip, when EnvPostgres is unset (CI sets it).
	EnvRequirePostgres = "DMFORGE_REQUIRE_POSTGRES"
)

// PostgresDSN returns the DSN of a fresh, empty schema in the database of
// $DMFORGE_TEST_POSTGRES (its search_path names the schema), dropped when
// the test ends. Without the variable the test is skipped, or fails when
// $DMFORGE_REQUIRE_POSTGRES is 1.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "dmforge_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s=%s: %v", EnvPostgres, redact(base), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	return dsn
}

// connect opens one connection to the database of a store DSN (which may
// carry the pool's settings, pool_max_conns and the like).
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

// RequirePostgres returns $DMFORGE_TEST_POSTGRES; without it the test is
// skipped, or fails when $DMFORGE_REQUIRE_POSTGRES is 1.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		msg := EnvPostgres + " is not set: no PostgreSQL server to test against (bash .ci/run sets one up)"
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatal(msg + ", and " + EnvRequirePostgres + "=1 requires one")
		}
		t.Skip(msg)
	}
	return base
}

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parsing the DSN: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// redact hides the password of a URL DSN.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}
