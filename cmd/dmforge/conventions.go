package main

// The conventions every dmforge command follows, in one place: the names
// of the shared flags, the environment variables every flag can be set
// from, deprecated spellings, exit statuses, and the errors for missing
// files and directories. TestCLIConventions walks the command tree and
// holds every command to them.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit statuses, the same for every command.
const (
	exitOK        = 0 // nothing found
	exitFindings  = 1 // the command ran and found something (lint errors, validate findings, breaking changes, failed sessions)
	exitCannotRun = 2 // bad flags, missing files, unreachable servers: the command could not do its job
)

// The names of the convention flags.
const (
	flagIncludeDir = "include-dir" // -I: directories searched for imported files
	flagOut        = "out"         // -o: where generated output goes
	flagFormat     = "format"      // what a report looks like (text, json, ...)
	flagModel      = "model"       // which data model
	flagLogFormat  = "log-format"  // text or json log lines (long-running commands)
	flagVerbose    = "verbose"     // -v: more log lines
)

// envPrefix starts the environment variable of every flag.
const envPrefix = "DMFORGE_"

// Flag annotations the environment mechanism reads.
const (
	// annEnv names the flag's variable when it is not DMFORGE_<FLAG>
	// (policy --token is DMFORGE_NBI_TOKEN, like acs --nbi-token).
	annEnv = "dmforge_env"
	// annEnvSep splits a repeatable flag's variable into several values
	// (-I takes a PATH-like list); without it the variable is one value.
	annEnvSep = "dmforge_env_separator"
	// annAliasOf marks a deprecated spelling: the flag it stands for.
	annAliasOf = "dmforge_alias_of"
)

func init() {
	// Every parent's PersistentPreRunE runs (policy and campaign have
	// their own), the root's first: flags come from the environment before
	// a command looks at them.
	cobra.EnableTraverseRunHooks = true
	rootCmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return applyEnv(cmd) }
	rootCmd.Long = `dmforge is the toolchain for Broadband Forum TR-069 (CWMP) data models: show,
lint, diff and generate code from them, validate device dumps, and run a
reference ACS and simulated CPEs.

Every command follows the same conventions:
  -I, --include-dir DIR   directories searched for imported files
  --model NAME            the data model (Device:2.19, Device:2, ...)
  -o, --out PATH          where generated files go
  --format FORMAT         what a report looks like; json wherever a command reports
  --log-format text|json  log lines of the long-running commands (acs, lab, cpe run/sim)
  -v, --verbose           more log lines

Exit status: 0 ok, 1 findings (lint errors, validate findings, diff
--breaking changes, failed CPE sessions), 2 could not run.

Every flag can also be set in the environment: --cwmp-addr as
DMFORGE_CWMP_ADDR, or for one command only DMFORGE_<COMMAND>_<FLAG>
(DMFORGE_LINT_FORMAT=json, DMFORGE_CPE_SIM_COUNT=100). A flag given on the
command line wins over its variable, and the per-command variable over the
general one. A repeatable flag's variable is one value, except
DMFORGE_INCLUDE_DIR, a list like PATH ("dir1:dir2").`
}

// envNames are the variables that set flag f of cmd, the first found
// wins: DMFORGE_<COMMAND PATH>_<FLAG>, then DMFORGE_<FLAG> (or the name
// the flag's annotation gives).
func envNames(cmd *cobra.Command, f *pflag.Flag) []string {
	general := envPrefix + envWord(f.Name)
	if a := f.Annotations[annEnv]; len(a) > 0 {
		general = a[0]
	}
	var path []string
	for c := cmd; c != nil && c.HasParent(); c = c.Parent() {
		path = append([]string{envWord(c.Name())}, path...)
	}
	if len(path) == 0 {
		return []string{general}
	}
	return []string{envPrefix + strings.Join(path, "_") + "_" + envWord(f.Name), general}
}

// envWord is a flag or command name as it goes in a variable's name.
func envWord(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// applyEnv sets every flag of cmd not given on the command line (nor by a
// deprecated spelling of it) from its environment variable.
func applyEnv(cmd *cobra.Command) error {
	fl := cmd.Flags()
	given := map[string]bool{}
	fl.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			given[f.Name] = true
			if a := f.Annotations[annAliasOf]; len(a) > 0 {
				given[a[0]] = true
			}
		}
	})
	var errs []error
	fl.VisitAll(func(f *pflag.Flag) {
		if given[f.Name] || f.Deprecated != "" || f.Name == "help" || f.Name == "version" {
			return
		}
		for _, env := range envNames(cmd, f) {
			v, ok := os.LookupEnv(env)
			if !ok {
				continue
			}
			if err := setFromEnv(fl, f, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q (--%s): %w", env, v, f.Name, err))
			}
			return
		}
	})
	return errors.Join(errs...)
}

// setFromEnv gives flag f the value of its variable.
func setFromEnv(fl *pflag.FlagSet, f *pflag.Flag, v string) error {
	sep := f.Annotations[annEnvSep]
	if len(sep) == 0 {
		if _, list := f.Value.(pflag.SliceValue); list {
			v = strings.TrimSpace(v)
		}
		return fl.Set(f.Name, v)
	}
	for _, part := range strings.Split(v, sep[0]) {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if err := fl.Set(f.Name, part); err != nil {
			return err
		}
	}
	return nil
}

// addIncludeDirFlag adds -I/--include-dir.
func addIncludeDirFlag(cmd *cobra.Command, dirs *[]string) {
	cmd.Flags().StringArrayVarP(dirs, flagIncludeDir, "I", nil, "directory to search for imported files (repeatable; searched before $DMFORGE_BBF, ../shared/bbf and the user cache)")
	_ = cmd.Flags().SetAnnotation(flagIncludeDir, annEnvSep, []string{string(os.PathListSeparator)})
	_ = cmd.MarkFlagDirname(flagIncludeDir)
}

// addOutFlag adds -o/--out.
func addOutFlag(cmd *cobra.Command, out *string, usage string) {
	cmd.Flags().StringVarP(out, flagOut, "o", "", usage)
}

// addFormatFlag adds --format with its formats (the first is the
// default) and completes them.
func addFormatFlag(cmd *cobra.Command, format *string, formats ...string) {
	cmd.Flags().StringVar(format, flagFormat, formats[0], "output format: "+strings.Join(formats, ", "))
	completeFlagWords(cmd, flagFormat, formats...)
}

// checkFormat says which formats there are when format is not one.
func checkFormat(format string, formats ...string) error {
	if slices.Contains(formats, format) {
		return nil
	}
	return fmt.Errorf("unknown --format %q (%s)", format, strings.Join(formats, ", "))
}

// deprecatedAlias keeps an old spelling of a flag working: old sets the
// same value as flag, and cobra says to use the new name.
func deprecatedAlias(cmd *cobra.Command, old, flag string) {
	f := cmd.Flags().Lookup(flag)
	cmd.Flags().Var(f.Value, old, f.Usage)
	_ = cmd.Flags().SetAnnotation(old, annAliasOf, []string{flag})
	use := "--" + flag
	if f.Shorthand != "" {
		use = "-" + f.Shorthand + "/" + use
	}
	_ = cmd.Flags().MarkDeprecated(old, "use "+use)
}

// checkDirs fails for a directory that does not exist (the search path
// itself skips missing directories, which would hide a typo in -I).
func checkDirs(flag string, dirs []string) error {
	for _, d := range dirs {
		if err := checkDir(flag, d); err != nil {
			return err
		}
	}
	return nil
}

// checkDir fails unless dir is an existing directory, saying so.
func checkDir(flag, dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: the directory does not exist", flag, dir)
	case err != nil:
		return fmt.Errorf("%s %s: %w", flag, dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s %s: not a directory", flag, dir)
	}
	return nil
}

// checkFile fails unless file exists and is not a directory, saying so
// (what names it: a flag, or "" for an argument).
func checkFile(what, file string) error {
	prefix := file
	if what != "" {
		prefix = what + " " + file
	}
	st, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if dir := filepath.Dir(file); dir != "." {
			if _, derr := os.Stat(dir); errors.Is(derr, fs.ErrNotExist) {
				return fmt.Errorf("%s: the directory %s does not exist", prefix, dir)
			}
		}
		return fmt.Errorf("%s: no such file", prefix)
	case err != nil:
		return fmt.Errorf("%s: %w", prefix, err)
	case st.IsDir():
		return fmt.Errorf("%s: a directory, not a file", prefix)
	}
	return nil
}

// checkParentDir fails when the directory a file is to be created in does
// not exist (SQLite says "out of memory (14)" for it).
func checkParentDir(what, file string) error {
	dir := filepath.Dir(file)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: the directory %s does not exist", what, file, dir)
	case err != nil:
		return fmt.Errorf("%s %s: %w", what, file, err)
	case !st.IsDir():
		return fmt.Errorf("%s %s: %s is not a directory", what, file, dir)
	}
	return nil
}

// checkDBDir fails when --db names a SQLite file in a directory that does
// not exist (a PostgreSQL URL is the server's business).
func checkDBDir(loc string) error {
	path := loc
	if scheme, rest, ok := strings.Cut(loc, ":"); ok && len(scheme) > 1 && !strings.ContainsAny(scheme, `/\.`) {
		switch strings.ToLower(scheme) {
		case "sqlite", "sqlite3", "file":
			path = strings.TrimPrefix(rest, "//")
		default:
			return nil
		}
	}
	if path == "" {
		return nil
	}
	return checkParentDir("--db", path)
}
