package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runCLI runs dmforge ARGS in-process on the root command and returns
// stdout and stderr; every flag of every command is reset afterwards
// (cobra keeps values between runs), env-set ones included, and so is
// every subcommand's context.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	resetFlags(rootCmd)
	return out.String(), errOut.String(), err
}

func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if !f.Changed {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = sv.Replace(nil)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, s := range c.Commands() {
		// Cobra keeps the context a subcommand first ran with: the next
		// run (TestCPERun's, cancelled to stop) must bring its own.
		s.SetContext(nil) //nolint:staticcheck // nil: inherit the root's again
		resetFlags(s)
	}
}

// allCommands are the runnable commands of the tree by path ("cpe sim"),
// without cobra's own (help, completion).
func allCommands() map[string]*cobra.Command {
	out := map[string]*cobra.Command{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			if s.Name() == "help" || s.Name() == "completion" {
				continue
			}
			if s.Runnable() {
				s.InheritedFlags() // merges the parents' persistent flags into Flags(), as a run does
				out[strings.TrimPrefix(s.CommandPath(), "dmforge ")] = s
			}
			walk(s)
		}
	}
	walk(rootCmd)
	return out
}

// Roles of a command in the conventions.
const (
	readsModels = 1 << iota // -I/--include-dir and --model
	picksModel              // --model only (compiled-in models)
	writesFiles             // -o/--out
	reports                 // --format with json
	longRunning             // --log-format text|json and -v/--verbose
)

// commandRoles classifies every command; TestCLIConventions fails for a
// command missing here, so a new command is held to the conventions.
var commandRoles = map[string]int{
	"show":             readsModels | reports,
	"lint":             reports, // -I only: its FILEs are the models
	"diff":             readsModels | reports,
	"validate":         readsModels | reports,
	"gen go":           readsModels | writesFiles,
	"gen cpe":          readsModels | writesFiles,
	"gen schema":       readsModels | writesFiles,
	"bbf list":         reports,
	"bbf fetch":        reports,
	"cpe sim":          picksModel | reports | longRunning,
	"cpe run":          picksModel | longRunning,
	"cpe testacs":      0, // hidden benchmark helper
	"acs":              longRunning,
	"lab":              longRunning,
	"version":          0,
	"policy apply":     0,
	"conformance run":  reports,
	"conformance plan": 0, // prints a plan document (JSON)
	"diagnostics run":  reports,
	"diagnostics get":  reports,
	"diagnostics list": reports,
	"policy get":       reports,
	"policy delete":    0,
	"policy plan":      0,
	"campaign start":   0,
	"campaign get":     reports,
	"campaign pause":   0,
	"campaign resume":  0,
	"campaign abort":   0,
}

// conventionFlags are the shared flags: name, shorthand, pflag type.
var conventionFlags = map[string]struct{ short, typ string }{
	flagIncludeDir: {"I", "stringArray"},
	flagModel:      {"", "string"},
	flagOut:        {"o", "string"},
	flagFormat:     {"", "string"},
	flagLogFormat:  {"", "string"},
	flagVerbose:    {"v", "bool"},
}

// TestCLIConventions walks the command tree: every command is classified,
// has the convention flags of its roles with the same name, shorthand and
// type; --format offers json where the command reports, --log-format text
// and json; no command uses a convention shorthand for anything else, and
// old spellings are deprecated aliases of the new flags.
func TestCLIConventions(t *testing.T) {
	cmds := allCommands()
	for path := range cmds {
		if _, ok := commandRoles[path]; !ok {
			t.Errorf("command %q is not in commandRoles: classify it (and give it the convention flags)", path)
		}
	}
	for path, roles := range commandRoles {
		cmd, ok := cmds[path]
		if !ok {
			t.Errorf("commandRoles names %q, which is not a command", path)
			continue
		}
		t.Run(strings.ReplaceAll(path, " ", "_"), func(t *testing.T) {
			want := map[string]bool{}
			if roles&(readsModels|picksModel) != 0 {
				want[flagModel] = true
			}
			if roles&readsModels != 0 || path == "lint" || path == "bbf list" {
				want[flagIncludeDir] = true
			}
			if roles&writesFiles != 0 {
				want[flagOut] = true
			}
			if roles&reports != 0 {
				want[flagFormat] = true
			}
			if roles&longRunning != 0 {
				want[flagLogFormat], want[flagVerbose] = true, true
			}
			for name := range want {
				f := cmd.Flags().Lookup(name)
				if f == nil {
					t.Errorf("no --%s", name)
					continue
				}
				c := conventionFlags[name]
				if f.Shorthand != c.short || f.Value.Type() != c.typ {
					t.Errorf("--%s: shorthand %q type %s, want %q %s", name, f.Shorthand, f.Value.Type(), c.short, c.typ)
				}
			}
			if want[flagFormat] {
				if words := completions(t, cmd, flagFormat); !slices.Contains(words, "json") {
					t.Errorf("--format offers %v: no json", words)
				}
			}
			if want[flagLogFormat] {
				if words := completions(t, cmd, flagLogFormat); !slices.Equal(words, []string{"text", "json"}) {
					t.Errorf("--log-format offers %v", words)
				}
			}
			cmd.Flags().VisitAll(func(f *pflag.Flag) {
				// A convention flag anywhere has its convention shape, and
				// a convention shorthand means only its flag.
				if c, ok := conventionFlags[f.Name]; ok && (f.Shorthand != c.short || f.Value.Type() != c.typ) {
					t.Errorf("--%s: shorthand %q type %s, want %q %s", f.Name, f.Shorthand, f.Value.Type(), c.short, c.typ)
				}
				for name, c := range conventionFlags {
					if c.short != "" && f.Shorthand == c.short && f.Name != name {
						t.Errorf("-%s is --%s, not --%s", c.short, f.Name, name)
					}
				}
				if alias := f.Annotations[annAliasOf]; len(alias) > 0 {
					if f.Deprecated == "" || cmd.Flags().Lookup(alias[0]) == nil || cmd.Flags().Lookup(alias[0]).Value != f.Value {
						t.Errorf("--%s is not a deprecated alias sharing --%s's value", f.Name, alias[0])
					}
				} else if (f.Name == "include" || f.Name == "output") && f.Deprecated == "" {
					t.Errorf("--%s: an old spelling that is not deprecated", f.Name)
				}
			})
		})
	}
}

// TestEnvNamesDoNotCollide: the per-command variable of one flag is never
// the general variable of another (DMFORGE_CPE_RUN_USERNAME is cpe run's
// --username, not some --cpe-run-username), so a variable means one flag.
func TestEnvNamesDoNotCollide(t *testing.T) {
	general := map[string]string{}
	cmds := allCommands()
	for _, cmd := range cmds {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			names := envNames(cmd, f)
			general[names[len(names)-1]] = f.Name
		})
	}
	for path, cmd := range cmds {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			names := envNames(cmd, f)
			if len(names) != 2 {
				t.Errorf("%s --%s: variables %v", path, f.Name, names)
				return
			}
			if other, ok := general[names[0]]; ok && other != f.Name {
				t.Errorf("%s --%s: %s is also --%s's variable", path, f.Name, names[0], other)
			}
		})
	}
	if got := envNames(cmds["acs"], cmds["acs"].Flags().Lookup("cwmp-addr")); !slices.Equal(got, []string{"DMFORGE_ACS_CWMP_ADDR", "DMFORGE_CWMP_ADDR"}) {
		t.Errorf("acs --cwmp-addr: %v", got)
	}
	if got := envNames(cmds["policy get"], cmds["policy get"].Flags().Lookup("token")); got[1] != "DMFORGE_NBI_TOKEN" {
		t.Errorf("policy --token: %v, want DMFORGE_NBI_TOKEN like acs --nbi-token", got)
	}
}

func completions(t *testing.T, cmd *cobra.Command, flag string) []string {
	t.Helper()
	fn, ok := cmd.GetFlagCompletionFunc(flag)
	if !ok {
		t.Errorf("--%s has no completion", flag)
		return nil
	}
	words, _ := fn(cmd, nil, "")
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = string(w)
	}
	return out
}

// TestEnvSetsFlags: DMFORGE_<FLAG> sets a flag of any command, the
// per-command DMFORGE_<COMMAND>_<FLAG> wins over it, and a flag on the
// command line wins over both; a bad value names the variable; -I's
// variable is a PATH-like list; a deprecated spelling on the command line
// counts as the flag given.
func TestEnvSetsFlags(t *testing.T) {
	isJSON := func(s string) bool { return json.Valid([]byte(s)) && strings.HasPrefix(strings.TrimSpace(s), "[") }

	t.Setenv("DMFORGE_FORMAT", "json")
	out, _, err := runCLI(t, "lint", "--rules")
	if err != nil || !isJSON(out) {
		t.Fatalf("DMFORGE_FORMAT=json: lint --rules printed (%v):\n%.300s", err, out)
	}
	out, _, err = runCLI(t, "lint", "--rules", "--format", "text")
	if err != nil || isJSON(out) || !strings.HasPrefix(out, "RULE") {
		t.Fatalf("--format text with DMFORGE_FORMAT=json (%v):\n%.300s", err, out)
	}
	t.Setenv("DMFORGE_LINT_FORMAT", "text")
	out, _, err = runCLI(t, "lint", "--rules")
	if err != nil || !strings.HasPrefix(out, "RULE") {
		t.Fatalf("DMFORGE_LINT_FORMAT=text over DMFORGE_FORMAT=json (%v):\n%.300s", err, out)
	}
	os.Unsetenv("DMFORGE_LINT_FORMAT")
	os.Unsetenv("DMFORGE_FORMAT")

	// A nested command's own variable.
	t.Setenv("DMFORGE_BBF_LIST_FORMAT", "json")
	out, _, err = runCLI(t, "bbf", "list")
	if err != nil || !json.Valid([]byte(out)) {
		t.Fatalf("DMFORGE_BBF_LIST_FORMAT=json: %v\n%.300s", err, out)
	}
	os.Unsetenv("DMFORGE_BBF_LIST_FORMAT")

	// A bad value names the variable, and the command does not run.
	t.Setenv("DMFORGE_COUNT", "many")
	_, _, err = runCLI(t, "cpe", "sim", "--acs", "http://127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "DMFORGE_COUNT") || exitStatus(err) != exitCannotRun {
		t.Fatalf("DMFORGE_COUNT=many: %v", err)
	}
	os.Unsetenv("DMFORGE_COUNT")

	// -I from the environment: a list, each directory checked.
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	t.Setenv("DMFORGE_INCLUDE_DIR", dir+string(os.PathListSeparator)+missing)
	_, _, err = runCLI(t, "show", "testdata/acme-router.xml")
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("DMFORGE_INCLUDE_DIR with a missing directory: %v", err)
	}
	// -I on the command line wins: the variable's directories are not added.
	if out, _, err = runCLI(t, "show", "-I", dir, "--format", "paths", "testdata/acme-router.xml"); err != nil || !strings.Contains(out, "AcmeRouter.Name") {
		t.Fatalf("-I over DMFORGE_INCLUDE_DIR: %v\n%s", err, out)
	}
	// So does the deprecated spelling of it.
	doc := filepath.Join(dir, "ok.json")
	if err := os.WriteFile(doc, []byte(`{"Acme.Name": "box"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "validate", "--include", dir, "--model", acmeSchemaXML, doc)
	if err != nil {
		t.Fatalf("validate --include DIR with DMFORGE_INCLUDE_DIR: %v\n%s", err, errOut)
	}
}

// TestExitStatus: 0 ok, 1 findings, 2 could not run, for lint, diff and
// validate alike.
func TestExitStatus(t *testing.T) {
	dir := writeDocs(t, map[string]string{
		"ok.json":  `{"Acme.Name": "box"}`,
		"bad.json": `{"Acme.Host.1.Channel": 200}`,
	})
	oldXML, newXML := "../../diff/testdata/rules/old.xml", "../../diff/testdata/rules/new.xml"
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"validate ok", []string{"validate", "--model", acmeSchemaXML, filepath.Join(dir, "ok.json")}, exitOK},
		{"validate findings", []string{"validate", "--model", acmeSchemaXML, filepath.Join(dir, "bad.json")}, exitFindings},
		{"validate missing file", []string{"validate", "--model", acmeSchemaXML, filepath.Join(dir, "nope.json")}, exitCannotRun},
		{"validate bad format", []string{"validate", "--format", "yaml", filepath.Join(dir, "ok.json")}, exitCannotRun},
		{"diff same", []string{"diff", "--breaking", oldXML, oldXML}, exitOK},
		{"diff breaking", []string{"diff", "--breaking", oldXML, newXML}, exitFindings},
		{"diff missing file", []string{"diff", oldXML, filepath.Join(dir, "nope.xml")}, exitCannotRun},
		{"diff unknown flag", []string{"diff", "--bogus", oldXML, newXML}, exitCannotRun},
		{"lint missing file", []string{"lint", filepath.Join(dir, "nope.xml")}, exitCannotRun},
		{"lint missing -I", []string{"lint", "-I", filepath.Join(dir, "nodir"), "../../lint/testdata/dt-clean.xml"}, exitCannotRun},
	}
	if testbbf.Dir() != "" { // lint's test documents import TR-181
		cases = append(cases,
			struct {
				name string
				args []string
				want int
			}{"lint clean", []string{"lint", "../../lint/testdata/x-acme-clean.xml"}, exitOK},
			struct {
				name string
				args []string
				want int
			}{"lint findings", []string{"lint", "../../lint/testdata/x-acme-faults.xml"}, exitFindings})
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			_, _, err := runCLI(t, c.args...)
			if got := exitStatus(err); got != c.want {
				t.Errorf("dmforge %s: exit status %d (%v), want %d", strings.Join(c.args, " "), got, err, c.want)
			}
		})
	}
	// lint: a missing file is an error of the command, not a finding.
	out, _, err := runCLI(t, "lint", filepath.Join(dir, "nope.xml"))
	if out != "" || err == nil || !strings.Contains(err.Error(), "nope.xml: no such file") {
		t.Errorf("lint of a missing file: %v\n%s", err, out)
	}
}

// TestJSONOutput: every command that reports prints JSON with --format
// json that holds what it reports.
func TestJSONOutput(t *testing.T) {
	acs := &testacs.ACS{}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	dir := writeDocs(t, map[string]string{"bad.json": `{"Acme.Host.1.Channel": 200}`})
	cases := []struct {
		args  []string
		check func(v any) bool
	}{
		{[]string{"show", "testdata/acme-router.xml"}, func(v any) bool { return strings.Contains(toJSON(v), `"AcmeRouter.Port.{i}."`) }},
		{[]string{"diff", "../../diff/testdata/rules/old.xml", "../../diff/testdata/rules/new.xml"}, func(v any) bool { return len(v.([]any)) > 10 }},
		{[]string{"diff", "--rules"}, func(v any) bool { return len(v.([]any)) > 10 }},
		{[]string{"lint", "--rules"}, func(v any) bool {
			return v.([]any)[0].(map[string]any)["id"] != nil && len(v.([]any)) > 10
		}},
		{[]string{"validate", "--model", acmeSchemaXML, filepath.Join(dir, "bad.json")}, func(v any) bool {
			return v.(map[string]any)["errors"].(float64) >= 1
		}},
		{[]string{"bbf", "list"}, func(v any) bool {
			m := v.(map[string]any)
			models := m["models"].([]any)
			return m["searchPath"] != nil && len(models) > 50 && models[0].(map[string]any)["file"] != ""
		}},
		{[]string{"cpe", "sim", "--acs", srv.URL, "--count", "3", "--sessions", "1", "-q"}, func(v any) bool {
			m := v.(map[string]any)
			return m["ok"].(float64) == 3 && m["failed"].(float64) == 0 && m["p99Seconds"].(float64) > 0
		}},
	}
	if testbbf.Dir() != "" {
		cases = append(cases, struct {
			args  []string
			check func(v any) bool
		}{[]string{"lint", "../../lint/testdata/x-acme-faults.xml"}, func(v any) bool { return len(v.([]any)) > 0 }})
	}
	for _, c := range cases {
		args := append(append([]string{}, c.args...), "--format", "json")
		out, errOut, err := runCLI(t, args...)
		if exitStatus(err) == exitCannotRun {
			t.Errorf("dmforge %s: %v\n%s", strings.Join(args, " "), err, errOut)
			continue
		}
		var v any
		if jerr := json.Unmarshal([]byte(out), &v); jerr != nil {
			t.Errorf("dmforge %s: not JSON (%v):\n%.300s", strings.Join(args, " "), jerr, out)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("dmforge %s: unexpected shape (%v):\n%.500s", strings.Join(args, " "), r, out)
				}
			}()
			if !c.check(v) {
				t.Errorf("dmforge %s: JSON lacks what it reports:\n%.500s", strings.Join(args, " "), out)
			}
		}()
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMissingFilesAndDirs: a missing file or directory is named as such,
// whichever flag or argument names it, and the command could not run.
func TestMissingFilesAndDirs(t *testing.T) {
	dir := t.TempDir()
	nodir := filepath.Join(dir, "no-such-dir")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"show", filepath.Join(dir, "nope.xml")}, "nope.xml: no such file"},
		{[]string{"show", filepath.Join(nodir, "nope.xml")}, "the directory " + nodir + " does not exist"},
		{[]string{"show", "-I", nodir, "testdata/acme-router.xml"}, "-I " + nodir + ": the directory does not exist"},
		{[]string{"diff", "testdata/acme-router.xml", filepath.Join(dir, "nope.xml")}, "nope.xml: no such file"},
		{[]string{"gen", "schema", "testdata/acme-router.xml", "--out", filepath.Join(nodir, "s.json")}, "the directory " + nodir + " does not exist"},
		{[]string{"lint", filepath.Join(nodir, "x.xml")}, "the directory " + nodir + " does not exist"},
		{[]string{"validate", filepath.Join(dir, "nope.csv")}, "nope.csv: no such file"},
		{[]string{"bbf", "list", "-I", nodir}, "the directory does not exist"},
		{[]string{"cpe", "sim", "--acs", "http://127.0.0.1:1/", "--profile", filepath.Join(dir, "nope.csv")}, "--profile " + filepath.Join(dir, "nope.csv") + ": no such file"},
		{[]string{"acs", "--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0", "--db", filepath.Join(nodir, "acs.db")}, "--db " + filepath.Join(nodir, "acs.db") + ": the directory " + nodir + " does not exist"},
		{[]string{"acs", "--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0", "--db", "sqlite://" + filepath.Join(nodir, "acs.db")}, "the directory " + nodir + " does not exist"},
		{[]string{"validate", "--schema", filepath.Join(dir, "nope.json"), "testdata/acme-router.xml"}, "--schema " + filepath.Join(dir, "nope.json") + ": no such file"},
		{[]string{"validate", "--model", filepath.Join(dir, "nope.xml"), "testdata/acme-router.xml"}, "--model " + filepath.Join(dir, "nope.xml") + ": no such file"},
		{[]string{"cpe", "sim", "--acs", "http://127.0.0.1:1/", "--ca-cert", filepath.Join(dir, "ca.pem")}, "--ca-cert " + filepath.Join(dir, "ca.pem") + ": no such file"},
		{[]string{"cpe", "run", "--acs", "http://127.0.0.1:1/", "--voucher-cert", filepath.Join(dir, "v.pem")}, "--voucher-cert " + filepath.Join(dir, "v.pem") + ": no such file"},
		{[]string{"policy", "apply", filepath.Join(dir, "p.yaml")}, "p.yaml: no such file"},
		{[]string{"campaign", "start", filepath.Join(dir, "c.json")}, "c.json: no such file"},
		{[]string{"lab", "--dir", nodir, "--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0"}, "--dir " + nodir + ": the directory does not exist"},
	}
	for _, c := range cases {
		_, _, err := runCLI(t, c.args...)
		if err == nil || exitStatus(err) != exitCannotRun || !strings.Contains(err.Error(), c.want) {
			t.Errorf("dmforge %s: %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// TestDeprecatedSpellings: the old flag names still work, as the same
// flag, with a deprecation note: gen schema --output, gen go --include (a
// subtree, now --subtree).
func TestDeprecatedSpellings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "old.json")
	// (cobra writes the deprecation note to the process's stderr.)
	_, errOut, err := runCLI(t, "gen", "schema", "testdata/acme-router.xml", "--output", file)
	if err != nil {
		t.Fatalf("gen schema --output: %v\n%s", err, errOut)
	}
	if _, _, err := runCLI(t, "gen", "schema", "testdata/acme-router.xml", "-o", filepath.Join(dir, "new.json")); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(filepath.Join(dir, "new.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("gen schema --output and -o wrote different schemas")
	}

	gen := func(args ...string) map[string]string {
		t.Helper()
		out := t.TempDir()
		if err := os.WriteFile(filepath.Join(out, "go.mod"), []byte("module example.com/x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, err := runCLI(t, append([]string{"gen", "go", "testdata/acme-router.xml", "--out", out, "--package", "x"}, args...)...)
		if err != nil {
			t.Fatalf("gen go %v: %v\n%s", args, err, errOut)
		}
		files := map[string]string{}
		_ = filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				data, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(out, p)
				files[rel] = string(data)
			}
			return nil
		})
		return files
	}
	all := gen()
	subtree := gen("--subtree", "AcmeRouter.Port.{i}.Stats.")
	old := gen("--include", "AcmeRouter.Port.{i}.Stats.")
	if len(subtree) == 0 || toJSON(subtree) != toJSON(old) {
		t.Error("gen go --include and --subtree generate different packages")
	}
	if toJSON(subtree) == toJSON(all) {
		t.Error("gen go --subtree generated the whole model")
	}
}

// TestCompletion: model names from the catalogue for a MODEL argument and
// --model, formats for --format, compiled-in models for cpe --model.
func TestCompletion(t *testing.T) {
	out, _, err := runCLI(t, "__complete", "show", "Device:2.1")
	if err != nil || !strings.Contains(out, "Device:2.19\n") || !strings.Contains(out, "Device:2.19-usp\n") || strings.Contains(out, "InternetGatewayDevice") {
		t.Errorf("show MODEL completion (%v):\n%s", err, out)
	}
	out, _, err = runCLI(t, "__complete", "validate", "--model", "Internet")
	if err != nil || !strings.Contains(out, "InternetGatewayDevice:1.14\n") || !strings.Contains(out, "InternetGatewayDevice:1\n") {
		t.Errorf("validate --model completion (%v):\n%s", err, out)
	}
	out, _, err = runCLI(t, "__complete", "show", "--format", "")
	if err != nil || !strings.Contains(out, "json\n") || !strings.Contains(out, "box\n") || !strings.Contains(out, ":4\n") { // :4 no file completion
		t.Errorf("show --format completion (%v):\n%s", err, out)
	}
	out, _, err = runCLI(t, "__complete", "cpe", "sim", "--model", "")
	if err != nil || !strings.Contains(out, "Device:2.19\n") || !strings.Contains(out, "tr098\n") {
		t.Errorf("cpe sim --model completion (%v):\n%s", err, out)
	}
	// What dmforge completion bash prints (the command keeps the writer
	// of the first run in a process: not testable through runCLI).
	var script bytes.Buffer
	if err := rootCmd.GenBashCompletionV2(&script, true); err != nil || !strings.Contains(script.String(), "__start_dmforge") {
		t.Errorf("completion bash: %v", err)
	}
}

// TestFormatColumns: plain columns two spaces apart; on a terminal of
// width W the last column wraps so that every line fits, losing nothing.
func TestFormatColumns(t *testing.T) {
	header := []string{"MODEL", "FILE", "FOUND IN"}
	rows := [][]string{
		{"Device:2.19", "tr-181-2-19-1-cwmp.xml", "/home/someone/.cache/dmforge/bbf/with/a/rather/long/path/indeed"},
		{"IGD:1.1", "tr-098-1-1-0.xml", "-"},
	}
	got := formatColumns(header, rows, 0)
	want := "MODEL        FILE                    FOUND IN\n" +
		"Device:2.19  tr-181-2-19-1-cwmp.xml  /home/someone/.cache/dmforge/bbf/with/a/rather/long/path/indeed\n" +
		"IGD:1.1      tr-098-1-1-0.xml        -\n"
	if got != want {
		t.Errorf("no width:\n%s\nwant:\n%s", got, want)
	}
	for _, width := range []int{70, 50, 30} {
		got = formatColumns(header, rows, width)
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) <= 3 {
			t.Fatalf("nothing wrapped at width %d:\n%s", width, got)
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line of %d: %q", width, n, l)
			}
		}
		// Every cell is there, cut into pieces: the text of the table
		// without blanks is the text of the cells without blanks.
		var want strings.Builder
		for _, r := range append([][]string{header}, rows...) {
			want.WriteString(strings.Join(r, ""))
		}
		squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if a, b := sortedRunes(squeeze(got)), sortedRunes(squeeze(want.String())); a != b {
			t.Errorf("width %d: text lost or added:\n%s", width, got)
		}
	}
	if joined := strings.Join(wrap(rows[0][2], 33), ""); joined != rows[0][2] {
		t.Errorf("wrap lost text: %q", joined)
	}
}

func sortedRunes(s string) string {
	r := []rune(s)
	slices.Sort(r)
	return string(r)
}

// TestSimProgressNotATerminal: with stderr not a terminal cpe sim writes
// no \r progress, only log lines, JSON ones with --log-format json.
func TestSimProgressNotATerminal(t *testing.T) {
	defer func(d time.Duration) { simProgressEvery = d }(simProgressEvery)
	simProgressEvery = time.Millisecond
	acs := &testacs.ACS{}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	out, errOut, err := runCLI(t, "cpe", "sim", "--acs", srv.URL, "--count", "50", "--sessions", "3", "--log-format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if strings.Contains(errOut, "\r") {
		t.Errorf("\\r progress into a file:\n%q", errOut)
	}
	progress := 0
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not a JSON log line: %q", l)
			continue
		}
		if rec["msg"] == "progress" && rec["ok"] != nil {
			progress++
		}
	}
	if progress == 0 {
		t.Errorf("no progress log line:\n%s", errOut)
	}
	if !strings.Contains(out, "sessions: 150 ok, 0 failed") {
		t.Errorf("summary:\n%s", out)
	}
}

// TestLogger: the one slog setup: text or json lines, -v adds debug, an
// unknown format is refused.
func TestLogger(t *testing.T) {
	var b bytes.Buffer
	l, err := logOptions{format: "json"}.logger(&b, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("hidden")
	l.Info("session", "device", "D1", "rpcs", 3)
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec["msg"] != "session" || rec["device"] != "D1" || rec["rpcs"].(float64) != 3 {
		t.Errorf("json line %q: %v", b.String(), err)
	}
	b.Reset()
	l, _ = logOptions{format: "text", verbose: true}.logger(&b, slog.LevelWarn)
	l.Debug("shown", "k", "v")
	if !strings.Contains(b.String(), "level=DEBUG msg=shown k=v") {
		t.Errorf("text -v line %q", b.String())
	}
	if _, err := (logOptions{format: "xml"}).logger(&b, slog.LevelInfo); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v", err)
	}
}

// TestLabRemovesItsTempDir: a lab without --dir works in a new temporary
// directory (its database is there while it runs) and removes it when it
// stops; with --dir the directory stays.
func TestLabRemovesItsTempDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	o := labOptions{cwmpAddr: "127.0.0.1:0", nbiAddr: "127.0.0.1:0", crAddr: "127.0.0.1:0", count: 1, periodic: time.Hour, tls: true}
	labCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runLab(labCtx, o, out, errOut) }()
	db := ""
	for db == "" {
		select {
		case err := <-done:
			t.Fatalf("lab ended: %v\n%s%s", err, out.String(), errOut.String())
		case <-ctx.Done():
			t.Fatalf("no database line:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "database" && strings.Contains(out.String(), "Ctrl-C stops the lab.") {
				db = f[1]
			}
		}
	}
	labDir := filepath.Dir(db)
	if filepath.Dir(labDir) != tmp || !strings.Contains(out.String(), "removed when the lab stops") {
		t.Fatalf("lab directory %s, want a new one in %s, said so:\n%s", labDir, tmp, out.String())
	}
	for _, f := range []string{db, filepath.Join(labDir, "acs-cert.pem")} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("while the lab runs: %v", err)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(labDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lab left %s behind (%v)", labDir, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}

	// With --dir the database stays.
	keep := t.TempDir()
	o.dir, o.tls = keep, false
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort()
	if err := runLab(short, o, &syncBuffer{}, &syncBuffer{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(keep, "lab.db")); err != nil {
		t.Errorf("--dir: %v", err)
	}
}

// TestBBFFetchRemembers: dmforge bbf fetch remembers the corrigenda it
// found in the user cache: the second run sends no HEAD request, and
// --refresh probes again. The site is a local server with the BBF files.
func TestBBFFetchRemembers(t *testing.T) {
	src := testbbf.Require(t)
	var mu sync.Mutex
	heads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/cwmp/")
		if r.Method == http.MethodHead {
			mu.Lock()
			heads++
			mu.Unlock()
		}
		if strings.ContainsAny(name, "/\\") || name == "" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(src, name))
	}))
	defer srv.Close()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dst := t.TempDir()
	fetch := func(args ...string) bbfFetchReport {
		t.Helper()
		out, errOut, err := runCLI(t, append([]string{"bbf", "fetch", "--base-url", srv.URL + "/cwmp/", "--dir", dst, "--format", "json", "Device:2.19"}, args...)...)
		var r bbfFetchReport
		if err != nil || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("bbf fetch: %v\n%s%s", err, out, errOut)
		}
		return r
	}
	first := fetch()
	if first.Probes == 0 || first.Probes != heads || len(first.Files) < 80 || first.Dir != dst {
		t.Fatalf("first fetch: %d probes (%d HEADs served), %d files in %s", first.Probes, heads, len(first.Files), first.Dir)
	}
	memo := filepath.Join(cache, "dmforge", "bbf-corrigenda.json")
	if _, err := os.Stat(memo); err != nil {
		t.Fatalf("nothing remembered in the user cache: %v", err)
	}
	before := heads
	if again := fetch(); again.Probes != 0 || heads != before || len(again.Files) != len(first.Files) {
		t.Fatalf("second fetch: %d probes, %d HEADs, %d files", again.Probes, heads-before, len(again.Files))
	}
	if refreshed := fetch("--refresh"); refreshed.Probes == 0 {
		t.Fatal("--refresh did not probe")
	}
}

// TestACSLogFormatJSON: dmforge acs --log-format json writes its log lines
// (here: the warning about an undecodable CWMP message) as JSON objects
// on stderr, apart from the banner on stdout.
func TestACSLogFormatJSON(t *testing.T) {
	cmd := newACSCmd()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0", "--log-format", "json",
		"--db", filepath.Join(t.TempDir(), "acs.db")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	cwmpURL := ""
	for deadline := time.Now().Add(20 * time.Second); cwmpURL == ""; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) == 4 && f[2] == "CWMP" {
				cwmpURL = f[3]
			}
		}
		select {
		case err := <-done:
			t.Fatalf("acs stopped: %v\n%s%s", err, out, errOut)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CWMP URL:\n%s", out)
		}
	}
	resp, err := http.Post(cwmpURL, "text/xml", strings.NewReader("<not-soap"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errOut.String(), "undecodable") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	found := false
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not a JSON log line: %q", l)
			continue
		}
		if rec["level"] == "WARN" && strings.Contains(rec["msg"].(string), "undecodable") && rec["remote"] != nil {
			found = true
		}
	}
	if !found {
		t.Errorf("no JSON warning about the undecodable message:\n%s", errOut)
	}
}

// TestEveryFlagFromEnv: every flag of every command takes its value from
// DMFORGE_<FLAG> and from DMFORGE_<COMMAND>_<FLAG>, and not when given on
// the command line.
func TestEveryFlagFromEnv(t *testing.T) {
	values := map[string][2]string{ // pflag type: a value to set, how it reads back
		"string":      {"from-env", "from-env"},
		"bool":        {"true", "true"},
		"int":         {"7", "7"},
		"duration":    {"3s", "3s"},
		"stringArray": {"from-env", "[from-env]"},
		"stringSlice": {"a,b", "[a,b]"},
	}
	n := 0
	for path, cmd := range allCommands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Deprecated != "" || f.Name == "help" {
				return
			}
			v, ok := values[f.Value.Type()]
			if !ok {
				t.Errorf("%s --%s: type %s has no test value", path, f.Name, f.Value.Type())
				return
			}
			for _, env := range envNames(cmd, f) {
				t.Setenv(env, v[0])
				err := applyEnv(cmd)
				got, changed := f.Value.String(), f.Changed
				resetFlags(cmd)
				os.Unsetenv(env)
				if err != nil || got != v[1] || !changed {
					t.Errorf("%s --%s from %s=%s: %q (changed %v, %v)", path, f.Name, env, v[0], got, changed, err)
				}
				n++
			}
			// Given on the command line: the variable is not read.
			env := envNames(cmd, f)[1]
			t.Setenv(env, v[0])
			f.Changed = true
			_ = applyEnv(cmd)
			if got := f.Value.String(); got == v[1] && f.DefValue != v[1] {
				t.Errorf("%s --%s: %s overrode the command line", path, f.Name, env)
			}
			resetFlags(cmd)
			os.Unsetenv(env)
		})
	}
	if n < 200 {
		t.Errorf("only %d flag variables checked", n)
	}
}

// TestCPERunLogFormatJSON: dmforge cpe run --log-format json logs one JSON
// object per session on stderr (serial, events, requests, duration).
func TestCPERunLogFormatJSON(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errOut := &syncBuf{}
	cmd := newCPERunCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(errOut)
	cmd.SetArgs([]string{"--acs", srv.URL, "--serial", "JSONLOG1", "--conn-req-addr", "", "--log-format", "json"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	for !strings.Contains(errOut.String(), `"msg":"session"`) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sessions := 0
	for _, l := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not a JSON log line: %q", l)
			continue
		}
		if rec["msg"] == "session" && rec["serial"] == "JSONLOG1" && rec["requests"] != nil && rec["events"] != nil {
			sessions++
		}
	}
	if sessions == 0 {
		t.Errorf("no JSON session line:\n%s", errOut.String())
	}
}
