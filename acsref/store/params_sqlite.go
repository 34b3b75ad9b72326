package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// The SQLite store's side of the compact parameter schema
// (params_migration.go): the writer's dictionary look-ups and the
// statements on parameters and findings.

// Bounds of the writer's dictionary caches (entries per generation, see
// dictCache): a fleet of one model needs a few thousand paths; devices
// beyond the bound cost one indexed read each.
const (
	pathCacheSize   = 1 << 16
	textCacheSize   = 1 << 12
	deviceCacheSize = 1 << 14
)

// sqliteDicts are the writer goroutine's caches (only it writes).
type sqliteDicts struct {
	paths, texts, devices *dictCache
}

func newSQLiteDicts() *sqliteDicts {
	return &sqliteDicts{paths: newDictCache(pathCacheSize), texts: newDictCache(textCacheSize), devices: newDictCache(deviceCacheSize)}
}

func (d *sqliteDicts) commit() {
	d.paths.commit()
	d.texts.commit()
	d.devices.commit()
}

func (d *sqliteDicts) rollback() {
	d.paths.rollback()
	d.texts.rollback()
	d.devices.rollback()
}

const (
	sqlPathGet   = `SELECT id FROM paths WHERE path=?`
	sqlPathAdd   = `INSERT INTO paths (path) VALUES (?)`
	sqlTextGet   = `SELECT id FROM texts WHERE text=?`
	sqlTextAdd   = `INSERT INTO texts (text) VALUES (?)`
	sqlDevKeyGet = `SELECT key FROM device_keys WHERE id=?`
	sqlDevKeyAdd = `INSERT INTO device_keys (id) VALUES (?)`

	sqlForgetP = `DELETE FROM parameters WHERE dev=?`
	sqlForgetF = `DELETE FROM findings WHERE dev=?`
	// A subtree's rows, found from the path dictionary (a range of it).
	sqlDelP     = `DELETE FROM parameters WHERE dev=? AND path IN (SELECT id FROM paths WHERE path>=? AND path<?)`
	sqlDelPOpen = `DELETE FROM parameters WHERE dev=? AND path IN (SELECT id FROM paths WHERE path>=? AND substr(path,1,length(?))=?)`
	// The device's rows' paths, and one path's name.
	sqlDevPaths = `SELECT path FROM parameters WHERE dev=?`
	sqlPathName = `SELECT path FROM paths WHERE id=?`
	sqlDelName  = `DELETE FROM parameters WHERE dev=? AND path=?`
	sqlResolve  = `DELETE FROM findings WHERE dev=? AND path=(SELECT id FROM paths WHERE path=?)
		AND rule IN (SELECT id FROM texts WHERE text IN ('reported-value','reported-type','not-parameter'))`
	// seen_for is last_seen - first_seen; the first report's first_seen
	// stays.
	sqlFinding      = findingHead + `(?,?,?,?,?,?,?,?)` + findingConflict
	findingHead     = `INSERT INTO findings (dev, path, rule, message, value, model, first_seen, seen_for) VALUES `
	findingConflict = ` ON CONFLICT(dev, path, rule) DO UPDATE SET message=excluded.message, value=excluded.value, model=excluded.model,
		seen_for=excluded.first_seen + excluded.seen_for - findings.first_seen`
)

// findingChunkSQL writes paramChunk findings.
var findingChunkSQL = findingHead + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", paramChunk), ",") + findingConflict

var paramStatements = []string{sqlPathGet, sqlPathAdd, sqlTextGet, sqlTextAdd, sqlDevKeyGet, sqlDevKeyAdd, sqlDelPOpen,
	sqlForgetP, sqlForgetF, sqlDelP, sqlDevPaths, sqlPathName, sqlDelName, sqlResolve, sqlFinding}

// dictID returns the id of s in a dictionary, adding it if new (added
// true).
func (st *stmts) dictID(c *dictCache, get, add, s string) (id int64, added bool, err error) {
	if id, ok := c.get(s); ok {
		return id, false, nil
	}
	err = st.stmt(get).QueryRow(s).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var res sql.Result
		if res, err = st.stmt(add).Exec(s); err == nil {
			id, err = res.LastInsertId()
			added = true
		}
	}
	if err != nil {
		return 0, false, err
	}
	c.stage(s, id)
	return id, added, nil
}

func (st *stmts) pathID(path string) (int64, error) {
	id, _, err := st.dictID(st.s.dicts.paths, sqlPathGet, sqlPathAdd, path)
	return id, err
}

// textID is 0 for "".
func (st *stmts) textID(text string) (int64, error) {
	if text == "" {
		return 0, nil
	}
	id, _, err := st.dictID(st.s.dicts.texts, sqlTextGet, sqlTextAdd, text)
	return id, err
}

// devKey is the device's key; added when the key is new in this
// transaction (the device has no rows yet).
func (st *stmts) devKey(id string) (key int64, added bool, err error) {
	return st.dictID(st.s.dicts.devices, sqlDevKeyGet, sqlDevKeyAdd, id)
}

// paramRow is one row a batch writes, planned (planParamRows) before the
// batch reaches the writer, as indexes into the batch's parameters (a
// session's batch may wait in the queue: the plan adds 12 bytes a row).
type paramRow struct {
	kind  int32 // paramV, paramN, paramVN
	value int32 // the value report (paramV, paramVN)
	name  int32 // the name report giving the flags (paramN, paramVN)
	time  int32 // paramN: the first name report, whose time a new row takes
}

// planParamRows writes each name once, as the PostgreSQL store does: the
// last value report's value, type and time; the last name report's flags
// (a discovery reports both: one row write); a row with only name reports
// keeps its time, or takes the first report's when new. It runs in the
// committing session's goroutine, not the single writer's.
func planParamRows(ps []Parameter) []paramRow {
	if len(ps) == 0 {
		return nil
	}
	last := make(map[string]int, len(ps))
	lastN := make(map[string]int)
	firstN := make(map[string]int)
	for i := range ps {
		p := &ps[i]
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
	out := make([]paramRow, 0, len(last)+len(lastN))
	for i := range ps {
		p := &ps[i]
		valueRow := p.HasValue && last[p.Name] == i
		nameRow := (p.Writable != nil || p.Object) && lastN[p.Name] == i
		if _, both := last[p.Name]; nameRow && both {
			continue // written with the value report
		}
		switch {
		case valueRow:
			r := paramRow{kind: paramV, value: int32(i), name: -1}
			if j, ok := lastN[p.Name]; ok {
				r.kind, r.name = paramVN, int32(j)
			}
			out = append(out, r)
		case nameRow:
			out = append(out, paramRow{kind: paramN, value: -1, name: int32(i), time: int32(firstN[p.Name])})
		}
	}
	return out
}

// deleteSubtree drops the device's parameter named p and those under it.
func (st *stmts) deleteSubtree(dev int64, p string) error {
	if hi, ok := prefixUpper(p); ok {
		return st.exec(sqlDelP, dev, p, hi)
	}
	return st.exec(sqlDelPOpen, dev, p, p, p)
}

// pruneTree drops the device's parameters under prefix that the batch
// does not name (Batch.Complete): written holds the path ids the batch
// wrote, named every name it holds. Only the device's other rows are
// looked up by path (none after a first contact).
func (st *stmts) pruneTree(dev int64, prefix string, written map[int64]bool, named map[string]bool) error {
	rows, err := st.stmt(sqlDevPaths).Query(dev)
	if err != nil {
		return err
	}
	var others []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if !written[id] {
			others = append(others, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range others {
		var n string
		if err := st.stmt(sqlPathName).QueryRow(id).Scan(&n); err != nil {
			return err
		}
		if named[n] || len(n) < len(prefix) || n[:len(prefix)] != prefix {
			continue
		}
		if err := st.exec(sqlDelName, dev, id); err != nil {
			return err
		}
	}
	return nil
}

// Parameter rows are written several to a statement: one statement per
// row costs more than the row in modernc's SQLite, and a long statement
// costs n² in its n arguments (its bind matches each argument by a
// linear scan). 16 rows measured best (BenchmarkParameterStorage: 30 ms
// a device one row a statement, 10 ms at 8 or 16, 15 ms at 64).
const (
	paramV  = iota // value report: value and type
	paramN         // name report: writable and object
	paramVN        // both
	paramKinds
	paramChunk = 16 // rows a statement
)

// paramSQL is the statement writing n rows of a kind.
func paramSQL(kind, n int) string {
	head, conflict := `INSERT INTO parameters (dev, path, value, flags, updated) VALUES `, ""
	switch kind {
	case paramV:
		conflict = `value=excluded.value, flags=(excluded.flags & ~7) | (parameters.flags & 7), updated=excluded.updated`
	case paramN:
		conflict = `flags=(parameters.flags & ~7) | excluded.flags`
	case paramVN:
		conflict = `value=excluded.value, flags=excluded.flags, updated=excluded.updated`
	}
	return head + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", n), ",") + ` ON CONFLICT(dev, path) DO UPDATE SET ` + conflict
}

var paramChunkSQL, paramOneSQL [paramKinds]string

func init() {
	for k := range paramKinds {
		paramChunkSQL[k], paramOneSQL[k] = paramSQL(k, paramChunk), paramSQL(k, 1)
		paramStatements = append(paramStatements, paramChunkSQL[k], paramOneSQL[k])
	}
	paramStatements = append(paramStatements, findingChunkSQL)
}

// paramRows collects a batch's parameter rows by kind and writes them a
// chunk at a time.
type paramRows struct {
	st   *stmts
	dev  int64
	args [paramKinds][]any
}

func newParamRows(st *stmts, dev int64) *paramRows { return &paramRows{st: st, dev: dev} }

// add queues a row; a name report's row keeps its value column "" when
// new (the default).
func (r *paramRows) add(kind int32, path int64, value string, flags, updated int64) error {
	r.args[kind] = append(r.args[kind], r.dev, path, value, flags, updated)
	if len(r.args[kind]) == 5*paramChunk {
		if err := r.st.exec(paramChunkSQL[kind], r.args[kind]...); err != nil {
			return err
		}
		r.args[kind] = r.args[kind][:0]
	}
	return nil
}

func (r *paramRows) flush() error {
	for kind, args := range r.args {
		for len(args) > 0 {
			if err := r.st.exec(paramOneSQL[kind], args[:5]...); err != nil {
				return err
			}
			args = args[5:]
		}
		r.args[kind] = args
	}
	return nil
}

// writeFindings upserts the batch's findings (those with a rule),
// several to a statement as parameter rows are.
func (st *stmts) writeFindings(dev int64, fs []Finding) error {
	var args []any
	for i := range fs {
		f := &fs[i]
		if f.Rule == "" {
			continue
		}
		path, err := st.pathID(f.Path)
		if err != nil {
			return err
		}
		var ids [3]int64
		for i, s := range []string{f.Rule, f.Message, f.Model} {
			if ids[i], err = st.textID(s); err != nil {
				return err
			}
		}
		first := unix(f.FirstSeen)
		args = append(args, dev, path, ids[0], ids[1], f.Value, ids[2], first, unix(f.LastSeen)-first)
		if len(args) == 8*paramChunk {
			if err := st.exec(findingChunkSQL, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	for ; len(args) > 0; args = args[8:] {
		if err := st.exec(sqlFinding, args[:8]...); err != nil {
			return err
		}
	}
	return nil
}

// readKey is a device's key for the readers; false if it has none (no
// parameters or findings were ever written for it).
func (s *SQLite) readKey(ctx context.Context, id string) (int64, bool, error) {
	var key int64
	err := s.r.QueryRowContext(ctx, `SELECT key FROM device_keys WHERE id=?`, id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return key, err == nil, err
}

// Parameters implements Store: the device's parameters whose names start
// with prefix, sorted by name. A narrow prefix is looked up in the path
// dictionary (an index range) and then in the device's rows; "" and the
// root read the device's rows and their paths.
func (s *SQLite) Parameters(ctx context.Context, deviceID, prefix string) ([]Parameter, error) {
	key, ok, err := s.readKey(ctx, deviceID)
	if err != nil || !ok {
		return nil, err
	}
	const cols = `SELECT p.path, x.value, coalesce(t.text, ''), x.flags, x.updated`
	var rows *sql.Rows
	if hi, ok := prefixUpper(prefix); ok && narrowPrefix(prefix) {
		rows, err = s.r.QueryContext(ctx, cols+` FROM paths p CROSS JOIN parameters x ON x.dev=? AND x.path=p.id
			LEFT JOIN texts t ON t.id=(x.flags>>3) WHERE p.path>=? AND p.path<? ORDER BY p.path`, key, prefix, hi)
	} else {
		rows, err = s.r.QueryContext(ctx, cols+` FROM parameters x CROSS JOIN paths p ON p.id=x.path
			LEFT JOIN texts t ON t.id=(x.flags>>3) WHERE x.dev=? AND substr(p.path,1,length(?))=? ORDER BY p.path`, key, prefix, prefix)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Parameter
	for rows.Next() {
		var p Parameter
		var flags, u int64
		if err := rows.Scan(&p.Name, &p.Value, &p.Type, &flags, &u); err != nil {
			return nil, err
		}
		unpackFlags(&p, flags)
		p.Updated = fromUnix(u)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Findings implements Store, sorted by path and rule.
func (s *SQLite) Findings(ctx context.Context, deviceID string) ([]Finding, error) {
	out := []Finding{}
	key, ok, err := s.readKey(ctx, deviceID)
	if err != nil || !ok {
		return out, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.path, r.text, coalesce(m.text, ''), f.value, coalesce(mo.text, ''), f.first_seen, f.seen_for
		FROM findings f JOIN paths p ON p.id=f.path JOIN texts r ON r.id=f.rule
		LEFT JOIN texts m ON m.id=f.message LEFT JOIN texts mo ON mo.id=f.model
		WHERE f.dev=? ORDER BY p.path, r.text`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		f := Finding{DeviceID: deviceID}
		var fs, span int64
		if err := rows.Scan(&f.Path, &f.Rule, &f.Message, &f.Value, &f.Model, &fs, &span); err != nil {
			return nil, err
		}
		f.FirstSeen, f.LastSeen = fromUnix(fs), fromUnix(fs+span)
		out = append(out, f)
	}
	return out, rows.Err()
}

// FindingDevices implements Store.
func (s *SQLite) FindingDevices(ctx context.Context) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM device_keys k WHERE EXISTS (SELECT 1 FROM findings WHERE dev=k.key) ORDER BY id`)
}
