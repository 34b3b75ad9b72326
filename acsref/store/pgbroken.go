package store

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// brokenConnTracer empties the pool when a statement fails because its
// connection is gone. After a PostgreSQL restart every pooled connection
// is dead, and the pool (which pings only connections idle for over a
// second) would hand each one out once more, failing one request per
// connection; reset, the pool fails one and dials fresh connections for
// the rest.
type brokenConnTracer struct {
	pool      atomic.Pointer[pgxpool.Pool]
	lastReset atomic.Int64 // unix nanoseconds
}

func (t *brokenConnTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (t *brokenConnTracer) TraceQueryEnd(_ context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	t.check(conn, data.Err)
}

func (t *brokenConnTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (t *brokenConnTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (t *brokenConnTracer) TraceBatchEnd(_ context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	t.check(conn, data.Err)
}

func (t *brokenConnTracer) check(conn *pgx.Conn, err error) {
	if err == nil || conn == nil || !conn.IsClosed() {
		return
	}
	pool := t.pool.Load()
	if pool == nil {
		return
	}
	// Once per 100 ms: the connections failing together are one event.
	now := time.Now().UnixNano()
	last := t.lastReset.Load()
	if now-last < int64(100*time.Millisecond) || !t.lastReset.CompareAndSwap(last, now) {
		return
	}
	pool.Reset()
}
