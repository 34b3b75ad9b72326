package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dmforge/dmforge/model"
	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newShowCmd()) }

func newShowCmd() *cobra.Command {
	var opts loadOptions
	var format string
	cmd := &cobra.Command{
		Use:   "show [-I DIR]... (FILE|MODEL)",
		Short: "Print a resolved data model",
		Long: `Show resolves a data-model file (or a catalogue model such as Device:2.19,
or Device:2 for the latest 2.x) with everything it imports, and prints it.

Formats:
  tree   human-readable outline (default)
  table  one row per object and parameter, with type, access and facets
  json   the whole resolved graph
  paths  PATH<TAB>KIND<TAB>TYPE<TAB>ACCESS, one line per object and parameter,
         sorted by path; TYPE is the wire type (lists travel as string),
         "-" for objects. Compare two listings with diff(1).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Descriptions = format == "json"
			ld, err := opts.load(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch format {
			case "tree":
				return showTree(w, ld.Model)
			case "table":
				return showTable(w, ld.Model)
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(ld.Model)
			case "paths":
				return showPaths(w, ld.Model)
			}
			return fmt.Errorf("unknown --format %q (tree, table, json, paths)", format)
		},
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&format, "format", "tree", "output format: tree, table, json, paths")
	return cmd
}

// pathRow is one line of the paths and table listings.
type pathRow struct {
	Path, Kind, Type, Access string
	Syntax                   string
}

// PathRows lists the model's objects and parameters sorted by path.
func pathRows(m *model.Model) []pathRow {
	var rows []pathRow
	for _, o := range m.SortedObjects() {
		if o.Path != "" { // a service model's top-level parameters have no object
			rows = append(rows, pathRow{Path: o.Path, Kind: "object", Type: "-", Access: string(o.Access), Syntax: o.EntriesString()})
		}
		for _, p := range o.Params {
			rows = append(rows, pathRow{Path: p.Path(), Kind: "parameter", Type: string(p.Syntax.WireType()), Access: string(p.Access), Syntax: p.Syntax.String()})
		}
	}
	sortRows(rows)
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
	fmt.Fprintf(&b, "%s  (%s; %d objects, %d parameters, %d profiles)\n", m.Name, m.File, objs, params, len(m.Profiles))
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
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func statusNote(s model.Status) string {
	if s == "" || s == model.Current {
		return ""
	}
	return " (" + string(s) + ")"
}
