package cpe

import (
	"strconv"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/model"
)

// schemaIndex is what the CPE runtime derives once from a schema and shares
// between every device that uses it.
type schemaIndex struct {
	schema *model.Schema
	// root is the root object's path ("Device.", "InternetGatewayDevice.").
	root string
	// numEntries maps a NumberOfEntries parameter's schema path to the
	// schema path of the table whose instances it counts.
	numEntries map[string]string
	// forced lists the forced-inform parameters (schema paths; those in
	// tables are sent for every instance the device has).
	forced []string
	// notifying lists parameters whose notification is on by default
	// (forceEnabled, forceDefaultEnabled).
	notifying []string
	// defaults are the values TR-069 gives parameters the model has no
	// default for (retry policy, periodic inform...).
	defaults map[string]string
}

// wellKnownDefaults are the TR-069 defaults of management parameters,
// relative to the root object.
var wellKnownDefaults = map[string]string{
	"ManagementServer.CWMPRetryMinimumWaitInterval": "5",
	"ManagementServer.CWMPRetryIntervalMultiplier":  "2000",
	"ManagementServer.PeriodicInformEnable":         "false",
	"ManagementServer.PeriodicInformInterval":       "86400",
	"ManagementServer.HTTPConnectionRequestEnable":  "true",
	"ManagementServer.SupportedConnReqMethods":      "HTTP",
	"ManagementServer.InstanceMode":                 "InstanceNumber",
	"ManagementServer.EnableCWMP":                   "true",
}

var indexes sync.Map // *model.Schema → *schemaIndex

func indexOf(s *model.Schema) *schemaIndex {
	if v, ok := indexes.Load(s); ok {
		return v.(*schemaIndex)
	}
	ix := &schemaIndex{schema: s, numEntries: map[string]string{}}
	for _, e := range s.Entries() {
		if ix.root == "" && e.Object && strings.Count(e.Path, ".") == 1 {
			ix.root = e.Path
		}
		if e.IsTable() && e.NumEntriesParameter != "" {
			parent := model.ParentPath(e.Path)
			ix.numEntries[parent+e.NumEntriesParameter] = e.Path
		}
		if !e.Object && e.ForcedInform {
			ix.forced = append(ix.forced, e.Path)
		}
		if !e.Object && !strings.Contains(e.Path, "{i}") {
			if e.ActiveNotify == model.NotifyForceEnabled || e.ActiveNotify == model.NotifyForceDefaultEnabled {
				ix.notifying = append(ix.notifying, e.Path)
			}
		}
	}
	if ix.root == "" && len(s.Entries()) > 0 {
		p := s.Entries()[0].Path
		if i := strings.IndexByte(p, '.'); i >= 0 {
			ix.root = p[:i+1]
		}
	}
	ix.defaults = map[string]string{}
	for rel, v := range wellKnownDefaults {
		if e, ok := s.Lookup(ix.root + rel); ok && !e.Object && (e.Syntax.Default == nil || e.Syntax.Default.Type == "parameter") {
			ix.defaults[e.Path] = v
		}
	}
	if e, ok := s.Lookup(ix.root + "RootDataModelVersion"); ok && !e.Object {
		if i := strings.IndexByte(s.Model, ':'); i >= 0 {
			ix.defaults[e.Path] = s.Model[i+1:]
		}
	}
	v, _ := indexes.LoadOrStore(s, ix)
	return v.(*schemaIndex)
}

// defaultValue is the value a parameter has before anything sets it: the
// model's default, or the zero value of its type.
func (ix *schemaIndex) defaultValue(e *model.Entry) string {
	if v, ok := ix.defaults[e.Path]; ok {
		return v
	}
	return defaultValue(e)
}

func defaultValue(e *model.Entry) string {
	if e.Syntax == nil {
		return ""
	}
	if d := e.Syntax.Default; d != nil && d.Type != "parameter" {
		if model.CheckType(e.Syntax.WireType(), d.Value) == nil {
			return d.Value
		}
	}
	return zeroValue(e.Syntax.WireType())
}

func zeroValue(t model.BaseType) string {
	switch t {
	case model.TypeInt, model.TypeUnsignedInt, model.TypeLong, model.TypeUnsignedLong, model.TypeDecimal:
		return "0"
	case model.TypeBoolean:
		return "false"
	case model.TypeDateTime:
		return model.UnknownTime
	}
	return ""
}

// xsdType is the xsi:type a value of type t travels with.
func xsdType(t model.BaseType) string {
	if t == model.TypeBase64 {
		return "xsd:base64Binary"
	}
	return "xsd:" + string(t)
}

// parseXSDType reads an xsi:type ("xsd:base64Binary" included).
func parseXSDType(s string) (model.BaseType, bool) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	if s == "base64Binary" {
		return model.TypeBase64, true
	}
	return model.ParseBaseType(s)
}

// tableOf splits an instance path segment by segment and calls fn for each
// instance number with the table path before it: "Device.IP.Interface.1.
// IPv4Address.2.Enable" gives ("Device.IP.Interface.", 1) and
// ("Device.IP.Interface.1.IPv4Address.", 2). It stops and returns false
// when fn does, or at an alias segment.
func eachInstance(path string, fn func(table string, inst uint32) bool) bool {
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		seg := path[start:i]
		if seg != "" && seg[0] == '[' {
			return false
		}
		if seg != "" && isDigits(seg) {
			n := uint64(0)
			for j := 0; j < len(seg); j++ {
				n = n*10 + uint64(seg[j]-'0')
				if n > 1<<32-1 {
					return false
				}
			}
			if !fn(path[:start], uint32(n)) {
				return false
			}
		}
		start = i + 1
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// expand returns the instance paths of schema path sp ("{i}" for
// instances, or concrete numbers) that exist in store.
func expand(store Store, sp string) []string {
	i := strings.Index(sp, "{i}")
	if i < 0 {
		return []string{sp}
	}
	var out []string
	for _, n := range store.Instances(sp[:i]) {
		out = append(out, expand(store, sp[:i]+strconv.FormatUint(uint64(n), 10)+sp[i+3:])...)
	}
	return out
}
