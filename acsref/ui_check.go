package acsref

import (
	"encoding/json"
	"strconv"

	"github.com/dmforge/dmforge/model"
)

// The page's value check (ui/static/app.js) mirrors model.CheckValue, the
// one place of the TR-106 value rules; the server checks again with it
// before queuing a task. What the script needs of a syntax is put in the
// value input's data attributes: type, ranges (min:max[:step]), sizes,
// enumerations, list, and the patterns below.

// uiPattern is one pattern for the page: the expression as model
// compiles it (anchored RE2, which JavaScript's RegExp reads for the
// patterns of the BBF models), and as the model writes it (for the
// message).
type uiPattern struct {
	RE   string `json:"re"`
	Text string `json:"text"`
}

// uiPatterns is the JSON of the syntax's patterns that model.CheckValue
// applies: not deleted, and compiling (a pattern that does not compile
// cannot be broken, there as here).
func uiPatterns(sx *model.Syntax) string {
	var out []uiPattern
	for _, p := range sx.Patterns {
		if p.Status == model.Deleted {
			continue
		}
		if _, err := model.CompilePattern(p.Value); err != nil {
			continue
		}
		out = append(out, uiPattern{RE: model.PatternRegexp(p.Value), Text: p.Value})
	}
	if len(out) == 0 {
		return ""
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// ListFacets are a list's facets for the page: the whole string's size
// ("min:max") and the item counts ("" when unbounded).
type ListFacets struct {
	ListSize, MinItems, MaxItems string
}

func uiListFacets(sx *model.Syntax) ListFacets {
	var f ListFacets
	l := sx.List
	if l == nil {
		return f
	}
	u := func(p *uint64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatUint(*p, 10)
	}
	if l.Size != nil {
		f.ListSize = u(l.Size.Min) + ":" + u(l.Size.Max)
	}
	f.MinItems, f.MaxItems = u(l.MinItems), u(l.MaxItems)
	return f
}
