package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dmforge/dmforge/gen"
	"github.com/spf13/cobra"
)

func init() { genCmd.AddCommand(newGenCPECmd()) }

func newGenCPECmd() *cobra.Command {
	var lo loadOptions
	var opts gen.Options
	var out string
	var scaffold, module, replace string
	cmd := &cobra.Command{
		Use:   "cpe [-I DIR]... (FILE|MODEL) --out DIR --package NAME",
		Short: "Generate CPE stubs: everything gen go makes, plus the interfaces a device implements",
		Long: `Generate a Go package for a data model with everything 'gen go' makes, plus
CPE stubs: for every object an interface the device's code implements
(getters for every parameter, setters only for writable ones, instance
listing for tables, add and delete only for writable tables), an
Unimplemented struct to embed, and NewStore, which binds an Implementation to
the schema so that the CPE handlers in cwmp/cpe (which check every path,
type, value and access mode first) call typed Go code.

For a USP model (Device:2.19-usp), also a handler interface per command
(input struct in; a synchronous command returns its output struct, an
asynchronous one reports it later through a done function) and Commands,
whose Operate dispatches a USP Operate to the typed handlers.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if scaffold != "" {
				if opts.Package == "" {
					opts.Package = "device"
				}
				ld, err := lo.load(args[0])
				if err != nil {
					return err
				}
				files, err := gen.Scaffold(ld.Model, gen.ScaffoldOptions{Module: module, Package: opts.Package, Replace: replace, Source: filepath.Base(ld.Doc.Path)})
				if err != nil {
					return err
				}
				if err := writeFiles(scaffold, files); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "starter CPE program for %s in %s: cd %s && go mod tidy && go run . -acs http://127.0.0.1:7547/\n", ld.Model.Name, scaffold, scaffold)
				return nil
			}
			if out == "" || opts.Package == "" {
				return fmt.Errorf("--out and --package are required (or --scaffold DIR)")
			}
			lo.Descriptions = opts.Descriptions
			ld, err := lo.load(args[0])
			if err != nil {
				return err
			}
			opts.Source = filepath.Base(ld.Doc.Path)
			opts.CPE = true
			return gen.WriteGo(ld.Model, opts, out)
		},
	}
	lo.addFlags(cmd)
	cmd.Flags().StringVar(&scaffold, "scaffold", "", "write a runnable starter CPE program (go.mod, main.go and the stubs) into this directory")
	cmd.Flags().StringVar(&module, "module", "example.com/mycpe", "with --scaffold: the Go module path of the starter program")
	cmd.Flags().StringVar(&replace, "replace", "", "with --scaffold: a local dmforge checkout for the go.mod replace directive")
	addGenFlags(cmd, &opts, &out)
	return cmd
}

// writeFiles writes files (names relative to dir, with / separators).
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
