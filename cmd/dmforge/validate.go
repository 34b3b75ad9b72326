package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/model"
	"github.com/spf13/cobra"
	"github.com/xeipuuv/gojsonschema"
)

func init() {
	rootCmd.AddCommand(newValidateCmd())
	// With --schema alone, violations are explained by the JSON Schema
	// validator: in dmforge's words, not the library's.
	gojsonschema.Locale = schemaWords{}
}

// schemaWords words the JSON Schema violations a parameter document can
// have; the rest (a schema that does not compile) keep the library's.
type schemaWords struct{ gojsonschema.DefaultLocale }

func (schemaWords) False() string    { return "no value is allowed here" }
func (schemaWords) Required() string { return "{{.property}} is missing" }
func (schemaWords) InvalidType() string {
	return "a {{.given}} where the document needs a {{.expected}}"
}
func (schemaWords) NumberAnyOf() string   { return "none of the forms this value may take" }
func (schemaWords) NumberOneOf() string   { return "not exactly one of the forms this value may take" }
func (schemaWords) NumberAllOf() string   { return "breaks one of the rules of this value" }
func (schemaWords) NumberNot() string     { return "a value of a form that is not allowed" }
func (schemaWords) Const() string         { return "not the one value allowed ({{.allowed}})" }
func (schemaWords) Enum() string          { return "not one of the allowed values ({{.allowed}})" }
func (schemaWords) ArrayMinItems() string { return "fewer than {{.min}} items" }
func (schemaWords) ArrayMaxItems() string { return "more than {{.max}} items" }
func (schemaWords) Unique() string        { return "items {{.i}} and {{.j}} are the same" }
func (schemaWords) ArrayMinProperties() string {
	return "fewer than {{.min}} members"
}
func (schemaWords) ArrayMaxProperties() string { return "more than {{.max}} members" }
func (schemaWords) AdditionalPropertyNotAllowed() string {
	return "{{.property}} is not a name the model has here"
}
func (schemaWords) InvalidPropertyPattern() string {
	return "{{.property}} is not a name the model has here"
}
func (schemaWords) InvalidPropertyName() string {
	return "{{.property}} is not a name the model has here"
}
func (schemaWords) StringGTE() string { return "shorter than {{.min}} characters" }
func (schemaWords) StringLTE() string { return "longer than {{.max}} characters" }
func (schemaWords) DoesNotMatchPattern() string {
	return "not of the form the parameter's type allows"
}
func (schemaWords) DoesNotMatchFormat() string { return "not a valid {{.format}}" }
func (schemaWords) MultipleOf() string         { return "not a multiple of {{.multiple}}" }
func (schemaWords) NumberGTE() string          { return "less than the minimum {{.min}}" }
func (schemaWords) NumberGT() string           { return "not greater than {{.min}}" }
func (schemaWords) NumberLTE() string          { return "greater than the maximum {{.max}}" }
func (schemaWords) NumberLT() string           { return "not less than {{.max}}" }
func (schemaWords) ConditionThen() string      { return "breaks the rules of its shape" }
func (schemaWords) ConditionElse() string      { return "breaks the rules of its shape" }

// Finding classes: an error, or a vendor path the model lacks (an error
// only with --strict-vendor).
const (
	classError  = "error"
	classVendor = "vendor"
)

// vFinding is one thing validate reports about one path of a document.
type vFinding struct {
	Line    int    `json:"line,omitempty"`
	Path    string `json:"path,omitempty"`
	Rule    string `json:"rule"`
	Class   string `json:"class"`
	Message string `json:"message"`
}

// format is the finding's line of text output: "FILE:LINE: PATH: MESSAGE
// [rule]" (no rule for a parameter document's, whose messages end with
// the TR-106 rule).
func (f vFinding) format(file string, rule bool) string {
	var b strings.Builder
	b.WriteString(file)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
	}
	b.WriteString(": ")
	if f.Path != "" {
		b.WriteString(f.Path + ": ")
	}
	b.WriteString(f.Message)
	if rule {
		b.WriteString(" [" + f.Rule + "]")
	}
	return b.String()
}

// vReport is what validate says about one document (one device of a
// GenieACS JSON export holding several).
type vReport struct {
	File string `json:"file"`
	// Kind is "genieacs-csv", "genieacs-json" or "parameter-document".
	Kind   string `json:"kind"`
	Device string `json:"device,omitempty"`
	// Model is the model the document was judged against, and why;
	// Services the service models under its Services object.
	Model       string            `json:"model,omitempty"`
	ModelReason string            `json:"modelReason,omitempty"`
	Services    map[string]string `json:"services,omitempty"`
	Objects     int               `json:"objects"`
	Parameters  int               `json:"parameters"`
	// Attributes counts the parameters whose notification or access
	// list the dump records.
	Attributes int `json:"attributes"`
	// Virtual counts GenieACS's own rows (DeviceID., Events., …), skipped.
	Virtual  int        `json:"virtual,omitempty"`
	Errors   int        `json:"errors"`
	Vendor   int        `json:"vendor"`
	Findings []vFinding `json:"findings"`
}

type validateRun struct {
	lo           loadOptions
	target       string
	schemaFile   string
	format       string
	strictVendor bool

	models map[string]*loadedSchema // by catalogue name or file
	docs   *gen.DocValidator
}

type loadedSchema struct {
	name   string // "Device:2.4"
	schema *model.Schema
	model  *model.Model
}

func newValidateCmd() *cobra.Command {
	v := &validateRun{}
	cmd := &cobra.Command{
		Use:   "validate [--model MODEL | --schema FILE] [-I DIR]... FILE...",
		Short: "Validate device dumps and parameter documents against a data model",
		Long: `Validate checks what devices report, or what users write, against a data model.

FILE is one of:
  - a GenieACS CSV export of a device (.csv: Parameter, Object, Writable,
    Value, Value type, … columns; values may span lines),
  - a GenieACS device document in JSON (what its NBI returns for
    GET /devices: one device or an array of them),
  - a JSON parameter document, nested or flat (see 'dmforge gen schema').

For a device dump the model is chosen from the dump unless --model names
one: Device:2.x from Device.RootDataModelVersion (or DeviceSummary, or
SupportedDataModel), else the latest Device:2; InternetGatewayDevice:1.x from
DeviceSummary or SupportedDataModel, else the latest; service objects under
Services by their shape (a VoiceService with VoiceProfile objects is TR-104
v1), DeviceSummary and SupportedDataModel. Each parameter's
reported type name (xsd:…, recognised whatever its case, but a wrong-case
or unknown name is a finding), its value against that type, and its value
against the model (model.CheckValue) are checked. GenieACS's own rows
(DeviceID., Events., …) are skipped. Vendor paths (an X_… segment) the
model lacks are their own class: counted, not errors, unless
--strict-vendor. One line per finding:

  FILE:LINE: PATH: MESSAGE [rule]

--format json prints one report per document instead. DOC "-" reads
standard input. Exit status: 0 nothing found, 1 findings, 2 could not run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return v.run(cmd, args) },
	}
	addIncludeDirFlag(cmd, &v.lo.Includes)
	deprecatedAlias(cmd, "include", flagIncludeDir)
	cmd.Flags().StringVar(&v.target, flagModel, "", "data model to validate against: a catalogue model (Device:2.19, Device:2) or a data-model file (default for dumps: chosen from the dump)")
	cmd.Flags().StringVar(&v.schemaFile, "schema", "", "validate parameter documents against this JSON Schema (from 'dmforge gen schema') instead of building it")
	addFormatFlag(cmd, &v.format, "text", "json")
	completeModelFlag(cmd)
	cmd.Flags().BoolVar(&v.strictVendor, "strict-vendor", false, "vendor paths (X_…) the model lacks are errors")
	return cmd
}

func (v *validateRun) run(cmd *cobra.Command, args []string) error {
	if err := checkFormat(v.format, "text", "json"); err != nil {
		return err
	}
	if err := checkDirs("-I", v.lo.Includes); err != nil {
		return err
	}
	// A --schema or --model file that is not there is the command's
	// mistake, not one of the documents'.
	if v.schemaFile != "" {
		if err := checkFile("--schema", v.schemaFile); err != nil {
			return err
		}
	}
	if v.target != "" && !bbf.IsModelName(v.target) {
		if err := checkFile("--model", v.target); err != nil {
			return err
		}
	}
	// Cobra keeps the command between runs (tests): nothing carries over.
	v.models, v.docs = map[string]*loadedSchema{}, nil
	var reports []*vReport
	for _, name := range args {
		data, err := v.read(cmd, name)
		if err != nil {
			return err
		}
		rs, err := v.validateFile(name, data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		reports = append(reports, rs...)
	}
	w := cmd.OutOrStdout()
	errs, vendor, bad := 0, 0, 0
	for _, r := range reports {
		errs += r.Errors
		vendor += r.Vendor
		if r.Errors > 0 {
			bad++
		}
	}
	if v.format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		out := struct {
			Documents []*vReport `json:"documents"`
			Errors    int        `json:"errors"`
			Vendor    int        `json:"vendor"`
		}{reports, errs, vendor}
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		stderr := cmd.ErrOrStderr()
		for _, r := range reports {
			if r.Model != "" && r.Kind != "parameter-document" {
				fmt.Fprintf(stderr, "%s: %s\n", r.label(), r.modelLine())
			}
			for _, f := range r.Findings {
				if f.Class == classVendor && !v.strictVendor {
					continue
				}
				fmt.Fprintln(w, f.format(r.File, r.Kind != "parameter-document"))
			}
			if r.Vendor > 0 && !v.strictVendor {
				fmt.Fprintf(stderr, "%s: %d vendor objects and parameters (X_…) the model lacks: not errors (--strict-vendor makes them so)\n", r.label(), r.Vendor)
			}
		}
		if errs > 0 {
			fmt.Fprintf(stderr, "%d findings in %d of %d documents\n", errs, bad, len(reports))
		}
	}
	if errs > 0 {
		return exitError{exitFindings}
	}
	return nil
}

func (r *vReport) label() string {
	if r.Device != "" && r.Kind == "genieacs-json" {
		return r.File + " (" + r.Device + ")"
	}
	return r.File
}

func (r *vReport) modelLine() string {
	s := fmt.Sprintf("%d objects, %d parameters judged against %s", r.Objects, r.Parameters, r.Model)
	if r.ModelReason != "" {
		s += " (" + r.ModelReason + ")"
	}
	names := make([]string, 0, len(r.Services))
	for n := range r.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s += fmt.Sprintf("; Services.%s against %s", n, r.Services[n])
	}
	return s
}

// read returns a file's bytes ("-": standard input), at most
// cpe.MaxDumpSize of them.
func (v *validateRun) read(cmd *cobra.Command, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = cmd.InOrStdin()
	} else {
		if err := checkFile("", name); err != nil {
			return nil, err
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, cpe.MaxDumpSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > cpe.MaxDumpSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, cpe.MaxDumpSize>>20)
	}
	return data, nil
}

var csvHeader = regexp.MustCompile(`(?i)^\x{feff}?"?parameter"?\s*(,|$)`)

// validateFile validates one file, of whichever kind it is.
func (v *validateRun) validateFile(name string, data []byte) ([]*vReport, error) {
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	if strings.EqualFold(filepath.Ext(name), ".csv") || csvHeader.Match(bytes.TrimSpace(firstLine)) {
		d, err := cpe.ReadGenieCSV(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		r, err := v.validateDump(name, "genieacs-csv", d)
		if err != nil {
			return nil, err
		}
		return []*vReport{r}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return []*vReport{{File: name, Kind: "parameter-document", Errors: 1, Findings: []vFinding{{Rule: "json", Class: classError, Message: cpe.JSONSyntaxError(data, err).Error()}}}}, nil
	}
	if isGenieJSON(doc) {
		dumps, err := cpe.ReadGenieJSON(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		var out []*vReport
		for _, d := range dumps {
			r, err := v.validateDump(name, "genieacs-json", d)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v.validateParamDoc(name, data)
}

// isGenieJSON tells a GenieACS device document (or an array of them)
// from a parameter document: its metadata keys start with "_", and its
// nodes carry "_object"/"_value".
func isGenieJSON(doc any) bool {
	if arr, ok := doc.([]any); ok {
		return len(arr) > 0 && isGenieJSON(arr[0])
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	for k, x := range m {
		if k == "_id" || k == "_deviceId" {
			return true
		}
		if n, ok := x.(map[string]any); ok {
			if _, ok := n["_object"]; ok {
				return true
			}
		}
	}
	return false
}

// validateParamDoc checks a JSON parameter document against the JSON
// Schema of --model or --schema.
func (v *validateRun) validateParamDoc(name string, data []byte) ([]*vReport, error) {
	if v.docs == nil {
		if v.target == "" && v.schemaFile == "" {
			return nil, errors.New("a parameter document needs --model MODEL or --schema FILE")
		}
		var m *model.Model
		if v.target != "" {
			ls, err := v.load(v.target)
			if err != nil {
				return nil, err
			}
			m = ls.model
		}
		var schema []byte
		var err error
		if v.schemaFile != "" {
			schema, err = os.ReadFile(v.schemaFile)
		} else {
			schema, err = gen.JSONSchema(m, gen.SchemaOptions{Indent: "none"})
		}
		if err != nil {
			return nil, err
		}
		if v.docs, err = gen.NewDocValidator(schema, m); err != nil {
			return nil, err
		}
	}
	r := &vReport{File: name, Kind: "parameter-document", Model: v.target, Findings: []vFinding{}}
	vs, err := v.docs.Validate(data)
	if err != nil {
		return nil, err
	}
	for _, x := range vs {
		r.Findings = append(r.Findings, vFinding{Path: x.Path, Rule: "document", Class: classError, Message: x.Msg})
	}
	r.Errors = len(r.Findings)
	return []*vReport{r}, nil
}

// load resolves a model once per run.
func (v *validateRun) load(name string) (*loadedSchema, error) {
	if ls, ok := v.models[name]; ok {
		return ls, nil
	}
	ld, err := v.lo.load(name)
	if err != nil {
		return nil, err
	}
	ls := &loadedSchema{name: ld.Model.Name, schema: model.SchemaFromModel(ld.Model), model: ld.Model}
	v.models[name] = ls
	return ls, nil
}

// dumpFacts are what a dump says about its own data models.
type dumpFacts struct {
	root        string            // "Device" or "InternetGatewayDevice"
	values      map[string]string // parameter values by path
	lines       map[string]int
	supported   []string // SupportedDataModel.{i}.URN values
	services    map[string]bool
	voiceV1     bool // a VoiceService has VoiceProfile objects (TR-104 v1)
	voiceV2     bool // … or the objects only v2 has
	voiceURNRow string
}

// summaryRE finds the models of a DeviceSummary (TR-106 3.7:
// "InternetGatewayDevice:1.1[](Baseline:1, …), VoiceService:1.0[1](…)").
var summaryRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9]*):(\d+\.\d+)\[`)

// summaryModel returns the version of model name a DeviceSummary
// declares, as a catalogue entry.
func summaryModel(summary, name string) (bbf.Entry, bool) {
	for _, m := range summaryRE.FindAllStringSubmatch(summary, -1) {
		if m[1] != name {
			continue
		}
		if e, err := bbf.Lookup(m[1] + ":" + m[2]); err == nil {
			return e, true
		}
	}
	return bbf.Entry{}, false
}

var urnRE = regexp.MustCompile(`^urn:broadband-forum-org:(tr-\d+-\d+-\d+)-\d+`)

func factsOf(d *cpe.Dump) dumpFacts {
	f := dumpFacts{values: map[string]string{}, lines: map[string]int{}, services: map[string]bool{}}
	for _, e := range d.Entries {
		root, rest, _ := strings.Cut(e.Path, ".")
		if f.root == "" {
			f.root = root
		}
		if !e.Object {
			f.values[e.Path] = e.Value
			f.lines[e.Path] = e.Line
			if strings.HasPrefix(rest, "DeviceInfo.SupportedDataModel.") && strings.HasSuffix(rest, ".URN") {
				f.supported = append(f.supported, e.Value)
				if strings.Contains(e.Value, ":tr-104-") {
					f.voiceURNRow = e.Path
				}
			}
		}
		svc, ok := strings.CutPrefix(rest, "Services.")
		if !ok || root != f.root {
			continue
		}
		name, inner, _ := strings.Cut(svc, ".")
		if name == "" {
			continue
		}
		f.services[name] = true
		if name == "VoiceService" {
			_, sub, _ := strings.Cut(inner, ".") // after the instance number
			switch top, _, _ := strings.Cut(sub, "."); top {
			case "VoiceProfile", "PhyInterface":
				f.voiceV1 = f.voiceV1 || top == "VoiceProfile"
			case "SIP", "CallControl", "VoIPProfile", "CodecProfile", "Terminal", "POTS", "DECT", "ISDN", "H323", "MGCP", "Trunk", "CallLog", "Tone", "ReservedPorts", "Interwork", "ClockSynchronization":
				f.voiceV2 = true
			}
		}
	}
	return f
}

// catalogueByURN finds the catalogue model a SupportedDataModel URN names
// ("urn:broadband-forum-org:tr-098-1-8-0" → InternetGatewayDevice:1.14)
// among the models called name.
func catalogueByURN(urns []string, name string) (bbf.Entry, string, bool) {
	for _, u := range urns {
		m := urnRE.FindStringSubmatch(u)
		if m == nil {
			continue
		}
		for _, e := range bbf.Catalog {
			if e.Name() == name && strings.HasPrefix(e.File, m[1]+"-") {
				return e, u, true
			}
		}
	}
	return bbf.Entry{}, "", false
}

var versionRE = regexp.MustCompile(`^\d+\.\d+$`)

// chooseRoot picks the root model of a dump (without --model).
func chooseRoot(f dumpFacts) (name, why string, err error) {
	switch f.root {
	case "Device":
		if ver := strings.TrimSpace(f.values["Device.RootDataModelVersion"]); versionRE.MatchString(ver) {
			if e, err := bbf.Lookup("Device:" + ver); err == nil && e.Major() == 2 {
				return e.Model, "Device.RootDataModelVersion is " + ver, nil
			}
			e, _ := bbf.Lookup("Device:2")
			return e.Model, "Device.RootDataModelVersion " + ver + " is not in the catalogue; the latest Device:2", nil
		}
		if e, ok := summaryModel(f.values["Device.DeviceSummary"], "Device"); ok && e.Major() == 2 {
			return e.Model, "Device.DeviceSummary declares it", nil
		}
		if e, urn, ok := catalogueByURN(f.supported, "Device"); ok && e.Major() == 2 {
			return e.Model, "SupportedDataModel names " + urn, nil
		}
		e, _ := bbf.Lookup("Device:2")
		return e.Model, "the dump names no version: the latest Device:2", nil
	case "InternetGatewayDevice":
		if e, ok := summaryModel(f.values["InternetGatewayDevice.DeviceSummary"], "InternetGatewayDevice"); ok {
			return e.Model, "InternetGatewayDevice.DeviceSummary declares it", nil
		}
		if e, urn, ok := catalogueByURN(f.supported, "InternetGatewayDevice"); ok {
			return e.Model, "SupportedDataModel names " + urn, nil
		}
		e, _ := bbf.Lookup("InternetGatewayDevice:1")
		return e.Model, "the dump names no version: the latest InternetGatewayDevice:1", nil
	case "":
		return "", "", errors.New("the dump has no parameters of a device")
	}
	return "", "", fmt.Errorf("no standard model has the root object %s; give --model", f.root)
}

// chooseService picks the model of a service object under Services, by
// the shape of what the dump has (TR-104 v1 and v2 VoiceServices differ
// at the top), else by SupportedDataModel, else the latest. A
// SupportedDataModel that contradicts the shape is a finding.
func chooseService(f dumpFacts, name string) (model string, finding *vFinding) {
	if name == "VoiceService" && (f.voiceV1 || f.voiceV2) {
		major := "2"
		shape := "v2 objects (SIP, CallControl, …)"
		if f.voiceV1 {
			major, shape = "1", "VoiceProfile objects"
		}
		e, err := bbf.Lookup("VoiceService:" + major)
		if err != nil {
			return "", nil
		}
		if d, ok := summaryModel(f.values[f.root+".DeviceSummary"], name); ok && d.Major() == e.Major() {
			e = d // the minor version the device declares
		}
		if u, urn, ok := catalogueByURN(f.supported, name); ok && u.Major() != e.Major() {
			finding = &vFinding{Line: f.lines[f.voiceURNRow], Path: f.voiceURNRow, Rule: "supported-data-model", Class: classError,
				Message: fmt.Sprintf("names %s (%s), but the device's VoiceService has the TR-104 v%s shape (%s): judged as %s", urn, u.Model, major, shape, e.Model)}
		}
		return e.Model, finding
	}
	if e, ok := summaryModel(f.values[f.root+".DeviceSummary"], name); ok {
		return e.Model, nil
	}
	if e, _, ok := catalogueByURN(f.supported, name); ok {
		return e.Model, nil
	}
	var best *bbf.Entry
	for i := range bbf.Catalog {
		e := &bbf.Catalog[i]
		if e.Name() == name && (best == nil || e.Major() > best.Major() || e.Major() == best.Major() && e.Minor() > best.Minor()) {
			best = e
		}
	}
	if best == nil {
		return "", nil
	}
	return best.Model, nil
}

// isVendor reports whether a path has a vendor segment (X_<vendor>_…).
func isVendor(path string) bool {
	for seg := range strings.SplitSeq(path, ".") {
		if strings.HasPrefix(seg, "X_") {
			return true
		}
	}
	return false
}

// validateDump checks one device's dump.
func (v *validateRun) validateDump(file, kind string, d *cpe.Dump) (*vReport, error) {
	r := &vReport{File: file, Kind: kind, Device: d.ID, Virtual: d.Virtual, Findings: []vFinding{}}
	facts := factsOf(d)
	var root *loadedSchema
	var err error
	if v.target != "" {
		root, err = v.load(v.target)
		r.ModelReason = "--model"
	} else {
		var name string
		name, r.ModelReason, err = chooseRoot(facts)
		if err == nil {
			root, err = v.load(name)
		}
	}
	if err != nil {
		return nil, err
	}
	r.Model = root.name
	// A device that declares an older version than it implements: what
	// the latest version has is said so, not taken for a typo.
	var latest *loadedSchema
	if major, _, ok := strings.Cut(root.name, "."); ok && v.target == "" {
		if e, err := bbf.Lookup(major); err == nil && e.Model != root.name {
			if latest, err = v.load(e.Model); err != nil {
				return nil, err
			}
		}
	}
	rootObj := facts.root + "."
	services := map[string]*loadedSchema{}
	for name := range facts.services {
		m, finding := chooseService(facts, name)
		if m == "" {
			continue
		}
		ls, err := v.load(m)
		if err != nil {
			return nil, err
		}
		services[name] = ls
		if r.Services == nil {
			r.Services = map[string]string{}
		}
		r.Services[name] = ls.name
		if finding != nil {
			r.Findings = append(r.Findings, *finding)
		}
	}
	// lookup finds the entry of an instance path in the model of its
	// part of the tree; a table path without instance finds the table.
	lookup := func(path string) (*model.Entry, string, bool) {
		s, rel := root, path
		if rest, ok := strings.CutPrefix(path, rootObj+"Services."); ok && rest != "" {
			name, _, _ := strings.Cut(rest, ".")
			if ls, ok := services[name]; ok {
				s, rel = ls, rest
			}
		}
		sp, ok := model.SchemaPath(rel)
		if !ok {
			return nil, s.name, false
		}
		if e, ok := s.schema.Lookup(sp); ok {
			return e, s.name, true
		}
		if strings.HasSuffix(sp, ".") {
			if e, ok := s.schema.Lookup(sp + "{i}."); ok && e.IsTable() {
				return e, s.name, true
			}
		}
		return nil, s.name, false
	}
	add := func(e cpe.DumpEntry, rule, class, format string, args ...any) {
		r.Findings = append(r.Findings, vFinding{Line: e.Line, Path: e.Path, Rule: rule, Class: class, Message: fmt.Sprintf(format, args...)})
	}
	for _, e := range d.Entries {
		if e.Object {
			r.Objects++
		} else {
			r.Parameters++
		}
		me, modelName, found := lookup(e.Path)
		switch {
		case !found && isVendor(e.Path):
			add(e, "vendor-path", classVendor, "a vendor %s %s does not define", kindOf(e.Object), modelName)
		case !found && latest != nil && modelName == root.name && inSchema(latest.schema, e.Path):
			add(e, "later-version", classError, "no such %s in %s, which the device declares; %s has it", kindOf(e.Object), modelName, latest.name)
		case !found:
			add(e, "unknown-path", classError, "no such %s in %s", kindOf(e.Object), modelName)
		case me.Object != e.Object:
			add(e, "wrong-kind", classError, "reported as %s, but %s has it as %s", article(e.Object), modelName, article(me.Object))
			continue
		}
		if e.Object {
			continue
		}
		// The recorded attributes (Notification, Access list).
		attrs, hasAttrs, aerr := e.Attributes()
		if aerr != nil {
			add(e, "attribute", classError, "%v", aerr)
		}
		if hasAttrs {
			r.Attributes++
			if found && me.ActiveNotify == model.NotifyForceEnabled && attrs.Notification != 2 {
				add(e, "attribute", classError, "notification %d, but %s forces active notification (2)", attrs.Notification, modelName)
			}
		}
		// The reported type: its name, and the value against it.
		var reported model.BaseType
		typeOK := false
		if e.Type != "" {
			t, ok := cpe.ParseTypeName(e.Type)
			switch {
			case !ok:
				add(e, "type-name", classError, "unknown type name %q", e.Type)
			case !typeNameRight(e.Type, t):
				add(e, "type-name", classError, "type name %q is not spelt as XML Schema spells it: %s", e.Type, cpe.XSDTypeName(t))
			}
			if ok {
				reported = t
				if err := model.CheckType(t, e.Value); err != nil {
					add(e, "type-value", classError, "%q is not a valid %s value (%s)", truncateValue(e.Value), t, err.Msg)
				} else {
					typeOK = true
				}
			}
		}
		if !found {
			continue
		}
		wire := me.Syntax.WireType()
		if reported != "" && reported != wire {
			add(e, "type-mismatch", classError, "reported as %s; %s has it as %s", cpe.XSDTypeName(reported), modelName, cpe.XSDTypeName(wire))
		}
		if !e.HasValue || (me.Syntax.Hidden && e.Value == "") {
			continue
		}
		if reported == wire && !typeOK {
			continue // the type-value finding says it
		}
		if err := model.CheckValue(me.Syntax, e.Value); err != nil {
			add(e, "value-"+string(err.Rule), classError, "%q: %s", truncateValue(err.Value), err.Msg)
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Path < b.Path
	})
	for i := range r.Findings {
		if r.Findings[i].Class == classVendor {
			r.Vendor++
			if v.strictVendor {
				r.Findings[i].Class = classError
				r.Errors++
			}
		} else {
			r.Errors++
		}
	}
	return r, nil
}

// inSchema reports whether s has the object or parameter at an instance
// path (a table path without instance included).
func inSchema(s *model.Schema, path string) bool {
	if _, ok := s.Lookup(path); ok {
		return true
	}
	sp, ok := model.SchemaPath(path)
	if !ok || !strings.HasSuffix(sp, ".") {
		return false
	}
	e, ok := s.Lookup(sp + "{i}.")
	return ok && e.IsTable()
}

// typeNameRight reports whether a reported type name is spelt as it
// travels: XML Schema's name, or "base64" (TR-106's name, which CPEs and
// GenieACS use), in any namespace prefix.
func typeNameRight(name string, t model.BaseType) bool {
	local := name
	if i := strings.IndexByte(local, ':'); i >= 0 {
		local = local[i+1:]
	}
	return "xsd:"+local == cpe.XSDTypeName(t) || local == string(t)
}

func kindOf(object bool) string {
	if object {
		return "object"
	}
	return "parameter"
}

func article(object bool) string {
	if object {
		return "an object"
	}
	return "a parameter"
}

func truncateValue(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
