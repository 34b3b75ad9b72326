package cpe

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// DumpEntry is one parameter or object of a device dump, as the device
// reported it (GenieACS keeps what the CPE sent).
type DumpEntry struct {
	// Line is the CSV line the row starts on (0 for JSON).
	Line int
	// Path is the instance path; an object's ends with ".".
	Path     string
	Object   bool
	Writable *bool // nil when the dump does not say
	// Value and Type are the reported value and xsi:type ("" when none);
	// HasValue tells an empty value from none.
	Value    string
	Type     string
	HasValue bool
	// Notification and AccessList are the parameter's attributes as the
	// dump has them ("" when it says nothing): the notification level
	// as a number, the access list comma-separated. See Attributes.
	Notification string
	AccessList   string
}

// Dump is one device's entries, in the order of the dump.
type Dump struct {
	// ID is GenieACS's device id (DeviceID.ID, or "_id" in JSON), "" if absent.
	ID      string
	Entries []DumpEntry
	// Virtual counts the rows of GenieACS's own virtual parameters
	// (DeviceID., Events., Tags., VirtualParameters., …), which are not
	// the device's and are left out of Entries.
	Virtual int
}

// MaxDumpSize bounds what ReadGenieCSV and ReadGenieJSON read: a dump of
// the largest real devices is a few MB.
const MaxDumpSize = 256 << 20

// genieVirtualRoots are the top-level names GenieACS uses for data of its
// own beside the device's tree.
var genieVirtualRoots = map[string]bool{
	"DeviceID": true, "Events": true, "Tags": true, "VirtualParameters": true,
	"Downloads": true, "Reboot": true, "FactoryReset": true,
}

// IsGenieVirtual reports whether path is one of GenieACS's own virtual
// parameters rather than the device's.
func IsGenieVirtual(path string) bool {
	root, _, _ := strings.Cut(path, ".")
	return genieVirtualRoots[root]
}

// errTooLarge is returned for a dump larger than MaxDumpSize.
var errTooLarge = fmt.Errorf("larger than %d MiB", MaxDumpSize>>20)

// limitedReader fails (rather than truncating silently) past MaxDumpSize.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// ReadGenieCSV reads a device dump in the CSV form GenieACS's "export"
// writes (and CPE simulators use). Columns are found by header name,
// case-insensitively: Parameter (required), Object, Writable, Value and
// "Value type", Notification and "Access list" (see DumpEntry.Attributes);
// the timestamp columns are ignored. Values may span several lines.
// Object paths get a trailing dot.
func ReadGenieCSV(r io.Reader) (*Dump, error) {
	cr := csv.NewReader(&limitedReader{r: r, n: MaxDumpSize})
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty: no CSV header")
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", csvErr(err))
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	pc, ok := col["parameter"]
	if !ok {
		return nil, errors.New("CSV header: no Parameter column (want GenieACS's: Parameter, Object, Writable, Value, Value type, …)")
	}
	field := func(rec []string, name string) (string, bool) {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return "", false
		}
		return rec[i], true
	}
	d := &Dump{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if pc >= len(rec) {
			continue
		}
		path := strings.TrimSpace(rec[pc])
		if path == "" {
			continue
		}
		if IsGenieVirtual(path) {
			d.Virtual++
			if path == "DeviceID.ID" {
				v, _ := field(rec, "value")
				d.ID = strings.Clone(v)
			}
			continue
		}
		e := DumpEntry{Line: line, Path: strings.Clone(path)}
		// A trailing dot makes an object whatever the Object column says:
		// no parameter name ends with one.
		e.Object = strings.HasSuffix(path, ".")
		if o, ok := field(rec, "object"); ok && isTrue(o) {
			e.Object = true
		}
		if e.Object && !strings.HasSuffix(e.Path, ".") {
			e.Path += "."
		}
		if w, ok := field(rec, "writable"); ok && strings.TrimSpace(w) != "" {
			b := isTrue(w)
			e.Writable = &b
		}
		if !e.Object {
			if v, ok := field(rec, "value"); ok {
				e.Value, e.HasValue = strings.Clone(v), true // values are not trimmed
			}
			if t, ok := field(rec, "value type"); ok {
				e.Type = strings.Clone(strings.TrimSpace(t))
			}
			if n, ok := field(rec, "notification"); ok {
				e.Notification = strings.Clone(strings.TrimSpace(n))
			}
			if a, ok := field(rec, "access list"); ok {
				e.AccessList = strings.Clone(strings.TrimSpace(a))
			}
		}
		d.Entries = append(d.Entries, e)
	}
	return d, nil
}

// csvErr words a CSV reading error: the line, and what is wrong.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := "malformed row"
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			what = "a quote where none may be"
		case errors.Is(pe.Err, errTooLarge):
			what = "the dump is " + errTooLarge.Error()
		}
		return fmt.Errorf("line %d: %s", pe.Line, what)
	}
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("the dump is %w", errTooLarge)
	}
	return err
}

// ReadGenieJSON reads GenieACS device documents, as its NBI returns them
// (GET /devices/…): one document or an array of them. A document nests
// the device's tree; each node has "_object" and "_writable", a parameter
// "_value" and "_type" (or "_value": [value, type]). Top-level keys that
// start with "_" (_id, _deviceId, _lastInform, _tags, …) and GenieACS's
// virtual roots are not the device's.
func ReadGenieJSON(r io.Reader) ([]*Dump, error) {
	data, err := io.ReadAll(&limitedReader{r: r, n: MaxDumpSize})
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("the dump is %w", err)
		}
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, JSONSyntaxError(data, err)
	}
	if dec.More() {
		return nil, errors.New("not JSON: more data after the document")
	}
	var docs []any
	switch x := doc.(type) {
	case []any:
		docs = x
	case map[string]any:
		docs = []any{x}
	default:
		return nil, errors.New("not a GenieACS device document: want a JSON object or an array of them")
	}
	var out []*Dump
	for i, x := range docs {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("device %d: not a JSON object", i+1)
		}
		d := &Dump{}
		if id, ok := m["_id"].(string); ok {
			d.ID = id
		}
		keys := sortedKeys(m)
		for _, k := range keys {
			if strings.HasPrefix(k, "_") {
				continue
			}
			if genieVirtualRoots[k] {
				d.Virtual++
				continue
			}
			if k == "" || strings.Contains(k, ".") {
				return nil, fmt.Errorf("device %d: %q is not a name of a root object", i+1, k)
			}
			if err := walkGenieJSON(d, k, m[k], 0); err != nil {
				return nil, fmt.Errorf("device %d: %w", i+1, err)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// maxJSONDepth bounds the nesting ReadGenieJSON follows; the deepest
// standard paths have about a dozen segments.
const maxJSONDepth = 64

func walkGenieJSON(d *Dump, path string, node any, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("%s: nested deeper than %d levels", path, maxJSONDepth)
	}
	m, ok := node.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not a GenieACS node (want an object with _object, _value, …)", path)
	}
	e := DumpEntry{Path: path}
	if w, ok := m["_writable"].(bool); ok {
		e.Writable = &w
	}
	obj, hasObj := m["_object"].(bool)
	val, hasVal := m["_value"]
	e.Object = obj || (!hasObj && !hasVal)
	if e.Object {
		e.Path += "."
		d.Entries = append(d.Entries, e)
		for _, k := range sortedKeys(m) {
			if strings.HasPrefix(k, "_") {
				continue
			}
			if k == "" || strings.Contains(k, ".") {
				return fmt.Errorf("%s: %q is not a name of a parameter or object", e.Path, k)
			}
			if err := walkGenieJSON(d, e.Path+k, m[k], depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if t, ok := m["_type"].(string); ok {
		e.Type = t
	}
	// GenieACS keeps the attributes as "_notification": N and
	// "_accessList": [names].
	if n, ok := m["_notification"]; ok && n != nil {
		e.Notification = jsonWire(n)
	}
	if al, ok := m["_accessList"].([]any); ok {
		names := make([]string, 0, len(al))
		for _, a := range al {
			names = append(names, jsonWire(a))
		}
		e.AccessList = strings.Join(names, ",")
	}
	if pair, ok := val.([]any); ok && len(pair) == 2 {
		// Some GenieACS versions store [value, type].
		if t, ok := pair[1].(string); ok {
			val, e.Type = pair[0], t
		}
	}
	if hasVal && val != nil {
		e.Value, e.HasValue = jsonWire(val), true
	}
	d.Entries = append(d.Entries, e)
	return nil
}

// jsonWire is the CWMP string of a JSON scalar.
func jsonWire(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	return jsonScalar(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// JSONSyntaxError words a JSON decoding error with the line and column
// where data stops being JSON.
func JSONSyntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("not JSON: line %d, column %d: %s", line, col, syntaxWhat(data, se.Offset))
	case errors.As(err, &te):
		line, col := lineCol(data, te.Offset)
		return fmt.Errorf("not JSON: line %d, column %d: a %s where another kind of value belongs", line, col, te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(data, int64(len(data)))
		return fmt.Errorf("not JSON: line %d, column %d: the document ends before it is complete", line, col)
	}
	return fmt.Errorf("not JSON: %w", err)
}

func syntaxWhat(data []byte, off int64) string {
	if off <= 0 || off > int64(len(data)) {
		return "unexpected character"
	}
	c := data[off-1]
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("unexpected byte 0x%02x", c)
	}
	return fmt.Sprintf("unexpected %q", c)
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
