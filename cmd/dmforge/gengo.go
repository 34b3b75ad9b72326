package main

import (
	"fmt"
	"path/filepath"

	"github.com/dmforge/dmforge/gen"
	"github.com/spf13/cobra"
)

func init() { genCmd.AddCommand(newGenGoCmd()) }

func newGenGoCmd() *cobra.Command {
	var lo loadOptions
	var opts gen.Options
	var out string
	cmd := &cobra.Command{
		Use:   "go [-I DIR]... (FILE|MODEL) --out DIR --package NAME",
		Short: "Generate Go types, validators, typed paths and a schema table",
		Long: `Generate a Go package for a data model: a struct per object with typed fields
and JSON tags, enumerations as named types, validators that check every field
against its facets, typed path handles that carry the value type and access
mode, and a Document with Validate, ValidateSet, PopulateDefaults, Equal,
Clone and Diff; and, in the subpackage schema, the schema table as data
(decoded on first use, O(1) lookup from an instance path).

For a USP model (Device:2.19-usp), every command also gets an input and an
output struct and a typed path (model.CommandPath, which knows whether the
command is asynchronous), and every event a struct of its arguments and a
typed path (model.EventPath).

For a vendor extension, pass the vendor's file: its model (which imports and
refines the BBF model) is generated, standard and X_VENDOR_ items alike.

Use it from go generate, after 'go get -tool github.com/dmforge/dmforge/cmd/dmforge':
  //go:generate go tool dmforge gen go Device:2.19 --out . --package tr181`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" || opts.Package == "" {
				return fmt.Errorf("--out and --package are required")
			}
			lo.Descriptions = opts.Descriptions
			ld, err := lo.load(args[0])
			if err != nil {
				return err
			}
			opts.Source = filepath.Base(ld.Doc.Path)
			return gen.WriteGo(ld.Model, opts, out)
		},
	}
	lo.addFlags(cmd)
	addGenFlags(cmd, &opts, &out)
	return cmd
}

// addGenFlags wires the flags gen go and gen cpe share to gen.Options.
func addGenFlags(cmd *cobra.Command, opts *gen.Options, out *string) {
	addOutFlag(cmd, out, "output directory")
	_ = cmd.MarkFlagDirname(flagOut)
	cmd.Flags().StringVar(&opts.Package, "package", "", "Go package name")
	cmd.Flags().StringArrayVar(&opts.Includes, "subtree", nil, "generate only this subtree, e.g. Device.WiFi. (repeatable)")
	// The old spellings, in users' go:generate lines.
	deprecatedAlias(cmd, "include", "subtree")
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "generate only what this profile requires, e.g. Baseline:1")
	cmd.Flags().BoolVar(&opts.Descriptions, "descriptions", false, "include the data model's descriptions as doc comments (BBF text; for your own repos)")
	cmd.Flags().StringVar(&opts.ImportPath, "import-path", "", "import path of the output package (default: from the go.mod above --out); its schema goes in the subpackage schema")
}
