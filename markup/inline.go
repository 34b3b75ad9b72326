package markup

import (
	"sort"
	"strings"
)

// inlineParser parses the text of one paragraph or verbatim block: its
// source lines joined with "\n".
type inlineParser struct {
	p      *parser
	s      string
	starts []int // offset of each segment in s
	segs   []segment
	close  map[int]int // offset of "{{" → offset of its "}}"
}

func (p *parser) inlines(segs []segment, prose bool) []Inline {
	if len(segs) == 0 {
		return nil
	}
	var b strings.Builder
	starts := make([]int, len(segs))
	for i, sg := range segs {
		if i > 0 {
			b.WriteByte('\n')
		}
		starts[i] = b.Len()
		b.WriteString(sg.text)
	}
	x := &inlineParser{p: p, s: b.String(), starts: starts, segs: segs}
	x.matchBraces()
	return x.parse(0, len(x.s), prose, 0)
}

func (x *inlineParser) pos(off int) Pos {
	i := sort.Search(len(x.starts), func(k int) bool { return x.starts[k] > off }) - 1
	if i < 0 {
		i = 0
	}
	return Pos{x.segs[i].line, x.segs[i].col + off - x.starts[i]}
}

// matchBraces pairs every "{{" with its "}}" in one pass, so that finding
// a template's end never rescans the text.
func (x *inlineParser) matchBraces() {
	pairs, unclosed, unmatched := matchTemplates(x.s)
	x.close = pairs
	for _, u := range unmatched {
		x.p.problem(x.pos(u), ProblemUnmatchedClose, `"}}" without a matching "{{"`)
	}
	for _, o := range unclosed {
		x.p.problem(x.pos(o), ProblemUnclosedTemplate, `"{{" without a matching "}}"; kept as text`)
	}
}

// matchTemplates pairs the "{{" and "}}" of s: pairs maps the offset of
// each "{{" to that of its "}}". Single braces inside a template are
// text that the template's "}}" does not close: in "{{object|Result.{i}}}"
// the first "}" closes "{i" and the last two the template.
func matchTemplates(s string) (pairs map[int]int, unclosed, unmatched []int) {
	type open struct{ at, singles int }
	var stack []open
	for i := 0; i < len(s); {
		switch s[i] {
		case '{':
			k := 1
			for i+k < len(s) && s[i+k] == '{' {
				k++
			}
			for ; k >= 2; k -= 2 {
				stack = append(stack, open{at: i})
				i += 2
			}
			if k == 1 {
				if len(stack) > 0 {
					stack[len(stack)-1].singles++
				}
				i++
			}
		case '}':
			k := 1
			for i+k < len(s) && s[i+k] == '}' {
				k++
			}
			for k > 0 {
				switch {
				case len(stack) > 0 && stack[len(stack)-1].singles > 0:
					stack[len(stack)-1].singles--
					i++
					k--
				case k >= 2 && len(stack) > 0:
					if pairs == nil {
						pairs = map[int]int{}
					}
					pairs[stack[len(stack)-1].at] = i
					stack = stack[:len(stack)-1]
					i += 2
					k -= 2
				case k >= 2:
					unmatched = append(unmatched, i)
					i += 2
					k -= 2
				default:
					i++
					k--
				}
			}
		default:
			i++
		}
	}
	for _, o := range stack {
		unclosed = append(unclosed, o.at)
	}
	return pairs, unclosed, unmatched
}

type emFrame struct {
	kind     InlineKind
	pos      Pos
	children []Inline
}

// parse reads s[lo:hi]. prose enables emphasis and URLs (verbatim blocks
// expand only templates).
func (x *inlineParser) parse(lo, hi int, prose bool, depth int) []Inline {
	s := x.s
	stack := []emFrame{{}}
	var text strings.Builder
	textStart := lo
	add := func(in Inline) {
		top := &stack[len(stack)-1]
		if in.Kind == Text {
			if n := len(top.children); n > 0 && top.children[n-1].Kind == Text {
				top.children[n-1].Text += in.Text
				return
			}
		}
		top.children = append(top.children, in)
	}
	flush := func() {
		if text.Len() > 0 {
			add(Inline{Kind: Text, Pos: x.pos(textStart), Text: text.String()})
			text.Reset()
		}
	}
	closeTo := func(k int) {
		for len(stack) > k {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(f.children) > 0 {
				add(Inline{Kind: f.kind, Pos: f.pos, Children: f.children})
			}
		}
	}
	toggle := func(kind InlineKind, at int) {
		flush()
		for k := len(stack) - 1; k > 0; k-- {
			if stack[k].kind == kind {
				closeTo(k)
				return
			}
		}
		stack = append(stack, emFrame{kind: kind, pos: x.pos(at)})
	}
	for i := lo; i < hi; {
		c := s[i]
		if c == '{' && i+1 < hi && s[i+1] == '{' {
			if j, ok := x.close[i]; ok && j+2 <= hi {
				flush()
				add(x.template(i, j, prose, depth))
				i = j + 2
				textStart = i
				continue
			}
		}
		if prose && c == '\'' && i+1 < hi && s[i+1] == '\'' {
			n := 0
			for i+n < hi && s[i+n] == '\'' {
				n++
			}
			if text.Len() == 0 {
				textStart = i
			}
			switch {
			case n == 2:
				toggle(Italic, i)
			case n == 3:
				toggle(Bold, i)
			case n == 4:
				text.WriteByte('\'')
				toggle(Bold, i+1)
			default:
				extra := n - 5
				text.WriteString(strings.Repeat("'", extra))
				if stack[len(stack)-1].kind == Italic {
					toggle(Italic, i+extra)
					toggle(Bold, i+extra)
				} else {
					toggle(Bold, i+extra)
					toggle(Italic, i+extra)
				}
			}
			i += n
			textStart = i
			continue
		}
		if prose && (c == 'h' || c == 'f') && (i == lo || !isWordByte(s[i-1])) {
			if n := urlLen(s[i:hi]); n > 0 {
				flush()
				add(Inline{Kind: Link, Pos: x.pos(i), Text: s[i : i+n]})
				i += n
				textStart = i
				continue
			}
		}
		if text.Len() == 0 {
			textStart = i
		}
		text.WriteByte(c)
		i++
	}
	flush()
	closeTo(1)
	return stack[0].children
}

// template reads the template s[i:j+2] ("{{" at i, "}}" at j).
func (x *inlineParser) template(i, j int, prose bool, depth int) Inline {
	s := x.s
	t := Inline{Kind: Template, Pos: x.pos(i), Raw: s[i : j+2]}
	// Split at the "|" that are not inside a nested template.
	var parts [][2]int
	start := i + 2
	for k := i + 2; k < j; {
		if s[k] == '{' && k+1 < j && s[k+1] == '{' {
			if e, ok := x.close[k]; ok && e < j {
				k = e + 2
				continue
			}
		}
		if s[k] == '|' {
			parts = append(parts, [2]int{start, k})
			start = k + 1
		}
		k++
	}
	parts = append(parts, [2]int{start, j})
	t.Text = strings.TrimSpace(s[parts[0][0]:parts[0][1]])
	if depth >= maxDepth {
		x.p.problem(t.Pos, ProblemTooDeep, "templates nested too deep; arguments kept as text")
	}
	for _, a := range parts[1:] {
		t.ArgText = append(t.ArgText, strings.TrimSpace(s[a[0]:a[1]]))
		if depth >= maxDepth {
			t.Args = append(t.Args, []Inline{{Kind: Text, Pos: x.pos(a[0]), Text: s[a[0]:a[1]]}})
			continue
		}
		t.Args = append(t.Args, x.parse(a[0], a[1], prose, depth+1))
	}
	return t
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '/'
}

// urlLen returns the length of the URL at the start of s, or 0: a scheme
// the BBF files use, then everything up to white space or a character
// that cannot end one, less trailing punctuation.
func urlLen(s string) int {
	var scheme int
	for _, p := range []string{"https://", "http://", "ftp://"} {
		if strings.HasPrefix(s, p) {
			scheme = len(p)
			break
		}
	}
	if scheme == 0 {
		return 0
	}
	n := scheme
	for n < len(s) {
		c := s[n]
		if c <= ' ' || c == '<' || c == '>' || c == '"' || c == '|' || c == '{' || c == '}' || c == '\'' && n+1 < len(s) && s[n+1] == '\'' {
			break
		}
		n++
	}
	for n > scheme && strings.IndexByte(".,;:!?)]", s[n-1]) >= 0 {
		if s[n-1] == ')' && strings.Count(s[:n], "(") >= strings.Count(s[:n], ")") {
			break
		}
		n--
	}
	if n == scheme {
		return 0
	}
	return n
}
