package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
)

// The chunked file storage: streamed writes with a limit, reads chunk by
// chunk with seeks, atomic replacement and deletion.

// readFile reads a whole stored file (the tests' files are small) into
// its Data.
func readFile(st store.Store, name string) (*store.File, error) {
	r, err := st.OpenFile(bg, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f := r.Info()
	if f.Data, err = io.ReadAll(r); err != nil {
		return nil, err
	}
	return f, nil
}

// Content is n bytes of reproducible noise, generated as read (seed
// picks the bytes): a file no test holds in memory to write it.
func Content(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// ContentSHA256 is the hex SHA-256 of Content(seed, n).
func ContentSHA256(seed uint64, n int64) string {
	h := sha256.New()
	if _, err := io.Copy(h, Content(seed, n)); err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cutReader is a request body cut short: its bytes, then err.
type cutReader struct {
	r   io.Reader
	err error
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, c.err
	}
	return n, err
}

// multiChunk is the size of the tests' multi-chunk file: three whole
// chunks and a part.
const multiChunk = 3*store.FileChunkSize + 12345

// testFileChunks: a file of several chunks round-trips with its
// checksum, read whole, across chunk boundaries by seeks, and from the
// end; exactly the limit is accepted.
func testFileChunks(t *testing.T, e *env) {
	st := e.store()
	f := &store.File{Name: "fw/big.bin", FileType: "1 Firmware Upgrade Image", Version: "3"}
	if err := st.PutFileStream(bg, f, Content(1, multiChunk), multiChunk); err != nil {
		t.Fatalf("PutFileStream at exactly the limit: %v", err)
	}
	want := ContentSHA256(1, multiChunk)
	if f.Size != multiChunk || f.SHA256 != want || f.Created.IsZero() {
		t.Fatalf("PutFileStream filled size %d sha %s created %v, want %d %s", f.Size, f.SHA256, f.Created, multiChunk, want)
	}
	info, err := st.FileInfo(bg, f.Name)
	if err != nil || info.Size != multiChunk || info.SHA256 != want || info.Version != "3" || info.Data != nil {
		t.Fatalf("FileInfo %+v %v", info, err)
	}
	r, err := st.OpenFile(bg, f.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Info(); got.Size != multiChunk || got.SHA256 != want || got.FileType != f.FileType {
		t.Fatalf("reader info %+v", got)
	}
	h := sha256.New()
	if n, err := io.Copy(h, r); err != nil || n != multiChunk || hex.EncodeToString(h.Sum(nil)) != want {
		t.Fatalf("reading back: %d bytes, %v, sha %x", n, err, h.Sum(nil))
	}
	// Ranges, as http.ServeContent reads them: across the boundary of
	// chunks 1 and 2, the last bytes, and past the end.
	all, _ := io.ReadAll(Content(1, multiChunk))
	for _, rg := range []struct{ off, n int64 }{
		{2*store.FileChunkSize - 100, 300}, {0, 10}, {multiChunk - 7, 7}, {store.FileChunkSize, store.FileChunkSize + 1},
	} {
		if _, err := r.Seek(rg.off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, rg.n)
		if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, all[rg.off:rg.off+rg.n]) {
			t.Fatalf("range %d+%d: %v, bytes differ: %t", rg.off, rg.n, err, !bytes.Equal(got, all[rg.off:rg.off+rg.n]))
		}
	}
	if end, err := r.Seek(0, io.SeekEnd); err != nil || end != multiChunk {
		t.Fatalf("Seek to the end: %d %v", end, err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("read at the end: %d %v, want EOF", n, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("Seek before the start: no error")
	}
	if _, err := st.OpenFile(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("OpenFile of an unknown name: %v", err)
	}
	// The file survives a restart.
	st.Close()
	st = e.store()
	if got, err := readFile(st, f.Name); err != nil || int64(len(got.Data)) != multiChunk || !bytes.Equal(got.Data, all) || got.SHA256 != want {
		t.Fatalf("after a restart: %v", err)
	}
}

// testFileRefused: content over the limit, a body cut short and a
// cancelled context store nothing and leave the old file as it was; a
// later put of the same name works.
func testFileRefused(t *testing.T, e *env) {
	st := e.store()
	old := &store.File{Name: "cfg.bin", Version: "old"}
	if err := st.PutFileStream(bg, old, Content(2, store.FileChunkSize+5), 0); err != nil {
		t.Fatal(err)
	}
	oldSHA := old.SHA256
	check := func(what string) {
		t.Helper()
		got, err := readFile(st, "cfg.bin")
		if err != nil || got.Version != "old" || got.Size != store.FileChunkSize+5 || got.SHA256 != oldSHA {
			t.Fatalf("after %s: old file %+v %v", what, got, err)
		}
		sum := sha256.Sum256(got.Data)
		if hex.EncodeToString(sum[:]) != oldSHA {
			t.Fatalf("after %s: the old file's bytes changed", what)
		}
		if fs, _ := st.Files(bg); len(fs) != 1 {
			t.Fatalf("after %s: %d files, want 1", what, len(fs))
		}
	}
	limit := int64(2*store.FileChunkSize + 10)
	err := st.PutFileStream(bg, &store.File{Name: "cfg.bin", Version: "new"}, Content(3, limit+1), limit)
	var tl *store.TooLargeError
	if !errors.Is(err, store.ErrTooLarge) || !errors.As(err, &tl) || tl.Limit != limit || tl.Name != "cfg.bin" {
		t.Fatalf("over the limit: %v, want a TooLargeError of limit %d", err, limit)
	}
	check("a refused put")
	// A new name over the limit is not stored either.
	if err := st.PutFileStream(bg, &store.File{Name: "other.bin"}, Content(3, 3*store.FileChunkSize), store.FileChunkSize); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("new name over the limit: %v", err)
	}
	if _, err := st.FileInfo(bg, "other.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refused new file: %v", err)
	}
	check("a refused new file")
	// A body cut short after two chunks (what net/http gives for a
	// request shorter than its Content-Length).
	cut := &cutReader{r: Content(4, 2*store.FileChunkSize+100), err: io.ErrUnexpectedEOF}
	if err := st.PutFileStream(bg, &store.File{Name: "cfg.bin", Version: "new"}, cut, 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated content: %v, want io.ErrUnexpectedEOF", err)
	}
	check("a truncated put")
	// A context cancelled mid-upload (the client went away).
	ctx, cancel := context.WithCancel(bg)
	cancelling := &cutReader{r: io.MultiReader(Content(5, store.FileChunkSize+1), readFunc(func([]byte) (int, error) {
		cancel()
		return 0, io.EOF
	}), Content(5, store.FileChunkSize)), err: io.EOF}
	if err := st.PutFileStream(ctx, &store.File{Name: "cfg.bin", Version: "new"}, cancelling, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a context cancelled after its first chunk: %v, want context.Canceled", err)
	}
	check("a cancelled put")
	// The refusals left the name usable.
	nf := &store.File{Name: "cfg.bin", Version: "new"}
	if err := st.PutFileStream(bg, nf, Content(6, 10), 100); err != nil {
		t.Fatal(err)
	}
	if got, err := readFile(st, "cfg.bin"); err != nil || got.Version != "new" || got.SHA256 != ContentSHA256(6, 10) {
		t.Fatalf("replacement after refusals: %+v %v", got, err)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// testFileConcurrentReaders: readers at once, each with its own
// position, read the same bytes; a reader of a file replaced or deleted
// meanwhile fails at its next chunk instead of reading another
// content's bytes.
func testFileConcurrentReaders(t *testing.T, e *env) {
	st := e.store()
	if err := st.PutFileStream(bg, &store.File{Name: "fw.bin"}, Content(7, multiChunk), 0); err != nil {
		t.Fatal(err)
	}
	want := ContentSHA256(7, multiChunk)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := st.OpenFile(bg, "fw.bin")
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			// Start at a different chunk each, wrap around.
			off := int64(i%4) * store.FileChunkSize
			if _, err := r.Seek(off, io.SeekStart); err != nil {
				errs <- err
				return
			}
			tail, err := io.ReadAll(r)
			if err != nil {
				errs <- err
				return
			}
			r.Seek(0, io.SeekStart)
			head := make([]byte, off)
			if _, err := io.ReadFull(r, head); err != nil {
				errs <- err
				return
			}
			sum := sha256.Sum256(append(head, tail...))
			if got := hex.EncodeToString(sum[:]); got != want {
				errs <- fmt.Errorf("reader %d read sha %s, want %s", i, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A reader in chunk 0 while the file is replaced.
	r, err := st.OpenFile(bg, "fw.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first := make([]byte, 100)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFileStream(bg, &store.File{Name: "fw.bin"}, Content(8, multiChunk), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(store.FileChunkSize, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); err == nil {
		t.Fatalf("reader of a replaced file read %d bytes of another content", n)
	}
	if got, err := readFile(st, "fw.bin"); err != nil || got.SHA256 != ContentSHA256(8, multiChunk) {
		t.Fatalf("replaced file: %v", err)
	}
}

// testFileDelete: deleting a multi-chunk file removes it from every
// view, fails a reader still open on it, and frees the name.
func testFileDelete(t *testing.T, e *env) {
	st := e.store()
	if err := st.PutFileStream(bg, &store.File{Name: "gone.bin"}, Content(9, multiChunk), 0); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(bg, &store.File{Name: "kept.bin", Data: []byte("kept")}); err != nil {
		t.Fatal(err)
	}
	r, err := st.OpenFile(bg, "gone.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteFile(bg, "gone.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenFile(bg, "gone.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("OpenFile of a deleted file: %v", err)
	}
	if _, err := st.FileInfo(bg, "gone.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FileInfo of a deleted file: %v", err)
	}
	if fs, _ := st.Files(bg); len(fs) != 1 || fs[0].Name != "kept.bin" {
		t.Fatalf("Files after the delete: %+v", fs)
	}
	if _, err := r.Seek(2*store.FileChunkSize, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); err == nil {
		t.Fatalf("reader of a deleted file read %d bytes", n)
	}
	if err := st.DeleteFile(bg, "gone.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if got, err := readFile(st, "kept.bin"); err != nil || string(got.Data) != "kept" {
		t.Fatalf("the other file: %+v %v", got, err)
	}
	if err := st.PutFileStream(bg, &store.File{Name: "gone.bin"}, Content(10, 5), 0); err != nil {
		t.Fatal(err)
	}
	if got, err := readFile(st, "gone.bin"); err != nil || got.Size != 5 || got.SHA256 != ContentSHA256(10, 5) {
		t.Fatalf("the name put again: %+v %v", got, err)
	}
}
