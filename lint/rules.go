package lint

import "sort"

// Severity is how serious a finding is.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Rule is one entry of the catalogue: a stable id, the severity its
// findings carry, and why the rule exists.
type Rule struct {
	ID        string
	Severity  Severity
	Rationale string
}

// Rule ids. They are stable: CI configurations and suppressions name them.
const (
	// Loading (the parser's tolerant diagnostics keep their ids).
	RuleLoadError           = "load-error"
	RuleBaseMissing         = "base-missing"
	RuleNameRedefined       = "name-redefined"
	RuleComponentUnknown    = "component-unknown"
	RuleDataTypeUnknown     = "datatype-unknown"
	RuleDataTypeInvalid     = "datatype-invalid"
	RuleModelUnknown        = "model-unknown"
	RuleAttrInvalid         = "attr-invalid"
	RuleNameInvalid         = "name-invalid"
	RuleSyntaxMissing       = "syntax-missing"
	RuleCycle               = "cycle"
	RuleStructure           = "structure"
	RuleXMLNamespace        = "xml-namespace"
	RuleUnknownElement      = "unknown-element"
	RuleImportModelName     = "import-model-name"
	RuleImportMissing       = "import-missing"
	RuleTestModelUnresolved = "test-model-unresolved"

	// Names.
	RuleNameSyntax          = "name-syntax"
	RuleNameWhitespace      = "name-whitespace"
	RuleNameCase            = "name-case"
	RuleTableName           = "table-name"
	RuleVendorPrefix        = "vendor-prefix"
	RuleVendorPrefixMissing = "vendor-prefix-missing"

	// Vendor refinements (base=) of standard items.
	RuleRefineAccess = "refine-access"
	RuleRefineStatus = "refine-status"
	RuleRefineType   = "refine-type"

	// Structure.
	RuleParentMissing     = "parent-missing"
	RuleNumEntriesParam   = "num-entries-param"
	RuleNumEntriesMissing = "num-entries-missing"
	RuleEnableParam       = "enable-param"
	RuleEnableParamType   = "enable-param-type"
	RuleUniqueKey         = "unique-key"
	RuleCWMPCommand       = "cwmp-command"
	RuleMountType         = "mount-type"
	RuleEntries           = "entries"
	RuleObjectAccess      = "object-access"
	RuleProfileRef        = "profile-ref"

	// Values.
	RuleRangeInvalid   = "range-invalid"
	RuleSizeInvalid    = "size-invalid"
	RuleEnumDuplicate  = "enum-duplicate"
	RuleEnumInvalid    = "enum-invalid"
	RulePatternInvalid = "pattern-invalid"
	RuleDefaultInvalid = "default-invalid"
	RuleDefaultImpl    = "default-implementation"
	RuleDefaultEmpty   = "default-empty"
	RuleRefTarget      = "ref-target"

	// Versions and status.
	RuleVersionNewer = "version-newer"
	RuleDeprecated   = "status-deprecated"

	// Whole-model rules (the resolved model, wherever its items are defined).
	RuleDefaultListSyntax  = "default-list-syntax"
	RuleStatusMarkup       = "status-markup"
	RuleProfileStatus      = "profile-status"
	RuleDeprecatedRef      = "deprecated-ref"
	RuleNumEntriesStyle    = "num-entries-style"
	RuleNoUniqueKeys       = "no-unique-keys"
	RuleAliasParam         = "alias-param"
	RuleSignedMin          = "signed-min"
	RuleObjectDefault      = "object-default"
	RuleUnionDiscriminator = "union-discriminator"
	RuleTypeRedefined      = "type-redefined"
	RuleImportSpec         = "import-spec"
	RuleUnitsMarkup        = "units-markup"
	RuleMarkupIndent       = "markup-indent"

	// Published BBF files.
	RuleBBFErratum = "bbf-erratum"

	// Device-type documents.
	RuleDTObjectUnknown = "dt-object-unknown"
	RuleDTParamUnknown  = "dt-param-unknown"
	RuleDTAccess        = "dt-access"
	RuleDTEntries       = "dt-entries"
	RuleDTSyntax        = "dt-syntax"
)

var catalogue = []Rule{
	{RuleLoadError, Error, "the file cannot be read at all (malformed XML, missing or cyclic import); nothing else can be checked"},
	{RuleBaseMissing, Error, "base= must name an existing model, object, parameter or profile to refine"},
	{RuleNameRedefined, Error, "name= must not redefine an existing item; refinements use base="},
	{RuleComponentUnknown, Error, "a component reference must name a component the document defines or imports"},
	{RuleDataTypeUnknown, Error, "a dataType reference must name a data type the document defines or imports"},
	{RuleDataTypeInvalid, Error, "a named data type must end in a primitive type"},
	{RuleModelUnknown, Error, "an imported model must exist in the imported document"},
	{RuleAttrInvalid, Error, "attribute values must be well-formed (access modes, entry counts, facet bounds)"},
	{RuleNameInvalid, Error, "object names end with a dot"},
	{RuleSyntaxMissing, Error, "every new parameter needs a syntax"},
	{RuleCycle, Error, "components, data types and models must not derive from themselves"},
	{RuleStructure, Error, "items must sit where the schema allows them (parameters in objects, or in service models)"},
	{RuleXMLNamespace, Warning, "the document should declare a known DM or DT schema namespace"},
	{RuleUnknownElement, Warning, "unknown elements are ignored, which usually hides a typo"},
	{RuleImportModelName, Warning, "an imported model should be named exactly as its document defines it"},
	{RuleImportMissing, Info, "data types should be imported where they are used, not found by chance in another document"},
	{RuleTestModelUnresolved, Warning, "in a component file's own test model, a fault that may only mean the test model lacks the context its components are written for (parent objects, reference targets, the model version); the wrapped rule id is in the message"},

	{RuleNameSyntax, Error, "TR-106 names start with a letter (or X_), and contain only letters, digits, hyphens and underscores"},
	{RuleNameWhitespace, Warning, "names are XML tokens: leading or trailing white space is dropped by schema-aware tools but not by all CPEs and ACSs"},
	{RuleNameCase, Warning, "TR-106 names are CamelCase: they start with an upper-case letter"},
	{RuleTableName, Error, "a multi-instance object is named as a table (ends in .{i}.) and a single-instance one is not"},
	{RuleVendorPrefix, Error, "a vendor prefix is X_<OUI>_ (six upper-case hex digits) or X_<DOMAIN>_ (upper-case domain, dots as - or _)"},
	{RuleVendorPrefixMissing, Error, "a non-standard item placed in a standard object must carry a vendor X_<VENDOR>_ prefix"},

	{RuleRefineAccess, Error, "a vendor file must not change the access of a standard parameter or table with base=: ACSs written to the standard rely on it (a device that supports less says so in a device-type document)"},
	{RuleRefineStatus, Error, "a vendor file must not change the status of a standard item with base=: only the standard deprecates, obsoletes or deletes its items"},
	{RuleRefineType, Error, "a vendor file must not change the type of a standard parameter with base= (base type, list or not): values on the wire would no longer be what the standard says"},

	{RuleParentMissing, Error, "every object and parameter needs its parent object"},
	{RuleNumEntriesParam, Error, "a table's numEntriesParameter exists in the parent object, is an unsignedInt and is read-only"},
	{RuleNumEntriesMissing, Warning, "a table with a variable number of entries should name its numEntriesParameter"},
	{RuleEnableParam, Error, "a table's enableParameter names a parameter of the table"},
	{RuleEnableParamType, Warning, "a table's enableParameter should be a boolean (older models use an enumerated string)"},
	{RuleUniqueKey, Error, "uniqueKey parameters exist in the table (argument tables of commands and events included)"},
	{RuleCWMPCommand, Error, "a CWMP model (defined in a -cwmp file, or built on a model from one) defines no commands or events: they exist only in USP models (the BBF's rule)"},
	{RuleMountType, Warning, "an object's mountType is mountable or mountPoint (or none); other values are not in the current schema"},
	{RuleEntries, Error, "minEntries <= maxEntries; a single-instance object has minEntries 0 or 1 and maxEntries 1"},
	{RuleObjectAccess, Error, "only tables may be readWrite (the ACS adds and deletes instances)"},

	{RuleProfileRef, Error, "a profile requires only objects and parameters its model has, and bases and extends only profiles it has"},

	{RuleRangeInvalid, Error, "a range applies to a numeric type, its bounds are values of the type, min <= max, and the step is positive and fits"},
	{RuleSizeInvalid, Error, "a size applies to a string or binary type and has minLength <= maxLength"},
	{RuleEnumDuplicate, Error, "enumeration values are unique"},
	{RuleEnumInvalid, Error, "enumeration values are valid values of the parameter's type"},
	{RulePatternInvalid, Error, "patterns are valid XML Schema regular expressions (implicitly anchored)"},
	{RuleDefaultInvalid, Error, "a factory or object default is a value the parameter accepts (type, range, size, enumeration, pattern)"},
	{RuleDefaultImpl, Warning, "an implementation or parameter default should be a value the parameter accepts"},
	{RuleDefaultEmpty, Warning, "an empty default on a parameter that has no empty value (numbers, dateTime, lists with minItems) is read as \"no value\" but is not a value"},
	{RuleRefTarget, Error, "pathRef/instanceRef targetParent and enumerationRef targetParam name items that exist"},

	{RuleVersionNewer, Error, "an item's version is not newer than the model that defines it"},
	{RuleDeprecated, Info, "deprecated and obsoleted items are on their way out of the standard"},

	{RuleDefaultListSyntax, Warning, "a list-valued parameter's default is written in list syntax: \"[]\" for the empty list, \"[a,b]\" for items (TR-106 A.2.7.3)"},
	{RuleStatusMarkup, Warning, "a deprecated, obsoleted or deleted item says so in its description with {{deprecated|VERSION|REASON}}, {{obsoleted|VERSION}} and {{deleted|VERSION}}, so readers learn when and why"},
	{RuleProfileStatus, Warning, "a profile requirement on a deprecated or obsoleted item is marked deprecated or obsoleted too, and a profile all of whose requirements are is marked so itself"},
	{RuleDeprecatedRef, Warning, "a current item's description does not point readers at deprecated or obsoleted parameters, objects, enumeration values or patterns"},
	{RuleNumEntriesStyle, Warning, "a table's numEntriesParameter is named <Table>NumberOfEntries, has no default, has the table's version, and only tables have one"},
	{RuleNoUniqueKeys, Warning, "dmr:noUniqueKeys says a table deliberately has no unique key: it contradicts uniqueKey elements"},
	{RuleAliasParam, Warning, "an Alias parameter names a table instance: it is a (non-functional) unique key of a table, never a parameter of a single-instance object"},
	{RuleSignedMin, Warning, "a signed type (int, long) whose range excludes every negative value should be the unsigned type"},
	{RuleObjectDefault, Warning, "an object default applies when an ACS creates an instance: only parameters of writable tables have one"},
	{RuleUnionDiscriminator, Warning, "a union object (minEntries 0, maxEntries 1) names the parent's discriminatorParameter that selects it (or says dmr:noDiscriminatorParameter)"},
	{RuleTypeRedefined, Warning, "a refinement (base=) may add facets to a parameter's syntax but not change its type: values on the wire would change between versions"},
	{RuleImportSpec, Error, "an import names the spec URN of the document it imports: a file name alone does not say which version is meant"},
	{RuleUnitsMarkup, Warning, "a parameter with units says so in its description with {{units}}, so that readers see the unit"},
	{RuleMarkupIndent, Warning, "description markup is indented consistently: a continuation line is indented like the line it continues, or the paragraph and list structure the indentation gives is lost"},

	{RuleBBFErratum, Warning, "a default, reference or profile rule broken inside a published BBF file (wrapped rule id in the message): it is the standard, so it cannot be fixed locally; report it upstream"},

	{RuleDTObjectUnknown, Error, "a device type declares only objects its model has"},
	{RuleDTParamUnknown, Error, "a device type declares only parameters its model has"},
	{RuleDTAccess, Error, "a device type may narrow access but not widen it (no readWrite on a readOnly parameter; create/delete only on writable tables)"},
	{RuleDTEntries, Error, "a device type's min/max entries lie within the model's"},
	{RuleDTSyntax, Error, "a device type's narrowed syntax (enumerations, ranges) lies within the model's"},
}

var ruleByID = func() map[string]Rule {
	m := make(map[string]Rule, len(catalogue))
	for _, r := range catalogue {
		m[r.ID] = r
	}
	return m
}()

// Rules returns the rule catalogue, sorted by id.
func Rules() []Rule {
	out := append([]Rule(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupRule returns the catalogue entry for id.
func LookupRule(id string) (Rule, bool) {
	r, ok := ruleByID[id]
	return r, ok
}
