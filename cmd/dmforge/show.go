package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newShowCmd()) }

func newShowCmd() *cobra.Command {
	var opts loadOptions
	var format string
	var all bool
	var diffOld string
	cmd := &cobra.Command{
		Use:   "show [-I DIR]... (FILE|MODEL)",
		Short: "Print a resolved data model",
		Long: `Show resolves a data-model file (or a catalogue model such as Device:2.19,
or Device:2 for the latest 2.x; Device:2.19-usp for the USP variant) with
everything it imports, and prints it. Items whose status is deleted are
left out unless --all is given.

Formats:
  tree   human-readable outline (default)
  table  one row per object, parameter, command, event and argument, with
         type, access and facets
  json   the whole resolved graph
  paths  PATH<TAB>KIND<TAB>TYPE<TAB>ACCESS, one line per item, sorted by
         path; TYPE is the wire type (lists travel as string), "-" for
         objects. Commands are "PATH()  command  -  sync|async", their
         arguments "PATH().Input.NAME" and "PATH().Output.NAME" with
         ACCESS input or output; events are "PATH!  event  -  -", their
         arguments "PATH!.NAME" with ACCESS argument; argument objects end
         in "." or "{i}.". Compare two listings with diff(1).
  xml    the model flattened into one self-contained DM document, like
         the BBF's *-full.xml files (no imports, components or base=;
         descriptions and deleted items included); dmforge reads it back
         as the identical model.
  html   a report of the whole model on one self-contained page: data
         types, every object, parameter, command and event with syntax,
         facets, access, status and version, the descriptions with the
         BBF markup rendered and references linked, profiles, a table of
         contents and an anchor per path (#Device.WiFi.Radio.{i}.Channel)
  markdown  the same report in Markdown (GitHub heading anchors)
With --diff OLD (a file or catalogue model), html and markdown mark every
item that changed since OLD with its diff rules and list what OLD had
that is gone.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			report := format == "html" || format == "markdown" || format == "md"
			opts.Descriptions = format == "json" || format == "xml" || report
			if diffOld != "" && !report {
				return fmt.Errorf("--diff needs --format html or markdown")
			}
			ld, err := opts.load(args[0])
			if err != nil {
				return err
			}
			m := ld.Model
			if report {
				return showReport(cmd.OutOrStdout(), &opts, m, format, diffOld, all)
			}
			if format == "xml" {
				// A flattening keeps everything, deletions included.
				return parser.WriteFlattened(cmd.OutOrStdout(), m, flattenedName(m))
			}
			if !all {
				m = m.WithoutDeleted()
			}
			w := cmd.OutOrStdout()
			switch format {
			case "tree":
				return showTree(w, m)
			case "table":
				return showTable(w, m)
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			case "paths":
				return showPaths(w, m)
			}
			return fmt.Errorf("unknown --format %q (tree, table, json, paths, xml, html, markdown)", format)
		},
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&format, "format", "tree", "output format: tree, table, json, paths, xml, html, markdown")
	cmd.Flags().StringVar(&diffOld, "diff", "", "with --format html or markdown: mark what changed since this older model (FILE or MODEL)")
	cmd.Flags().BoolVar(&all, "all", false, "include items whose status is deleted")
	return cmd
}

// flattenedName is the file name a flattened document gives itself: the
// defining file's, with -full as the BBF names its flattenings.
func flattenedName(m *model.Model) string {
	base := strings.TrimSuffix(m.File, ".xml")
	if strings.HasSuffix(base, "-full") || base == "" {
		return m.File
	}
	return base + "-full.xml"
}

// pathRow is one line of the paths and table listings.
type pathRow struct {
	Path, Kind, Type, Access string
	Syntax                   string
}

// PathRows lists the model's objects, parameters, commands, events and
// their arguments sorted by path.
func pathRows(m *model.Model) []pathRow {
	var rows []pathRow
	for _, o := range m.SortedObjects() {
		if o.Path != "" { // a service model's top-level parameters have no object
			rows = append(rows, pathRow{Path: o.Path, Kind: "object", Type: "-", Access: string(o.Access), Syntax: o.EntriesString()})
		}
		for _, p := range o.Params {
			rows = append(rows, pathRow{Path: p.Path(), Kind: "parameter", Type: string(p.Syntax.WireType()), Access: string(p.Access), Syntax: p.Syntax.String()})
		}
		for _, c := range o.Commands {
			path := c.Path(o)
			rows = append(rows, pathRow{Path: path, Kind: "command", Type: "-", Access: syncNote(c.Async), Syntax: "-"})
			rows = argRows(rows, path+".Input.", "input", &c.Input)
			rows = argRows(rows, path+".Output.", "output", &c.Output)
		}
		for _, e := range o.Events {
			path := o.Path + e.Name
			rows = append(rows, pathRow{Path: path, Kind: "event", Type: "-", Access: "-", Syntax: "-"})
			rows = argRows(rows, path+".", "argument", &e.Args)
		}
	}
	sortRows(rows)
	return rows
}

func syncNote(async bool) string {
	if async {
		return "async"
	}
	return "sync"
}

// argRows appends the rows of a command's input or output or an event's
// arguments; their ACCESS column says which they are.
func argRows(rows []pathRow, prefix, access string, a *model.Args) []pathRow {
	a.Each(func(rel string, o *model.Object, p *model.Parameter) {
		if o != nil {
			rows = append(rows, pathRow{Path: prefix + rel, Kind: "object", Type: "-", Access: access, Syntax: o.EntriesString()})
			return
		}
		syn := p.Syntax.String()
		if p.Mandatory {
			syn += " mandatory"
		}
		rows = append(rows, pathRow{Path: prefix + rel, Kind: "parameter", Type: string(p.Syntax.WireType()), Access: access, Syntax: syn})
	})
	return rows
}

// sortRows sorts by path; an object sorts before its own parameters
// because "X." < "X.Name".
func sortRows(rows []pathRow) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
}

func showPaths(w io.Writer, m *model.Model) error {
	var b strings.Builder
	for _, r := range pathRows(m) {
		b.WriteString(r.Path + "\t" + r.Kind + "\t" + r.Type + "\t" + r.Access + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func showTable(w io.Writer, m *model.Model) error {
	t := tablewriter.NewWriter(w)
	t.Header("Path", "Kind", "Type", "Access", "Syntax")
	for _, r := range pathRows(m) {
		if err := t.Append(r.Path, r.Kind, r.Type, r.Access, r.Syntax); err != nil {
			return err
		}
	}
	return t.Render()
}

func showTree(w io.Writer, m *model.Model) error {
	objs, params := m.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "%s  (%s; %d objects, %d parameters, %d profiles%s)\n", m.Name, m.File, objs, params, len(m.Profiles), commandEventCounts(m))
	for _, o := range m.SortedObjects() {
		depth := strings.Count(strings.ReplaceAll(o.Path, ".{i}.", "."), ".")
		indent := strings.Repeat("  ", depth)
		if o.Path != "" {
			kind := "object"
			if o.IsTable() {
				kind = "table"
			}
			name := o.Path
			if parent := m.Parent(o); parent != nil {
				name = strings.TrimPrefix(o.Path, parent.Path)
			}
			fmt.Fprintf(&b, "%s%s  %s %s [%s]%s\n", strings.Repeat("  ", depth-1), name, kind, o.Access, o.EntriesString(), statusNote(o.Status))
		}
		for _, p := range o.Params {
			flags := ""
			if p.ForcedInform {
				flags += " forcedInform"
			}
			if p.ActiveNotify != "" && p.ActiveNotify != model.NotifyNormal {
				flags += " " + string(p.ActiveNotify)
			}
			if p.Syntax.Default != nil {
				flags += fmt.Sprintf(" default=%q", p.Syntax.Default.Value)
			}
			fmt.Fprintf(&b, "%s%s  %s %s%s%s\n", indent, p.Name, p.Syntax.String(), p.Access, flags, statusNote(p.Status))
		}
		for _, c := range o.Commands {
			fmt.Fprintf(&b, "%s%s  command %s%s\n", indent, c.Name, syncNote(c.Async), statusNote(c.Status))
			treeArgs(&b, indent+"  ", "Input.", &c.Input)
			treeArgs(&b, indent+"  ", "Output.", &c.Output)
		}
		for _, e := range o.Events {
			fmt.Fprintf(&b, "%s%s  event%s\n", indent, e.Name, statusNote(e.Status))
			treeArgs(&b, indent+"  ", "", &e.Args)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// commandEventCounts says how many commands and events a USP model
// defines ("" for a model without any).
func commandEventCounts(m *model.Model) string {
	var commands, events int
	for _, o := range m.Objects {
		commands += len(o.Commands)
		events += len(o.Events)
	}
	if commands+events == 0 {
		return ""
	}
	return fmt.Sprintf(", %d commands, %d events", commands, events)
}

// treeArgs prints a command's input or output or an event's arguments,
// each with its path relative to the command or event.
func treeArgs(b *strings.Builder, indent, prefix string, a *model.Args) {
	a.Each(func(rel string, o *model.Object, p *model.Parameter) {
		if o != nil {
			kind := "object"
			if o.IsTable() {
				kind = "table"
			}
			fmt.Fprintf(b, "%s%s%s  %s [%s]%s\n", indent, prefix, rel, kind, o.EntriesString(), statusNote(o.Status))
			return
		}
		flags := ""
		if p.Mandatory {
			flags = " mandatory"
		}
		fmt.Fprintf(b, "%s%s%s  %s%s%s\n", indent, prefix, rel, p.Syntax.String(), flags, statusNote(p.Status))
	})
}

func statusNote(s model.Status) string {
	if s == "" || s == model.Current {
		return ""
	}
	return " (" + string(s) + ")"
}
