package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// logOptions are the logging flags of every long-running command (acs,
// lab, cpe run, cpe sim): one slog setup for all of them.
type logOptions struct {
	format  string // --log-format: text or json
	verbose bool   // -v: debug level
}

var logFormats = []string{"text", "json"}

func (o *logOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, flagLogFormat, "text", "log lines as text (key=value) or json (one object a line), on standard error")
	cmd.Flags().BoolVarP(&o.verbose, flagVerbose, "v", false, "log more (debug level: every session and request)")
	completeFlagWords(cmd, flagLogFormat, logFormats...)
}

// logger is the command's logger on w: lines at level and above, or every
// line with -v.
func (o logOptions) logger(w io.Writer, level slog.Level) (*slog.Logger, error) {
	if o.verbose {
		level = slog.LevelDebug
	}
	ho := &slog.HandlerOptions{Level: level}
	switch o.format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("unknown --log-format %q (text, json)", o.format)
}
