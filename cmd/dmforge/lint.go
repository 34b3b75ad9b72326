package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/lint"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newLintCmd()) }

func newLintCmd() *cobra.Command {
	var (
		includes  []string
		werror    bool
		format    string
		listRules bool
	)
	cmd := &cobra.Command{
		Use:   "lint [-I DIR]... FILE|MODEL...",
		Short: "Check DM and DT documents against the TR-106 rules",
		Long: `Lint checks data-model (DM) documents, such as vendor extensions that import a
BBF model, and device-type (DT) documents, in the context of everything they
import, and prints one finding per line:

  file:line:col: error|warning|info: message [rule-id]

sorted by file and line. The column is omitted ("file:line: ...") when only
the line is known.

A root file (one that defines a model, such as tr-181-2-17-0-cwmp.xml) or a
catalogue MODEL (Device:2.17, Device:2.19-usp, InternetGatewayDevice:1.14) is
checked as a whole: the whole-model rules (list defaults, lifecycle markup,
profiles, numEntriesParameter, unique keys, unions, ...) report on every item
of the resolved model, wherever it is defined. A file that only extends
others (a vendor model built on a standard one, a component file) is checked
for what it itself defines or refines. Faults of the published BBF files that
would be errors are reported as bbf-erratum warnings.

Exit status: 1 when there is an error (with --werror, also a warning), 2 when
lint could not run, 0 otherwise. --rules lists the rule catalogue.

Formats:
  text   the lines above (default)
  json   a JSON array of {file, line, column, severity, rule, path, message}
  sarif  SARIF 2.1.0, for code-scanning tools`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if listRules {
				return printLintRules(w)
			}
			if len(args) == 0 {
				return fmt.Errorf("lint needs at least one FILE (or --rules)")
			}
			if format != "text" && format != "json" && format != "sarif" {
				return fmt.Errorf("unknown --format %q (text, json, sarif)", format)
			}
			search := bbf.SearchPath(includes)
			files := make([]string, len(args))
			for i, a := range args {
				f, err := lintTarget(a, search)
				if err != nil {
					return err
				}
				files[i] = f
			}
			fs, failed := lint.Run(files, lint.Options{Includes: search, Werror: werror})
			var err error
			switch format {
			case "text":
				err = lint.WriteText(w, fs)
			case "json":
				err = lint.WriteJSON(w, fs)
			case "sarif":
				err = lint.WriteSARIF(w, fs, "")
			}
			if err != nil {
				return err
			}
			if failed {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&includes, "include-dir", "I", nil, "directory to search for imported files (repeatable; searched before $DMFORGE_BBF, ../shared/bbf and the user cache)")
	cmd.Flags().BoolVar(&werror, "werror", false, "treat warnings as errors for the exit status")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, sarif")
	cmd.Flags().BoolVar(&listRules, "rules", false, "list the rule catalogue and exit")
	return cmd
}

// lintTarget returns the file to lint for a FILE or catalogue MODEL
// argument: an existing file is linted as given.
func lintTarget(arg string, search []string) (string, error) {
	if _, err := os.Stat(arg); err == nil || !bbf.IsModelName(arg) {
		return arg, nil
	}
	e, err := bbf.Lookup(arg)
	if err != nil {
		return "", err
	}
	p, ok := bbf.Find(search, e.File)
	if !ok {
		return "", fmt.Errorf("%s is defined by %s, which is not in the search path (%v); run `dmforge bbf fetch %s` or pass -I DIR", e.Model, e.File, search, e.Model)
	}
	return p, nil
}

func printLintRules(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tRATIONALE")
	for _, r := range lint.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Rationale)
	}
	return tw.Flush()
}
