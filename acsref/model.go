package acsref

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr104v1 "github.com/dmforge/dmforge/generated/tr104v1/schema"
	tr135 "github.com/dmforge/dmforge/generated/tr135/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// Binding ties a device to its BBF data models: the root data model
// (Device:2 or InternetGatewayDevice:1) and the service models mounted
// under its Services object (VoiceService from TR-104, STBService from
// TR-135).
type Binding struct {
	Root   string // "Device." or "InternetGatewayDevice."
	Schema *model.Schema
	// Services maps the name of a service object under Root+"Services."
	// to the service model's schema.
	Services map[string]*model.Schema
}

// serviceModels lists the compiled models of each service object under
// Services, one per major version, oldest first (services.go chooses one
// per device).
var serviceModels = map[string][]*model.Schema{
	"VoiceService": {tr104v1.Schema, tr104.Schema},
	"STBService":   {tr135.Schema},
}

// BindRoot returns the binding for a root object name ("Device." or
// "InternetGatewayDevice."), with the default service models of that
// root, or nil for a root no compiled model defines.
func BindRoot(root string) *Binding {
	var b *Binding
	switch root {
	case "Device.":
		b = &Binding{Root: root, Schema: tr181.Schema}
	case "InternetGatewayDevice.":
		b = &Binding{Root: root, Schema: tr098.Schema}
	default:
		return nil
	}
	b.Services = make(map[string]*model.Schema, len(serviceModels))
	for name := range serviceModels {
		b.Services[name] = defaultService(root, name)
	}
	return b
}

// rootOf returns the root object of a parameter path ("Device.").
func rootOf(path string) string {
	if i := strings.IndexByte(path, '.'); i >= 0 {
		return path[:i+1]
	}
	return ""
}

// ModelName is the name of the root model bound ("Device:2.19").
func (b *Binding) ModelName() string { return b.Schema.Model }

// Lookup finds the standard's entry for an instance path, in the root
// model or in a service model mounted under Services. The schema that
// defines it is returned too.
func (b *Binding) Lookup(path string) (*model.Entry, *model.Schema, bool) {
	if rest, ok := strings.CutPrefix(path, b.Root+"Services."); ok && rest != "" {
		name, _, _ := strings.Cut(rest, ".")
		if s, ok := b.Services[name]; ok {
			e, ok := s.Lookup(rest)
			return e, s, ok
		}
	}
	e, ok := b.Schema.Lookup(path)
	return e, b.Schema, ok
}

// IsVendor reports whether a path contains a vendor-specific segment
// ("X_<vendor>_..."), which no BBF model defines and the ACS does not
// check.
func IsVendor(path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if strings.HasPrefix(seg, "X_") {
			return true
		}
	}
	return false
}

// underUnknownService reports whether path lies under a service object
// that no compiled service model covers (checks do not apply there).
func (b *Binding) underUnknownService(path string) bool {
	rest, ok := strings.CutPrefix(path, b.Root+"Services.")
	if !ok || rest == "" {
		return false
	}
	name, _, _ := strings.Cut(rest, ".")
	_, known := b.Services[name]
	return !known && name != ""
}

// RuleError is a task the data model refuses: the path and the rule it
// breaks.
type RuleError struct {
	Path string `json:"path,omitempty"`
	Rule string `json:"rule"`
	Msg  string `json:"error"`
}

func (e *RuleError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s [%s]", e.Msg, e.Rule)
	}
	return fmt.Sprintf("%s: %s [%s]", e.Path, e.Msg, e.Rule)
}

// Rules of RuleError and of conformance findings.
const (
	RuleUnknownPath     = "unknown-path"        // the model defines no such path
	RuleNotParameter    = "not-parameter"       // an object where a parameter is needed
	RuleNotObject       = "not-object"          // a parameter where an object is needed
	RuleReadOnly        = "read-only"           // the model makes the parameter read-only
	RuleTypeMismatch    = "type-mismatch"       // the xsd type is not the parameter's
	RuleValue           = "value"               // the value breaks the syntax (range, size, enumeration, pattern, type)
	RuleNotTable        = "not-table"           // AddObject/DeleteObject on a non-table
	RuleNotWritable     = "table-read-only"     // AddObject/DeleteObject on a table the ACS may not change
	RuleInstance        = "instance"            // DeleteObject needs an instance path
	RuleNotification    = "notification"        // notification attribute refused by the model
	RuleArgument        = "argument"            // a missing or malformed task argument
	RuleUnknownTask     = "unknown-task"        // no such task name
	RuleFile            = "file"                // Download of a file the ACS does not have
	RuleFileApplies     = "file-not-applicable" // Download of a file whose applicability excludes the device
	RuleAccessMismatch  = "access-mismatch"     // finding: writable flag contradicts the standard
	RuleNonStandard     = "non-standard"        // finding: a non-vendor name the standard does not define
	RuleMissing         = "missing"             // finding: a parameter the standard requires is absent
	RuleUnboundModel    = "unbound-model"       // finding: the device's root is no known model
	RuleReportedType    = "reported-type"       // finding: a value reported with the wrong xsd type
	RuleReportedValue   = "reported-value"      // finding: a value reported that breaks its syntax
	ruleValuePrefix     = "value-"              // RuleValue refined by the model rule: "value-range"
	findingMessageLimit = 300
)

// checkSetValue checks one SetParameterValues triple against the model.
// typ may be "" (then the parameter's own wire type is used). It returns
// the type to send.
func (b *Binding) checkSetValue(path, value, typ string) (string, *RuleError) {
	if IsVendor(path) || b.underUnknownService(path) {
		if typ == "" {
			typ = "xsd:string"
		}
		return typ, nil
	}
	e, _, ok := b.Lookup(path)
	if !ok {
		return "", &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "no such parameter in " + b.modelOf(path)}
	}
	if e.Object {
		return "", &RuleError{Path: path, Rule: RuleNotParameter, Msg: "is an object, not a parameter"}
	}
	if !e.Access.Writable() {
		return "", &RuleError{Path: path, Rule: RuleReadOnly, Msg: "is " + string(e.Access) + " in " + b.modelOf(path)}
	}
	wire := "xsd:" + string(e.Syntax.WireType())
	if typ != "" {
		bt, ok := model.ParseBaseType(typ)
		if !ok || bt != e.Syntax.WireType() {
			return "", &RuleError{Path: path, Rule: RuleTypeMismatch, Msg: fmt.Sprintf("type %s given, the model's type is %s", typ, wire)}
		}
	}
	if ve := model.CheckValue(e.Syntax, value); ve != nil {
		return "", &RuleError{Path: path, Rule: ruleValuePrefix + string(ve.Rule), Msg: ve.Error()}
	}
	return wire, nil
}

// checkName checks a name for Get* tasks: a parameter, or a partial path
// (ending in ".") naming an object.
func (b *Binding) checkName(path string) *RuleError {
	if path == "" || path == b.Root {
		return nil
	}
	if !strings.HasPrefix(path, b.Root) {
		return &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "outside the device's root " + b.Root}
	}
	if IsVendor(path) || b.underUnknownService(path) {
		return nil
	}
	e, _, ok := b.Lookup(path)
	if !ok {
		// "Device.IP.Interface." names the table: look for its {i}. entry.
		if strings.HasSuffix(path, ".") {
			if _, _, ok := b.Lookup(path + "{i}."); ok {
				return nil
			}
		} else if _, _, ok := b.Lookup(path + "."); ok {
			return &RuleError{Path: path, Rule: RuleNotParameter, Msg: "is an object: a partial path ends in \".\""}
		}
		return &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "no such object or parameter in " + b.modelOf(path)}
	}
	if e.Object != strings.HasSuffix(path, ".") {
		if e.Object {
			return &RuleError{Path: path, Rule: RuleNotParameter, Msg: "is an object: a partial path ends in \".\""}
		}
		return &RuleError{Path: path, Rule: RuleNotObject, Msg: "is a parameter: it does not end in \".\""}
	}
	return nil
}

// checkAddObject checks an AddObject object name ("Device.IP.Interface.").
func (b *Binding) checkAddObject(path string) *RuleError {
	if !strings.HasSuffix(path, ".") {
		return &RuleError{Path: path, Rule: RuleArgument, Msg: "an object name ends in \".\""}
	}
	if IsVendor(path) || b.underUnknownService(path) {
		return nil
	}
	alias := false
	if t := strings.TrimSuffix(path, "."); strings.HasSuffix(t, "]") {
		if i := strings.LastIndexByte(t, '.') + 1; t[i] == '[' {
			// "Table.[alias].": AddObject with an instance alias (TR-069
			// Alias-Based Addressing); the table must have an Alias.
			path, alias = t[:i], true
		}
	}
	e, _, ok := b.Lookup(path + "{i}.")
	if ok && alias {
		if a, _, ok := b.Lookup(path + "{i}.Alias"); !ok || a.Object {
			return &RuleError{Path: path, Rule: RuleArgument, Msg: "an instance alias, but the table has no Alias parameter"}
		}
	}
	if !ok {
		if _, _, ok := b.Lookup(path); ok {
			return &RuleError{Path: path, Rule: RuleNotTable, Msg: "is not a multi-instance object"}
		}
		return &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "no such object in " + b.modelOf(path)}
	}
	if e.Access != model.ReadWrite {
		return &RuleError{Path: path, Rule: RuleNotWritable, Msg: "the model does not let the ACS add instances (access " + string(e.Access) + ")"}
	}
	return nil
}

// checkDeleteObject checks a DeleteObject instance path
// ("Device.IP.Interface.3.").
func (b *Binding) checkDeleteObject(path string) *RuleError {
	if !strings.HasSuffix(path, ".") {
		return &RuleError{Path: path, Rule: RuleArgument, Msg: "an object name ends in \".\""}
	}
	if IsVendor(path) || b.underUnknownService(path) {
		return nil
	}
	trimmed := strings.TrimSuffix(path, ".")
	last := trimmed[strings.LastIndexByte(trimmed, '.')+1:]
	e, _, ok := b.Lookup(path)
	if !ok {
		if _, _, ok := b.Lookup(path + "{i}."); ok {
			return &RuleError{Path: path, Rule: RuleInstance, Msg: "names the table: DeleteObject needs an instance (" + path + "<n>.)"}
		}
		return &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "no such object in " + b.modelOf(path)}
	}
	if !e.IsTable() {
		return &RuleError{Path: path, Rule: RuleNotTable, Msg: "is not an instance of a multi-instance object"}
	}
	if _, err := strconv.ParseUint(last, 10, 32); err != nil && !strings.HasPrefix(last, "[") {
		return &RuleError{Path: path, Rule: RuleInstance, Msg: "does not end in an instance number"}
	}
	if e.Access != model.ReadWrite {
		return &RuleError{Path: path, Rule: RuleNotWritable, Msg: "the model does not let the ACS delete instances (access " + string(e.Access) + ")"}
	}
	return nil
}

// ---- conformance of what a CPE reports ----

// checkReportedValue checks a value a CPE reported (Inform,
// GetParameterValues, VALUE CHANGE); nil when it conforms or cannot be
// checked.
func (b *Binding) checkReportedValue(p store.Parameter) *store.Finding {
	if IsVendor(p.Name) || b.underUnknownService(p.Name) {
		return nil
	}
	e, s, ok := b.Lookup(p.Name)
	if !ok {
		return &store.Finding{Path: p.Name, Rule: RuleNonStandard, Message: "the standard defines no such parameter and it is not a vendor extension (X_)", Value: clip(p.Value), Model: b.modelOf(p.Name)}
	}
	if e.Object {
		return &store.Finding{Path: p.Name, Rule: RuleNotParameter, Message: "reported with a value, but the standard defines an object", Model: s.Model}
	}
	want := e.Syntax.WireType()
	if p.Type != "" {
		if bt, ok := model.ParseBaseType(p.Type); !ok || bt != want {
			return &store.Finding{Path: p.Name, Rule: RuleReportedType, Message: fmt.Sprintf("reported as %s, the standard's type is xsd:%s", p.Type, want), Value: clip(p.Value), Model: s.Model}
		}
	}
	if e.Syntax.Hidden && p.Value == "" {
		return nil
	}
	if ve := model.CheckValue(e.Syntax, p.Value); ve != nil {
		return &store.Finding{Path: p.Name, Rule: RuleReportedValue, Message: fmt.Sprintf("%s [%s]", ve.Msg, ve.Rule), Value: clip(p.Value), Model: s.Model}
	}
	return nil
}

func clip(s string) string {
	if len(s) > findingMessageLimit {
		return s[:findingMessageLimit] + "…"
	}
	return s
}

// checkNames checks a complete GetParameterNames report of the device's
// tree (NextLevel false from the root) and returns its findings:
//
//   - non-standard: a name without any X_ segment that the standard does
//     not define;
//   - access-mismatch: a parameter reported writable that the standard
//     makes read-only, or read-only that the standard makes writable;
//   - missing: a parameter the standard requires but the device lacks.
//     Required here means: the device reports an object instance, the
//     standard defines the parameter directly in that object with status
//     current (not deprecated, obsoleted or deleted), and the parameter's
//     version is not newer than the device's declared data-model version
//     (Device.RootDataModelVersion when reported, else 2.0/1.0 baselines
//     are assumed only for the parameters of version x.0). TR-069 devices
//     that implement an object implement all its current parameters of
//     their version: this is stricter than the profiles, and a finding,
//     not a refusal;
//
// Objects under vendor segments or unknown services are skipped.
func (b *Binding) checkNames(names []store.Parameter, dataModelVersion string) []store.Finding {
	var out []store.Finding
	reported := make(map[string]bool, len(names))
	for _, p := range names {
		reported[p.Name] = true
	}
	for _, p := range names {
		if p.Name == b.Root || IsVendor(p.Name) || b.underUnknownService(p.Name) {
			continue
		}
		e, s, ok := b.Lookup(p.Name)
		if !ok {
			if p.Object && strings.HasSuffix(p.Name, ".") {
				// A table object itself ("Device.IP.Interface.") is fine.
				if _, _, ok := b.Lookup(p.Name + "{i}."); ok {
					continue
				}
			}
			out = append(out, store.Finding{Path: p.Name, Rule: RuleNonStandard, Message: "the standard defines no such " + kind(p.Object) + " and it is not a vendor extension (X_)", Model: b.modelOf(p.Name)})
			continue
		}
		if e.Object {
			if e.IsTable() {
				continue
			}
			// Check the parameters the standard defines directly here.
			schemaPath, _ := model.SchemaPath(p.Name)
			prefixLen := 0
			if s != b.Schema {
				prefixLen = len(b.Root + "Services.")
				schemaPath, _ = model.SchemaPath(p.Name[prefixLen:])
			}
			for _, c := range s.Children(schemaPath) {
				if c.Object || c.Status.OrCurrent() != model.Current || !versionCovered(c.Version, dataModelVersion, s != b.Schema) {
					continue
				}
				name := p.Name + c.Path[len(schemaPath):]
				if !reported[name] {
					out = append(out, store.Finding{Path: name, Rule: RuleMissing, Message: "the standard defines this parameter in " + p.Name + " (since " + c.Version + ") and the device does not report it", Model: s.Model})
				}
			}
			continue
		}
		if p.Writable != nil && *p.Writable != e.Access.Writable() {
			msg := "reported writable, the standard makes it " + string(e.Access)
			if !*p.Writable {
				msg = "reported read-only, the standard makes it " + string(e.Access)
			}
			out = append(out, store.Finding{Path: p.Name, Rule: RuleAccessMismatch, Message: msg, Model: s.Model})
		}
	}
	return out
}

func kind(object bool) string {
	if object {
		return "object"
	}
	return "parameter"
}

// versionCovered reports whether a parameter added in version v ("2.12")
// is within the device's declared model version dev ("2.11"). Without a
// declaration only x.0 parameters count; service models are judged by
// their own major version only.
func versionCovered(v, dev string, service bool) bool {
	vm, vn, ok := splitVersion(v)
	if !ok {
		return false
	}
	if service {
		return vn == 0
	}
	dm, dn, ok := splitVersion(dev)
	if !ok {
		return vn == 0
	}
	return vm < dm || vm == dm && vn <= dn
}

func splitVersion(v string) (int, int, bool) {
	a, b, _ := strings.Cut(v, ".")
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(b)
	if b == "" {
		mi, err2 = 0, nil
	}
	return ma, mi, err1 == nil && err2 == nil
}
