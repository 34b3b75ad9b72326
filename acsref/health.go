package acsref

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// Health is the answer of /healthz and /readyz (whose 503 is an
// APIError of rule store-unavailable).
type Health struct {
	Status string `json:"status"`          // "ok"
	Store  string `json:"store,omitempty"` // "ok" (readyz only)
}

// RuleStoreUnavailable is the rule of /readyz's 503.
const RuleStoreUnavailable = "store-unavailable"

// readyWait bounds the store read of /readyz.
const readyWait = 2 * time.Second

// healthz answers while the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, Health{Status: "ok"})
	return nil
}

// readyz answers 200 when the store answers a read, 503 otherwise (a
// load balancer then sends CPEs and NBI clients to another process).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), readyWait)
	defer cancel()
	// Any setting will do: a missing one is an answer too.
	if _, err := s.st.Setting(ctx, settingAdminKeyHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		// The error may name the database's user and host: the log only.
		s.log.Warn("acs: readyz: store unreachable", "err", err)
		w.Header().Set("Retry-After", "5")
		return apiErr(http.StatusServiceUnavailable, RuleStoreUnavailable, "the store is unreachable (details in the ACS log)")
	}
	writeJSON(w, http.StatusOK, Health{Status: "ok", Store: "ok"})
	return nil
}

// accessLog writes one line per NBI request at info level (debug for
// successful health probes and scrapes; never the Authorization header or
// the query, which may carry secrets) and counts it.
func (s *Server) accessLog(next http.Handler) http.Handler {
	ops := map[string]string{}
	for _, rt := range nbiRoutes {
		ops[rt.routeKey()] = rt.OperationID
	}
	mux := http.NewServeMux()
	for k := range ops {
		mux.Handle(k, http.NotFoundHandler())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		op := "unknown"
		if _, pattern := mux.Handler(r); pattern != "" {
			op = ops[pattern]
		}
		s.metrics.nbiRequests.WithLabelValues(op, strconv.Itoa(sw.status)).Inc()
		level := slog.LevelInfo
		if sw.status < 400 && (op == "getHealth" || op == "getReadiness" || op == "getMetrics") {
			level = slog.LevelDebug // probes and scrapes every few seconds
		}
		s.log.Log(r.Context(), level, "acs: nbi", "method", r.Method, "path", r.URL.Path, "operation", op, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000, "remote", r.RemoteAddr)
	})
}

// statusWriter records the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
