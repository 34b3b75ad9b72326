package markup

import "strings"

// Expansion is what a template renders as.
type Expansion struct {
	// Text is shown as it is (escaped by the renderer).
	Text string
	// Code shows Text in a monospace font (names and values).
	Code bool
	// Href, when set, makes the expansion a link ("#Device.WiFi.").
	Href string
	// Inlines, when non-nil, are rendered in place of Text (a template
	// whose expansion is markup: {{deprecated|2.11|because {{param|X}} …}}).
	// They are rendered with the same Expander.
	Inlines []Inline
	// Omit renders nothing ({{nolist}}, {{issue}}, …).
	Omit bool
}

// Expander expands a template for a renderer; ok false means the
// renderer uses Default. A report's expander knows the item being
// described and resolves {{param|X}} to a link to X's anchor, expands
// {{enum}}, {{units}}, {{list}} from the item's syntax, and so on.
type Expander func(t *Inline) (e Expansion, ok bool)

// Default is the expansion of a template without context: names as code,
// references to the BBF bibliography as "[ID]", lifecycle templates as a
// sentence; the templates that restate the item's own syntax ({{enum}},
// {{list}}, {{units}} without arguments, …) and the editorial ones
// ({{issue}}, {{nolist}}, …) render as nothing; unknown templates as
// written.
func Default(t *Inline) Expansion {
	arg := t.ArgPlain(0)
	switch t.Text {
	case "param", "object", "command", "event", "enum", "pattern", "datatype",
		"profile", "inform", "notify":
		if arg == "" {
			return Expansion{Omit: true}
		}
		return Expansion{Text: arg, Code: true}
	case "template":
		// {{template|ID}} stands for text of a <template> element of the
		// defining document, which the resolved model does not keep (the
		// parser expands the templates it meets in descriptions; these
		// are nested in other templates' arguments).
		return Expansion{Omit: true}
	case "bibref":
		if arg == "" {
			return Expansion{Omit: true}
		}
		s := "[" + arg + "]"
		if sec := t.ArgPlain(1); sec != "" {
			s += " " + sec
		}
		return Expansion{Text: s}
	case "abbref", "gloref", "xref", "units":
		if arg == "" {
			return Expansion{Omit: true}
		}
		return Expansion{Text: arg}
	case "empty":
		return Expansion{Text: "an empty string"}
	case "null":
		return Expansion{Text: "null", Code: true}
	case "true", "false":
		return Expansion{Text: t.Text, Code: true}
	case "deprecated", "obsoleted", "deleted":
		return lifecycle(t)
	case "hidden":
		return Expansion{Text: "When read, this parameter returns an empty string, regardless of the actual value."}
	case "secured":
		return Expansion{Text: "When read, this parameter returns an empty string, regardless of the actual value (it is secured)."}
	case "div", "span", "mark":
		// {{div|classes|text}}
		if len(t.Args) >= 2 {
			return Expansion{Inlines: t.Args[1]}
		}
		return Expansion{Omit: true}
	case "issue", "nolist", "noenum", "nopattern", "nounits", "noreference",
		"nokeys", "nonumentries", "nohidden", "nosecured", "noenable", "ignore",
		"showid", "section", "appdate", "docname", "trname", "trref", "ss",
		"list", "reference", "numentries", "keys", "factory", "impldef",
		"paramdef", "mount", "minval", "maxval", "range", "size", "type",
		"enable":
		return Expansion{Omit: true}
	}
	return Expansion{Text: t.Raw}
}

// lifecycle expands {{deprecated|2.11|reason}} and its siblings.
func lifecycle(t *Inline) Expansion {
	var ins []Inline
	word := strings.ToUpper(t.Text)
	text := "This item was " + word
	if v := t.Arg(0); v != "" {
		text += " in " + v
	}
	ins = append(ins, Inline{Kind: Text, Pos: t.Pos, Text: text})
	if len(t.Args) >= 2 && t.Arg(1) != "" {
		ins = append(ins, Inline{Kind: Text, Pos: t.Pos, Text: " "})
		ins = append(ins, t.Args[1]...)
	}
	ins = append(ins, Inline{Kind: Text, Pos: t.Pos, Text: "."})
	return Expansion{Inlines: ins}
}

// ResolvePath returns the absolute path that a reference in a description
// names, as TR-106 reads it: relative to the object the description
// belongs to (objectPath, "Device.WiFi.Radio.{i}."), one level up per
// leading "#", from the root of the model for a leading ".", and as it is
// when it starts with the model's root object ("Device.").
// ResolvePath("Device.IP.Interface.{i}.", "#.LowerLayers") is
// "Device.IP.LowerLayers". Whether the result names a parameter, an
// object or a table (add "." or ".{i}.") is the caller's to find out.
func ResolvePath(objectPath, ref string) string {
	ref = strings.TrimSpace(ref)
	root := objectPath
	if i := strings.IndexByte(root, '.'); i >= 0 {
		root = root[:i]
	}
	switch {
	case ref == "":
		return objectPath
	case strings.HasPrefix(ref, "."):
		return root + ref
	case strings.HasPrefix(ref, "#"):
		base := strings.TrimSuffix(objectPath, ".")
		for strings.HasPrefix(ref, "#") {
			ref = ref[1:]
			base = strings.TrimSuffix(base, ".{i}")
			if i := strings.LastIndexByte(base, '.'); i >= 0 {
				base = base[:i]
			}
		}
		ref = strings.TrimPrefix(ref, ".")
		if ref == "" {
			return base + "."
		}
		return base + "." + ref
	case root != "" && (ref == root || strings.HasPrefix(ref, root+".")):
		return ref
	}
	if objectPath != "" && !strings.HasSuffix(objectPath, ".") {
		objectPath += "."
	}
	return objectPath + ref
}
