package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildVersion describes the binary from the build information the Go
// toolchain records: the module version (a tag, or a pseudo-version when
// installed with go install/go get), else the VCS revision and whether the
// work tree was modified, and the Go version. Nothing is stamped by hand,
// so it cannot go stale.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dmforge (no build information)"
	}
	version := bi.Main.Version
	var rev, when string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString("dmforge ")
	switch {
	case version != "" && version != "(devel)":
		b.WriteString(version)
	case rev != "":
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString("devel " + rev)
		if dirty {
			b.WriteString("+dirty")
		}
		if when != "" {
			b.WriteString(" (" + when + ")")
		}
	default:
		b.WriteString("devel")
	}
	b.WriteString(", " + bi.GoVersion)
	return b.String()
}

func printVersion(w io.Writer) error {
	_, err := fmt.Fprintln(w, buildVersion())
	return err
}

func init() {
	rootCmd.Version = buildVersion()
	rootCmd.SetVersionTemplate("{{.Version}}\n")
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print dmforge's version (module version or VCS revision, and Go version)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return printVersion(cmd.OutOrStdout()) },
	})
}
