package diff

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dmforge/dmforge/model"
)

// CommentLimit is the most characters a GitHub pull-request comment
// holds. WriteMarkdownSummary stays under it, whatever the changes.
const CommentLimit = 65536

// summaryBudget is what the summary aims at: below CommentLimit, with
// room for the lines a tool adds around it.
const summaryBudget = CommentLimit - 1536

// WriteMarkdownSummary writes a review summary of the changes, for a pull
// request: counts by class and by rule, every breaking change in a table,
// the compatible and info changes in collapsible <details> sections
// grouped by rule and object. It stays under CommentLimit characters: when
// the full lists do not fit, the sections are cut (breaking changes last)
// and say how many changes they leave out; WriteMarkdown (--full) lists
// them all.
func WriteMarkdownSummary(w io.Writer, r *Report) error {
	var head strings.Builder
	n := Count(r.Changes)
	fmt.Fprintf(&head, "## Data-model changes: %s → %s\n\n", mdInline(r.Old), mdInline(r.New))
	if n.Total == 0 {
		head.WriteString("No changes.\n")
		_, err := io.WriteString(w, head.String())
		return err
	}
	fmt.Fprintf(&head, "%d changes: **%d breaking**, %d compatible, %d info.\n\n", n.Total, n.Breaking, n.Compatible, n.Info)
	head.WriteString("| Rule | Class | Changes |\n| --- | --- | ---: |\n")
	for _, rc := range ruleCounts(r.Changes) {
		cls := string(rc.class)
		if rc.class == Breaking {
			cls = "**breaking**"
		}
		fmt.Fprintf(&head, "| `%s` | %s | %d |\n", rc.rule, cls, rc.n)
	}

	breaking := Filter(r.Changes, Breaking)
	var sections []summarySection
	if len(breaking) > 0 {
		s := summarySection{title: fmt.Sprintf("### Breaking changes (%d)", len(breaking)), open: true,
			header: "| Path | Rule | Old | New |\n| --- | --- | --- | --- |\n"}
		for _, c := range breaking {
			s.lines = append(s.lines, fmt.Sprintf("| %s | `%s` | %s | %s |\n", codeCell(c.Path), c.Rule, codeCell(c.Old), codeCell(c.New)))
		}
		sections = append(sections, s)
	}
	for _, cls := range []Class{Compatible, Info} {
		cs := Filter(r.Changes, cls)
		if len(cs) == 0 {
			continue
		}
		s := summarySection{title: fmt.Sprintf("%s changes (%d)", capital(string(cls)), len(cs))}
		s.lines = groupedLines(cs)
		sections = append(sections, s)
	}
	footer := "\nEvery change with its old and new value: `dmforge diff --format markdown --full`.\n"

	// Fit: the head and footer always; then each section's lines while
	// they fit, the breaking section first so that it is cut last.
	budget := summaryBudget - chars(head.String()) - chars(footer)
	fixed := 0
	for _, s := range sections {
		fixed += chars(s.frame()) + 120 // the "… more" line
	}
	avail := budget - fixed
	full := 0
	for _, s := range sections {
		full += s.size()
	}
	var out strings.Builder
	out.WriteString(head.String())
	for i, s := range sections {
		share := avail
		if full > avail && i > 0 {
			// What is left after the sections before, split in proportion
			// to the sizes of the sections still to write.
			rest := 0
			for _, t := range sections[i:] {
				rest += t.size()
			}
			share = avail * s.size() / max(rest, 1)
		}
		used := s.write(&out, share)
		avail -= used
		full -= s.size()
	}
	out.WriteString(footer)
	_, err := io.WriteString(w, out.String())
	return err
}

type summarySection struct {
	title  string
	open   bool // a visible section (breaking); the others are <details>
	header string
	lines  []string
}

func (s summarySection) frame() string {
	if s.open {
		return "\n" + s.title + "\n\n" + s.header
	}
	return "\n<details>\n<summary>" + s.title + "</summary>\n\n" + s.header + "\n</details>\n"
}

func (s summarySection) size() int {
	n := 0
	for _, l := range s.lines {
		n += chars(l)
	}
	return n
}

// write writes the section with as many of its lines as fit in budget
// characters (besides the frame) and returns how many it used.
func (s summarySection) write(b *strings.Builder, budget int) int {
	used, k := 0, 0
	for ; k < len(s.lines); k++ {
		n := chars(s.lines[k])
		if used+n > budget {
			break
		}
		used += n
	}
	if s.open {
		b.WriteString("\n" + s.title + "\n\n" + s.header)
	} else {
		b.WriteString("\n<details>\n<summary>" + s.title + "</summary>\n\n" + s.header)
	}
	for _, l := range s.lines[:k] {
		b.WriteString(l)
	}
	if k < len(s.lines) {
		more := fmt.Sprintf("%d more lines not shown here (`--full` lists every change).", len(s.lines)-k)
		if s.header != "" {
			b.WriteString("\n" + more + "\n")
		} else {
			b.WriteString("- … " + more + "\n")
		}
	}
	if !s.open {
		b.WriteString("\n</details>\n")
	}
	return used
}

// groupedLines lists changes by rule, then by object: one line per rule
// and object, naming the items (relative to the object) that changed.
func groupedLines(cs []Change) []string {
	type key struct{ rule, object string }
	items := map[key][]string{}
	var order []key
	for _, c := range cs {
		obj, item := c.Path, ""
		switch c.Kind {
		case KindProfile:
			obj = "profiles"
			item = c.Path
		case KindObject:
		case KindArgument:
			obj = model.ParentPath(commandOrEventPath(c.Path))
			item = strings.TrimPrefix(c.Path, obj)
		default:
			obj = model.ParentPath(c.Path)
			item = strings.TrimPrefix(c.Path, obj)
		}
		k := key{c.Rule, obj}
		if _, ok := items[k]; !ok {
			order = append(order, k)
		}
		if item != "" {
			items[k] = append(items[k], item)
		} else if items[k] == nil {
			items[k] = []string{}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].rule != order[j].rule {
			return order[i].rule < order[j].rule
		}
		return order[i].object < order[j].object
	})
	var lines []string
	rule := ""
	for _, k := range order {
		if k.rule != rule {
			rule = k.rule
			lines = append(lines, fmt.Sprintf("\n**`%s`**\n\n", rule))
		}
		line := "- " + codeCell(k.object)
		if names := items[k]; len(names) > 0 {
			quoted := make([]string, len(names))
			for i, n := range names {
				quoted[i] = codeCell(n)
			}
			line += ": " + strings.Join(quoted, ", ")
		}
		lines = append(lines, line+"\n")
	}
	return lines
}

type ruleCount struct {
	rule  string
	class Class
	n     int
}

// ruleCounts counts changes by rule: breaking rules first, then by count.
func ruleCounts(cs []Change) []ruleCount {
	idx := map[string]int{}
	var out []ruleCount
	for _, c := range cs {
		i, ok := idx[c.Rule]
		if !ok {
			i = len(out)
			idx[c.Rule] = i
			out = append(out, ruleCount{rule: c.Rule, class: c.Class})
		}
		out[i].n++
	}
	rank := map[Class]int{Breaking: 0, Compatible: 1, Info: 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.class] != rank[b.class] {
			return rank[a.class] < rank[b.class]
		}
		if a.n != b.n {
			return a.n > b.n
		}
		return a.rule < b.rule
	})
	return out
}

func chars(s string) int { return utf8.RuneCountInString(s) }

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mdInline escapes text for a Markdown line (labels name files).
func mdInline(s string) string {
	return strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "|", `\|`).Replace(s)
}

// codeCell writes a value as inline code for a table cell or list ("–"
// for none).
func codeCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "–"
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if fence != "`" || strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
