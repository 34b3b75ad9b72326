package model

import (
	"fmt"
	"strconv"
	"strings"
)

// The compact schema encoding that generated code carries as one string
// constant (protobuf-go's raw descriptors are the model): text, so that a
// regenerated model diffs line by line, and free of back quotes, so that
// it fits a raw string literal.
//
//	dmforge-schema 1 TAB <syntaxes> TAB <entries>
//	one line per distinct syntax: TAB-separated fields tagged by their first byte
//	  T type  D data type  L list (minItems|maxItems|size|nested)  Z size (min~max)
//	  R range (min|max|step)  E enum (value|status|access|optional)
//	  P pattern (value|status)  U units  F reference (kind|refType|targetParent|
//	  targetParentScope|targetType|targetDataType|targetParam|targetParamScope|nullValue)
//	  V default (type|value|status)  H hidden  S secured  C command
//	one line per entry, sorted by path:
//	  O<parent> TAB name TAB access TAB min TAB max TAB numEntries TAB enable TAB keys TAB status TAB version
//	  P<parent> TAB name TAB access TAB syntax TAB activeNotify TAB forced TAB status TAB version
//
// <parent> is the index of the parent object among the object lines (empty
// for a root), name the rest of the path. Trailing empty fields are left
// out. Values escape \, TAB, LF, CR, `, | and ~ and the bytes below 0x20.
//
// A USP model's commands and events follow the entries, sorted by path
// (the header then has a fourth count, of these lines; a CWMP model's
// data is as it was without them), each followed by its arguments:
//
//	C<parent> TAB name TAB async TAB status TAB version
//	E<parent> TAB name TAB status TAB version
//	A<side> TAB relative path TAB syntax TAB mandatory TAB status TAB version
//
// side is i (input), o (output) or e (event argument); the argument
// syntaxes are in the one syntax table.

const schemaMagic = "dmforge-schema 1"

// EncodeSchema encodes the entries of s (a schema built with NewSchema or
// SchemaFromModel) for LazySchema.
func EncodeSchema(s *Schema) string {
	entries := s.Entries()
	var b strings.Builder
	synIndex := map[string]int{}
	var synLines []string
	synOf := make([]int, len(entries))
	nEntries := 0
	for i, e := range entries {
		nEntries++
		if e.Object {
			continue
		}
		line := encodeSyntax(e.Syntax)
		n, ok := synIndex[line]
		if !ok {
			n = len(synLines)
			synIndex[line] = n
			synLines = append(synLines, line)
		}
		synOf[i] = n
	}
	ops := s.USPEntries()
	argSyn := func(a *Argument) int {
		line := encodeSyntax(a.Syntax)
		n, ok := synIndex[line]
		if !ok {
			n = len(synLines)
			synIndex[line] = n
			synLines = append(synLines, line)
		}
		return n
	}
	var opSyn [][]int // per operation, its arguments' syntax indices in line order
	nOpLines := 0
	for _, op := range ops {
		var idx []int
		for _, side := range [][]*Argument{op.Input, op.Output, op.Args} {
			for _, a := range side {
				idx = append(idx, argSyn(a))
			}
		}
		opSyn = append(opSyn, idx)
		nOpLines += 1 + len(idx)
	}
	if nOpLines > 0 {
		fmt.Fprintf(&b, "%s\t%d\t%d\t%d\n", schemaMagic, len(synLines), nEntries, nOpLines)
	} else {
		fmt.Fprintf(&b, "%s\t%d\t%d\n", schemaMagic, len(synLines), nEntries)
	}
	for _, l := range synLines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	objIndex := map[string]int{}
	for i, e := range entries {
		parent := ParentPath(e.Path)
		pi, ok := objIndex[parent]
		ref, name := "", e.Path
		if ok {
			ref, name = strconv.Itoa(pi), strings.TrimPrefix(e.Path, parent)
		}
		var f []string
		if e.Object {
			objIndex[e.Path] = len(objIndex)
			f = []string{"O" + ref, esc(name), accessCode(e.Access), strconv.Itoa(e.MinEntries), strconv.Itoa(e.MaxEntries),
				esc(e.NumEntriesParameter), esc(e.EnableParameter), encodeKeys(e.UniqueKeys), statusCode(e.Status), esc(e.Version)}
		} else {
			forced := ""
			if e.ForcedInform {
				forced = "1"
			}
			notify := esc(string(e.ActiveNotify))
			if e.ActiveNotify == NotifyNormal {
				notify = "n"
			}
			f = []string{"P" + ref, esc(name), accessCode(e.Access), strconv.Itoa(synOf[i]), notify, forced, statusCode(e.Status), esc(e.Version)}
		}
		writeFields(&b, f, '\t')
		b.WriteByte('\n')
	}
	for i, op := range ops {
		parent := ParentPath(op.Path)
		ref, name := "", op.Path
		if pi, ok := objIndex[parent]; ok {
			ref, name = strconv.Itoa(pi), strings.TrimPrefix(op.Path, parent)
		}
		if op.Event {
			writeFields(&b, []string{"E" + ref, esc(name), statusCode(op.Status), esc(op.Version)}, '\t')
		} else {
			async := ""
			if op.Async {
				async = "1"
			}
			writeFields(&b, []string{"C" + ref, esc(name), async, statusCode(op.Status), esc(op.Version)}, '\t')
		}
		b.WriteByte('\n')
		k := 0
		for _, side := range []struct {
			code string
			args []*Argument
		}{{"i", op.Input}, {"o", op.Output}, {"e", op.Args}} {
			for _, a := range side.args {
				mand := ""
				if a.Mandatory {
					mand = "1"
				}
				writeFields(&b, []string{"A" + side.code, esc(a.Path), strconv.Itoa(opSyn[i][k]), mand, statusCode(a.Status), esc(a.Version)}, '\t')
				b.WriteByte('\n')
				k++
			}
		}
	}
	return b.String()
}

// DecodeSchema decodes data written by EncodeSchema, reporting the line of
// the first problem.
func DecodeSchema(model, spec, data string) (*Schema, error) {
	entries, ops, err := decodeData(data)
	if err != nil {
		return nil, err
	}
	s := &Schema{Model: model, Spec: spec}
	s.index(entries)
	s.indexOps(ops)
	s.once.Do(func() {})
	return s, nil
}

func writeFields(b *strings.Builder, f []string, sep byte) {
	n := len(f)
	for n > 1 && f[n-1] == "" {
		n--
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(f[i])
	}
}

func encodeSyntax(s *Syntax) string {
	var b strings.Builder
	field := func(tag byte, sub ...string) {
		if b.Len() > 0 {
			b.WriteByte('\t')
		}
		b.WriteByte(tag)
		for i := range sub {
			sub[i] = esc(sub[i])
		}
		writeFields(&b, sub, '|')
	}
	field('T', string(s.Type))
	if s.DataType != "" {
		field('D', s.DataType)
	}
	if l := s.List; l != nil {
		size, nested := "", ""
		if l.Size != nil {
			size = sizeText(*l.Size)
		}
		if l.Nested {
			nested = "1"
		}
		b.WriteString("\tL")
		writeFields(&b, []string{u64Text(l.MinItems), u64Text(l.MaxItems), size, nested}, '|')
	}
	for _, z := range s.Sizes {
		b.WriteString("\tZ" + sizeText(z))
	}
	for _, r := range s.Ranges {
		field('R', r.Min, r.Max, r.Step)
	}
	for _, e := range s.Enums {
		opt := ""
		if e.Optional {
			opt = "1"
		}
		field('E', e.Value, string(e.Status), string(e.Access), opt)
	}
	for _, p := range s.Patterns {
		field('P', p.Value, string(p.Status))
	}
	if s.Units != "" {
		field('U', s.Units)
	}
	if r := s.Ref; r != nil {
		field('F', string(r.Kind), r.RefType, r.TargetParent, r.TargetParentScope, r.TargetType, r.TargetDataType, r.TargetParam, r.TargetParamScope, r.NullValue)
	}
	if d := s.Default; d != nil {
		field('V', d.Type, d.Value, string(d.Status))
	}
	if s.Hidden {
		b.WriteString("\tH")
	}
	if s.Secured {
		b.WriteString("\tS")
	}
	if s.Command {
		b.WriteString("\tC")
	}
	return b.String()
}

func u64Text(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

func sizeText(z Size) string { return u64Text(z.Min) + "~" + u64Text(z.Max) }

func encodeKeys(keys []UniqueKey) string {
	var parts []string
	for _, k := range keys {
		f := "0"
		if k.Functional {
			f = "1"
		}
		names := make([]string, len(k.Params))
		for i, n := range k.Params {
			names[i] = esc(n)
		}
		parts = append(parts, f+strings.Join(names, "~"))
	}
	return strings.Join(parts, "|")
}

var accessCodes = map[Access]string{ReadOnly: "r", ReadWrite: "w", WriteOnceReadOnly: "o"}
var statusCodes = map[Status]string{Current: "c", Deprecated: "d", Obsoleted: "o", Deleted: "x"}

func accessCode(a Access) string {
	if c, ok := accessCodes[a]; ok {
		return c
	}
	return esc(string(a))
}

func statusCode(s Status) string {
	if c, ok := statusCodes[s]; ok {
		return c
	}
	return esc(string(s))
}

func decodeAccess(s string) Access {
	switch s {
	case "r":
		return ReadOnly
	case "w":
		return ReadWrite
	case "o":
		return WriteOnceReadOnly
	}
	return Access(unesc(s))
}

func decodeStatus(s string) Status {
	switch s {
	case "c":
		return Current
	case "d":
		return Deprecated
	case "o":
		return Obsoleted
	case "x":
		return Deleted
	}
	return Status(unesc(s))
}

// esc escapes the bytes the encoding uses as separators.
func esc(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' || c == '`' || c == '|' || c == '~' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '`':
			b.WriteString(`\q`)
		case '|':
			b.WriteString(`\p`)
		case '~':
			b.WriteString(`\w`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// unesc reverses esc; without a backslash it returns s itself (a
// substring of the constant: no copy).
func unesc(s string) string {
	i := 0
	for i < len(s) && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'q':
			b.WriteByte('`')
		case 'p':
			b.WriteByte('|')
		case 'w':
			b.WriteByte('~')
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteByte('x')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// un is unesc for a field of a line that has escapes (esc), else s.
func un(esc bool, s string) string {
	if !esc {
		return s
	}
	return unesc(s)
}

// cutLine returns the text up to the next newline and the rest.
func cutLine(s string) (line, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// fields splits s at sep into at most len(dst) parts (missing ones are
// empty), without allocating.
func fields(s string, sep byte, dst []string) int {
	for i := range dst {
		dst[i] = ""
	}
	// A byte loop: the fields are short, and strings.IndexByte's set-up
	// cost per call was a quarter of the decoding time.
	n, start := 0, 0
	for i := 0; i < len(s) && n < len(dst)-1; i++ {
		if s[i] == sep {
			dst[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	dst[n] = s[start:]
	return n + 1
}

type decodeError struct {
	line int
	msg  string
}

func (e *decodeError) Error() string { return fmt.Sprintf("schema data line %d: %s", e.line, e.msg) }

// decodeData decodes the entries and the operations (USP commands and
// events) of data.
func decodeData(data string) ([]*Entry, []*USPEntry, error) {
	var syns []Syntax
	var rest string
	var nOps, lineNo int
	entries, err := decodeEntries(data, &syns, &rest, &nOps, &lineNo)
	if err != nil || nOps == 0 {
		if err == nil && rest != "" && rest != "\n" {
			return nil, nil, &decodeError{lineNo + 1, "data after the entries"}
		}
		return entries, nil, err
	}
	ops, err := decodeOps(rest, syns, entries, nOps, lineNo)
	return entries, ops, err
}

// decodeOps decodes the n operation and argument lines in rest, which
// start after line lineNo.
func decodeOps(rest string, syns []Syntax, entries []*Entry, n, lineNo int) ([]*USPEntry, error) {
	var objs []string
	for _, e := range entries {
		if e.Object {
			objs = append(objs, e.Path)
		}
	}
	var ops []*USPEntry
	var cur *USPEntry
	var f [6]string
	for i := 0; i < n; i++ {
		lineNo++
		if rest == "" {
			return nil, &decodeError{lineNo, "data ends in the commands and events"}
		}
		var line string
		line, rest = cutLine(rest)
		fields(line, '\t', f[:])
		if f[0] == "" {
			return nil, &decodeError{lineNo, "a command, event or argument line starts with C, E or A"}
		}
		switch f[0][0] {
		case 'C', 'E':
			path := unesc(f[1])
			if ref := f[0][1:]; ref != "" {
				pi, err := strconv.Atoi(ref)
				if err != nil || pi < 0 || pi >= len(objs) {
					return nil, &decodeError{lineNo, "bad parent object " + ref}
				}
				path = objs[pi] + path
			}
			cur = &USPEntry{Path: path}
			if f[0][0] == 'E' {
				cur.Event, cur.Status, cur.Version = true, decodeStatus(f[2]), unesc(f[3])
			} else {
				cur.Async, cur.Status, cur.Version = f[2] == "1", decodeStatus(f[3]), unesc(f[4])
			}
			if len(ops) > 0 && ops[len(ops)-1].Path >= path {
				return nil, &decodeError{lineNo, "commands and events out of order at " + path}
			}
			ops = append(ops, cur)
		case 'A':
			if cur == nil {
				return nil, &decodeError{lineNo, "an argument before any command or event"}
			}
			si, err := strconv.Atoi(f[2])
			if err != nil || si < 0 || si >= len(syns) {
				return nil, &decodeError{lineNo, "bad syntax index " + f[2]}
			}
			a := &Argument{Path: unesc(f[1]), Syntax: &syns[si], Mandatory: f[3] == "1", Status: decodeStatus(f[4]), Version: unesc(f[5])}
			switch f[0][1:] {
			case "i":
				cur.Input = append(cur.Input, a)
			case "o":
				cur.Output = append(cur.Output, a)
			case "e":
				cur.Args = append(cur.Args, a)
			default:
				return nil, &decodeError{lineNo, "an argument is of side i, o or e"}
			}
		default:
			return nil, &decodeError{lineNo, "a command, event or argument line starts with C, E or A"}
		}
	}
	if rest != "" && rest != "\n" {
		return nil, &decodeError{lineNo + 1, "data after the commands and events"}
	}
	return ops, nil
}

func decodeEntries(data string, synsOut *[]Syntax, restOut *string, nOpsOut, lineOut *int) ([]*Entry, error) {
	line, rest := cutLine(data)
	var head [4]string
	fields(line, '\t', head[:])
	if head[0] != schemaMagic {
		return nil, &decodeError{1, "not dmforge schema data (want " + schemaMagic + ")"}
	}
	nSyn, err1 := strconv.Atoi(head[1])
	nEnt, err2 := strconv.Atoi(head[2])
	var err3 error
	if head[3] != "" {
		*nOpsOut, err3 = strconv.Atoi(head[3])
	}
	if err1 != nil || err2 != nil || err3 != nil || nSyn < 0 || nEnt < 0 || *nOpsOut < 0 || nSyn+nEnt+*nOpsOut > len(data) {
		return nil, &decodeError{1, "bad counts"}
	}
	lineNo := 1
	syns := make([]Syntax, nSyn)
	for i := range syns {
		lineNo++
		if rest == "" {
			return nil, &decodeError{lineNo, "data ends in the syntaxes"}
		}
		line, rest = cutLine(rest)
		if err := decodeSyntax(line, &syns[i]); err != "" {
			return nil, &decodeError{lineNo, err}
		}
	}
	entries := make([]Entry, nEnt)
	out := make([]*Entry, nEnt)
	// Paths are built into one buffer, then sliced: one allocation for all.
	type span struct{ start, end int }
	spans := make([]span, nEnt)
	var objs []int // entry index of each object line
	var buf strings.Builder
	buf.Grow(len(data) * 3 / 2)
	var f [10]string
	for i := range entries {
		lineNo++
		if rest == "" {
			return nil, &decodeError{lineNo, "data ends in the entries"}
		}
		line, rest = cutLine(rest)
		e := &entries[i]
		out[i] = e
		esc := strings.IndexByte(line, '\\') >= 0 // most lines have no escapes: skip unesc
		fields(line, '\t', f[:])
		if f[0] == "" || (f[0][0] != 'O' && f[0][0] != 'P') {
			return nil, &decodeError{lineNo, "an entry starts with O or P"}
		}
		start := buf.Len()
		if ref := f[0][1:]; ref != "" {
			pi, err := strconv.Atoi(ref)
			if err != nil || pi < 0 || pi >= len(objs) {
				return nil, &decodeError{lineNo, "bad parent object " + ref}
			}
			ps := spans[objs[pi]]
			buf.WriteString(buf.String()[ps.start:ps.end])
		}
		buf.WriteString(un(esc, f[1]))
		spans[i] = span{start, buf.Len()}
		e.Access = decodeAccess(f[2])
		if f[0][0] == 'O' {
			e.Object = true
			var err1, err2 error
			e.MinEntries, err1 = strconv.Atoi(f[3])
			e.MaxEntries, err2 = strconv.Atoi(f[4])
			if err1 != nil || err2 != nil {
				return nil, &decodeError{lineNo, "bad entry counts"}
			}
			e.NumEntriesParameter, e.EnableParameter = un(esc, f[5]), un(esc, f[6])
			if f[7] != "" {
				for _, k := range strings.Split(f[7], "|") {
					if k == "" {
						return nil, &decodeError{lineNo, "empty unique key"}
					}
					uk := UniqueKey{Functional: k[0] == '1'}
					for _, n := range strings.Split(k[1:], "~") {
						uk.Params = append(uk.Params, un(esc, n))
					}
					e.UniqueKeys = append(e.UniqueKeys, uk)
				}
			}
			e.Status, e.Version = decodeStatus(f[8]), un(esc, f[9])
			objs = append(objs, i)
			continue
		}
		si, err := strconv.Atoi(f[3])
		if err != nil || si < 0 || si >= len(syns) {
			return nil, &decodeError{lineNo, "bad syntax index " + f[3]}
		}
		e.Syntax = &syns[si]
		if f[4] == "n" {
			e.ActiveNotify = NotifyNormal
		} else {
			e.ActiveNotify = ActiveNotify(un(esc, f[4]))
		}
		e.ForcedInform = f[5] == "1"
		e.Status, e.Version = decodeStatus(f[6]), un(esc, f[7])
	}
	paths := buf.String()
	for i := range entries {
		entries[i].Path = paths[spans[i].start:spans[i].end]
		if i > 0 && entries[i-1].Path >= entries[i].Path {
			return nil, &decodeError{2 + len(syns) + i, "entries out of order at " + entries[i].Path}
		}
	}
	*synsOut, *restOut, *lineOut = syns, rest, lineNo
	return out, nil
}

func parseU64(s string) (*uint64, bool) {
	if s == "" {
		return nil, true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil, false
	}
	return &v, true
}

func parseSize(s string) (Size, bool) {
	lo, hi, ok := strings.Cut(s, "~")
	if !ok {
		return Size{}, false
	}
	min, ok1 := parseU64(lo)
	max, ok2 := parseU64(hi)
	return Size{Min: min, Max: max}, ok1 && ok2
}

// baseType returns the BaseType constant named v (no allocation).
func baseType(v string) BaseType {
	for _, t := range BaseTypes {
		if string(t) == v {
			return t
		}
	}
	return BaseType(unesc(v))
}

func decodeSyntax(line string, s *Syntax) string {
	var sub [9]string
	esc := strings.IndexByte(line, '\\') >= 0
	// Facet slices get their final size at once.
	if n := strings.Count(line, "\tE"); n > 0 {
		s.Enums = make([]Enum, 0, n)
	}
	if n := strings.Count(line, "\tP"); n > 0 {
		s.Patterns = make([]Pattern, 0, n)
	}
	if n := strings.Count(line, "\tR"); n > 0 {
		s.Ranges = make([]Range, 0, n)
	}
	for line != "" {
		var fld string
		if i := strings.IndexByte(line, '\t'); i >= 0 {
			fld, line = line[:i], line[i+1:]
		} else {
			fld, line = line, ""
		}
		if fld == "" {
			return "empty syntax field"
		}
		v := fld[1:]
		switch fld[0] {
		case 'T':
			s.Type = baseType(v)
		case 'D':
			s.DataType = un(esc, v)
		case 'L':
			fields(v, '|', sub[:4])
			l := &List{Nested: sub[3] == "1"}
			var ok1, ok2 bool
			l.MinItems, ok1 = parseU64(sub[0])
			l.MaxItems, ok2 = parseU64(sub[1])
			if !ok1 || !ok2 {
				return "bad list item counts"
			}
			if sub[2] != "" {
				z, ok := parseSize(sub[2])
				if !ok {
					return "bad list size"
				}
				l.Size = &z
			}
			s.List = l
		case 'Z':
			z, ok := parseSize(v)
			if !ok {
				return "bad size " + v
			}
			s.Sizes = append(s.Sizes, z)
		case 'R':
			fields(v, '|', sub[:3])
			s.Ranges = append(s.Ranges, Range{Min: un(esc, sub[0]), Max: un(esc, sub[1]), Step: un(esc, sub[2])})
		case 'E':
			fields(v, '|', sub[:4])
			s.Enums = append(s.Enums, Enum{Value: un(esc, sub[0]), Status: Status(un(esc, sub[1])), Access: Access(un(esc, sub[2])), Optional: sub[3] == "1"})
		case 'P':
			fields(v, '|', sub[:2])
			s.Patterns = append(s.Patterns, Pattern{Value: un(esc, sub[0]), Status: Status(un(esc, sub[1]))})
		case 'U':
			s.Units = un(esc, v)
		case 'F':
			fields(v, '|', sub[:9])
			s.Ref = &Reference{Kind: RefKind(un(esc, sub[0])), RefType: un(esc, sub[1]), TargetParent: un(esc, sub[2]), TargetParentScope: un(esc, sub[3]),
				TargetType: un(esc, sub[4]), TargetDataType: un(esc, sub[5]), TargetParam: un(esc, sub[6]), TargetParamScope: un(esc, sub[7]), NullValue: un(esc, sub[8])}
		case 'V':
			fields(v, '|', sub[:3])
			s.Default = &Default{Type: un(esc, sub[0]), Value: un(esc, sub[1]), Status: Status(un(esc, sub[2]))}
		case 'H':
			s.Hidden = true
		case 'S':
			s.Secured = true
		case 'C':
			s.Command = true
		default:
			return fmt.Sprintf("unknown syntax field %q", fld[0])
		}
	}
	return ""
}
