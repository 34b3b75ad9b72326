package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/diff"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newDiffCmd()) }

func newDiffCmd() *cobra.Command {
	var opts loadOptions
	var format string
	var breaking, noRenames, rules, full bool
	cmd := &cobra.Command{
		Use:   "diff [-I DIR]... OLD NEW",
		Short: "Classify what changed between two data models, and what it breaks",
		Long: `Diff compares two data models (files, or catalogue models such as
Device:2.18 Device:2.19, their USP variants Device:2.18-usp Device:2.19-usp,
or a BBF model and a vendor extension of it) and reports every change to
objects, parameters, commands, events, command and event arguments and
profiles with a stable rule id and a class:

  breaking    an ACS script or provisioning that worked on OLD may fail on
              NEW (removals, renames, narrowed ranges/sizes/enumerations,
              less access, type changes, ...)
  compatible  adds to what works and takes nothing away
  info        does not change what works (deprecations, descriptions)

--breaking prints only the breaking changes and exits with status 1 if
there are any, for CI. --rules prints the rule catalogue.

Formats:
  table     grouped by object, plain columns (default)
  box       the same table, box-drawn
  markdown  a review summary for a pull request: counts by class and rule,
            the breaking changes listed, the others in collapsible
            sections; under 65,536 characters (a GitHub comment) whatever
            the changes. --full lists every change with old and new values
  json      an array of change records (path, kind, rule, class, old, new, message)
  html      a self-contained page
  sarif     a SARIF 2.1.0 log: one result per change at the file and line
            of the changed item in NEW (for code scanning)
  github    GitHub Actions annotations, "::error file=F,line=L,title=RULE::..."
            for breaking changes and "::notice ..." for the others`,
		Args: func(cmd *cobra.Command, args []string) error {
			if rules {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if rules {
				return printRules(cmd, format)
			}
			if !validFormat(format) {
				return fmt.Errorf("unknown --format %q (%s)", format, strings.Join(diff.Formats, ", "))
			}
			// Resolve both models at once: each load has its own loader,
			// and resolving dominates the run time.
			var oldLd, newLd *loaded
			var oldErr, newErr error
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				oldLd, oldErr = opts.load(args[0])
			}()
			newLd, newErr = opts.load(args[1])
			wg.Wait()
			if oldErr != nil {
				return oldErr
			}
			if newErr != nil {
				return newErr
			}
			changes := diff.Compare(oldLd.Model, newLd.Model, diff.Options{Descriptions: opts.Descriptions, NoRenames: noRenames})
			if breaking {
				changes = diff.Filter(changes, diff.Breaking)
			}
			r := &diff.Report{Old: diff.Label(oldLd.Model), New: diff.Label(newLd.Model), Changes: changes,
				Full: full, NewModel: newLd.Model, Files: annotatedFiles(args[1])}
			if format == "table" {
				// Plain columns in the terminal's width (box: drawn).
				fmt.Fprintln(w, diff.Summary(r))
				if len(changes) > 0 {
					header, rows := diff.TableRows(r)
					if err := writeTable(w, false, header, rows); err != nil {
						return err
					}
				}
			} else if err := diff.Write(w, format, r); err != nil {
				return err
			}
			if breaking && len(changes) > 0 {
				return exitError{exitFindings}
			}
			return nil
		},
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&format, flagFormat, "table", "output format: "+strings.Join(diff.Formats, ", "))
	completeFlagWords(cmd, flagFormat, diff.Formats...)
	cmd.Flags().BoolVar(&breaking, "breaking", false, "print only breaking changes; exit 1 if there are any")
	cmd.Flags().BoolVar(&opts.Descriptions, "descriptions", false, "also report description changes")
	cmd.Flags().BoolVar(&noRenames, "no-renames", false, "report renames as a removal and an addition (ignore dmr:previousParameter/previousObject)")
	cmd.Flags().BoolVar(&full, "full", false, "with --format markdown: every change with its old and new value, not the review summary")
	cmd.Flags().BoolVar(&rules, "rules", false, "print the rule catalogue (id, class, kind, meaning) and exit")
	return cmd
}

func validFormat(f string) bool {
	for _, x := range diff.Formats {
		if f == x {
			return true
		}
	}
	return f == "md"
}

func printRules(cmd *cobra.Command, format string) error {
	w := cmd.OutOrStdout()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(diff.Rules())
	case "markdown", "md":
		fmt.Fprintln(w, "| Rule | Class | Kind | Meaning |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, r := range diff.Rules() {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", r.ID, r.Class, r.Kind, strings.ReplaceAll(r.Meaning, "|", `\|`))
		}
		return nil
	}
	for _, r := range diff.Rules() {
		fmt.Fprintf(w, "%-40s %-10s %-9s %s\n", r.ID, r.Class, r.Kind, r.Meaning)
	}
	return nil
}

// annotatedFiles maps the NEW file's name, as the model records it, to
// the path given on the command line, so that annotations name the file
// in the repository ("vendor/acme-device.xml", not "acme-device.xml").
func annotatedFiles(target string) map[string]string {
	if st, err := os.Stat(target); err != nil || st.IsDir() {
		return nil
	}
	return map[string]string{filepath.Base(target): filepath.ToSlash(target)}
}
