package markup

import (
	"html"
	"strconv"
	"strings"
	"unicode"
)

type format int

const (
	formatText format = iota
	formatHTML
	formatMarkdown
)

type renderer struct {
	f     format
	x     Expander
	b     strings.Builder
	depth int // expansion depth: an expander may return inlines with templates
}

func newRenderer(f format, x Expander) *renderer { return &renderer{f: f, x: x} }

// Text renders the description as plain text: paragraphs separated by a
// blank line, lists with "* " and "1. ", verbatim blocks indented by four
// spaces, templates expanded to text (links as their text).
func (d *Doc) Text(x Expander) string {
	r := newRenderer(formatText, x)
	r.blocks(d.Blocks, "")
	return strings.TrimRight(r.b.String(), "\n")
}

// HTML renders the description as an HTML fragment (<p>, <ul>, <ol>,
// <pre>); templates whose expansion has an Href become links.
func (d *Doc) HTML(x Expander) string {
	r := newRenderer(formatHTML, x)
	r.blocks(d.Blocks, "")
	return r.b.String()
}

// Markdown renders the description as CommonMark: paragraphs, "- " and
// "1. " lists (":" lists as plain paragraphs, Markdown has no bulletless
// list), fenced verbatim blocks, `code` and [links](#anchor).
func (d *Doc) Markdown(x Expander) string {
	r := newRenderer(formatMarkdown, x)
	r.blocks(d.Blocks, "")
	return strings.TrimRight(r.b.String(), "\n") + "\n"
}

// InlineText renders inlines (a template's argument) as plain text.
func InlineText(ins []Inline, x Expander) string {
	r := newRenderer(formatText, x)
	r.inlines(ins, false)
	return r.b.String()
}

func (r *renderer) blocks(bs []*Block, indent string) {
	first := true
	for _, b := range bs {
		var text string
		if b.Kind == Paragraph {
			// A paragraph of templates that render as nothing ({{enum}}
			// where the values are listed elsewhere) is left out.
			if text = r.paragraph(b.Inlines); text == "" {
				continue
			}
		}
		if r.f == formatMarkdown && b.Kind == List && b.ListKind == Indented {
			// An indented list is its items' paragraphs in Markdown;
			// one of only empty paragraphs ("'' ''") is left out like
			// them, not kept as a blank line.
			sub := newRenderer(r.f, r.x)
			sub.depth = r.depth
			sub.block(b, indent)
			if text = sub.b.String(); text == "" {
				continue
			}
		}
		if r.f != formatHTML && !first {
			r.b.WriteString("\n")
		}
		first = false
		switch {
		case b.Kind == Paragraph:
			r.writeParagraph(text, indent)
		case text != "":
			r.b.WriteString(text)
		default:
			r.block(b, indent)
		}
	}
}

func (r *renderer) writeParagraph(text, indent string) {
	switch r.f {
	case formatHTML:
		r.b.WriteString("<p>" + text + "</p>\n")
	case formatMarkdown:
		r.b.WriteString(indent + escapeLineStart(text) + "\n")
	default:
		r.b.WriteString(indent + text + "\n")
	}
}

func (r *renderer) block(b *Block, indent string) {
	switch b.Kind {
	case Paragraph:
		r.writeParagraph(r.paragraph(b.Inlines), indent)
	case Verbatim:
		text := r.verbatimText(b.Inlines)
		switch r.f {
		case formatHTML:
			r.b.WriteString("<pre>")
			r.b.WriteString(html.EscapeString(text))
			r.b.WriteString("</pre>\n")
		case formatMarkdown:
			fence := "```"
			for strings.Contains(text, fence) {
				fence += "`"
			}
			r.b.WriteString(indent + fence + "text\n")
			for _, l := range strings.Split(text, "\n") {
				if l == "" {
					r.b.WriteString("\n")
					continue
				}
				r.b.WriteString(indent + l + "\n")
			}
			r.b.WriteString(indent + fence + "\n")
		default:
			for _, l := range strings.Split(text, "\n") {
				if l == "" {
					r.b.WriteString("\n")
					continue
				}
				r.b.WriteString(indent + "    " + l + "\n")
			}
		}
	case List:
		r.list(b, indent)
	}
}

func (r *renderer) list(b *Block, indent string) {
	switch r.f {
	case formatHTML:
		tag := "ul"
		switch b.ListKind {
		case Numbered:
			tag = "ol"
		case Indented:
			r.b.WriteString(`<ul class="indent">` + "\n")
		}
		if b.ListKind != Indented {
			r.b.WriteString("<" + tag + ">\n")
		}
		for _, it := range b.Items {
			r.b.WriteString("<li>")
			if len(it.Blocks) == 1 && it.Blocks[0].Kind == Paragraph {
				r.inlines(it.Blocks[0].Inlines, false)
			} else {
				r.b.WriteString("\n")
				r.blocks(it.Blocks, "")
			}
			r.b.WriteString("</li>\n")
		}
		r.b.WriteString("</" + tag + ">\n")
		return
	case formatMarkdown:
		if b.ListKind == Indented {
			// No bulletless list in Markdown: the items' content as
			// paragraphs at this level.
			var all []*Block
			for _, it := range b.Items {
				all = append(all, it.Blocks...)
			}
			r.blocks(all, indent)
			return
		}
	}
	for i, it := range b.Items {
		if i > 0 && r.f == formatMarkdown {
			// Items with several blocks make a loose list; keep every
			// item of the list alike.
			if looseList(b) {
				r.b.WriteString("\n")
			}
		}
		marker := "* "
		if r.f == formatMarkdown {
			marker = "- "
		}
		switch b.ListKind {
		case Numbered:
			marker = strconv.Itoa(i+1) + ". "
		case Indented:
			marker = "  "
		}
		sub := indent + strings.Repeat(" ", len(marker))
		if len(it.Blocks) == 0 {
			r.b.WriteString(indent + strings.TrimRight(marker, " ") + "\n")
			continue
		}
		first := it.Blocks[0]
		if first.Kind == Paragraph {
			text := r.paragraph(first.Inlines)
			if r.f == formatMarkdown {
				text = escapeLineStart(text)
			}
			r.b.WriteString(indent + marker + text + "\n")
			rest := it.Blocks[1:]
			if len(rest) > 0 {
				if r.f == formatMarkdown && rest[0].Kind == List {
					// a nested list follows its item's text directly
				} else {
					r.b.WriteString("\n")
				}
				r.blocks(rest, sub)
			}
			continue
		}
		r.b.WriteString(indent + strings.TrimRight(marker, " ") + "\n")
		r.blocks(it.Blocks, sub)
	}
}

func looseList(b *Block) bool {
	for _, it := range b.Items {
		n := 0
		for _, c := range it.Blocks {
			if c.Kind != List {
				n++
			}
		}
		if n > 1 {
			return true
		}
	}
	return false
}

// verbatimText renders a verbatim block's inlines as text: templates
// expanded, no links.
func (r *renderer) verbatimText(ins []Inline) string {
	sub := newRenderer(formatText, r.x)
	sub.depth = r.depth
	sub.inlines(ins, true)
	return sub.b.String()
}

// paragraph renders a paragraph's inlines without the white space an
// omitted template leaves (a paragraph's text has no line breaks, and
// neither HTML nor Markdown tells two spaces from one there).
func (r *renderer) paragraph(ins []Inline) string {
	if r.f == formatMarkdown {
		if only := onlyEmphasis(ins); only != nil {
			return r.markdownEmphasisTags(only)
		}
	}
	sub := newRenderer(r.f, r.x)
	sub.depth = r.depth
	sub.inlines(ins, false)
	text := strings.TrimSpace(sub.b.String())
	// A template that renders as nothing leaves two spaces.
	for strings.Contains(text, "  ") {
		text = strings.ReplaceAll(text, "  ", " ")
	}
	return text
}

// onlyEmphasis returns the italic or bold inline that is all a
// paragraph holds (but white space), or nil.
func onlyEmphasis(ins []Inline) *Inline {
	var only *Inline
	for i := range ins {
		in := &ins[i]
		if in.Kind == Text && strings.TrimSpace(in.Text) == "" {
			continue
		}
		if only != nil || (in.Kind != Italic && in.Kind != Bold) {
			return nil
		}
		only = in
	}
	return only
}

// escapeLineStart escapes what would make a Markdown line starting with s
// a list item, heading or block quote ("#", ">" are escaped everywhere).
func escapeLineStart(s string) string {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	switch {
	case n > 0 && n < len(s) && (s[n] == '.' || s[n] == ')'):
		return s[:n] + `\` + s[n:]
	case s != "" && (s[0] == '-' || s[0] == '+' || s[0] == '='):
		return `\` + s
	}
	return s
}

func (r *renderer) inlines(ins []Inline, verbatim bool) {
	for i := range ins {
		r.inline(&ins[i], verbatim)
	}
}

func (r *renderer) inline(in *Inline, verbatim bool) {
	switch in.Kind {
	case Text:
		t := in.Text
		if !verbatim {
			t = strings.ReplaceAll(t, "\n", " ")
		}
		r.text(t)
	case Link:
		switch r.f {
		case formatHTML:
			u := html.EscapeString(in.Text)
			r.b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		case formatMarkdown:
			r.b.WriteString("<" + in.Text + ">")
		default:
			r.b.WriteString(in.Text)
		}
	case Italic, Bold:
		open, closeTag := "", ""
		switch r.f {
		case formatHTML:
			open, closeTag = "<em>", "</em>"
			if in.Kind == Bold {
				open, closeTag = "<strong>", "</strong>"
			}
		case formatMarkdown:
			r.markdownEmphasis(in, verbatim)
			return
		}
		r.b.WriteString(open)
		r.inlines(in.Children, verbatim)
		r.b.WriteString(closeTag)
	case Template:
		r.template(in, verbatim)
	}
}

// markdownEmphasis writes italic or bold text as "*…*" or "**…**" with
// the white space at either end outside the markers: CommonMark reads
// "* W*" as a literal "*" (and a lone "* *" line as a list item), so an
// italic that starts with a space in the BBF's text would lose its
// emphasis. Emphasis of nothing but
// white space is written as that space.
func (r *renderer) markdownEmphasis(in *Inline, verbatim bool) {
	sub := newRenderer(r.f, r.x)
	sub.depth = r.depth
	sub.inlines(in.Children, verbatim)
	s := sub.b.String()
	core := strings.TrimSpace(s)
	if core == "" {
		if s != "" {
			r.b.WriteString(" ")
		}
		return
	}
	marker := "*"
	if in.Kind == Bold {
		marker = "**"
	}
	if strings.TrimLeftFunc(s, unicode.IsSpace) != s {
		r.b.WriteString(" ")
	}
	r.b.WriteString(marker + core + marker)
	if strings.TrimRightFunc(s, unicode.IsSpace) != s {
		r.b.WriteString(" ")
	}
}

// markdownEmphasisTags writes a paragraph that is only emphasis with
// HTML's <em> or <strong>: a line of "*…*" alone reads as a heading
// made of emphasis (markdownlint's MD036), which the BBF's example
// values in italics ("0/35, 8/35") are not.
func (r *renderer) markdownEmphasisTags(in *Inline) string {
	sub := newRenderer(r.f, r.x)
	sub.depth = r.depth
	sub.inlines(in.Children, false)
	core := strings.TrimSpace(sub.b.String())
	if core == "" {
		return ""
	}
	if in.Kind == Bold {
		return "<strong>" + core + "</strong>"
	}
	return "<em>" + core + "</em>"
}

func (r *renderer) template(t *Inline, verbatim bool) {
	var e Expansion
	ok := false
	if r.x != nil {
		e, ok = r.x(t)
	}
	if !ok {
		e = Default(t)
	}
	if e.Omit {
		return
	}
	if e.Inlines != nil {
		if r.depth >= maxDepth {
			r.text(t.Raw)
			return
		}
		r.depth++
		r.inlines(e.Inlines, verbatim)
		r.depth--
		return
	}
	if verbatim || r.f == formatText {
		r.b.WriteString(e.Text)
		return
	}
	var inner string
	switch r.f {
	case formatHTML:
		inner = html.EscapeString(e.Text)
		if e.Code {
			inner = "<code>" + inner + "</code>"
		}
		if e.Href != "" {
			inner = `<a href="` + html.EscapeString(e.Href) + `">` + inner + `</a>`
		}
	case formatMarkdown:
		if e.Code {
			inner = codeSpan(e.Text)
		} else {
			inner = escapeMarkdown(e.Text)
		}
		if e.Href != "" {
			inner = "[" + inner + "](" + markdownDest(e.Href) + ")"
		}
	}
	r.b.WriteString(inner)
}

func (r *renderer) text(t string) {
	switch r.f {
	case formatHTML:
		r.b.WriteString(html.EscapeString(t))
	case formatMarkdown:
		r.b.WriteString(escapeMarkdown(t))
	default:
		r.b.WriteString(t)
	}
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `#`, `\#`, `&`, `\&`, `~`, `\~`,
	`@`, `\@`,
)

// escapeMarkdown escapes the characters that are markup in CommonMark
// (and GitHub's tables and strikethrough); "@" too, or GitHub makes
// "ACS1@tr069.example.com" in a description a mailto link (markdownlint's
// MD034 bare URL).
func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }

// EscapeMarkdown escapes text for Markdown (for report templates).
func EscapeMarkdown(s string) string { return escapeMarkdown(s) }

// codeSpan returns s as a Markdown code span, with enough backticks.
func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || fence != "`" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// CodeSpan returns s as a Markdown code span (for report templates).
func CodeSpan(s string) string { return codeSpan(s) }

// markdownDest writes a link destination; one with spaces or parentheses
// goes in angle brackets.
func markdownDest(h string) string {
	if strings.ContainsAny(h, " ()<>") {
		return "<" + strings.NewReplacer("<", "%3C", ">", "%3E").Replace(h) + ">"
	}
	return h
}
