package main

import (
	"fmt"
	"io"
	"os"

	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/model"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newValidateCmd()) }

func newValidateCmd() *cobra.Command {
	var lo loadOptions
	var target, schemaFile string
	cmd := &cobra.Command{
		Use:   "validate (--model MODEL | --schema FILE) [-I DIR]... DOC.json...",
		Short: "Validate JSON parameter documents against a data model",
		Long: `Validate checks JSON documents of parameter values, nested or flat (see
'dmforge gen schema'), against the JSON Schema of a data model: the one built
from --model (a catalogue model such as Device:2.19, or a data-model file), or
a schema written earlier by 'dmforge gen schema' (--schema). It prints one line
per violation:

  DOC.json: Device.WiFi.SSID.1.SSID: "…": length 40 characters is outside [-∞:32] [size]

and exits with status 1 if any document has a violation. With --model, value
violations are explained by TR-106's rules; with --schema alone, by the JSON
Schema validator. DOC "-" reads standard input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" && schemaFile == "" {
				return fmt.Errorf("validate needs --model MODEL or --schema FILE")
			}
			var m *model.Model
			if target != "" {
				ld, err := lo.load(target)
				if err != nil {
					return err
				}
				m = ld.Model
			}
			var schema []byte
			var err error
			if schemaFile != "" {
				schema, err = os.ReadFile(schemaFile)
			} else {
				schema, err = gen.JSONSchema(m, gen.SchemaOptions{Indent: "none"})
			}
			if err != nil {
				return err
			}
			v, err := gen.NewDocValidator(schema, m)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			bad, total := 0, 0
			for _, name := range args {
				var doc []byte
				if name == "-" {
					doc, err = io.ReadAll(cmd.InOrStdin())
				} else {
					doc, err = os.ReadFile(name)
				}
				if err != nil {
					return err
				}
				vs, err := v.Validate(doc)
				if err != nil {
					vs = []gen.DocViolation{{Msg: err.Error()}}
				}
				if len(vs) > 0 {
					bad++
				}
				total += len(vs)
				for _, x := range vs {
					fmt.Fprintf(w, "%s: %s\n", name, x)
				}
			}
			if bad > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d violations in %d of %d documents\n", total, bad, len(args))
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&lo.Includes, "include", "I", nil, "directory to search for imported files (repeatable)")
	cmd.Flags().StringVar(&target, "model", "", "data model to validate against: a catalogue model (Device:2.19, Device:2) or a data-model file")
	cmd.Flags().StringVar(&schemaFile, "schema", "", "validate against this JSON Schema (from 'dmforge gen schema') instead of building it")
	return cmd
}
