package acsref

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmforge/dmforge/acsref/store"
)

// The audit log records every change made through the NBI or the web UI
// (the UI's changes go through the route table too): who, when, from
// where, what (the route, its target and its request body with secrets
// left out) and the result (the status, and the error answered). It is
// written by guardRoute, for every route but GET and HEAD.

// auditDetailMax bounds the request body kept as an entry's detail.
const auditDetailMax = 4 << 10

// auditSecretFields are JSON fields never kept in the audit log.
var auditSecretFields = []string{"password", "key", "secret", "connectionRequestPassword"}

// auditRecorder passes an answer through, keeping its status and (for an
// error) the start of its body; the request body is teed for the detail.
type auditRecorder struct {
	http.ResponseWriter
	s      *Server
	r      *http.Request
	rt     *Route
	p      *Principal
	status int
	errBuf bytes.Buffer
	body   *cappedBuffer
	start  time.Time
	// result, when set, is the entry's result instead of the answer's
	// (a refusal answered as something else: hiddenScope).
	result string
}

// cappedBuffer keeps the first max bytes written to it and counts all.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
	n   int64
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// teeReadCloser reads a request body and copies it.
type teeReadCloser struct {
	io.Reader
	io.Closer
}

func (s *Server) startAudit(w http.ResponseWriter, r *http.Request, rt *Route, p *Principal) *auditRecorder {
	rec := &auditRecorder{ResponseWriter: w, s: s, r: r, rt: rt, p: p, body: &cappedBuffer{max: auditDetailMax}, start: time.Now()}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = teeReadCloser{Reader: io.TeeReader(r.Body, rec.body), Closer: r.Body}
	}
	return rec
}

func (a *auditRecorder) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *auditRecorder) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if a.status >= 400 && a.errBuf.Len() < 2048 {
		a.errBuf.Write(p[:min(len(p), 2048-a.errBuf.Len())])
	}
	return a.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (a *auditRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// finish writes the entry (with its own deadline: the request's context
// may be done).
func (a *auditRecorder) finish() {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	e := &store.AuditEntry{Time: a.start.UTC(), Actor: a.p.Name, Via: a.p.Via, Remote: remoteHost(a.r),
		Action: a.rt.OperationID, Method: a.r.Method, Path: a.r.URL.Path, Status: a.status, Result: "ok"}
	if e.Via == "" {
		e.Via = "nbi"
	}
	e.Detail, e.Target = auditDetail(a.r, a.rt, a.body)
	if a.result != "" {
		e.Result = a.result
	} else if a.status >= 400 {
		var ae APIError
		if json.Unmarshal(a.errBuf.Bytes(), &ae) == nil && ae.Msg != "" {
			e.Result = ae.Rule + ": " + ae.Msg
		} else {
			e.Result = http.StatusText(a.status)
		}
	}
	for _, f := range []*string{&e.Actor, &e.Path, &e.Target, &e.Detail, &e.Result} {
		*f = storableText(*f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.s.st.AddAudit(ctx, e); err != nil {
		a.s.log.Error("acs: audit log", "action", e.Action, "actor", e.Actor, "err", err)
	}
}

// remoteHost is the client's address without the port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// auditDetail is what a request asked (its body, secrets removed) and
// what it acted on: the first path parameter, else the body's name.
func auditDetail(r *http.Request, rt *Route, body *cappedBuffer) (detail, target string) {
	for _, name := range routePathParams(rt.Pattern) {
		if v := r.PathValue(name); v != "" {
			target = v
			break
		}
	}
	if body.n == 0 {
		return "", target
	}
	ct := r.Header.Get("Content-Type")
	raw := body.buf.Bytes()
	switch {
	case strings.HasPrefix(ct, "application/octet-stream") || (rt.Body != nil && rt.Body.ContentType == "application/octet-stream"):
		detail = fmt.Sprintf("%d bytes", body.n)
	case json.Valid(raw):
		var obj map[string]any
		if json.Unmarshal(raw, &obj) == nil {
			for _, k := range auditSecretFields {
				if _, ok := obj[k]; ok {
					obj[k] = "(secret)"
				}
			}
			if n, ok := obj["name"].(string); ok && target == "" {
				target = n
			}
			b, _ := json.Marshal(obj)
			raw = b
		}
		detail = string(raw)
	case rt.Tag == "users" || rt.Tag == "credentials":
		detail = "(body not kept: it may hold a secret)"
	default:
		detail = string(raw)
		if body.n > int64(len(raw)) {
			detail += fmt.Sprintf("… (%d bytes)", body.n)
		}
	}
	return detail, target
}

// storableText makes text the stores keep as it is (PostgreSQL text holds
// no NUL and no invalid UTF-8).
func storableText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
