package model

import (
	"fmt"
	"strings"
)

// ParentPath returns the schema path of the object that contains the object
// or parameter at path: "Device.WiFi.Radio.{i}." → "Device.WiFi.",
// "Device.WiFi.Radio.{i}.Channel" → "Device.WiFi.Radio.{i}.". It returns ""
// for a root object.
func ParentPath(path string) string {
	p := path
	if strings.HasSuffix(p, ".") {
		p = strings.TrimSuffix(p, ".")
		p = strings.TrimSuffix(p, ".{i}")
	}
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return ""
	}
	return p[:i+1]
}

// SchemaPath maps a concrete instance path to its schema path by replacing
// every instance number (or alias in brackets) with "{i}":
// "Device.WiFi.Radio.3.Channel" → "Device.WiFi.Radio.{i}.Channel".
// It reports false for a malformed path (empty segments).
func SchemaPath(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(path) + 8)
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		seg := path[start:i]
		if seg == "" {
			if i == len(path) && i > 0 && path[i-1] == '.' {
				break // trailing dot of an object path
			}
			return "", false
		}
		if isInstanceSegment(seg) {
			b.WriteString("{i}")
		} else {
			b.WriteString(seg)
		}
		if i < len(path) {
			b.WriteByte('.')
		}
		start = i + 1
	}
	return b.String(), true
}

func isInstanceSegment(s string) bool {
	if s == "{i}" {
		return true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		return true // alias-based addressing
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// InstanceNumbers returns the instance numbers in a concrete path, in order.
func InstanceNumbers(path string) []uint32 {
	var out []uint32
	for _, seg := range strings.Split(path, ".") {
		if seg == "" || !isInstanceSegment(seg) || seg[0] == '[' {
			continue
		}
		var n uint32
		for i := 0; i < len(seg); i++ {
			n = n*10 + uint32(seg[i]-'0')
		}
		out = append(out, n)
	}
	return out
}

// InstancePath fills the "{i}" placeholders of a schema path with the given
// instance numbers, in order.
func InstancePath(schema string, instances ...uint32) (string, error) {
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(schema, "{i}")
		if i < 0 {
			b.WriteString(schema)
			break
		}
		if n >= len(instances) {
			return "", fmt.Errorf("path %s needs more than %d instance numbers", schema, len(instances))
		}
		b.WriteString(schema[:i])
		fmt.Fprintf(&b, "%d", instances[n])
		n++
		schema = schema[i+3:]
	}
	if n != len(instances) {
		return "", fmt.Errorf("%d instance numbers given for a path with %d placeholders", len(instances), n)
	}
	return b.String(), nil
}

// ResolveRelative resolves a reference path as written in a data model
// (TR-106 A.2.3.4): "#." climbs to the parent, a leading "." is relative to
// the model root, otherwise it is relative to the object at base or absolute
// when it starts with the root object name.
func ResolveRelative(root, base, ref string) string {
	switch {
	case ref == "":
		return base
	case strings.HasPrefix(ref, "."):
		return root + ref[1:]
	case strings.HasPrefix(ref, "#"):
		cur := base
		for strings.HasPrefix(ref, "#") {
			cur = ParentPath(cur)
			ref = strings.TrimPrefix(ref[1:], ".")
		}
		return cur + ref
	case strings.HasPrefix(ref, root):
		return ref
	default:
		return base + ref
	}
}
