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

// minLastColumn is the narrowest the last column is wrapped to.
const minLastColumn = 20

// formatColumns aligns rows under header, two spaces between columns and
// no trailing blanks. With width > 0 (a terminal's) the last column is
// wrapped, at a space, slash or comma where there is one, so that lines
// fit; its continuation lines are indented to the column.
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
	last := len(header) - 1
	indent := 0
	for _, w := range widths[:last] {
		indent += w + 2
	}
	lastWidth := 0 // no wrapping
	if width > 0 && indent+widths[last] > width {
		lastWidth = max(width-indent, minLastColumn)
	}
	var b strings.Builder
	for _, r := range all {
		var line strings.Builder
		for i := 0; i < last && i < len(r); i++ {
			line.WriteString(r[i])
			line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(r[i])+2))
		}
		cell := ""
		if last < len(r) {
			cell = r[last]
		}
		for i, part := range wrap(cell, lastWidth) {
			if i > 0 {
				line.WriteString("\n" + strings.Repeat(" ", indent))
			}
			line.WriteString(part)
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// wrap cuts s into pieces of at most width runes (width 0: no cut),
// after a space, slash or comma when one falls in the piece's second half.
func wrap(s string, width int) []string {
	var out []string
	for width > 0 && utf8.RuneCountInString(s) > width {
		r := []rune(s)
		cut := width
		for i := width - 1; i >= width/2; i-- {
			if r[i] == ' ' || r[i] == '/' || r[i] == ',' {
				cut = i + 1
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		s = string(r[cut:])
	}
	return append(out, s)
}
