package cpe

// Alias-Based Addressing (TR-069 3.6.1, CWMP 1.3 and later): an instance
// of a table with an Alias parameter may be named by its alias in square
// brackets instead of its number: "Device.IP.Interface.[wan].Enable".
//
// The device says it supports the mechanism with
// ManagementServer.AliasBasedAddressing; then
//   - every RPC that takes a path accepts instance aliases;
//   - AddObject on "Table.[alias]." creates the instance with that alias;
//   - SetParameterValues creates the instances of unknown aliases when
//     ManagementServer.AutoCreateInstances is true (atomically with the
//     values), and answers 9005 when it is false;
//   - with ManagementServer.InstanceMode InstanceAlias, the paths the CPE
//     returns (GetParameterNames, GetParameterValues,
//     GetParameterAttributes, the Inform's ParameterList) name instances by
//     alias;
//   - an alias must not be empty, must start with a letter, must be unique
//     in its table, and one the CPE assigns starts with "cpe-" (the Alias
//     data type of TR-106). An alias cannot be named in a path if it holds
//     '.', '[' or ']', so such values are refused too.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// aliasParam is the name of the parameter that holds an instance's alias.
const aliasParam = "Alias"

// aliasAddressing reports whether the device supports Alias-Based Addressing.
func (h *Handler) aliasAddressing() bool {
	v, ok := h.get(indexOf(h.Schema).root + "ManagementServer.AliasBasedAddressing")
	return ok && (v == "true" || v == "1")
}

// aliasMode reports whether returned paths name instances by alias.
func (h *Handler) aliasMode() bool {
	if !h.aliasAddressing() {
		return false
	}
	v, _ := h.get(indexOf(h.Schema).root + "ManagementServer.InstanceMode")
	return v == "InstanceAlias"
}

// autoCreate reports whether SetParameterValues creates the instances of
// unknown aliases.
func (h *Handler) autoCreate() bool {
	v, _ := h.get(indexOf(h.Schema).root + "ManagementServer.AutoCreateInstances")
	return v == "true" || v == "1"
}

// hasAlias reports whether instances of the table (instance path without
// instance, "Device.IP.Interface.") have an Alias parameter.
func (h *Handler) hasAlias(table string) bool {
	sp, ok := model.SchemaPath(table + "1." + aliasParam)
	if !ok {
		return false
	}
	e, ok := h.Schema.Lookup(sp)
	return ok && !e.Object
}

// instanceByAlias returns the number of the instance of table whose alias
// is alias.
func (h *Handler) instanceByAlias(table, alias string) (uint32, bool) {
	for _, n := range h.Store.Instances(table) {
		if v, ok := h.get(table + strconv.FormatUint(uint64(n), 10) + "." + aliasParam); ok && v == alias {
			return n, true
		}
	}
	return 0, false
}

// missingAlias is an instance alias a path names that no instance has.
type missingAlias struct {
	table string // instance path of the table, numbers only ("Device.IP.Interface.")
	alias string
	rest  string // the path after "[alias]." ("" for the instance itself)
}

// toNumbers rewrites every instance alias of path to its instance number.
// A path without aliases is returned as is. When an alias is unknown, the
// path up to it comes back in missing (and out is ""); an alias where the
// device does not support aliases, or in a table without Alias, is 9005.
func (h *Handler) toNumbers(path string) (out string, missing *missingAlias, f *cwmp.Fault) {
	if !strings.Contains(path, "[") {
		return path, nil, nil
	}
	bad := func(why string) (string, *missingAlias, *cwmp.Fault) {
		return "", nil, faultf(cwmp.FaultInvalidParameterName, "invalid parameter name %s: %s", path, why)
	}
	if !h.aliasAddressing() {
		return bad("the device does not support Alias-Based Addressing")
	}
	var b strings.Builder
	rest := path
	for rest != "" {
		if rest[0] != '[' {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:i+1])
			rest = rest[i+1:]
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 || (end+1 < len(rest) && rest[end+1] != '.') {
			return bad("unterminated instance alias")
		}
		alias := rest[1:end]
		table := b.String()
		if alias == "" || !h.hasAlias(table) {
			return bad("no instance alias here")
		}
		after := rest[end+1:] // "", "." or ".Name..."
		rest = strings.TrimPrefix(after, ".")
		n, ok := h.instanceByAlias(table, alias)
		if !ok {
			if !h.exists(table) {
				return bad("no such object " + table)
			}
			return "", &missingAlias{table: table, alias: alias, rest: rest}, nil
		}
		b.WriteString(strconv.FormatUint(uint64(n), 10))
		if after != "" {
			b.WriteByte('.')
		}
	}
	return b.String(), nil, nil
}

// numbers is toNumbers where an unknown alias is 9005 too.
func (h *Handler) numbers(path string) (string, *cwmp.Fault) {
	out, missing, f := h.toNumbers(path)
	if f != nil {
		return "", f
	}
	if missing != nil {
		return "", faultf(cwmp.FaultInvalidParameterName, "invalid parameter name %s: no instance with alias %q", path, missing.alias)
	}
	return out, nil
}

// present writes path as the CPE returns it: in InstanceAlias mode every
// instance of a table with Alias is named by its alias.
func (h *Handler) present(path string) string {
	if !h.aliasMode() {
		return path
	}
	return h.aliased(path)
}

func (h *Handler) aliased(path string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		seg := path[start:i]
		if seg != "" && isDigits(seg) {
			table := path[:start]
			if h.hasAlias(table) {
				if v, ok := h.get(path[:i] + "." + aliasParam); ok && v != "" {
					seg = "[" + v + "]"
				}
			}
		}
		b.WriteString(seg)
		if i < len(path) {
			b.WriteByte('.')
		}
		start = i + 1
	}
	return b.String()
}

// checkAlias checks a new alias for an instance of table (TR-106 Alias
// rules; see the top of this file). Its fault is 9007.
func (h *Handler) checkAlias(table, alias string, self uint32) *cwmp.Fault {
	switch {
	case alias == "":
		return faultf(cwmp.FaultInvalidParameterValue, "an alias must not be empty")
	case !('a' <= alias[0] && alias[0] <= 'z' || 'A' <= alias[0] && alias[0] <= 'Z'):
		return faultf(cwmp.FaultInvalidParameterValue, "alias %q does not start with a letter", alias)
	case strings.ContainsAny(alias, ".[]"):
		return faultf(cwmp.FaultInvalidParameterValue, "alias %q holds '.', '[' or ']', which a path cannot name", alias)
	}
	if n, ok := h.instanceByAlias(table, alias); ok && n != self {
		return faultf(cwmp.FaultInvalidParameterValue, "alias %q is already used by %s%d.", alias, table, n)
	}
	return nil
}

// cpeAlias is the alias the CPE gives an instance the ACS named none for.
func (h *Handler) cpeAlias(table string, n uint32) string {
	a := fmt.Sprintf("cpe-%d", n)
	for i := 2; ; i++ {
		if _, taken := h.instanceByAlias(table, a); !taken {
			return a
		}
		a = fmt.Sprintf("cpe-%d-%d", n, i)
	}
}

// createInstance adds an instance to table with alias (or one the CPE
// picks when alias is ""), as AddObject and the Auto-Create Instance
// mechanism do.
func (h *Handler) createInstance(table, alias string) (uint32, *cwmp.Fault) {
	e, ok := h.Schema.Lookup(mustSchemaPath(table) + "{i}.")
	if !ok || !e.IsTable() {
		return 0, faultf(cwmp.FaultInvalidParameterName, "%s is not a table", table)
	}
	if e.Access != model.ReadWrite {
		return 0, faultf(cwmp.FaultRequestDenied, "%s does not allow AddObject", table)
	}
	if e.MaxEntries != model.Unbounded && len(h.Store.Instances(table)) >= e.MaxEntries {
		return 0, faultf(cwmp.FaultResourcesExceeded, "%s has its maximum of %d entries", table, e.MaxEntries)
	}
	named := alias != ""
	if named {
		if f := h.checkAlias(table, alias, 0); f != nil {
			return 0, f
		}
	}
	n, err := h.Store.AddInstance(table)
	if err != nil {
		return 0, asFault(err)
	}
	if h.aliasAddressing() && h.hasAlias(table) {
		if !named {
			alias = h.cpeAlias(table, n)
		}
		p := table + strconv.FormatUint(uint64(n), 10) + "." + aliasParam
		if err := h.Store.Set([]model.ParameterValue{{Name: p, Value: alias, Type: model.TypeString}}); err != nil {
			_ = h.Store.DeleteInstance(table + strconv.FormatUint(uint64(n), 10) + ".")
			return 0, asFault(err)
		}
	}
	return n, nil
}

// AssignAliases gives every instance without an alias one the CPE picks,
// when the device supports Alias-Based Addressing (an alias must not be
// empty). The agent calls it once at start.
func (h *Handler) AssignAliases() error {
	if !h.aliasAddressing() || isDumpStore(h.Store) {
		return nil // a dump's device keeps the aliases it reported
	}
	for _, e := range h.Schema.Entries() {
		if !e.IsTable() {
			continue
		}
		if a, ok := h.Schema.Lookup(e.Path + aliasParam); !ok || a.Object {
			continue
		}
		for _, inst := range expand(h.Store, strings.TrimSuffix(e.Path, ".")) {
			p := inst + "." + aliasParam
			if v, ok := h.get(p); !ok || v != "" {
				continue
			}
			table := inst[:strings.LastIndexByte(inst, '.')+1]
			n, _ := strconv.ParseUint(inst[len(table):], 10, 32)
			// One at a time, so that each alias is unique among those
			// assigned before it.
			if err := h.Store.Set([]model.ParameterValue{{Name: p, Value: h.cpeAlias(table, uint32(n)), Type: model.TypeString}}); err != nil {
				return fmt.Errorf("cpe: assigning an alias to %s: %w", inst, err)
			}
		}
	}
	return nil
}

func mustSchemaPath(p string) string {
	sp, _ := model.SchemaPath(p)
	return sp
}
