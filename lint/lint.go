// Package lint checks BBF CWMP data-model (DM) and device-type (DT)
// documents against the TR-106 rules: names and vendor prefixes,
// structure, value facets and defaults, versions and status, and what a
// device type may declare of its model.
//
// The per-file rules check only what the linted file itself defines or
// refines (items whose position is in that file, or a DT document's
// declarations), but in the context of the whole resolved model it
// imports. The whole-model rules (whole.go, markup.go) check the resolved
// model as the BBF's own tool does: for a root file every item wherever
// it is defined, for a file that only extends others what it defines. The
// loader runs in tolerant mode, so that one run reports every broken item.
package lint

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

// Options configure a lint run.
type Options struct {
	// Includes are the directories searched for imported files, after the
	// directory of the linted file.
	Includes []string
	// Werror makes warnings fail the run.
	Werror bool
}

// Run lints every file and returns the findings, sorted by file and line,
// and whether they fail the run (an error, or a warning with Werror).
func Run(files []string, opts Options) ([]Finding, bool) {
	var out []Finding
	for _, f := range files {
		out = append(out, LintFile(f, opts)...)
	}
	Sort(out)
	return out, Failed(out, opts.Werror)
}

// LintFile loads one file, in tolerant mode with a loader of its own, and
// lints it. A file that cannot be loaded at all yields one load-error
// finding. Findings in the linted file are reported under path as given.
func LintFile(path string, opts Options) []Finding {
	l := parser.NewLoader(opts.Includes...)
	l.Tolerant = true
	l.Descriptions = true // the whole-model rules read the description markup
	doc, err := l.LoadFile(path)
	var out []Finding
	// Files beside the linted one (a vendor model's own component files)
	// are reported under the same directory as path; files found on the
	// search path (the BBF's) under the name the BBF publishes them by.
	beside := map[string]bool{filepath.Base(path): true}
	if err != nil {
		out = loadErrorFindings(path, err)
	} else {
		c := lint(doc, l)
		out = c.out
		dir, _ := filepath.Abs(filepath.Dir(path))
		for name, p := range c.docPaths {
			if filepath.Dir(p) == dir {
				beside[name] = true
			}
		}
	}
	for i := range out {
		if beside[out[i].File] {
			out[i].File = filepath.Join(filepath.Dir(path), out[i].File)
		}
	}
	Sort(out)
	return out
}

// posPrefixRe matches the "file:line: " an error message starts with.
var posPrefixRe = regexp.MustCompile(`^([^\s:]+):(\d+): `)

// loadErrorFindings turns a fatal load error into one finding, placed at
// the outermost position the message names: the import element of the
// linted file when an imported file is broken, the fault itself otherwise.
func loadErrorFindings(path string, err error) []Finding {
	f := Finding{File: filepath.Base(path), Severity: Error, Rule: RuleLoadError, Message: err.Error()}
	var pe *parser.PosError
	if errors.As(err, &pe) && pe.File != "" {
		f.File, f.Line, f.Column = pe.File, pe.Line, pe.Col
	}
	if m := posPrefixRe.FindStringSubmatch(f.Message); m != nil {
		line, _ := strconv.Atoi(m[2])
		if m[1] != f.File || line != f.Line {
			f.File, f.Line, f.Column = m[1], line, 0
		}
		f.Message = f.Message[len(m[0]):]
	}
	f.Message = strings.ReplaceAll(f.Message, "\n\t", "; ")
	return []Finding{f}
}

// Lint checks a loaded document: the loader's diagnostics about the file
// (when it was tolerant, these include the items it had to skip) and every
// rule over what the file defines, in the context of its resolved models.
func Lint(doc *parser.Document, l *parser.Loader) []Finding { return lint(doc, l).out }

func lint(doc *parser.Document, l *parser.Loader) *linter {
	c := &linter{doc: doc, file: doc.File, seen: map[string]bool{}, standard: isStandardFile(doc.File), loader: l}
	c.loaderDiagnostics(l)
	if doc.DeviceType != nil {
		c.deviceType(doc.DeviceType)
	} else {
		for _, dt := range doc.DataTypes {
			if dt.Pos.File == c.file {
				c.syntaxFacets(&dt.Syntax, "dataType "+dt.Name, dt.Pos)
			}
		}
		for _, m := range doc.Models {
			c.model(m)
			c.wholeModel(m)
		}
	}
	Sort(c.out)
	return c
}

// isStandardFile reports whether a file is published by the Broadband
// Forum (tr-NNN-...): its objects are standard objects.
func isStandardFile(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "tr-")
}

type linter struct {
	doc      *parser.Document
	file     string
	standard bool // the linted file is a BBF file
	out      []Finding
	seen     map[string]bool
	m        *model.Model
	loader   *parser.Loader
	base     map[string]*model.Model // base model of each linted model, for refinements
	// testModel names the model being linted when it is a component
	// file's test model (or, for the loader's diagnostics, when the file
	// is a component file): findings that depend on context the test
	// model lacks become test-model-unresolved warnings.
	testModel string
	paths     map[string]bool // every object path and its prefixes, for references
	// docPaths are the paths the documents the whole-model rules read
	// were loaded from, by base name.
	docPaths map[string]string
	// whole is set while the whole-model rules run over a model that is
	// linted as a whole (see wholeScope).
	whole bool
}

func (c *linter) add(pos model.Pos, col int, rule, path, format string, args ...any) {
	c.addSev("", pos, col, rule, path, format, args...)
}

func (c *linter) addSev(sev Severity, pos model.Pos, col int, rule, path, format string, args ...any) {
	if sev == "" {
		r, ok := ruleByID[rule]
		if !ok {
			panic("lint: rule " + rule + " is not in the catalogue")
		}
		sev = r.Severity
	}
	msg := fmt.Sprintf(format, args...)
	switch {
	case c.testModel != "" && contextRules[rule]:
		msg = fmt.Sprintf("%s (%s, in test model %s)", msg, rule, c.testModel)
		sev, rule = ruleByID[RuleTestModelUnresolved].Severity, RuleTestModelUnresolved
	case erratumRules[rule] && isStandardFile(pos.File):
		msg = fmt.Sprintf("%s (%s)", msg, rule)
		sev, rule = ruleByID[RuleBBFErratum].Severity, RuleBBFErratum
	}
	f := Finding{File: pos.File, Line: pos.Line, Column: col, Severity: sev, Rule: rule, Path: path, Message: msg}
	key := fmt.Sprintf("%s:%d:%d:%s:%s", f.File, f.Line, f.Column, f.Rule, f.Message)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.out = append(c.out, f)
}

func (c *linter) mine(p model.Pos) bool { return p.File == c.file }

// contextRules are the rules that, in a component file's own test model,
// may mean only that the test model lacks the context the components are
// written for (the objects they go in, the targets they refer to, the
// model version they were added in).
var contextRules = map[string]bool{
	RuleBaseMissing: true, RuleParentMissing: true, RuleComponentUnknown: true, RuleNameRedefined: true,
	RuleNumEntriesParam: true, RuleRefTarget: true, RuleVersionNewer: true, RuleProfileRef: true,
}

// erratumRules are the rules that published BBF files are known to break
// (defaults outside their own facets, references to objects the model
// does not have, profiles that still require deleted items): inside a
// tr-* file they are reported as bbf-erratum warnings, so that the
// standard lints without errors and its defects stay visible.
var erratumRules = map[string]bool{RuleDefaultInvalid: true, RuleRefTarget: true, RuleProfileRef: true, RuleImportSpec: true}

// isTestModel reports whether m is a component file's test model: the
// document defines components, and the model is not named after the
// root object it builds ("WiFiBase:2.16" building Device.WiFi...), nor
// based on another model.
func isTestModel(doc *parser.Document, m *model.Model) bool {
	if len(doc.Components) == 0 || m.Base != "" {
		return false // a model that refines another is a real one
	}
	name := m.RootName()
	if hasVendorPrefix(name) {
		if _, rest, ok := vendorSplit(name); ok {
			name = rest
		}
	}
	for _, o := range m.Objects {
		if o.Path == "" {
			continue
		}
		root := o.Path[:strings.IndexByte(o.Path, '.')]
		return root != name
	}
	return true
}

// componentFile reports whether doc is a component file: it defines
// components and every model it defines is a test model.
func componentFile(doc *parser.Document) bool {
	if len(doc.Components) == 0 {
		return false
	}
	for _, m := range doc.Models {
		if !isTestModel(doc, m) {
			return false
		}
	}
	return true
}

func (c *linter) loaderDiagnostics(l *parser.Loader) {
	if l == nil {
		return
	}
	if componentFile(c.doc) {
		c.testModel = "of " + c.file
		defer func() { c.testModel = "" }()
	}
	for _, d := range l.Diagnostics {
		if d.Pos.File != c.file {
			continue
		}
		sev, rule, msg := Severity(d.Severity), d.Rule, d.Msg
		if rule == "" {
			rule = RuleStructure
		}
		c.addSev(sev, d.Pos, d.Col, rule, "", "%s", msg)
	}
}
