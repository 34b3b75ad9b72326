package acsref

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// Default size limits of stored files.
const (
	defaultMaxFileSize   = 256 << 20 // NBI PUT /files
	defaultMaxUploadSize = 64 << 20  // CWMP uploads (Upload RPC)
)

func (s *Server) maxFileSize() int64 {
	if s.cfg.MaxFileSize > 0 {
		return s.cfg.MaxFileSize
	}
	return defaultMaxFileSize
}

func (s *Server) maxUploadSize() int64 {
	if s.cfg.MaxUploadSize > 0 {
		return s.cfg.MaxUploadSize
	}
	return defaultMaxUploadSize
}

// errTooLarge is a body over its limit.
var errTooLarge = errors.New("request body too large")

// readBounded reads a request body of at most limit bytes: a declared
// Content-Length over the limit is refused before reading, an undeclared
// one when the limit is passed. The buffer is sized from Content-Length
// (no doubling growth for large files).
func readBounded(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d bytes", errTooLarge, r.ContentLength, limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// bodyErr answers a readBounded error: 413 for a body over its limit.
func bodyError(err error) *APIError {
	if errors.Is(err, errTooLarge) {
		return apiErr(http.StatusRequestEntityTooLarge, "too-large", err.Error())
	}
	return badRequest(err.Error())
}

// receiveUpload stores the file of an Upload task: only at the path of
// an open upload task, only from a CPE that may act for its device, and
// within the upload size limit (413 beyond). The body streams into the
// store (a chunk in memory at a time).
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request) {
	t, err := s.uploadTask(r.Context(), r.PathValue("name"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if !s.mayActFor(r.Context(), t.DeviceID) {
		http.Error(w, "the upload path of another device", http.StatusForbidden)
		return
	}
	f := &store.File{Name: "uploads/" + r.PathValue("name"), FileType: "upload"}
	if err := s.storeBody(r, f, s.maxUploadSize()); err != nil {
		switch {
		case errors.Is(err, errTooLarge):
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		case errors.Is(err, errBadBody):
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			s.log.Error("acs: storing upload", "device", t.DeviceID, "err", err)
			http.Error(w, "ACS error", http.StatusInternalServerError)
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// errBadBody: the request body could not be read to its end (the client
// went away, sent less than its Content-Length, or trickled too slowly).
var errBadBody = errors.New("reading the request body")

// storeBody streams a request body into the store as file f, at most
// limit bytes: a declared Content-Length over the limit is refused before
// reading, an undeclared one once the limit is passed (errTooLarge). A
// body that fails to arrive whole is errBadBody; either way nothing is
// stored and a file of that name stays as it was.
func (s *Server) storeBody(r *http.Request, f *store.File, limit int64) error {
	if r.ContentLength > limit {
		return fmt.Errorf("%w: Content-Length %d, limit %d bytes", errTooLarge, r.ContentLength, limit)
	}
	body := &bodyReader{r: r.Body}
	err := s.st.PutFileStream(r.Context(), f, body, limit)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrTooLarge):
		return fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	case body.err != nil:
		return fmt.Errorf("%w: %v", errBadBody, body.err)
	}
	return err
}

// bodyReader keeps the error of a request body (other than io.EOF), to
// tell a client's failure from the store's.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// serveStored answers a stored file read chunk by chunk: ranges and
// conditional requests by http.ServeContent on the file's reader, its
// SHA-256 as the ETag.
func serveStored(w http.ResponseWriter, r *http.Request, fr store.FileReader) {
	info := fr.Info()
	w.Header().Set("Content-Type", "application/octet-stream")
	if info.SHA256 != "" {
		w.Header().Set("ETag", `"`+info.SHA256+`"`)
	}
	http.ServeContent(w, r, info.Name, info.Created, fr)
}

// decodeWait is how long a request waits for decode memory before it
// gets 503 (a variable for the tests).
var decodeWait = 10 * time.Second

// Defaults of the concurrency and body-rate bounds.
const (
	sessionsPerCPU = 256 // Config.MaxSessions default: this many per CPU
	// retryAfterBusy is the Retry-After (seconds) of a 503 when the ACS
	// is at a bound; TR-069 3.7.1.5 lets the ACS refuse a session so.
	retryAfterBusy = 30
	// Body reads: a grace period, then at least this rate.
	defaultBodyGrace   = 10 * time.Second
	defaultBodyMinRate = 1 << 10 // bytes per second
)

// maxSessions is the bound of concurrent CWMP sessions.
func (s *Server) maxSessions() int {
	if s.cfg.MaxSessions > 0 {
		return s.cfg.MaxSessions
	}
	return sessionsPerCPU * runtime.NumCPU()
}

// sessionsFullLocked reports whether a new session would pass
// MaxSessions. Called with s.mu held.
func (s *Server) sessionsFullLocked() bool { return len(s.sessions) >= s.maxSessions() }

// firstContactsPerCPU is the default of Config.MaxFirstContacts.
const firstContactsPerCPU = 32

// bootstraps reports whether an Inform carries "0 BOOTSTRAP": the CPE's
// first contact (or one after a factory reset), which runs discovery.
func bootstraps(inf *cwmp.Inform) bool {
	for _, e := range inf.Event {
		if e.EventCode == cwmp.EventBootstrap {
			return true
		}
	}
	return false
}

// firstContactsFullLocked reports whether another bootstrapping session
// would pass MaxFirstContacts. Called with s.mu held.
func (s *Server) firstContactsFullLocked() bool {
	n := s.cfg.MaxFirstContacts
	if n < 0 {
		return false
	}
	if n == 0 {
		n = firstContactsPerCPU * runtime.NumCPU()
	}
	return s.firstContacts >= n
}

// busyFirstContact refuses a bootstrapping CPE while the ACS is at
// MaxFirstContacts. Its wait is short and spread over 2-9 s: a first
// contact takes a few seconds, and a burst of CPEs told the same
// Retry-After would come back together.
func busyFirstContact(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(2+mathrand.IntN(8)))
	http.Error(w, "the ACS is at its bound of concurrent first contacts", http.StatusServiceUnavailable)
}

// busy answers 503 with Retry-After: the client comes back later.
func busy(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterBusy))
	http.Error(w, why, http.StatusServiceUnavailable)
}

// decodeBudget bounds the memory of the SOAP decodes running at once
// (Config.DecodeMemory): each takes its cwmp.Decoder.MemoryBound.
func (s *Server) decodeBudget() int64 {
	if s.cfg.DecodeMemory > 0 {
		return s.cfg.DecodeMemory
	}
	// A quarter of the machine's memory, at least what one decode of
	// the largest document takes.
	budget := int64(1 << 30)
	if m := physicalMemory(); m > 0 {
		budget = m / 4
	}
	var d cwmp.Decoder
	return max(budget, d.MemoryBound(cwmp.DefaultMaxSize))
}

// physicalMemory reads MemTotal from /proc/meminfo (0 if unknown).
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// errDecodeBusy: the decode memory budget stayed exhausted.
var errDecodeBusy = errors.New("the ACS is decoding too much at once")

// decodeEnvelope decodes a CWMP request body (read by readEnvelope within
// cwmp.DefaultMaxSize) within the decode memory budget.
func (s *Server) decodeEnvelope(ctx context.Context, data []byte) (*cwmp.Envelope, error) {
	d := cwmp.Decoder{Tolerant: true} // item by item: a bad item is a finding, not a lost message
	need := min(d.MemoryBound(int64(len(data))), s.decodeBudget())
	ctx, cancel := context.WithTimeout(ctx, decodeWait)
	defer cancel()
	if err := s.decodeSem.Acquire(ctx, need); err != nil {
		return nil, errDecodeBusy
	}
	defer s.decodeSem.Release(need)
	return d.Decode(data)
}

// bodyGuard drops requests whose body trickles: after a grace period the
// body must arrive at the minimum rate (the read deadline moves with each
// read). Slow clients would otherwise hold connections, and file
// descriptors, forever.
func (s *Server) bodyGuard(next http.Handler) http.Handler {
	grace, rate := s.cfg.BodyGrace, s.cfg.BodyMinRate
	if grace <= 0 {
		grace = defaultBodyGrace
	}
	if rate <= 0 {
		rate = defaultBodyMinRate
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			gb := &rateBody{rc: rc, body: r.Body, start: time.Now(), grace: grace, rate: rate}
			if gb.extend() == nil {
				r.Body = gb
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rateBody is a request body with a read deadline that allows grace plus
// one second per rate bytes read: a client at the rate stays ahead of it.
type rateBody struct {
	rc    *http.ResponseController
	body  io.ReadCloser
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
}

func (b *rateBody) extend() error {
	allowed := b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second))
	return b.rc.SetReadDeadline(b.start.Add(allowed))
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.n += int64(n)
	if n > 0 {
		_ = b.extend()
	}
	return n, err
}

func (b *rateBody) Close() error { return b.body.Close() }

// serverErrorLog is the http.Server's error log: accept errors (out of
// file descriptors, say) at warn, the rest (TLS handshakes of CPEs and
// the like) at debug.
func serverErrorLog(h slog.Handler) *slogWriter { return &slogWriter{h: h} }

type slogWriter struct{ h slog.Handler }

func (w *slogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelDebug
	if strings.Contains(msg, "Accept error") {
		level = slog.LevelWarn
	}
	if w.h.Enabled(context.Background(), level) {
		_ = w.h.Handle(context.Background(), slog.NewRecord(time.Now(), level, "acs: http server: "+msg, 0))
	}
	return len(p), nil
}
