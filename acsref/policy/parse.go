package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// MaxDocumentSize bounds what Parse reads: a policy is a page, not a
// database.
const MaxDocumentSize = 1 << 20

// Error is one problem with a policy: the policy's name, the line in its
// document, the path and the rule it breaks. The rule names are stable
// (the NBI answers them, tests match them).
type Error struct {
	Policy string `json:"policy,omitempty"`
	Line   int    `json:"line,omitempty"`
	Path   string `json:"path,omitempty"`
	Rule   string `json:"rule"`
	Msg    string `json:"error"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Policy != "" {
		b.WriteString("policy " + strconv.Quote(e.Policy))
	}
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "line %d", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	fmt.Fprintf(&b, "%s [%s]", e.Msg, e.Rule)
	return b.String()
}

// Errors is the list of problems Parse or Check found.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Err returns es as an error, nil when empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Rules of Error.
const (
	RuleSyntax       = "syntax"        // not YAML/JSON, or a field of the wrong shape
	RuleField        = "unknown-field" // a field the format does not define
	RuleRequired     = "required"      // a required field is missing
	RuleUnknownModel = "unknown-model" // no compiled model of that name
	RuleUnknownPath  = "unknown-path"  // the model defines no such path
	RuleNotParameter = "not-parameter" // an object where a parameter is needed
	RuleNotTable     = "not-table"     // objects: not a multi-instance object
	RuleReadOnly     = "read-only"     // the model makes the parameter read-only
	RuleTableFixed   = "table-read-only"
	RuleOutsideModel = "outside-model" // a path outside the policy's model
	RuleVendor       = "vendor"        // a vendor path not declared in vendor:
	RuleValuePrefix  = "value-"        // + model rule: value-type, value-range, ...
	RuleCELSyntax    = "cel-syntax"    // the expression does not parse
	RuleCELType      = "cel-type"      // the expression does not type-check
	RuleConflict     = "conflict"      // two policies set one parameter differently at equal priority
	RuleSchedule     = "schedule"      // a bad interval, cron spec or spread
	RuleNotification = "notification"  // notification out of 0..2, or forced by the model
	RuleEvent        = "event"         // an unknown trigger event
	RuleDuplicate    = "duplicate"     // a path or name given twice
	RuleUnknownGroup = "unknown-group" // groups: names no group of the policy's model
)

// Parse reads one or more documents (YAML, "---"-separated, or JSON) from
// data. source names the input in errors.
func Parse(data []byte) ([]*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, Errors{{Rule: RuleSyntax, Msg: fmt.Sprintf("document larger than %d bytes", MaxDocumentSize)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*Document
	var nodes []*yaml.Node
	var errs Errors
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, append(errs, &Error{Line: yamlErrLine(err), Rule: RuleSyntax, Msg: err.Error()})
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = *n.Content[0]
		}
		if n.Kind == yaml.SequenceNode { // a JSON array of documents
			for _, c := range n.Content {
				d, es := parseDoc(c)
				errs = append(errs, es...)
				if d != nil {
					docs, nodes = append(docs, d), append(nodes, c)
				}
			}
			continue
		}
		d, es := parseDoc(&n)
		errs = append(errs, es...)
		if d != nil {
			docs, nodes = append(docs, d), append(nodes, &n)
		}
	}
	if len(docs) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{Rule: RuleRequired, Msg: "no document"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// Each document keeps its own source: the input itself when it is
	// the only one, else its YAML re-encoding (comments kept).
	for i, n := range nodes {
		if len(docs) == 1 {
			docs[i].Source = string(data)
			break
		}
		b, err := yaml.Marshal(n)
		if err != nil {
			return nil, Errors{{Policy: docs[i].Name, Line: docs[i].Line, Rule: RuleSyntax, Msg: err.Error()}}
		}
		docs[i].Source = string(b)
	}
	return docs, nil
}

func yamlErrLine(err error) int {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if i := strings.Index(msg, "line "); i >= 0 {
		n := 0
		for _, r := range msg[i+5:] {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
		}
		return n
	}
	return 0
}

// parser collects errors while walking one document's nodes.
type parser struct {
	name string
	errs Errors
}

func (p *parser) fail(n *yaml.Node, path, rule, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Policy: p.name, Line: line, Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// fields walks a mapping node; known lists its keys, each handled by f.
func (p *parser) fields(n *yaml.Node, what string, f map[string]func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "", RuleSyntax, "%s is a mapping", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := f[k.Value]
		if !ok {
			known := make([]string, 0, len(f))
			for name := range f {
				known = append(known, name)
			}
			sortStrings(known)
			p.fail(k, "", RuleField, "%s has no field %q (fields: %s)", what, k.Value, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			p.fail(k, "", RuleDuplicate, "%s: field %q given twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		h(k, v)
	}
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, "", RuleSyntax, "%s is a scalar", what)
		return ""
	}
	return n.Value
}

func (p *parser) integer(n *yaml.Node, what string) int {
	s := p.str(n, what)
	v, err := strconv.Atoi(s)
	if err != nil && s != "" {
		p.fail(n, "", RuleSyntax, "%s is an integer, not %q", what, s)
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	s := p.str(n, what)
	b, err := strconv.ParseBool(s)
	if err != nil && s != "" {
		p.fail(n, "", RuleSyntax, "%s is true or false, not %q", what, s)
	}
	return b
}

func (p *parser) duration(n *yaml.Node, what string) time.Duration {
	s := p.str(n, what)
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		if s != "" {
			p.fail(n, "", RuleSchedule, "%s is a positive duration such as 90s, 30m or 24h, not %q", what, s)
		}
		return 0
	}
	return d
}

func (p *parser) strings(n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "", RuleSyntax, "%s is a list", what)
		return nil
	}
	out := []string{}
	for _, c := range n.Content {
		out = append(out, p.str(c, what+" item"))
	}
	return out
}

func (p *parser) expr(n *yaml.Node, what string) *Expr {
	s := p.str(n, what)
	if s == "" {
		return nil
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // a block scalar's text starts on the next line
	}
	return &Expr{Source: s, Line: line}
}

// value reads a desired value: a scalar constant or {expr: ...}.
func (p *parser) value(path string, n *yaml.Node) Value {
	v := Value{Path: path, Line: n.Line}
	switch {
	case n.Kind == yaml.MappingNode:
		p.fields(n, "value of "+path, map[string]func(k, v *yaml.Node){
			"expr": func(_, e *yaml.Node) { v.Expr = p.expr(e, "expr") },
		})
		if v.Expr == nil {
			p.fail(n, path, RuleRequired, "a computed value is {expr: <CEL>}")
		}
	case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
		v.Constant = n.Value
	default:
		p.fail(n, path, RuleSyntax, "a value is a scalar or {expr: <CEL>}")
	}
	return v
}

func (p *parser) values(n *yaml.Node, what string) []Value {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "", RuleSyntax, "%s is a mapping of path to value", what)
		return nil
	}
	var out []Value
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if seen[k.Value] {
			p.fail(k, k.Value, RuleDuplicate, "set twice in %s", what)
			continue
		}
		seen[k.Value] = true
		out = append(out, p.value(k.Value, n.Content[i+1]))
		out[len(out)-1].Line = k.Line
	}
	return out
}

func (p *parser) list(n *yaml.Node, what string, each func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "", RuleSyntax, "%s is a list", what)
		return
	}
	for _, c := range n.Content {
		each(c)
	}
}

func parseDoc(n *yaml.Node) (*Document, Errors) {
	p := &parser{}
	d := &Document{Kind: KindPolicy, Line: n.Line}
	if n.Kind == yaml.MappingNode {
		// The name first, so that every error names its policy.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
				p.name = n.Content[i+1].Value
			}
		}
	}
	pol := &Policy{Line: n.Line}
	var vir Virtual
	var devices []string
	hasDevices := false
	p.fields(n, "a document", map[string]func(k, v *yaml.Node){
		"kind":     func(_, v *yaml.Node) { d.Kind = p.str(v, "kind") },
		"name":     func(_, v *yaml.Node) { d.Name = p.str(v, "name") },
		"model":    func(_, v *yaml.Node) { d.Model = p.str(v, "model") },
		"priority": func(_, v *yaml.Node) { pol.Priority = p.integer(v, "priority") },
		"match":    func(_, v *yaml.Node) { pol.Match = p.expr(v, "match") },
		"vendor":   func(_, v *yaml.Node) { pol.Vendor = p.strings(v, "vendor") },
		"groups":   func(_, v *yaml.Node) { pol.Groups = p.strings(v, "groups") },
		"rollout": func(_, v *yaml.Node) {
			if pol.Rollout = p.str(v, "rollout"); pol.Rollout != RolloutCampaign {
				p.fail(v, "", RuleSyntax, "rollout is %q (the policy reaches a device only once a campaign of it has started there), not %q", RolloutCampaign, pol.Rollout)
			}
		},
		"devices": func(_, v *yaml.Node) { devices, hasDevices = p.strings(v, "devices"), true },
		"type":    func(_, v *yaml.Node) { vir.Type = p.str(v, "type") },
		"expr":    func(_, v *yaml.Node) { vir.Expr = p.expr(v, "expr") },
		"triggers": func(_, v *yaml.Node) {
			pol.Triggers.Line = v.Line
			p.fields(v, "triggers", map[string]func(k, v *yaml.Node){
				"events": func(_, v *yaml.Node) { pol.Triggers.Events = p.strings(v, "events") },
				"schedule": func(_, v *yaml.Node) {
					s := &Schedule{Line: v.Line}
					p.fields(v, "schedule", map[string]func(k, v *yaml.Node){
						"every":  func(_, v *yaml.Node) { s.Every = p.duration(v, "every") },
						"cron":   func(_, v *yaml.Node) { s.Cron = p.str(v, "cron") },
						"spread": func(_, v *yaml.Node) { s.Spread = p.duration(v, "spread") },
					})
					pol.Triggers.Schedule = s
				},
			})
		},
		"values": func(_, v *yaml.Node) { pol.Values = p.values(v, "values") },
		"objects": func(_, v *yaml.Node) {
			p.list(v, "objects", func(c *yaml.Node) {
				o := Object{Line: c.Line}
				p.fields(c, "an object", map[string]func(k, v *yaml.Node){
					"table":        func(_, v *yaml.Node) { o.Table = p.str(v, "table") },
					"key":          func(_, v *yaml.Node) { o.Key = p.values(v, "key") },
					"values":       func(_, v *yaml.Node) { o.Values = p.values(v, "values") },
					"deleteOthers": func(_, v *yaml.Node) { o.DeleteOthers = p.boolean(v, "deleteOthers") },
				})
				pol.Objects = append(pol.Objects, o)
			})
		},
		"attributes": func(_, v *yaml.Node) {
			p.list(v, "attributes", func(c *yaml.Node) {
				a := Attribute{Line: c.Line}
				p.fields(c, "an attribute", map[string]func(k, v *yaml.Node){
					"path": func(_, v *yaml.Node) { a.Path = p.str(v, "path") },
					"notification": func(_, v *yaml.Node) {
						n := p.integer(v, "notification")
						a.Notification = &n
					},
					"accessList": func(_, v *yaml.Node) { a.AccessList, a.HasAccess = p.strings(v, "accessList"), true },
				})
				pol.Attributes = append(pol.Attributes, a)
			})
		},
		"freshness": func(_, v *yaml.Node) {
			p.list(v, "freshness", func(c *yaml.Node) {
				f := Freshness{Line: c.Line}
				p.fields(c, "a freshness entry", map[string]func(k, v *yaml.Node){
					"path":   func(_, v *yaml.Node) { f.Path = p.str(v, "path") },
					"maxAge": func(_, v *yaml.Node) { f.MaxAge = p.duration(v, "maxAge") },
				})
				pol.Freshness = append(pol.Freshness, f)
			})
		},
		"firmware": func(_, v *yaml.Node) {
			fw := &Firmware{Line: v.Line}
			p.fields(v, "firmware", map[string]func(k, v *yaml.Node){
				"version":  func(_, v *yaml.Node) { fw.Version = p.str(v, "version") },
				"file":     func(_, v *yaml.Node) { fw.File = p.str(v, "file") },
				"fileType": func(_, v *yaml.Node) { fw.FileType = p.str(v, "fileType") },
			})
			pol.Firmware = fw
		},
	})
	if n.Kind != yaml.MappingNode {
		return nil, p.errs
	}
	if d.Name == "" {
		p.fail(n, "", RuleRequired, "a document needs a name")
	} else if !validName(d.Name) {
		p.fail(n, "", RuleSyntax, "name %q: letters, digits, '-', '_' and '.', at most 64", d.Name)
	}
	if d.Model == "" {
		p.fail(n, "", RuleRequired, "a document needs a model (Device:2, InternetGatewayDevice:1, VoiceService:2, STBService:1)")
	}
	others := vir.Type != "" || vir.Expr != nil || len(pol.Values) > 0 || len(pol.Objects) > 0 || len(pol.Attributes) > 0 ||
		pol.Firmware != nil || len(pol.Freshness) > 0 || len(pol.Groups) > 0 || pol.Triggers.Line != 0 || pol.Priority != 0 || len(pol.Vendor) > 0
	switch d.Kind {
	case KindPolicy:
		if vir.Type != "" || vir.Expr != nil {
			p.fail(n, "", RuleField, "type and expr belong to a VirtualParameter document")
		}
		if hasDevices {
			p.fail(n, "", RuleField, "devices belongs to a Group document")
		}
		d.Policy = pol
	case KindGroup:
		if others {
			p.fail(n, "", RuleField, "a Group has name, model, and match or devices only")
		}
		if (pol.Match == nil) == !hasDevices {
			p.fail(n, "", RuleRequired, "a Group has match (dynamic) or devices (static), not both")
		}
		d.Group = &Group{Match: pol.Match, Devices: devices}
	case KindVirtual:
		if hasDevices || len(pol.Groups) > 0 || pol.Match != nil || len(pol.Values) > 0 || len(pol.Objects) > 0 || len(pol.Attributes) > 0 || pol.Firmware != nil || len(pol.Freshness) > 0 {
			p.fail(n, "", RuleField, "a VirtualParameter has name, model, type and expr only")
		}
		if vir.Type == "" || vir.Expr == nil {
			p.fail(n, "", RuleRequired, "a VirtualParameter needs type and expr")
		}
		d.Virtual = &vir
	default:
		p.fail(n, "", RuleSyntax, "kind %q: Policy, VirtualParameter or Group", d.Kind)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return d, nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func sortStrings(s []string) { sort.Strings(s) }
