package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/dmforge/dmforge/bbf"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newBBFCmd()) }

// bbfListEntry is one model of `bbf list --format json`.
type bbfListEntry struct {
	Model    string `json:"model"` // catalogue name: Device:2.19, Device:2.19-usp
	Protocol string `json:"protocol"`
	Standard string `json:"standard"`
	File     string `json:"file"`
	FoundIn  string `json:"foundIn,omitempty"` // directory holding File; empty: not found
}

// bbfFetchReport is what `bbf fetch --format json` prints.
type bbfFetchReport struct {
	Dir    string   `json:"dir"`
	Files  []string `json:"files"`
	Probes int      `json:"probes"` // HEAD requests sent to find latest corrigenda
	Error  string   `json:"error,omitempty"`
}

func newBBFCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bbf",
		Short: "The catalogue of BBF standard data models and their files",
	}
	var includes []string
	var listFormat string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the model versions dmforge knows, their root files, and whether they are found",
		Long: `List prints the catalogue: every model version, its protocol variant,
standard and root file, and the directory of the search path it was found
in. Formats: text (aligned columns, default), box (a drawn table), json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(listFormat, "text", "json", "box"); err != nil {
				return err
			}
			if err := checkDirs("-I", includes); err != nil {
				return err
			}
			search := bbf.SearchPath(includes)
			var entries []bbfListEntry
			for _, e := range bbf.Sorted() {
				le := bbfListEntry{Model: e.Key(), Protocol: e.Protocol, Standard: e.Standard, File: e.File}
				if p, ok := bbf.Find(search, e.File); ok {
					le.FoundIn = p[:len(p)-len(e.File)-1]
				}
				entries = append(entries, le)
			}
			w := cmd.OutOrStdout()
			if listFormat == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					SearchPath []string       `json:"searchPath"`
					Models     []bbfListEntry `json:"models"`
				}{append([]string{}, search...), entries})
			}
			rows := make([][]string, len(entries))
			for i, e := range entries {
				where := e.FoundIn
				if where == "" {
					where = "-"
				}
				rows[i] = []string{e.Model, strings.ToUpper(e.Protocol), e.Standard, e.File, where}
			}
			if err := writeTable(w, listFormat == "box", []string{"MODEL", "PROTOCOL", "STANDARD", "ROOT FILE", "FOUND IN"}, rows); err != nil {
				return err
			}
			fmt.Fprintf(w, "search path: %v\n", search)
			fmt.Fprintln(w, "A model name alone means its CWMP variant; append -usp for the USP one (Device:2.19-usp, Device:2-usp).")
			return nil
		},
	}
	addIncludeDirFlag(list, &includes)
	deprecatedAlias(list, "include", flagIncludeDir)
	addFormatFlag(list, &listFormat, "text", "json", "box")

	var dir, baseURL, fetchFormat string
	var refresh bool
	fetch := &cobra.Command{
		Use:   "fetch [MODEL|FILE]...",
		Short: "Download BBF data-model files (and everything they import) into the user cache",
		Long: `Fetch downloads the root files of the given models (catalogue names such as
Device:2.19, Device:2, Device:2.19-usp or Device:2-usp, or file names) from
the BBF's site, and every file they import, into the user cache (or --dir).
With no arguments it fetches the four standard models, ` + fmt.Sprint(bbf.Standard) + `,
in their CWMP and (where there is one) USP variants.

When an import omits its corrigendum the latest one is wanted, and the
site has no listing: fetch probes for it with HEAD requests, and remembers
what it found, with the time, in ` + bbf.ResolvedCacheFile() + `
for 30 days. --refresh probes again.`,
		ValidArgsFunction: completeModelArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(fetchFormat, "text", "json"); err != nil {
				return err
			}
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
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			f := &bbf.Fetcher{BaseURL: baseURL, Dir: dir, Resolved: bbf.ResolvedCacheFile(), Refresh: refresh}
			if fetchFormat == "text" {
				f.Log = cmd.ErrOrStderr()
			}
			got, err := f.Fetch(ctx, files...)
			if fetchFormat == "json" {
				r := bbfFetchReport{Dir: f.Dir, Files: append([]string{}, got...), Probes: f.Probes}
				if err != nil {
					r.Error = err.Error()
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if jerr := enc.Encode(r); jerr != nil {
					return jerr
				}
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%d files in %s\n", len(got), f.Dir)
			}
			return err
		},
	}
	fetch.Flags().StringVar(&dir, "dir", "", "destination directory (default: "+bbf.CacheDir()+")")
	_ = fetch.MarkFlagDirname("dir")
	fetch.Flags().StringVar(&baseURL, "base-url", bbf.DefaultBaseURL, "where the BBF files are published")
	fetch.Flags().BoolVar(&refresh, "refresh", false, "probe the site for the latest corrigenda again, whatever was remembered")
	addFormatFlag(fetch, &fetchFormat, "text", "json")
	cmd.AddCommand(list, fetch)
	return cmd
}
