// Command dmforge is the toolchain for Broadband Forum TR-069 (CWMP) data
// models: show, lint, diff and generate code from them, and run a
// reference ACS and simulated CPEs.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

var rootCmd = &cobra.Command{
	Use:           "dmforge",
	Short:         "Toolchain for BBF TR-069 (CWMP) data models",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		if e, ok := err.(exitError); ok {
			os.Exit(e.code)
		}
		fmt.Fprintln(os.Stderr, "dmforge:", err)
		os.Exit(2)
	}
}
