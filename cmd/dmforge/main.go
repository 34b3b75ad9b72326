// Command dmforge is the toolchain for Broadband Forum TR-069 (CWMP) data
// models: show, lint, diff and generate code from them, and run a
// reference ACS and simulated CPEs.
package main

import (
	"errors"
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

// exitStatus is the process's exit status for what a command returned:
// exitOK, the status an exitError carries (exitFindings), or exitCannotRun
// for any other error (printed first).
func exitStatus(err error) int {
	if err == nil {
		return exitOK
	}
	var e exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitCannotRun
}

func main() {
	err := rootCmd.Execute()
	if err != nil && !errors.As(err, new(exitError)) {
		fmt.Fprintln(os.Stderr, "dmforge:", err)
	}
	os.Exit(exitStatus(err))
}
