package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// UISession is a web UI login, kept in the store so that it survives a
// restart of the ACS and holds on every ACS process sharing the store.
type UISession struct {
	// IDHash is the SHA-256 (hex) of the session cookie: the cookie
	// itself is never stored.
	IDHash string
	User   string // the user's name ("admin" for the admin key's session)
	// Role and Scope are those at login; the UI reads a user's current
	// ones from its row at each request (the admin key's session has no
	// row and keeps these).
	Role, Scope string
	CSRF        string // the session's CSRF token
	Created     time.Time
	Seen        time.Time // the last request
}

// SavedFilter is a user's named filter of the devices page: the page's
// query string.
type SavedFilter struct {
	User    string    `json:"user"`
	Name    string    `json:"name"`
	Query   string    `json:"query"` // url-encoded, as the devices page's URL has it
	Created time.Time `json:"created"`
}

// UIState is the web UI's persistence: sessions and saved filters; both
// stores implement it (users_ui_sqlite.go, users_ui_postgres.go).
type UIState interface {
	// PutUISession stores a new session.
	PutUISession(ctx context.Context, s *UISession) error
	// UISession returns a session, ErrNotFound if there is none or it
	// expired: unused since idleBefore, or created before createdBefore
	// (an expired one is deleted).
	UISession(ctx context.Context, idHash string, idleBefore, createdBefore time.Time) (*UISession, error)
	// TouchUISession sets a session's last use.
	TouchUISession(ctx context.Context, idHash string, seen time.Time) error
	// DeleteUISession ends one session (no error if there is none).
	DeleteUISession(ctx context.Context, idHash string) error
	// DeleteUISessions ends every session of a user, and every expired
	// one of anyone (idleBefore, createdBefore as in UISession); it
	// returns how many it ended.
	DeleteUISessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) (int64, error)

	// PutSavedFilter stores a user's filter, replacing one of that name.
	PutSavedFilter(ctx context.Context, f *SavedFilter) error
	// SavedFilters lists a user's filters by name.
	SavedFilters(ctx context.Context, user string) ([]*SavedFilter, error)
	// DeleteSavedFilter drops one; ErrNotFound if the user has none of
	// that name.
	DeleteSavedFilter(ctx context.Context, user, name string) error

	// AddLoginFailure records one failed login under each key (the
	// caller's names for the client's address and the name tried) at t,
	// and forgets every failure before forget: the table holds one
	// window of failures.
	AddLoginFailure(ctx context.Context, keys []string, at, forget time.Time) error
	// LoginFailures counts each key's failures since since; keys without
	// any are left out.
	LoginFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error)

	// ParameterValues reads the stored values of a few named parameters
	// of many devices at once (the online status of a device list reads
	// each one's periodic inform interval): device → name → value, the
	// devices and names without a stored value left out.
	ParameterValues(ctx context.Context, ids, names []string) (map[string]map[string]string, error)
}

// parameterValuesChunk bounds the device ids of one ParameterValues
// query (SQLite allows 32766 placeholders; PostgreSQL 65535).
const parameterValuesChunk = 500

// parameterValuesSQL is the query of ids × names with ? placeholders.
func parameterValuesSQL(nIDs, nNames int) string {
	// Parameters are keyed by device key and path id (params_migration.go).
	return `SELECT k.id, p.path, v.value FROM device_keys k CROSS JOIN paths p JOIN parameters v ON v.dev = k.key AND v.path = p.id
		WHERE k.id IN (` + strings.Repeat("?,", nIDs-1) + `?) AND p.path IN (` + strings.Repeat("?,", nNames-1) + `?)`
}

// parameterValues runs the chunked queries through query, which answers
// the rows of one.
func parameterValues(ids, names []string, query func(q string, args []any, add func(id, name, value string)) error) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if len(ids) == 0 || len(names) == 0 {
		return out, nil
	}
	for start := 0; start < len(ids); start += parameterValuesChunk {
		chunk := ids[start:min(start+parameterValuesChunk, len(ids))]
		args := make([]any, 0, len(chunk)+len(names))
		for _, id := range chunk {
			args = append(args, id)
		}
		for _, n := range names {
			args = append(args, n)
		}
		err := query(parameterValuesSQL(len(chunk), len(names)), args, func(id, name, value string) {
			if out[id] == nil {
				out[id] = map[string]string{}
			}
			out[id][name] = value
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// uiStateMigrationSQL creates the UI's tables (the same statement for
// both stores; times are Unix milliseconds).
const uiStateMigrationSQL = `CREATE TABLE ui_sessions (
		id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '',
		csrf TEXT NOT NULL, created BIGINT NOT NULL, seen BIGINT NOT NULL
	);
	CREATE INDEX ui_sessions_user ON ui_sessions(username);
	CREATE TABLE ui_filters (
		username TEXT NOT NULL, name TEXT NOT NULL, query TEXT NOT NULL, created BIGINT NOT NULL,
		PRIMARY KEY (username, name)
	);`

// loginFailuresMigration keeps failed UI logins in the store, so that
// the limits hold across a restart and for all the processes sharing a
// store (times are Unix milliseconds).
const loginFailuresMigration = `CREATE TABLE login_failures (subject TEXT NOT NULL, at BIGINT NOT NULL);
	CREATE INDEX login_failures_subject ON login_failures(subject, at);
	CREATE INDEX login_failures_at ON login_failures(at);`

const (
	sqlAddLoginFailure     = `INSERT INTO login_failures (subject, at) VALUES (?,?)`
	sqlForgetLoginFailures = `DELETE FROM login_failures WHERE at < ?`
)

// sqlLoginFailures counts the failures of n subjects since a time.
func sqlLoginFailures(n int) string {
	return `SELECT subject, count(*) FROM login_failures WHERE subject IN (` + strings.Repeat("?,", n-1) + `?) AND at >= ? GROUP BY subject`
}

// UI statements, written with ? placeholders (PostgreSQL's are made by
// dollarPlaceholders).
const (
	uiSessionColumns     = `id_hash, username, role, scope, csrf, created, seen`
	sqlPutUISession      = `INSERT INTO ui_sessions (` + uiSessionColumns + `) VALUES (?,?,?,?,?,?,?)`
	sqlUISession         = `SELECT ` + uiSessionColumns + ` FROM ui_sessions WHERE id_hash=?`
	sqlTouchUISession    = `UPDATE ui_sessions SET seen=? WHERE id_hash=? AND seen<?`
	sqlDeleteUISession   = `DELETE FROM ui_sessions WHERE id_hash=?`
	sqlDeleteUISessions  = `DELETE FROM ui_sessions WHERE username=? OR seen<? OR created<?`
	sqlPutSavedFilter    = `INSERT INTO ui_filters (username, name, query, created) VALUES (?,?,?,?) ON CONFLICT (username, name) DO UPDATE SET query=excluded.query, created=excluded.created`
	sqlSavedFilters      = `SELECT username, name, query, created FROM ui_filters WHERE username=? ORDER BY name`
	sqlDeleteSavedFilter = `DELETE FROM ui_filters WHERE username=? AND name=?`
)

func scanUISession(r rowScanner) (*UISession, error) {
	s := &UISession{}
	var created, seen int64
	if err := r.Scan(&s.IDHash, &s.User, &s.Role, &s.Scope, &s.CSRF, &created, &seen); err != nil {
		return nil, err
	}
	s.Created, s.Seen = fromUnix(created), fromUnix(seen)
	return s, nil
}

// uiSessionExpired tells whether a session is past its idle or total
// time.
func uiSessionExpired(s *UISession, idleBefore, createdBefore time.Time) bool {
	return s.Seen.Before(idleBefore) || s.Created.Before(createdBefore)
}

func scanSavedFilter(r rowScanner) (*SavedFilter, error) {
	f := &SavedFilter{}
	var created int64
	if err := r.Scan(&f.User, &f.Name, &f.Query, &created); err != nil {
		return nil, err
	}
	f.Created = fromUnix(created)
	return f, nil
}

// dollarPlaceholders rewrites a statement's ? placeholders as $1, $2, …
// (the statements above have no ? inside literals).
func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
