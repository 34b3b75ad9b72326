package cpe

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// Finding is a contradiction between a device profile and the model,
// reported when the profile is loaded. The device keeps what the profile
// says: a simulated CPE behaves like the real one did.
type Finding struct {
	Line int    // line of the CSV row (0 for JSON)
	Path string // parameter or object path
	Kind string // "unknown-path", "type", "value", "writable"
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s: %s", f.Line, f.Path, f.Kind, f.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", f.Path, f.Kind, f.Msg)
}

// profileEntry is one parameter or object of a profile being loaded.
type profileEntry struct {
	line     int
	path     string
	object   bool
	value    string
	hasValue bool
	typ      string // xsi:type, "" when not given
	writable *bool
}

// LoadJSON reads a JSON parameter document: an object whose keys are
// instance paths and whose values are either the wire value (string,
// number or boolean) or an object {"value": ..., "type": "xsd:...",
// "writable": bool}. Object paths (ending in ".") create instances. The
// document gives starting values: parameters it does not name keep the
// model's defaults (unlike a CSV dump, which lists all the device has).
func LoadJSON(schema *model.Schema, r io.Reader) (*DeviceProfile, []Finding, error) {
	var doc map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("profile: %w", err)
	}
	var entries []profileEntry
	for k, raw := range doc {
		pe := profileEntry{path: k, object: strings.HasSuffix(k, ".")}
		var obj struct {
			Value    any    `json:"value"`
			Type     string `json:"type"`
			Writable *bool  `json:"writable"`
		}
		if len(raw) > 0 && raw[0] == '{' {
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, nil, fmt.Errorf("profile: %s: %w", k, err)
			}
			pe.typ, pe.writable = obj.Type, obj.Writable
			if obj.Value != nil {
				pe.value, pe.hasValue = jsonScalar(obj.Value), true
			}
		} else {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, nil, fmt.Errorf("profile: %s: %w", k, err)
			}
			if v != nil {
				pe.value, pe.hasValue = jsonScalar(v), true
			}
		}
		entries = append(entries, pe)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	p, f := buildProfile(schema, entries)
	p.present, p.objSeen = nil, nil
	return p, f, nil
}

func jsonScalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// LoadGenieCSV reads a device dump in the CSV form GenieACS exports and
// CPE simulators use (see ReadGenieCSV) and builds the profile of exactly
// that device (see LoadGenieDump). Errors name the line.
func LoadGenieCSV(schema *model.Schema, r io.Reader) (*DeviceProfile, []Finding, error) {
	d, err := ReadGenieCSV(r)
	if err != nil {
		return nil, nil, fmt.Errorf("profile: %w", err)
	}
	p, fs := LoadGenieDump(schema, d)
	return p, fs, nil
}

func isTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "true" || s == "1" || s == "yes"
}

// buildProfile turns loaded entries into a profile, reporting every
// contradiction with the model.
func buildProfile(schema *model.Schema, entries []profileEntry) (*DeviceProfile, []Finding) {
	p := NewDeviceProfile(schema)
	p.present = map[string]bool{}
	p.objSeen = map[string]bool{}
	var fs []Finding
	report := func(pe profileEntry, kind, format string, args ...any) {
		fs = append(fs, Finding{Line: pe.line, Path: pe.path, Kind: kind, Msg: fmt.Sprintf(format, args...)})
	}
	addInstances := func(path string) {
		eachInstance(path, func(table string, inst uint32) bool {
			t := p.tables[table]
			if i, found := slices.BinarySearch(t, inst); !found {
				p.tables[table] = slices.Insert(t, i, inst)
			}
			return true
		})
	}
	for _, pe := range entries {
		e, ok := schema.Lookup(pe.path)
		if !ok && pe.object {
			// A table path without instance ("Device.WiFi.SSID.").
			if sp, ok2 := model.SchemaPath(pe.path); ok2 {
				if te, ok3 := schema.Lookup(sp + "{i}."); ok3 && te.IsTable() {
					addInstances(pe.path)
					continue
				}
			}
		}
		if !ok {
			if !pe.object {
				if p.extra == nil {
					p.extra = map[string]string{}
				}
				p.extra[pe.path] = pe.value
			}
			report(pe, "unknown-path", "not in %s; kept, but not served", schema.Model)
			continue
		}
		if e.Object != pe.object {
			report(pe, "unknown-path", "the model has it as %s", map[bool]string{true: "an object", false: "a parameter"}[e.Object])
			continue
		}
		addInstances(pe.path)
		if e.Object {
			if pe.writable != nil {
				wantW := e.Access == model.ReadWrite
				if *pe.writable != wantW && e.IsTable() && isInstancePath(pe.path) {
					report(pe, "writable", "device says writable=%v, model access is %s", *pe.writable, e.Access)
				}
			}
			continue
		}
		p.present[e.Path] = true
		p.objSeen[model.ParentPath(e.Path)] = true
		wire := e.Syntax.WireType()
		if pe.typ != "" {
			if t, ok := parseXSDType(pe.typ); !ok {
				report(pe, "type", "unknown value type %q", pe.typ)
			} else if t != wire {
				report(pe, "type", "device reports %s, model says %s", xsdType(t), xsdType(wire))
				if p.types == nil {
					p.types = map[string]model.BaseType{}
				}
				p.types[e.Path] = t
			}
		}
		if pe.writable != nil && *pe.writable != e.Access.Writable() {
			report(pe, "writable", "device says writable=%v, model access is %s", *pe.writable, e.Access)
			if p.access == nil {
				p.access = map[string]model.Access{}
			}
			if *pe.writable {
				p.access[e.Path] = model.ReadWrite
			} else {
				p.access[e.Path] = model.ReadOnly
			}
		}
		if pe.hasValue {
			if _, counted := indexOf(schema).numEntries[e.Path]; !counted {
				if err := model.CheckValue(e.Syntax, pe.value); err != nil {
					report(pe, "value", "%v", err)
				}
			}
			p.values[pe.path] = pe.value
		}
	}
	return p, fs
}

func isInstancePath(p string) bool {
	p = strings.TrimSuffix(p, ".")
	return isDigits(p[strings.LastIndexByte(p, '.')+1:])
}
