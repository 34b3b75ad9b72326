package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// migrations are applied in order; PRAGMA user_version counts those done.
var migrations = []string{
	`CREATE TABLE devices (
		id TEXT PRIMARY KEY,
		oui TEXT NOT NULL DEFAULT '', product_class TEXT NOT NULL DEFAULT '', serial TEXT NOT NULL DEFAULT '',
		manufacturer TEXT NOT NULL DEFAULT '', root TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '',
		data_model TEXT NOT NULL DEFAULT '', software TEXT NOT NULL DEFAULT '', conn_req_url TEXT NOT NULL DEFAULT '',
		remote_addr TEXT NOT NULL DEFAULT '', discovered INTEGER NOT NULL DEFAULT 0,
		first_seen INTEGER NOT NULL DEFAULT 0, last_inform INTEGER NOT NULL DEFAULT 0, last_boot INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX devices_last_inform ON devices(last_inform);
	CREATE TABLE parameters (
		device_id TEXT NOT NULL, name TEXT NOT NULL,
		value TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT '',
		writable INTEGER NOT NULL DEFAULT -1, object INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (device_id, name)
	) WITHOUT ROWID;
	CREATE TABLE tasks (
		id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, name TEXT NOT NULL, spec TEXT NOT NULL,
		status TEXT NOT NULL, command_key TEXT NOT NULL DEFAULT '', internal INTEGER NOT NULL DEFAULT 0,
		result TEXT NOT NULL DEFAULT '', fault_code INTEGER NOT NULL DEFAULT 0, fault_string TEXT NOT NULL DEFAULT '',
		created INTEGER NOT NULL, updated INTEGER NOT NULL
	);
	CREATE INDEX tasks_device ON tasks(device_id, status, id);
	CREATE TABLE faults (
		id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, task_id INTEGER NOT NULL DEFAULT 0,
		method TEXT NOT NULL DEFAULT '', code INTEGER NOT NULL, string TEXT NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT '', time INTEGER NOT NULL
	);
	CREATE INDEX faults_device ON faults(device_id, id);
	CREATE TABLE findings (
		device_id TEXT NOT NULL, path TEXT NOT NULL, rule TEXT NOT NULL, message TEXT NOT NULL,
		value TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '',
		first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
		PRIMARY KEY (device_id, path, rule)
	) WITHOUT ROWID;
	CREATE TABLE tags (device_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (device_id, tag)) WITHOUT ROWID;
	CREATE INDEX tags_tag ON tags(tag);
	CREATE TABLE files (
		name TEXT PRIMARY KEY, file_type TEXT NOT NULL DEFAULT '', oui TEXT NOT NULL DEFAULT '',
		product_class TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL,
		data BLOB NOT NULL, created INTEGER NOT NULL
	);
	CREATE TABLE credentials (username TEXT PRIMARY KEY, password TEXT NOT NULL, device_id TEXT NOT NULL DEFAULT '');`,
	`CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);`,
	// Task outcomes (no-answer count, retry time) and each device's
	// discovery record.
	`ALTER TABLE tasks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE tasks ADD COLUMN retry_after INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE devices ADD COLUMN discovery TEXT NOT NULL DEFAULT '';
	ALTER TABLE devices ADD COLUMN services TEXT NOT NULL DEFAULT '';`,
	policyMigrationSQL,
	fileMetaMigration,
	usersMigrationSQLite,
	runRecordsMigration,
}

// SQLite is the embedded Store: one database file in WAL mode, one
// writer connection fed by a group-commit loop (the changes of many
// sessions share one transaction), and a pool of reader connections.
type SQLite struct {
	w, r     *sql.DB
	prepared map[string]*sql.Stmt

	commits chan *pendingCommit
	done    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Once
}

type pendingCommit struct {
	b   *Batch
	err chan error
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// brings its schema up to date.
func OpenSQLite(path string) (*SQLite, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(0)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	qr := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "query_only(1)"} {
		qr.Add("_pragma", p)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+qr.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s := &SQLite{w: w, r: r, commits: make(chan *pendingCommit, 1024), done: make(chan struct{}), prepared: map[string]*sql.Stmt{}}
	for _, q := range groupStatements {
		stmt, err := w.Prepare(q)
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("store: preparing: %w", err)
		}
		s.prepared[q] = stmt
	}
	s.wg.Add(1)
	go s.writer()
	return s, nil
}

// createPrivate creates the database file, if it does not exist, readable
// by its owner only: it holds CPE credentials and the NBI key's hash.
// SQLite gives its -wal and -shm files the database file's mode.
func createPrivate(path string) error {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	for ; v < len(migrations); v++ {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the writer (after the commits already queued) and closes
// the database.
func (s *SQLite) Close() error {
	s.closeMu.Do(func() { close(s.done) })
	s.wg.Wait()
	for _, stmt := range s.prepared {
		stmt.Close()
	}
	err1 := s.r.Close()
	err2 := s.w.Close()
	return errors.Join(err1, err2)
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnix(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ---- group commit ----

// Commit implements Store: the batch joins the next group transaction and
// Commit returns once that transaction is durable (or failed).
func (s *SQLite) Commit(ctx context.Context, b *Batch) error {
	pc := &pendingCommit{b: b, err: make(chan error, 1)}
	select {
	case s.commits <- pc:
	case <-s.done:
		return errors.New("store: closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-pc.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

const maxGroup = 256

// maxGroupRows bounds the rows one group commit writes (a first contact
// writes every parameter of its device).
const maxGroupRows = 8192

func batchRows(b *Batch) int {
	return 1 + len(b.Parameters) + len(b.Findings) + len(b.Tasks) + len(b.Faults)
}

func (s *SQLite) writer() {
	defer s.wg.Done()
	group := make([]*pendingCommit, 0, maxGroup)
	for {
		var first *pendingCommit
		select {
		case first = <-s.commits:
		case <-s.done:
			// Drain what is queued, then stop.
			for {
				select {
				case pc := <-s.commits:
					s.commitGroup([]*pendingCommit{pc})
				default:
					return
				}
			}
		}
		group = append(group[:0], first)
		rows := batchRows(first.b)
	fill:
		// A group is bounded in rows too: the writer connection is held
		// for the whole transaction, and AddTask (a new device's
		// discovery, in its Inform) waits for it.
		for len(group) < maxGroup && rows < maxGroupRows {
			select {
			case pc := <-s.commits:
				group = append(group, pc)
				rows += batchRows(pc.b)
			default:
				break fill
			}
		}
		s.commitGroup(group)
	}
}

func (s *SQLite) commitGroup(group []*pendingCommit) {
	err := s.applyAll(group)
	if err != nil && len(group) > 1 {
		// One bad batch must not fail the others: retry one by one.
		for _, pc := range group {
			pc.err <- s.applyAll([]*pendingCommit{pc})
		}
		return
	}
	for _, pc := range group {
		pc.err <- err
	}
}

// The statements of the group commit, prepared once on the writer
// connection.
const (
	sqlDevice = `INSERT INTO devices (id, oui, product_class, serial, manufacturer, root, model, data_model, software, conn_req_url, remote_addr, discovered, first_seen, last_inform, last_boot, discovery, services)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET oui=excluded.oui, product_class=excluded.product_class, serial=excluded.serial,
		manufacturer=excluded.manufacturer, root=excluded.root, model=excluded.model, data_model=excluded.data_model,
		software=excluded.software, conn_req_url=excluded.conn_req_url, remote_addr=excluded.remote_addr,
		discovered=excluded.discovered, last_inform=excluded.last_inform, last_boot=excluded.last_boot, discovery=excluded.discovery, services=excluded.services`
	sqlForgetP = `DELETE FROM parameters WHERE device_id=?`
	sqlForgetF = `DELETE FROM findings WHERE device_id=?`
	sqlDelP    = `DELETE FROM parameters WHERE device_id=? AND (name=? OR substr(name,1,length(?))=?)`
	sqlNamesP  = `SELECT name FROM parameters WHERE device_id=? AND substr(name,1,length(?))=?`
	sqlDelName = `DELETE FROM parameters WHERE device_id=? AND name=?`
	sqlParamV  = `INSERT INTO parameters (device_id, name, value, type, updated) VALUES (?,?,?,?,?)
		ON CONFLICT(device_id, name) DO UPDATE SET value=excluded.value, type=excluded.type, updated=excluded.updated`
	sqlParamN = `INSERT INTO parameters (device_id, name, writable, object, updated) VALUES (?,?,?,?,?)
		ON CONFLICT(device_id, name) DO UPDATE SET writable=excluded.writable, object=excluded.object`
	sqlParamVN = `INSERT INTO parameters (device_id, name, value, type, writable, object, updated) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT(device_id, name) DO UPDATE SET value=excluded.value, type=excluded.type, writable=excluded.writable,
		object=excluded.object, updated=excluded.updated`
	sqlTask    = `UPDATE tasks SET status=?, result=?, fault_code=?, fault_string=?, command_key=?, updated=?, attempts=?, retry_after=? WHERE id=? AND status NOT IN ('cancelled')`
	sqlFault   = `INSERT INTO faults (device_id, task_id, method, code, string, detail, time) VALUES (?,?,?,?,?,?,?)`
	sqlResolve = `DELETE FROM findings WHERE device_id=? AND path=? AND rule IN ('reported-value','reported-type','not-parameter')`
	sqlFinding = `INSERT INTO findings (device_id, path, rule, message, value, model, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT(device_id, path, rule) DO UPDATE SET message=excluded.message, value=excluded.value, model=excluded.model, last_seen=excluded.last_seen`
)

var groupStatements = []string{sqlDevice, sqlForgetP, sqlForgetF, sqlDelP, sqlNamesP, sqlDelName, sqlParamV, sqlParamN, sqlParamVN, sqlTask, sqlFault, sqlResolve, sqlFinding}

// stmts runs the group's statements inside its transaction.
type stmts struct {
	s    *SQLite
	tx   *sql.Tx
	inTx map[string]*sql.Stmt
}

func (st *stmts) stmt(q string) *sql.Stmt {
	stmt, ok := st.inTx[q]
	if !ok {
		stmt = st.tx.Stmt(st.s.prepared[q])
		st.inTx[q] = stmt
	}
	return stmt
}

func (st *stmts) exec(q string, args ...any) error {
	_, err := st.stmt(q).Exec(args...)
	return err
}

// pruneTree drops the device's parameters under prefix that named does
// not hold (Batch.Complete).
func (st *stmts) pruneTree(device, prefix string, named map[string]bool) error {
	rows, err := st.stmt(sqlNamesP).Query(device, prefix, prefix)
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		if !named[n] {
			stale = append(stale, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range stale {
		if err := st.exec(sqlDelName, device, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *SQLite) applyAll(group []*pendingCommit) error {
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := &stmts{s: s, tx: tx, inTx: make(map[string]*sql.Stmt, len(groupStatements))}
	for _, pc := range group {
		if err := applyBatch(st, pc.b); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func applyBatch(st *stmts, b *Batch) error {
	d := b.Device
	if d == nil {
		return errors.New("store: batch without device")
	}
	if err := st.exec(sqlDevice, d.ID, d.OUI, d.ProductClass, d.SerialNumber, d.Manufacturer, d.Root, d.Model, d.DataModel, d.SoftwareVer,
		d.ConnReqURL, d.RemoteAddr, b2i(d.Discovered), unix(d.FirstSeen), unix(d.LastInform), unix(d.LastBoot), string(d.Discovery), strings.Join(d.Services, ",")); err != nil {
		return err
	}
	if b.Forget {
		if err := st.exec(sqlForgetP, d.ID); err != nil {
			return err
		}
		if err := st.exec(sqlForgetF, d.ID); err != nil {
			return err
		}
	}
	for _, p := range b.DeleteParameters {
		if err := st.exec(sqlDelP, d.ID, p, p, p); err != nil {
			return err
		}
	}
	// Each name is written once, as the PostgreSQL store does: the last
	// value report's value, type and time; the last name report's flags
	// (a discovery reports both: one row write); a row with only name
	// reports keeps its time, or takes the first report's when new.
	last := make(map[string]int, len(b.Parameters))
	lastN := make(map[string]int)
	firstN := make(map[string]int)
	for i := range b.Parameters {
		p := &b.Parameters[i]
		if p.HasValue {
			last[p.Name] = i
		}
		if p.Writable != nil || p.Object {
			lastN[p.Name] = i
			if _, ok := firstN[p.Name]; !ok {
				firstN[p.Name] = i
			}
		}
	}
	writable := func(p *Parameter) int {
		if p.Writable == nil {
			return -1
		}
		return b2i(*p.Writable)
	}
	for i := range b.Parameters {
		p := &b.Parameters[i]
		if p.HasValue && last[p.Name] == i {
			if j, ok := lastN[p.Name]; ok {
				n := &b.Parameters[j]
				if err := st.exec(sqlParamVN, d.ID, p.Name, p.Value, p.Type, writable(n), b2i(n.Object), unix(p.Updated)); err != nil {
					return err
				}
				continue
			}
			if err := st.exec(sqlParamV, d.ID, p.Name, p.Value, p.Type, unix(p.Updated)); err != nil {
				return err
			}
			continue
		}
		if (p.Writable != nil || p.Object) && lastN[p.Name] == i {
			if _, both := last[p.Name]; both {
				continue
			}
			if err := st.exec(sqlParamN, d.ID, p.Name, writable(p), b2i(p.Object), unix(b.Parameters[firstN[p.Name]].Updated)); err != nil {
				return err
			}
		}
	}
	if b.Complete != "" {
		named := make(map[string]bool, len(b.Parameters))
		for i := range b.Parameters {
			named[b.Parameters[i].Name] = true
		}
		if err := st.pruneTree(d.ID, b.Complete, named); err != nil {
			return err
		}
	}
	for _, t := range b.Tasks {
		if err := st.exec(sqlTask, t.Status, string(t.Result), t.FaultCode, t.FaultString, t.CommandKey, unix(t.Updated), t.Attempts, unix(t.RetryAfter), t.ID); err != nil {
			return err
		}
	}
	for _, f := range b.Faults {
		if err := st.exec(sqlFault, d.ID, f.TaskID, f.Method, f.Code, f.String, string(f.Detail), unix(f.Time)); err != nil {
			return err
		}
	}
	if b.ClearFindings {
		if err := st.exec(sqlForgetF, d.ID); err != nil {
			return err
		}
	}
	for _, p := range b.Resolved {
		if err := st.exec(sqlResolve, d.ID, p); err != nil {
			return err
		}
	}
	for _, f := range b.Findings {
		if f.Rule == "" {
			continue
		}
		if err := st.exec(sqlFinding, d.ID, f.Path, f.Rule, f.Message, f.Value, f.Model, unix(f.FirstSeen), unix(f.LastSeen)); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- devices and parameters ----

const deviceCols = `id, oui, product_class, serial, manufacturer, root, model, data_model, software, conn_req_url, remote_addr, discovered, first_seen, last_inform, last_boot, discovery, services`

func scanDevice(sc interface{ Scan(...any) error }) (*Device, error) {
	var d Device
	var disc int
	var fs, li, lb int64
	var discovery, services string
	if err := sc.Scan(&d.ID, &d.OUI, &d.ProductClass, &d.SerialNumber, &d.Manufacturer, &d.Root, &d.Model, &d.DataModel, &d.SoftwareVer,
		&d.ConnReqURL, &d.RemoteAddr, &disc, &fs, &li, &lb, &discovery, &services); err != nil {
		return nil, err
	}
	if services != "" {
		d.Services = strings.Split(services, ",")
	}
	if discovery != "" {
		d.Discovery = json.RawMessage(discovery)
	}
	d.Discovered = disc != 0
	d.FirstSeen, d.LastInform, d.LastBoot = fromUnix(fs), fromUnix(li), fromUnix(lb)
	d.Tags = []string{}
	return &d, nil
}

func (s *SQLite) tags(ctx context.Context, d *Device) error {
	rows, err := s.r.QueryContext(ctx, `SELECT tag FROM tags WHERE device_id=? ORDER BY tag`, d.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		d.Tags = append(d.Tags, t)
	}
	return rows.Err()
}

// Device implements Store.
func (s *SQLite) Device(ctx context.Context, id string) (*Device, error) {
	d, err := scanDevice(s.r.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return d, s.tags(ctx, d)
}

// Devices implements Store.
func (s *SQLite) Devices(ctx context.Context, f DeviceFilter) ([]*Device, error) {
	q := `SELECT ` + deviceCols + ` FROM devices WHERE 1=1`
	var args []any
	if f.Model != "" {
		q += ` AND substr(model,1,length(?))=?`
		args = append(args, f.Model, f.Model)
	}
	if f.ProductClass != "" {
		q += ` AND product_class=?`
		args = append(args, f.ProductClass)
	}
	if f.OUI != "" {
		q += ` AND oui=?`
		args = append(args, f.OUI)
	}
	if f.Tag != "" {
		q += ` AND id IN (SELECT device_id FROM tags WHERE tag=?)`
		args = append(args, f.Tag)
	}
	if !f.InformSince.IsZero() {
		q += ` AND last_inform>=?`
		args = append(args, unix(f.InformSince))
	}
	if !f.InformBefore.IsZero() {
		q += ` AND last_inform<?`
		args = append(args, unix(f.InformBefore))
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []*Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	byID := make(map[string]*Device, len(out))
	for _, d := range out {
		byID[d.ID] = d
	}
	trows, err := s.r.QueryContext(ctx, `SELECT device_id, tag FROM tags ORDER BY device_id, tag`)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var id, tag string
		if err := trows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		if d, ok := byID[id]; ok {
			d.Tags = append(d.Tags, tag)
		}
	}
	return out, trows.Err()
}

// DeleteDevice implements Store: the device and everything about it.
func (s *SQLite) DeleteDevice(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.Exec(`DELETE FROM devices WHERE id=?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	for _, t := range []string{"parameters", "tasks", "faults", "findings", "tags"} {
		if _, err := tx.Exec(`DELETE FROM `+t+` WHERE device_id=?`, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Parameters implements Store: the device's parameters whose names start
// with prefix, sorted by name.
func (s *SQLite) Parameters(ctx context.Context, deviceID, prefix string) ([]Parameter, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, value, type, writable, object, updated FROM parameters
		WHERE device_id=? AND name>=? AND substr(name,1,length(?))=? ORDER BY name`, deviceID, prefix, prefix, prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Parameter
	for rows.Next() {
		var p Parameter
		var w, o int
		var u int64
		if err := rows.Scan(&p.Name, &p.Value, &p.Type, &w, &o, &u); err != nil {
			return nil, err
		}
		if w >= 0 {
			b := w == 1
			p.Writable = &b
		}
		p.Object = o != 0
		p.Updated = fromUnix(u)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ---- tasks ----

const taskCols = `id, device_id, name, spec, status, command_key, internal, result, fault_code, fault_string, created, updated, attempts, retry_after`

func scanTask(sc interface{ Scan(...any) error }) (*Task, error) {
	var t Task
	var spec, result string
	var internal int
	var c, u, ra int64
	if err := sc.Scan(&t.ID, &t.DeviceID, &t.Name, &spec, &t.Status, &t.CommandKey, &internal, &result, &t.FaultCode, &t.FaultString, &c, &u, &t.Attempts, &ra); err != nil {
		return nil, err
	}
	t.RetryAfter = fromUnix(ra)
	t.Spec = json.RawMessage(spec)
	if result != "" {
		t.Result = json.RawMessage(result)
	}
	t.Internal = internal != 0
	t.Created, t.Updated = fromUnix(c), fromUnix(u)
	return &t, nil
}

// AddTask implements Store.
func (s *SQLite) AddTask(ctx context.Context, t *Task) error {
	now := time.Now().UTC()
	t.Created, t.Updated = now, now
	if t.Status == "" {
		t.Status = TaskPending
	}
	if len(t.Spec) == 0 {
		t.Spec = json.RawMessage(`{}`)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO tasks (device_id, name, spec, status, command_key, internal, created, updated) VALUES (?,?,?,?,?,?,?,?)`,
		t.DeviceID, t.Name, string(t.Spec), t.Status, t.CommandKey, b2i(t.Internal), unix(now), unix(now))
	if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

// Task implements Store.
func (s *SQLite) Task(ctx context.Context, id int64) (*Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

// Tasks implements Store: oldest first.
func (s *SQLite) Tasks(ctx context.Context, f TaskFilter) ([]*Task, error) {
	q := `SELECT ` + taskCols + ` FROM tasks WHERE 1=1`
	var args []any
	if f.DeviceID != "" {
		q += ` AND device_id=?`
		args = append(args, f.DeviceID)
	}
	if len(f.Status) > 0 {
		q += ` AND status IN (?` + strings.Repeat(",?", len(f.Status)-1) + `)`
		for _, st := range f.Status {
			args = append(args, st)
		}
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindingDevices implements Store.
func (s *SQLite) FindingDevices(ctx context.Context) ([]string, error) {
	return s.ids(ctx, `SELECT DISTINCT device_id FROM findings`)
}

// PendingDevices implements Store.
func (s *SQLite) PendingDevices(ctx context.Context) ([]string, error) {
	return s.ids(ctx, `SELECT DISTINCT device_id FROM tasks WHERE status='pending'`)
}

func (s *SQLite) ids(ctx context.Context, q string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CancelTask implements Store.
func (s *SQLite) CancelTask(ctx context.Context, id int64) (*Task, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE tasks SET status='cancelled', updated=? WHERE id=? AND status IN ('pending','waiting')`, unix(time.Now()), id)
	if err != nil {
		return nil, err
	}
	n, _ := res.RowsAffected()
	t, err := s.Task(ctx, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return t, ErrConflict
	}
	return t, nil
}

// ---- faults and findings ----

// Faults implements Store: newest first; deviceID "" for all devices.
func (s *SQLite) Faults(ctx context.Context, deviceID string, limit int) ([]Fault, error) {
	q := `SELECT id, device_id, task_id, method, code, string, detail, time FROM faults`
	var args []any
	if deviceID != "" {
		q += ` WHERE device_id=?`
		args = append(args, deviceID)
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Fault{}
	for rows.Next() {
		var f Fault
		var detail string
		var t int64
		if err := rows.Scan(&f.ID, &f.DeviceID, &f.TaskID, &f.Method, &f.Code, &f.String, &detail, &t); err != nil {
			return nil, err
		}
		if detail != "" {
			f.Detail = json.RawMessage(detail)
		}
		f.Time = fromUnix(t)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Findings implements Store, sorted by path and rule.
func (s *SQLite) Findings(ctx context.Context, deviceID string) ([]Finding, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT path, rule, message, value, model, first_seen, last_seen FROM findings WHERE device_id=? ORDER BY path, rule`, deviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		f := Finding{DeviceID: deviceID}
		var fs, ls int64
		if err := rows.Scan(&f.Path, &f.Rule, &f.Message, &f.Value, &f.Model, &fs, &ls); err != nil {
			return nil, err
		}
		f.FirstSeen, f.LastSeen = fromUnix(fs), fromUnix(ls)
		out = append(out, f)
	}
	return out, rows.Err()
}

// ---- tags, files, credentials ----

// SetTag implements Store.
func (s *SQLite) SetTag(ctx context.Context, deviceID, tag string, on bool) error {
	var err error
	if on {
		_, err = s.w.ExecContext(ctx, `INSERT OR IGNORE INTO tags (device_id, tag) VALUES (?,?)`, deviceID, tag)
	} else {
		_, err = s.w.ExecContext(ctx, `DELETE FROM tags WHERE device_id=? AND tag=?`, deviceID, tag)
	}
	return err
}

// PutFile implements Store.
func (s *SQLite) PutFile(ctx context.Context, f *File) error {
	prepareFile(f)
	_, err := s.w.ExecContext(ctx, `INSERT OR REPLACE INTO files (name, file_type, oui, product_class, version, size, data, created, meta) VALUES (?,?,?,?,?,?,?,?,?)`,
		f.Name, f.FileType, f.OUI, f.ProductClass, f.Version, f.Size, f.Data, unix(f.Created), f.meta())
	return err
}

// File implements Store.
func (s *SQLite) File(ctx context.Context, name string) (*File, error) {
	return s.file(ctx, name, true)
}

// FileInfo implements Store.
func (s *SQLite) FileInfo(ctx context.Context, name string) (*File, error) {
	return s.file(ctx, name, false)
}

func (s *SQLite) file(ctx context.Context, name string, data bool) (*File, error) {
	var f File
	var c int64
	var meta string
	cols, dest := "NULL", any(new([]byte))
	if data {
		cols, dest = "data", &f.Data
	}
	err := s.r.QueryRowContext(ctx, `SELECT name, file_type, oui, product_class, version, size, `+cols+`, created, meta FROM files WHERE name=?`, name).
		Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, dest, &c, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	f.Created = fromUnix(c)
	f.setMeta(meta)
	return &f, err
}

// Files implements Store.
func (s *SQLite) Files(ctx context.Context) ([]*File, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, file_type, oui, product_class, version, size, created, meta FROM files ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*File{}
	for rows.Next() {
		var f File
		var c int64
		var meta string
		if err := rows.Scan(&f.Name, &f.FileType, &f.OUI, &f.ProductClass, &f.Version, &f.Size, &c, &meta); err != nil {
			return nil, err
		}
		f.Created = fromUnix(c)
		f.setMeta(meta)
		out = append(out, &f)
	}
	return out, rows.Err()
}

// DeleteFile implements Store.
func (s *SQLite) DeleteFile(ctx context.Context, name string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM files WHERE name=?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Credential implements Store.
func (s *SQLite) Credential(ctx context.Context, username string) (string, string, error) {
	var pw, dev string
	err := s.r.QueryRowContext(ctx, `SELECT password, device_id FROM credentials WHERE username=?`, username).Scan(&pw, &dev)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return pw, dev, err
}

// PutCredential implements Store.
func (s *SQLite) PutCredential(ctx context.Context, username, password, deviceID string) error {
	_, err := s.w.ExecContext(ctx, `INSERT OR REPLACE INTO credentials (username, password, device_id) VALUES (?,?,?)`, username, password, deviceID)
	return err
}

// DeleteCredential implements Store.
func (s *SQLite) DeleteCredential(ctx context.Context, username string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM credentials WHERE username=?`, username)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Setting implements Store.
func (s *SQLite) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE name=?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// PutSetting implements Store.
func (s *SQLite) PutSetting(ctx context.Context, name, value string, keep bool) (string, error) {
	q := `INSERT OR REPLACE INTO settings (name, value) VALUES (?,?)`
	if keep {
		q = `INSERT OR IGNORE INTO settings (name, value) VALUES (?,?)`
	}
	if _, err := s.w.ExecContext(ctx, q, name, value); err != nil {
		return "", err
	}
	return s.Setting(ctx, name)
}
