package acsref

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/dmforge/dmforge/acsref/store"
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
func bodyErr(w http.ResponseWriter, err error) {
	if errors.Is(err, errTooLarge) {
		writeErr(w, http.StatusRequestEntityTooLarge, &RuleError{Rule: "too-large", Msg: err.Error()})
		return
	}
	writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: err.Error()})
}

// receiveUpload stores the file of an Upload task: only at the path of
// an open upload task, only from a CPE that may act for its device, and
// within the upload size limit (413 beyond).
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
	data, err := readBounded(r, s.maxUploadSize())
	if err != nil {
		if errors.Is(err, errTooLarge) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name := "uploads/" + r.PathValue("name")
	if err := s.st.PutFile(r.Context(), &store.File{Name: name, FileType: "upload", Data: data}); err != nil {
		s.log.Error("acs: storing upload", "device", t.DeviceID, "err", err)
		http.Error(w, "ACS error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
