package cwmp

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// buildTree parses data into an xtree with a scanner written for CWMP
// documents. It checks well-formedness (tags match, names, attribute
// syntax, character references, XML characters) but resolves namespaces
// its own tolerant way, keeps only what the decoder reads, and refuses any
// markup declaration (<!DOCTYPE, <!ENTITY ...). The document is converted
// to a string once and names and texts are substrings of it, so decoding
// allocates little; decoded strings therefore share that one copy.
func buildTree(data []byte, maxDepth, maxElements int) (*xtree, error) {
	if enc, ok := declaredEncoding(data); ok {
		switch strings.ToLower(strings.TrimSpace(enc)) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
			data = latin1ToUTF8(data)
		default:
			return nil, fmt.Errorf("cwmp: unsupported character encoding %q", enc)
		}
	}
	s := &scanner{src: string(data), line: 1, maxDepth: maxDepth, maxElements: maxElements}
	// One allocation of the right size: start tags are the '<' that do
	// not start an end tag (comments and PIs overcount a little). Growing
	// by doubling instead cost several times the final table.
	s.t = &xtree{nodes: make([]xnode, 0, min(maxElements, elementEstimate(data))+1)}
	if err := s.run(); err != nil {
		return nil, err
	}
	return s.t, nil
}

// elementEstimate is an upper bound of the elements of data (for
// start tags and empty-element tags).
func elementEstimate(data []byte) int {
	return bytes.Count(data, []byte("<")) - bytes.Count(data, []byte("</")) + 1
}

type scanner struct {
	src         string
	pos         int
	line        int // line of linePos
	linePos     int
	t           *xtree
	stack       []openElem
	ns          []nsBinding
	maxDepth    int
	maxElements int

	// Text of the innermost open element, kept while it has no child:
	// one piece as a substring, several joined in buf.
	text     string
	haveText bool
	joined   bool
	buf      []byte
	attrs    []rawAttr
}

type rawAttr struct {
	prefix, local, value string
}

// lineAt returns the line of byte offset pos; offsets asked for only grow,
// so counting is linear overall.
func (s *scanner) lineAt(pos int) int {
	if pos > s.linePos {
		s.line += strings.Count(s.src[s.linePos:pos], "\n")
		s.linePos = pos
	}
	return s.line
}

func (s *scanner) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Line: s.lineAt(pos), Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) run() error {
	src := s.src
	rooted := false
	for s.pos < len(src) {
		if src[s.pos] != '<' {
			end := strings.IndexByte(src[s.pos:], '<')
			if end < 0 {
				end = len(src)
			} else {
				end += s.pos
			}
			if len(s.stack) == 0 {
				// Text before the root is not well-formed, but some CPEs
				// put junk there (a chunk size, a stray newline); skip it.
			} else if err := s.addText(src[s.pos:end], s.pos, true); err != nil {
				return err
			}
			s.pos = end
			continue
		}
		rest := src[s.pos:]
		switch {
		case strings.HasPrefix(rest, "<?"):
			end := strings.Index(rest, "?>")
			if end < 0 {
				return s.errorf(s.pos, "unterminated processing instruction")
			}
			s.pos += end + 2
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				return s.errorf(s.pos, "unterminated comment")
			}
			if err := checkChars(rest[4 : 4+end]); err != nil {
				return s.errorf(s.pos, "in comment: %v", err)
			}
			s.pos += 4 + end + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			end := strings.Index(rest[9:], "]]>")
			if end < 0 {
				return s.errorf(s.pos, "unterminated CDATA section")
			}
			if len(s.stack) == 0 {
				return s.errorf(s.pos, "CDATA outside the root element")
			}
			if err := s.addText(rest[9:9+end], s.pos, false); err != nil {
				return err
			}
			s.pos += 9 + end + 3
		case strings.HasPrefix(rest, "<!"):
			return fmt.Errorf("%w (line %d)", ErrDTD, s.lineAt(s.pos))
		case strings.HasPrefix(rest, "</"):
			done, err := s.endTag()
			if err != nil || done {
				return err
			}
		default:
			if rooted && len(s.stack) == 0 {
				return nil // a second root: ignored like other trailing junk
			}
			rooted = true
			if err := s.startTag(); err != nil {
				return err
			}
			if rooted && len(s.stack) == 0 {
				return nil // the root was an empty-element tag
			}
		}
	}
	if len(s.stack) > 0 {
		return s.errorf(s.pos, "unexpected end of document inside <%s>", s.stack[len(s.stack)-1].rawLocal)
	}
	if !rooted {
		return s.errorf(s.pos, "no root element")
	}
	return nil
}

// addText adds a piece of character data to the innermost open element.
// Raw pieces (not CDATA) have their references expanded and line ends
// normalised.
func (s *scanner) addText(piece string, pos int, raw bool) error {
	top := s.stack[len(s.stack)-1].node
	if s.t.nodes[top].hasChild {
		// Text between child elements is not kept, but must still be XML.
		if raw {
			if _, err := s.unescape(piece, pos, false); err != nil {
				return err
			}
			return nil
		}
		return checkCharsAt(s, piece, pos)
	}
	var err error
	if raw {
		piece, err = s.unescape(piece, pos, false)
	} else {
		err = checkCharsAt(s, piece, pos)
		if err == nil && strings.IndexByte(piece, '\r') >= 0 {
			piece = normaliseNewlines(piece)
		}
	}
	if err != nil {
		return err
	}
	switch {
	case !s.haveText:
		s.text, s.haveText = piece, true
	case !s.joined:
		s.buf = append(append(s.buf[:0], s.text...), piece...)
		s.joined = true
	default:
		s.buf = append(s.buf, piece...)
	}
	return nil
}

func (s *scanner) takeText() string {
	var out string
	if s.joined {
		out = string(s.buf)
	} else if s.haveText {
		out = s.text
	}
	s.text, s.haveText, s.joined = "", false, false
	return out
}

func checkCharsAt(s *scanner, text string, pos int) error {
	if err := checkChars(text); err != nil {
		return s.errorf(pos, "%v", err)
	}
	return nil
}

// checkChars reports a byte sequence that is not UTF-8 XML characters.
func checkChars(text string) error {
	for i := 0; i < len(text); {
		c := text[i]
		if c >= 0x20 && c < utf8.RuneSelf || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 {
			return fmt.Errorf("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return fmt.Errorf("illegal character %U", r)
		}
		i += size
	}
	return nil
}

func normaliseNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// unescape expands references in text (or, with attr, in an attribute
// value, whose whitespace also becomes spaces) and normalises line ends,
// checking characters. Text needing none of that is returned as is.
func (s *scanner) unescape(text string, pos int, attr bool) (string, error) {
	clean := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' {
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(text[i:])
			if (r == utf8.RuneError && size <= 1) || !isXMLChar(r) {
				return "", s.errorf(pos, "invalid character in text")
			}
			i += size - 1
			continue
		}
		if (c == '\n' || c == '\t') && !attr {
			continue
		}
		if c == '&' || c == '\r' || c == '\n' || c == '\t' {
			clean = false
			continue
		}
		return "", s.errorf(pos, "illegal character %U", rune(c))
	}
	if clean {
		return text, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			if attr {
				b.WriteByte(' ')
			} else {
				b.WriteByte('\n')
			}
		case attr && (c == '\n' || c == '\t'):
			b.WriteByte(' ')
		case c == '&':
			end := strings.IndexByte(text[i:], ';')
			if end < 0 {
				return "", s.errorf(pos, "unterminated reference")
			}
			r, err := reference(text[i+1 : i+end])
			if err != nil {
				return "", s.errorf(pos, "%v", err)
			}
			b.WriteRune(r)
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// reference resolves the body of &...; : the five predefined entities and
// character references. Anything else would need a DTD.
func reference(name string) (rune, error) {
	switch name {
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "amp":
		return '&', nil
	case "quot":
		return '"', nil
	case "apos":
		return '\'', nil
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, fmt.Errorf("undefined entity &%s;", name)
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || len(digits) > 8 {
		return 0, fmt.Errorf("bad character reference &%s;", name)
	}
	var v rune
	for i := 0; i < len(digits); i++ {
		d := hexDigit(digits[i])
		if d < 0 || d >= base {
			return 0, fmt.Errorf("bad character reference &%s;", name)
		}
		v = v*rune(base) + rune(d)
	}
	if !isXMLChar(v) {
		return 0, fmt.Errorf("character reference &%s; is not an XML character", name)
	}
	return v, nil
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// name reads an XML name (QName syntax is checked by splitName).
func (s *scanner) name() string {
	start := s.pos
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if c < utf8.RuneSelf {
			if c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
				(s.pos > start && (c == '-' || c == '.' || c >= '0' && c <= '9')) {
				s.pos++
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(s.src[s.pos:])
		if !isNameRune(r, s.pos > start) {
			break
		}
		s.pos += size
	}
	return s.src[start:s.pos]
}

// isNameRune approximates the XML NameChar production for non-ASCII.
func isNameRune(r rune, notFirst bool) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == 0xB7 || r >= 0x300 && r <= 0x36F || r == 0x203F || r == 0x2040:
		return notFirst
	case r >= 0xC0 && r <= 0x2FF && r != 0xD7 && r != 0xF7,
		r >= 0x370 && r <= 0x1FFF && r != 0x37E,
		r >= 0x200C && r <= 0x200D, r >= 0x2070 && r <= 0x218F,
		r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD,
		r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func splitName(qname string) (prefix, local string, ok bool) {
	i := strings.IndexByte(qname, ':')
	if i < 0 {
		return "", qname, qname != ""
	}
	prefix, local = qname[:i], qname[i+1:]
	return prefix, local, prefix != "" && local != "" && strings.IndexByte(local, ':') < 0
}

func (s *scanner) lookup(prefix string) (string, bool) {
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == prefix {
			return s.ns[i].uri, true
		}
	}
	return "", false
}

func (s *scanner) startTag() error {
	tagPos := s.pos
	s.pos++ // '<'
	qname := s.name()
	prefix, local, ok := splitName(qname)
	if !ok {
		return s.errorf(tagPos, "bad element name %q", qname)
	}
	if len(s.stack) >= s.maxDepth {
		return fmt.Errorf("%w: more than %d levels at line %d", ErrTooDeep, s.maxDepth, s.lineAt(tagPos))
	}
	if len(s.t.nodes) >= s.maxElements {
		return fmt.Errorf("%w: more than %d at line %d", ErrTooManyElements, s.maxElements, s.lineAt(tagPos))
	}
	s.attrs = s.attrs[:0]
	selfClosing := false
	for {
		hadSpace := s.pos < len(s.src) && isSpace(s.src[s.pos:s.pos+1])
		s.skipSpace()
		if s.pos >= len(s.src) {
			return s.errorf(tagPos, "unterminated tag <%s>", qname)
		}
		if s.src[s.pos] == '>' {
			s.pos++
			break
		}
		if strings.HasPrefix(s.src[s.pos:], "/>") {
			s.pos += 2
			selfClosing = true
			break
		}
		if !hadSpace {
			return s.errorf(s.pos, "missing space before attribute in <%s>", qname)
		}
		aname := s.name()
		ap, al, ok := splitName(aname)
		if !ok {
			return s.errorf(s.pos, "bad attribute name in <%s>", qname)
		}
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '=' {
			return s.errorf(s.pos, "attribute %s without value in <%s>", aname, qname)
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.src) || (s.src[s.pos] != '"' && s.src[s.pos] != '\'') {
			return s.errorf(s.pos, "unquoted attribute value in <%s>", qname)
		}
		quote := s.src[s.pos]
		end := strings.IndexByte(s.src[s.pos+1:], quote)
		if end < 0 {
			return s.errorf(s.pos, "unterminated attribute value in <%s>", qname)
		}
		raw := s.src[s.pos+1 : s.pos+1+end]
		if strings.IndexByte(raw, '<') >= 0 {
			return s.errorf(s.pos, "'<' in attribute value in <%s>", qname)
		}
		val, err := s.unescape(raw, s.pos, true)
		if err != nil {
			return err
		}
		s.pos += end + 2
		s.attrs = append(s.attrs, rawAttr{ap, al, val})
	}

	mark := len(s.ns)
	for _, a := range s.attrs {
		switch {
		case a.prefix == "xmlns":
			s.ns = append(s.ns, nsBinding{a.local, a.value})
		case a.prefix == "" && a.local == "xmlns":
			s.ns = append(s.ns, nsBinding{"", a.value})
		default:
			continue
		}
		if s.t.cwmpNS == "" && IsCWMPNamespace(a.value) {
			s.t.cwmpNS = a.value
		}
	}
	if len(s.ns) > maxNamespaceBindings {
		return fmt.Errorf("%w: more than %d namespace declarations in scope at line %d", ErrTooManyElements, maxNamespaceBindings, s.lineAt(tagPos))
	}
	n := xnode{local: local, first: -1, next: -1, last: -1, line: int32(s.lineAt(tagPos))}
	if uri, ok := s.lookup(prefix); ok {
		n.space = uri
	} else {
		n.space = prefix // undeclared prefix: keep it
	}
	for _, a := range s.attrs {
		switch a.local {
		case "type":
			if a.prefix == "" || a.prefix == "xmlns" {
				continue
			}
			if uri, ok := s.lookup(a.prefix); (ok && uri == NamespaceXSI) || (!ok && a.prefix == "xsi") {
				n.xsiType = resolveQNameValue(a.value, s.lookup)
			}
		case "arrayType":
			if a.prefix != "xmlns" {
				n.arrayType = a.value
			}
		case "mustUnderstand":
			if a.prefix == "xmlns" {
				continue
			}
			v := strings.TrimSpace(a.value)
			n.mustUnderstand = v == "1" || strings.EqualFold(v, "true")
		}
	}

	idx := int32(len(s.t.nodes))
	if len(s.stack) > 0 {
		parent := &s.t.nodes[s.stack[len(s.stack)-1].node]
		if parent.last < 0 {
			parent.first = idx
		} else {
			s.t.nodes[parent.last].next = idx
		}
		parent.last = idx
		parent.hasChild = true
	}
	s.takeText() // the parent's text, if any, is dropped: it has a child now
	s.t.nodes = append(s.t.nodes, n)
	if selfClosing {
		s.ns = s.ns[:mark]
		return nil
	}
	s.stack = append(s.stack, openElem{node: idx, rawSpace: prefix, rawLocal: qname, nsMark: mark})
	return nil
}

// endTag closes the innermost element; done reports that it was the root.
func (s *scanner) endTag() (done bool, err error) {
	tagPos := s.pos
	s.pos += 2
	qname := s.name()
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != '>' {
		return false, s.errorf(tagPos, "bad end tag </%s", qname)
	}
	s.pos++
	if len(s.stack) == 0 {
		return false, s.errorf(tagPos, "unexpected end tag </%s>", qname)
	}
	top := s.stack[len(s.stack)-1]
	if top.rawLocal != qname {
		return false, s.errorf(tagPos, "element <%s> closed by </%s>", top.rawLocal, qname)
	}
	text := s.takeText()
	if n := &s.t.nodes[top.node]; !n.hasChild {
		n.text = text
	}
	s.ns = s.ns[:top.nsMark]
	s.stack = s.stack[:len(s.stack)-1]
	return len(s.stack) == 0, nil
}

// declaredEncoding returns the encoding named by the XML declaration.
func declaredEncoding(data []byte) (string, bool) {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return "", false
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return "", false
	}
	decl := string(data[5:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return "", false
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return "", false
	}
	j := strings.IndexByte(rest[1:], rest[0])
	if j < 0 {
		return "", false
	}
	return rest[1 : 1+j], true
}

func latin1ToUTF8(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/8)
	for _, c := range data {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}
