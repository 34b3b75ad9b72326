package acsref

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// GenieACS's NBI filters devices with a MongoDB-style query
// (GET /devices?query={...}) and trims them with a projection
// (&projection=a,b). The ACS implements a documented subset and refuses
// anything outside it by name (HTTP 400), never ignoring a filter:
//
//   - fields: _id, _tags, _lastInform, _registered, DeviceID.ID,
//     DeviceID.OUI, DeviceID.ProductClass, DeviceID.SerialNumber,
//     DeviceID.Manufacturer (also as _deviceId._OUI …), and parameter paths
//     (their value; "path._value" is the same);
//   - operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $regex
//     ($options "i"), $not, $and $or $nor; a bare value is $eq; _tags
//     matches when any tag matches;
//   - values compare as numbers when both sides are numbers, as times for
//     _lastInform and _registered (RFC 3339 text or Unix milliseconds),
//     as booleans against true/false, else as text.

// maxQueryDepth bounds the nesting of a query (it is parsed recursively).
const maxQueryDepth = 32

// maxQuerySize bounds a query's text.
const maxQuerySize = 64 << 10

// deviceQuery is a parsed query: true when the device matches.
type deviceQuery interface {
	match(d *queryDoc) bool
}

// queryDoc is what a query sees of one device.
type queryDoc struct {
	dev    *store.Device
	params map[string]store.Parameter // the parameters the query names
}

// QueryError is a query the ACS does not support or cannot parse.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

func qerr(format string, args ...any) error { return &QueryError{Msg: fmt.Sprintf(format, args...)} }

// parseDeviceQuery parses a GenieACS query; paths receives the parameter
// paths it reads.
func parseDeviceQuery(text string) (deviceQuery, []string, error) {
	if len(text) > maxQuerySize {
		return nil, nil, qerr("query: longer than %d bytes", maxQuerySize)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, qerr("query: not JSON: %v", err)
	}
	if dec.More() {
		return nil, nil, qerr("query: more than one JSON value")
	}
	p := &queryParser{}
	q, err := p.doc(v, 0)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(p.paths)
	return q, p.paths, nil
}

type queryParser struct{ paths []string }

type andQuery []deviceQuery
type orQuery []deviceQuery
type notQuery struct{ q deviceQuery }

func (a andQuery) match(d *queryDoc) bool {
	for _, q := range a {
		if !q.match(d) {
			return false
		}
	}
	return true
}

func (o orQuery) match(d *queryDoc) bool {
	for _, q := range o {
		if q.match(d) {
			return true
		}
	}
	return false
}

func (n notQuery) match(d *queryDoc) bool { return !n.q.match(d) }

// doc parses a query document: {field: cond, $and: [...], ...}.
func (p *queryParser) doc(v any, depth int) (deviceQuery, error) {
	if depth > maxQueryDepth {
		return nil, qerr("query: nested deeper than %d", maxQueryDepth)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, qerr("query: a query is a JSON object, got %s", jsonKind(v))
	}
	keys := sortedKeys(m)
	var all andQuery
	for _, k := range keys {
		val := m[k]
		switch k {
		case "$and", "$or", "$nor":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				return nil, qerr("query: %s takes a non-empty array of queries", k)
			}
			var subs []deviceQuery
			for _, e := range list {
				q, err := p.doc(e, depth+1)
				if err != nil {
					return nil, err
				}
				subs = append(subs, q)
			}
			switch k {
			case "$and":
				all = append(all, andQuery(subs))
			case "$or":
				all = append(all, orQuery(subs))
			default:
				all = append(all, notQuery{orQuery(subs)})
			}
		default:
			if strings.HasPrefix(k, "$") {
				return nil, qerr("query: operator %s is not supported at the top level (supported: $and, $or, $nor)", k)
			}
			f, err := p.field(k)
			if err != nil {
				return nil, err
			}
			q, err := p.cond(f, val, depth+1)
			if err != nil {
				return nil, err
			}
			all = append(all, q)
		}
	}
	return all, nil
}

// queryField is what a field name reads from a device.
type queryField struct {
	name string
	kind string // "id", "tags", "time", "text", "param"
	get  func(d *queryDoc) []any
}

var deviceIDFields = map[string]func(d *store.Device) string{
	"ID":           func(d *store.Device) string { return d.ID },
	"OUI":          func(d *store.Device) string { return d.OUI },
	"ProductClass": func(d *store.Device) string { return d.ProductClass },
	"SerialNumber": func(d *store.Device) string { return d.SerialNumber },
	"Manufacturer": func(d *store.Device) string { return d.Manufacturer },
}

func (p *queryParser) field(name string) (*queryField, error) {
	switch name {
	case "_id":
		return &queryField{name: name, kind: "text", get: func(d *queryDoc) []any { return []any{d.dev.ID} }}, nil
	case "_tags":
		return &queryField{name: name, kind: "tags", get: func(d *queryDoc) []any {
			out := make([]any, len(d.dev.Tags))
			for i, t := range d.dev.Tags {
				out[i] = t
			}
			return out
		}}, nil
	case "_lastInform":
		return &queryField{name: name, kind: "time", get: func(d *queryDoc) []any { return []any{d.dev.LastInform} }}, nil
	case "_registered":
		return &queryField{name: name, kind: "time", get: func(d *queryDoc) []any { return []any{d.dev.FirstSeen} }}, nil
	}
	if rest, ok := strings.CutPrefix(name, "DeviceID."); ok {
		if f, ok := deviceIDFields[rest]; ok {
			return &queryField{name: name, kind: "text", get: func(d *queryDoc) []any { return []any{f(d.dev)} }}, nil
		}
		return nil, qerr("query: field %s is not supported (DeviceID.ID, .OUI, .ProductClass, .SerialNumber, .Manufacturer)", name)
	}
	if rest, ok := strings.CutPrefix(name, "_deviceId._"); ok {
		if f, ok := deviceIDFields[rest]; ok && rest != "ID" {
			return &queryField{name: name, kind: "text", get: func(d *queryDoc) []any { return []any{f(d.dev)} }}, nil
		}
	}
	if strings.HasPrefix(name, "_") {
		return nil, qerr("query: field %s is not supported (_id, _tags, _lastInform, _registered, _deviceId._OUI …, DeviceID.*, parameter paths)", name)
	}
	path := strings.TrimSuffix(name, "._value")
	if i := strings.LastIndex(path, "._"); i >= 0 {
		return nil, qerr("query: attribute %s of %s is not supported (only the value: the path, or path._value)", path[i+1:], path[:i])
	}
	if path == "" || strings.HasSuffix(path, ".") {
		return nil, qerr("query: field %q is not a parameter path", name)
	}
	p.paths = append(p.paths, path)
	return &queryField{name: path, kind: "param", get: func(d *queryDoc) []any {
		if pr, ok := d.params[path]; ok && !pr.Object {
			return []any{pr.Value}
		}
		return nil
	}}, nil
}

// cond parses the condition on a field: a value ($eq) or an object of
// operators.
func (p *queryParser) cond(f *queryField, v any, depth int) (deviceQuery, error) {
	if depth > maxQueryDepth {
		return nil, qerr("query: nested deeper than %d", maxQueryDepth)
	}
	m, ok := v.(map[string]any)
	if !ok || !hasOperator(m) {
		return p.compare(f, "$eq", v)
	}
	var all andQuery
	keys := sortedKeys(m)
	for _, op := range keys {
		arg := m[op]
		switch op {
		case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte":
			q, err := p.compare(f, op, arg)
			if err != nil {
				return nil, err
			}
			all = append(all, q)
		case "$in", "$nin":
			list, ok := arg.([]any)
			if !ok {
				return nil, qerr("query: %s of %s takes an array", op, f.name)
			}
			var alts orQuery
			for _, e := range list {
				q, err := p.compare(f, "$eq", e)
				if err != nil {
					return nil, err
				}
				alts = append(alts, q)
			}
			if op == "$in" {
				all = append(all, alts)
			} else {
				all = append(all, notQuery{alts})
			}
		case "$exists":
			want, ok := arg.(bool)
			if !ok {
				return nil, qerr("query: $exists of %s takes true or false", f.name)
			}
			all = append(all, existsQuery{f: f, want: want})
		case "$regex":
			pat, ok := arg.(string)
			if !ok {
				return nil, qerr("query: $regex of %s takes a string", f.name)
			}
			if opts, ok := m["$options"]; ok {
				o, _ := opts.(string)
				switch o {
				case "":
				case "i":
					pat = "(?i)" + pat
				default:
					return nil, qerr("query: $options %q of %s is not supported (only \"i\")", o, f.name)
				}
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, qerr("query: $regex of %s: %v", f.name, err)
			}
			all = append(all, regexQuery{f: f, re: re})
		case "$options":
			if _, ok := m["$regex"]; !ok {
				return nil, qerr("query: $options of %s without $regex", f.name)
			}
		case "$not":
			q, err := p.cond(f, arg, depth+1)
			if err != nil {
				return nil, err
			}
			all = append(all, notQuery{q})
		default:
			return nil, qerr("query: operator %s (on %s) is not supported (supported: $eq $ne $gt $gte $lt $lte $in $nin $exists $regex $options $not $and $or $nor)", op, f.name)
		}
	}
	return all, nil
}

func hasOperator(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

// operand is a query value ready to compare.
type operand struct {
	text  string
	num   float64
	isNum bool
	t     time.Time
	isT   bool
	null  bool
}

func (p *queryParser) compare(f *queryField, op string, v any) (deviceQuery, error) {
	var o operand
	switch x := v.(type) {
	case nil:
		o.null = true
	case string:
		o.text = x
		if n, err := strconv.ParseFloat(x, 64); err == nil && !math.IsNaN(n) {
			o.num, o.isNum = n, true
		}
	case json.Number:
		o.text = x.String()
		n, err := x.Float64()
		if err != nil {
			return nil, qerr("query: %s of %s: %v", op, f.name, err)
		}
		o.num, o.isNum = n, true
	case bool:
		o.text = strconv.FormatBool(x)
	default:
		return nil, qerr("query: %s of %s takes a string, number, boolean or null, got %s", op, f.name, jsonKind(v))
	}
	if f.kind == "time" && !o.null {
		switch {
		case o.isNum:
			o.t, o.isT = time.UnixMilli(int64(o.num)), true
		default:
			t, err := time.Parse(time.RFC3339Nano, o.text)
			if err != nil {
				return nil, qerr("query: %s of %s: %q is not an RFC 3339 time or Unix milliseconds", op, f.name, o.text)
			}
			o.t, o.isT = t, true
		}
	}
	return compareQuery{f: f, op: op, o: o}, nil
}

type compareQuery struct {
	f  *queryField
	op string
	o  operand
}

func (c compareQuery) match(d *queryDoc) bool {
	vals := c.f.get(d)
	if c.o.null {
		// {field: null} matches a missing field; $ne null an existing one.
		switch c.op {
		case "$eq":
			return len(vals) == 0
		case "$ne":
			return len(vals) > 0
		}
		return false
	}
	if c.op == "$ne" {
		for _, v := range vals {
			if cmp, ok := c.cmp(v); ok && cmp == 0 {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		cmp, ok := c.cmp(v)
		if !ok {
			continue
		}
		switch c.op {
		case "$eq":
			if cmp == 0 {
				return true
			}
		case "$gt":
			if cmp > 0 {
				return true
			}
		case "$gte":
			if cmp >= 0 {
				return true
			}
		case "$lt":
			if cmp < 0 {
				return true
			}
		case "$lte":
			if cmp <= 0 {
				return true
			}
		}
	}
	return false
}

// cmp compares a device's value with the operand; false when they do not
// compare (a number against text).
func (c compareQuery) cmp(v any) (int, bool) {
	switch x := v.(type) {
	case time.Time:
		if !c.o.isT {
			return 0, false
		}
		return x.Compare(c.o.t), true
	case string:
		if c.o.isNum {
			n, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return 0, false
			}
			switch {
			case n < c.o.num:
				return -1, true
			case n > c.o.num:
				return 1, true
			}
			return 0, true
		}
		want := c.o.text
		if want == "true" || want == "false" {
			// Booleans as devices send them: 1/0 too.
			switch strings.ToLower(x) {
			case "1", "true":
				x = "true"
			case "0", "false":
				x = "false"
			}
		}
		return strings.Compare(x, want), true
	}
	return 0, false
}

type existsQuery struct {
	f    *queryField
	want bool
}

func (e existsQuery) match(d *queryDoc) bool { return (len(e.f.get(d)) > 0) == e.want }

type regexQuery struct {
	f  *queryField
	re *regexp.Regexp
}

func (r regexQuery) match(d *queryDoc) bool {
	for _, v := range r.f.get(d) {
		if s, ok := v.(string); ok && r.re.MatchString(s) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// queryDevices filters devices with a parsed query, reading the
// parameters it names.
func (s *Server) queryDevices(ctx context.Context, ds []*store.Device, q deviceQuery, paths []string) ([]*store.Device, error) {
	out := ds[:0:0]
	for _, d := range ds {
		doc := &queryDoc{dev: d}
		if len(paths) > 0 {
			var err error
			if doc.params, err = s.parametersNamed(ctx, d.ID, paths); err != nil {
				return nil, err
			}
		}
		if q.match(doc) {
			out = append(out, d)
		}
	}
	return out, nil
}

// parametersNamed reads the device's parameters at (or under, for a
// partial path) the paths.
func (s *Server) parametersNamed(ctx context.Context, id string, paths []string) (map[string]store.Parameter, error) {
	out := map[string]store.Parameter{}
	for _, p := range paths {
		ps, err := s.st.Parameters(ctx, id, p)
		if err != nil {
			return nil, err
		}
		for _, x := range ps {
			if x.Name == p || strings.HasSuffix(p, ".") {
				out[x.Name] = x
			}
		}
	}
	return out, nil
}

// parseProjection parses GenieACS's projection: comma-separated fields.
func parseProjection(text string) ([]string, []string, error) {
	var fields, paths []string
	for _, f := range strings.Split(text, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case f == "_id", f == "_tags", f == "_lastInform", f == "_registered", f == "_deviceId":
			fields = append(fields, f)
		case strings.HasPrefix(f, "_deviceId._"):
			if _, ok := deviceIDFields[strings.TrimPrefix(f, "_deviceId._")]; !ok {
				return nil, nil, qerr("projection: field %s is not supported", f)
			}
			fields = append(fields, f)
		case strings.HasPrefix(f, "DeviceID."):
			if _, ok := deviceIDFields[strings.TrimPrefix(f, "DeviceID.")]; !ok {
				return nil, nil, qerr("projection: field %s is not supported", f)
			}
			fields = append(fields, f)
		case strings.HasPrefix(f, "_"):
			return nil, nil, qerr("projection: field %s is not supported (_id, _tags, _lastInform, _registered, _deviceId, DeviceID.*, parameter paths)", f)
		default:
			paths = append(paths, f)
		}
	}
	return fields, paths, nil
}

// projectDevice is a device as GenieACS projects it: the fields asked,
// parameters nested by path segment with _value, _type, _writable,
// _object and _timestamp.
func projectDevice(d *store.Device, fields []string, params []store.Parameter) map[string]any {
	doc := map[string]any{}
	for _, f := range fields {
		switch {
		case f == "_id":
			doc["_id"] = d.ID
		case f == "_tags":
			doc["_tags"] = d.Tags
		case f == "_lastInform":
			doc["_lastInform"] = d.LastInform
		case f == "_registered":
			doc["_registered"] = d.FirstSeen
		case f == "_deviceId" || strings.HasPrefix(f, "_deviceId._"):
			sub, _ := doc["_deviceId"].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				doc["_deviceId"] = sub
			}
			for k, get := range deviceIDFields {
				if k != "ID" && (f == "_deviceId" || f == "_deviceId._"+k) {
					sub["_"+k] = get(d)
				}
			}
		case strings.HasPrefix(f, "DeviceID."):
			sub, _ := doc["DeviceID"].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				doc["DeviceID"] = sub
			}
			k := strings.TrimPrefix(f, "DeviceID.")
			sub[k] = map[string]any{"_value": deviceIDFields[k](d)}
		}
	}
	for _, p := range params {
		node := doc
		segs := strings.Split(strings.TrimSuffix(p.Name, "."), ".")
		for _, seg := range segs {
			next, _ := node[seg].(map[string]any)
			if next == nil {
				next = map[string]any{}
				node[seg] = next
			}
			node = next
		}
		if p.Object {
			node["_object"] = true
		} else {
			node["_value"] = p.Value
			if p.Type != "" {
				node["_type"] = p.Type
			}
		}
		if p.Writable != nil {
			node["_writable"] = *p.Writable
		}
		node["_timestamp"] = p.Updated
	}
	return doc
}

// genieacsList is a GET /devices with GenieACS's query and/or projection.
type genieacsList struct {
	q      deviceQuery
	qpaths []string
	// projection: nil fields and paths without one
	project        bool
	fields, ppaths []string
}

// parseGenieACSList reads query and projection from the URL; nil when it
// has neither.
func parseGenieACSList(query, projection string, hasQuery, hasProjection bool) (*genieacsList, error) {
	if !hasQuery && !hasProjection {
		return nil, nil
	}
	g := &genieacsList{}
	if hasQuery && strings.TrimSpace(query) != "" {
		q, paths, err := parseDeviceQuery(query)
		if err != nil {
			return nil, err
		}
		g.q, g.qpaths = q, paths
	}
	if hasProjection {
		fields, paths, err := parseProjection(projection)
		if err != nil {
			return nil, err
		}
		g.project, g.fields, g.ppaths = true, fields, paths
	}
	return g, nil
}

// apply filters (and projects) the devices; limit applies after the
// filter.
func (s *Server) applyGenieACSList(ctx context.Context, g *genieacsList, ds []*store.Device, limit int) (any, error) {
	if g.q != nil {
		var err error
		if ds, err = s.queryDevices(ctx, ds, g.q, g.qpaths); err != nil {
			return nil, err
		}
	}
	if limit > 0 && len(ds) > limit {
		ds = ds[:limit]
	}
	if !g.project {
		return ds, nil
	}
	out := make([]map[string]any, 0, len(ds))
	for _, d := range ds {
		var params []store.Parameter
		for _, p := range g.ppaths {
			ps, err := s.st.Parameters(ctx, d.ID, p)
			if err != nil {
				return nil, err
			}
			for _, x := range ps {
				// A path projects itself and, as GenieACS does, what is
				// under it.
				if x.Name == p || strings.HasPrefix(x.Name, strings.TrimSuffix(p, ".")+".") {
					params = append(params, x)
				}
			}
		}
		out = append(out, projectDevice(d, g.fields, params))
	}
	return out, nil
}
