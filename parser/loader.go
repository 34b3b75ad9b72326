// Package parser reads Broadband Forum CWMP data-model (DM) and device-type
// (DT) XML documents and resolves them into the typed graph of package
// model: imports by file name and spec URN, components at any depth, model
// and item base chains, and data-type chains down to the primitive type.
//
// It is the only package in dmforge that knows XML.
package parser

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/model"
)

// Severity of a diagnostic.
type Severity string

const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Diagnostic is a finding made while loading that did not stop it.
type Diagnostic struct {
	Pos      model.Pos
	Col      int
	Severity Severity
	Rule     string
	Msg      string
}

func (d Diagnostic) String() string {
	col := ""
	if d.Col > 0 {
		col = fmt.Sprintf(":%d", d.Col)
	}
	return fmt.Sprintf("%s%s: %s: %s [%s]", d.Pos, col, d.Severity, d.Msg, d.Rule)
}

// Document is one parsed and resolved DM or DT document.
type Document struct {
	File       string // base name
	Path       string // path it was read from
	Spec       string
	Namespace  string            // DM or DT schema namespace
	DeviceType *model.DeviceType // non-nil for a DT document
	// Models are the models this document itself defines, in order.
	Models []*model.Model
	// DataTypes are the data types this document itself defines.
	DataTypes []*model.DataType
	// Components are the names of the components this document defines.
	Components []string
	// Imports are the documents this one imports, in order.
	Imports []*Import
}

// Import records one resolved import element.
type Import struct {
	File     string // as written
	Spec     string // as written
	Resolved string // path of the file that was read
	Pos      model.Pos
}

// LastModel returns the last model the document itself defines, or nil.
func (d *Document) LastModel() *model.Model {
	if len(d.Models) == 0 {
		return nil
	}
	return d.Models[len(d.Models)-1]
}

// Model returns the named model defined in the document, or nil.
func (d *Document) Model(name string) *model.Model {
	for _, m := range d.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Loader reads documents and everything they import. A Loader caches
// documents by path, so loading many roots that share imports is cheap;
// it is not safe for concurrent use.
type Loader struct {
	// Search lists the directories searched for imported files, after the
	// directory of the importing file.
	Search []string
	// Descriptions keeps description text in the graph (off by default:
	// most uses need only the facts, and the text is most of the bytes).
	Descriptions bool
	// Diagnostics collects warnings found while loading (and, when
	// Tolerant, the item-level errors that were skipped).
	Diagnostics []Diagnostic
	// Tolerant makes item-level errors (a base= that refers to nothing, a
	// name= that redefines an item, an unknown component or data type, a
	// malformed attribute) diagnostics instead of failing the load: the
	// item is skipped and loading goes on. Lint uses it to report every
	// fault in one run.
	Tolerant bool

	docs    map[string]*doc
	weights map[*node]int64 // expanded size of component definitions (limits.go)
	order   []*doc          // documents in the order they were first read
	loading []string
	dirList map[string][]dirEntry
	// under caches models resolved under another document's bindings
	// (nil while one is being resolved).
	under map[underKey]*model.Model
}

// NewLoader returns a loader that searches the given directories.
func NewLoader(search ...string) *Loader {
	return &Loader{Search: search}
}

// LoadFile reads and resolves the document at path.
func (l *Loader) LoadFile(path string) (*Document, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	d, err := l.load(abs)
	if err != nil {
		return nil, err
	}
	if err := (&resolver{l: l}).resolveAll(d); err != nil {
		return nil, err
	}
	return d.Document, nil
}

// LoadBytes resolves a document given as bytes (name is used in messages
// and to find imports relative to the current directory).
func (l *Loader) LoadBytes(name string, data []byte) (*Document, error) {
	abs, _ := filepath.Abs(name)
	d, err := l.loadData(abs, data)
	if err != nil {
		return nil, err
	}
	if err := (&resolver{l: l}).resolveAll(d); err != nil {
		return nil, err
	}
	return d.Document, nil
}

func (l *Loader) warn(pos model.Pos, col int, rule, format string, args ...any) {
	l.Diagnostics = append(l.Diagnostics, Diagnostic{Pos: pos, Col: col, Severity: SevWarning, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// doc is a document with its scope: every name visible in it, whether
// defined here or imported (under the local name the import gives).
type doc struct {
	*Document
	root       *node
	dataTypes  map[string]*model.DataType
	dtNodes    map[string]*node // own data types not yet resolved
	dtBusy     map[string]bool
	components map[string]*component
	models     map[string]*model.Model
	modelNodes []*node
	modelBusy  map[string]bool
	// rebound names the component and data type names ("component:Alias")
	// this document's imports bind to a differently named definition.
	rebound map[string]bool
	// modelRefs are the models this document imports; pendingModels the
	// import elements for them not resolved yet.
	modelRefs     map[string]modelRef
	pendingModels []pendingModel
}

type pendingModel struct {
	imp *doc
	n   *node
}

type component struct {
	name string
	n    *node
	d    *doc
}

func (l *Loader) load(abs string) (*doc, error) {
	if d, ok := l.docs[abs]; ok {
		return d, nil
	}
	for i, p := range l.loading {
		if p == abs {
			chain := append(append([]string(nil), l.loading[i:]...), abs)
			for j := range chain {
				chain[j] = filepath.Base(chain[j])
			}
			return nil, fmt.Errorf("import cycle: %s", strings.Join(chain, " → "))
		}
	}
	data, err := readDocument(abs)
	if err != nil {
		return nil, err
	}
	return l.loadData(abs, data)
}

func (l *Loader) loadData(abs string, data []byte) (*doc, error) {
	if l.docs == nil {
		l.docs = map[string]*doc{}
	}
	base := filepath.Base(abs)
	root, err := parseXML(base, data)
	if err != nil {
		return nil, err
	}
	if root.Tag != "document" {
		return nil, &PosError{File: base, Line: root.Line, Msg: fmt.Sprintf("root element is <%s>, not a DM or DT <document>", root.Tag)}
	}
	d := &doc{
		Document:   &Document{File: base, Path: abs, Spec: root.get("spec"), Namespace: root.Space},
		root:       root,
		dataTypes:  map[string]*model.DataType{},
		dtNodes:    map[string]*node{},
		dtBusy:     map[string]bool{},
		components: map[string]*component{},
		models:     map[string]*model.Model{},
	}
	switch {
	case strings.Contains(root.Space, "devicetype"):
	case strings.Contains(root.Space, "cwmp:datamodel-1-"):
	case !strings.Contains(root.Space, ":"):
		l.warn(d.pos(root), root.Col, "xml-namespace", "document namespace prefix %q is not declared; reading it as a DM document", root.Space)
	default:
		l.warn(d.pos(root), root.Col, "xml-namespace", "unknown document namespace %q; reading it as a DM document", root.Space)
	}
	l.order = append(l.order, d)
	l.loading = append(l.loading, abs)
	defer func() { l.loading = l.loading[:len(l.loading)-1] }()
	r := &resolver{l: l}
	if strings.Contains(root.Space, "devicetype") {
		if err := r.deviceType(d); err != nil {
			return nil, err
		}
	} else if err := r.document(d); err != nil {
		return nil, err
	}
	// Its components (and those it imports) are known now, its models
	// not yet expanded: refuse a document that would expand past the
	// limit before any expansion costs memory.
	if err := l.checkExpansion(d); err != nil {
		return nil, err
	}
	l.docs[abs] = d
	return d, nil
}

func (d *doc) pos(n *node) model.Pos { return model.Pos{File: d.File, Line: n.Line} }

func (d *doc) errf(n *node, format string, args ...any) error {
	return &PosError{File: d.File, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// specRe splits a BBF spec URN or file name: tr-181-2-19-1-cwmp.
var specRe = regexp.MustCompile(`^(tr|TR)-(\d+)-(\d+)(?:-(\d+))?(?:-(\d+))?(?:-([A-Za-z][\w-]*?))?(?:\.xml)?$`)

type docName struct {
	prefix           string // "tr-181"
	issue, amend     string
	corr             string
	label            string
	hasAmend, hasCor bool
}

func splitDocName(s string) (docName, bool) {
	s = strings.TrimPrefix(s, "urn:broadband-forum-org:")
	m := specRe.FindStringSubmatch(s)
	if m == nil {
		return docName{}, false
	}
	return docName{prefix: strings.ToLower(m[1]) + "-" + m[2], issue: m[3], amend: m[4], corr: m[5], label: m[6],
		hasAmend: m[4] != "", hasCor: m[5] != ""}, true
}

// findImport resolves an import to a file: by spec URN when it carries a
// version (picking the latest corrigendum when the URN omits it), else by
// file name, searching the importing file's directory and then l.Search.
func (l *Loader) findImport(fromDir, file, spec string) (string, error) {
	if err := checkImportName(file); err != nil {
		return "", err
	}
	dirs := append([]string{fromDir}, l.Search...)
	fileName, fileOK := splitDocName(file)
	specName, specOK := splitDocName(spec)
	var want docName
	switch {
	case specOK && specName.hasAmend:
		want = specName
		if want.label == "" && fileOK {
			want.label = fileName.label
		}
		// A file name that omits the corrigendum asks for the latest one,
		// whatever the spec URN says (tr-106-1-1-types.xml with spec
		// tr-106-1-1-0 means tr-106-1-1-1-types.xml, as the BBF tools read it).
		if fileOK && !fileName.hasCor {
			want.hasCor, want.corr = false, ""
		}
		if fileOK && fileName.hasCor {
			want.hasCor, want.corr = true, fileName.corr
		}
	case fileOK && fileName.hasAmend:
		want = fileName
	default:
		for _, dir := range dirs {
			p := filepath.Join(dir, file)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
		return "", fmt.Errorf("imported file %s not found in %s", file, strings.Join(dirs, ", "))
	}
	if want.hasCor {
		name := fmt.Sprintf("%s-%s-%s-%s", want.prefix, want.issue, want.amend, want.corr)
		if want.label != "" {
			name += "-" + want.label
		}
		name += ".xml"
		for _, dir := range dirs {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		// Fall back to the literal file name (vendor files may not follow the convention).
		for _, dir := range dirs {
			p := filepath.Join(dir, file)
			if _, err := os.Stat(p); err == nil && file != "" {
				return p, nil
			}
		}
		return "", fmt.Errorf("imported file %s (spec %s) not found in %s", name, spec, strings.Join(dirs, ", "))
	}
	// Corrigendum omitted: the highest one present wins, searching each
	// directory in order so that -I directories override the BBF set.
	for _, dir := range dirs {
		best, bestC := "", -1
		for _, e := range l.listDir(dir) {
			name, n := e.file, e.name
			if !n.hasCor || n.prefix != want.prefix || n.issue != want.issue || n.amend != want.amend || n.label != want.label {
				continue
			}
			if strings.HasSuffix(name, "-full.xml") && want.label != "full" {
				continue
			}
			c, _ := strconv.Atoi(n.corr)
			if c > bestC {
				best, bestC = name, c
			}
		}
		if best != "" {
			return filepath.Join(dir, best), nil
		}
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, file)
		if _, err := os.Stat(p); err == nil && file != "" {
			return p, nil
		}
	}
	label := ""
	if want.label != "" {
		label = "-" + want.label
	}
	return "", fmt.Errorf("no file %s-%s-%s-*%s.xml for import of %s (spec %s) in %s", want.prefix, want.issue, want.amend, label, file, spec, strings.Join(dirs, ", "))
}

// dirEntry is a BBF-named file in a search directory, with its name parsed
// once (an import may scan a directory of hundreds of files).
type dirEntry struct {
	file string
	name docName
}

func (l *Loader) listDir(dir string) []dirEntry {
	if l.dirList == nil {
		l.dirList = map[string][]dirEntry{}
	}
	if names, ok := l.dirList[dir]; ok {
		return names
	}
	ents, _ := os.ReadDir(dir)
	var out []dirEntry
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		if n, ok := splitDocName(e.Name()); ok {
			out = append(out, dirEntry{file: e.Name(), name: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	l.dirList[dir] = out
	return out
}

// errRule is errf with a rule id, so that a tolerant load can record it.
func (d *doc) errRule(n *node, rule, format string, args ...any) error {
	return &PosError{File: d.File, Line: n.Line, Col: n.Col, Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// soft records an item-level error as a diagnostic when the loader is
// tolerant, so that one run reports every broken item; the caller then
// skips the item. Errors without a rule (I/O, malformed XML, imports) stay
// fatal.
func (l *Loader) soft(err error) error {
	if err == nil || !l.Tolerant {
		return err
	}
	var pe *PosError
	if !errors.As(err, &pe) || pe.Rule == "" {
		return err
	}
	l.Diagnostics = append(l.Diagnostics, Diagnostic{Pos: model.Pos{File: pe.File, Line: pe.Line}, Col: pe.Col,
		Severity: SevError, Rule: pe.Rule, Msg: pe.Msg})
	return nil
}
