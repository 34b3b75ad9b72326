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
	fileChunksMigrationSQLite,
	paramsMigrationSQLite,
	uiStateMigrationSQL,
	runRecordsMigration,
	loginFailuresMigration,
}

// SQLite is the embedded Store: one database file in WAL mode, one
// writer connection fed by a group-commit loop (the changes of many
// sessions share one transaction), and a pool of reader connections.
type SQLite struct {
	w, r     *sql.DB
	prepared map[string]*sql.Stmt
	dicts    *sqliteDicts // the writer's path, text and device key caches

	commits chan *pendingCommit
	done    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Once
}

type pendingCommit struct {
	b    *Batch
	rows []paramRow // b's parameter rows, planned by the committing goroutine
	err  chan error
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
	if err := migrate(w, migrations); err != nil {
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
	s := &SQLite{w: w, r: r, commits: make(chan *pendingCommit, 1024), done: make(chan struct{}), prepared: map[string]*sql.Stmt{}, dicts: newSQLiteDicts()}
	for _, q := range append(groupStatements, paramStatements...) {
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

func migrate(db *sql.DB, migrations []string) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return newerSchema(v, len(migrations))
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
	pc := &pendingCommit{b: b, rows: planParamRows(b.Parameters), err: make(chan error, 1)}
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
	sqlTask  = `UPDATE tasks SET status=?, result=?, fault_code=?, fault_string=?, command_key=?, updated=?, attempts=?, retry_after=? WHERE id=? AND status NOT IN ('cancelled')`
	sqlFault = `INSERT INTO faults (device_id, task_id, method, code, string, detail, time) VALUES (?,?,?,?,?,?,?)`
)

var groupStatements = []string{sqlDevice, sqlTask, sqlFault}

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

func (s *SQLite) applyAll(group []*pendingCommit) error {
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := &stmts{s: s, tx: tx, inTx: make(map[string]*sql.Stmt, len(groupStatements))}
	for _, pc := range group {
		if err := applyBatch(st, pc.b, pc.rows); err != nil {
			s.dicts.rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		s.dicts.rollback()
		return err
	}
	s.dicts.commit()
	return nil
}

func applyBatch(st *stmts, b *Batch, planned []paramRow) error {
	d := b.Device
	if d == nil {
		return errors.New("store: batch without device")
	}
	if err := st.exec(sqlDevice, d.ID, d.OUI, d.ProductClass, d.SerialNumber, d.Manufacturer, d.Root, d.Model, d.DataModel, d.SoftwareVer,
		d.ConnReqURL, d.RemoteAddr, b2i(d.Discovered), unix(d.FirstSeen), unix(d.LastInform), unix(d.LastBoot), string(d.Discovery), strings.Join(d.Services, ",")); err != nil {
		return err
	}
	dev, newKey, err := st.devKey(d.ID)
	if err != nil {
		return err
	}
	if b.Forget {
		if err := st.exec(sqlForgetP, dev); err != nil {
			return err
		}
		if err := st.exec(sqlForgetF, dev); err != nil {
			return err
		}
	}
	for _, p := range b.DeleteParameters {
		if err := st.deleteSubtree(dev, p); err != nil {
			return err
		}
	}
	rows := newParamRows(st, dev)
	written := make(map[int64]bool, len(planned))
	for _, r := range planned {
		var p *Parameter // the row's value report, else its name report
		var value string
		var flags, updated int64
		if r.name >= 0 {
			n := &b.Parameters[r.name]
			p, flags, updated = n, nameFlags(n.Writable, n.Object), unix(b.Parameters[r.time].Updated)
		}
		if r.value >= 0 {
			p = &b.Parameters[r.value]
			typ, err := st.textID(p.Type)
			if err != nil {
				return err
			}
			value, flags, updated = p.Value, flags|typ<<flagTypeShift, unix(p.Updated)
		}
		path, err := st.pathID(p.Name)
		if err != nil {
			return err
		}
		written[path] = true
		if err := rows.add(r.kind, path, value, flags, updated); err != nil {
			return err
		}
	}
	if err := rows.flush(); err != nil {
		return err
	}
	// A device key new in this transaction has no rows but this batch's:
	// nothing to prune (a first contact).
	if b.Complete != "" && !newKey && !b.Forget {
		named := make(map[string]bool, len(b.Parameters))
		for i := range b.Parameters {
			named[b.Parameters[i].Name] = true
		}
		if err := st.pruneTree(dev, b.Complete, written, named); err != nil {
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
		if err := st.exec(sqlForgetF, dev); err != nil {
			return err
		}
	}
	for _, p := range b.Resolved {
		if err := st.exec(sqlResolve, dev, p); err != nil {
			return err
		}
	}
	if err := st.writeFindings(dev, b.Findings); err != nil {
		return err
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
	for _, t := range []string{"tasks", "faults", "tags"} {
		if _, err := tx.Exec(`DELETE FROM `+t+` WHERE device_id=?`, id); err != nil {
			return err
		}
	}
	// The device's key stays (the writer caches it; a key is 3 bytes or
	// so): its rows go.
	for _, t := range []string{"parameters", "findings"} {
		if _, err := tx.Exec(`DELETE FROM `+t+` WHERE dev=(SELECT key FROM device_keys WHERE id=?)`, id); err != nil {
			return err
		}
	}
	return tx.Commit()
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
