package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Files are stored in chunks of FileChunkSize bytes (table file_chunks)
// that belong to a content (table file_contents); a files row names its
// content. Both stores use the same layout, so a file never has to fit
// in memory: PutFileStream writes a chunk at a time in short
// transactions (the SQLite writer and the PostgreSQL pool serve sessions
// between them), and only the last transaction, which makes the files
// row name the new content, makes the file visible. PostgreSQL large
// objects would also stream, but they live in the database-wide
// pg_largeobject catalog (outside the store's schema, so dropping the
// schema leaks them), are not deleted with their row (lo_unlink or
// vacuumlo), and are read through a transaction held open for the whole
// download; chunk rows are ordinary rows in the store's schema, read one
// short query per chunk.

// FileChunkSize is the size of a stored chunk (the last chunk of a file
// may be shorter; an empty file has none).
const FileChunkSize = 1 << 20

// staleUpload is how long an unfinished upload's content is kept after
// its last chunk: the content of a process that died mid-upload is
// dropped by the next PutFileStream after that.
const staleUpload = time.Hour

// errStaleUpload: an upload's content was dropped as stale (no chunk for
// staleUpload) while the upload was still going.
var errStaleUpload = errors.New("the upload stalled and its content was dropped")

// File is a file the ACS serves for Download (or received by Upload).
type File struct {
	Name         string `json:"name"`
	FileType     string `json:"fileType,omitempty"`
	OUI          string `json:"oui,omitempty"`
	ProductClass string `json:"productClass,omitempty"`
	Version      string `json:"version,omitempty"`
	// The firmware library's applicability: a Download of the file is
	// refused for a device whose OUI, product class (above), model name
	// or current software version (one of FromVersions) differs; empty
	// fields apply to every device.
	ModelName    string   `json:"modelName,omitempty"`
	FromVersions []string `json:"fromVersions,omitempty"`
	// SHA256 is the hex SHA-256 of the content, computed when stored.
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size"`
	// Data is the content PutFile stores, for small files held in
	// memory anyway (tests, the conformance driver); the stores never
	// fill it: read a file with OpenFile.
	Data    []byte    `json:"-"`
	Created time.Time `json:"created"`
}

// FileStore is the file storage both stores implement (files_sqlite.go,
// files_postgres.go).
type FileStore interface {
	// PutFileStream stores content as file f (replacing a file of that
	// name), reading it chunk by chunk: it sets f.Size, f.SHA256 and
	// f.Created (if zero). Past limit bytes (limit > 0) it stops reading
	// and returns an error matching ErrTooLarge (a *TooLargeError). On
	// any error — content over the limit, a read error of content (a
	// truncated request body), a cancelled ctx — nothing is stored and
	// the file of that name, if any, is left as it was.
	PutFileStream(ctx context.Context, f *File, content io.Reader, limit int64) error
	// PutFile stores f.Data as file f: PutFileStream without limit, for
	// content already in memory.
	PutFile(ctx context.Context, f *File) error
	// OpenFile opens a file for reading chunk by chunk (a chunk in
	// memory at a time); ErrNotFound if there is none. The reader reads
	// the content of the file at the time of OpenFile: if the file is
	// replaced or deleted meanwhile, a read of a chunk no longer stored
	// fails (it never returns another file's bytes).
	OpenFile(ctx context.Context, name string) (FileReader, error)
	// FileInfo is the metadata of a file (Data nil).
	FileInfo(ctx context.Context, name string) (*File, error)
	Files(ctx context.Context) ([]*File, error) // metadata, by name
	DeleteFile(ctx context.Context, name string) error
}

// FileReader reads a stored file; Seek allows ranges (http.ServeContent).
type FileReader interface {
	io.ReadSeekCloser
	// Info is the file's metadata (Data nil).
	Info() *File
}

// ErrTooLarge: content over the limit of PutFileStream.
var ErrTooLarge = errors.New("file too large")

// TooLargeError is the error of a PutFileStream past its limit.
type TooLargeError struct {
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("store: file %q: more than %d bytes, the limit", e.Name, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// fileMeta is what a file row keeps in its meta column (JSON): the
// fields added after the first schema, in one column both stores share.
type fileMeta struct {
	ModelName    string   `json:"modelName,omitempty"`
	FromVersions []string `json:"fromVersions,omitempty"`
	SHA256       string   `json:"sha256,omitempty"`
}

func (f *File) meta() string {
	b, _ := json.Marshal(fileMeta{ModelName: f.ModelName, FromVersions: f.FromVersions, SHA256: f.SHA256})
	return string(b)
}

func (f *File) setMeta(s string) {
	var m fileMeta
	if json.Unmarshal([]byte(s), &m) == nil {
		f.ModelName, f.FromVersions, f.SHA256 = m.ModelName, m.FromVersions, m.SHA256
	}
}

// fileMetaMigration adds the meta column (the same statement for both
// stores).
const fileMetaMigration = `ALTER TABLE files ADD COLUMN meta TEXT NOT NULL DEFAULT '';`

// putData is PutFile for both stores.
func putData(ctx context.Context, st FileStore, f *File) error {
	return st.PutFileStream(ctx, f, bytes.NewReader(f.Data), 0)
}

// readChunks reads content in chunks of FileChunkSize, handing each to
// put (the buffer is reused: put must not keep it), and returns the size
// and hex SHA-256 of the content. Past limit (> 0) it stops with a
// *TooLargeError. Only io.EOF ends the content: any other error of
// content (io.ErrUnexpectedEOF of a request body cut short among them)
// is returned, wrapped.
func readChunks(name string, content io.Reader, limit int64, put func(seq int64, chunk []byte) error) (int64, string, error) {
	buf := make([]byte, FileChunkSize)
	h := sha256.New()
	var size int64
	for seq := int64(0); ; seq++ {
		n, eof, err := fill(content, buf)
		if err != nil {
			return 0, "", fmt.Errorf("store: reading the content of file %q: %w", name, err)
		}
		size += int64(n)
		if limit > 0 && size > limit {
			return 0, "", &TooLargeError{Name: name, Limit: limit}
		}
		if n > 0 {
			h.Write(buf[:n])
			if err := put(seq, buf[:n]); err != nil {
				return 0, "", err
			}
		}
		if eof {
			return size, hex.EncodeToString(h.Sum(nil)), nil
		}
	}
}

// fill reads r until buf is full or r ends (eof).
func fill(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// chunkReader is the FileReader of both stores: it keeps one chunk in
// memory and loads the chunk holding the read position on demand.
type chunkReader struct {
	ctx  context.Context
	info *File
	// load reads chunk seq into buf (reused), returning the chunk;
	// ErrNotFound if the chunk is not stored.
	load   func(ctx context.Context, seq int64, buf []byte) ([]byte, error)
	pos    int64
	seq    int64 // of chunk; -1 for none
	chunk  []byte
	buf    []byte
	closed bool
}

func newChunkReader(ctx context.Context, info *File, load func(context.Context, int64, []byte) ([]byte, error)) *chunkReader {
	return &chunkReader{ctx: ctx, info: info, load: load, seq: -1}
}

func (r *chunkReader) Info() *File { c := *r.info; return &c }

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errors.New("store: read of a closed file")
	}
	if r.pos >= r.info.Size {
		return 0, io.EOF
	}
	seq := r.pos / FileChunkSize
	if seq != r.seq {
		if r.buf == nil {
			r.buf = make([]byte, 0, min(int64(FileChunkSize), r.info.Size))
		}
		chunk, err := r.load(r.ctx, seq, r.buf[:0])
		want := min(int64(FileChunkSize), r.info.Size-seq*FileChunkSize)
		if errors.Is(err, ErrNotFound) || (err == nil && int64(len(chunk)) != want) {
			r.seq = -1
			return 0, fmt.Errorf("store: file %q: chunk %d is gone: the file was replaced or deleted while being read", r.info.Name, seq)
		}
		if err != nil {
			r.seq = -1
			return 0, fmt.Errorf("store: file %q: reading chunk %d: %w", r.info.Name, seq, err)
		}
		r.seq, r.chunk = seq, chunk
	}
	n := copy(p, r.chunk[r.pos-r.seq*FileChunkSize:])
	r.pos += int64(n)
	return n, nil
}

func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.info.Size + offset
	default:
		return 0, errors.New("store: Seek: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("store: Seek: negative position")
	}
	r.pos = abs
	return abs, nil
}

func (r *chunkReader) Close() error {
	r.closed, r.chunk, r.buf = true, nil, nil
	return nil
}
