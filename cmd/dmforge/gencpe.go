package main

import (
	"fmt"
	"path/filepath"

	"github.com/dmforge/dmforge/gen"
	"github.com/spf13/cobra"
)

func init() { genCmd.AddCommand(newGenCPECmd()) }

func newGenCPECmd() *cobra.Command {
	var lo loadOptions
	var opts gen.Options
	var out string
	cmd := &cobra.Command{
		Use:   "cpe [-I DIR]... (FILE|MODEL) --out DIR --package NAME",
		Short: "Generate CPE stubs: everything gen go makes, plus the interfaces a device implements",
		Long: `Generate a Go package for a data model with everything 'gen go' makes, plus
CPE stubs: for every object an interface the device's code implements
(getters for every parameter, setters only for writable ones, instance
listing for tables, add and delete only for writable tables), an
Unimplemented struct to embed, and NewStore, which binds an Implementation to
the schema so that the CPE handlers in cwmp/cpe (which check every path,
type, value and access mode first) call typed Go code.`,
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
			opts.CPE = true
			return gen.WriteGo(ld.Model, opts, out)
		},
	}
	lo.addFlags(cmd)
	cmd.Flags().StringVar(&out, "out", "", "output directory")
	cmd.Flags().StringVar(&opts.Package, "package", "", "Go package name")
	cmd.Flags().StringArrayVar(&opts.Includes, "include", nil, "generate only this subtree, e.g. Device.WiFi. (repeatable)")
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "generate only what this profile requires, e.g. Baseline:1")
	cmd.Flags().BoolVar(&opts.Descriptions, "descriptions", false, "include the data model's descriptions as doc comments (BBF text; for your own repos)")
	return cmd
}
