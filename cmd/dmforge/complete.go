package main

// Shell completion (dmforge completion bash|zsh|fish|powershell) of what
// is not a file: the catalogue's model names and each flag's words.

import (
	"strings"

	"github.com/dmforge/dmforge/bbf"
	"github.com/spf13/cobra"
)

// catalogueNames are the model names a MODEL argument or --model takes:
// every catalogue entry, and the "latest of a major version" names.
func catalogueNames() []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, e := range bbf.Sorted() {
		add(e.Key())
		major := e.Name() + ":" + strings.SplitN(e.Model[strings.IndexByte(e.Model, ':')+1:], ".", 2)[0]
		if e.Protocol == bbf.USP {
			major += "-" + bbf.USP
		}
		add(major)
	}
	return names
}

// completeModelArgs completes a MODEL argument from the catalogue, and
// falls back to file names (every such argument may be a file).
func completeModelArgs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return filterPrefix(catalogueNames(), toComplete), cobra.ShellCompDirectiveDefault
}

// completeModelFlag completes --model from the catalogue.
func completeModelFlag(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc(flagModel, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return filterPrefix(catalogueNames(), toComplete), cobra.ShellCompDirectiveDefault
	})
}

// completeFlagWords completes a flag from a fixed list of words.
func completeFlagWords(cmd *cobra.Command, flag string, words ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return filterPrefix(words, toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

func filterPrefix(words []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}
