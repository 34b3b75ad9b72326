package main

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (progress lines with \r and
// width-sized tables are for terminals only).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termWidth is w's width in columns when it is a terminal, else 0 (no
// limit: a pipe or file gets whole lines).
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// writeTable writes a table: plain columns two spaces apart sized to the
// terminal (see formatColumns), or with box = true the box-drawn table
// of --format box.
func writeTable(w io.Writer, box bool, header []string, rows [][]string) error {
	if box {
		t := tablewriter.NewWriter(w)
		hdr := make([]any, len(header))
		for i, h := range header {
			hdr[i] = h
		}
		t.Header(hdr...)
		for _, r := range rows {
			if err := t.Append(r); err != nil {
				return err
			}
		}
		return t.Render()
	}
	_, err := io.WriteString(w, formatColumns(header, rows, termWidth(w)))
	return err
}

// minColumn is the narrowest a column is wrapped to.
const minColumn = 8

// formatColumns aligns rows under header, two spaces between columns and
// no trailing blanks. With width > 0 (a terminal's) the widest columns
// are narrowed until a line fits (none below minColumn), and their cells
// wrapped, at a space or punctuation where there is some, onto more
// lines of the row.
func formatColumns(header []string, rows [][]string, width int) string {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	if width > 0 {
		for {
			total, widest := 2*(len(widths)-1), 0
			for i, w := range widths {
				total += w
				if w > widths[widest] {
					widest = i
				}
			}
			if total <= width || widths[widest] <= minColumn {
				break
			}
			widths[widest]--
		}
	}
	var b strings.Builder
	for _, r := range all {
		cells := make([][]string, len(widths))
		lines := 1
		for i := range widths {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			cells[i] = wrap(c, widths[i])
			lines = max(lines, len(cells[i]))
		}
		for l := 0; l < lines; l++ {
			var line strings.Builder
			for i, piece := range cells {
				p := ""
				if l < len(piece) {
					p = piece[l]
				}
				line.WriteString(p)
				if i < len(cells)-1 {
					line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(p)+2))
				}
			}
			b.WriteString(strings.TrimRight(line.String(), " "))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// wrap cuts s into pieces of at most width runes (width 0: no cut),
// after a space or one of / , - . : when one falls in the piece's second
// half (paths, file and model names break there).
func wrap(s string, width int) []string {
	var out []string
	for width > 0 && utf8.RuneCountInString(s) > width {
		r := []rune(s)
		cut := width
		for i := width - 1; i >= width/2; i-- {
			if strings.ContainsRune(" /,-.:", r[i]) {
				cut = i + 1
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		s = string(r[cut:])
	}
	return append(out, s)
}
