package model

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Decimal is a TR-106 decimal value, kept as its exact decimal text.
type Decimal string

// UnknownTime is the TR-106 "unknown time" value of a dateTime:
// 0001-01-01T00:00:00Z. The zero time.Time formats as it.
const UnknownTime = "0001-01-01T00:00:00Z"

// FormatDateTime renders t in the TR-106 form, in UTC when t has a
// location, with fractional seconds only when present. The zero time is the
// unknown time.
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return UnknownTime
	}
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
}

// ParseDateTime reads a TR-106 dateTime. A value without a time zone is
// read as UTC (TR-106 says it is in an unknown zone; UTC is the useful
// reading). The unknown time and times relative to boot (year 0001) come
// back as times in year 1, so FormatDateTime gives the same text back.
func ParseDateTime(s string) (time.Time, error) {
	if msg := checkDateTime(s); msg != "" {
		return time.Time{}, fmt.Errorf("dateTime %q: %s", s, msg)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("dateTime %q: not a valid time", s)
}

// FormatBool renders a boolean as TR-069 CPEs and ACSes expect ("true"/"false").
func FormatBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ParseBool accepts every TR-106 boolean form: 0, 1, true, false.
func ParseBool(s string) (bool, error) {
	switch s {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, fmt.Errorf("boolean %q: want 0, 1, true or false", s)
}

// FormatValue renders a Go value as the wire string of primitive type t.
// Lists (slices other than []byte) become comma-separated lists. Named
// string types (generated enumerations) render as their string.
func FormatValue[T any](t BaseType, v T) string { return formatAny(t, any(v)) }

func formatAny(t BaseType, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Decimal:
		return string(x)
	case bool:
		return FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.FormatInt(int64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case time.Time:
		return FormatDateTime(x)
	case HexBinary:
		return hex.EncodeToString(x)
	case []bool:
		return joinInts(x, FormatBool)
	case []time.Time:
		return joinInts(x, FormatDateTime)
	case []Decimal:
		return JoinStrings(x)
	case []byte:
		if t == TypeHexBinary {
			return hex.EncodeToString(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case fmt.Stringer:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	case []uint32:
		return joinInts(x, func(v uint32) string { return strconv.FormatUint(uint64(v), 10) })
	case []int32:
		return joinInts(x, func(v int32) string { return strconv.FormatInt(int64(v), 10) })
	case []uint64:
		return joinInts(x, func(v uint64) string { return strconv.FormatUint(v, 10) })
	case []int64:
		return joinInts(x, func(v int64) string { return strconv.FormatInt(v, 10) })
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Slice:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = formatAny(t, rv.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func joinInts[T any](xs []T, f func(T) string) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f(x))
	}
	return b.String()
}

// ParseValue reads the wire string s of primitive type t into a T.
func ParseValue[T any](t BaseType, s string) (T, error) {
	var zero T
	rv := reflect.New(reflect.TypeOf(&zero).Elem()).Elem()
	if err := parseInto(t, s, rv); err != nil {
		return zero, err
	}
	return rv.Interface().(T), nil
}

var timeType = reflect.TypeOf(time.Time{})

func parseInto(t BaseType, s string, rv reflect.Value) error {
	if rv.Type() == timeType {
		v, err := ParseDateTime(s)
		if err == nil {
			rv.Set(reflect.ValueOf(v))
		}
		return err
	}
	switch rv.Kind() {
	case reflect.String:
		rv.SetString(s)
	case reflect.Bool:
		b, err := ParseBool(s)
		if err != nil {
			return err
		}
		rv.SetBool(b)
	case reflect.Int32, reflect.Int64, reflect.Int:
		n, err := strconv.ParseInt(s, 10, rv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s %q: %w", t, s, err)
		}
		rv.SetInt(n)
	case reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, rv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s %q: %w", t, s, err)
		}
		rv.SetUint(n)
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			var b []byte
			var err error
			if t == TypeHexBinary {
				b, err = hex.DecodeString(s)
			} else {
				b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
			}
			if err != nil {
				return fmt.Errorf("%s %q: %w", t, s, err)
			}
			rv.SetBytes(b)
			return nil
		}
		if s == "" {
			rv.Set(reflect.MakeSlice(rv.Type(), 0, 0))
			return nil
		}
		items := strings.Split(s, ",")
		out := reflect.MakeSlice(rv.Type(), len(items), len(items))
		for i, it := range items {
			if err := parseInto(t, strings.TrimSpace(it), out.Index(i)); err != nil {
				return fmt.Errorf("list item %d: %w", i+1, err)
			}
		}
		rv.Set(out)
	default:
		return fmt.Errorf("cannot read a %s into a Go %s", t, rv.Type())
	}
	return nil
}

// ParseValueInto reads the wire string s of primitive type t into the
// value dst points to (a generated struct field, say), like
// json.Unmarshal does for JSON.
func ParseValueInto(t BaseType, s string, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("ParseValueInto: dst must be a non-nil pointer, not %T", dst)
	}
	return parseInto(t, s, rv.Elem())
}
