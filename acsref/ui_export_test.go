package acsref

import (
	"encoding/json"
	"strconv"

	"github.com/dmforge/dmforge/model"
)

// UIInputData is what the device page writes in an inline edit's data
// attributes for a syntax (device.html: data-type, data-ranges, …).
func UIInputData(sx *model.Syntax) map[string]string {
	_, ranges, sizes, enums := facets(sx)
	e, _ := json.Marshal(enums)
	m := map[string]string{"type": string(sx.Type), "ranges": ranges, "sizes": sizes, "enums": string(e),
		"list": strconv.FormatBool(sx.List != nil), "patterns": uiPatterns(sx)}
	lf := uiListFacets(sx)
	for k, v := range map[string]string{"listSize": lf.ListSize, "minItems": lf.MinItems, "maxItems": lf.MaxItems} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
