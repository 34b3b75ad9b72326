package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// legacyFile is a file as the stores kept it before chunks: its whole
// content in files.data.
type legacyFile struct {
	name, meta string
	data       []byte
}

func legacyFiles(t *testing.T) []legacyFile {
	big, err := io.ReadAll(storetest.Content(11, 2*store.FileChunkSize+777))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(big)
	return []legacyFile{
		{"empty", `{}`, []byte{}},
		{"small.cfg", ``, []byte("hello")}, // from before the meta column had a checksum
		{"fw/big.bin", fmt.Sprintf(`{"modelName":"B-1","sha256":%q}`, hex.EncodeToString(sum[:])), big},
		{"exact.bin", `{}`, big[:store.FileChunkSize]},
	}
}

// checkMigrated: every legacy file reads back with its bytes, size and
// metadata, and its content is in chunks.
func checkMigrated(t *testing.T, st store.Store, files []legacyFile) {
	t.Helper()
	ctx := context.Background()
	for _, lf := range files {
		r, err := st.OpenFile(ctx, lf.name)
		if err != nil {
			t.Fatalf("%s after the migration: %v", lf.name, err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != string(lf.data) || r.Info().Size != int64(len(lf.data)) {
			t.Fatalf("%s after the migration: %d bytes (want %d), %v", lf.name, len(got), len(lf.data), err)
		}
	}
	if info, err := st.FileInfo(ctx, "fw/big.bin"); err != nil || info.ModelName != "B-1" || info.SHA256 == "" || info.Version != "7" {
		t.Fatalf("metadata after the migration: %+v %v", info, err)
	}
	contents, chunks, err := store.FileRows(ctx, st)
	if err != nil || contents != len(files) || chunks != 0+1+3+1 {
		t.Fatalf("after the migration: %d contents, %d chunks (%v); want %d and 5", contents, chunks, err, len(files))
	}
	// Replacing a migrated file drops its old chunks.
	if err := st.PutFile(ctx, &store.File{Name: "fw/big.bin", Data: []byte("v2")}); err != nil {
		t.Fatal(err)
	}
	if contents, chunks, _ := store.FileRows(ctx, st); contents != len(files) || chunks != 0+1+1+1 {
		t.Fatalf("after replacing: %d contents, %d chunks", contents, chunks)
	}
}

// TestFileMigrationSQLite: a database whose files are in the old data
// column keeps them when opened by this version.
func TestFileMigrationSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	legacy, _ := store.LegacyMigrations()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range legacy {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("legacy migration %d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(legacy))); err != nil {
		t.Fatal(err)
	}
	files := legacyFiles(t)
	for _, lf := range files {
		if _, err := db.Exec(`INSERT INTO files (name, version, size, data, created, meta) VALUES (?,?,?,?,?,?)`,
			lf.name, "7", len(lf.data), lf.data, time.Now().UnixMilli(), lf.meta); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatalf("opening the legacy database: %v", err)
	}
	defer st.Close()
	checkMigrated(t, st, files)
}

// TestFileMigrationPostgres: the same on PostgreSQL.
func TestFileMigrationPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	_, legacy := store.LegacyMigrations()
	conn := pgConn(t, dsn)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range legacy {
		if _, err := tx.Exec(ctx, m); err != nil {
			t.Fatalf("legacy migration %d: %v", i+1, err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (`+fmt.Sprint(len(legacy))+`)`); err != nil {
		t.Fatal(err)
	}
	files := legacyFiles(t)
	for _, lf := range files {
		if _, err := tx.Exec(ctx, `INSERT INTO files (name, version, size, data, created, meta) VALUES ($1,$2,$3,$4,$5,$6)`,
			lf.name, "7", len(lf.data), lf.data, time.Now().UnixMilli(), lf.meta); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatalf("opening the legacy database: %v", err)
	}
	defer st.Close()
	checkMigrated(t, st, files)
	var cols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'files' AND column_name = 'data'`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("the data column is still there (%d, %v)", cols, err)
	}
}

// TestFileContentsCleanup, on both stores: refused and truncated puts
// leave no chunk behind, a replaced or deleted file's chunks go, and the
// content of an upload that stalled past the stale time is dropped by
// the next put (the stalled upload then fails rather than name a
// content without its chunks).
func TestFileContentsCleanup(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testFileContentsCleanup(t, st)
	})
	t.Run("Postgres", func(t *testing.T) {
		st, err := store.OpenPostgres(context.Background(), storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testFileContentsCleanup(t, st)
	})
}

func testFileContentsCleanup(t *testing.T, st store.Store) {
	ctx := context.Background()
	rows := func(wantContents, wantChunks int, when string) {
		t.Helper()
		c, k, err := store.FileRows(ctx, st)
		if err != nil || c != wantContents || k != wantChunks {
			t.Fatalf("%s: %d contents, %d chunks (%v); want %d, %d", when, c, k, err, wantContents, wantChunks)
		}
	}
	if err := st.PutFileStream(ctx, &store.File{Name: "a"}, storetest.Content(1, 2*store.FileChunkSize), 0); err != nil {
		t.Fatal(err)
	}
	rows(1, 2, "one file of two chunks")
	if err := st.PutFileStream(ctx, &store.File{Name: "a"}, storetest.Content(2, 3*store.FileChunkSize), 2*store.FileChunkSize); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	rows(1, 2, "a refused put")
	if err := st.PutFileStream(ctx, &store.File{Name: "b"}, io.MultiReader(storetest.Content(3, store.FileChunkSize+1), errReader{}), 0); err == nil {
		t.Fatal("a failing reader: no error")
	}
	rows(1, 2, "a failed put")
	if err := st.PutFileStream(ctx, &store.File{Name: "a"}, storetest.Content(4, store.FileChunkSize+1), 0); err != nil {
		t.Fatal(err)
	}
	rows(1, 2, "a replacement of two chunks")
	// An upload that stalls after its first chunk.
	pr, pw := io.Pipe()
	stalled := make(chan error, 1)
	go func() { stalled <- st.PutFileStream(ctx, &store.File{Name: "stalled"}, pr, 0) }()
	if _, err := io.Copy(pw, storetest.Content(5, store.FileChunkSize+1)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, k, _ := store.FileRows(ctx, st); k == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalled upload's first chunk never arrived")
		}
	}
	if _, err := st.FileInfo(ctx, "stalled"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unfinished upload is visible: %v", err)
	}
	if err := store.AgeFileContents(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(ctx, &store.File{Name: "c", Data: []byte("c")}); err != nil {
		t.Fatal(err)
	}
	rows(2, 3, "the stale upload's content dropped")
	pw.Close()
	if err := <-stalled; err == nil {
		t.Fatal("the upload whose content was dropped succeeded")
	}
	if _, err := st.FileInfo(ctx, "stalled"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the dropped upload is stored: %v", err)
	}
	rows(2, 3, "the dropped upload's end")
	for _, name := range []string{"a", "c"} {
		if err := st.DeleteFile(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	rows(0, 0, "all deleted")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
