// Package markup parses the Broadband Forum's description markup (TR-106
// Annex A: {{templates|with|args}}, ”italic”, ”'bold”', bulleted,
// numbered and indented lists, verbatim blocks, paragraphs) into a small
// tree with positions, once, for lint rules and reports alike, and renders
// that tree as plain text, HTML or Markdown.
//
// The BBF files use two styles. Older files (TR-098, TR-181 before about
// 2.15) write one paragraph per line, however long; newer ones wrap lines
// at about 72 columns and separate paragraphs with blank lines. A
// description with an unindented line longer than LegacyLineLength is
// read in the
// older style (every line a paragraph); otherwise consecutive lines join.
// Descriptions are expected dedented as the parser keeps them (the common
// leading white space removed); indentation beyond that is significant:
// a line indented after a blank line starts a verbatim block, one indented
// under a list item continues the item.
//
// Parsing never fails: what cannot be read as markup is kept as text and
// reported in Doc.Problems, so that a lint rule can name it.
package markup

import (
	"sort"
	"strconv"
	"strings"
)

// LegacyLineLength is the line length beyond which a description is read
// in the one-paragraph-per-line style of the older BBF files.
const LegacyLineLength = 90

// maxDepth bounds template nesting (and with it recursion while parsing
// and rendering): the BBF files nest three deep at most.
const maxDepth = 32

// Pos is a position within a description: 1-based line and byte column of
// the description text as the parser keeps it (dedented).
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col) }

// BlockKind says what a block is.
type BlockKind int

const (
	Paragraph BlockKind = iota
	List
	Verbatim
)

// ListKind is the kind of a list, from its marker character.
type ListKind int

const (
	Bulleted ListKind = iota // "*"
	Numbered                 // "#"
	Indented                 // ":" (no bullet; an indented paragraph)
)

// Block is a paragraph, a list or a verbatim block.
type Block struct {
	Kind BlockKind
	Pos  Pos // where the block starts
	// Indent is the leading white space (in columns) of the block's first
	// line; for a list, of its first item's line.
	Indent int
	// Inlines is the content of a paragraph or verbatim block. In a
	// verbatim block Text inlines keep their line breaks and indentation.
	Inlines []Inline
	// ListKind and Items are set for lists.
	ListKind ListKind
	Items    []*Item
}

// Item is one list item: its first paragraph, continuation paragraphs and
// nested lists.
type Item struct {
	Pos    Pos
	Marker string // the whole marker, "*", "##", "#*", ":"
	Blocks []*Block
}

// InlineKind says what an inline is.
type InlineKind int

const (
	Text InlineKind = iota
	Template
	Italic
	Bold
	Link // a bare URL in the text
)

// Inline is a run of text, a template, an emphasised run or a URL.
type Inline struct {
	Kind InlineKind
	Pos  Pos
	// Text is the text of a Text inline (line breaks of joined lines kept
	// as "\n"), the name of a Template ("param", "bibref"), or the URL of
	// a Link.
	Text string
	// Args are a template's arguments, each parsed as markup; ArgText the
	// same arguments as written (trimmed), for names and versions.
	Args    [][]Inline
	ArgText []string
	// Raw is the template as written, "{{param|Enable}}".
	Raw string
	// Children are the content of Italic and Bold.
	Children []Inline
}

// Arg returns the i-th argument as written (0-based), or "".
func (in *Inline) Arg(i int) string {
	if i < len(in.ArgText) {
		return in.ArgText[i]
	}
	return ""
}

// ArgPlain returns the i-th argument as plain text: as written, or, when
// it holds templates ({{param|{{template|PARENT}}Name}}), with them
// expanded by Default.
func (in *Inline) ArgPlain(i int) string {
	if i >= len(in.Args) {
		return ""
	}
	for _, a := range in.Args[i] {
		if a.Kind != Text {
			return strings.TrimSpace(InlineText(in.Args[i], nil))
		}
	}
	return in.ArgText[i]
}

// Problem is markup that could not be read as intended; it is kept as text.
type Problem struct {
	Pos  Pos
	Kind string // ProblemUnclosedTemplate, ProblemUnmatchedClose, ProblemIndent, ProblemTooDeep
	Msg  string
}

// Problem kinds.
const (
	ProblemUnclosedTemplate = "unclosed-template"  // "{{" without its "}}"
	ProblemUnmatchedClose   = "unmatched-close"    // "}}" without its "{{"
	ProblemIndent           = "indent"             // a continuation line indented differently from the line it continues
	ProblemTooDeep          = "too-deep"           // templates nested more than maxDepth deep
	ProblemTab              = "tab-in-indentation" // a tab in leading white space (its width is ambiguous)
)

// Doc is a parsed description.
type Doc struct {
	Blocks   []*Block
	Problems []Problem
	// Legacy is set when the description was read one paragraph per line.
	Legacy bool
}

// Templates returns every template of the description in document order,
// nested ones (in arguments) after the template that holds them.
func (d *Doc) Templates() []*Inline {
	var out []*Inline
	var walkInlines func([]Inline)
	walkInlines = func(ins []Inline) {
		for i := range ins {
			in := &ins[i]
			switch in.Kind {
			case Template:
				out = append(out, in)
				for _, a := range in.Args {
					walkInlines(a)
				}
			case Italic, Bold:
				walkInlines(in.Children)
			}
		}
	}
	walkBlocks(d.Blocks, func(b *Block) { walkInlines(b.Inlines) })
	return out
}

// Walk calls fn for every block, depth first in document order (a list
// before the blocks of its items).
func (d *Doc) Walk(fn func(*Block)) { walkBlocks(d.Blocks, fn) }

func walkBlocks(bs []*Block, fn func(*Block)) {
	for _, b := range bs {
		fn(b)
		for _, it := range b.Items {
			walkBlocks(it.Blocks, fn)
		}
	}
}

// HasTemplate reports whether the description uses the named template.
func (d *Doc) HasTemplate(name string) bool {
	for _, t := range d.Templates() {
		if t.Text == name {
			return true
		}
	}
	return false
}

// line is one source line of a description.
type line struct {
	no     int
	indent int    // columns of leading white space (a tab advances to the next multiple of 8)
	col    int    // 1-based byte column where text starts
	text   string // without leading and trailing white space
	tab    bool   // the leading white space has a tab
}

func splitLines(s string) []line {
	raw := strings.Split(s, "\n")
	out := make([]line, len(raw))
	for i, r := range raw {
		r = strings.TrimRight(r, " \t\r")
		ind, j, tab := 0, 0, false
		for ; j < len(r); j++ {
			if r[j] == ' ' {
				ind++
			} else if r[j] == '\t' {
				ind = ind/8*8 + 8
				tab = true
			} else {
				break
			}
		}
		out[i] = line{no: i + 1, indent: ind, col: j + 1, text: r[j:], tab: tab}
	}
	return out
}

// listMarker returns the run of list marker characters that starts a list
// item line ("*", "##", "#*", ":"), or "". A marker is followed by white
// space or the end of the line, or by text that does not start like
// emphasis or another marker: BBF files write "*Assignment of ..." too.
func listMarker(text string) string {
	n := 0
	for n < len(text) && (text[n] == '*' || text[n] == '#' || text[n] == ':') {
		n++
	}
	if n == 0 {
		return ""
	}
	if n == len(text) {
		return text
	}
	c := text[n]
	if c == ' ' || c == '\t' {
		return text[:n]
	}
	// "*.example.com", "#1", ":=" are text, not list items; a letter,
	// a quote or a template after the marker is an item.
	if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '\'' || c == '"' || c == '{' {
		return text[:n]
	}
	return ""
}

func listKind(c byte) ListKind {
	switch c {
	case '#':
		return Numbered
	case ':':
		return Indented
	}
	return Bulleted
}

// segment is one source line's contribution to a paragraph.
type segment struct {
	line, col int
	text      string
}

type listFrame struct {
	list   *Block
	marker byte
	item   *Item
	indent int // indentation of the item's line
}

type parser struct {
	doc    *Doc
	legacy bool

	blocks *[]*Block // where top-level blocks go
	stack  []listFrame

	para     *Block // open paragraph (top-level or in the current item)
	paraSegs []segment
	paraInd  int // indentation of the paragraph's last line
	inItem   bool

	verb      *Block // open verbatim block
	verbLines []line
	verbBase  int // indentation stripped from verbatim lines
	verbItem  bool
	pending   int // blank lines seen inside an open verbatim block
}

// Parse parses a description.
func Parse(desc string) *Doc {
	doc := &Doc{}
	lines := splitLines(desc)
	for _, l := range lines {
		// Indented lines (verbatim blocks, list continuations) may be
		// long in either style.
		if l.indent == 0 && len(l.text) > LegacyLineLength {
			doc.Legacy = true
			break
		}
	}
	p := &parser{doc: doc, legacy: doc.Legacy, blocks: &doc.Blocks}
	glued := gluedLines(desc)
	afterBlank := true // the start of a description is like a blank line before it
	for i, l := range lines {
		if glued[i] && p.glue(l) {
			continue
		}
		if l.text == "" {
			p.closePara()
			if p.verb != nil {
				p.pending++
			}
			afterBlank = true
			continue
		}
		if l.tab {
			p.problem(Pos{l.no, 1}, ProblemTab, "tab in leading white space")
		}
		p.line(l, afterBlank)
		afterBlank = false
	}
	p.closePara()
	p.closeVerbatim()
	return doc
}

// gluedLines marks the lines that start inside a template: a template
// that spans lines ({{deprecated|2.15|because …}} over a blank line or a
// line that looks like a list item) is one piece of text, whatever the
// lines inside it look like. Only templates whose "}}" is found count,
// so that a stray "{{" does not swallow the rest of the description.
func gluedLines(desc string) []bool {
	var nl []int // offsets of the line breaks
	for i := 0; i < len(desc); i++ {
		if desc[i] == '\n' {
			nl = append(nl, i)
		}
	}
	lineOf := func(off int) int { return sort.SearchInts(nl, off) }
	// A difference array: +1 where a template's second line starts, -1
	// after its last; nested templates cost no more than one.
	delta := make([]int, len(nl)+2)
	pairs, _, _ := matchTemplates(desc)
	for o, c := range pairs {
		if first, last := lineOf(o), lineOf(c); last > first {
			delta[first+1]++
			delta[last+1]--
		}
	}
	glued := make([]bool, len(nl)+1)
	open := 0
	for l := range glued {
		open += delta[l]
		glued[l] = open > 0
	}
	return glued
}

// glue appends a line that starts inside a template to the open block;
// false if there is none.
func (p *parser) glue(l line) bool {
	switch {
	case p.para != nil:
		text := l.text
		col := l.col
		if text == "" {
			col = 1
		}
		p.paraSegs = append(p.paraSegs, segment{l.no, col, text})
		return true
	case p.verb != nil:
		if l.text == "" {
			p.pending++
			return true
		}
		p.verbLines = append(p.verbLines, blankLines(p.pending)...)
		p.pending = 0
		p.verbLines = append(p.verbLines, l)
		return true
	}
	return false
}

func (p *parser) problem(pos Pos, kind, msg string) {
	p.doc.Problems = append(p.doc.Problems, Problem{Pos: pos, Kind: kind, Msg: msg})
}

func (p *parser) line(l line, afterBlank bool) {
	if m := listMarker(l.text); m != "" {
		p.closePara()
		p.closeVerbatim()
		p.item(l, m)
		return
	}
	// An open verbatim block takes every line indented at least as much
	// as it is.
	if p.verb != nil {
		if l.indent >= p.verbBase && l.indent > p.contextIndent() {
			p.verbLines = append(p.verbLines, blankLines(p.pending)...)
			p.pending = 0
			p.verbLines = append(p.verbLines, l)
			return
		}
		p.closeVerbatim()
	}
	if len(p.stack) > 0 {
		top := &p.stack[len(p.stack)-1]
		if l.indent > top.indent {
			// Under the current item.
			if !afterBlank && p.para != nil && p.inItem {
				p.join(l)
				return
			}
			if !afterBlank && p.para == nil && len(top.item.Blocks) == 0 {
				// ":" alone on its line, its text on the next ones.
				p.openPara(l, true)
				return
			}
			if afterBlank {
				textIndent := top.indent + len(top.item.Marker) + 1
				if l.indent >= textIndent+4 {
					p.openVerbatim(l, true)
					return
				}
				p.openPara(l, true)
				return
			}
		}
		// An unindented line ends the lists (as in MediaWiki, whose
		// list syntax the BBF's is).
		p.closePara()
		p.stack = p.stack[:0]
	}
	if p.para != nil && !afterBlank && (!p.legacy || l.indent > 0) {
		p.join(l)
		return
	}
	p.closePara()
	if l.indent > 0 && afterBlank {
		p.openVerbatim(l, false)
		return
	}
	p.openPara(l, false)
}

func blankLines(n int) []line {
	out := make([]line, n)
	return out
}

func (p *parser) contextIndent() int {
	if p.verbItem && len(p.stack) > 0 {
		return p.stack[len(p.stack)-1].indent
	}
	return 0
}

func (p *parser) target(inItem bool) *[]*Block {
	if inItem && len(p.stack) > 0 {
		return &p.stack[len(p.stack)-1].item.Blocks
	}
	return p.blocks
}

func (p *parser) openPara(l line, inItem bool) {
	p.closePara()
	b := &Block{Kind: Paragraph, Pos: Pos{l.no, l.col}, Indent: l.indent}
	t := p.target(inItem)
	*t = append(*t, b)
	p.para, p.inItem = b, inItem
	p.paraSegs = append(p.paraSegs[:0], segment{l.no, l.col, l.text})
	p.paraInd = l.indent
}

func (p *parser) join(l line) {
	if p.paraInd >= 0 && l.indent != p.paraInd {
		p.problem(Pos{l.no, l.col}, ProblemIndent, "continuation line indented "+strconv.Itoa(l.indent)+" where the line before is indented "+strconv.Itoa(p.paraInd))
	}
	p.paraSegs = append(p.paraSegs, segment{l.no, l.col, l.text})
	p.paraInd = l.indent
}

func (p *parser) closePara() {
	if p.para == nil {
		return
	}
	p.para.Inlines = p.inlines(p.paraSegs, true)
	p.para = nil
	p.paraSegs = p.paraSegs[:0]
}

func (p *parser) openVerbatim(l line, inItem bool) {
	b := &Block{Kind: Verbatim, Pos: Pos{l.no, l.col}, Indent: l.indent}
	t := p.target(inItem)
	*t = append(*t, b)
	p.verb, p.verbItem = b, inItem
	p.verbLines = append(p.verbLines[:0], l)
	p.verbBase = l.indent
	p.pending = 0
}

func (p *parser) closeVerbatim() {
	if p.verb == nil {
		return
	}
	base := p.verbBase
	for _, l := range p.verbLines {
		if l.text != "" && l.indent < base {
			base = l.indent
		}
	}
	segs := make([]segment, len(p.verbLines))
	for i, l := range p.verbLines {
		if l.text == "" {
			segs[i] = segment{line: l.no}
			continue
		}
		pad := strings.Repeat(" ", l.indent-base)
		segs[i] = segment{l.no, l.col - len(pad), pad + l.text}
	}
	p.verb.Inlines = p.inlines(segs, false)
	p.verb = nil
	p.verbLines = p.verbLines[:0]
	p.pending = 0
}

// item adds a list item line with marker m.
func (p *parser) item(l line, m string) {
	// Keep the open lists whose marker characters match m's prefix.
	keep := 0
	for keep < len(p.stack) && keep < len(m)-1 && p.stack[keep].marker == m[keep] {
		keep++
	}
	if keep < len(p.stack) && keep == len(m)-1 && p.stack[keep].marker == m[keep] {
		keep++ // same level: a sibling item
	}
	p.stack = p.stack[:keep]
	pos := Pos{l.no, l.col}
	for len(p.stack) < len(m) {
		lvl := len(p.stack)
		var into *[]*Block
		if lvl == 0 {
			into = p.blocks
		} else {
			parent := &p.stack[lvl-1]
			into = &parent.item.Blocks
		}
		lst := &Block{Kind: List, Pos: pos, Indent: l.indent, ListKind: listKind(m[lvl])}
		*into = append(*into, lst)
		fr := listFrame{list: lst, marker: m[lvl], indent: l.indent}
		if lvl < len(m)-1 {
			// A marker that skips a level ("**" first): an empty item
			// holds the deeper list.
			fr.item = &Item{Pos: pos, Marker: m[:lvl+1]}
			lst.Items = append(lst.Items, fr.item)
		}
		p.stack = append(p.stack, fr)
	}
	top := &p.stack[len(p.stack)-1]
	it := &Item{Pos: pos, Marker: m}
	top.list.Items = append(top.list.Items, it)
	top.item = it
	top.indent = l.indent
	rest := l.text[len(m):]
	trimmed := strings.TrimLeft(rest, " \t")
	col := l.col + len(m) + len(rest) - len(trimmed)
	if trimmed == "" {
		return
	}
	b := &Block{Kind: Paragraph, Pos: Pos{l.no, col}, Indent: l.indent}
	it.Blocks = append(it.Blocks, b)
	p.para, p.inItem = b, true
	p.paraSegs = append(p.paraSegs[:0], segment{l.no, col, trimmed})
	// Any indentation beyond the item's line continues it; only a change
	// between continuation lines is a problem.
	p.paraInd = -1
}
