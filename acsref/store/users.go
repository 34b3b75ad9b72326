package store

import (
	"context"
	"time"
)

// Roles of the users of the NBI and the web UI (acsref/users.go says what
// each may do).
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleReadOnly = "read-only"
)

// User is a person (or a program) using the NBI or the web UI.
type User struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// Scope, when set, is the name of a device group (acsref/policy): the
	// user sees and acts on that group's devices only.
	Scope string `json:"scope,omitempty"`
	// PasswordHash is the password's memory-hard hash (argon2id, PHC
	// string); empty: the user has no password (API keys only).
	PasswordHash string    `json:"-"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// APIKey is a user's key for the NBI: only its hash is stored (the key is
// shown once, when it is made).
type APIKey struct {
	ID      string    `json:"id"` // public part of the key, named in it
	User    string    `json:"user"`
	Name    string    `json:"name,omitempty"` // what the key is for
	Hash    string    `json:"-"`              // SHA-256 (hex) of the whole key
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// AuditEntry is one change made through the NBI or the web UI, kept
// whatever its outcome.
type AuditEntry struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`  // user name ("admin" for the admin key and the NBI token)
	Via    string    `json:"via"`    // "nbi" or "ui"
	Remote string    `json:"remote"` // the client's address
	Action string    `json:"action"` // the route's operationId: postTask, createUser, ...
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Target string    `json:"target,omitempty"` // the device, user, policy, ... acted on
	Detail string    `json:"detail,omitempty"` // what: the request body (secrets left out)
	Status int       `json:"status"`           // the HTTP status of the answer
	Result string    `json:"result"`           // "ok", or the error answered
}

// AuditFilter selects audit entries, newest first; zero fields match
// everything.
type AuditFilter struct {
	Actor  string
	Action string
	Target string
	Via    string
	Since  time.Time // at or after
	Before time.Time // before
	// Failed: only the refused or failed changes (status ≥ 400); OK:
	// only the successful ones.
	Failed, OK bool
	Limit      int
}

// Users is the persistence of users, their API keys and the audit log;
// both stores implement it (users_sqlite.go, users_postgres.go).
type Users interface {
	// CreateUser adds a user; ErrConflict if the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces a user's role, scope and password hash;
	// ErrNotFound if there is none.
	UpdateUser(ctx context.Context, u *User) error
	User(ctx context.Context, name string) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	// DeleteUser drops a user and its API keys.
	DeleteUser(ctx context.Context, name string) error

	// PutAPIKey stores a new key; ErrConflict if its ID is taken,
	// ErrNotFound if its user is unknown.
	PutAPIKey(ctx context.Context, k *APIKey) error
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// APIKeys lists a user's keys (all users' with user ""), revoked
	// ones included.
	APIKeys(ctx context.Context, user string) ([]*APIKey, error)
	// RevokeAPIKey marks a key revoked at t; ErrNotFound if the user has
	// no such key (revoking twice keeps the first time).
	RevokeAPIKey(ctx context.Context, user, id string, t time.Time) error

	// AddAudit appends an entry (sets ID).
	AddAudit(ctx context.Context, e *AuditEntry) error
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	UIState // the web UI's sessions and saved filters (users_ui.go)
}

// Migrations of the users, API keys and audit tables (the last entry of
// each store's list; times are Unix milliseconds). They differ only in
// the audit log's generated id.
const (
	usersTablesSQL = `CREATE TABLE users (
		name TEXT PRIMARY KEY, role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', password_hash TEXT NOT NULL DEFAULT '',
		created BIGINT NOT NULL, updated BIGINT NOT NULL
	);
	CREATE TABLE api_keys (
		id TEXT PRIMARY KEY, username TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
		hash TEXT NOT NULL, created BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0
	);
	CREATE INDEX api_keys_user ON api_keys(username);`
	auditColumnsSQL = ` time BIGINT NOT NULL, actor TEXT NOT NULL, via TEXT NOT NULL, remote TEXT NOT NULL,
		action TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL,
		status INTEGER NOT NULL, result TEXT NOT NULL
	);
	CREATE INDEX audit_time ON audit(time);
	CREATE INDEX audit_actor ON audit(actor, time);`
	usersMigrationSQLite   = usersTablesSQL + `CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT,` + auditColumnsSQL
	usersMigrationPostgres = usersTablesSQL + `CREATE TABLE audit (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,` + auditColumnsSQL
)

// auditLimit bounds an audit query without a limit.
const auditLimit = 10000

// auditWhere builds the WHERE clause of f with placeholders made by ph
// (SQLite ?, PostgreSQL $n).
func auditWhere(f AuditFilter, ph func(n int) string) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, cond+ph(len(args)))
	}
	if f.Actor != "" {
		add("actor = ", f.Actor)
	}
	if f.Action != "" {
		add("action = ", f.Action)
	}
	if f.Target != "" {
		add("target = ", f.Target)
	}
	if f.Via != "" {
		add("via = ", f.Via)
	}
	if !f.Since.IsZero() {
		add("time >= ", unix(f.Since))
	}
	if !f.Before.IsZero() {
		add("time < ", unix(f.Before))
	}
	if f.Failed && !f.OK {
		conds = append(conds, "status >= 400")
	}
	if f.OK && !f.Failed {
		conds = append(conds, "status < 400")
	}
	limit := f.Limit
	if limit <= 0 || limit > auditLimit {
		limit = auditLimit
	}
	where := ""
	for i, c := range conds {
		if i == 0 {
			where = " WHERE " + c
		} else {
			where += " AND " + c
		}
	}
	args = append(args, limit)
	return where + " ORDER BY id DESC LIMIT " + ph(len(args)), args
}
