package store

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL store's side of the compact parameter schema
// (params_migration.go). Ids are resolved in SQL, not cached in the
// process: other processes add to the dictionaries too. A group commit
// first adds the group's new paths, texts and device keys (each list
// sorted, so that concurrent groups take their row locks in one order
// and never deadlock); the statements after it join them.

const (
	pgPathsAdd = `INSERT INTO paths (path) SELECT n FROM unnest($1::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM paths WHERE path = n) ORDER BY n COLLATE "C" ON CONFLICT DO NOTHING`
	pgTextsAdd = `INSERT INTO texts (text) SELECT n FROM unnest($1::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM texts WHERE text = n) ORDER BY n COLLATE "C" ON CONFLICT DO NOTHING`
	pgKeysAdd = `INSERT INTO device_keys (id) SELECT n FROM unnest($1::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM device_keys WHERE id = n) ORDER BY n COLLATE "C" ON CONFLICT DO NOTHING`

	pgDevKey  = `(SELECT key FROM device_keys WHERE id=$1)`
	pgForgetP = `DELETE FROM parameters WHERE dev=` + pgDevKey
	pgForgetF = `DELETE FROM findings WHERE dev=` + pgDevKey
	// A subtree's rows, found from the path dictionary.
	pgDelP     = `DELETE FROM parameters WHERE dev=` + pgDevKey + ` AND path IN (SELECT id FROM paths WHERE path >= $2 AND path < $3)`
	pgDelPOpen = `DELETE FROM parameters WHERE dev=` + pgDevKey + ` AND path IN (SELECT id FROM paths WHERE path >= $2 AND starts_with(path, $2))`
	pgPruneP   = `DELETE FROM parameters x USING paths p WHERE x.dev=` + pgDevKey + ` AND p.id = x.path
		AND starts_with(p.path, $2) AND NOT (p.path = ANY($3::text[]))`
	// A value report replaces the type bits and keeps the name bits; a
	// name report the reverse.
	pgParamV = `INSERT INTO parameters (updated, dev, path, flags, value)
		SELECT x.u, ` + pgDevKey + `, p.id, coalesce(t.id, 0) << 3, x.v
		FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(n, v, ty, u)
		JOIN paths p ON p.path = x.n LEFT JOIN texts t ON t.text = x.ty
		ON CONFLICT (dev, path) DO UPDATE SET value=excluded.value, flags=(excluded.flags & ~7) | (parameters.flags & 7), updated=excluded.updated`
	pgParamVN = `INSERT INTO parameters (updated, dev, path, flags, value)
		SELECT x.u, ` + pgDevKey + `, p.id, (coalesce(t.id, 0) << 3) | x.f, x.v
		FROM unnest($2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[]) AS x(n, v, ty, f, u)
		JOIN paths p ON p.path = x.n LEFT JOIN texts t ON t.text = x.ty
		ON CONFLICT (dev, path) DO UPDATE SET value=excluded.value, flags=excluded.flags, updated=excluded.updated`
	pgParamN = `INSERT INTO parameters (updated, dev, path, flags)
		SELECT x.u, ` + pgDevKey + `, p.id, x.f
		FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS x(n, f, u) JOIN paths p ON p.path = x.n
		ON CONFLICT (dev, path) DO UPDATE SET flags=(parameters.flags & ~7) | excluded.flags`
	pgResolve = `DELETE FROM findings WHERE dev=` + pgDevKey + ` AND path IN (SELECT id FROM paths WHERE path = ANY($2::text[]))
		AND rule IN (SELECT id FROM texts WHERE text IN ('reported-value','reported-type','not-parameter'))`
	pgFindings = `INSERT INTO findings (first_seen, seen_for, dev, path, rule, message, model, value)
		SELECT x.fs, x.ls - x.fs, ` + pgDevKey + `, p.id, r.id, coalesce(m.id, 0), coalesce(mo.id, 0), x.v
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[]) AS x(pa, ru, me, v, mdl, fs, ls)
		JOIN paths p ON p.path = x.pa JOIN texts r ON r.text = x.ru
		LEFT JOIN texts m ON m.text = x.me LEFT JOIN texts mo ON mo.text = x.mdl
		ON CONFLICT (dev, path, rule) DO UPDATE SET message=excluded.message, value=excluded.value, model=excluded.model,
		seen_for=excluded.first_seen + excluded.seen_for - findings.first_seen`
)

// queueDictionaries queues the additions of the group's new paths, texts
// and device keys, ahead of its batches' statements.
func queueDictionaries(q *pgx.Batch, group []*pgCommit) {
	paths, texts, keys := map[string]bool{}, map[string]bool{}, map[string]bool{}
	text := func(s string) {
		if s != "" {
			texts[s] = true
		}
	}
	for _, pc := range group {
		b := pc.b
		keys[b.Device.ID] = true
		for i := range b.Parameters {
			paths[b.Parameters[i].Name] = true
			if b.Parameters[i].HasValue {
				text(b.Parameters[i].Type)
			}
		}
		for _, f := range b.Findings {
			if f.Rule == "" {
				continue
			}
			paths[f.Path] = true
			text(f.Rule)
			text(f.Message)
			text(f.Model)
		}
	}
	sorted := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for s := range m {
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	if len(paths) > 0 {
		q.Queue(pgPathsAdd, sorted(paths))
	}
	if len(texts) > 0 {
		q.Queue(pgTextsAdd, sorted(texts))
	}
	q.Queue(pgKeysAdd, sorted(keys))
}

// queueDeleteSubtree queues the deletion of the device's parameter named
// p and those under it.
func queueDeleteSubtree(q *pgx.Batch, id, p string) {
	if hi, ok := prefixUpper(p); ok {
		q.Queue(pgDelP, id, p, hi)
		return
	}
	q.Queue(pgDelPOpen, id, p)
}

// queueParameters writes value reports and name reports with one
// statement each, and names with both (a discovery) with a third, so that
// a row is written once. The outcome is the SQLite store's row-by-row
// upserts': the last value report's value, type and time; the last name
// report's flags; a row with only name reports keeps its time, or takes
// the first report's when new.
func queueParameters(q *pgx.Batch, id string, ps []Parameter) {
	if len(ps) == 0 {
		return
	}
	lastV := make(map[string]int, len(ps))
	var lastN map[string]int
	for i := range ps {
		if ps[i].HasValue {
			lastV[ps[i].Name] = i
		}
		if ps[i].Writable != nil || ps[i].Object {
			if lastN == nil {
				lastN = map[string]int{}
			}
			lastN[ps[i].Name] = i
		}
	}
	var vNames, vVals, vTypes []string
	var vUps []int64
	var bNames, bVals, bTypes []string
	var bFlags []int32
	var bUps []int64
	for i := range ps {
		p := &ps[i]
		if !p.HasValue || lastV[p.Name] != i {
			continue
		}
		if j, ok := lastN[p.Name]; ok {
			n := &ps[j]
			bNames, bVals, bTypes, bUps = append(bNames, p.Name), append(bVals, p.Value), append(bTypes, p.Type), append(bUps, unix(p.Updated))
			bFlags = append(bFlags, int32(nameFlags(n.Writable, n.Object)))
			continue
		}
		vNames, vVals, vTypes, vUps = append(vNames, p.Name), append(vVals, p.Value), append(vTypes, p.Type), append(vUps, unix(p.Updated))
	}
	if len(vNames) > 0 {
		q.Queue(pgParamV, id, vNames, vVals, vTypes, vUps)
	}
	if len(bNames) > 0 {
		q.Queue(pgParamVN, id, bNames, bVals, bTypes, bFlags, bUps)
	}
	if len(lastN) > len(bNames) {
		first := make(map[string]int64, len(lastN)) // time of a name's first name report
		for i := range ps {
			p := &ps[i]
			if _, seen := first[p.Name]; !seen && (p.Writable != nil || p.Object) {
				first[p.Name] = unix(p.Updated)
			}
		}
		n := len(lastN) - len(bNames)
		names, flags, ups := make([]string, 0, n), make([]int32, 0, n), make([]int64, 0, n)
		for i := range ps {
			p := &ps[i]
			if _, both := lastV[p.Name]; both || (p.Writable == nil && !p.Object) || lastN[p.Name] != i {
				continue
			}
			names, flags, ups = append(names, p.Name), append(flags, int32(nameFlags(p.Writable, p.Object))), append(ups, first[p.Name])
		}
		q.Queue(pgParamN, id, names, flags, ups)
	}
}

// queueFindings upserts findings (the last of a path and rule wins; a
// finding without a rule is not written).
func queueFindings(q *pgx.Batch, id string, fs []Finding) {
	last := make(map[[2]string]int, len(fs))
	for i, f := range fs {
		if f.Rule != "" {
			last[[2]string{f.Path, f.Rule}] = i
		}
	}
	n := len(last)
	if n == 0 {
		return
	}
	ps, rs, ms, vs, mos, fss, lss := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n),
		make([]string, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	for i, f := range fs {
		if f.Rule == "" || last[[2]string{f.Path, f.Rule}] != i {
			continue
		}
		ps, rs, ms, vs, mos = append(ps, f.Path), append(rs, f.Rule), append(ms, f.Message), append(vs, f.Value), append(mos, f.Model)
		fss, lss = append(fss, unix(f.FirstSeen)), append(lss, unix(f.LastSeen))
	}
	q.Queue(pgFindings, id, ps, rs, ms, vs, mos, fss, lss)
}

// Parameters implements Store: the device's parameters whose names start
// with prefix, sorted by name.
func (s *Postgres) Parameters(ctx context.Context, deviceID, prefix string) ([]Parameter, error) {
	if !storable(deviceID) || !storable(prefix) {
		return nil, nil
	}
	const cols = `SELECT p.path, x.value, coalesce(t.text, ''), x.flags, x.updated
		FROM parameters x JOIN paths p ON p.id = x.path LEFT JOIN texts t ON t.id = x.flags >> 3
		WHERE x.dev = ` + pgDevKey
	var rows pgx.Rows
	var err error
	if hi, ok := prefixUpper(prefix); ok && narrowPrefix(prefix) {
		rows, err = s.pool.Query(ctx, cols+` AND p.path >= $2 AND p.path < $3 ORDER BY p.path`, deviceID, prefix, hi)
	} else {
		rows, err = s.pool.Query(ctx, cols+` AND starts_with(p.path, $2) ORDER BY p.path`, deviceID, prefix)
	}
	if err != nil {
		return nil, pgErr("parameters of device "+deviceID, err)
	}
	defer rows.Close()
	var out []Parameter
	for rows.Next() {
		var p Parameter
		var flags int32
		var u int64
		if err := rows.Scan(&p.Name, &p.Value, &p.Type, &flags, &u); err != nil {
			return nil, pgErr("parameters of device "+deviceID, err)
		}
		unpackFlags(&p, int64(flags))
		p.Updated = fromUnix(u)
		out = append(out, p)
	}
	return out, pgErr("parameters of device "+deviceID, rows.Err())
}

// Findings implements Store, sorted by path and rule.
func (s *Postgres) Findings(ctx context.Context, deviceID string) ([]Finding, error) {
	out := []Finding{}
	if !storable(deviceID) {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT p.path, r.text, coalesce(m.text, ''), f.value, coalesce(mo.text, ''), f.first_seen, f.seen_for
		FROM findings f JOIN paths p ON p.id = f.path JOIN texts r ON r.id = f.rule
		LEFT JOIN texts m ON m.id = f.message LEFT JOIN texts mo ON mo.id = f.model
		WHERE f.dev = `+pgDevKey+` ORDER BY p.path, r.text`, deviceID)
	if err != nil {
		return nil, pgErr("findings of device "+deviceID, err)
	}
	defer rows.Close()
	for rows.Next() {
		f := Finding{DeviceID: deviceID}
		var fs, span int64
		if err := rows.Scan(&f.Path, &f.Rule, &f.Message, &f.Value, &f.Model, &fs, &span); err != nil {
			return nil, pgErr("findings of device "+deviceID, err)
		}
		f.FirstSeen, f.LastSeen = fromUnix(fs), fromUnix(fs+span)
		out = append(out, f)
	}
	return out, pgErr("findings of device "+deviceID, rows.Err())
}

// FindingDevices implements Store, sorted.
func (s *Postgres) FindingDevices(ctx context.Context) ([]string, error) {
	return s.ids(ctx, "devices with findings", `SELECT id FROM device_keys k WHERE EXISTS (SELECT 1 FROM findings WHERE dev = k.key) ORDER BY id`)
}
