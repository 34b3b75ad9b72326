package acsref

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// What real CPEs do on the wire that the protocol tolerates: compressed
// request bodies, no cookies, lists with a bad item.

// RuleDecodeIssue is the finding of a message item the ACS could not use
// (dropped) or a SOAP array whose arrayType count disagrees with its items.
const RuleDecodeIssue = "malformed-item"

// readEnvelope reads a CWMP POST: its body, decompressed when
// Content-Encoding says gzip or deflate (with the same size limit after
// decompression), decoded tolerantly. raw is what was read (for the log
// when it does not decode).
func (s *Server) readEnvelope(r *http.Request) (*cwmp.Envelope, []byte, error) {
	if r.ContentLength > cwmp.DefaultMaxSize {
		return nil, nil, fmt.Errorf("%w: Content-Length %d, limit %d", cwmp.ErrTooLarge, r.ContentLength, cwmp.DefaultMaxSize)
	}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = r.Body
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		raw, rerr := io.ReadAll(io.LimitReader(body, cwmp.DefaultMaxSize+1))
		if rerr != nil {
			return nil, raw, fmt.Errorf("reading the body: %w", rerr)
		}
		if len(raw) == 0 {
			break
		}
		zr, zerr := gzip.NewReader(bytes.NewReader(raw))
		if zerr != nil {
			return nil, raw, fmt.Errorf("Content-Encoding gzip: %w", zerr)
		}
		body = zr
	case "deflate":
		raw, rerr := io.ReadAll(io.LimitReader(body, cwmp.DefaultMaxSize+1))
		if rerr != nil {
			return nil, raw, fmt.Errorf("reading the body: %w", rerr)
		}
		if len(raw) == 0 {
			break
		}
		// HTTP's deflate is zlib-wrapped (RFC 9110); some senders send
		// the raw DEFLATE stream.
		if zr, zerr := zlib.NewReader(bytes.NewReader(raw)); zerr == nil {
			body = zr
		} else {
			body = flate.NewReader(bytes.NewReader(raw))
		}
	default:
		return nil, nil, fmt.Errorf("Content-Encoding %q is not supported (gzip, deflate)", enc)
	}
	data, err := io.ReadAll(io.LimitReader(body, cwmp.DefaultMaxSize+1))
	if err != nil {
		return nil, data, fmt.Errorf("reading the body: %w", err)
	}
	if len(data) > cwmp.DefaultMaxSize {
		return nil, data[:64], fmt.Errorf("%w: more than %d bytes", cwmp.ErrTooLarge, cwmp.DefaultMaxSize)
	}
	env, err := s.decodeEnvelope(r.Context(), data)
	return env, data, err
}

// firstBytes is the start of an undecodable message for the log.
func firstBytes(b []byte) string {
	const n = 120
	if len(b) > n {
		b = b[:n]
	}
	for !utf8.Valid(b) && len(b) > 0 {
		b = b[:len(b)-1]
	}
	return strconv.Quote(string(b))
}

// undecodable answers a POST whose body could not be decoded: logged with
// the device (when its session is known), the reason and the first bytes;
// the task whose RPC it answered faults, and the session goes on with the
// next RPC.
func (s *Server) undecodable(w http.ResponseWriter, r *http.Request, raw []byte, err error) {
	se := s.sessionOf(r)
	if se == nil {
		s.log.Warn("acs: undecodable message", "remote", r.RemoteAddr, "reason", err, "first", firstBytes(raw))
		http.Error(w, "the message could not be decoded: "+err.Error(), http.StatusBadRequest)
		return
	}
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.closed {
		http.Error(w, "CWMP session ended", http.StatusBadRequest)
		return
	}
	se.touch()
	s.log.Warn("acs: undecodable message", "device", se.dev.ID, "reason", err, "first", firstBytes(raw))
	method := ""
	if se.inflight != nil {
		method = se.inflight.msg.MethodName() + "Response"
	}
	se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: method, String: "undecodable message: " + err.Error() + " (starts " + firstBytes(raw) + ")", Time: time.Now().UTC()})
	s.undecodableAnswer(se, err.Error())
	s.next(w, r, se)
}

// sessionOf finds the session of a POST: by its cookie, or, for a CPE
// that does not return cookies, by its connection (a session lives on
// the connection its Inform came on while the CPE keeps it open).
func (s *Server) sessionOf(r *http.Request) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := r.Cookie(SessionCookie); err == nil {
		// A cookie of an ended session names no session, whatever the
		// connection.
		return s.sessions[c.Value]
	}
	return s.byConn[r.RemoteAddr]
}

// decodeFindings turns what the tolerant decoder dropped or noticed into
// conformance findings of the device.
func (s *Server) decodeFindings(se *session, env *cwmp.Envelope) {
	method := "message"
	if env.Body != nil {
		method = env.Body.MethodName()
	}
	for _, is := range env.Issues {
		// The item's name; a nameless item or the list itself by its
		// place in the message (one finding each).
		path := is.Name
		switch {
		case path != "":
		case is.Item >= 0:
			path = fmt.Sprintf("%s[%d]", is.Path, is.Item)
		default:
			path = is.Path
		}
		s.log.Warn("acs: malformed item", "device", se.dev.ID, "issue", is.String())
		se.addFinding(&store.Finding{Path: path, Rule: RuleDecodeIssue, Message: clip(method + ": " + is.String())})
	}
}

// encodeFor adapts values of a task's RPC to how the device wants them
// sent (DiscoveryStrategy.Booleans, DateTimeMillis).
func (s *Server) encodeFor(se *session, msg cwmp.Message) {
	spv, ok := msg.(*cwmp.SetParameterValues)
	if !ok {
		return
	}
	st := s.strategy(se)
	for i := range spv.ParameterList {
		p := &spv.ParameterList[i]
		switch p.Type {
		case "xsd:boolean":
			if st.Booleans == "1" {
				switch strings.ToLower(p.Value) {
				case "true":
					p.Value = "1"
				case "false":
					p.Value = "0"
				}
			}
		case "xsd:dateTime":
			if st.DateTimeMillis != nil && !*st.DateTimeMillis {
				if t, err := time.Parse(time.RFC3339Nano, p.Value); err == nil {
					p.Value = t.Format(time.RFC3339)
				}
			}
		}
	}
}

// mergeDiscoveryOverride keeps an override set through the NBI while the
// session ran: the session commits the device, and must not undo it.
func (s *Server) mergeDiscoveryOverride(se *session) {
	cur, err := s.device(context.Background(), se.dev.ID)
	if err != nil {
		return
	}
	se.rec.Override = parseRecord(cur.Discovery).Override
	se.dev.Discovery = se.rec.raw()
}

// compressedWriter answers a CPE that sent a compressed body in kind,
// when it accepts that encoding: it holds the answer and writes it
// compressed when the handler is done.
type compressedWriter struct {
	http.ResponseWriter
	enc    string
	status int
	buf    bytes.Buffer
}

// answerInKind returns the writer for the answer to r and the function
// that completes it.
func answerInKind(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func()) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc == "x-gzip" {
		enc = "gzip"
	}
	if (enc != "gzip" && enc != "deflate") || !accepts(r.Header.Get("Accept-Encoding"), enc) {
		return w, func() {}
	}
	cw := &compressedWriter{ResponseWriter: w, enc: enc}
	return cw, cw.finish
}

// accepts reports whether an Accept-Encoding header accepts enc.
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

func (c *compressedWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *compressedWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(b)
}

func (c *compressedWriter) finish() {
	h := c.ResponseWriter.Header()
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.buf.Len() == 0 {
		h.Del("Content-Length")
		c.ResponseWriter.WriteHeader(c.status)
		return
	}
	var out bytes.Buffer
	var zw io.WriteCloser
	if c.enc == "gzip" {
		zw = gzip.NewWriter(&out)
	} else {
		zw, _ = zlib.NewWriterLevel(&out, zlib.DefaultCompression)
	}
	_, _ = zw.Write(c.buf.Bytes())
	if err := zw.Close(); err != nil {
		c.ResponseWriter.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.Set("Content-Encoding", c.enc)
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(out.Len()))
	c.ResponseWriter.WriteHeader(c.status)
	_, _ = c.ResponseWriter.Write(out.Bytes())
}
