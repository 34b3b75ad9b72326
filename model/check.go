package model

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Rule names a TR-106 value rule a value can break. They are stable: lint,
// the validators, the ACS and the CPE handlers report them.
type Rule string

const (
	RuleType        Rule = "type"        // not a valid lexical value of the primitive type
	RuleRange       Rule = "range"       // outside every range, or off the step
	RuleSize        Rule = "size"        // length outside every size facet
	RuleEnumeration Rule = "enumeration" // not one of the enumeration values
	RulePattern     Rule = "pattern"     // matches none of the patterns
	RuleList        Rule = "list"        // list item count or list length
)

// ValueError says why a value does not satisfy a syntax.
type ValueError struct {
	Rule  Rule
	Value string
	Msg   string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%q: %s [%s]", truncate(e.Value, 64), e.Msg, e.Rule)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func verr(rule Rule, v, format string, args ...any) *ValueError {
	return &ValueError{Rule: rule, Value: v, Msg: fmt.Sprintf(format, args...)}
}

// CheckValue checks a wire value against a syntax: its primitive type and
// every facet (list, size, range with step, enumeration, pattern). It is the
// one implementation of these rules; everything in dmforge calls it.
// A nil return means the value is valid.
func CheckValue(s *Syntax, v string) *ValueError {
	if s.List == nil {
		return checkItem(s, v)
	}
	l := s.List
	if l.Size != nil {
		if e := checkSizes(v, []Size{*l.Size}); e != nil {
			e.Rule = RuleList
			e.Msg = "list " + e.Msg
			return e
		}
	}
	n := uint64(0)
	if v != "" {
		rest := v
		for {
			i := strings.IndexByte(rest, ',')
			item := rest
			if i >= 0 {
				item = rest[:i]
			}
			n++
			if e := checkItem(s, strings.TrimSpace(item)); e != nil {
				e.Msg = fmt.Sprintf("list item %d: %s", n, e.Msg)
				return e
			}
			if i < 0 {
				break
			}
			rest = rest[i+1:]
		}
	}
	if l.MinItems != nil && n < *l.MinItems {
		return verr(RuleList, v, "has %d items, fewer than minItems %d", n, *l.MinItems)
	}
	if l.MaxItems != nil && n > *l.MaxItems {
		return verr(RuleList, v, "has %d items, more than maxItems %d", n, *l.MaxItems)
	}
	return nil
}

// CheckType checks only that v is a lexically valid value of t.
func CheckType(t BaseType, v string) *ValueError {
	return checkItem(&Syntax{Type: t}, v)
}

func checkItem(s *Syntax, v string) *ValueError {
	switch s.Type {
	case TypeString, "":
		if e := checkSizes(v, s.Sizes); e != nil {
			return e
		}
	case TypeBoolean:
		switch v {
		case "0", "1", "true", "false":
		default:
			return verr(RuleType, v, "not a boolean (0, 1, true or false)")
		}
	case TypeInt, TypeLong:
		n, e := parseSigned(s.Type, v)
		if e != nil {
			return e
		}
		if e := CheckInt(s, n); e != nil {
			e.Value = v
			return e
		}
	case TypeUnsignedInt, TypeUnsignedLong:
		n, e := parseUnsigned(s.Type, v)
		if e != nil {
			return e
		}
		if e := CheckUint(s, n); e != nil {
			e.Value = v
			return e
		}
	case TypeDecimal:
		if !isDecimal(v) {
			return verr(RuleType, v, "not a decimal")
		}
		if e := checkRanges(s, v); e != nil {
			return e
		}
	case TypeDateTime:
		if msg := checkDateTime(v); msg != "" {
			return verr(RuleType, v, "not a TR-106 dateTime: %s", msg)
		}
	case TypeBase64:
		n, ok := base64Len(v)
		if !ok {
			return verr(RuleType, v, "not valid base64")
		}
		if e := checkLen(v, n, s.Sizes, "bytes"); e != nil {
			return e
		}
	case TypeHexBinary:
		if len(v)%2 != 0 || !isHex(v) {
			return verr(RuleType, v, "not valid hexBinary (even number of hex digits)")
		}
		if e := checkLen(v, uint64(len(v)/2), s.Sizes, "bytes"); e != nil {
			return e
		}
	default:
		return verr(RuleType, v, "unknown primitive type %q", s.Type)
	}
	if len(s.Enums) > 0 {
		found := false
		for i := range s.Enums {
			if s.Enums[i].Value == v && s.Enums[i].Status != Deleted {
				found = true
				break
			}
		}
		if !found {
			return verr(RuleEnumeration, v, "not one of the %d enumeration values", len(s.EnumValues()))
		}
	}
	if len(s.Patterns) > 0 {
		matched := false
		for _, p := range s.Patterns {
			if p.Status == Deleted {
				continue
			}
			re, err := CompilePattern(p.Value)
			if err != nil {
				continue // lint reports broken patterns; a value cannot break them
			}
			if re.MatchString(v) {
				matched = true
				break
			}
		}
		if !matched {
			return verr(RulePattern, v, "matches none of the patterns (%s)", patternList(s.Patterns))
		}
	}
	return nil
}

func patternList(ps []Pattern) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(" | ")
		}
		if p.Value == "" {
			b.WriteString(`""`)
		} else {
			b.WriteString(truncate(p.Value, 48))
		}
		if b.Len() > 160 {
			b.WriteString(" …")
			break
		}
	}
	return b.String()
}

func checkSizes(v string, sizes []Size) *ValueError {
	if len(sizes) == 0 {
		return nil
	}
	return checkLen(v, uint64(utf8.RuneCountInString(v)), sizes, "characters")
}

// checkLen accepts n if it is within any of the sizes.
func checkLen(v string, n uint64, sizes []Size, unit string) *ValueError {
	if len(sizes) == 0 {
		return nil
	}
	for _, sz := range sizes {
		if (sz.Min == nil || n >= *sz.Min) && (sz.Max == nil || n <= *sz.Max) {
			return nil
		}
	}
	return verr(RuleSize, v, "length %d %s is outside %s", n, unit, sizeList(sizes))
}

func sizeList(sizes []Size) string {
	var parts []string
	for _, s := range sizes {
		parts = append(parts, fmtBounds(ptrText(s.Min), ptrText(s.Max)))
	}
	return strings.Join(parts, " or ")
}

func ptrText(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

func fmtBounds(lo, hi string) string {
	if lo == "" {
		lo = "-∞"
	}
	if hi == "" {
		hi = "∞"
	}
	return "[" + lo + ":" + hi + "]"
}

var intBounds = map[BaseType]struct {
	bits   int
	signed bool
}{
	TypeInt: {32, true}, TypeUnsignedInt: {32, false}, TypeLong: {64, true}, TypeUnsignedLong: {64, false},
}

func parseSigned(t BaseType, v string) (int64, *ValueError) {
	n, err := strconv.ParseInt(v, 10, intBounds[t].bits)
	if err != nil {
		return 0, intErr(t, v, err)
	}
	return n, nil
}

func parseUnsigned(t BaseType, v string) (uint64, *ValueError) {
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "+"), 10, intBounds[t].bits)
	if err != nil {
		return 0, intErr(t, v, err)
	}
	return n, nil
}

func intErr(t BaseType, v string, err error) *ValueError {
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return verr(RuleType, v, "out of the %s value space", t)
	}
	return verr(RuleType, v, "not a valid %s", t)
}

// CheckInt checks a signed integer value (int, long) against the syntax's
// ranges, steps and enumerations without formatting it: generated
// validators call it. The value space of the type is the Go type's.
func CheckInt(s *Syntax, n int64) *ValueError {
	if len(s.Ranges) == 0 && len(s.Enums) == 0 {
		return nil
	}
	for _, r := range s.Ranges {
		lo, hi, step, ok := r.signedBounds()
		if !ok {
			return checkRanges(s, strconv.FormatInt(n, 10))
		}
		if n >= lo && n <= hi && (step <= 1 || (n-lo)%step == 0) {
			return checkIntEnums(s, n, 0, true)
		}
	}
	if len(s.Ranges) > 0 {
		return checkRanges(s, strconv.FormatInt(n, 10))
	}
	return checkIntEnums(s, n, 0, true)
}

// CheckUint is CheckInt for unsigned types (unsignedInt, unsignedLong).
func CheckUint(s *Syntax, n uint64) *ValueError {
	if len(s.Ranges) == 0 && len(s.Enums) == 0 {
		return nil
	}
	for _, r := range s.Ranges {
		lo, hi, step, ok := r.unsignedBounds()
		if !ok {
			return checkRanges(s, strconv.FormatUint(n, 10))
		}
		if n >= lo && n <= hi && (step <= 1 || (n-lo)%step == 0) {
			return checkIntEnums(s, 0, n, false)
		}
	}
	if len(s.Ranges) > 0 {
		return checkRanges(s, strconv.FormatUint(n, 10))
	}
	return checkIntEnums(s, 0, n, false)
}

func checkIntEnums(s *Syntax, i int64, u uint64, signed bool) *ValueError {
	if len(s.Enums) == 0 {
		return nil
	}
	v := strconv.FormatUint(u, 10)
	if signed {
		v = strconv.FormatInt(i, 10)
	}
	for _, e := range s.Enums {
		if e.Status != Deleted && CompareDecimal(e.Value, v) == 0 {
			return nil
		}
	}
	return verr(RuleEnumeration, v, "not one of the %d enumeration values", len(s.EnumValues()))
}

// signedBounds returns the range as int64s; ok is false when a bound does
// not fit (the caller then compares as decimals).
func (r Range) signedBounds() (lo, hi, step int64, ok bool) {
	lo, hi, step = math.MinInt64, math.MaxInt64, 1
	var err error
	if r.Min != "" {
		if lo, err = strconv.ParseInt(r.Min, 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	if r.Max != "" {
		if hi, err = strconv.ParseInt(r.Max, 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	if r.Step != "" {
		if step, err = strconv.ParseInt(r.Step, 10, 64); err != nil || step < 1 {
			return 0, 0, 0, false
		}
	}
	return lo, hi, step, true
}

func (r Range) unsignedBounds() (lo, hi, step uint64, ok bool) {
	lo, hi, step = 0, math.MaxUint64, 1
	var err error
	if r.Min != "" {
		if strings.HasPrefix(r.Min, "-") {
			lo = 0 // a negative minimum does not restrict an unsigned value
		} else if lo, err = strconv.ParseUint(r.Min, 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	if r.Max != "" {
		if strings.HasPrefix(r.Max, "-") {
			return 1, 0, 1, true // empty range
		}
		if hi, err = strconv.ParseUint(r.Max, 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	if r.Step != "" {
		if step, err = strconv.ParseUint(r.Step, 10, 64); err != nil || step < 1 {
			return 0, 0, 0, false
		}
	}
	return lo, hi, step, true
}

// CheckString checks a string value (sizes, enumerations, patterns).
func CheckString(s *Syntax, v string) *ValueError { return checkItem(s, v) }

// CheckBytes checks the decoded value of a base64 or hexBinary parameter
// against its size facets (which count bytes).
func CheckBytes(s *Syntax, b []byte) *ValueError {
	if len(s.Sizes) == 0 {
		return nil
	}
	if e := checkLen("", uint64(len(b)), s.Sizes, "bytes"); e != nil {
		e.Value = fmt.Sprintf("%d bytes", len(b))
		return e
	}
	return nil
}

// checkRanges accepts v (already lexically valid) if it is inside any range
// and on that range's step.
func checkRanges(s *Syntax, v string) *ValueError {
	if len(s.Ranges) == 0 {
		return nil
	}
	for _, r := range s.Ranges {
		if r.Min != "" && CompareDecimal(v, r.Min) < 0 {
			continue
		}
		if r.Max != "" && CompareDecimal(v, r.Max) > 0 {
			continue
		}
		if r.Step != "" && !onStep(v, r) {
			continue
		}
		return nil
	}
	var parts []string
	for _, r := range s.Ranges {
		p := fmtBounds(r.Min, r.Max)
		if r.Step != "" && r.Step != "1" {
			p += " step " + r.Step
		}
		parts = append(parts, p)
	}
	return verr(RuleRange, v, "outside the range %s", strings.Join(parts, " or "))
}

func onStep(v string, r Range) bool {
	step, ok := new(big.Rat).SetString(r.Step)
	if !ok || step.Sign() <= 0 {
		return true
	}
	x, ok := new(big.Rat).SetString(v)
	if !ok {
		return false
	}
	base := new(big.Rat)
	if r.Min != "" {
		base.SetString(r.Min)
	}
	d := new(big.Rat).Sub(x, base)
	d.Quo(d, step)
	return d.IsInt()
}

// CompareDecimal compares two decimal numbers given as text, exactly
// (no floating point): -1 if a < b, 0 if equal, +1 if a > b. Malformed
// input compares as zero.
func CompareDecimal(a, b string) int {
	an, ai, af := splitDecimal(a)
	bn, bi, bf := splitDecimal(b)
	if ai == "" && af == "" {
		an = false
	}
	if bi == "" && bf == "" {
		bn = false
	}
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	c := compareMagnitude(ai, af, bi, bf)
	if an {
		return -c
	}
	return c
}

// splitDecimal returns the sign and the integer and fraction digits with
// leading (integer) and trailing (fraction) zeros removed.
func splitDecimal(s string) (neg bool, ip, fp string) {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp = s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		ip, fp = s[:i], s[i+1:]
	}
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	return
}

func compareMagnitude(ai, af, bi, bf string) int {
	if len(ai) != len(bi) {
		if len(ai) < len(bi) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

func isDecimal(v string) bool {
	if v == "" {
		return false
	}
	i := 0
	if v[0] == '+' || v[0] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// base64Len returns the decoded length of a standard (padded) base64 value.
func base64Len(v string) (uint64, bool) {
	if v == "" {
		return 0, true
	}
	// Values may be folded over lines (RFC 2045); whitespace is not data.
	if strings.ContainsAny(v, " \t\r\n") {
		v = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, v)
	}
	if len(v)%4 != 0 {
		return 0, false
	}
	n := base64.StdEncoding.DecodedLen(len(v))
	pad := 0
	if strings.HasSuffix(v, "==") {
		pad = 2
	} else if strings.HasSuffix(v, "=") {
		pad = 1
	}
	for i := 0; i < len(v)-pad; i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return 0, false
		}
	}
	return uint64(n - pad), true
}

// checkDateTime validates the TR-106 section 3.2.1 dateTime form:
// YYYY-MM-DDThh:mm:ss with optional fraction and optional Z or ±hh:mm.
// Unknown times (0001-01-01T00:00:00Z) and times relative to boot (year
// 0001) are valid values of the type.
func checkDateTime(v string) string {
	if len(v) < 19 {
		return "too short for YYYY-MM-DDThh:mm:ss"
	}
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if !digits(v[0:4]) || v[4] != '-' || !digits(v[5:7]) || v[7] != '-' || !digits(v[8:10]) ||
		v[10] != 'T' || !digits(v[11:13]) || v[13] != ':' || !digits(v[14:16]) || v[16] != ':' || !digits(v[17:19]) {
		return "expected YYYY-MM-DDThh:mm:ss"
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	y, mo, d, h, mi, s := atoi(v[0:4]), atoi(v[5:7]), atoi(v[8:10]), atoi(v[11:13]), atoi(v[14:16]), atoi(v[17:19])
	if y == 0 {
		return "year 0000 does not exist"
	}
	if mo < 1 || mo > 12 {
		return "month out of range"
	}
	if d < 1 || d > daysIn(y, mo) {
		return "day out of range"
	}
	if h > 24 || mi > 59 || s > 60 || (h == 24 && (mi != 0 || s != 0)) {
		return "time of day out of range"
	}
	rest := v[19:]
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return "empty fraction of a second"
		}
		rest = rest[i:]
	}
	switch {
	case rest == "" || rest == "Z":
		return ""
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digits(rest[1:3]) && rest[3] == ':' && digits(rest[4:6]):
		if atoi(rest[1:3]) > 14 || atoi(rest[4:6]) > 59 {
			return "time zone offset out of range"
		}
		return ""
	}
	return "bad time zone (Z or ±hh:mm)"
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var patternCache sync.Map // string → *regexp.Regexp or error

// CompilePattern compiles a TR-106 pattern (XML Schema regular expression,
// implicitly anchored at both ends) into a Go regexp. Results are cached.
func CompilePattern(p string) (*regexp.Regexp, error) {
	if v, ok := patternCache.Load(p); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := regexp.Compile(PatternRegexp(p))
	if err != nil {
		err = fmt.Errorf("pattern %q is not a valid XML Schema regular expression: %w", p, err)
		patternCache.Store(p, err)
		return nil, err
	}
	patternCache.Store(p, re)
	return re, nil
}

// PatternRegexp returns the anchored RE2 (Go regexp) form of a TR-106
// pattern, for tools that need the expression text (JSON Schema).
func PatternRegexp(p string) string { return "^(?:" + translateXSDRegex(p) + ")$" }

// translateXSDRegex maps the XML Schema regex dialect onto RE2: "^" and "$"
// are ordinary characters outside a class, and \i, \c (XML name characters)
// have no RE2 equivalent. Character-class subtraction is not supported by
// RE2 and is left for Compile to reject.
func translateXSDRegex(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			i++
			switch n {
			case 'i':
				if inClass {
					b.WriteString(`_:A-Za-z`)
				} else {
					b.WriteString(`[_:A-Za-z]`)
				}
			case 'I':
				b.WriteString(`[^_:A-Za-z]`)
			case 'c':
				if inClass {
					b.WriteString(`\-._:A-Za-z0-9`)
				} else {
					b.WriteString(`[\-._:A-Za-z0-9]`)
				}
			case 'C':
				b.WriteString(`[^\-._:A-Za-z0-9]`)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' { // literal ] first in class
				b.WriteString(`\]`)
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case (c == '^' || c == '$') && !inClass:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
