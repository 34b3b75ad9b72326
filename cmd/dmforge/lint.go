package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

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
lint could not run (a FILE or -I directory that does not exist, bad flags),
0 otherwise. --rules lists the rule catalogue (--format json: as JSON).

Formats:
  text   the lines above (default)
  json   a JSON array of {file, line, column, severity, rule, path, message}
  sarif  SARIF 2.1.0, for code-scanning tools`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if err := checkFormat(format, lintFormats...); err != nil {
				return err
			}
			if listRules {
				return printLintRules(w, format)
			}
			if len(args) == 0 {
				return fmt.Errorf("lint needs at least one FILE (or --rules)")
			}
			if err := checkDirs("-I", includes); err != nil {
				return err
			}
			// A FILE that is not there is a mistake in the command, not a
			// finding about the file (one that does not parse is).
			for _, a := range args {
				if bbf.IsModelName(a) {
					continue // a catalogue MODEL (lintTarget finds its file)
				}
				if err := checkFile("", a); err != nil {
					return err
				}
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
				return exitError{exitFindings}
			}
			return nil
		},
	}
	addIncludeDirFlag(cmd, &includes)
	cmd.Flags().BoolVar(&werror, "werror", false, "treat warnings as errors for the exit status")
	addFormatFlag(cmd, &format, lintFormats...)
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

var lintFormats = []string{"text", "json", "sarif"}

// printLintRules prints the rule catalogue: aligned columns, or JSON.
func printLintRules(w io.Writer, format string) error {
	if format == "json" {
		type rule struct {
			ID        string `json:"id"`
			Severity  string `json:"severity"`
			Rationale string `json:"rationale"`
		}
		var rules []rule
		for _, r := range lint.Rules() {
			rules = append(rules, rule{r.ID, fmt.Sprint(r.Severity), r.Rationale})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	var rows [][]string
	for _, r := range lint.Rules() {
		rows = append(rows, []string{r.ID, fmt.Sprint(r.Severity), r.Rationale})
	}
	return writeTable(w, false, []string{"RULE", "SEVERITY", "RATIONALE"}, rows)
}
