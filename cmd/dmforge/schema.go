package main

import (
	"os"

	"github.com/dmforge/dmforge/gen"
	"github.com/spf13/cobra"
)

func init() { genCmd.AddCommand(newGenSchemaCmd()) }

func newGenSchemaCmd() *cobra.Command {
	var lo loadOptions
	var out string
	var opts gen.SchemaOptions
	var compact bool
	cmd := &cobra.Command{
		Use:   "schema [-I DIR]... (FILE|MODEL) [--out FILE]",
		Short: "Generate a JSON Schema for the model's parameter documents",
		Long: `Generate a JSON Schema (draft-07) for documents of parameter values of a data
model, in both shapes users write:

  nested  {"Device": {"WiFi": {"SSID": {"1": {"SSID": "home"}}}}}
  flat    {"Device.WiFi.SSID.1.SSID": "home"}

Tables are keyed by instance number or [alias]; unknown names are violations.
Every value may be written as its CWMP string; numbers and booleans may also be
JSON numbers and booleans, lists JSON arrays. Sizes, ranges, enumerations and
patterns are checked (see 'dmforge validate', which uses the same schema).

A USP model's commands and events are not document values: the schema
describes their arguments in the definitions usp-commands (input and output
of each command, by instance path) and usp-events (each event's arguments).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ld, err := lo.load(args[0])
			if err != nil {
				return err
			}
			if compact {
				opts.Indent = "none"
			}
			b, err := gen.JSONSchema(ld.Model, opts)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if err := checkParentDir("--out", out); err != nil {
				return err
			}
			return os.WriteFile(out, b, 0o644)
		},
	}
	lo.addFlags(cmd)
	addOutFlag(cmd, &out, "write the schema to FILE (default: standard output)")
	deprecatedAlias(cmd, "output", flagOut)
	cmd.Flags().StringVar(&opts.ID, "id", "", "the schema's $id")
	cmd.Flags().BoolVar(&compact, "compact", false, "write the schema on one line")
	return cmd
}
