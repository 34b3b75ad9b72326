// Package store is the persistence of the reference ACS: devices, their
// parameters, tasks, faults, conformance findings, tags, files and CPE
// credentials, behind the Store interface. OpenSQLite is the embedded
// default (pure-Go SQLite, one file, WAL); OpenPostgres is a PostgreSQL
// database several ACS processes can share; Open picks a store from a
// location ("sqlite:///path", "file:///path", a bare path, or
// "postgres://...").
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of the Store methods.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrInvalid: a value the store cannot hold (PostgreSQL text holds no
	// NUL byte and no invalid UTF-8; SQLite holds them as they are).
	ErrInvalid = errors.New("invalid value")
	// ErrLocked: another ACS process holds the device's session lock.
	ErrLocked = errors.New("locked by another ACS process")
)

// Device is what the ACS knows of one CPE.
type Device struct {
	ID           string `json:"id"` // OUI-ProductClass-SerialNumber, GenieACS style
	OUI          string `json:"oui"`
	ProductClass string `json:"productClass"`
	SerialNumber string `json:"serialNumber"`
	Manufacturer string `json:"manufacturer"`
	Root         string `json:"root"`  // "Device." or "InternetGatewayDevice."
	Model        string `json:"model"` // "Device:2.19" (the schema bound)
	// Services are the models bound to the service objects under
	// Services ("VoiceService:1.1", "STBService:1.4"), sorted.
	Services    []string  `json:"services,omitempty"`
	DataModel   string    `json:"dataModelVersion,omitempty"`
	SoftwareVer string    `json:"softwareVersion,omitempty"`
	ConnReqURL  string    `json:"connectionRequestURL,omitempty"`
	RemoteAddr  string    `json:"remoteAddr,omitempty"`
	Discovered  bool      `json:"discovered"`
	FirstSeen   time.Time `json:"firstSeen"`
	LastInform  time.Time `json:"lastInform"`
	LastBoot    time.Time `json:"lastBoot,omitzero"`
	Tags        []string  `json:"tags"`
	// Discovery is the ACS's record of how to discover this device (its
	// overrides and what it learnt works), JSON; empty if none.
	Discovery json.RawMessage `json:"discovery,omitempty"`
}

// Parameter is one stored parameter or object of a device. A value
// report (GetParameterValues, Inform) sets Value and Type; a name report
// (GetParameterNames) sets Writable and Object.
type Parameter struct {
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Type     string    `json:"type,omitempty"`
	Writable *bool     `json:"writable,omitempty"` // as the CPE reported it; nil if unknown
	Object   bool      `json:"object,omitempty"`
	Updated  time.Time `json:"updated"`

	HasValue bool `json:"-"` // in a Batch: update Value and Type
}

// Task states.
const (
	TaskPending   = "pending"   // queued, not yet sent
	TaskWaiting   = "waiting"   // answered; waits for an event (M Reboot, TRANSFER COMPLETE)
	TaskDone      = "done"      // completed
	TaskFault     = "fault"     // the CPE answered with a fault
	TaskCancelled = "cancelled" // cancelled through the NBI
)

// Task is one RPC queued for a device.
type Task struct {
	ID          int64           `json:"id"`
	DeviceID    string          `json:"device"`
	Name        string          `json:"name"`
	Spec        json.RawMessage `json:"spec"` // the NBI body
	Status      string          `json:"status"`
	CommandKey  string          `json:"commandKey,omitempty"`
	Internal    bool            `json:"internal,omitempty"` // queued by the ACS itself (discovery)
	Result      json.RawMessage `json:"result,omitempty"`
	FaultCode   int             `json:"faultCode,omitempty"`
	FaultString string          `json:"faultString,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	// Attempts counts the times the task's RPC got no answer (session
	// timeout, undecodable reply, CPE gone); RetryAfter is when it may be
	// sent again (zero: at once).
	Attempts   int       `json:"attempts,omitempty"`
	RetryAfter time.Time `json:"retryAfter,omitzero"`
}

// Fault is a CWMP fault a CPE answered a task with (or a transfer failure).
type Fault struct {
	ID       int64           `json:"id"`
	DeviceID string          `json:"device"`
	TaskID   int64           `json:"task,omitempty"`
	Method   string          `json:"method,omitempty"`
	Code     int             `json:"code"`
	String   string          `json:"string"`
	Detail   json.RawMessage `json:"detail,omitempty"`
	Time     time.Time       `json:"time"`
}

// Finding is one place where a device breaks its BBF data model.
type Finding struct {
	DeviceID  string    `json:"-"`
	Path      string    `json:"path"`
	Rule      string    `json:"rule"`
	Message   string    `json:"message"`
	Value     string    `json:"value,omitempty"`
	Model     string    `json:"model,omitempty"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// DeviceFilter selects devices; zero fields match everything.
type DeviceFilter struct {
	Model        string // prefix of Device.Model ("Device:2")
	ProductClass string
	OUI          string
	Tag          string
	InformSince  time.Time // last inform at or after
	InformBefore time.Time // last inform before
	Limit        int
}

// TaskFilter selects tasks; zero fields match everything.
type TaskFilter struct {
	DeviceID string
	Status   []string
	Limit    int
}

// Batch is everything one CWMP session changed, written in one
// transaction.
type Batch struct {
	Device           *Device // upserted (tags untouched)
	Forget           bool    // BOOTSTRAP: drop parameters and findings first
	DeleteParameters []string
	Parameters       []Parameter
	// Complete, when not "", is the prefix of a complete name tree the
	// batch reports (a GetParameterNames of the root with NextLevel
	// false): the device's stored parameters under it that the batch
	// does not name are dropped — the device no longer has them.
	Complete      string
	Tasks         []*Task // status, result and fault updated
	Faults        []Fault
	ClearFindings bool // replace the device's findings by Findings
	// Resolved lists paths whose reported value now conforms: their
	// value findings (reported-value, reported-type, not-parameter) go.
	Resolved []string
	Findings []Finding
}

// Store persists the ACS state. Implementations are safe for concurrent
// use.
type Store interface {
	Device(ctx context.Context, id string) (*Device, error)
	Devices(ctx context.Context, f DeviceFilter) ([]*Device, error)
	DeleteDevice(ctx context.Context, id string) error
	Parameters(ctx context.Context, deviceID, prefix string) ([]Parameter, error)
	// Commit writes one session's changes atomically.
	Commit(ctx context.Context, b *Batch) error

	AddTask(ctx context.Context, t *Task) error // sets ID, Created, Updated
	Task(ctx context.Context, id int64) (*Task, error)
	Tasks(ctx context.Context, f TaskFilter) ([]*Task, error)
	// PendingDevices lists the devices with pending tasks (the ACS
	// skips the task query for the others).
	PendingDevices(ctx context.Context) ([]string, error)
	// CancelTask moves a pending or waiting task to cancelled; ErrConflict
	// if it is finished.
	CancelTask(ctx context.Context, id int64) (*Task, error)

	Faults(ctx context.Context, deviceID string, limit int) ([]Fault, error)
	Findings(ctx context.Context, deviceID string) ([]Finding, error)
	// FindingDevices lists the devices with findings.
	FindingDevices(ctx context.Context) ([]string, error)

	SetTag(ctx context.Context, deviceID, tag string, on bool) error

	FileStore // files, stored in chunks (files.go)

	// Credential returns the stored secret of a per-device CPE user (the
	// ACS stores Digest HA1s, not passwords; the store does not care) and
	// the device it is bound to ("" for any).
	Credential(ctx context.Context, username string) (password, deviceID string, err error)
	PutCredential(ctx context.Context, username, password, deviceID string) error
	DeleteCredential(ctx context.Context, username string) error

	// Setting returns a named setting of the ACS (the hash of the NBI's
	// admin API key), ErrNotFound if unset.
	Setting(ctx context.Context, name string) (string, error)
	// PutSetting stores a setting; with keep, an existing value stays.
	// It returns the value stored now, so that of several processes
	// setting one at once all see the winner's.
	PutSetting(ctx context.Context, name, value string, keep bool) (string, error)
	Policies   // auto-configuration (policy.go)
	Users      // users, API keys, audit log (users.go)
	RunRecords // conformance runs and diagnostics (runrecords.go)

	Close() error
}

// Shared is implemented by a store that several ACS processes can use at
// once (PostgreSQL). An ACS on a shared store keeps no per-process view of
// what another process may change (devices, pending tasks, findings) and
// takes each device's session lock in the store.
type Shared interface {
	Store
	// LockDevice takes the lock of a device's CWMP session, held until
	// the returned function is called (once is enough; more are no-ops);
	// an error wrapping ErrLocked if another process holds it.
	LockDevice(ctx context.Context, deviceID string) (unlock func(), err error)
}

// openTimeout bounds connecting to a database server in Open.
const openTimeout = 30 * time.Second

// Open opens the store at location: "sqlite:///abs/path", "sqlite:rel/path",
// "file:///path" or a bare path are SQLite files; "postgres://..." and
// "postgresql://..." URLs are PostgreSQL databases (OpenPostgres); other
// schemes are refused.
func Open(location string) (Store, error) {
	if location == "" {
		return nil, errors.New("store: empty location")
	}
	scheme, rest, ok := strings.Cut(location, ":")
	if !ok || len(scheme) == 1 || strings.ContainsAny(scheme, `/\.`) { // bare path (or C:\ on Windows)
		return OpenSQLite(location)
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, fmt.Errorf("store: %q names no file", location)
		}
		return OpenSQLite(path)
	case "postgres", "postgresql":
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		return OpenPostgres(ctx, location)
	}
	return nil, fmt.Errorf("store: unsupported store %q (supported: sqlite:///path, a file path, postgres://...)", scheme)
}

// newerSchema refuses a database that a later dmforge upgraded: this one
// would misread what it does not know.
func newerSchema(v, known int) error {
	return fmt.Errorf("the database schema is at version %d, newer than this dmforge knows (%d): use the dmforge release that upgraded it, or a later one", v, known)
}
