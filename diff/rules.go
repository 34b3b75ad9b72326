package diff

// Rule is one entry of the rule catalogue: a stable id, the class every
// change with that id has, the kind of item it applies to, and what it
// means.
type Rule struct {
	ID      string `json:"id"`
	Class   Class  `json:"class"`
	Kind    Kind   `json:"kind"`
	Meaning string `json:"meaning"`
}

// Rule ids. They are stable: tools (CI gates, waivers) key on them.
const (
	ObjectAdded               = "object-added"
	ObjectRemoved             = "object-removed"
	ObjectRenamed             = "object-renamed"
	ObjectDeprecated          = "object-deprecated"
	ObjectObsoleted           = "object-obsoleted"
	ObjectStatusChanged       = "object-status-changed"
	ObjectDeleted             = "object-deleted"
	ObjectFixedAdded          = "object-fixed-added"
	ObjectFixedRemoved        = "object-fixed-removed"
	ObjectMountTypeChanged    = "object-mount-type-changed"
	ObjectAccessNarrowed      = "object-access-narrowed"
	ObjectAccessWidened       = "object-access-widened"
	ObjectEntriesNarrowed     = "object-entries-narrowed"
	ObjectEntriesWidened      = "object-entries-widened"
	ObjectBecameOptional      = "object-optional"
	ObjectUniqueKeyAdded      = "object-unique-key-added"
	ObjectUniqueKeyRemoved    = "object-unique-key-removed"
	ObjectUniqueKeyImplied    = "object-unique-key-implied"
	ObjectEnableParamChanged  = "object-enable-parameter-changed"
	ObjectNumEntriesChanged   = "object-num-entries-parameter-changed"
	ObjectDescriptionChanged  = "object-description-changed"
	ParamAdded                = "parameter-added"
	ParamRemoved              = "parameter-removed"
	ParamRenamed              = "parameter-renamed"
	ParamDeprecated           = "parameter-deprecated"
	ParamObsoleted            = "parameter-obsoleted"
	ParamStatusChanged        = "parameter-status-changed"
	ParamDeleted              = "parameter-deleted"
	ParamTypeChanged          = "parameter-type-changed"
	ParamDataTypeChanged      = "parameter-datatype-changed"
	ParamListChanged          = "parameter-list-changed"
	ParamListNarrowed         = "parameter-list-narrowed"
	ParamListWidened          = "parameter-list-widened"
	ParamAccessNarrowed       = "parameter-access-narrowed"
	ParamAccessWidened        = "parameter-access-widened"
	ParamRangeNarrowed        = "parameter-range-narrowed"
	ParamRangeWidened         = "parameter-range-widened"
	ParamSizeNarrowed         = "parameter-size-narrowed"
	ParamSizeWidened          = "parameter-size-widened"
	ParamPatternNarrowed      = "parameter-pattern-narrowed"
	ParamPatternWidened       = "parameter-pattern-widened"
	ParamPatternChanged       = "parameter-pattern-changed"
	ParamEnumAdded            = "parameter-enum-added"
	ParamEnumRemoved          = "parameter-enum-removed"
	ParamEnumDeprecated       = "parameter-enum-deprecated"
	ParamEnumObsoleted        = "parameter-enum-obsoleted"
	ParamEnumStatusChanged    = "parameter-enum-status-changed"
	ParamEnumDescChanged      = "parameter-enum-description-changed"
	ParamEnumIntroduced       = "parameter-enum-introduced"
	ParamEnumLifted           = "parameter-enum-lifted"
	ParamDefaultAdded         = "parameter-default-added"
	ParamDefaultRemoved       = "parameter-default-removed"
	ParamDefaultChanged       = "parameter-default-changed"
	ParamReadOnlyDefault      = "parameter-readonly-default-changed"
	ParamUnitsAdded           = "parameter-units-added"
	ParamUnitsRemoved         = "parameter-units-removed"
	ParamUnitsChanged         = "parameter-units-changed"
	ParamReferenceChanged     = "parameter-reference-changed"
	ParamReferenceNarrowed    = "parameter-reference-narrowed"
	ParamNotifyRestricted     = "parameter-notify-restricted"
	ParamNotifyChanged        = "parameter-notify-changed"
	ParamForcedInformChanged  = "parameter-forced-inform-changed"
	ParamDescriptionChanged   = "parameter-description-changed"
	CommandAdded              = "command-added"
	CommandRemoved            = "command-removed"
	CommandDeprecated         = "command-deprecated"
	CommandObsoleted          = "command-obsoleted"
	CommandDeleted            = "command-deleted"
	CommandStatusChanged      = "command-status-changed"
	CommandAsyncChanged       = "command-async-changed"
	CommandDescriptionChanged = "command-description-changed"
	EventAdded                = "event-added"
	EventRemoved              = "event-removed"
	EventDeprecated           = "event-deprecated"
	EventObsoleted            = "event-obsoleted"
	EventDeleted              = "event-deleted"
	EventStatusChanged        = "event-status-changed"
	EventDescriptionChanged   = "event-description-changed"
	ArgAdded                  = "argument-added"
	ArgMandatoryAdded         = "argument-mandatory-added"
	ArgRemoved                = "argument-removed"
	ArgTypeChanged            = "argument-type-changed"
	ArgSyntaxChanged          = "argument-syntax-changed"
	ArgMandatoryNarrowed      = "argument-mandatory-narrowed"
	ArgMandatoryWidened       = "argument-mandatory-widened"
	ArgDeprecated             = "argument-deprecated"
	ArgObsoleted              = "argument-obsoleted"
	ArgStatusChanged          = "argument-status-changed"
	ArgDeleted                = "argument-deleted"
	ProfileAdded              = "profile-added"
	ProfileRemoved            = "profile-removed"
	ProfileDeprecated         = "profile-deprecated"
	ProfileObsoleted          = "profile-obsoleted"
	ProfileStatusChanged      = "profile-status-changed"
	ProfileDeleted            = "profile-deleted"
	ProfileRequirementAdded   = "profile-requirement-added"
	ProfileRequirementRemoved = "profile-requirement-removed"
	ProfileRequirementNarrow  = "profile-requirement-narrowed"
	ProfileRequirementWiden   = "profile-requirement-widened"
	ProfileDescriptionChanged = "profile-description-changed"
)

var rules = []Rule{
	{ObjectAdded, Compatible, KindObject, "object added"},
	{ObjectRemoved, Breaking, KindObject, "object removed (gone from NEW, whatever its OLD status); its paths stop working"},
	{ObjectRenamed, Breaking, KindObject, "object renamed (dmr:previousObject hint names an OLD object that is gone, or an ancestor was renamed); the old path stops working"},
	{ObjectDeprecated, Info, KindObject, "object status became deprecated: still works, plan to move off it"},
	{ObjectObsoleted, Breaking, KindObject, "object status became obsoleted: CPEs of the NEW version need not implement it"},
	{ObjectStatusChanged, Info, KindObject, "any other object status change (e.g. deprecated back to current)"},
	{ObjectDeleted, Breaking, KindObject, "object status became deleted: still in the model, but NEW implementations must not support it"},
	{ObjectFixedAdded, Breaking, KindObject, "object became dmr:fixedObject: instances are created by the CPE only and never deleted"},
	{ObjectFixedRemoved, Info, KindObject, "object is no longer dmr:fixedObject: the CPE may create and delete instances"},
	{ObjectMountTypeChanged, Info, KindObject, "USP mountType (mountable, mountPoint) added, removed or changed"},
	{ObjectAccessNarrowed, Breaking, KindObject, "table no longer readWrite: AddObject/DeleteObject stop working"},
	{ObjectAccessWidened, Compatible, KindObject, "table became readWrite: the ACS may now add and delete instances"},
	{ObjectEntriesNarrowed, Breaking, KindObject, "minEntries raised or maxEntries lowered: fewer instance counts allowed"},
	{ObjectEntriesWidened, Compatible, KindObject, "minEntries lowered or maxEntries raised, nothing narrowed (a table: the ACS may delete down to fewer rows)"},
	{ObjectBecameOptional, Breaking, KindObject, "single-instance object became optional (minEntries to 0): it may be absent, and reading it fails"},
	{ObjectUniqueKeyAdded, Breaking, KindObject, "new uniqueKey: instances that were valid may now collide"},
	{ObjectUniqueKeyRemoved, Compatible, KindObject, "uniqueKey dropped: fewer constraints on instances"},
	{ObjectUniqueKeyImplied, Compatible, KindObject, "new uniqueKey that an OLD key already implied (a superset of its parameters)"},
	{ObjectEnableParamChanged, Info, KindObject, "enableParameter added, removed or changed (affects which instances unique keys apply to)"},
	{ObjectNumEntriesChanged, Info, KindObject, "numEntriesParameter added, removed or changed"},
	{ObjectDescriptionChanged, Info, KindObject, "object description changed (--descriptions only)"},
	{ParamAdded, Compatible, KindParameter, "parameter added"},
	{ParamRemoved, Breaking, KindParameter, "parameter removed (gone from NEW, whatever its OLD status)"},
	{ParamRenamed, Breaking, KindParameter, "parameter renamed (dmr:previousParameter hint, or its object was renamed); the old path stops working"},
	{ParamDeprecated, Info, KindParameter, "parameter status became deprecated"},
	{ParamObsoleted, Breaking, KindParameter, "parameter status became obsoleted: CPEs of the NEW version need not implement it"},
	{ParamStatusChanged, Info, KindParameter, "any other parameter status change"},
	{ParamDeleted, Breaking, KindParameter, "parameter status became deleted: still in the model, but NEW implementations must not support it"},
	{ParamTypeChanged, Breaking, KindParameter, "primitive (wire) type changed, numeric widening included: xsi:type and value parsing change"},
	{ParamDataTypeChanged, Info, KindParameter, "named data type changed, same primitive type (facet changes are reported separately)"},
	{ParamListChanged, Breaking, KindParameter, "parameter became a list or stopped being one"},
	{ParamListNarrowed, Breaking, KindParameter, "list item count or list length bounds narrowed"},
	{ParamListWidened, Compatible, KindParameter, "list item count or list length bounds widened"},
	{ParamAccessNarrowed, Breaking, KindParameter, "less writable (readWrite → writeOnceReadOnly → readOnly): SetParameterValues that worked now fail"},
	{ParamAccessWidened, Compatible, KindParameter, "more writable (readOnly → writeOnceReadOnly → readWrite)"},
	{ParamRangeNarrowed, Breaking, KindParameter, "some value the OLD ranges allowed is no longer allowed (set comparison, exact)"},
	{ParamRangeWidened, Compatible, KindParameter, "NEW ranges allow every OLD value and more"},
	{ParamSizeNarrowed, Breaking, KindParameter, "some length the OLD sizes allowed is no longer allowed"},
	{ParamSizeWidened, Compatible, KindParameter, "NEW sizes allow every OLD length and more"},
	{ParamPatternNarrowed, Breaking, KindParameter, "patterns introduced where there were none"},
	{ParamPatternWidened, Compatible, KindParameter, "patterns only added to an existing set, or all removed"},
	{ParamPatternChanged, Breaking, KindParameter, "some OLD pattern removed or changed: regular-expression containment is not decided, so conservatively breaking"},
	{ParamEnumAdded, Compatible, KindParameter, "enumeration values added"},
	{ParamEnumRemoved, Breaking, KindParameter, "enumeration values removed (or deleted)"},
	{ParamEnumDeprecated, Info, KindParameter, "enumeration values became deprecated"},
	{ParamEnumObsoleted, Breaking, KindParameter, "enumeration values became obsoleted"},
	{ParamEnumStatusChanged, Info, KindParameter, "any other enumeration value status change"},
	{ParamEnumDescChanged, Info, KindParameter, "an enumeration value's own description changed (--descriptions only)"},
	{ParamEnumIntroduced, Breaking, KindParameter, "an unrestricted value became an enumeration"},
	{ParamEnumLifted, Compatible, KindParameter, "an enumeration became unrestricted"},
	{ParamDefaultAdded, Compatible, KindParameter, "default value added"},
	{ParamDefaultRemoved, Breaking, KindParameter, "default value removed: provisioning that relied on it gets an implementation-defined value"},
	{ParamDefaultChanged, Breaking, KindParameter, "default value (or default type) changed: provisioning that relied on it behaves differently"},
	{ParamReadOnlyDefault, Info, KindParameter, "default of a parameter readOnly in both models added, removed or changed: no ACS sets it"},
	{ParamUnitsAdded, Info, KindParameter, "units stated where there were none"},
	{ParamUnitsRemoved, Info, KindParameter, "units no longer stated"},
	{ParamUnitsChanged, Breaking, KindParameter, "units changed: the same number means something else"},
	{ParamReferenceNarrowed, Breaking, KindParameter, "writable reference accepts fewer values: other kind, a target parent dropped, or weak → strong"},
	{ParamReferenceChanged, Info, KindParameter, "any other reference facet (pathRef/instanceRef/enumerationRef) change, or one on a readOnly parameter"},
	{ParamNotifyRestricted, Breaking, KindParameter, "activeNotify became canDeny: SetParameterAttributes to turn on active notification may be refused"},
	{ParamNotifyChanged, Info, KindParameter, "any other activeNotify change"},
	{ParamForcedInformChanged, Info, KindParameter, "forcedInform changed"},
	{ParamDescriptionChanged, Info, KindParameter, "parameter description changed (--descriptions only)"},
	{CommandAdded, Compatible, KindCommand, "command added"},
	{CommandRemoved, Breaking, KindCommand, "command removed (gone from NEW, whatever its OLD status)"},
	{CommandDeprecated, Info, KindCommand, "command status became deprecated"},
	{CommandObsoleted, Breaking, KindCommand, "command status became obsoleted: agents of the NEW version need not implement it"},
	{CommandDeleted, Breaking, KindCommand, "command status became deleted: NEW implementations must not support it"},
	{CommandStatusChanged, Info, KindCommand, "any other command status change"},
	{CommandAsyncChanged, Breaking, KindCommand, "command changed between synchronous and asynchronous: the output arrives in the response or in an OperationComplete event"},
	{CommandDescriptionChanged, Info, KindCommand, "command description changed (--descriptions only)"},
	{EventAdded, Compatible, KindEvent, "event added"},
	{EventRemoved, Breaking, KindEvent, "event removed (gone from NEW, whatever its OLD status)"},
	{EventDeprecated, Info, KindEvent, "event status became deprecated"},
	{EventObsoleted, Breaking, KindEvent, "event status became obsoleted: agents of the NEW version need not send it"},
	{EventDeleted, Breaking, KindEvent, "event status became deleted: NEW implementations must not send it"},
	{EventStatusChanged, Info, KindEvent, "any other event status change"},
	{EventDescriptionChanged, Info, KindEvent, "event description changed (--descriptions only)"},
	{ArgAdded, Compatible, KindArgument, "command or event argument (or argument object) added; for the input of an existing command, an optional one"},
	{ArgMandatoryAdded, Breaking, KindArgument, "new mandatory input argument of an existing command: calls that worked now lack it"},
	{ArgRemoved, Breaking, KindArgument, "command or event argument (or argument object) removed: callers passing it or consumers reading it break"},
	{ArgTypeChanged, Breaking, KindArgument, "argument's wire type changed, or it became or stopped being a list"},
	{ArgSyntaxChanged, Info, KindArgument, "any other argument syntax change (ranges, sizes, enumerations, ...; instance counts of an argument object)"},
	{ArgMandatoryNarrowed, Breaking, KindArgument, "input argument became mandatory, or an output/event argument is no longer mandatory (no longer always there)"},
	{ArgMandatoryWidened, Compatible, KindArgument, "input argument became optional, or an output/event argument became mandatory"},
	{ArgDeprecated, Info, KindArgument, "argument status became deprecated"},
	{ArgObsoleted, Breaking, KindArgument, "argument status became obsoleted: agents of the NEW version need not implement it"},
	{ArgStatusChanged, Info, KindArgument, "any other argument status change"},
	{ArgDeleted, Breaking, KindArgument, "argument status became deleted"},
	{ProfileAdded, Compatible, KindProfile, "profile added"},
	{ProfileRemoved, Breaking, KindProfile, "profile removed: an ACS can no longer rely on what it guaranteed"},
	{ProfileDeprecated, Info, KindProfile, "profile status became deprecated"},
	{ProfileObsoleted, Breaking, KindProfile, "profile status became obsoleted"},
	{ProfileStatusChanged, Info, KindProfile, "any other profile status change"},
	{ProfileDeleted, Breaking, KindProfile, "profile status became deleted"},
	{ProfileRequirementAdded, Compatible, KindProfile, "profile (with its base and extends) now requires an object or parameter"},
	{ProfileRequirementRemoved, Breaking, KindProfile, "profile no longer requires an object or parameter"},
	{ProfileRequirementNarrow, Breaking, KindProfile, "profile requires less of an item (readWrite → readOnly, createDelete → present, ...)"},
	{ProfileRequirementWiden, Compatible, KindProfile, "profile requires more of an item (readOnly → readWrite, present → createDelete, ...)"},
	{ProfileDescriptionChanged, Info, KindProfile, "profile description changed (--descriptions only)"},
}

var ruleClass = func() map[string]Class {
	m := make(map[string]Class, len(rules))
	for _, r := range rules {
		m[r.ID] = r.Class
	}
	return m
}()

// Rules returns the rule catalogue, in a fixed order (by kind, then the
// order changes are usually read in).
func Rules() []Rule { return append([]Rule(nil), rules...) }

// ClassOf returns the class of a rule id ("" for an unknown id).
func ClassOf(rule string) Class { return ruleClass[rule] }
