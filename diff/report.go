package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/templates"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Formats are the output formats Write knows.
var Formats = []string{"table", "box", "markdown", "json", "html", "sarif", "github"}

// Report is a comparison ready to print: the two models' labels and the
// changes (possibly filtered).
type Report struct {
	Old, New string
	Changes  []Change
	// Full makes "markdown" the full listing (WriteMarkdown) rather than
	// the review summary (WriteMarkdownSummary).
	Full bool
	// NewModel, when set, locates changes in the newer model's files for
	// "sarif" and "github"; Files maps a file's name as the model
	// records it to the path to print (the path given on the command line).
	NewModel *model.Model
	Files    map[string]string
}

// Label names a model for a report: "Device:2.19 (tr-181-2-19-1-cwmp.xml)".
func Label(m *model.Model) string {
	if m.File == "" {
		return m.Name
	}
	return m.Name + " (" + m.File + ")"
}

// Counts are the number of changes of each class.
type Counts struct {
	Breaking, Compatible, Info, Total int
}

// Count counts changes by class.
func Count(cs []Change) Counts {
	var n Counts
	for _, c := range cs {
		switch c.Class {
		case Breaking:
			n.Breaking++
		case Compatible:
			n.Compatible++
		case Info:
			n.Info++
		}
	}
	n.Total = len(cs)
	return n
}

// Filter returns the changes of the given class.
func Filter(cs []Change, class Class) []Change {
	var out []Change
	for _, c := range cs {
		if c.Class == class {
			out = append(out, c)
		}
	}
	return out
}

// Group is the changes about one object (its own, its parameters',
// commands' and events') or one profile.
type Group struct {
	Title   string // object path, "profile NAME", or "(top level)"
	Counts  Counts
	Changes []Row
}

// Row is a change with the item's name relative to its group.
type Row struct {
	Item string
	Change
}

// Groups groups changes by object (objects in path order), then profiles.
func Groups(cs []Change) []Group {
	var objs, profs []Group
	idx := map[string]int{}
	pidx := map[string]int{}
	for _, c := range cs {
		var title, item string
		switch c.Kind {
		case KindProfile:
			title, item = "profile "+c.Path, "(profile)"
		case KindObject:
			title, item = c.Path, "(object)"
		case KindArgument:
			// Under the object of the command or event, named from it:
			// "TraceRoute().Output.RouteHops.{i}.Host".
			title = model.ParentPath(commandOrEventPath(c.Path))
			item = strings.TrimPrefix(c.Path, title)
		default:
			title = model.ParentPath(c.Path)
			item = strings.TrimPrefix(c.Path, title)
		}
		if c.Kind == KindProfile {
			i, ok := pidx[title]
			if !ok {
				i = len(profs)
				pidx[title] = i
				profs = append(profs, Group{Title: title})
			}
			profs[i].Changes = append(profs[i].Changes, Row{Item: item, Change: c})
			continue
		}
		if title == "" {
			title = "(top level)"
		}
		i, ok := idx[title]
		if !ok {
			i = len(objs)
			idx[title] = i
			objs = append(objs, Group{Title: title})
		}
		objs[i].Changes = append(objs[i].Changes, Row{Item: item, Change: c})
	}
	// Changes are sorted by path, so an object's own changes come before
	// its parameters'; but a parameter path can sort before a sibling
	// object's, so groups are ordered by title explicitly.
	sortGroups(objs)
	sortGroups(profs)
	out := append(objs, profs...)
	for i := range out {
		cs := make([]Change, len(out[i].Changes))
		for j, r := range out[i].Changes {
			cs[j] = r.Change
		}
		out[i].Counts = Count(cs)
	}
	return out
}

func sortGroups(gs []Group) {
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Title < gs[j].Title })
}

// Write renders the report in one of Formats.
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "table", "", "box":
		return WriteTable(w, r)
	case "markdown", "md":
		if r.Full {
			return WriteMarkdown(w, r)
		}
		return WriteMarkdownSummary(w, r)
	case "json":
		return WriteJSON(w, r.Changes)
	case "html":
		return WriteHTML(w, r)
	case "sarif":
		return WriteSARIF(w, r)
	case "github":
		return WriteGitHub(w, r)
	}
	return fmt.Errorf("unknown format %q (%s)", format, strings.Join(Formats, ", "))
}

// WriteJSON writes the changes as a JSON array of change records.
func WriteJSON(w io.Writer, cs []Change) error {
	if cs == nil {
		cs = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(cs)
}

// cellMax is the widest an old or new value is shown in the table.
const cellMax = 60

// short collapses whitespace and truncates a value for a table cell.
func short(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func summary(r *Report) string {
	n := Count(r.Changes)
	return fmt.Sprintf("%s → %s: %d changes (%d breaking, %d compatible, %d info)", r.Old, r.New, n.Total, n.Breaking, n.Compatible, n.Info)
}

// Summary is the report's first line: the models and the counts.
func Summary(r *Report) string { return summary(r) }

// TableRows are the report's table: a header and one row per change,
// grouped by object; the object (or profile) is named on the first row
// of its group. The CLI lays them out in plain columns; WriteTable draws
// a box.
func TableRows(r *Report) (header []string, rows [][]string) {
	header = []string{"Object", "Item", "Rule", "Class", "Old", "New"}
	for _, g := range Groups(r.Changes) {
		for i, row := range g.Changes {
			title := ""
			if i == 0 {
				title = g.Title
			}
			rows = append(rows, []string{title, row.Item, row.Rule, string(row.Class), dash(short(row.Old, cellMax)), dash(short(row.New, cellMax))})
		}
	}
	return header, rows
}

// WriteTable writes the summary line and the changes in a box-drawn
// table (TableRows).
func WriteTable(w io.Writer, r *Report) error {
	var b bytes.Buffer
	b.WriteString(summary(r) + "\n")
	if len(r.Changes) == 0 {
		_, err := w.Write(b.Bytes())
		return err
	}
	t := tablewriter.NewTable(&b, tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithHeaderAutoWrap(tw.WrapNone))
	header, rows := TableRows(r)
	t.Header(header)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// view is what the markdown and HTML templates render.
type view struct {
	Old, New string
	Summary  string
	Counts   Counts
	Groups   []Group
	Rules    []Rule
}

func newView(r *Report) view {
	used := map[string]bool{}
	for _, c := range r.Changes {
		used[c.Rule] = true
	}
	var rs []Rule
	for _, ru := range rules {
		if used[ru.ID] {
			rs = append(rs, ru)
		}
	}
	return view{Old: r.Old, New: r.New, Summary: summary(r), Counts: Count(r.Changes), Groups: Groups(r.Changes), Rules: rs}
}

var (
	mdText = strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`)
	mdCode = strings.NewReplacer("`", "'", "|", `\|`)
)

var funcs = map[string]any{
	// md escapes text for a markdown table cell.
	"md": func(s string) string {
		if s == "" {
			return "–"
		}
		return mdText.Replace(strings.Join(strings.Fields(s), " "))
	},
	// code renders text as inline code in a markdown table cell.
	"code": func(s string) string {
		if s == "" {
			return "–"
		}
		return "`" + mdCode.Replace(strings.Join(strings.Fields(s), " ")) + "`"
	},
	"quote": strconv.Quote,
}

// WriteMarkdown renders templates/diff.md.tmpl: counts by class, then one
// table per object, then the meaning of the rules that occur.
func WriteMarkdown(w io.Writer, r *Report) error {
	src, err := templates.Read("diff.md.tmpl")
	if err != nil {
		return err
	}
	t, err := texttemplate.New("diff.md").Funcs(funcs).Parse(src)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, newView(r)); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// WriteHTML renders templates/diff.html.tmpl: a self-contained page (no
// external style sheets, scripts or images).
func WriteHTML(w io.Writer, r *Report) error {
	src, err := templates.Read("diff.html.tmpl")
	if err != nil {
		return err
	}
	t, err := htmltemplate.New("diff.html").Funcs(funcs).Parse(src)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, newView(r)); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// commandOrEventPath returns the path of the command or event an argument
// path belongs to ("X.Ping()" of "X.Ping().Input.Host", "X.Boot!" of
// "X.Boot!.Cause").
func commandOrEventPath(arg string) string {
	i := strings.Index(arg, "().")
	j := strings.Index(arg, "!.")
	switch {
	case i >= 0 && (j < 0 || i < j):
		return arg[:i+2]
	case j >= 0:
		return arg[:j+1]
	}
	return arg
}
