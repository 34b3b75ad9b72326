package main

import "github.com/spf13/cobra"

// genCmd is the parent of the generators: `gen go`, `gen schema`, `gen cpe`.
var genCmd = &cobra.Command{
	Use:   "gen",
	Short: "Generate code and schemas from a data model",
}

func init() { rootCmd.AddCommand(genCmd) }
