package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/dmforge/dmforge/bbf"
	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newBBFCmd()) }

func newBBFCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bbf",
		Short: "The catalogue of BBF standard data models and their files",
	}
	var includes []string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the model versions dmforge knows, their root files, and whether they are found",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			search := bbf.SearchPath(includes)
			t := tablewriter.NewWriter(cmd.OutOrStdout())
			t.Header("Model", "Protocol", "Standard", "Root file", "Found in")
			for _, e := range bbf.Sorted() {
				where := "-"
				if p, ok := bbf.Find(search, e.File); ok {
					where = p[:len(p)-len(e.File)-1]
				}
				if err := t.Append(e.Key(), strings.ToUpper(e.Protocol), e.Standard, e.File, where); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "search path: %v\n", search)
			fmt.Fprintln(cmd.OutOrStdout(), "A model name alone means its CWMP variant; append -usp for the USP one (Device:2.19-usp, Device:2-usp).")
			return nil
		},
	}
	list.Flags().StringArrayVarP(&includes, "include", "I", nil, "extra directory to search (repeatable)")
	var dir, baseURL string
	fetch := &cobra.Command{
		Use:   "fetch [MODEL|FILE]...",
		Short: "Download BBF data-model files (and everything they import) into the user cache",
		Long: `Fetch downloads the root files of the given models (catalogue names such as
Device:2.19, Device:2, Device:2.19-usp or Device:2-usp, or file names) from
the BBF's site, and every file they import, into the user cache (or --dir).
With no arguments it fetches the four standard models, ` + fmt.Sprint(bbf.Standard) + `,
in their CWMP and (where there is one) USP variants.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []string
			if len(args) == 0 {
				files = bbf.StandardFiles()
			}
			for _, a := range args {
				if bbf.IsModelName(a) {
					e, err := bbf.Lookup(a)
					if err != nil {
						return err
					}
					files = append(files, e.File)
				} else {
					files = append(files, a)
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			f := &bbf.Fetcher{BaseURL: baseURL, Dir: dir, Log: cmd.ErrOrStderr()}
			got, err := f.Fetch(ctx, files...)
			fmt.Fprintf(cmd.OutOrStdout(), "%d files in %s\n", len(got), f.Dir)
			return err
		},
	}
	fetch.Flags().StringVar(&dir, "dir", "", "destination directory (default: "+bbf.CacheDir()+")")
	fetch.Flags().StringVar(&baseURL, "base-url", bbf.DefaultBaseURL, "where the BBF files are published")
	cmd.AddCommand(list, fetch)
	return cmd
}
